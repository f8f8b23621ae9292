//! SQLite execution: a read-only, `query_only` connection; a progress handler enforces
//! the time limit and the cancel button, since SQLite has no statement timeout.
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Instant,
};

use futures::TryStreamExt;
use sqlx::{Column, Executor, Row, SqliteConnection, SqlitePool, Statement, TypeInfo, ValueRef};

use super::{cancel::CancelTarget, cap_text, wrap_with_limit, CancelRegistry, Limits, RowSink};
use crate::{
    app::model::{QueryResult, ResultColumn},
    server::{
        error::{AppError, AppResult},
        guard::{self, SqlDialect, StatementKind, ValidatedSql},
    },
};

/// SQLite virtual-machine steps between checks of the deadline and the cancel flag.
const PROGRESS_STEPS: i32 = 10_000;

pub(super) async fn run(
    pool: &SqlitePool,
    sql: &ValidatedSql,
    limits: &Limits,
    cancels: &CancelRegistry,
    query_id: Option<&str>,
    sink: &mut impl RowSink,
) -> AppResult<()> {
    let mut conn = pool.acquire().await?;
    let cancelled = Arc::new(AtomicBool::new(false));
    let _registration = cancels.register(query_id, CancelTarget::Flag(cancelled.clone()));
    let deadline = Instant::now() + limits.timeout;
    let timed_out = Arc::new(AtomicBool::new(false));
    {
        let (cancelled, timed_out) = (cancelled.clone(), timed_out.clone());
        conn.lock_handle().await?.set_progress_handler(PROGRESS_STEPS, move || {
            if Instant::now() >= deadline {
                timed_out.store(true, Ordering::SeqCst);
            }
            !cancelled.load(Ordering::SeqCst) && !timed_out.load(Ordering::SeqCst)
        });
    }
    set_authorizer(&mut conn, true).await?;
    let result = run_statement(&mut conn, sql, limits, sink).await;
    set_authorizer(&mut conn, false).await?;
    conn.lock_handle().await?.remove_progress_handler();
    result.map_err(|e| {
        if cancelled.load(Ordering::SeqCst) {
            AppError::QueryCancelled
        } else if timed_out.load(Ordering::SeqCst) {
            AppError::QueryTimeout(limits.timeout.as_millis() as u64)
        } else {
            e
        }
    })
}

/// SQLite's own view of the statement, as a last layer under the guard: while a query is
/// prepared, SQLite asks this callback about every action it compiles, and only reading
/// (SELECT, table reads, recursive CTEs) and functions on the guard's allow-list pass. It
/// catches what a read-only connection alone allows, such as `VACUUM INTO 'file'` (reported
/// as an ATTACH). Only for guarded queries: the schema browser's PRAGMAs run without it.
async fn set_authorizer(conn: &mut sqlx::pool::PoolConnection<sqlx::Sqlite>, on: bool) -> AppResult<()> {
    use libsqlite3_sys as ffi;
    use std::ffi::{c_char, c_int, c_void, CStr};

    unsafe extern "C" fn only_reads(_: *mut c_void, action: c_int, _: *const c_char, second: *const c_char, _: *const c_char, _: *const c_char) -> c_int {
        let allowed = match action {
            ffi::SQLITE_SELECT | ffi::SQLITE_READ | ffi::SQLITE_RECURSIVE => true,
            ffi::SQLITE_FUNCTION if !second.is_null() => {
                // SAFETY: SQLite passes the function name as a NUL-terminated string.
                let name = unsafe { CStr::from_ptr(second) }.to_string_lossy().to_ascii_lowercase();
                guard::is_allowed_function(SqlDialect::Sqlite, &name)
            }
            _ => false,
        };
        if allowed { ffi::SQLITE_OK } else { ffi::SQLITE_DENY }
    }

    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is the connection locked above; the callback is a plain function that
    // keeps no state, so no user data pointer has to outlive anything.
    unsafe { ffi::sqlite3_set_authorizer(db, if on { Some(only_reads) } else { None }, std::ptr::null_mut()) };
    Ok(())
}

async fn run_statement(conn: &mut SqliteConnection, sql: &ValidatedSql, limits: &Limits, sink: &mut impl RowSink) -> AppResult<()> {
    let statement = conn.prepare(sql.as_str()).await.map_err(query_error)?;
    let columns: Vec<ResultColumn> = statement
        .columns()
        .iter()
        .map(|c| ResultColumn { name: c.name().to_string(), type_name: c.type_info().name().to_ascii_lowercase() })
        .collect();
    sink.columns(&columns);
    let to_run = match sql.kind() {
        StatementKind::Explain => sql.clone(),
        StatementKind::Query => wrap_with_limit(sql, "*", "_dbai_q", limits.max_rows as u64 + 1)?,
    };
    let mut rows = sqlx::query(to_run.as_str()).fetch(&mut *conn);
    while let Some(row) = rows.try_next().await.map_err(query_error)? {
        let mut cells = Vec::with_capacity(columns.len());
        let mut bytes = 0;
        for i in 0..row.len() {
            let (cell, n) = sqlite_cell(&row, i, limits.max_cell_chars)?;
            bytes += n;
            cells.push(cell);
        }
        if !sink.push(cells, bytes).await {
            break;
        }
    }
    Ok(())
}

/// SQLite reports no declared type for expressions (`sum(x)`, `o.total` through a join of
/// some shapes); name them after the values they hold so the UI can align numbers.
pub(super) fn infer_untyped_columns(result: &mut QueryResult) {
    for (i, col) in result.columns.iter_mut().enumerate() {
        if col.type_name != "null" && !col.type_name.is_empty() {
            continue;
        }
        let first = result.rows.iter().map(|r| &r[i]).find(|v| !v.is_null());
        col.type_name = match first {
            Some(serde_json::Value::Number(n)) if n.is_i64() => "integer",
            Some(serde_json::Value::Number(_)) => "real",
            Some(_) => "text",
            None => "null",
        }
        .to_string();
    }
}

/// SQLite values carry their own storage class per cell.
fn sqlite_cell(row: &sqlx::sqlite::SqliteRow, i: usize, max_chars: usize) -> AppResult<(serde_json::Value, usize)> {
    use serde_json::Value;
    let raw = row.try_get_raw(i).map_err(AppError::internal)?;
    if raw.is_null() {
        return Ok((Value::Null, 4));
    }
    let class = raw.type_info().name().to_string();
    Ok(match class.as_str() {
        "INTEGER" => (row.try_get::<i64, _>(i).map(Value::from).map_err(AppError::internal)?, 8),
        "REAL" => {
            let f: f64 = row.try_get(i).map_err(AppError::internal)?;
            (if f.is_finite() { Value::from(f) } else { Value::String(f.to_string()) }, 8)
        }
        "BLOB" => {
            let b: Vec<u8> = row.try_get(i).map_err(AppError::internal)?;
            (Value::String(format!("<{} bytes>", b.len())), 16)
        }
        _ => {
            let s: String = row.try_get_unchecked(i).map_err(AppError::internal)?;
            let n = s.len();
            (Value::String(cap_text(s, max_chars)), n)
        }
    })
}

fn query_error(e: sqlx::Error) -> AppError {
    match &e {
        sqlx::Error::Database(db) => {
            let msg = db.message();
            if msg.contains("readonly") || msg.contains("read-only") {
                AppError::Query(format!("the database refused because the query is read-only: {msg}"))
            } else {
                AppError::Query(msg.to_string())
            }
        }
        _ => AppError::internal(e),
    }
}
