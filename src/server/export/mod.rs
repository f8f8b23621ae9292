//! Exports: the SQL goes through the guard again and runs with the export row cap; rows flow
//! from the database through a small bounded channel into the file writer, so memory stays
//! flat however many rows there are. CSV streams to the client as it is written; XLSX (written
//! in constant-memory mode to a temporary file) and PDF (a few thousand rows of a printable
//! table) are sent when complete.
use std::borrow::Cow;

use bytes::Bytes;
use futures::stream::BoxStream;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::app::table_rows::cell_text;
use crate::{
    app::model::{ExportFormat, ResultColumn},
    server::{
        error::{AppError, AppResult},
        exec::RowSink,
    },
};

mod csv_out;
mod pdf_out;
mod xlsx_out;

/// Most rows a CSV export carries (the app's memory does not grow with it).
pub const CSV_MAX_ROWS: u32 = 1_000_000;
/// A worksheet holds 1,048,576 rows; one is the header.
pub const XLSX_MAX_ROWS: u32 = 1_048_575;
/// A printable table: more rows than this belongs in CSV or XLSX.
pub const PDF_MAX_ROWS: u32 = 5_000;
/// Rows per message between the database and the writer: one channel hand-over (and task
/// wake-up) per row cost more than writing the row.
const BATCH_ROWS: usize = 256;
/// Batches in flight between the database and the writer.
const CHANNEL_BATCHES: usize = 4;

pub fn max_rows(format: ExportFormat) -> u32 {
    match format {
        ExportFormat::Csv => CSV_MAX_ROWS,
        ExportFormat::Xlsx => XLSX_MAX_ROWS,
        ExportFormat::Pdf => PDF_MAX_ROWS,
    }
}

/// What the database side sends the writer.
pub enum RowMsg {
    Columns(Vec<ResultColumn>),
    Rows(Vec<Vec<Value>>),
    Failed(AppError),
    Done,
}

/// Feeds rows into the channel in batches; stops the query when the writer (or the client)
/// is gone.
pub struct ChannelSink {
    tx: mpsc::Sender<RowMsg>,
    batch: Vec<Vec<Value>>,
    format: ExportFormat,
}

impl ChannelSink {
    pub fn new(tx: mpsc::Sender<RowMsg>, format: ExportFormat) -> Self {
        ChannelSink { tx, batch: Vec::with_capacity(BATCH_ROWS), format }
    }

    /// Sends the last rows and how the query ended.
    pub async fn finish(mut self, outcome: AppResult<()>) {
        let end = match outcome {
            Ok(()) => RowMsg::Done,
            Err(e) => RowMsg::Failed(e),
        };
        if !self.batch.is_empty() && !matches!(end, RowMsg::Failed(_)) {
            let _ = self.tx.send(RowMsg::Rows(std::mem::take(&mut self.batch))).await;
        }
        let _ = self.tx.send(end).await;
    }
}

impl RowSink for ChannelSink {
    fn columns(&mut self, columns: &[ResultColumn]) {
        let _ = self.tx.try_send(RowMsg::Columns(columns.to_vec()));
    }

    async fn push(&mut self, row: Vec<Value>, _bytes: usize) -> bool {
        self.batch.push(row);
        if self.batch.len() < BATCH_ROWS {
            return !self.tx.is_closed();
        }
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
        self.tx.send(RowMsg::Rows(full)).await.is_ok()
    }

    /// CSV prints cells as text; a spreadsheet needs numbers as numbers.
    fn printed_numbers(&self) -> bool {
        self.format == ExportFormat::Csv
    }
}

pub fn channel() -> (mpsc::Sender<RowMsg>, mpsc::Receiver<RowMsg>) {
    mpsc::channel(CHANNEL_BATCHES)
}

/// The rows of a started export, after the query described its columns.
pub struct Rows {
    pub columns: Vec<ResultColumn>,
    /// Index into the query's columns of each exported column; None for all, in order (the
    /// usual case, which then needs no copy of each row).
    picks: Option<Vec<usize>>,
    rx: mpsc::Receiver<RowMsg>,
    /// The rest of the batch being read.
    pending: std::vec::IntoIter<Vec<Value>>,
}

impl Rows {
    /// Waits for the column list (or the query's error) and applies the column choice.
    pub async fn start(mut rx: mpsc::Receiver<RowMsg>, wanted: &[String]) -> AppResult<Rows> {
        let columns = match rx.recv().await {
            Some(RowMsg::Columns(c)) => c,
            Some(RowMsg::Failed(e)) => return Err(e),
            _ => return Err(AppError::internal("the export ended before it started")),
        };
        let picks: Vec<usize> = if wanted.is_empty() {
            (0..columns.len()).collect()
        } else {
            wanted
                .iter()
                .map(|w| columns.iter().position(|c| &c.name == w).ok_or_else(|| AppError::InvalidInput(format!("the result has no column {w:?}"))))
                .collect::<AppResult<_>>()?
        };
        let columns = picks.iter().map(|&i| columns[i].clone()).collect();
        let picks = (!wanted.is_empty()).then_some(picks);
        Ok(Rows { columns, picks, rx, pending: Vec::new().into_iter() })
    }

    /// The next row's chosen cells; Ok(None) at the end.
    pub async fn next(&mut self) -> AppResult<Option<Vec<Value>>> {
        loop {
            if let Some(row) = self.pending.next() {
                return Ok(Some(self.pick(row)));
            }
            let msg = self.rx.recv().await;
            if let Some(end) = self.read(msg) {
                return end;
            }
        }
    }

    /// The same, for writers on a blocking thread.
    pub fn blocking_next(&mut self) -> AppResult<Option<Vec<Value>>> {
        loop {
            if let Some(row) = self.pending.next() {
                return Ok(Some(self.pick(row)));
            }
            let msg = self.rx.blocking_recv();
            if let Some(end) = self.read(msg) {
                return end;
            }
        }
    }

    fn pick(&self, mut row: Vec<Value>) -> Vec<Value> {
        match &self.picks {
            None => row,
            Some(picks) => picks.iter().map(|&i| std::mem::take(&mut row[i])).collect(),
        }
    }

    /// Takes in a message: a batch of rows to read on, or the end (None to read on).
    fn read(&mut self, msg: Option<RowMsg>) -> Option<AppResult<Option<Vec<Value>>>> {
        match msg {
            Some(RowMsg::Rows(rows)) => {
                self.pending = rows.into_iter();
                None
            }
            Some(RowMsg::Columns(_)) => None,
            Some(RowMsg::Failed(e)) => Some(Err(e)),
            Some(RowMsg::Done) | None => Some(Ok(None)),
        }
    }
}

/// A finished or streaming file.
pub struct ExportFile {
    pub file_name: String,
    pub content_type: &'static str,
    pub body: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

/// Writes the rows in `format`. CSV returns at once and streams; the others return when the
/// file is complete (so a failure is still an error status, not a broken download).
pub async fn write(format: ExportFormat, rows: Rows, title: &str, file_stem: &str) -> AppResult<ExportFile> {
    let file_name = format!("{file_stem}.{}", format.extension());
    let (content_type, body) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", csv_out::stream(rows)),
        ExportFormat::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx_out::write(rows).await?),
        ExportFormat::Pdf => ("application/pdf", pdf_out::write(rows, title).await?),
    };
    Ok(ExportFile { file_name, content_type, body })
}

/// `sales-db-20261126-0315`: the datasource's name made safe for a file name, and the time.
pub fn file_stem(datasource_name: &str, now_ms: i64) -> String {
    let mut slug: String = datasource_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    slug.truncate(60);
    if slug.is_empty() {
        slug = "result".into();
    }
    format!("{slug}-{}", crate::app::time::compact_utc_minute(now_ms))
}

/// Spreadsheets run a cell that starts with = + - @ (or tab / CR) as a formula. Text cells
/// that do are prefixed with a quote; numbers (JSON numbers, or exact decimals sent as text)
/// are left as they are. Borrows the cell's text when it needs no change, which is almost
/// always: a million-row export would otherwise copy every cell once more.
pub fn neutralize_formula(v: &Value) -> Cow<'_, str> {
    let text = cell_text(v);
    let risky = matches!(text.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'));
    // Only risky cells are parsed as numbers: most cells are not.
    if risky && !matches!(v, Value::Number(_)) && !text.parse::<f64>().is_ok_and(|f| f.is_finite()) {
        return Cow::Owned(format!("'{text}"));
    }
    text
}

#[cfg(test)]
mod tests;
