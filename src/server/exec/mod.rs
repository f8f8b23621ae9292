//! Runs guard-validated SQL with hard limits.
//!
//! - Only through prepared statements (the extended protocol on PostgreSQL), never a
//!   simple-query string, so a second statement can never ride along.
//! - PostgreSQL: inside `BEGIN … READ ONLY` with `statement_timeout`, `lock_timeout` and
//!   `idle_in_transaction_session_timeout` set locally, always rolled back.
//!   MySQL / MariaDB: inside `START TRANSACTION READ ONLY` under the server's own statement
//!   time limit, always rolled back.
//!   SQLite: a read-only connection with `query_only`, interrupted by a progress handler.
//! - The row cap is part of the SQL (`LIMIT cap+1`, so we know when it was cut);
//!   cells and the whole result are capped in bytes.
//! - A query that outlives its deadline on our side has its connection closed, not reused.
use std::time::{Duration, Instant};

use crate::{
    app::model::{QueryResult, ResultColumn},
    server::{
        error::{AppError, AppResult},
        guard::{StatementKind, ValidatedSql},
    },
};

mod cancel;
pub mod mysql;
pub mod pool;
pub mod postgres;
mod sqlite;

pub use cancel::CancelRegistry;
pub use pool::DatasourcePool;

/// Extra time our side waits beyond the server's own statement time limit before giving up on
/// the connection (PostgreSQL and MySQL / MariaDB).
const CLIENT_GRACE: Duration = Duration::from_secs(5);

/// Limits for one execution.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_rows: u32,
    pub timeout: Duration,
    /// Longest text kept per cell (characters); longer values end in "…".
    pub max_cell_chars: usize,
    /// Result size at which further rows are dropped and `truncated` is set.
    pub max_total_bytes: usize,
}

impl Limits {
    pub fn new(max_rows: u32, timeout: Duration) -> Self {
        Limits { max_rows: max_rows.max(1), timeout, max_cell_chars: 10_000, max_total_bytes: 16 * 1024 * 1024 }
    }
}

/// Where rows go as the database sends them: into a `QueryResult`, or out to an export.
pub trait RowSink: Send {
    /// The result's columns, once, before any row.
    fn columns(&mut self, columns: &[ResultColumn]);
    /// One row (and its size in bytes); false when no more rows are wanted.
    fn push(&mut self, row: Vec<serde_json::Value>, bytes: usize) -> impl std::future::Future<Output = bool> + Send;
    /// Numbers as the database printed them (JSON strings), not parsed: for writers that only
    /// print cells again (CSV), parsing and re-printing every number is wasted work.
    fn printed_numbers(&self) -> bool {
        false
    }
}

/// Runs a validated statement. `query_id`, when given, lets `CancelRegistry::cancel` stop it.
pub async fn execute(
    pool: &DatasourcePool,
    sql: &ValidatedSql,
    limits: &Limits,
    cancels: &CancelRegistry,
    query_id: Option<&str>,
) -> AppResult<QueryResult> {
    let started = Instant::now();
    let mut builder = ResultBuilder::new(limits);
    execute_into(pool, sql, limits, cancels, query_id, &mut builder).await?;
    let mut result = builder.finish();
    if matches!(pool, DatasourcePool::Sqlite(_)) {
        sqlite::infer_untyped_columns(&mut result);
    }
    result.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(result)
}

/// Runs a validated statement and hands each row to `sink` as it arrives.
pub async fn execute_into(
    pool: &DatasourcePool,
    sql: &ValidatedSql,
    limits: &Limits,
    cancels: &CancelRegistry,
    query_id: Option<&str>,
    sink: &mut impl RowSink,
) -> AppResult<()> {
    match pool {
        DatasourcePool::Postgres { pool, options } => postgres::run(pool, options, sql, limits, cancels, query_id, sink).await,
        DatasourcePool::MySql { pool, options } => mysql::run(pool, options, sql, limits, cancels, query_id, sink).await,
        DatasourcePool::Sqlite(pool) => sqlite::run(pool, sql, limits, cancels, query_id, sink).await,
    }
}

/// Wraps a query so the database itself enforces the row cap, and checks the wrapped text
/// again: whatever the original was, what runs is one read-only query.
/// `select_list` is what the outer SELECT returns (e.g. `*`); `alias` names the derived table.
fn wrap_with_limit(sql: &ValidatedSql, select_list: &str, alias: &str, limit: u64) -> AppResult<ValidatedSql> {
    debug_assert_eq!(sql.kind(), StatementKind::Query);
    // The original goes on lines of its own, so a trailing `--` comment cannot swallow the rest.
    let wrapped = format!("SELECT {select_list} FROM (\n{}\n) AS {alias} LIMIT {limit}", sql.as_str());
    sql.derive(&wrapped).map_err(|r| AppError::SqlRejected(format!("the query cannot be run with a row limit: {r}")))
}

/// Accumulates rows until the row or byte cap is reached.
pub struct ResultBuilder {
    columns: Vec<ResultColumn>,
    rows: Vec<Vec<serde_json::Value>>,
    bytes: usize,
    max_rows: usize,
    max_bytes: usize,
    truncated: bool,
}

impl ResultBuilder {
    pub fn new(limits: &Limits) -> Self {
        ResultBuilder { columns: Vec::new(), rows: Vec::new(), bytes: 0, max_rows: limits.max_rows as usize, max_bytes: limits.max_total_bytes, truncated: false }
    }

    /// Returns false when no more rows are wanted.
    fn take(&mut self, row: Vec<serde_json::Value>, row_bytes: usize) -> bool {
        if self.rows.len() >= self.max_rows || self.bytes + row_bytes > self.max_bytes {
            self.truncated = true;
            return false;
        }
        self.bytes += row_bytes;
        self.rows.push(row);
        true
    }

    pub fn finish(self) -> QueryResult {
        QueryResult { columns: self.columns, row_count: self.rows.len(), rows: self.rows, truncated: self.truncated, elapsed_ms: 0 }
    }
}

impl RowSink for ResultBuilder {
    fn columns(&mut self, columns: &[ResultColumn]) {
        self.columns = columns.to_vec();
    }

    async fn push(&mut self, row: Vec<serde_json::Value>, bytes: usize) -> bool {
        self.take(row, bytes)
    }
}

/// Cuts text to `max` characters, marking the cut.
fn cap_text(mut s: String, max: usize) -> String {
    // No more bytes than the limit means no more characters: most cells stop here.
    if s.len() <= max {
        return s;
    }
    if let Some((idx, _)) = s.char_indices().nth(max) {
        s.truncate(idx);
        s.push('…');
    }
    s
}
