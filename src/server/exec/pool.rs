//! Pools of connections to datasources: small, lazily connected, read-only at the session
//! level, closed when idle. Execution (`exec`) and introspection (`schema`) run on them.
use std::{
    collections::HashMap,
    path::Path,
    sync::Mutex,
    time::{Duration, Instant},
};

use sqlx::{
    mysql::{MySqlConnectOptions, MySqlPool},
    pool::PoolOptions,
    postgres::{PgConnectOptions, PgPool},
    sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions},
};

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
    /// A PostgreSQL pool; nothing connects until first use.
    pub fn postgres(options: PgConnectOptions) -> Self {
        DatasourcePool::Postgres { pool: server_pool_options().connect_lazy_with(options.clone()), options }
    }

    /// A MySQL / MariaDB pool; nothing connects until first use.
    pub fn mysql(options: MySqlConnectOptions) -> Self {
        DatasourcePool::MySql { pool: server_pool_options().connect_lazy_with(options.clone()), options }
    }

    /// A pool of read-only, query-only connections to a SQLite file, with length and heap limits.
    pub fn sqlite(file: &Path) -> Self {
        let options = SqliteConnectOptions::new()
            .filename(file)
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

    /// Whether every connection slot is taken (open, or being opened). A pool that times out
    /// while full is busy; one that times out with room to spare could not connect.
    pub fn is_full(&self) -> bool {
        match self {
            DatasourcePool::Postgres { pool, .. } => pool.size() >= pool.options().get_max_connections(),
            DatasourcePool::MySql { pool, .. } => pool.size() >= pool.options().get_max_connections(),
            DatasourcePool::Sqlite(pool) => pool.size() >= pool.options().get_max_connections(),
        }
    }

    pub async fn close(&self) {
        match self {
            DatasourcePool::Postgres { pool, .. } => pool.close().await,
            DatasourcePool::MySql { pool, .. } => pool.close().await,
            DatasourcePool::Sqlite(pool) => pool.close().await,
        }
    }
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

    #[tokio::test]
    async fn idle_pools_are_closed_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let registry = PoolRegistry::default();
        let file = dir.path().join("x.db");
        let first = registry.insert("a", DatasourcePool::sqlite(&file));
        registry.insert("a", DatasourcePool::sqlite(&file));
        assert_eq!(registry.len(), 1, "a racing second pool is dropped, the first is shared");
        assert_eq!(registry.evict_idle(Duration::from_secs(3600)).await, 0);
        assert!(registry.get("a").is_some());
        assert_eq!(registry.evict_idle(Duration::ZERO).await, 1);
        assert!(registry.is_empty());
        let DatasourcePool::Sqlite(p) = first else { panic!() };
        assert!(p.is_closed());
        registry.insert("b", DatasourcePool::sqlite(&file));
        registry.remove("b").await;
        assert!(registry.is_empty());
    }
}
