//! Saved datasources: validation and encrypted storage (`config`, `stored`), resolving an id
//! into a `Datasource` handle once per operation, pools (built by `connect`, kept in the
//! execution layer's registry), connection tests (`probe`), the schema cache, and the one
//! place that runs SQL against a datasource: the guard, then limited execution.
use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use secrecy::SecretString;
use tokio::sync::mpsc;

use crate::{
    app::model::{ConnectionTest, DatasourceInput, DatasourceSummary, Engine, ExportFormat, FieldError, QueryResult, SchemaInfo, SqlRequest, SslMode},
    server::{
        crypto::SecretBox,
        error::{AppError, AppResult},
        exec::{self, pool::PoolRegistry, CancelRegistry, DatasourcePool, Limits},
        export::{self, ChannelSink, RowMsg},
        guard::{self, ValidatedSql},
        netpolicy,
        schema::{
            self,
            values::{self, ValueIndex},
        },
        store::{DatasourceFields, DatasourceRecord, Store},
    },
};

/// Time limit of each `SELECT DISTINCT` of the value index, and of the whole index.
const VALUE_QUERY_TIMEOUT: Duration = Duration::from_secs(3);
const VALUE_INDEX_BUDGET: Duration = Duration::from_secs(20);

pub mod config;
pub mod connect;
pub mod probe;
mod schema_cache;
pub mod share;
pub mod stored;

use config::DatasourceConfig;

/// Settings the datasource service needs from the app configuration.
#[derive(Clone, Debug)]
pub struct DatasourcePolicy {
    pub data_dir: PathBuf,
    pub allowed_hosts: Vec<String>,
    pub max_rows: u32,
    pub statement_timeout: Duration,
    /// Time limit for an export (its statement runs while the rows stream out).
    pub export_timeout: Duration,
}

/// A datasource resolved for one operation: its stored row, read from the store once, and
/// its summary. Services take this handle instead of an id, so an ask with several attempts
/// and repairs never reads the row again.
#[derive(Clone)]
pub struct Datasource {
    record: Arc<DatasourceRecord>,
    summary: Arc<DatasourceSummary>,
    /// The service's edit count when the row was read (see `DatasourceService::edits`).
    edits_at_open: u64,
}

impl Datasource {
    pub fn id(&self) -> &str {
        &self.record.id
    }

    pub fn name(&self) -> &str {
        &self.summary.name
    }

    pub fn engine(&self) -> Engine {
        self.summary.engine
    }

    pub fn summary(&self) -> &DatasourceSummary {
        &self.summary
    }

    /// `sql` through the guard with this datasource's dialect and allowed user functions,
    /// without running it (e.g. before storing it as a verified answer).
    pub fn check_sql(&self, sql: &str) -> AppResult<ValidatedSql> {
        guard::validate_with(sql, self.engine().into(), &self.record.allowed_functions).map_err(|r| AppError::SqlRejected(r.0))
    }
}

/// Entries on a datasource's list of allowed user functions.
const MAX_USER_FUNCTIONS: usize = 100;

pub struct DatasourceService {
    store: Store,
    secrets: SecretBox,
    policy: DatasourcePolicy,
    pools: PoolRegistry,
    schemas: schema_cache::SchemaCache,
    cancels: CancelRegistry,
    shares: share::UserShares,
    /// Datasource edits and deletions so far. A handle opened before one may hold old
    /// settings: it never puts a pool or a schema into the caches, which hold what the
    /// stored rows say now.
    edits: AtomicU64,
}

impl DatasourceService {
    pub fn new(store: Store, secrets: SecretBox, policy: DatasourcePolicy) -> Self {
        DatasourceService {
            store,
            secrets,
            policy,
            pools: PoolRegistry::default(),
            schemas: schema_cache::SchemaCache::default(),
            cancels: CancelRegistry::default(),
            shares: share::UserShares::default(),
            edits: AtomicU64::new(0),
        }
    }

    /// Each person's share of a datasource's connections (see `share`).
    pub fn shares(&self) -> &share::UserShares {
        &self.shares
    }

    pub fn policy(&self) -> &DatasourcePolicy {
        &self.policy
    }

    pub fn pools(&self) -> &PoolRegistry {
        &self.pools
    }

    pub async fn list(&self) -> AppResult<Vec<DatasourceSummary>> {
        self.store.list_datasources().await?.iter().map(stored::summary).collect()
    }

    /// Reads the stored row once and makes the handle every other method takes.
    pub async fn open(&self, id: &str) -> AppResult<Datasource> {
        if id.len() > 64 {
            return Err(AppError::NotFound("datasource"));
        }
        let edits_at_open = self.edits.load(Ordering::SeqCst);
        let record = self.store.get_datasource(id).await?.ok_or(AppError::NotFound("datasource"))?;
        let summary = stored::summary(&record)?;
        Ok(Datasource { record: Arc::new(record), summary: Arc::new(summary), edits_at_open })
    }

    pub async fn create(&self, input: &DatasourceInput) -> AppResult<DatasourceSummary> {
        let id = uuid::Uuid::new_v4().to_string();
        let row = self.fields_for(&id, input, None, false)?;
        self.store.insert_datasource(&id, &row).await.map_err(duplicate_name)?;
        tracing::info!(datasource = %id, engine = %row.engine, "datasource created");
        Ok(self.open(&id).await?.summary().clone())
    }

    /// Creates a datasource the app itself owns (the demo), skipping network checks.
    pub async fn create_builtin_sqlite(&self, name: &str, relative_path: &str) -> AppResult<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let row = stored::sqlite_fields(name.into(), relative_path.into(), true);
        self.store.insert_datasource(&id, &row).await.map_err(duplicate_name)?;
        Ok(id)
    }

    pub async fn update(&self, datasource: &Datasource, input: &DatasourceInput) -> AppResult<DatasourceSummary> {
        let id = datasource.id();
        let row = self.fields_for(id, input, Some(&datasource.record), datasource.record.fields.is_demo)?;
        self.store.update_datasource(id, &row).await.map_err(duplicate_name)?;
        self.forget(id).await;
        tracing::info!(datasource = %id, "datasource updated");
        Ok(self.open(id).await?.summary().clone())
    }

    pub async fn delete(&self, datasource: &Datasource) -> AppResult<()> {
        let id = datasource.id();
        if !self.store.delete_datasource(id).await? {
            return Err(AppError::NotFound("datasource"));
        }
        self.forget(id).await;
        tracing::info!(datasource = %id, "datasource deleted");
        Ok(())
    }

    /// Drops the pool and cached schema, e.g. after an edit.
    async fn forget(&self, id: &str) {
        self.edits.fetch_add(1, Ordering::SeqCst);
        self.pools.remove(id).await;
        self.schemas.forget(id).await;
    }

    /// The row an input is stored as: validated, its host checked against the network
    /// policy, its password encrypted (or the stored one kept, for the same server only).
    fn fields_for(&self, id: &str, input: &DatasourceInput, existing: Option<&DatasourceRecord>, is_demo: bool) -> AppResult<DatasourceFields> {
        let (name, cfg) = self.config_for(input, existing)?;
        let engine = cfg.engine();
        Ok(match cfg {
            DatasourceConfig::Postgres(server) | DatasourceConfig::MySql(server) => {
                let encrypted = server.password.as_ref().map(|pw| {
                    use secrecy::ExposeSecret;
                    self.secrets.encrypt(pw.expose_secret(), id)
                });
                stored::server_fields(name, engine, server, encrypted, is_demo)
            }
            DatasourceConfig::Sqlite(s) => stored::sqlite_fields(name, s.relative_path, is_demo),
        })
    }

    /// The validated settings of an input (name and connection), with the stored password
    /// when an edit leaves it out and the host checked against the allow-list.
    fn config_for(&self, input: &DatasourceInput, existing: Option<&DatasourceRecord>) -> AppResult<(String, DatasourceConfig)> {
        let stored_password = match existing {
            Some(r) if input.password.is_none() && r.fields.password_encrypted.is_some() => {
                // The stored password is only ever sent to the server it was entered for: a
                // new engine, host, port or user needs it typed again.
                if !stored::same_server(&r.fields, input) {
                    return Err(AppError::InvalidFields(vec![FieldError::new(
                        "password",
                        "the engine, host, port or user changed: enter the password again (the stored one is only sent to the server it was saved for)",
                    )]));
                }
                self.decrypt_password(r)?
            }
            _ => None,
        };
        let (name, cfg) = DatasourceConfig::from_input(input, stored_password).map_err(AppError::InvalidFields)?;
        if let Some(server) = cfg.server() {
            self.check_host_policy(&server.host)?;
        }
        Ok((name, cfg))
    }

    /// Tests settings before they are saved (`existing`: the datasource being edited, whose
    /// stored password an unchanged password field stands for). The pool is built for this
    /// test only and closed after it; nothing is stored or cached.
    pub async fn test_input(&self, existing: Option<&Datasource>, input: &DatasourceInput) -> AppResult<ConnectionTest> {
        let (name, cfg) = self.config_for(input, existing.map(|d| d.record.as_ref()))?;
        let target = match cfg.server() {
            Some(server) => stored::target(&stored::server_fields(name, cfg.engine(), server.clone(), None, false)),
            None => stored::target(&stored::sqlite_fields(name, String::new(), false)),
        };
        let pool = match self.connect(&cfg).await {
            Ok(pool) => pool,
            Err(e @ (AppError::Connection(_) | AppError::NetworkPolicy(_))) => return Ok(probe::failed_test(e)),
            Err(e) => return Err(e),
        };
        let test = probe::connection_test(&pool, &target).await;
        pool.close().await;
        Ok(test)
    }

    /// Checks what can be checked without DNS: the allow-list and literal IP addresses.
    fn check_host_policy(&self, host: &str) -> AppResult<()> {
        netpolicy::check_allow_list(host, &self.policy.allowed_hosts)?;
        if let Ok(ip) = host.parse() {
            if let Some(why) = netpolicy::is_forbidden_ip(ip) {
                return Err(AppError::NetworkPolicy(format!("{host} is {why}, which is never allowed")));
            }
        }
        Ok(())
    }

    fn decrypt_password(&self, r: &DatasourceRecord) -> AppResult<Option<SecretString>> {
        r.fields.password_encrypted.as_deref().map(|ct| self.secrets.decrypt(ct, &r.id).map_err(AppError::internal)).transpose()
    }

    /// Whether no datasource was edited or deleted since `datasource` was read.
    fn is_current(&self, datasource: &Datasource) -> bool {
        self.edits.load(Ordering::SeqCst) == datasource.edits_at_open
    }

    /// The datasource's pool, connecting lazily. Network policy is checked on every new pool.
    /// A new pool is built from the stored row as it is now: a handle read before an edit
    /// reads the row again (the rare case of an edit during a request).
    pub async fn pool(&self, datasource: &Datasource) -> AppResult<DatasourcePool> {
        if let Some(p) = self.pools.get(datasource.id()) {
            return Ok(p);
        }
        let cfg = stored::config(&datasource.record, self.decrypt_password(&datasource.record)?)?;
        let pool = self.connect(&cfg).await?;
        if !self.is_current(datasource) {
            // Edited since the handle was read: this (lazy, still unconnected) pool may hold
            // the old settings, so build from the row as it is now.
            return Box::pin(self.pool(&self.open(datasource.id()).await?)).await;
        }
        Ok(self.pools.insert(datasource.id(), pool))
    }

    /// A new (lazy, unconnected) pool for these settings, after the network policy allowed the
    /// server's address or the SQLite file was found where it may be.
    async fn connect(&self, cfg: &DatasourceConfig) -> AppResult<DatasourcePool> {
        let connect_host = match cfg {
            DatasourceConfig::Postgres(p) | DatasourceConfig::MySql(p) => {
                let addr = netpolicy::resolve_allowed(&p.host, p.port, &self.policy.allowed_hosts).await?;
                // Certificate checks need the name; otherwise connect to the address we checked.
                (p.sslmode != SslMode::VerifyFull).then(|| addr.ip().to_string())
            }
            DatasourceConfig::Sqlite(s) => {
                s.checked_path(&self.policy.data_dir).map_err(AppError::Connection)?;
                None
            }
        };
        Ok(connect::build_pool(cfg, connect_host.as_deref(), &self.policy.data_dir))
    }

    /// Connects, runs a trivial query and, on a database server, probes the user's privileges.
    pub async fn test(&self, datasource: &Datasource) -> AppResult<ConnectionTest> {
        let pool = match self.pool(datasource).await {
            Ok(p) => p,
            Err(e @ (AppError::Connection(_) | AppError::NetworkPolicy(_))) => return Ok(probe::failed_test(e)),
            Err(e) => return Err(e),
        };
        let test = probe::connection_test(&pool, &stored::target(&datasource.record.fields)).await;
        if !test.ok {
            // A pool built with wrong settings must not stay cached.
            self.pools.remove(datasource.id()).await;
        }
        Ok(test)
    }

    pub async fn schema(&self, datasource: &Datasource, refresh: bool) -> AppResult<Arc<SchemaInfo>> {
        if !refresh {
            if let Some(s) = self.schemas.get(datasource.id()).await {
                return Ok(s);
            }
        }
        let pool = self.pool(datasource).await?;
        match schema::introspect(&pool).await {
            // A schema read over an edit may describe the old database: used once, not kept.
            Ok(info) if !self.is_current(datasource) => Ok(Arc::new(info)),
            Ok(info) => Ok(self.schemas.insert(datasource.id(), info).await),
            Err(e) => Err(self.map_pool_error(datasource, &pool, e).await),
        }
    }

    /// The index of the datasource's low-cardinality text values (see `schema::values`),
    /// built once per schema snapshot: one `SELECT DISTINCT` per text column, each through
    /// the guard and under a short time limit, all within `VALUE_INDEX_BUDGET`. A column that
    /// fails, times out or has too many values is left out; the index is an aid, never an error.
    pub async fn values(&self, datasource: &Datasource, schema: &Arc<SchemaInfo>) -> Arc<ValueIndex> {
        if let Some(index) = self.schemas.values(datasource.id(), schema).await {
            return index;
        }
        let started = std::time::Instant::now();
        let mut columns = Vec::new();
        if let Ok(pool) = self.pool(datasource).await {
            let limits = Limits::new((values::MAX_DISTINCT_PER_COLUMN + 1) as u32, VALUE_QUERY_TIMEOUT);
            for (table, column) in values::columns_to_index(schema) {
                if started.elapsed() > VALUE_INDEX_BUDGET {
                    tracing::info!(datasource = datasource.id(), "value index: time budget spent, the rest of the columns are left out");
                    break;
                }
                let sql = values::distinct_sql(schema.engine, table, column, values::MAX_DISTINCT_PER_COLUMN + 1);
                let Ok(validated) = datasource.check_sql(&sql) else { continue };
                let Ok(result) = exec::execute(&pool, &validated, &limits, &self.cancels, None).await else { continue };
                if result.row_count > values::MAX_DISTINCT_PER_COLUMN || result.truncated {
                    continue;
                }
                let found = result.rows.iter().filter_map(|row| row.first()?.as_str().map(str::to_string)).collect();
                columns.push(values::ColumnValues { table: table.qualified_name(), column: column.to_string(), values: found });
            }
        }
        let index = ValueIndex::new(columns);
        tracing::info!(datasource = datasource.id(), values = index.len(), ms = started.elapsed().as_millis() as u64, "value index built");
        self.schemas.insert_values(datasource.id(), schema, index).await
    }

    /// Replaces that list; every entry is checked first, and a bad one changes nothing.
    pub async fn set_allowed_functions(&self, datasource: &Datasource, entries: &[String]) -> AppResult<Vec<String>> {
        if entries.len() > MAX_USER_FUNCTIONS {
            return Err(AppError::InvalidInput(format!("at most {MAX_USER_FUNCTIONS} functions can be allowed")));
        }
        let mut functions = entries
            .iter()
            .filter(|e| !e.trim().is_empty())
            .map(|e| guard::check_user_function_entry(e))
            .collect::<Result<Vec<_>, _>>()
            .map_err(AppError::InvalidInput)?;
        functions.sort();
        functions.dedup();
        if !self.store.set_allowed_functions(datasource.id(), &functions).await? {
            return Err(AppError::NotFound("datasource"));
        }
        Ok(functions)
    }

    /// Runs SQL typed by a person or written by the model: guard, then limited execution.
    pub async fn run_sql(&self, datasource: &Datasource, request: &SqlRequest) -> AppResult<QueryResult> {
        let validated = datasource.check_sql(&request.sql)?;
        let limits = Limits::new(request.max_rows.unwrap_or(self.policy.max_rows).min(self.policy.max_rows), self.policy.statement_timeout);
        let pool = self.pool(datasource).await?;
        let started = std::time::Instant::now();
        let result = exec::execute(&pool, &validated, &limits, &self.cancels, request.query_id.as_deref()).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => {
                tracing::info!(datasource = %datasource.id(), code = e.code(), "query failed");
                e.code()
            }
        };
        crate::server::metrics::query_finished(datasource.engine().as_str(), outcome, started.elapsed().as_secs_f64());
        match result {
            Ok(r) => Ok(r),
            Err(e) => Err(self.map_pool_error(datasource, &pool, e).await),
        }
    }

    /// Starts an export: the SQL passes the guard again and runs with the format's row cap;
    /// its rows arrive on the returned channel (columns first, then rows, then done or the error).
    pub async fn export_rows(&self, datasource: &Datasource, sql: &str, format: ExportFormat, query_id: Option<String>) -> AppResult<mpsc::Receiver<RowMsg>> {
        let validated = datasource.check_sql(sql)?;
        let mut limits = Limits::new(export::max_rows(format), self.policy.export_timeout);
        limits.max_total_bytes = usize::MAX;
        let pool = self.pool(datasource).await?;
        let cancels = self.cancels.clone();
        let (tx, rx) = export::channel();
        tokio::spawn(async move {
            let mut sink = ChannelSink::new(tx, format);
            let outcome = exec::execute_into(&pool, &validated, &limits, &cancels, query_id.as_deref(), &mut sink).await;
            sink.finish(outcome).await;
        });
        Ok(rx)
    }

    /// Cancels a running query by its (user-scoped) id; false when none is running.
    pub async fn cancel(&self, query_id: &str) -> bool {
        self.cancels.cancel(query_id).await
    }

    /// Connection errors during use: translate them for people and drop the broken pool,
    /// so the next request connects afresh (e.g. after the password was fixed).
    async fn map_pool_error(&self, datasource: &Datasource, pool: &DatasourcePool, e: AppError) -> AppError {
        let target = if datasource.engine().is_server() {
            stored::target(&datasource.record.fields)
        } else {
            stored::ConnectionTarget { address: "the database".into(), ..Default::default() }
        };
        let mapped = match &e {
            // Every slot in use by other queries: truly busy, and no extra connection to an
            // overloaded server.
            AppError::Busy(_) if pool.is_full() => return e,
            // Timed out with room to spare: busy only if a connection can be opened at all.
            AppError::Busy(_) => match probe::reachable(pool, &target).await {
                Ok(()) => return e,
                Err(unreachable) => unreachable,
            },
            AppError::Internal(inner) => match inner.downcast_ref::<sqlx::Error>() {
                Some(sqlx_err) if connect::is_connection_problem(sqlx_err) => {
                    connect::describe_connect_error(sqlx_err, &target.address, &target.user, &target.database)
                }
                _ => return e,
            },
            _ => return e,
        };
        self.pools.remove(datasource.id()).await;
        mapped
    }
}

fn duplicate_name(e: sqlx::Error) -> AppError {
    if crate::server::store::is_unique_violation(&e) {
        AppError::InvalidInput("a datasource with this name already exists".into())
    } else {
        e.into()
    }
}
