//! Between stored datasource rows and what the rest of the app uses: summaries for people,
//! connection settings for pools, and the rows an input is saved as.
use secrecy::SecretString;

use super::config::{DatasourceConfig, ServerConfig, SqliteConfig};
use crate::{
    app::model::{DatasourceInput, DatasourceSummary, Engine, SslMode},
    server::{
        error::{AppError, AppResult},
        store::{DatasourceFields, DatasourceRecord},
    },
};

/// The engine a row names. The store only holds names `Engine::as_str` wrote; anything else
/// is a damaged row, reported as such rather than guessed.
pub fn stored_engine(stored: &str) -> AppResult<Engine> {
    Engine::parse(stored).ok_or_else(|| AppError::internal(format!("unknown engine {stored:?} in the store")))
}

pub fn summary(record: &DatasourceRecord) -> AppResult<DatasourceSummary> {
    let r = &record.fields;
    Ok(DatasourceSummary {
        id: record.id.clone(),
        name: r.name.clone(),
        engine: stored_engine(&r.engine)?,
        host: r.host.clone(),
        port: r.port.map(|p| p as u16),
        database: r.database.clone(),
        user: r.user.clone(),
        sslmode: r.sslmode.as_deref().and_then(SslMode::parse),
        path: r.sqlite_path.clone(),
        has_password: r.password_encrypted.is_some(),
        is_demo: r.is_demo,
        allowed_functions: record.allowed_functions.clone(),
    })
}

/// Where a server datasource connects, for messages: `host:port`, user and database.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnectionTarget {
    pub address: String,
    pub user: String,
    pub database: String,
}

pub fn target(fields: &DatasourceFields) -> ConnectionTarget {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let default_port = Engine::parse(&fields.engine).and_then(|e| e.default_port()).map(i64::from);
    ConnectionTarget {
        address: format!("{}:{}", text(&fields.host), fields.port.or(default_port).unwrap_or(0)),
        user: text(&fields.user),
        database: text(&fields.database),
    }
}

/// The connection settings of a row, given its decrypted password.
pub fn config(record: &DatasourceRecord, password: Option<SecretString>) -> AppResult<DatasourceConfig> {
    let r = &record.fields;
    let engine = stored_engine(&r.engine)?;
    if !engine.is_server() {
        return Ok(DatasourceConfig::Sqlite(SqliteConfig { relative_path: r.sqlite_path.clone().unwrap_or_default() }));
    }
    let server = ServerConfig {
        host: r.host.clone().unwrap_or_default(),
        port: r.port.or(engine.default_port().map(i64::from)).unwrap_or_default() as u16,
        database: r.database.clone().unwrap_or_default(),
        user: r.user.clone().unwrap_or_default(),
        password,
        sslmode: r.sslmode.as_deref().and_then(SslMode::parse).unwrap_or_default(),
    };
    Ok(if engine == Engine::MySql { DatasourceConfig::MySql(server) } else { DatasourceConfig::Postgres(server) })
}

/// The row a database server's settings are stored as (the password already encrypted).
pub fn server_fields(name: String, engine: Engine, server: ServerConfig, password_encrypted: Option<String>, is_demo: bool) -> DatasourceFields {
    DatasourceFields {
        name,
        engine: engine.as_str().into(),
        host: Some(server.host),
        port: Some(server.port as i64),
        database: Some(server.database),
        user: Some(server.user),
        password_encrypted,
        sslmode: Some(server.sslmode.as_str().into()),
        sqlite_path: None,
        is_demo,
    }
}

pub fn sqlite_fields(name: String, relative_path: String, is_demo: bool) -> DatasourceFields {
    DatasourceFields {
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

/// Whether an edit keeps the server and account a stored password belongs to.
pub fn same_server(stored: &DatasourceFields, input: &DatasourceInput) -> bool {
    let Some(engine) = input.engine.filter(|e| e.is_server()) else { return false };
    let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_ascii_lowercase();
    let port = input.port.or(engine.default_port()).map(i64::from);
    Engine::parse(&stored.engine) == Some(engine)
        && text(&stored.host) == text(&input.host)
        && stored.port == port
        && stored.user.as_deref().unwrap_or("").trim() == input.user.as_deref().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg_record() -> DatasourceRecord {
        let server = ServerConfig { host: "db.example".into(), port: 5432, database: "shop".into(), user: "reader".into(), password: None, sslmode: SslMode::Require };
        let mut fields = server_fields("Shop".into(), Engine::Postgres, server, Some("ciphertext".into()), false);
        fields.port = None;
        DatasourceRecord { id: "d1".into(), fields, allowed_functions: vec!["public.f".into()] }
    }

    #[test]
    fn a_row_reads_back_as_summary_target_and_settings() {
        let record = pg_record();
        let s = summary(&record).unwrap();
        assert_eq!((s.name.as_str(), s.engine, s.has_password, s.sslmode), ("Shop", Engine::Postgres, true, Some(SslMode::Require)));
        assert_eq!(s.allowed_functions, vec!["public.f".to_string()]);
        assert_eq!(target(&record.fields), ConnectionTarget { address: "db.example:5432".into(), user: "reader".into(), database: "shop".into() }, "default port");
        let DatasourceConfig::Postgres(server) = config(&record, None).unwrap() else { panic!("a server config") };
        assert_eq!((server.port, server.sslmode), (5432, SslMode::Require));
        let sqlite = DatasourceRecord { id: "d2".into(), fields: sqlite_fields("Demo".into(), "demo.db".into(), true), allowed_functions: vec![] };
        assert!(matches!(config(&sqlite, None).unwrap(), DatasourceConfig::Sqlite(c) if c.relative_path == "demo.db"));
    }

    #[test]
    fn an_unknown_engine_is_an_error_everywhere_not_postgres() {
        let mut record = pg_record();
        record.fields.engine = "oracle".into();
        assert_eq!(summary(&record).unwrap_err().code(), "internal");
        assert_eq!(config(&record, None).unwrap_err().code(), "internal");
    }

    #[test]
    fn a_stored_password_stays_with_its_server_and_user() {
        let stored = pg_record().fields;
        let input = |host: &str, user: &str, port: Option<u16>| DatasourceInput {
            engine: Some(Engine::Postgres),
            host: Some(host.into()),
            user: Some(user.into()),
            port,
            ..DatasourceInput::default()
        };
        assert!(!same_server(&stored, &input("DB.example", "reader", None)), "the stored row has no port, the input the default one");
        let mut with_port = stored.clone();
        with_port.port = Some(5432);
        assert!(same_server(&with_port, &input("DB.example", "reader", None)), "host case and the default port do not matter");
        assert!(!same_server(&with_port, &input("other.example", "reader", None)));
        assert!(!same_server(&with_port, &input("db.example", "writer", None)));
        assert!(!same_server(&with_port, &input("db.example", "reader", Some(6432))));
    }
}
