//! Datasource rows. Passwords arrive and leave this module encrypted.
use sqlx::Row;

use super::{now_ms, Store};

/// A datasource row as stored: its id and its fields.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasourceRecord {
    pub id: String,
    pub fields: DatasourceFields,
    /// The datasource's own functions an admin allowed in queries (set apart from the other
    /// fields, like sharing).
    pub allowed_functions: Vec<String>,
}

/// A datasource's stored fields: what create and update write and what a read returns.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasourceFields {
    pub name: String,
    pub engine: String,
    pub host: Option<String>,
    pub port: Option<i64>,
    pub database: Option<String>,
    pub user: Option<String>,
    pub password_encrypted: Option<String>,
    pub sslmode: Option<String>,
    pub sqlite_path: Option<String>,
    pub is_demo: bool,
}

const COLUMNS: &str = "id, name, engine, host, port, database_name, username, password_encrypted, sslmode, sqlite_path, is_demo, allowed_functions";

fn from_row(row: &sqlx::any::AnyRow) -> Result<DatasourceRecord, sqlx::Error> {
    let fields = DatasourceFields {
        name: row.try_get("name")?,
        engine: row.try_get("engine")?,
        host: row.try_get("host")?,
        port: row.try_get("port")?,
        database: row.try_get("database_name")?,
        user: row.try_get("username")?,
        password_encrypted: row.try_get("password_encrypted")?,
        sslmode: row.try_get("sslmode")?,
        sqlite_path: row.try_get("sqlite_path")?,
        is_demo: row.try_get::<i64, _>("is_demo")? != 0,
    };
    let allowed: String = row.try_get("allowed_functions")?;
    let allowed_functions = allowed.split(',').filter(|f| !f.is_empty()).map(str::to_string).collect();
    Ok(DatasourceRecord { id: row.try_get("id")?, fields, allowed_functions })
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds `$1` (id) through `$10` (sqlite_path), in the column order both statements use.
fn bind_fields<'q>(query: AnyQuery<'q>, id: &'q str, ds: &'q DatasourceFields) -> AnyQuery<'q> {
    query
        .bind(id)
        .bind(&ds.name)
        .bind(&ds.engine)
        .bind(&ds.host)
        .bind(ds.port)
        .bind(&ds.database)
        .bind(&ds.user)
        .bind(&ds.password_encrypted)
        .bind(&ds.sslmode)
        .bind(&ds.sqlite_path)
}

/// True when a database error is a unique-constraint violation (SQLite or PostgreSQL).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation() || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

impl Store {
    pub async fn list_datasources(&self) -> Result<Vec<DatasourceRecord>, sqlx::Error> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM datasources ORDER BY is_demo DESC, name"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn get_datasource(&self, id: &str) -> Result<Option<DatasourceRecord>, sqlx::Error> {
        self.datasource_reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM datasources WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn insert_datasource(&self, id: &str, ds: &DatasourceFields) -> Result<(), sqlx::Error> {
        let query = sqlx::query(
            "INSERT INTO datasources (id, name, engine, host, port, database_name, username, \
             password_encrypted, sslmode, sqlite_path, is_demo, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
        );
        bind_fields(query, id, ds).bind(ds.is_demo as i64).bind(now_ms()).execute(&self.pool).await.map(|_| ())
    }

    /// Replaces every field but `is_demo`; returns false when no such row exists.
    pub async fn update_datasource(&self, id: &str, ds: &DatasourceFields) -> Result<bool, sqlx::Error> {
        let query = sqlx::query(
            "UPDATE datasources SET name = $2, engine = $3, host = $4, port = $5, database_name = $6, \
             username = $7, password_encrypted = $8, sslmode = $9, sqlite_path = $10, updated_at_ms = $11 \
             WHERE id = $1",
        );
        let done = bind_fields(query, id, ds).bind(now_ms()).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces the list of allowed user functions; false when no such datasource exists.
    pub async fn set_allowed_functions(&self, id: &str, functions: &[String]) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE datasources SET allowed_functions = $2, updated_at_ms = $3 WHERE id = $1")
            .bind(id)
            .bind(functions.join(","))
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn delete_datasource(&self, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM datasources WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }
}
