//! Verified answers: question → SQL pairs people marked correct. They are checked like any SQL
//! (one read-only query in the datasource's dialect), kept per author unless shared, moved in
//! and out as CSV, and the closest ones to a new question go into the prompt as examples.
use std::collections::HashSet;

use crate::{
    app::model::{Role, UserView, VerifiedAnswer, VerifiedInput},
    server::{
        ask::prompt::Example,
        auth::access::check_datasource,
        error::{AppError, AppResult},
        state::AppState,
        store::AuditRecord,
    },
};

/// Examples shown to the model per question.
pub const EXAMPLES: usize = 3;
/// Below this word overlap a pair is not "similar".
const MIN_SIMILARITY: f64 = 0.2;
const STOPWORDS: &[&str] = &[
    "the", "a", "an", "of", "in", "on", "for", "to", "and", "or", "is", "are", "was", "were", "what", "which", "who", "how", "many",
    "much", "by", "with", "per", "each", "all", "me", "show", "list", "give", "get", "find", "do", "does", "did", "we", "our", "have",
    "has", "from", "that", "this", "there", "their", "it", "its", "be", "as", "at",
];

fn words(text: &str) -> HashSet<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1 && !STOPWORDS.contains(w))
        .map(|w| w.trim_end_matches('s').to_string())
        .collect()
}

/// Word overlap (Jaccard) of two questions, 0..=1.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    let union = a.union(&b).count();
    if union == 0 {
        0.0
    } else {
        a.intersection(&b).count() as f64 / union as f64
    }
}

/// The pairs most like `question`, best first (ties: most recently verified first, as listed).
pub fn closest(question: &str, pairs: &[VerifiedAnswer], exclude: Option<&str>) -> Vec<Example> {
    let mut scored: Vec<(f64, usize)> = pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| Some(p.id.as_str()) != exclude)
        .map(|(i, p)| (similarity(question, &p.question), i))
        .filter(|(s, _)| *s >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(EXAMPLES).map(|(_, i)| Example { question: pairs[i].question.clone(), sql: pairs[i].sql.clone() }).collect()
}

async fn checked(state: &AppState, datasource_id: &str, input: &VerifiedInput) -> AppResult<(String, String)> {
    let question = input.question.trim().to_string();
    if question.is_empty() || question.chars().count() > crate::server::ask::MAX_QUESTION_CHARS {
        return Err(AppError::InvalidInput("the question must be 1 to 2000 characters".into()));
    }
    let sql = input.sql.trim().to_string();
    state.datasources.check_sql(datasource_id, &sql).await.map_err(|e| match e {
        AppError::SqlRejected(reason) => AppError::InvalidInput(format!("the SQL cannot be verified: {reason}")),
        other => other,
    })?;
    Ok((question, sql))
}

pub async fn list(state: &AppState, user: &UserView, datasource_id: &str) -> AppResult<Vec<VerifiedAnswer>> {
    check_datasource(state, user, datasource_id).await?;
    let mut pairs = state.store.verified_answers(datasource_id, Some(&user.id)).await?;
    for p in &mut pairs {
        p.can_approve = is_admin(user) && p.shared && !p.approved;
    }
    Ok(pairs)
}

pub async fn create(state: &AppState, user: &UserView, datasource_id: &str, input: &VerifiedInput) -> AppResult<VerifiedAnswer> {
    check_datasource(state, user, datasource_id).await?;
    let (question, sql) = checked(state, datasource_id, input).await?;
    let id = state.store.insert_verified(datasource_id, &user.id, &question, &sql, input.shared, is_admin(user)).await?;
    audit(state, user, datasource_id, "verified_saved", &question, &sql).await?;
    state.store.verified_answer(&id, &user.id).await?.ok_or(AppError::NotFound("verified answer"))
}

pub async fn update(state: &AppState, user: &UserView, id: &str, input: &VerifiedInput) -> AppResult<VerifiedAnswer> {
    let current = state.store.verified_answer(id, &user.id).await?.filter(|v| v.mine).ok_or(AppError::NotFound("verified answer"))?;
    check_datasource(state, user, &current.datasource_id).await?;
    let (question, sql) = checked(state, &current.datasource_id, input).await?;
    state.store.update_verified(id, &user.id, &question, &sql, input.shared, is_admin(user)).await?;
    audit(state, user, &current.datasource_id, "verified_saved", &question, &sql).await?;
    state.store.verified_answer(id, &user.id).await?.ok_or(AppError::NotFound("verified answer"))
}

fn is_admin(user: &UserView) -> bool {
    user.role == Role::Admin
}

/// An admin vouches for someone's shared pair, so it may go into other people's prompts.
pub async fn approve(state: &AppState, user: &UserView, id: &str) -> AppResult<VerifiedAnswer> {
    if !is_admin(user) {
        return Err(AppError::NotAllowed("only admins approve verified answers"));
    }
    let current = state.store.verified_answer(id, &user.id).await?.ok_or(AppError::NotFound("verified answer"))?;
    check_datasource(state, user, &current.datasource_id).await?;
    if !state.store.approve_verified(id).await? {
        return Err(AppError::InvalidInput("only shared verified answers need approval".into()));
    }
    audit(state, user, &current.datasource_id, "verified_approved", &current.question, &current.sql).await?;
    state.store.verified_answer(id, &user.id).await?.ok_or(AppError::NotFound("verified answer"))
}

/// The pairs that may go into `viewer`'s prompt: their own, and shared ones an admin vouched
/// for (anyone else's text in a prompt is a way to steer the model).
pub fn usable_as_examples(pairs: Vec<VerifiedAnswer>) -> Vec<VerifiedAnswer> {
    pairs.into_iter().filter(|p| p.mine || p.approved).collect()
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
    check_datasource(state, user, datasource_id).await?;
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
        let (question, sql) = checked(state, datasource_id, &input).await.map_err(|e| AppError::InvalidInput(format!("line {line}: {}", e.public_message())))?;
        pairs.push((question, sql, shared));
    }
    if pairs.is_empty() {
        return Err(AppError::InvalidInput("the CSV has no rows".into()));
    }
    for (question, sql, shared) in &pairs {
        state.store.insert_verified(datasource_id, &user.id, question, sql, *shared, is_admin(user)).await?;
    }
    audit(state, user, datasource_id, "verified_imported", &format!("{} pairs", pairs.len()), "").await?;
    Ok(pairs.len())
}

async fn audit(state: &AppState, user: &UserView, datasource_id: &str, action: &str, question: &str, sql: &str) -> AppResult<()> {
    let name = state.datasources.get(datasource_id).await.ok().map(|d| d.name);
    let record = AuditRecord {
        datasource_id: Some(datasource_id.to_string()),
        datasource_name: name,
        question: Some(question.to_string()),
        sql: (!sql.is_empty()).then(|| sql.to_string()),
        ..AuditRecord::event(Some(user), &user.username, action, "ok")
    };
    Ok(state.store.append_audit(&record).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(id: &str, q: &str) -> VerifiedAnswer {
        VerifiedAnswer { id: id.into(), datasource_id: "d".into(), question: q.into(), sql: format!("SELECT '{id}'"), shared: false, approved: false, can_approve: false, author: "a".into(), mine: true, updated_at_ms: 0 }
    }

    #[test]
    fn only_own_or_approved_pairs_reach_a_prompt() {
        let others = |id: &str, approved: bool| VerifiedAnswer { mine: false, shared: true, approved, ..pair(id, "q") };
        let usable = usable_as_examples(vec![pair("own", "q"), others("unapproved", false), others("approved", true)]);
        assert_eq!(usable.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), vec!["own", "approved"]);
    }

    #[test]
    fn the_closest_questions_are_chosen() {
        assert!(similarity("How many orders were shipped?", "how many ORDERS shipped") > 0.99);
        assert!(similarity("top customers by revenue", "number of employees") < 0.01);
        let pairs = [pair("1", "Which products sold the most units?"), pair("2", "How many employees are there?"), pair("3", "Products with the most reviews")];
        let got = closest("What are the 5 products that sold the most?", &pairs, None);
        assert_eq!(got.first().map(|e| e.sql.as_str()), Some("SELECT '1'"));
        assert!(got.iter().all(|e| e.sql != "SELECT '2'"), "unrelated pairs stay out: {got:?}");
        assert!(closest("What are the 5 products that sold the most?", &pairs, Some("1")).iter().all(|e| e.sql != "SELECT '1'"), "excluded");
        assert!(closest("weather tomorrow", &pairs, None).is_empty());
    }
}
