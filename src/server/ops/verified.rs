//! Verified answers: question → SQL pairs people marked correct. They are checked like any SQL
//! (one read-only query in the datasource's dialect), kept per author unless shared (and
//! approved by an admin before they reach other people's prompts), and moved in and out as CSV.
use super::{audit, open_datasource};
use crate::{
    app::model::{UserView, VerifiedAnswer, VerifiedInput},
    server::{
        datasources::Datasource,
        error::{AppError, AppResult},
        state::AppState,
        store::{AuditAction, AuditRecord, AuditStatus},
    },
};

/// The input trimmed, its question within limits and its SQL accepted by the guard.
fn checked(datasource: &Datasource, input: &VerifiedInput) -> AppResult<(String, String)> {
    let question = input.question.trim().to_string();
    if question.is_empty() || question.chars().count() > crate::server::ask::MAX_QUESTION_CHARS {
        return Err(AppError::InvalidInput("the question must be 1 to 2000 characters".into()));
    }
    let sql = input.sql.trim().to_string();
    datasource.check_sql(&sql).map_err(|e| match e {
        AppError::SqlRejected(reason) => AppError::InvalidInput(format!("the SQL cannot be verified: {reason}")),
        other => other,
    })?;
    Ok((question, sql))
}

pub async fn list(state: &AppState, user: &UserView, datasource_id: &str) -> AppResult<Vec<VerifiedAnswer>> {
    let datasource = open_datasource(state, user, datasource_id).await?;
    let mut pairs = state.store.verified_answers(datasource.id(), Some(&user.id)).await?;
    for p in &mut pairs {
        p.can_approve = user.is_admin() && p.shared && !p.approved;
    }
    Ok(pairs)
}

pub async fn create(state: &AppState, user: &UserView, datasource_id: &str, input: &VerifiedInput) -> AppResult<VerifiedAnswer> {
    let datasource = open_datasource(state, user, datasource_id).await?;
    let (question, sql) = checked(&datasource, input)?;
    let id = state.store.insert_verified(datasource.id(), &user.id, &question, &sql, input.shared, user.is_admin()).await?;
    audit_pair(state, user, &datasource, AuditAction::VerifiedSaved, &question, &sql).await?;
    state.store.verified_answer(&id, &user.id).await?.ok_or(AppError::NotFound("verified answer"))
}

pub async fn update(state: &AppState, user: &UserView, id: &str, input: &VerifiedInput) -> AppResult<VerifiedAnswer> {
    let current = state.store.verified_answer(id, &user.id).await?.filter(|v| v.mine).ok_or(AppError::NotFound("verified answer"))?;
    let datasource = open_datasource(state, user, &current.datasource_id).await?;
    let (question, sql) = checked(&datasource, input)?;
    state.store.update_verified(id, &user.id, &question, &sql, input.shared, user.is_admin()).await?;
    audit_pair(state, user, &datasource, AuditAction::VerifiedSaved, &question, &sql).await?;
    state.store.verified_answer(id, &user.id).await?.ok_or(AppError::NotFound("verified answer"))
}

/// An admin vouches for someone's shared pair, so it may go into other people's prompts.
pub async fn approve(state: &AppState, user: &UserView, id: &str) -> AppResult<VerifiedAnswer> {
    if !user.is_admin() {
        return Err(AppError::Denied("only admins approve verified answers"));
    }
    let current = state.store.verified_answer(id, &user.id).await?.ok_or(AppError::NotFound("verified answer"))?;
    let datasource = open_datasource(state, user, &current.datasource_id).await?;
    if !state.store.approve_verified(id).await? {
        return Err(AppError::InvalidInput("only shared verified answers need approval".into()));
    }
    audit_pair(state, user, &datasource, AuditAction::VerifiedApproved, &current.question, &current.sql).await?;
    state.store.verified_answer(id, &user.id).await?.ok_or(AppError::NotFound("verified answer"))
}

pub async fn delete(state: &AppState, user: &UserView, id: &str) -> AppResult<()> {
    if !state.store.delete_verified(id, &user.id).await? {
        return Err(AppError::NotFound("verified answer"));
    }
    Ok(())
}

/// `question,sql,shared` with a header; what `import` reads.
pub async fn export_csv(state: &AppState, user: &UserView, datasource_id: &str) -> AppResult<String> {
    let pairs = list(state, user, datasource_id).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["question", "sql", "shared"]).map_err(AppError::internal)?;
    for p in pairs {
        w.write_record([p.question.as_str(), p.sql.as_str(), if p.shared { "true" } else { "false" }]).map_err(AppError::internal)?;
    }
    String::from_utf8(w.into_inner().map_err(|e| AppError::internal(e.to_string()))?).map_err(AppError::internal)
}

/// Adds every pair of a CSV (columns question, sql and optionally shared), or none: the first
/// bad line is reported with its number and nothing is saved.
pub async fn import_csv(state: &AppState, user: &UserView, datasource_id: &str, text: &str) -> AppResult<usize> {
    let datasource = open_datasource(state, user, datasource_id).await?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| AppError::InvalidInput(format!("the CSV cannot be read: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let (Some(q), Some(s)) = (col("question"), col("sql")) else {
        return Err(AppError::InvalidInput("the CSV needs a header with the columns question and sql".into()));
    };
    let shared_col = col("shared");
    let mut pairs = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = record.map_err(|e| AppError::InvalidInput(format!("line {line}: {e}")))?;
        let shared = shared_col.and_then(|i| record.get(i)).is_some_and(|v| matches!(v.trim().to_lowercase().as_str(), "true" | "1" | "yes"));
        let input = VerifiedInput { question: record.get(q).unwrap_or_default().to_string(), sql: record.get(s).unwrap_or_default().to_string(), shared };
        let (question, sql) = checked(&datasource, &input).map_err(|e| AppError::InvalidInput(format!("line {line}: {}", e.public_message())))?;
        pairs.push((question, sql, shared));
    }
    if pairs.is_empty() {
        return Err(AppError::InvalidInput("the CSV has no rows".into()));
    }
    for (question, sql, shared) in &pairs {
        state.store.insert_verified(datasource.id(), &user.id, question, sql, *shared, user.is_admin()).await?;
    }
    audit_pair(state, user, &datasource, AuditAction::VerifiedImported, &format!("{} pairs", pairs.len()), "").await?;
    Ok(pairs.len())
}

async fn audit_pair(state: &AppState, user: &UserView, datasource: &Datasource, action: AuditAction, question: &str, sql: &str) -> AppResult<()> {
    let record = AuditRecord {
        question: Some(question.to_string()),
        sql: (!sql.is_empty()).then(|| sql.to_string()),
        ..AuditRecord::by(user, action, AuditStatus::Ok).on_datasource(datasource.id(), datasource.name())
    };
    audit(state, record).await
}
