//! CSV, streamed in chunks as rows arrive.
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::Value;

use super::{neutralize_formula, Rows};

/// Rows per chunk sent to the client.
const CHUNK_ROWS: usize = 2_000;

/// Writes the rows as CSV straight from the cells' text (no copy of each cell).
fn chunk(rows: &[Vec<Value>]) -> Result<Bytes, std::io::Error> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 64));
    for row in rows {
        for cell in row {
            w.write_field(neutralize_formula(cell).as_bytes()).map_err(std::io::Error::other)?;
        }
        // An empty iterator ends the record the fields above started.
        w.write_record(None::<&[u8]>).map_err(std::io::Error::other)?;
    }
    w.into_inner().map(Bytes::from).map_err(|e| std::io::Error::other(e.to_string()))
}

pub fn stream(rows: Rows) -> BoxStream<'static, Result<Bytes, std::io::Error>> {
    let header: Vec<Value> = rows.columns.iter().map(|c| Value::String(c.name.clone())).collect();
    let first = stream::once(async move { chunk(&[header]) });
    let body = stream::unfold(Some(rows), |state| async move {
        let mut rows = state?;
        let mut records = Vec::with_capacity(CHUNK_ROWS);
        loop {
            match rows.next().await {
                Ok(Some(row)) => {
                    records.push(row);
                    if records.len() == CHUNK_ROWS {
                        return Some((chunk(&records), Some(rows)));
                    }
                }
                Ok(None) if records.is_empty() => return None,
                Ok(None) => return Some((chunk(&records), None)),
                // The client sees a broken download rather than a file that looks complete.
                Err(e) => return Some((Err(std::io::Error::other(e.public_message())), None)),
            }
        }
    });
    first.chain(body).boxed()
}
