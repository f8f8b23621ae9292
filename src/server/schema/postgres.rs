//! PostgreSQL catalogs: relations, columns, key constraints and the planner's most common
//! values, four queries in all. Only relations the role may SELECT from are listed, and
//! pg_stats itself shows only columns the role may read.
use std::collections::HashMap;

use sqlx::{PgPool, Row};

use crate::app::model::{ForeignKeyRef, SchemaColumn, SchemaTable};

const RELATIONS_SQL: &str = r#"
SELECT c.oid::int8 AS oid, n.nspname::text AS schema_name, c.relname::text AS table_name,
       c.relkind::text AS kind, obj_description(c.oid, 'pg_class') AS comment,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::int8 END AS row_estimate
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND n.nspname NOT LIKE 'pg_temp%' AND NOT c.relispartition
  AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname, c.relname
"#;

const COLUMNS_SQL: &str = r#"
SELECT a.attrelid::int8 AS oid, a.attnum::int4 AS attnum, a.attname::text AS column_name,
       format_type(a.atttypid, a.atttypmod) AS data_type, NOT a.attnotnull AS nullable,
       pg_get_expr(d.adbin, d.adrelid) AS default_value, col_description(a.attrelid, a.attnum) AS comment
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY a.attrelid, a.attnum
"#;

const KEYS_SQL: &str = r#"
SELECT con.conrelid::int8 AS oid, con.contype::text AS kind, con.conkey::int4[] AS cols,
       con.confrelid::int8 AS ref_oid, con.confkey::int4[] AS ref_cols
FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
WHERE con.contype IN ('p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
"#;

/// Frequent values of low-cardinality columns, from ANALYZE statistics (free to read).
const COMMON_VALUES_SQL: &str = r#"
SELECT schemaname::text AS schema_name, tablename::text AS table_name, attname::text AS column_name,
       (most_common_vals::text::text[])[1:8] AS vals
FROM pg_stats
WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND most_common_vals IS NOT NULL
  AND n_distinct BETWEEN 1 AND 20
"#;

fn kind_label(relkind: &str) -> &'static str {
    match relkind {
        "v" => "view",
        "m" => "materialized view",
        "p" => "partitioned table",
        "f" => "foreign table",
        _ => "table",
    }
}

pub(super) async fn tables(pool: &PgPool) -> Result<Vec<SchemaTable>, sqlx::Error> {
    let relations = sqlx::query(RELATIONS_SQL).fetch_all(pool).await?;
    let columns = sqlx::query(COLUMNS_SQL).fetch_all(pool).await?;
    let keys = sqlx::query(KEYS_SQL).fetch_all(pool).await?;

    let mut tables: Vec<(i64, SchemaTable)> = Vec::with_capacity(relations.len());
    let mut index: HashMap<i64, usize> = HashMap::new();
    for r in &relations {
        let oid: i64 = r.try_get("oid")?;
        index.insert(oid, tables.len());
        tables.push((
            oid,
            SchemaTable {
                schema: Some(r.try_get("schema_name")?),
                name: r.try_get("table_name")?,
                kind: kind_label(&r.try_get::<String, _>("kind")?).to_string(),
                comment: r.try_get("comment")?,
                row_estimate: r.try_get("row_estimate")?,
                columns: Vec::new(),
            },
        ));
    }
    // (table oid, attnum) -> position in that table's column list.
    let mut column_pos: HashMap<(i64, i32), usize> = HashMap::new();
    for c in &columns {
        let oid: i64 = c.try_get("oid")?;
        let Some(&ti) = index.get(&oid) else { continue };
        let cols = &mut tables[ti].1.columns;
        column_pos.insert((oid, c.try_get("attnum")?), cols.len());
        cols.push(SchemaColumn {
            name: c.try_get("column_name")?,
            data_type: c.try_get("data_type")?,
            nullable: c.try_get("nullable")?,
            default: c.try_get("default_value")?,
            primary_key: false,
            references: None,
            comment: c.try_get("comment")?,
            sample_values: Vec::new(),
        });
    }
    for k in &keys {
        let oid: i64 = k.try_get("oid")?;
        let Some(&ti) = index.get(&oid) else { continue };
        let kind: String = k.try_get("kind")?;
        let cols: Vec<i32> = k.try_get("cols")?;
        if kind == "p" {
            for attnum in cols {
                if let Some(&ci) = column_pos.get(&(oid, attnum)) {
                    tables[ti].1.columns[ci].primary_key = true;
                }
            }
            continue;
        }
        let ref_oid: i64 = k.try_get("ref_oid")?;
        let ref_cols: Vec<i32> = k.try_get("ref_cols")?;
        let Some(&rti) = index.get(&ref_oid) else { continue };
        for (attnum, ref_attnum) in cols.iter().zip(ref_cols.iter()) {
            let (Some(&ci), Some(&rci)) = (column_pos.get(&(oid, *attnum)), column_pos.get(&(ref_oid, *ref_attnum))) else {
                continue;
            };
            let target = &tables[rti].1;
            let reference = ForeignKeyRef {
                schema: target.schema.clone(),
                table: target.name.clone(),
                column: target.columns[rci].name.clone(),
            };
            tables[ti].1.columns[ci].references = Some(reference);
        }
    }
    let mut tables: Vec<SchemaTable> = tables.into_iter().map(|(_, t)| t).collect();
    let common = sqlx::query(COMMON_VALUES_SQL).fetch_all(pool).await?;
    let mut by_name: HashMap<(String, String), usize> = HashMap::new();
    for (i, t) in tables.iter().enumerate() {
        by_name.insert((t.schema.clone().unwrap_or_default(), t.name.clone()), i);
    }
    for r in &common {
        let key = (r.try_get::<String, _>("schema_name")?, r.try_get::<String, _>("table_name")?);
        let Some(&ti) = by_name.get(&key) else { continue };
        let column: String = r.try_get("column_name")?;
        if let Some(col) = tables[ti].columns.iter_mut().find(|c| c.name == column && super::is_text_type(&c.data_type)) {
            col.sample_values = r.try_get("vals")?;
        }
    }
    Ok(tables)
}
