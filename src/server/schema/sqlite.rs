//! SQLite catalogs: sqlite_schema joined with the pragma table functions, plus one
//! UNION ALL query for exact row counts of small databases.
use std::collections::HashMap;

use sqlx::{Row, SqlitePool};

use crate::app::model::{ForeignKeyRef, SchemaColumn, SchemaTable};

/// Above this many tables, row counts are skipped (they are exact scans in SQLite).
const MAX_TABLES_TO_COUNT: usize = 200;

const COLUMNS_SQL: &str = r#"
SELECT m.type AS kind, m.name AS table_name, p.name AS column_name, p.type AS data_type,
       p."notnull" AS not_null, p.dflt_value AS default_value, p.pk AS pk
FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'
ORDER BY m.name, p.cid
"#;

const FOREIGN_KEYS_SQL: &str = r#"
SELECT m.name AS table_name, f."from" AS from_col, f."table" AS ref_table, f."to" AS to_col
FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
WHERE m.type = 'table'
"#;

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(super) async fn tables(pool: &SqlitePool) -> Result<Vec<SchemaTable>, sqlx::Error> {
    let rows = sqlx::query(COLUMNS_SQL).fetch_all(pool).await?;
    let mut tables: Vec<SchemaTable> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for r in &rows {
        let name: String = r.try_get("table_name")?;
        let ti = *index.entry(name.clone()).or_insert_with(|| {
            tables.push(SchemaTable {
                schema: None,
                name: name.clone(),
                kind: r.try_get::<String, _>("kind").unwrap_or_else(|_| "table".into()),
                comment: None,
                row_estimate: None,
                columns: Vec::new(),
            });
            tables.len() - 1
        });
        tables[ti].columns.push(SchemaColumn {
            name: r.try_get("column_name")?,
            data_type: r.try_get::<Option<String>, _>("data_type")?.unwrap_or_default().to_ascii_lowercase(),
            nullable: r.try_get::<i64, _>("not_null")? == 0 && r.try_get::<i64, _>("pk")? == 0,
            default: r.try_get("default_value")?,
            primary_key: r.try_get::<i64, _>("pk")? > 0,
            references: None,
            comment: None,
            sample_values: Vec::new(),
        });
    }
    for fk in sqlx::query(FOREIGN_KEYS_SQL).fetch_all(pool).await? {
        let table: String = fk.try_get("table_name")?;
        let from: String = fk.try_get("from_col")?;
        let ref_table: String = fk.try_get("ref_table")?;
        // `to` is NULL when the reference is to the target's primary key.
        let to: Option<String> = fk.try_get("to_col")?;
        let to = to.or_else(|| {
            index.get(&ref_table).and_then(|&i| tables[i].columns.iter().find(|c| c.primary_key).map(|c| c.name.clone()))
        });
        if let (Some(&ti), Some(to)) = (index.get(&table), to) {
            if let Some(col) = tables[ti].columns.iter_mut().find(|c| c.name == from) {
                col.references = Some(ForeignKeyRef { schema: None, table: ref_table, column: to });
            }
        }
    }
    let countable: Vec<&SchemaTable> = tables.iter().filter(|t| t.kind == "table").collect();
    if !countable.is_empty() && countable.len() <= MAX_TABLES_TO_COUNT {
        let union = countable
            .iter()
            .map(|t| format!("SELECT {} AS t, count(*) AS n FROM {}", quote_literal(&t.name), quote_ident(&t.name)))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        for r in sqlx::query(&union).fetch_all(pool).await? {
            let name: String = r.try_get("t")?;
            if let Some(&ti) = index.get(&name) {
                tables[ti].row_estimate = Some(r.try_get("n")?);
            }
        }
    }
    sample_values(pool, &mut tables).await?;
    Ok(tables)
}

/// Columns with at most this many distinct values (in a bounded sample) are shown with them.
const MAX_SAMPLE_VALUES: usize = 8;
/// Rows looked at per column, so a large table costs a bounded scan.
const SAMPLE_ROWS: usize = 10_000;

/// Value counts of every text column in one UNION ALL query over bounded samples; a column
/// keeps its values only when it is categorical (few distinct values that repeat, like a status).
async fn sample_values(pool: &SqlitePool, tables: &mut [SchemaTable]) -> Result<(), sqlx::Error> {
    let parts: Vec<String> = tables
        .iter()
        .filter(|t| t.kind == "table")
        .flat_map(|t| t.columns.iter().filter(|c| super::is_text_type(&c.data_type)).map(move |c| (t, c)))
        .map(|(t, c)| {
            format!(
                "SELECT * FROM (SELECT {tl} AS t, {cl} AS c, v, count(*) AS n FROM (SELECT {ci} AS v FROM {ti} LIMIT {SAMPLE_ROWS}) \
                 WHERE typeof(v) = 'text' AND length(v) <= 60 GROUP BY v ORDER BY n DESC LIMIT {})",
                MAX_SAMPLE_VALUES + 1,
                tl = quote_literal(&t.name),
                cl = quote_literal(&c.name),
                ci = quote_ident(&c.name),
                ti = quote_ident(&t.name),
            )
        })
        .take(MAX_TABLES_TO_COUNT)
        .collect();
    if parts.is_empty() {
        return Ok(());
    }
    let mut found: HashMap<(String, String), Vec<(String, i64)>> = HashMap::new();
    for r in sqlx::query(&parts.join(" UNION ALL ")).fetch_all(pool).await? {
        found.entry((r.try_get("t")?, r.try_get("c")?)).or_default().push((r.try_get("v")?, r.try_get("n")?));
    }
    for t in tables.iter_mut() {
        for c in t.columns.iter_mut() {
            let Some(counts) = found.remove(&(t.name.clone(), c.name.clone())) else { continue };
            let rows: i64 = counts.iter().map(|(_, n)| n).sum();
            // Values that mostly occur once are names or ids, not categories.
            if counts.len() <= MAX_SAMPLE_VALUES && rows >= 2 * counts.len() as i64 {
                let mut values: Vec<String> = counts.into_iter().map(|(v, _)| v).collect();
                values.sort();
                c.sample_values = values;
            }
        }
    }
    Ok(())
}
