//! From a datasource's settings to a pool, and from a failed connection to a message a
//! person can act on.
use std::path::Path;

use secrecy::ExposeSecret;
use sqlx::{
    mysql::{MySqlConnectOptions, MySqlSslMode},
    postgres::{PgConnectOptions, PgSslMode},
};

use super::config::{DatasourceConfig, ServerConfig};
use crate::{
    app::model::SslMode,
    server::{
        error::AppError,
        exec::pool::{DatasourcePool, CONNECT_TIMEOUT},
    },
};

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

/// Builds a pool without connecting; the first use connects.
pub fn build_pool(config: &DatasourceConfig, connect_host: Option<&str>, data_dir: &Path) -> DatasourcePool {
    match config {
        DatasourceConfig::Postgres(cfg) => DatasourcePool::postgres(pg_connect_options(cfg, connect_host.unwrap_or(&cfg.host))),
        DatasourceConfig::MySql(cfg) => DatasourcePool::mysql(mysql_connect_options(cfg, connect_host.unwrap_or(&cfg.host))),
        DatasourceConfig::Sqlite(cfg) => DatasourcePool::sqlite(&cfg.full_path(data_dir)),
    }
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
            ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
                format!("the connection to {target} was closed by the server (it restarted, or ended the session): try again")
            }
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

/// Whether an error met while using a pool means the connection settings or the server are
/// wrong (so the pool should be rebuilt), rather than the query.
pub fn is_connection_problem(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            // MySQL / MariaDB: access denied (1044, 1045) or no such database (1049).
            let mysql_number = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>().map(|m| m.number());
            matches!(mysql_number, Some(1044 | 1045 | 1049))
                || (mysql_number.is_none() && db.code().as_deref().is_some_and(|c| c.starts_with("28") || c == "3D000"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_errors_are_told_apart_from_query_errors() {
        assert!(is_connection_problem(&sqlx::Error::PoolTimedOut));
        assert!(is_connection_problem(&sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into())));
        assert!(!is_connection_problem(&sqlx::Error::RowNotFound));
        let refused = describe_connect_error(&sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into()), "db:5432", "u", "d");
        assert_eq!(refused.public_message(), "connection refused at db:5432: is the server running, and is the port right?");
    }

    #[test]
    fn options_carry_the_settings_and_never_the_host_name_when_an_address_was_checked() {
        let cfg = ServerConfig { host: "db.example".into(), port: 5433, database: "shop".into(), user: "reader".into(), password: None, sslmode: SslMode::Require };
        let pg = pg_connect_options(&cfg, "10.0.0.7");
        assert_eq!((pg.get_host(), pg.get_port(), pg.get_database(), pg.get_username()), ("10.0.0.7", 5433, Some("shop"), "reader"));
    }
}
