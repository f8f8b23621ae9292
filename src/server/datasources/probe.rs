//! Connection tests, and the least-privilege probe: what can this role do that a
//! question-answering tool never needs?
use sqlx::{ConnectOptions, Connection, MySqlConnection, PgConnection, Row};

use super::{connect::describe_connect_error, stored::ConnectionTarget};
use crate::{
    app::model::ConnectionTest,
    server::{
        error::AppError,
        exec::pool::{DatasourcePool, CONNECT_TIMEOUT},
    },
};

/// Connects, runs a trivial query and, on a database server, probes the user's privileges.
/// One direct connection, not the pool: the pool retries refused connections until its
/// timeout, which would hide the real reason.
pub async fn connection_test(pool: &DatasourcePool, target: &ConnectionTarget) -> ConnectionTest {
    let db = target.database.as_str();
    let describe = |e: sqlx::Error| describe_connect_error(&e, &target.address, &target.user, db);
    let probed: Result<(String, RoleReport, String), AppError> = match pool {
        DatasourcePool::Postgres { options, .. } => match open(options.connect(), target).await {
            Err(e) => Err(e),
            Ok(mut conn) => {
                let report = probe_postgres_role(&mut conn).await;
                let _ = conn.close().await;
                report.map(|r| (format!("PostgreSQL {}", r.server_version), r, read_only_role_sql(db))).map_err(describe)
            }
        },
        DatasourcePool::MySql { options, .. } => match open(options.connect(), target).await {
            Err(e) => Err(e),
            Ok(mut conn) => {
                let report = probe_mysql_user(&mut conn).await;
                let _ = conn.close().await;
                report.map(|r| (r.server_version.clone(), r, mysql_read_only_user_sql(db))).map_err(describe)
            }
        },
        DatasourcePool::Sqlite(pool) => {
            return match sqlx::query_scalar::<_, String>("SELECT sqlite_version()").fetch_one(pool).await {
                Ok(v) => ConnectionTest { ok: true, message: "opened read-only".into(), server_version: Some(format!("SQLite {v}")), warnings: vec![], read_only_role_sql: None },
                Err(e) => failed_test(AppError::Connection(format!("could not open the SQLite file: {e}"))),
            };
        }
    };
    match probed {
        Ok((version, report, read_only_sql)) => ConnectionTest {
            ok: true,
            message: "connected".into(),
            server_version: Some(version),
            read_only_role_sql: (!report.warnings.is_empty()).then_some(read_only_sql),
            warnings: report.warnings,
        },
        Err(e) => failed_test(e),
    }
}

/// Whether one direct connection opens within the connect timeout. A pool's timeout looks
/// the same whether every connection is in use or none can be opened (a server that is down
/// or takes the connection and never answers); this tells the two apart.
pub async fn reachable(pool: &DatasourcePool, target: &ConnectionTarget) -> Result<(), AppError> {
    match pool {
        DatasourcePool::Postgres { options, .. } => Ok(drop(open(options.connect(), target).await?.close().await)),
        DatasourcePool::MySql { options, .. } => Ok(drop(open(options.connect(), target).await?.close().await)),
        DatasourcePool::Sqlite(_) => Ok(()),
    }
}

/// One direct connection within the connect timeout; its failure in words a person can act on.
async fn open<C>(connecting: impl std::future::Future<Output = Result<C, sqlx::Error>>, target: &ConnectionTarget) -> Result<C, AppError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Err(_) => Err(AppError::Connection(format!("timed out after {} s connecting to {}: is the host reachable?", CONNECT_TIMEOUT.as_secs(), target.address))),
        Ok(Err(e)) => Err(describe_connect_error(&e, &target.address, &target.user, &target.database)),
        Ok(Ok(conn)) => Ok(conn),
    }
}

/// The test's answer when connecting failed before (or while) probing.
pub fn failed_test(e: AppError) -> ConnectionTest {
    ConnectionTest { ok: false, message: e.public_message(), server_version: None, warnings: vec![], read_only_role_sql: None }
}

/// Findings about the connected role.
#[derive(Debug, Default, PartialEq)]
pub struct RoleReport {
    pub server_version: String,
    pub warnings: Vec<String>,
}

const PROBE_SQL: &str = r#"
SELECT current_setting('server_version') AS version,
       current_user::text AS role_name,
       r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
       EXISTS (SELECT 1 FROM pg_roles p WHERE p.rolname IN ('pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program')
               AND pg_has_role(current_user, p.oid, 'MEMBER')) AS server_file_access,
       EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                 AND n.nspname NOT LIKE 'pg_toast%'
                 AND (has_table_privilege(c.oid, 'INSERT') OR has_table_privilege(c.oid, 'UPDATE')
                      OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE'))) AS can_write,
       has_database_privilege(current_database(), 'CREATE') AS can_create_schema
FROM pg_roles r WHERE r.rolname = current_user
"#;

pub async fn probe_postgres_role(conn: &mut PgConnection) -> Result<RoleReport, sqlx::Error> {
    let row = sqlx::query(PROBE_SQL).fetch_one(conn).await?;
    let role: String = row.try_get("role_name")?;
    let mut warnings = Vec::new();
    let flag = |name: &str| row.try_get::<bool, _>(name).unwrap_or(false);
    if flag("rolsuper") {
        warnings.push(format!("role \"{role}\" is a superuser: it can read server files and change anything"));
    }
    if flag("server_file_access") {
        warnings.push(format!(
            "role \"{role}\" may read or write server files or run programs (pg_read_server_files / pg_write_server_files / pg_execute_server_program)"
        ));
    }
    if flag("can_write") {
        warnings.push(format!("role \"{role}\" can insert, update, delete or truncate tables"));
    }
    if flag("rolcreaterole") || flag("rolcreatedb") || flag("can_create_schema") {
        warnings.push(format!("role \"{role}\" can create roles, databases or schemas"));
    }
    if flag("rolbypassrls") {
        warnings.push(format!("role \"{role}\" bypasses row-level security"));
    }
    Ok(RoleReport { server_version: row.try_get("version")?, warnings })
}

/// SQL an administrator can run to create a role that can only read.
pub fn read_only_role_sql(database: &str) -> String {
    let db = database.replace('"', "\"\"");
    format!(
        "CREATE ROLE databaseai_reader LOGIN PASSWORD 'choose-a-password';\n\
         GRANT CONNECT ON DATABASE \"{db}\" TO databaseai_reader;\n\
         GRANT pg_read_all_data TO databaseai_reader;  -- PostgreSQL 14+; or GRANT USAGE/SELECT per schema\n\
         ALTER ROLE databaseai_reader SET default_transaction_read_only = on;"
    )
}

/// The current MySQL / MariaDB user's global privileges and those on this database.
const MYSQL_PRIVILEGES_SQL: &str = r#"
SELECT CAST(PRIVILEGE_TYPE AS CHAR) AS privilege FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?
UNION
SELECT CAST(PRIVILEGE_TYPE AS CHAR) FROM information_schema.SCHEMA_PRIVILEGES
WHERE GRANTEE = ? AND TABLE_SCHEMA = DATABASE()
"#;

pub async fn probe_mysql_user(conn: &mut MySqlConnection) -> Result<RoleReport, sqlx::Error> {
    let (version, user): (String, String) = sqlx::query_as("SELECT VERSION(), CURRENT_USER()").fetch_one(&mut *conn).await?;
    // information_schema names a grantee 'user'@'host'; CURRENT_USER() says user@host.
    let (name, host) = user.rsplit_once('@').unwrap_or((&user, "%"));
    let grantee = format!("'{name}'@'{host}'");
    let privileges: Vec<String> =
        sqlx::query_scalar(MYSQL_PRIVILEGES_SQL).bind(&grantee).bind(&grantee).fetch_all(&mut *conn).await?;
    let has = |p: &str| privileges.iter().any(|x| x.eq_ignore_ascii_case(p));
    let mut warnings = Vec::new();
    if has("SUPER") || has("SHUTDOWN") || has("CREATE USER") || has("GRANT OPTION") {
        warnings.push(format!("user \"{user}\" has administrative privileges (SUPER, CREATE USER or GRANT OPTION): it can change anything"));
    }
    if has("FILE") {
        warnings.push(format!("user \"{user}\" has the FILE privilege: it may read and write server files"));
    }
    if ["INSERT", "UPDATE", "DELETE", "DROP", "ALTER", "CREATE"].iter().any(|p| has(p)) {
        warnings.push(format!("user \"{user}\" can insert, update, delete, create or drop tables"));
    }
    let server_version = match version.split_once("-MariaDB") {
        Some((v, _)) => format!("MariaDB {v}"),
        None => format!("MySQL {version}"),
    };
    Ok(RoleReport { server_version, warnings })
}

/// SQL an administrator can run to create a MySQL / MariaDB user that can only read.
pub fn mysql_read_only_user_sql(database: &str) -> String {
    let db = database.replace('`', "``");
    format!(
        "CREATE USER 'databaseai_reader'@'%' IDENTIFIED BY 'choose-a-password';\n\
         GRANT SELECT, SHOW VIEW ON `{db}`.* TO 'databaseai_reader'@'%';"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sqlite_file_opens_read_only_and_a_missing_one_fails_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.db");
        {
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&file).create_if_missing(true);
            let mut conn = options.connect().await.unwrap();
            sqlx::query("CREATE TABLE t (x INTEGER)").execute(&mut conn).await.unwrap();
        }
        let target = ConnectionTarget::default();
        let ok = connection_test(&DatasourcePool::sqlite(&file), &target).await;
        assert!(ok.ok && ok.message == "opened read-only" && ok.server_version.as_deref().is_some_and(|v| v.starts_with("SQLite 3.")), "{ok:?}");
        let missing = connection_test(&DatasourcePool::sqlite(&dir.path().join("missing.db")), &target).await;
        assert!(!missing.ok && missing.message.starts_with("could not open the SQLite file"), "{missing:?}");
    }

    #[tokio::test]
    async fn a_refused_server_connection_names_the_address() {
        // Port 1 on loopback: nothing listens there.
        let options = sqlx::postgres::PgConnectOptions::new().host("127.0.0.1").port(1).username("u").database("d");
        let target = ConnectionTarget { address: "127.0.0.1:1".into(), user: "u".into(), database: "d".into() };
        let test = connection_test(&DatasourcePool::postgres(options), &target).await;
        assert!(!test.ok && test.message.contains("connection refused at 127.0.0.1:1"), "{test:?}");
    }
}
