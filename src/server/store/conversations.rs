//! Conversations and their turns, so follow-up questions have context and nothing is lost
//! when an attempt fails.
use sqlx::Row;

use super::{now_ms, Store};
use crate::app::model::{Confidence, ConversationSummary, ConversationTurn, Reading};

/// One stored turn.
#[derive(Clone, Debug, PartialEq)]
pub struct TurnRecord {
    pub question: String,
    pub sql: Option<String>,
    pub explanation: Option<String>,
    pub error: Option<String>,
    pub row_count: Option<i64>,
    pub confidence: Option<Confidence>,
    /// The answer first, then its alternatives; stored without their preview rows.
    pub readings: Vec<Reading>,
}

/// Readings as stored: rows are not kept in the app store (re-run the SQL to see them).
fn readings_json(readings: &[Reading]) -> String {
    let stripped: Vec<Reading> = readings
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.preview.rows.clear();
            r
        })
        .collect();
    serde_json::to_string(&stripped).unwrap_or_else(|_| "[]".into())
}

impl Store {
    pub async fn create_conversation(&self, id: &str, datasource_id: &str, user_id: &str, title: &str) -> Result<(), sqlx::Error> {
        let now = now_ms();
        sqlx::query("INSERT INTO conversations (id, datasource_id, user_id, title, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(id)
            .bind(datasource_id)
            .bind(user_id)
            .bind(title)
            .bind(now)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// The datasource of one of the user's conversations; None when it does not exist or is
    /// someone else's.
    pub async fn conversation_datasource(&self, id: &str, user_id: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT datasource_id FROM conversations WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Stores a turn and returns its id.
    pub async fn add_turn(&self, conversation_id: &str, turn: &TurnRecord) -> Result<String, sqlx::Error> {
        let now = now_ms();
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO turns (id, conversation_id, question, sql_text, explanation, error, row_count, created_at_ms, confidence, readings) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(conversation_id)
        .bind(&turn.question)
        .bind(&turn.sql)
        .bind(&turn.explanation)
        .bind(&turn.error)
        .bind(turn.row_count)
        .bind(now)
        .bind(turn.confidence.map(Confidence::as_str))
        .bind(readings_json(&turn.readings))
        .execute(&self.pool)
        .await?;
        sqlx::query("UPDATE conversations SET updated_at_ms = $2 WHERE id = $1").bind(conversation_id).bind(now).execute(&self.pool).await?;
        Ok(id)
    }

    /// One turn of a conversation, or None.
    pub async fn turn(&self, conversation_id: &str, turn_id: &str) -> Result<Option<ConversationTurn>, sqlx::Error> {
        let row = sqlx::query(&format!("SELECT {TURN_COLUMNS} FROM turns WHERE conversation_id = $1 AND id = $2"))
            .bind(conversation_id)
            .bind(turn_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(turn_from_row).transpose()
    }

    /// Records the reading the user meant: the turn's SQL, explanation and row count become
    /// that reading's (follow-ups build on it).
    pub async fn choose_reading(&self, turn_id: &str, chosen: u32, reading: &Reading) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE turns SET chosen = $2, sql_text = $3, explanation = $4, row_count = $5 WHERE id = $1")
            .bind(turn_id)
            .bind(i64::from(chosen))
            .bind(&reading.sql)
            .bind(&reading.explanation)
            .bind(reading.preview.row_count as i64)
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    /// The last `limit` turns, oldest first.
    pub async fn recent_turns(&self, conversation_id: &str, limit: i64) -> Result<Vec<ConversationTurn>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {TURN_COLUMNS} FROM turns WHERE conversation_id = $1 ORDER BY created_at_ms DESC, id DESC LIMIT $2"
        ))
        .bind(conversation_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut turns = rows.iter().map(turn_from_row).collect::<Result<Vec<_>, _>>()?;
        turns.reverse();
        Ok(turns)
    }

    /// The user's conversations on a datasource, most recently active first.
    pub async fn list_conversations(&self, datasource_id: &str, user_id: &str, limit: i64) -> Result<Vec<ConversationSummary>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT c.id, c.title, c.updated_at_ms, (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id) AS turns \
             FROM conversations c WHERE c.datasource_id = $1 AND c.user_id = $2 ORDER BY c.updated_at_ms DESC, c.id LIMIT $3",
        )
        .bind(datasource_id)
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ConversationSummary {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    turns: r.try_get("turns")?,
                    updated_at_ms: r.try_get("updated_at_ms")?,
                })
            })
            .collect()
    }

    /// Every turn of a conversation, oldest first.
    pub async fn conversation_turns(&self, conversation_id: &str) -> Result<Vec<ConversationTurn>, sqlx::Error> {
        let rows = sqlx::query(&format!("SELECT {TURN_COLUMNS} FROM turns WHERE conversation_id = $1 ORDER BY created_at_ms, id"))
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(turn_from_row).collect()
    }
}

const TURN_COLUMNS: &str = "id, question, sql_text, explanation, error, row_count, created_at_ms, confidence, readings, chosen";

fn turn_from_row(r: &sqlx::any::AnyRow) -> Result<ConversationTurn, sqlx::Error> {
    let confidence: Option<String> = r.try_get("confidence")?;
    let readings: String = r.try_get("readings")?;
    let chosen: i64 = r.try_get("chosen")?;
    Ok(ConversationTurn {
        id: r.try_get("id")?,
        confidence: confidence.as_deref().and_then(Confidence::parse),
        readings: serde_json::from_str(&readings).unwrap_or_default(),
        chosen: u32::try_from(chosen).unwrap_or(0),
        question: r.try_get("question")?,
        sql: r.try_get("sql_text")?,
        explanation: r.try_get("explanation")?,
        error: r.try_get("error")?,
        row_count: r.try_get("row_count")?,
        created_at_ms: r.try_get("created_at_ms")?,
    })
}
