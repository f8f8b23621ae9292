//! One small connection pool per datasource, created lazily, closed when idle or deleted.
use std::{
    collections::HashMap,
    path::Path,
    sync::Mutex,
    time::{Duration, Instant},
};

use secrecy::ExposeSecret;
use sqlx::{
    mysql::{MySqlConnectOptions, MySqlSslMode},
    pool::PoolOptions,
    postgres::{PgConnectOptions, PgSslMode},
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
    MySqlPool, PgPool, SqlitePool,
};

use super::config::{DatasourceConfig, ServerConfig};
use crate::{app::model::SslMode, server::error::AppError};

/// Small on purpose: one user's datasource must not exhaust the server or the database.
const MAX_CONNECTIONS: u32 = 4;
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Pools unused this long are closed by `evict_idle`.
pub const IDLE_POOL_TTL: Duration = Duration::from_secs(600);

#[derive(Clone, Debug)]
pub enum DatasourcePool {
    Postgres { pool: PgPool, options: PgConnectOptions },
    MySql { pool: MySqlPool, options: MySqlConnectOptions },
    Sqlite(SqlitePool),
}

impl DatasourcePool {
    pub async fn close(&self) {
        match self {
            DatasourcePool::Postgres { pool, .. } => pool.close().await,
            DatasourcePool::MySql { pool, .. } => pool.close().await,
            DatasourcePool::Sqlite(pool) => pool.close().await,
        }
    }
}

pub fn pg_connect_options(cfg: &ServerConfig, connect_host: &str) -> PgConnectOptions {
    let ssl = match cfg.sslmode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Prefer => PgSslMode::Prefer,
        SslMode::Require => PgSslMode::Require,
        SslMode::VerifyCa => PgSslMode::VerifyCa,
        SslMode::VerifyFull => PgSslMode::VerifyFull,
    };
    let mut o = PgConnectOptions::new()
        .host(connect_host)
        .port(cfg.port)
        .database(&cfg.database)
        .username(&cfg.user)
        .ssl_mode(ssl)
        .application_name("databaseai")
        // Session defaults as one more layer; each query also runs in its own
        // READ ONLY transaction with SET LOCAL limits.
        .options([("default_transaction_read_only", "on"), ("statement_timeout", "60000")]);
    if let Some(p) = &cfg.password {
        o = o.password(p.expose_secret());
    }
    o
}

pub fn mysql_connect_options(cfg: &ServerConfig, connect_host: &str) -> MySqlConnectOptions {
    let ssl = match cfg.sslmode {
        SslMode::Disable => MySqlSslMode::Disabled,
        SslMode::Prefer => MySqlSslMode::Preferred,
        SslMode::Require => MySqlSslMode::Required,
        SslMode::VerifyCa => MySqlSslMode::VerifyCa,
        SslMode::VerifyFull => MySqlSslMode::VerifyIdentity,
    };
    let mut o = MySqlConnectOptions::new()
        .host(connect_host)
        .port(cfg.port)
        .database(&cfg.database)
        .username(&cfg.user)
        .ssl_mode(ssl)
        .charset("utf8mb4");
    if let Some(p) = &cfg.password {
        o = o.password(p.expose_secret());
    }
    o
}

/// The same small pool for every database server.
fn server_pool_options<DB: sqlx::Database>() -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .min_connections(0)
        .acquire_timeout(CONNECT_TIMEOUT)
        .idle_timeout(Duration::from_secs(120))
        .max_lifetime(Duration::from_secs(1800))
}

/// Builds a pool without connecting; the first use connects.
pub fn build_pool(config: &DatasourceConfig, connect_host: Option<&str>, data_dir: &Path) -> DatasourcePool {
    match config {
        DatasourceConfig::Postgres(cfg) => {
            let options = pg_connect_options(cfg, connect_host.unwrap_or(&cfg.host));
            let pool = server_pool_options().connect_lazy_with(options.clone());
            DatasourcePool::Postgres { pool, options }
        }
        DatasourceConfig::MySql(cfg) => {
            let options = mysql_connect_options(cfg, connect_host.unwrap_or(&cfg.host));
            let pool = server_pool_options().connect_lazy_with(options.clone());
            DatasourcePool::MySql { pool, options }
        }
        DatasourceConfig::Sqlite(cfg) => {
            let options = SqliteConnectOptions::new()
                .filename(cfg.full_path(data_dir))
                .read_only(true)
                .create_if_missing(false)
                .pragma("query_only", "ON")
                .busy_timeout(Duration::from_secs(2));
            let pool = SqlitePoolOptions::new()
                .max_connections(MAX_CONNECTIONS)
                .acquire_timeout(CONNECT_TIMEOUT)
                .idle_timeout(Duration::from_secs(120))
                .after_connect(|conn, _| Box::pin(async move { limit_sqlite_memory(conn).await }))
                .connect_lazy_with(options);
            DatasourcePool::Sqlite(pool)
        }
    }
}

/// Largest string, blob or row a SQLite datasource query may build (bytes).
pub const SQLITE_MAX_VALUE_BYTES: i32 = 16 * 1024 * 1024;
/// SQLite runs inside this process: all of its connections together (app store included)
/// may not hold more heap than this, so no query can take the server's memory.
const SQLITE_HEAP_LIMIT_BYTES: i64 = 512 * 1024 * 1024;

/// Per-connection length limits and the process-wide SQLite heap limit.
async fn limit_sqlite_memory(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is the live connection locked above; both calls only set limits.
    unsafe {
        libsqlite3_sys::sqlite3_limit(db, libsqlite3_sys::SQLITE_LIMIT_LENGTH, SQLITE_MAX_VALUE_BYTES);
        libsqlite3_sys::sqlite3_limit(db, libsqlite3_sys::SQLITE_LIMIT_SQL_LENGTH, 1024 * 1024);
        libsqlite3_sys::sqlite3_hard_heap_limit64(SQLITE_HEAP_LIMIT_BYTES);
    }
    Ok(())
}

/// Turns a connection failure into a message a person can act on. Never includes the password.
pub fn describe_connect_error(e: &sqlx::Error, target: &str, user: &str, database: &str) -> AppError {
    use std::io::ErrorKind;
    let msg = match e {
        sqlx::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => {
                format!("connection refused at {target}: is the server running, and is the port right?")
            }
            ErrorKind::TimedOut => format!("timed out connecting to {target}"),
            _ => format!("could not reach {target}: {}", io.kind()),
        },
        sqlx::Error::PoolTimedOut => {
            format!("timed out after {} s connecting to {target}: is the host reachable?", CONNECT_TIMEOUT.as_secs())
        }
        sqlx::Error::Tls(t) => format!("TLS with {target} failed: {t}"),
        sqlx::Error::Database(db) if db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().is_some() => {
            match db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|m| m.number()) {
                // ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR, ER_BAD_DB_ERROR
                Some(1045) => format!("access denied for user \"{user}\" (wrong password, or the user may not connect from this host)"),
                Some(1044) => format!("user \"{user}\" may not use database \"{database}\""),
                Some(1049) => format!("database \"{database}\" does not exist"),
                _ => format!("the database refused the connection: {}", db.message()),
            }
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01") => format!("password authentication failed for user \"{user}\""),
            Some("28000") => format!("the server refused user \"{user}\" (no such role, or pg_hba.conf does not allow it)"),
            Some("3D000") => format!("database \"{database}\" does not exist"),
            _ => format!("the database refused the connection: {}", db.message()),
        },
        sqlx::Error::Configuration(c) => format!("invalid connection settings: {c}"),
        other => {
            tracing::warn!(error = %other, "unexpected connection error");
            format!("could not connect to {target}")
        }
    };
    AppError::Connection(msg)
}

/// Pools by datasource id, with the time each was last used.
#[derive(Default)]
pub struct PoolRegistry {
    pools: Mutex<HashMap<String, (DatasourcePool, Instant)>>,
}

impl PoolRegistry {
    pub fn get(&self, id: &str) -> Option<DatasourcePool> {
        let mut pools = self.pools.lock().expect("pool registry lock");
        pools.get_mut(id).map(|(pool, used)| {
            *used = Instant::now();
            pool.clone()
        })
    }

    pub fn insert(&self, id: &str, pool: DatasourcePool) -> DatasourcePool {
        let mut pools = self.pools.lock().expect("pool registry lock");
        // Another request may have raced us; keep the first pool so connections are shared.
        pools.entry(id.to_string()).or_insert((pool, Instant::now())).0.clone()
    }

    pub async fn remove(&self, id: &str) {
        let removed = self.pools.lock().expect("pool registry lock").remove(id);
        if let Some((pool, _)) = removed {
            pool.close().await;
        }
    }

    /// Closes pools unused for longer than `ttl`; returns how many were closed.
    pub async fn evict_idle(&self, ttl: Duration) -> usize {
        let stale: Vec<DatasourcePool> = {
            let mut pools = self.pools.lock().expect("pool registry lock");
            let ids: Vec<String> =
                pools.iter().filter(|(_, (_, used))| used.elapsed() > ttl).map(|(id, _)| id.clone()).collect();
            ids.iter().filter_map(|id| pools.remove(id)).map(|(p, _)| p).collect()
        };
        for p in &stale {
            p.close().await;
        }
        stale.len()
    }

    pub fn len(&self) -> usize {
        self.pools.lock().expect("pool registry lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::datasources::config::SqliteConfig;

    #[tokio::test]
    async fn idle_pools_are_closed_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let registry = PoolRegistry::default();
        let cfg = DatasourceConfig::Sqlite(SqliteConfig { relative_path: "x.db".into() });
        let first = registry.insert("a", build_pool(&cfg, None, dir.path()));
        registry.insert("a", build_pool(&cfg, None, dir.path()));
        assert_eq!(registry.len(), 1, "a racing second pool is dropped, the first is shared");
        assert_eq!(registry.evict_idle(Duration::from_secs(3600)).await, 0);
        assert!(registry.get("a").is_some());
        assert_eq!(registry.evict_idle(Duration::ZERO).await, 1);
        assert!(registry.is_empty());
        let DatasourcePool::Sqlite(p) = first else { panic!() };
        assert!(p.is_closed());
        registry.insert("b", build_pool(&cfg, None, dir.path()));
        registry.remove("b").await;
        assert!(registry.is_empty());
    }
}
