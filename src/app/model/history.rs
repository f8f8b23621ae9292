//! A person's history of questions and SQL runs.
use serde::{Deserialize, Serialize};

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
