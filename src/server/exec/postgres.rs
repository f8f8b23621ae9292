//! PostgreSQL execution: read-only transaction, local timeouts, text-cast wrapper, rollback.

use futures::TryStreamExt;
use sqlx::{
    postgres::{PgConnectOptions, PgDatabaseError},
    Column, Connection, Executor, PgConnection, PgPool, Row, Statement, TypeInfo,
};

use super::{cancel::CancelTarget, CLIENT_GRACE, cap_text, wrap_with_limit, CancelRegistry, Limits, ResultBuilder, RowSink};
use crate::{
    app::model::{QueryResult, ResultColumn},
    server::{
        error::{AppError, AppResult},
        guard::{StatementKind, ValidatedSql},
    },
};


pub(super) async fn run(
    pool: &PgPool,
    options: &PgConnectOptions,
    sql: &ValidatedSql,
    limits: &Limits,
    cancels: &CancelRegistry,
    query_id: Option<&str>,
    sink: &mut impl RowSink,
) -> AppResult<()> {
    let mut conn = pool.acquire().await?;
    let work = stream_in_read_only_transaction(&mut conn, options, sql, limits, cancels, query_id, sink);
    match tokio::time::timeout(limits.timeout + CLIENT_GRACE, work).await {
        Ok(result) => result,
        Err(_) => {
            // The server should have stopped it; it did not answer in time, so this
            // connection's state is unknown: never hand it to the next query.
            conn.close_on_drop();
            Err(AppError::QueryTimeout(limits.timeout.as_millis() as u64))
        }
    }
}

/// Also used by the integration tests to show the database layer holds on its own.
pub async fn run_in_read_only_transaction(
    conn: &mut PgConnection,
    options: &PgConnectOptions,
    sql: &ValidatedSql,
    limits: &Limits,
    cancels: &CancelRegistry,
    query_id: Option<&str>,
) -> AppResult<QueryResult> {
    let mut builder = ResultBuilder::new(limits);
    stream_in_read_only_transaction(conn, options, sql, limits, cancels, query_id, &mut builder).await?;
    Ok(builder.finish())
}

async fn stream_in_read_only_transaction(
    conn: &mut PgConnection,
    options: &PgConnectOptions,
    sql: &ValidatedSql,
    limits: &Limits,
    cancels: &CancelRegistry,
    query_id: Option<&str>,
    sink: &mut impl RowSink,
) -> AppResult<()> {
    let mut tx = conn.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let timeout_ms = limits.timeout.as_millis().max(1).to_string();
    let idle_ms = (limits.timeout + CLIENT_GRACE * 2).as_millis().to_string();
    sqlx::query(
        "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', '2000', true), \
         set_config('idle_in_transaction_session_timeout', $2, true), \
         set_config('standard_conforming_strings', 'on', true)",
    )
    .bind(&timeout_ms)
    .bind(&idle_ms)
    .execute(&mut *tx)
    .await?;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut *tx).await?;
    let _registration = cancels.register(query_id, CancelTarget::Postgres { pid, options: options.clone() });
    let result = run_statement(&mut tx, sql, limits, sink).await;
    // Never commit: whatever happened, nothing this transaction did survives.
    tx.rollback().await?;
    result
}

async fn run_statement(conn: &mut PgConnection, sql: &ValidatedSql, limits: &Limits, sink: &mut impl RowSink) -> AppResult<()> {
    if sql.kind() == StatementKind::Explain {
        sink.columns(&[ResultColumn { name: "QUERY PLAN".into(), type_name: "text".into() }]);
        let mut rows = sqlx::query(sql.as_str()).fetch(&mut *conn);
        while let Some(row) = rows.try_next().await.map_err(|e| query_error(e, limits))? {
            let line: String = row.try_get(0).unwrap_or_default();
            let n = line.len();
            if !sink.push(vec![serde_json::Value::String(line)], n).await {
                break;
            }
        }
        return Ok(());
    }
    // Describe first: column names and types, without running anything.
    let statement = conn.prepare(sql.as_str()).await.map_err(|e| query_error(e, limits))?;
    let columns: Vec<ResultColumn> = statement
        .columns()
        .iter()
        .map(|c| ResultColumn { name: c.name().to_string(), type_name: c.type_info().name().to_ascii_lowercase() })
        .collect();
    sink.columns(&columns);
    // Every column comes back as capped text, so any type (arrays, enums, ranges…) decodes.
    let (select_list, alias) = if columns.is_empty() {
        ("*".to_string(), "_dbai_q".to_string())
    } else {
        let casts: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (cell, max, cut) = (format!("_dbai_q.c{}", i + 1), limits.max_cell_chars, limits.max_cell_chars + 1);
                match c.type_name.as_str() {
                    t if bounded_text(t) => format!("{cell}::text"),
                    // A text value's byte length is known without reading it, and no more
                    // bytes than the limit means no more characters: only long values are
                    // cut (counting characters is most of left()'s cost).
                    "text" | "varchar" => format!("CASE WHEN octet_length({cell}) > {max} THEN left({cell}, {cut}) ELSE {cell}::text END"),
                    _ => format!("left({cell}::text, {cut})"),
                }
            })
            .collect();
        let names: Vec<String> = (1..=columns.len()).map(|i| format!("c{i}")).collect();
        (casts.join(", "), format!("_dbai_q({})", names.join(", ")))
    };
    let wrapped = wrap_with_limit(sql, &select_list, &alias, limits.max_rows as u64 + 1)?;
    let printed = sink.printed_numbers();
    let mut rows = sqlx::query(wrapped.as_str()).fetch(&mut *conn);
    while let Some(row) = rows.try_next().await.map_err(|e| query_error(e, limits))? {
        let mut cells = Vec::with_capacity(columns.len());
        let mut bytes = 0;
        for (i, col) in columns.iter().enumerate() {
            // Every cell is text by the cast above, so the per-cell type check is skipped.
            let text: Option<String> = row.try_get_unchecked(i).map_err(AppError::internal)?;
            bytes += text.as_ref().map_or(4, String::len) + 2;
            let cell = match text {
                None => serde_json::Value::Null,
                Some(t) if printed && col.type_name != "bool" => serde_json::Value::String(cap_text(t, limits.max_cell_chars)),
                Some(t) => typed_cell(&col.type_name, t, limits.max_cell_chars),
            };
            cells.push(cell);
        }
        if !sink.push(cells, bytes).await {
            break;
        }
    }
    Ok(())
}

/// Types whose text form is short (a few dozen characters; a numeric's at most about 150 KB):
/// they are cut in Rust, since cutting in the database costs a function call per cell and a
/// million-row export makes millions.
fn bounded_text(type_name: &str) -> bool {
    matches!(
        type_name,
        "bool" | "int2" | "int4" | "int8" | "oid" | "float4" | "float8" | "numeric" | "money" | "date" | "time" | "timetz" | "timestamp" | "timestamptz" | "uuid"
    )
}

/// PostgreSQL's text output turned back into a typed JSON value.
pub(crate) fn typed_cell(type_name: &str, text: String, max_chars: usize) -> serde_json::Value {
    use serde_json::Value;
    let capped = text.chars().count() > max_chars;
    match type_name {
        "bool" => Value::Bool(text == "t"),
        "int2" | "int4" | "int8" | "oid" => text.parse::<i64>().map(Value::from).unwrap_or(Value::String(text)),
        "float4" | "float8" => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Value::from(f),
            _ => Value::String(text),
        },
        // Exact decimals stay exact: as text, which the UI aligns and groups like numbers.
        "numeric" => Value::String(text),
        "json" | "jsonb" if !capped => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        _ => Value::String(cap_text(text, max_chars)),
    }
}

/// A database error about the user's own query is shown to the user; timeouts and
/// cancellations get their own codes.
fn query_error(e: sqlx::Error, limits: &Limits) -> AppError {
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            if code == "57014" {
                return if db.message().contains("statement timeout") {
                    AppError::QueryTimeout(limits.timeout.as_millis() as u64)
                } else {
                    AppError::QueryCancelled
                };
            }
            let mut msg = db.message().to_string();
            if code == "25006" {
                msg = format!("the database refused because the query is read-only: {msg}");
            }
            if let Some(hint) = db.try_downcast_ref::<PgDatabaseError>().and_then(|p| p.hint()) {
                msg.push_str(&format!(" (hint: {hint})"));
            }
            AppError::Query(msg)
        }
        _ => AppError::internal(e),
    }
}

#[cfg(test)]
mod tests {
    use super::typed_cell;
    use serde_json::json;

    #[test]
    fn text_output_becomes_typed_json() {
        assert_eq!(typed_cell("int8", "42".into(), 100), json!(42));
        assert_eq!(typed_cell("bool", "t".into(), 100), json!(true));
        assert_eq!(typed_cell("float8", "1.5".into(), 100), json!(1.5));
        assert_eq!(typed_cell("float8", "NaN".into(), 100), json!("NaN"));
        assert_eq!(typed_cell("numeric", "12.50".into(), 100), json!("12.50"));
        assert_eq!(typed_cell("numeric", "123456789012345678.5".into(), 100), json!("123456789012345678.5"));
        assert_eq!(typed_cell("jsonb", "{\"a\": 1}".into(), 100), json!({"a": 1}));
        assert_eq!(typed_cell("text", "abcdef".into(), 3), json!("abc…"));
        assert_eq!(typed_cell("timestamptz", "2024-01-01 00:00:00+00".into(), 100), json!("2024-01-01 00:00:00+00"));
    }
}
