//! MySQL / MariaDB execution: the server's own statement time limit, a `START TRANSACTION
//! READ ONLY` that is always rolled back, prepared statements only (the binary protocol
//! cannot carry a second statement), and rows decoded from that protocol.
//!
//! The row cap is a `LIMIT` appended to the outermost query when it has none. A derived
//! table (`SELECT * FROM (…) LIMIT n`, as on the other engines) cannot be used: MariaDB
//! drops the ORDER BY of a derived table, which would reorder the user's result.

use futures::TryStreamExt;
use sqlx::{
    mysql::{MySqlConnectOptions, MySqlDatabaseError, MySqlRow},
    Column, Connection, Executor, MySqlConnection, MySqlPool, Row, Statement, TypeInfo, ValueRef,
};

use super::{cancel::CancelTarget, CLIENT_GRACE, cap_text, CancelRegistry, Limits, ResultBuilder, RowSink};
use crate::{
    app::model::{QueryResult, ResultColumn},
    server::{
        error::{AppError, AppResult},
        guard::{self, ValidatedSql},
    },
};


/// The sql_mode the guard's printer assumes (see `guard::mysql_sqlite`).
const GUARD_SQL_MODE: &str = "PIPES_AS_CONCAT,NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES";

/// MariaDB: `max_statement_time` exceeded; MySQL: `max_execution_time` exceeded.
const ER_STATEMENT_TIMEOUT: u16 = 1969;
const ER_QUERY_TIMEOUT: u16 = 3024;
/// `KILL QUERY` from the cancel button.
const ER_QUERY_INTERRUPTED: u16 = 1317;
const ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: u16 = 1792;

pub(super) async fn run(
    pool: &MySqlPool,
    options: &MySqlConnectOptions,
    sql: &ValidatedSql,
    limits: &Limits,
    cancels: &CancelRegistry,
    query_id: Option<&str>,
    sink: &mut impl RowSink,
) -> AppResult<()> {
    let mut conn = pool.acquire().await?;
    let work = stream_in_read_only_transaction(&mut conn, options, sql, limits, cancels, query_id, sink);
    match tokio::time::timeout(limits.timeout + CLIENT_GRACE, work).await {
        Ok(Ok(Finished::Drained)) => Ok(()),
        Ok(Ok(Finished::RowsLeft)) => {
            // Rows we did not want are still on the wire; reading them all would cost more
            // than a new connection.
            conn.close_on_drop();
            Ok(())
        }
        Ok(Err(e)) => Err(e),
        Err(_) => {
            conn.close_on_drop();
            Err(AppError::QueryTimeout(limits.timeout.as_millis() as u64))
        }
    }
}

/// Also used by the integration tests to show the database layer holds on its own.
pub async fn run_in_read_only_transaction(
    conn: &mut MySqlConnection,
    options: &MySqlConnectOptions,
    sql: &ValidatedSql,
    limits: &Limits,
    cancels: &CancelRegistry,
    query_id: Option<&str>,
) -> AppResult<QueryResult> {
    let mut builder = ResultBuilder::new(limits);
    stream_in_read_only_transaction(conn, options, sql, limits, cancels, query_id, &mut builder).await?;
    Ok(builder.finish())
}

enum Finished {
    Drained,
    RowsLeft,
}

async fn stream_in_read_only_transaction(
    conn: &mut MySqlConnection,
    options: &MySqlConnectOptions,
    sql: &ValidatedSql,
    limits: &Limits,
    cancels: &CancelRegistry,
    query_id: Option<&str>,
    sink: &mut impl RowSink,
) -> AppResult<Finished> {
    let (connection_id, version): (u64, String) =
        sqlx::query_as("SELECT CAST(CONNECTION_ID() AS UNSIGNED), VERSION()").fetch_one(&mut *conn).await?;
    // Our own numbers only, so the text protocol is safe here. Set on every run: a pooled
    // connection keeps whatever the previous run set. The guard printed the query under
    // this sql_mode: `"…"` is a string (no ANSI_QUOTES), `||` concatenates, and a backslash
    // is an ordinary character (the guard refuses them anyway).
    let time_limit = if version.contains("MariaDB") {
        format!("SET SESSION max_statement_time = {:.3}", limits.timeout.as_secs_f64().max(0.001))
    } else {
        format!("SET SESSION max_execution_time = {}", limits.timeout.as_millis().max(1))
    };
    let time_limit = format!("{time_limit}, lock_wait_timeout = 2, sql_mode = '{GUARD_SQL_MODE}'");
    conn.execute(time_limit.as_str()).await?;
    // Read-only for the session too: DDL, which would commit the transaction below
    // implicitly and run outside it, is refused by the server as well.
    conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
    let mut tx = conn.begin_with("START TRANSACTION READ ONLY").await?;
    let _registration = cancels.register(query_id, CancelTarget::MySql { connection_id, options: options.clone() });
    match run_statement(&mut tx, sql, limits, sink).await {
        // Unread rows are in the way of a ROLLBACK: the transaction dies with the
        // connection, which `run` closes.
        Ok(Finished::RowsLeft) => Ok(Finished::RowsLeft),
        // Never commit: whatever happened, nothing this transaction did survives.
        other => {
            tx.rollback().await?;
            other
        }
    }
}

async fn run_statement(conn: &mut MySqlConnection, sql: &ValidatedSql, limits: &Limits, sink: &mut impl RowSink) -> AppResult<Finished> {
    let capped = guard::append_limit(sql, limits.max_rows as u64 + 1);
    let to_run = capped.as_ref().unwrap_or(sql);
    // Describe first: column names and types, without running anything.
    let statement = conn.prepare(to_run.as_str()).await.map_err(|e| query_error(e, limits))?;
    let columns: Vec<ResultColumn> = statement
        .columns()
        .iter()
        .map(|c| ResultColumn { name: c.name().to_string(), type_name: c.type_info().name().to_ascii_lowercase() })
        .collect();
    sink.columns(&columns);
    let mut rows = sqlx::query(to_run.as_str()).fetch(&mut *conn);
    while let Some(row) = rows.try_next().await.map_err(|e| query_error(e, limits))? {
        let mut cells = Vec::with_capacity(columns.len());
        let mut bytes = 0;
        for (i, col) in columns.iter().enumerate() {
            let (cell, n) = mysql_cell(&row, i, &col.type_name, limits.max_cell_chars)?;
            bytes += n;
            cells.push(cell);
        }
        if !sink.push(cells, bytes).await {
            // With our LIMIT at most one more row follows; without it, any number may.
            return Ok(if capped.is_some() { Finished::Drained } else { Finished::RowsLeft });
        }
    }
    Ok(Finished::Drained)
}

/// One cell from the binary protocol, and its size in bytes.
fn mysql_cell(row: &MySqlRow, i: usize, type_name: &str, max_chars: usize) -> AppResult<(serde_json::Value, usize)> {
    use serde_json::Value;
    if row.try_get_raw(i).map_err(AppError::internal)?.is_null() {
        return Ok((Value::Null, 4));
    }
    // Raw bytes whatever the type; decoding is ours, so every type has an answer.
    let bytes: &[u8] = row.try_get_unchecked(i).map_err(AppError::internal)?;
    let size = bytes.len() + 2;
    Ok((binary_value(type_name, bytes, max_chars), size))
}

/// Decodes a binary-protocol value of the given (lower-case) type name.
pub(crate) fn binary_value(type_name: &str, b: &[u8], max_chars: usize) -> serde_json::Value {
    use serde_json::Value;
    let unsigned = type_name.ends_with("unsigned");
    match type_name.trim_end_matches(" unsigned") {
        "boolean" => Value::Bool(b.iter().any(|&x| x != 0)),
        "tinyint" | "smallint" | "mediumint" | "int" | "bigint" | "year" if !b.is_empty() && b.len() <= 8 => {
            if unsigned || type_name == "year" {
                Value::from(le_unsigned(b))
            } else {
                // Sign-extend from the value's own width.
                let shift = 64 - 8 * b.len() as u32;
                Value::from(((le_unsigned(b) << shift) as i64) >> shift)
            }
        }
        "float" if b.len() == 4 => finite(f32::from_le_bytes(b.try_into().expect("4 bytes")) as f64, b),
        "double" if b.len() == 8 => finite(f64::from_le_bytes(b.try_into().expect("8 bytes")), b),
        "date" | "datetime" | "timestamp" => Value::String(date_time(b)),
        "time" => Value::String(time_of_day(b)),
        "bit" => Value::from(b.iter().fold(0u64, |acc, &x| (acc << 8) | x as u64)),
        // Exact decimals stay exact: as text, which the UI aligns and groups like numbers.
        "decimal" => Value::String(String::from_utf8_lossy(b).into_owned()),
        // The protocol marks text with a binary collation (and some expressions' results)
        // as binary too: readable UTF-8 is shown as text, anything else as hex like bytea.
        "binary" | "varbinary" | "blob" | "tinyblob" | "mediumblob" | "longblob" | "geometry" => match std::str::from_utf8(b) {
            Ok(text) if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
                Value::String(cap_text(text.to_string(), max_chars))
            }
            _ => {
                let hex: String = b.iter().take(max_chars / 2 + 1).map(|x| format!("{x:02x}")).collect();
                Value::String(cap_text(format!("\\x{hex}"), max_chars))
            }
        },
        "json" if b.len() <= max_chars => {
            let text = String::from_utf8_lossy(b);
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into_owned()))
        }
        _ => Value::String(cap_text(String::from_utf8_lossy(b).into_owned(), max_chars)),
    }
}

fn le_unsigned(b: &[u8]) -> u64 {
    b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64)
}

fn finite(f: f64, raw: &[u8]) -> serde_json::Value {
    if f.is_finite() {
        serde_json::Value::from(f)
    } else {
        serde_json::Value::String(format!("{raw:?}"))
    }
}

/// DATE / DATETIME / TIMESTAMP: a length byte, then year (2 bytes), month, day, and
/// optionally hour, minute, second and microseconds (4 bytes). Length 0 is the zero date.
fn date_time(b: &[u8]) -> String {
    let len = b.first().copied().unwrap_or(0) as usize;
    let v = b.get(1..1 + len).unwrap_or(&[]);
    if v.len() < 4 {
        return "0000-00-00".into();
    }
    let mut s = format!("{:04}-{:02}-{:02}", u16::from_le_bytes([v[0], v[1]]), v[2], v[3]);
    if v.len() >= 7 {
        s.push_str(&format!(" {:02}:{:02}:{:02}", v[4], v[5], v[6]));
    }
    if v.len() >= 11 {
        let micros = u32::from_le_bytes([v[7], v[8], v[9], v[10]]);
        if micros > 0 {
            s.push_str(&format!(".{micros:06}"));
        }
    }
    s
}

/// TIME: a length byte, sign, days (4 bytes), hour, minute, second, microseconds (4 bytes).
fn time_of_day(b: &[u8]) -> String {
    let len = b.first().copied().unwrap_or(0) as usize;
    let v = b.get(1..1 + len).unwrap_or(&[]);
    if v.len() < 8 {
        return "00:00:00".into();
    }
    let days = u32::from_le_bytes([v[1], v[2], v[3], v[4]]);
    let sign = if v[0] == 1 { "-" } else { "" };
    let mut s = format!("{sign}{:02}:{:02}:{:02}", days * 24 + v[5] as u32, v[6], v[7]);
    if v.len() >= 12 {
        let micros = u32::from_le_bytes([v[8], v[9], v[10], v[11]]);
        if micros > 0 {
            s.push_str(&format!(".{micros:06}"));
        }
    }
    s
}

/// A database error about the user's own query is shown to the user; timeouts and
/// cancellations get their own codes.
fn query_error(e: sqlx::Error, limits: &Limits) -> AppError {
    let sqlx::Error::Database(db) = &e else { return AppError::internal(e) };
    let number = db.try_downcast_ref::<MySqlDatabaseError>().map(|m| m.number()).unwrap_or(0);
    match number {
        ER_STATEMENT_TIMEOUT | ER_QUERY_TIMEOUT => AppError::QueryTimeout(limits.timeout.as_millis() as u64),
        ER_QUERY_INTERRUPTED => AppError::QueryCancelled,
        ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION => {
            AppError::Query(format!("the database refused because the query is read-only: {}", db.message()))
        }
        _ => AppError::Query(db.message().to_string()),
    }
}

/// Stops a running query from a separate connection, as the cancel button does.
pub(super) async fn kill_query(options: &MySqlConnectOptions, connection_id: u64) -> bool {
    use sqlx::ConnectOptions;
    match options.connect().await {
        Ok(mut conn) => {
            // A number we read from the server, so the text protocol is safe here.
            let ok = conn.execute(format!("KILL QUERY {connection_id}").as_str()).await.is_ok();
            let _ = conn.close().await;
            ok
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not connect to cancel a query");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::binary_value;
    use serde_json::json;

    #[test]
    fn binary_protocol_values_become_typed_json() {
        assert_eq!(binary_value("int", &(-5i32).to_le_bytes(), 100), json!(-5));
        assert_eq!(binary_value("tinyint", &[0xff], 100), json!(-1));
        assert_eq!(binary_value("tinyint unsigned", &[0xff], 100), json!(255));
        assert_eq!(binary_value("bigint unsigned", &u64::MAX.to_le_bytes(), 100), json!(u64::MAX));
        assert_eq!(binary_value("boolean", &[1], 100), json!(true));
        assert_eq!(binary_value("double", &1.5f64.to_le_bytes(), 100), json!(1.5));
        assert_eq!(binary_value("float", &0.25f32.to_le_bytes(), 100), json!(0.25));
        assert_eq!(binary_value("decimal", b"12.50", 100), json!("12.50"));
        assert_eq!(binary_value("date", &[4, 0xe8, 0x07, 3, 9], 100), json!("2024-03-09"));
        assert_eq!(binary_value("date", &[0], 100), json!("0000-00-00"));
        assert_eq!(binary_value("datetime", &[7, 0xe8, 0x07, 12, 31, 23, 59, 1], 100), json!("2024-12-31 23:59:01"));
        assert_eq!(
            binary_value("timestamp", &[11, 0xe8, 0x07, 1, 2, 3, 4, 5, 0x40, 0xe2, 0x01, 0], 100),
            json!("2024-01-02 03:04:05.123456")
        );
        assert_eq!(binary_value("time", &[8, 1, 1, 0, 0, 0, 2, 30, 0], 100), json!("-26:30:00"));
        assert_eq!(binary_value("varchar", "héllo".as_bytes(), 3), json!("hél…"));
        assert_eq!(binary_value("varbinary", &[0xde, 0xad, 0xff], 100), json!("\\xdeadff"));
        assert_eq!(binary_value("varbinary", b"ok", 100), json!("ok"));
        assert_eq!(binary_value("json", br#"{"a":1}"#, 100), json!({"a": 1}));
        assert_eq!(binary_value("year", &2024u16.to_le_bytes(), 100), json!(2024));
    }
}
