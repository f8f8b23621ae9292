//! Saved datasources: validation, encrypted storage, pools, connection tests, schema cache,
//! and the one entry point that runs SQL against them.
use std::{collections::HashMap, path::PathBuf, sync::Arc, time::Duration};

use secrecy::SecretString;
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{mpsc, RwLock};

use crate::{
    app::model::{
        ConnectionTest, DatasourceInput, DatasourceSummary, Engine, ExportFormat, QueryResult, SchemaInfo, SqlRequest, SslMode,
    },
    server::{
        crypto::SecretBox,
        error::{AppError, AppResult},
        exec::{self, CancelRegistry, Limits},
        export::{self, ChannelSink, RowMsg},
        guard::{self, ValidatedSql},
        schema,
        store::{DatasourceRecord, NewDatasource, Store},
    },
};

pub mod config;
pub mod netpolicy;
pub mod pool;
pub mod probe;
pub mod share;

use config::DatasourceConfig;
pub use pool::DatasourcePool;
use pool::PoolRegistry;

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

pub struct DatasourceService {
    store: Store,
    secrets: SecretBox,
    policy: DatasourcePolicy,
    pools: PoolRegistry,
    schemas: RwLock<HashMap<String, Arc<SchemaInfo>>>,
    cancels: CancelRegistry,
    shares: share::UserShares,
}

impl DatasourceService {
    pub fn new(store: Store, secrets: SecretBox, policy: DatasourcePolicy) -> Self {
        DatasourceService {
            store,
            secrets,
            policy,
            pools: PoolRegistry::default(),
            schemas: RwLock::new(HashMap::new()),
            cancels: CancelRegistry::default(),
            shares: share::UserShares::default(),
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
        Ok(self.store.list_datasources().await?.iter().map(summary).collect())
    }

    pub async fn get(&self, id: &str) -> AppResult<DatasourceSummary> {
        Ok(summary(&self.record(id).await?))
    }

    async fn record(&self, id: &str) -> AppResult<DatasourceRecord> {
        if id.len() > 64 {
            return Err(AppError::NotFound("datasource"));
        }
        self.store.get_datasource(id).await?.ok_or(AppError::NotFound("datasource"))
    }

    pub async fn create(&self, input: &DatasourceInput) -> AppResult<DatasourceSummary> {
        let id = uuid::Uuid::new_v4().to_string();
        let row = self.to_row(&id, input, None, false).await?;
        self.store.insert_datasource(&id, &row).await.map_err(duplicate_name)?;
        tracing::info!(datasource = %id, engine = %row.engine, "datasource created");
        self.get(&id).await
    }

    /// Creates a datasource the app itself owns (the demo), skipping network checks.
    pub async fn create_builtin_sqlite(&self, name: &str, relative_path: &str) -> AppResult<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let row = sqlite_row(name.into(), relative_path.into(), true);
        self.store.insert_datasource(&id, &row).await.map_err(duplicate_name)?;
        Ok(id)
    }

    pub async fn update(&self, id: &str, input: &DatasourceInput) -> AppResult<DatasourceSummary> {
        let existing = self.record(id).await?;
        let row = self.to_row(id, input, Some(&existing), existing.fields.is_demo).await?;
        self.store.update_datasource(id, &row).await.map_err(duplicate_name)?;
        self.forget(id).await;
        tracing::info!(datasource = %id, "datasource updated");
        self.get(id).await
    }

    pub async fn delete(&self, id: &str) -> AppResult<()> {
        if !self.store.delete_datasource(id).await? {
            return Err(AppError::NotFound("datasource"));
        }
        self.forget(id).await;
        tracing::info!(datasource = %id, "datasource deleted");
        Ok(())
    }

    /// Drops the pool and cached schema, e.g. after an edit.
    async fn forget(&self, id: &str) {
        self.pools.remove(id).await;
        self.schemas.write().await.remove(id);
    }

    async fn to_row(
        &self,
        id: &str,
        input: &DatasourceInput,
        existing: Option<&DatasourceRecord>,
        is_demo: bool,
    ) -> AppResult<NewDatasource> {
        let stored_password = match existing {
            Some(r) if input.password.is_none() && r.fields.password_encrypted.is_some() => {
                // The stored password is only ever sent to the server it was entered for: a
                // new engine, host, port or user needs it typed again.
                if !same_server(&r.fields, input) {
                    return Err(AppError::InvalidInput(
                        "the engine, host, port or user changed: enter the password again (the stored one is only sent to the server it was saved for)".into(),
                    ));
                }
                self.decrypt_password(r)?
            }
            _ => None,
        };
        let (name, cfg) = DatasourceConfig::from_input(input, stored_password).map_err(AppError::InvalidInput)?;
        let engine = cfg.engine();
        Ok(match cfg {
            DatasourceConfig::Postgres(p) | DatasourceConfig::MySql(p) => {
                self.check_host_policy(&p.host)?;
                NewDatasource {
                    name,
                    engine: engine.as_str().into(),
                    host: Some(p.host),
                    port: Some(p.port as i64),
                    database: Some(p.database),
                    user: Some(p.user),
                    password_encrypted: p.password.as_ref().map(|pw| {
                        use secrecy::ExposeSecret;
                        self.secrets.encrypt(pw.expose_secret(), id)
                    }),
                    sslmode: Some(p.sslmode.as_str().into()),
                    sqlite_path: None,
                    is_demo,
                }
            }
            DatasourceConfig::Sqlite(s) => sqlite_row(name, s.relative_path, is_demo),
        })
    }

    /// Checks what can be checked without DNS: the allow-list and literal IP addresses.
    fn check_host_policy(&self, host: &str) -> AppResult<()> {
        netpolicy::check_allow_list(host, &self.policy.allowed_hosts)?;
        if let Ok(ip) = host.parse() {
            if let Some(why) = netpolicy::is_forbidden_ip(ip) {
                return Err(AppError::Forbidden(format!("{host} is {why}, which is never allowed")));
            }
        }
        Ok(())
    }

    fn decrypt_password(&self, r: &DatasourceRecord) -> AppResult<Option<SecretString>> {
        r.fields
            .password_encrypted
            .as_deref()
            .map(|ct| self.secrets.decrypt(ct, &r.id).map_err(AppError::internal))
            .transpose()
    }

    fn config_of(&self, record: &DatasourceRecord) -> AppResult<DatasourceConfig> {
        let r = &record.fields;
        let engine = Engine::parse(&r.engine).ok_or_else(|| AppError::internal(format!("unknown engine {} in store", r.engine)))?;
        if !engine.is_server() {
            return Ok(DatasourceConfig::Sqlite(config::SqliteConfig { relative_path: r.sqlite_path.clone().unwrap_or_default() }));
        }
        let server = config::ServerConfig {
            host: r.host.clone().unwrap_or_default(),
            port: r.port.or(engine.default_port().map(i64::from)).unwrap_or_default() as u16,
            database: r.database.clone().unwrap_or_default(),
            user: r.user.clone().unwrap_or_default(),
            password: self.decrypt_password(record)?,
            sslmode: r.sslmode.as_deref().and_then(SslMode::parse).unwrap_or_default(),
        };
        Ok(if engine == Engine::MySql { DatasourceConfig::MySql(server) } else { DatasourceConfig::Postgres(server) })
    }

    /// The datasource's pool, connecting lazily. Network policy is checked on every new pool.
    pub async fn pool(&self, id: &str) -> AppResult<DatasourcePool> {
        if let Some(p) = self.pools.get(id) {
            return Ok(p);
        }
        let record = self.record(id).await?;
        let cfg = self.config_of(&record)?;
        let connect_host = match &cfg {
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
        let pool = pool::build_pool(&cfg, connect_host.as_deref(), &self.policy.data_dir);
        Ok(self.pools.insert(id, pool))
    }

    /// Connects, runs a trivial query and, on a database server, probes the user's privileges.
    pub async fn test(&self, id: &str) -> AppResult<ConnectionTest> {
        let record = self.record(id).await?.fields;
        let pool = match self.pool(id).await {
            Ok(p) => p,
            Err(e @ (AppError::Connection(_) | AppError::Forbidden(_))) => return Ok(failed_test(e)),
            Err(e) => return Err(e),
        };
        let engine = summary_engine(&record.engine);
        let target = format!("{}:{}", record.host.as_deref().unwrap_or(""), record.port.or(engine.default_port().map(i64::from)).unwrap_or(0));
        let user = record.user.as_deref().unwrap_or("");
        let db = record.database.as_deref().unwrap_or("");
        let describe = |e: sqlx::Error| pool::describe_connect_error(&e, &target, user, db);
        let timed_out = || {
            AppError::Connection(format!("timed out after {} s connecting to {target}: is the host reachable?", pool::CONNECT_TIMEOUT.as_secs()))
        };
        // One direct connection, not the pool: the pool retries refused connections until
        // its timeout, which would hide the real reason.
        let probed: Result<(String, probe::RoleReport, String), AppError> = match &pool {
            DatasourcePool::Postgres { options, .. } => match tokio::time::timeout(pool::CONNECT_TIMEOUT, options.connect()).await {
                Err(_) => Err(timed_out()),
                Ok(Err(e)) => Err(describe(e)),
                Ok(Ok(mut conn)) => {
                    let report = probe::probe_postgres_role(&mut conn).await;
                    let _ = conn.close().await;
                    report.map(|r| (format!("PostgreSQL {}", r.server_version), r, probe::read_only_role_sql(db))).map_err(describe)
                }
            },
            DatasourcePool::MySql { options, .. } => match tokio::time::timeout(pool::CONNECT_TIMEOUT, options.connect()).await {
                Err(_) => Err(timed_out()),
                Ok(Err(e)) => Err(describe(e)),
                Ok(Ok(mut conn)) => {
                    let report = probe::probe_mysql_user(&mut conn).await;
                    let _ = conn.close().await;
                    report.map(|r| (r.server_version.clone(), r, probe::mysql_read_only_user_sql(db))).map_err(describe)
                }
            },
            DatasourcePool::Sqlite(pool) => {
                return Ok(match sqlx::query_scalar::<_, String>("SELECT sqlite_version()").fetch_one(pool).await {
                    Ok(v) => ConnectionTest {
                        ok: true,
                        message: "opened read-only".into(),
                        server_version: Some(format!("SQLite {v}")),
                        warnings: vec![],
                        read_only_role_sql: None,
                    },
                    Err(e) => {
                        self.pools.remove(id).await;
                        failed_test(AppError::Connection(format!("could not open the SQLite file: {e}")))
                    }
                });
            }
        };
        Ok(match probed {
            Ok((version, report, read_only_sql)) => ConnectionTest {
                ok: true,
                message: "connected".into(),
                server_version: Some(version),
                read_only_role_sql: (!report.warnings.is_empty()).then_some(read_only_sql),
                warnings: report.warnings,
            },
            Err(e) => {
                // A pool built with wrong settings must not stay cached.
                self.pools.remove(id).await;
                failed_test(e)
            }
        })
    }

    pub async fn schema(&self, id: &str, refresh: bool) -> AppResult<Arc<SchemaInfo>> {
        if !refresh {
            if let Some(s) = self.schemas.read().await.get(id) {
                return Ok(s.clone());
            }
        }
        let pool = self.pool(id).await?;
        let info = Arc::new(match schema::introspect(&pool).await {
            Ok(i) => i,
            Err(e) => return Err(self.map_pool_error(id, e).await),
        });
        self.schemas.write().await.insert(id.to_string(), info.clone());
        Ok(info)
    }

    /// `sql` through the guard with this datasource's dialect and allowed user functions,
    /// without running it (e.g. before storing it as a verified answer).
    pub async fn check_sql(&self, id: &str, sql: &str) -> AppResult<ValidatedSql> {
        checked_sql(&self.record(id).await?, sql)
    }

    /// Replaces that list; every entry is checked first, and a bad one changes nothing.
    pub async fn set_allowed_functions(&self, id: &str, entries: &[String]) -> AppResult<Vec<String>> {
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
        if !self.store.set_allowed_functions(id, &functions).await? {
            return Err(AppError::NotFound("datasource"));
        }
        Ok(functions)
    }

    /// Runs SQL typed by a person or written by the model: guard, then limited execution.
    pub async fn run_sql(&self, id: &str, request: &SqlRequest) -> AppResult<QueryResult> {
        let record = self.record(id).await?;
        let engine = summary(&record).engine;
        let validated = checked_sql(&record, &request.sql)?;
        let limits = Limits::new(request.max_rows.unwrap_or(self.policy.max_rows).min(self.policy.max_rows), self.policy.statement_timeout);
        let pool = self.pool(id).await?;
        let started = std::time::Instant::now();
        let result = exec::execute(&pool, &validated, &limits, &self.cancels, request.query_id.as_deref()).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => {
                tracing::info!(datasource = %id, code = e.code(), "query failed");
                e.code()
            }
        };
        crate::server::metrics::query_finished(engine.as_str(), outcome, started.elapsed().as_secs_f64());
        match result {
            Ok(r) => Ok(r),
            Err(e) => Err(self.map_pool_error(id, e).await),
        }
    }

    /// Starts an export: the SQL passes the guard again and runs with the format's row cap;
    /// its rows arrive on the returned channel (columns first, then rows, then done or the error).
    pub async fn export_rows(&self, id: &str, sql: &str, format: ExportFormat, query_id: Option<String>) -> AppResult<mpsc::Receiver<RowMsg>> {
        let record = self.record(id).await?;
        let validated = checked_sql(&record, sql)?;
        let mut limits = Limits::new(export::max_rows(format), self.policy.export_timeout);
        limits.max_total_bytes = usize::MAX;
        let pool = self.pool(id).await?;
        let cancels = self.cancels.clone();
        let (tx, rx) = export::channel();
        tokio::spawn(async move {
            let mut sink = ChannelSink::new(tx, format);
            let outcome = exec::execute_into(&pool, &validated, &limits, &cancels, query_id.as_deref(), &mut sink).await;
            sink.finish(outcome).await;
        });
        Ok(rx)
    }

    /// Cancels a running query by the id its client chose; false when none is running.
    pub async fn cancel(&self, query_id: &str) -> bool {
        self.cancels.cancel(query_id).await
    }

    /// Connection errors during use: translate them for people and drop the broken pool,
    /// so the next request connects afresh (e.g. after the password was fixed).
    async fn map_pool_error(&self, id: &str, e: AppError) -> AppError {
        let AppError::Internal(inner) = &e else { return e };
        let Some(sqlx_err) = inner.downcast_ref::<sqlx::Error>() else { return e };
        let is_connection_problem = match sqlx_err {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
            sqlx::Error::Database(db) => {
                // MySQL / MariaDB: access denied (1044, 1045) or no such database (1049).
                let mysql_number = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|m| m.number());
                matches!(mysql_number, Some(1044 | 1045 | 1049))
                    || (mysql_number.is_none() && db.code().as_deref().is_some_and(|c| c.starts_with("28") || c == "3D000"))
            }
            _ => false,
        };
        if !is_connection_problem {
            return e;
        }
        let fields = self.store.get_datasource(id).await.ok().flatten().map(|r| r.fields);
        let text = |v: Option<&String>| v.cloned().unwrap_or_default();
        let target = fields.as_ref().map_or("the database".to_string(), |f| {
            let port = f.port.or(summary_engine(&f.engine).default_port().map(i64::from)).unwrap_or(0);
            format!("{}:{port}", text(f.host.as_ref()))
        });
        let user = text(fields.as_ref().and_then(|f| f.user.as_ref()));
        let database = text(fields.as_ref().and_then(|f| f.database.as_ref()));
        let mapped = pool::describe_connect_error(sqlx_err, &target, &user, &database);
        self.pools.remove(id).await;
        mapped
    }
}

/// Entries on a datasource's list of allowed user functions.
const MAX_USER_FUNCTIONS: usize = 100;

fn checked_sql(record: &DatasourceRecord, sql: &str) -> AppResult<ValidatedSql> {
    let engine = summary(record).engine;
    guard::validate_with(sql, engine.into(), &record.allowed_functions).map_err(|r| AppError::SqlRejected(r.0))
}

/// Whether an edit keeps the server and account a stored password belongs to.
fn same_server(stored: &NewDatasource, input: &DatasourceInput) -> bool {
    let Some(engine) = input.engine.filter(|e| e.is_server()) else { return false };
    let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_ascii_lowercase();
    let port = input.port.or(engine.default_port()).map(i64::from);
    Engine::parse(&stored.engine) == Some(engine)
        && text(&stored.host) == text(&input.host)
        && stored.port == port
        && stored.user.as_deref().unwrap_or("").trim() == input.user.as_deref().unwrap_or("").trim()
}

fn sqlite_row(name: String, relative_path: String, is_demo: bool) -> NewDatasource {
    NewDatasource {
        name,
        engine: Engine::Sqlite.as_str().into(),
        host: None,
        port: None,
        database: None,
        user: None,
        password_encrypted: None,
        sslmode: None,
        sqlite_path: Some(relative_path),
        is_demo,
    }
}

fn failed_test(e: AppError) -> ConnectionTest {
    ConnectionTest {
        ok: false,
        message: e.public_message(),
        server_version: None,
        warnings: vec![],
        read_only_role_sql: None,
    }
}

fn duplicate_name(e: sqlx::Error) -> AppError {
    if crate::server::store::is_unique_violation(&e) {
        AppError::InvalidInput("a datasource with this name already exists".into())
    } else {
        e.into()
    }
}

fn summary(record: &DatasourceRecord) -> DatasourceSummary {
    let r = &record.fields;
    DatasourceSummary {
        id: record.id.clone(),
        name: r.name.clone(),
        engine: summary_engine(&r.engine),
        host: r.host.clone(),
        port: r.port.map(|p| p as u16),
        database: r.database.clone(),
        user: r.user.clone(),
        sslmode: r.sslmode.as_deref().and_then(SslMode::parse),
        path: r.sqlite_path.clone(),
        has_password: r.password_encrypted.is_some(),
        is_demo: r.is_demo,
        allowed_functions: record.allowed_functions.clone(),
    }
}

/// The stored engine name; the store only ever holds names `Engine::as_str` wrote.
fn summary_engine(stored: &str) -> Engine {
    Engine::parse(stored).unwrap_or(Engine::Postgres)
}
