//! The audit log: one line per operation (who, what, on which datasource, how it ended), and
//! each user's history of questions and SQL runs, which is read from it.
use sqlx::Row;

use super::{now_ms, Store};
pub use crate::app::model::AuditAction;
use crate::app::model::{AuditEntry, AuditFilter, HistoryEntry, UserView};

/// How the recorded operation ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuditStatus {
    #[default]
    Ok,
    /// An ask that ended with a working query.
    Answered,
    Failed,
    Cancelled,
    /// Refused before it ran (e.g. a wrong password).
    Denied,
}

impl AuditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Ok => "ok",
            AuditStatus::Answered => "answered",
            AuditStatus::Failed => "failed",
            AuditStatus::Cancelled => "cancelled",
            AuditStatus::Denied => "denied",
        }
    }
}

/// One audit log line.
#[derive(Clone, Debug)]
pub struct AuditRecord {
    pub user_id: Option<String>,
    pub username: String,
    pub action: AuditAction,
    pub datasource_id: Option<String>,
    pub datasource_name: Option<String>,
    pub question: Option<String>,
    pub sql: Option<String>,
    pub status: AuditStatus,
    pub duration_ms: Option<i64>,
    pub detail: Option<String>,
    pub row_count: Option<i64>,
}

impl AuditRecord {
    /// A line for `action` by `user` (None: someone not signed in, named `username`).
    pub fn new(user: Option<&UserView>, username: &str, action: AuditAction, status: AuditStatus) -> AuditRecord {
        AuditRecord {
            user_id: user.map(|u| u.id.clone()),
            username: username.to_string(),
            action,
            datasource_id: None,
            datasource_name: None,
            question: None,
            sql: None,
            status,
            duration_ms: None,
            detail: None,
            row_count: None,
        }
    }

    /// A signed-in user's action.
    pub fn by(user: &UserView, action: AuditAction, status: AuditStatus) -> AuditRecord {
        AuditRecord::new(Some(user), &user.username, action, status)
    }

    pub fn on_datasource(self, id: &str, name: &str) -> AuditRecord {
        AuditRecord { datasource_id: Some(id.to_string()), datasource_name: Some(name.to_string()), ..self }
    }

    pub fn detail(self, detail: impl Into<String>) -> AuditRecord {
        AuditRecord { detail: Some(detail.into()), ..self }
    }
}

impl Store {
    pub async fn append_audit(&self, r: &AuditRecord) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_log (id, at_ms, user_id, username, action, datasource_id, datasource_name, question, sql_text, status, duration_ms, detail, row_count) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(now_ms())
        .bind(&r.user_id)
        .bind(&r.username)
        .bind(r.action.as_str())
        .bind(&r.datasource_id)
        .bind(&r.datasource_name)
        .bind(&r.question)
        .bind(&r.sql)
        .bind(r.status.as_str())
        .bind(r.duration_ms)
        .bind(&r.detail)
        .bind(r.row_count)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// Newest first.
    pub async fn list_audit(&self, filter: &AuditFilter, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let datasource = given(&filter.datasource).map(|d| contains_pattern(&d));
        let rows = sqlx::query(
            "SELECT at_ms, username, action, datasource_name, question, sql_text, status, duration_ms, detail FROM audit_log \
             WHERE ($3 IS NULL OR username = $3) AND ($4 IS NULL OR action = $4) \
               AND ($5 IS NULL OR LOWER(datasource_name) LIKE $5 ESCAPE '\\') \
               AND ($6 IS NULL OR at_ms >= $6) AND ($7 IS NULL OR at_ms < $7) \
             ORDER BY at_ms DESC, id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .bind(given(&filter.user))
        .bind(given(&filter.action))
        .bind(datasource)
        .bind(filter.since_ms)
        .bind(filter.until_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at_ms: r.try_get("at_ms")?,
                    username: r.try_get("username")?,
                    action: r.try_get("action")?,
                    datasource_name: r.try_get("datasource_name")?,
                    question: r.try_get("question")?,
                    sql: r.try_get("sql_text")?,
                    status: r.try_get("status")?,
                    duration_ms: r.try_get("duration_ms")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    /// The user's questions and SQL runs, newest first; `search` matches question, SQL or
    /// datasource name (case-insensitive).
    pub async fn history(&self, user_id: &str, search: &str, limit: i64, offset: i64) -> Result<Vec<HistoryEntry>, sqlx::Error> {
        let pattern = contains_pattern(search);
        let rows = sqlx::query(
            "SELECT at_ms, action, datasource_id, datasource_name, question, sql_text, duration_ms, row_count, status, detail FROM audit_log \
             WHERE user_id = $1 AND action IN ('ask', 'sql') \
               AND (lower(coalesce(question, '')) LIKE $2 ESCAPE '\\' OR lower(coalesce(sql_text, '')) LIKE $2 ESCAPE '\\' \
                    OR lower(coalesce(datasource_name, '')) LIKE $2 ESCAPE '\\') \
             ORDER BY at_ms DESC, id DESC LIMIT $3 OFFSET $4",
        )
        .bind(user_id)
        .bind(pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                let detail: Option<String> = r.try_get("detail")?;
                Ok(HistoryEntry {
                    at_ms: r.try_get("at_ms")?,
                    kind: r.try_get("action")?,
                    datasource_id: r.try_get("datasource_id")?,
                    datasource_name: r.try_get("datasource_name")?,
                    question: r.try_get("question")?,
                    sql: r.try_get("sql_text")?,
                    duration_ms: r.try_get("duration_ms")?,
                    row_count: r.try_get("row_count")?,
                    error: detail.filter(|_| status != "ok" && status != "answered"),
                    status,
                })
            })
            .collect()
    }
}

/// A LIKE pattern (backslash as its escape) for lower-cased text that contains `text`.
fn contains_pattern(text: &str) -> String {
    format!("%{}%", text.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}
