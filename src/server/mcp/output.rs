//! What the tools return, shaped for a model's context window: results and schemas are cut
//! to a size that fits, and say so when they are cut.
use serde_json::{json, Value};

use crate::app::model::{QueryResult, SchemaInfo, SchemaTable};

/// Rows a tool returns unless asked for fewer; at most `MAX_ROWS`.
pub const DEFAULT_ROWS: u32 = 50;
pub const MAX_ROWS: u32 = 500;
/// Characters of one cell before it is cut.
const MAX_CELL_CHARS: usize = 500;
/// Tables on one page of `describe_schema`.
pub const TABLES_PER_PAGE: usize = 25;

/// A result's columns and rows as JSON, with `truncated` and a note when rows were cut by
/// the row cap (of the tool or of the server).
pub fn rows(result: &QueryResult, shown: u32) -> Value {
    let shown = shown as usize;
    let rows: Vec<Vec<Value>> = result.rows.iter().take(shown).map(|row| row.iter().map(cut_cell).collect()).collect();
    let truncated = result.truncated || result.rows.len() > rows.len();
    let mut out = json!({
        "columns": result.columns.iter().map(|c| json!({"name": c.name, "type": c.type_name})).collect::<Vec<_>>(),
        "rows": rows,
        "row_count": rows.len(),
        "truncated": truncated,
        "elapsed_ms": result.elapsed_ms,
    });
    if truncated {
        out["note"] = json!(format!(
            "only the first {} rows are shown; add a LIMIT, filters or an aggregate to see what you need",
            rows.len()
        ));
    }
    out
}

fn cut_cell(cell: &Value) -> Value {
    match cell {
        Value::String(s) if s.chars().count() > MAX_CELL_CHARS => {
            Value::String(format!("{}… (cut at {MAX_CELL_CHARS} characters)", s.chars().take(MAX_CELL_CHARS).collect::<String>()))
        }
        other => other.clone(),
    }
}

/// One page of the schema's tables whose name, comment or a column's name or comment
/// contains `search` (any case; empty: every table).
pub fn schema_page(schema: &SchemaInfo, search: &str, page: u32) -> Value {
    let needle = search.trim().to_lowercase();
    let matching: Vec<&SchemaTable> = schema.tables.iter().filter(|t| needle.is_empty() || table_mentions(t, &needle)).collect();
    let pages = matching.len().div_ceil(TABLES_PER_PAGE).max(1);
    let page = (page.max(1) as usize).min(pages);
    let tables: Vec<Value> = matching.iter().skip((page - 1) * TABLES_PER_PAGE).take(TABLES_PER_PAGE).map(|t| table(t)).collect();
    let mut out = json!({
        "engine": schema.engine.label(),
        "tables": tables,
        "page": page,
        "pages": pages,
        "matching_tables": matching.len(),
        "total_tables": schema.tables.len(),
    });
    if page < pages {
        out["note"] = json!(format!("more tables match: call describe_schema again with page {}", page + 1));
    }
    out
}

/// Most tables the schema resource lists; describe_schema pages through any number.
const RESOURCE_MAX_TABLES: usize = 500;

/// The schema resource: every table (up to a cap that it states).
pub fn schema_whole(schema: &SchemaInfo) -> Value {
    let tables: Vec<Value> = schema.tables.iter().take(RESOURCE_MAX_TABLES).map(table).collect();
    let mut out = json!({"engine": schema.engine.label(), "tables": tables, "total_tables": schema.tables.len()});
    if schema.tables.len() > RESOURCE_MAX_TABLES {
        out["note"] = json!(format!("only the first {RESOURCE_MAX_TABLES} tables are listed; use the describe_schema tool to page or search"));
    }
    out
}

fn table_mentions(t: &SchemaTable, needle: &str) -> bool {
    let has = |s: &str| s.to_lowercase().contains(needle);
    has(&t.qualified_name())
        || t.comment.as_deref().is_some_and(has)
        || t.columns.iter().any(|c| has(&c.name) || c.comment.as_deref().is_some_and(has))
}

fn table(t: &SchemaTable) -> Value {
    let columns: Vec<Value> = t
        .columns
        .iter()
        .map(|c| {
            let mut col = json!({"name": c.name, "type": c.data_type});
            if c.primary_key {
                col["primary_key"] = json!(true);
            }
            if !c.nullable {
                col["not_null"] = json!(true);
            }
            if let Some(r) = &c.references {
                let target = match &r.schema {
                    Some(s) => format!("{s}.{}.{}", r.table, r.column),
                    None => format!("{}.{}", r.table, r.column),
                };
                col["references"] = json!(target);
            }
            if let Some(comment) = &c.comment {
                col["comment"] = json!(comment);
            }
            col
        })
        .collect();
    let mut out = json!({"name": t.qualified_name(), "kind": t.kind, "columns": columns});
    if let Some(comment) = &t.comment {
        out["comment"] = json!(comment);
    }
    if let Some(rows) = t.row_estimate {
        out["row_estimate"] = json!(rows);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::model::{Engine, ResultColumn, SchemaColumn};

    fn schema(n: usize) -> SchemaInfo {
        let tables = (0..n)
            .map(|i| SchemaTable { schema: None, name: format!("t{i}"), kind: "table".into(), comment: None, row_estimate: None, columns: vec![SchemaColumn::plain(&format!("c{i}"), "integer")] })
            .collect();
        SchemaInfo { engine: Engine::Sqlite, tables, introspected_at_ms: 0 }
    }

    #[test]
    fn schemas_come_in_pages_and_say_where_more_is() {
        let s = schema(60);
        let first = schema_page(&s, "", 1);
        assert_eq!(first["tables"].as_array().unwrap().len(), TABLES_PER_PAGE);
        assert_eq!((first["page"].as_u64(), first["pages"].as_u64()), (Some(1), Some(3)));
        assert!(first["note"].as_str().unwrap().contains("page 2"));
        let last = schema_page(&s, "", 99);
        assert_eq!(last["page"], 3, "a page past the end is the last page");
        assert_eq!(last["tables"].as_array().unwrap().len(), 10);
        assert!(last.get("note").is_none());
    }

    #[test]
    fn a_search_finds_tables_by_column_names_too() {
        let page = schema_page(&schema(30), "C17", 1);
        let names: Vec<&str> = page["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["t17"]);
        assert_eq!(page["matching_tables"], 1);
        assert_eq!(page["total_tables"], 30);
    }

    #[test]
    fn rows_beyond_the_cap_are_cut_and_said_to_be() {
        let result = QueryResult {
            columns: vec![ResultColumn { name: "v".into(), type_name: "text".into() }],
            rows: (0..10).map(|i| vec![json!("x".repeat(if i == 0 { 600 } else { 1 }))]).collect(),
            row_count: 10,
            truncated: false,
            elapsed_ms: 1,
        };
        let out = rows(&result, 4);
        assert_eq!(out["row_count"], 4);
        assert_eq!(out["truncated"], true);
        assert!(out["note"].as_str().unwrap().contains("first 4 rows"));
        assert!(out["rows"][0][0].as_str().unwrap().ends_with("(cut at 500 characters)"));
        let all = rows(&result, 50);
        assert_eq!(all["truncated"], false);
        assert!(all.get("note").is_none());
    }
}
