//! Least-privilege probe: what can this role do that a question-answering tool never needs?
use sqlx::{MySqlConnection, PgConnection, Row};

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
