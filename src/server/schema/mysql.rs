//! MySQL / MariaDB catalogs: tables, columns and foreign keys of the datasource's database
//! (the one it connects to: on these servers a database is what PostgreSQL calls a schema,
//! so names stay unqualified, as queries on this connection write them), three queries in all. information_schema lists only what the user may see.
//! There are no free value statistics like pg_stats, so no sample values are read.
use std::collections::HashMap;

use sqlx::{MySqlPool, Row};

use crate::app::model::{ForeignKeyRef, SchemaColumn, SchemaTable};

const TABLES_SQL: &str = r#"
SELECT CAST(TABLE_NAME AS CHAR) AS table_name,
       CAST(TABLE_TYPE AS CHAR) AS kind, CAST(TABLE_COMMENT AS CHAR) AS comment,
       CAST(TABLE_ROWS AS SIGNED) AS row_estimate
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME
"#;

const COLUMNS_SQL: &str = r#"
SELECT CAST(TABLE_NAME AS CHAR) AS table_name, CAST(COLUMN_NAME AS CHAR) AS column_name,
       CAST(COLUMN_TYPE AS CHAR) AS data_type, IS_NULLABLE = 'YES' AS nullable,
       CAST(COLUMN_DEFAULT AS CHAR) AS default_value, CAST(COLUMN_COMMENT AS CHAR) AS comment,
       COLUMN_KEY = 'PRI' AS primary_key
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, ORDINAL_POSITION
"#;

const FOREIGN_KEYS_SQL: &str = r#"
SELECT CAST(TABLE_NAME AS CHAR) AS table_name, CAST(COLUMN_NAME AS CHAR) AS column_name,
       CAST(TABLE_SCHEMA AS CHAR) AS own_schema, CAST(REFERENCED_TABLE_SCHEMA AS CHAR) AS ref_schema, CAST(REFERENCED_TABLE_NAME AS CHAR) AS ref_table,
       CAST(REFERENCED_COLUMN_NAME AS CHAR) AS ref_column
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
"#;

fn kind_label(table_type: &str) -> &'static str {
    match table_type {
        "VIEW" => "view",
        "SYSTEM VIEW" => "view",
        _ => "table",
    }
}

/// Empty comments are stored as '' here, not NULL.
fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

pub(super) async fn tables(pool: &MySqlPool) -> Result<Vec<SchemaTable>, sqlx::Error> {
    let relations = sqlx::query(TABLES_SQL).fetch_all(pool).await?;
    let columns = sqlx::query(COLUMNS_SQL).fetch_all(pool).await?;
    let foreign_keys = sqlx::query(FOREIGN_KEYS_SQL).fetch_all(pool).await?;

    let mut tables = Vec::with_capacity(relations.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for r in &relations {
        let name: String = r.try_get("table_name")?;
        index.insert(name.clone(), tables.len());
        tables.push(SchemaTable {
            schema: None,
            name,
            kind: kind_label(&r.try_get::<String, _>("kind")?).to_string(),
            comment: non_empty(r.try_get("comment")?),
            row_estimate: r.try_get("row_estimate")?,
            columns: Vec::new(),
        });
    }
    for c in &columns {
        let table: String = c.try_get("table_name")?;
        let Some(&ti) = index.get(&table) else { continue };
        tables[ti].columns.push(SchemaColumn {
            name: c.try_get("column_name")?,
            data_type: c.try_get("data_type")?,
            nullable: c.try_get::<i64, _>("nullable")? != 0,
            default: c.try_get("default_value")?,
            primary_key: c.try_get::<i64, _>("primary_key")? != 0,
            references: None,
            comment: non_empty(c.try_get("comment")?),
            sample_values: Vec::new(),
        });
    }
    for k in &foreign_keys {
        let table: String = k.try_get("table_name")?;
        let column: String = k.try_get("column_name")?;
        let Some(&ti) = index.get(&table) else { continue };
        let reference = ForeignKeyRef {
            // Another database's table keeps its qualifier.
            schema: k.try_get::<Option<String>, _>("ref_schema")?.filter(|s| s != &k.try_get::<String, _>("own_schema").unwrap_or_default()),
            table: k.try_get("ref_table")?,
            column: k.try_get("ref_column")?,
        };
        if let Some(col) = tables[ti].columns.iter_mut().find(|c| c.name == column) {
            col.references = Some(reference);
        }
    }
    Ok(tables)
}
