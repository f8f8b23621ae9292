//! Exports of a result.
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

/// One run from a person's history: a question (with the SQL it produced) or SQL they ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub at_ms: i64,
    /// `ask` or `sql`.
    pub kind: String,
    pub datasource_id: Option<String>,
    pub datasource_name: Option<String>,
    pub question: Option<String>,
    pub sql: Option<String>,
    pub duration_ms: Option<i64>,
    pub row_count: Option<i64>,
    /// ok / answered, failed, cancelled.
    pub status: String,
    pub error: Option<String>,
}

/// A question → SQL pair someone marked correct.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VerifiedAnswer {
    pub id: String,
    pub datasource_id: String,
    pub question: String,
    pub sql: String,
    /// Visible to everyone who may use the datasource (else only to its author).
    pub shared: bool,
    /// An admin vouched for it (an admin wrote it, or approved it). Only then does a shared
    /// pair go into other people's prompts as an example.
    #[serde(default)]
    pub approved: bool,
    /// The viewer is an admin and this shared pair awaits approval.
    #[serde(default)]
    pub can_approve: bool,
    pub author: String,
    /// The signed-in user wrote it (and may edit or delete it).
    pub mine: bool,
    pub updated_at_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VerifiedInput {
    pub question: String,
    pub sql: String,
    #[serde(default)]
    pub shared: bool,
}
