//! Verified question → SQL pairs.
use sqlx::Row;

use super::{now_ms, Store};
use crate::app::model::VerifiedAnswer;

const SELECT: &str = "SELECT v.id, v.datasource_id, v.question, v.sql_text, v.shared, v.approved, v.user_id, v.updated_at_ms, u.username \
                      FROM verified_answers v JOIN users u ON u.id = v.user_id";

fn from_row(r: &sqlx::any::AnyRow, viewer: &str) -> Result<VerifiedAnswer, sqlx::Error> {
    let author_id: String = r.try_get("user_id")?;
    Ok(VerifiedAnswer {
        id: r.try_get("id")?,
        datasource_id: r.try_get("datasource_id")?,
        question: r.try_get("question")?,
        sql: r.try_get("sql_text")?,
        shared: r.try_get::<i64, _>("shared")? != 0,
        approved: r.try_get::<i64, _>("approved")? != 0,
        can_approve: false,
        author: r.try_get("username")?,
        mine: author_id == viewer,
        updated_at_ms: r.try_get("updated_at_ms")?,
    })
}

impl Store {
    /// The pairs `viewer` may see on a datasource: their own and the shared ones (all of them
    /// when `viewer` is None, for the eval command).
    pub async fn verified_answers(&self, datasource_id: &str, viewer: Option<&str>) -> Result<Vec<VerifiedAnswer>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE v.datasource_id = $1 AND ($2 = '' OR v.user_id = $2 OR v.shared = 1) ORDER BY v.updated_at_ms DESC, v.id"
        ))
        .bind(datasource_id)
        .bind(viewer.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| from_row(r, viewer.unwrap_or(""))).collect()
    }

    pub async fn verified_answer(&self, id: &str, viewer: &str) -> Result<Option<VerifiedAnswer>, sqlx::Error> {
        let row = sqlx::query(&format!("{SELECT} WHERE v.id = $1 AND (v.user_id = $2 OR v.shared = 1)")).bind(id).bind(viewer).fetch_optional(&self.pool).await?;
        row.map(|r| from_row(&r, viewer)).transpose()
    }

    /// `approved`: an admin vouches for it (their own pairs are).
    pub async fn insert_verified(&self, datasource_id: &str, user_id: &str, question: &str, sql: &str, shared: bool, approved: bool) -> Result<String, sqlx::Error> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO verified_answers (id, datasource_id, user_id, question, sql_text, shared, approved, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $8, $7, $7)",
        )
        .bind(&id)
        .bind(datasource_id)
        .bind(user_id)
        .bind(question)
        .bind(sql)
        .bind(shared as i64)
        .bind(now)
        .bind(approved as i64)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Changes one of the author's own pairs; false when it is not theirs or does not exist.
    /// An edit needs approval again unless an admin made it.
    pub async fn update_verified(&self, id: &str, user_id: &str, question: &str, sql: &str, shared: bool, approved: bool) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE verified_answers SET question = $3, sql_text = $4, shared = $5, updated_at_ms = $6, approved = $7 WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .bind(question)
            .bind(sql)
            .bind(shared as i64)
            .bind(now_ms())
            .bind(approved as i64)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// An admin vouches for a shared pair; false when there is no such shared pair.
    pub async fn approve_verified(&self, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE verified_answers SET approved = 1 WHERE id = $1 AND shared = 1").bind(id).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_verified(&self, id: &str, user_id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM verified_answers WHERE id = $1 AND user_id = $2").bind(id).bind(user_id).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }
}
