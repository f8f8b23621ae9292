//! Schema introspection in a handful of catalog queries (never one query per table).
use crate::{
    app::model::SchemaInfo,
    server::{error::AppResult, exec::DatasourcePool, store::now_ms},
};

mod mysql;
mod postgres;
mod sqlite;
pub mod values;

pub async fn introspect(pool: &DatasourcePool) -> AppResult<SchemaInfo> {
    let (engine, tables) = match pool {
        DatasourcePool::Postgres { pool, .. } => (crate::app::model::Engine::Postgres, postgres::tables(pool).await?),
        DatasourcePool::MySql { pool, .. } => (crate::app::model::Engine::MySql, mysql::tables(pool).await?),
        DatasourcePool::Sqlite(pool) => (crate::app::model::Engine::Sqlite, sqlite::tables(pool).await?),
    };
    Ok(SchemaInfo { engine, tables, introspected_at_ms: now_ms() })
}

/// Columns whose values are worth showing the model: text-like, where spelling matters.
pub(crate) fn is_text_type(data_type: &str) -> bool {
    let t = data_type.to_ascii_lowercase();
    t.contains("char") || t.contains("text") || t == "citext" || t.is_empty()
}
