//! XLSX in rust_xlsxwriter's constant-memory mode (rows go to temporary files as they are
//! written), saved to a temporary file that is then streamed.
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;
use tokio::io::AsyncReadExt;

use super::{cell_text, Rows};
use crate::server::error::{AppError, AppResult};

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::internal(e.to_string())
}

fn build(mut rows: Rows) -> AppResult<tempfile::NamedTempFile> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(xlsx_error)?;
    let bold = Format::new().set_bold();
    for (c, col) in rows.columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, &col.name, &bold).map_err(xlsx_error)?;
    }
    let numeric: Vec<bool> = rows.columns.iter().map(|c| crate::app::model::QueryResult::is_numeric_type(&c.type_name)).collect();
    let mut r = 1u32;
    while let Some(row) = rows.blocking_next()? {
        for (c, v) in row.iter().enumerate() {
            let col = c as u16;
            match v {
                Value::Null => continue,
                Value::Bool(b) => sheet.write_boolean(r, col, *b),
                Value::Number(n) => sheet.write_number(r, col, n.as_f64().unwrap_or_default()),
                Value::String(s) if numeric[c] && s.parse::<f64>().is_ok_and(|f| f.is_finite()) => {
                    sheet.write_number(r, col, s.parse::<f64>().unwrap_or_default())
                }
                // Always a text cell: a spreadsheet never runs it as a formula.
                other => sheet.write_string(r, col, cell_text(other)),
            }
            .map(|_| ())
            .map_err(xlsx_error)?;
        }
        r += 1;
    }
    let file = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
    workbook.save(file.path()).map_err(xlsx_error)?;
    Ok(file)
}

pub async fn write(rows: Rows) -> AppResult<BoxStream<'static, Result<Bytes, std::io::Error>>> {
    let file = tokio::task::spawn_blocking(move || build(rows)).await.map_err(AppError::internal)??;
    let reader = tokio::fs::File::open(file.path()).await.map_err(AppError::internal)?;
    // The temporary file lives as long as the stream and is deleted after.
    Ok(stream::unfold(Some((reader, file)), |state| async move {
        let (mut reader, file) = state?;
        let mut buf = vec![0u8; 64 * 1024];
        match reader.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some((reader, file))))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
    .boxed())
}
