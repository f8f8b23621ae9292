//! Exports of a result (CSV, XLSX, PDF).
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Pdf,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 3] = [ExportFormat::Csv, ExportFormat::Xlsx, ExportFormat::Pdf];
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Pdf => "pdf",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV",
            ExportFormat::Xlsx => "Excel",
            ExportFormat::Pdf => "PDF",
        }
    }
}

/// `POST /api/v1/datasources/{id}/export` body (JSON, or a browser form with the same fields;
/// `columns` repeated). The SQL runs again through the guard, with the export row cap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExportRequest {
    pub sql: String,
    pub format: ExportFormat,
    /// Only these columns, in this order (default: all).
    #[serde(default)]
    pub columns: Vec<String>,
}
