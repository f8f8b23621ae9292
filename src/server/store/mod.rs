//! The app store: the app's own data (datasources, settings). SQLite by default,
//! PostgreSQL when `DATABASE_URL=postgres://…`. One sqlx `Any` pool and one migration set.
use sqlx::{any::AnyPoolOptions, AnyPool};

use super::error::StartupResult;

mod accounts;
mod audit;
mod conversations;
mod datasources;
mod verified;
pub use accounts::{NewUserRecord, TokenAccess, TokenGrant, LOCAL_USERNAME};
pub use audit::{AuditAction, AuditRecord, AuditStatus};
pub use conversations::TurnRecord;
pub use datasources::{is_unique_violation, DatasourceRecord, DatasourceFields};

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: &'static str,
    /// Reads of stored datasource rows: each operation should resolve its datasource once.
    datasource_reads: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// The SQLite store holds password hashes and session hashes: only the app's own user may
/// read it. The file is made (or re-moded) 0600 before SQLite opens it, and SQLite gives its
/// WAL and shared-memory files the mode of the database file.
fn restrict_sqlite_file(url: &str) -> StartupResult<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    let open = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path);
    if let Err(e) = open.and_then(|_| std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))) {
        return Err(format!("cannot open the app store {path}: {e}").into());
    }
    Ok(())
}

impl Store {
    /// How many times a stored datasource row was read (by `get_datasource`) since start-up.
    pub fn datasource_row_reads(&self) -> u64 {
        self.datasource_reads.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Connects and applies pending migrations.
    pub async fn connect(url: &str) -> StartupResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            "sqlite"
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            "postgres"
        } else {
            return Err("DATABASE_URL must start with sqlite:// or postgres://".into());
        };
        let mut options = AnyPoolOptions::new()
            .max_connections(if backend == "sqlite" { 4 } else { 8 })
            .acquire_timeout(std::time::Duration::from_secs(5));
        if backend == "sqlite" {
            // Foreign keys and a busy timeout on every connection: SQLite defaults to neither.
            // WAL with synchronous=NORMAL: readers never wait for the writer, and a commit is one
            // append instead of several fsyncs (durable across a process crash; the last commits
            // may roll back on power loss, which an app store of settings and history can take).
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        if backend == "sqlite" {
            restrict_sqlite_file(url)?;
        }
        let pool = options.connect(url).await.map_err(|e| format!("cannot open the app store: {e}"))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| format!("cannot migrate the app store: {e}"))?;
        Ok(Store { pool, backend, datasource_reads: Default::default() })
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// A cheap round trip, for health checks.
    /// Open and idle connections of the store's pool.
    pub fn pool_usage(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    pub async fn get_setting(&self, key: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// Sets `key` only if it is unset; true for the one caller that set it.
    pub async fn claim_setting(&self, key: &str, value: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_setting(&self, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(&self.pool).await.map(|_| ())
    }

    pub async fn close(&self) {
        self.pool.close().await
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
