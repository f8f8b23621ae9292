//! What a signed-in user may do. Server functions and API handlers call these, never the
//! services directly, so every entry point applies the same rules: admins see every
//! datasource; analysts see the ones shared with them, and anything else is "not found" (an
//! id reveals nothing); conversations and running queries belong to the person who started them.
use std::sync::Arc;

use tokio::sync::mpsc;

use super::Limited;
use crate::{
    app::model::{
        AskEvent, AskRequest, AskResponse, ConnectionTest, ExportRequest, ConversationSummary, ConversationTurn, DatasourceFunctions, DatasourceInput, DatasourceSharing,
        DatasourceSummary, LlmProviderInput, LlmProviderView, QueryResult, SchemaInfo, SqlRequest, UserView,
    },
    server::{
        error::{AppError, AppResult},
        export::{self, ExportFile},
        state::AppState,
        store::AuditRecord,
    },
};

/// A client-chosen query or ask id, namespaced by its user.
pub fn scoped_id(user: &UserView, id: &str) -> String {
    format!("{}:{id}", user.id)
}

pub fn require_admin(user: &UserView) -> AppResult<()> {
    if user.is_admin() {
        Ok(())
    } else {
        Err(AppError::NotAllowed("only an admin can do this"))
    }
}

/// Ok when the user may use the datasource; "not found" otherwise.
pub async fn check_datasource(state: &AppState, user: &UserView, id: &str) -> AppResult<()> {
    if user.is_admin() || state.store.datasource_granted(id, &user.id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("datasource"))
    }
}

pub async fn list_datasources(state: &AppState, user: &UserView) -> AppResult<Vec<DatasourceSummary>> {
    let all = state.datasources.list().await?;
    if user.is_admin() {
        return Ok(all);
    }
    let granted = state.store.granted_datasources(&user.id).await?;
    Ok(all.into_iter().filter(|d| granted.contains(&d.id)).collect())
}

pub async fn get_datasource(state: &AppState, user: &UserView, id: &str) -> AppResult<DatasourceSummary> {
    check_datasource(state, user, id).await?;
    state.datasources.get(id).await
}

/// Creates (`id: None`) or updates a datasource. Admins only.
pub async fn save_datasource(state: &AppState, user: &UserView, id: Option<&str>, input: &DatasourceInput) -> AppResult<DatasourceSummary> {
    require_admin(user)?;
    let saved = match id {
        Some(id) => state.datasources.update(id, input).await?,
        None => state.datasources.create(input).await?,
    };
    audit_admin(state, user, "datasource_saved", &saved.id, &saved.name).await?;
    Ok(saved)
}

pub async fn delete_datasource(state: &AppState, user: &UserView, id: &str) -> AppResult<()> {
    require_admin(user)?;
    let name = state.datasources.get(id).await?.name;
    state.datasources.delete(id).await?;
    audit_admin(state, user, "datasource_deleted", id, &name).await
}

pub async fn test_datasource(state: &AppState, user: &UserView, id: &str) -> AppResult<ConnectionTest> {
    require_admin(user)?;
    state.auth.check_rate(Limited::TestConnection, &user.id)?;
    state.datasources.test(id).await
}

pub async fn schema(state: &AppState, user: &UserView, id: &str, refresh: bool) -> AppResult<Arc<SchemaInfo>> {
    check_datasource(state, user, id).await?;
    state.datasources.schema(id, refresh).await
}

/// Runs the user's SQL through the guard and limits, and writes it to the audit log.
pub async fn run_sql(state: &AppState, user: &UserView, id: &str, request: &SqlRequest) -> AppResult<QueryResult> {
    let datasource = get_datasource(state, user, id).await?;
    let scoped = SqlRequest { query_id: request.query_id.as_deref().map(|q| scoped_id(user, q)), ..request.clone() };
    let _slot = state.datasources.shares().take(id, &user.id)?;
    let started = std::time::Instant::now();
    let outcome = state.datasources.run_sql(id, &scoped).await;
    let status = match &outcome {
        Ok(_) => "ok",
        Err(AppError::QueryCancelled) => "cancelled",
        Err(_) => "failed",
    };
    let record = AuditRecord {
        user_id: Some(user.id.clone()),
        username: user.username.clone(),
        action: "sql".into(),
        datasource_id: Some(id.to_string()),
        datasource_name: Some(datasource.name),
        sql: Some(request.sql.clone()),
        status: status.into(),
        duration_ms: Some(started.elapsed().as_millis() as i64),
        detail: outcome.as_ref().err().map(|e| e.public_message()),
        row_count: outcome.as_ref().ok().map(|r| r.row_count as i64),
        ..AuditRecord::default()
    };
    state.store.append_audit(&record).await?;
    outcome
}

/// The user's own runs (questions and SQL), newest first.
pub async fn history(state: &AppState, user: &UserView, search: &str, offset: i64) -> AppResult<Vec<crate::app::model::HistoryEntry>> {
    Ok(state.store.history(&user.id, search, 200, offset.max(0)).await?)
}

/// Starts an export of the user's SQL (guard, export row cap) and logs it.
pub async fn export(state: &AppState, user: &UserView, id: &str, request: &ExportRequest) -> AppResult<ExportFile> {
    let datasource = get_datasource(state, user, id).await?;
    let _slot = state.datasources.shares().take(id, &user.id)?;
    let rx = state.datasources.export_rows(id, &request.sql, request.format, None).await;
    let started = std::time::Instant::now();
    let outcome = match rx {
        Ok(rx) => match export::Rows::start(rx, &request.columns).await {
            Ok(rows) => {
                let stem = export::file_stem(&datasource.name, crate::server::store::now_ms());
                export::write(request.format, rows, &datasource.name, &stem).await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let record = AuditRecord {
        user_id: Some(user.id.clone()),
        username: user.username.clone(),
        action: "export".into(),
        datasource_id: Some(id.to_string()),
        datasource_name: Some(datasource.name),
        sql: Some(request.sql.clone()),
        status: if outcome.is_ok() { "ok" } else { "failed" }.into(),
        duration_ms: Some(started.elapsed().as_millis() as i64),
        detail: Some(match &outcome {
            Ok(f) => f.file_name.clone(),
            Err(e) => e.public_message(),
        }),
        ..AuditRecord::default()
    };
    state.store.append_audit(&record).await?;
    outcome
}

pub async fn ask(state: &AppState, user: &UserView, id: &str, request: &AskRequest) -> AppResult<AskResponse> {
    check_datasource(state, user, id).await?;
    state.auth.check_rate(Limited::Ask, &user.id)?;
    state.ask.ask(user, id, request).await
}

/// The ask's live events; a refused ask is a stream with one `failed` event.
pub async fn ask_events(state: &AppState, user: &UserView, id: String, request: AskRequest) -> mpsc::UnboundedReceiver<AskEvent> {
    let allowed = match check_datasource(state, user, &id).await {
        Ok(()) => state.auth.check_rate(Limited::Ask, &user.id),
        Err(e) => Err(e),
    };
    match allowed {
        Ok(()) => state.ask.ask_events(user.clone(), id, request),
        Err(e) => {
            let (tx, rx) = mpsc::unbounded_channel();
            let _ = tx.send(AskEvent::Failed { message: e.public_message() });
            rx
        }
    }
}

pub async fn conversations(state: &AppState, user: &UserView, id: &str) -> AppResult<Vec<ConversationSummary>> {
    check_datasource(state, user, id).await?;
    state.ask.conversations(user, id).await
}

pub async fn conversation(state: &AppState, user: &UserView, conversation_id: &str) -> AppResult<Vec<ConversationTurn>> {
    state.ask.conversation(user, conversation_id).await
}

/// Cancels the user's own running ask or query.
pub async fn cancel(state: &AppState, user: &UserView, query_id: &str) -> bool {
    state.ask.cancel(user, query_id).await || state.datasources.cancel(&scoped_id(user, query_id)).await
}

/// The datasource's own functions admins allowed in queries (admins only).
pub async fn allowed_functions(state: &AppState, user: &UserView, id: &str) -> AppResult<DatasourceFunctions> {
    require_admin(user)?;
    Ok(DatasourceFunctions { functions: state.datasources.get(id).await?.allowed_functions })
}

/// Replaces that list (admins only); audited, since it widens what queries may call.
pub async fn set_allowed_functions(state: &AppState, user: &UserView, id: &str, input: &DatasourceFunctions) -> AppResult<DatasourceFunctions> {
    require_admin(user)?;
    let datasource = state.datasources.get(id).await?;
    let functions = state.datasources.set_allowed_functions(id, &input.functions).await?;
    let record = AuditRecord {
        datasource_id: Some(id.to_string()),
        datasource_name: Some(datasource.name),
        detail: Some(format!("allowed functions: {}", if functions.is_empty() { "none".to_string() } else { functions.join(", ") })),
        ..AuditRecord::event(Some(user), &user.username, "functions_allowed", "ok")
    };
    state.store.append_audit(&record).await?;
    Ok(DatasourceFunctions { functions })
}

pub async fn sharing(state: &AppState, user: &UserView, id: &str) -> AppResult<DatasourceSharing> {
    require_admin(user)?;
    state.datasources.get(id).await?;
    let grantees = state.store.datasource_grantees(id).await?;
    Ok(DatasourceSharing {
        everyone: grantees.iter().any(|g| g == "*"),
        users: grantees.into_iter().filter(|g| g != "*").collect(),
    })
}

pub async fn set_sharing(state: &AppState, user: &UserView, id: &str, sharing: &DatasourceSharing) -> AppResult<DatasourceSharing> {
    require_admin(user)?;
    let datasource = state.datasources.get(id).await?;
    let known: Vec<String> = state.store.list_users().await?.into_iter().map(|u| u.id).collect();
    if let Some(unknown) = sharing.users.iter().find(|u| !known.contains(u)) {
        return Err(AppError::InvalidInput(format!("no user has the id {unknown:?}")));
    }
    let mut grantees = sharing.users.clone();
    if sharing.everyone {
        grantees.push("*".into());
    }
    state.store.set_datasource_grantees(id, &grantees).await?;
    audit_admin(state, user, "datasource_shared", id, &datasource.name).await?;
    self::sharing(state, user, id).await
}

pub async fn llm_settings(state: &AppState, user: &UserView) -> AppResult<LlmProviderView> {
    require_admin(user)?;
    Ok(state.llm.view().await)
}

pub async fn save_llm_settings(state: &AppState, user: &UserView, input: &LlmProviderInput) -> AppResult<LlmProviderView> {
    require_admin(user)?;
    let saved = state.llm.save(input).await?;
    let record = AuditRecord { detail: Some(format!("{} at {}", saved.model, saved.base_url)), ..AuditRecord::event(Some(user), &user.username, "llm_settings_saved", "ok") };
    state.store.append_audit(&record).await?;
    Ok(saved)
}

pub async fn reset_llm_settings(state: &AppState, user: &UserView) -> AppResult<LlmProviderView> {
    require_admin(user)?;
    let view = state.llm.reset().await?;
    state.store.append_audit(&AuditRecord::event(Some(user), &user.username, "llm_settings_reset", "ok")).await?;
    Ok(view)
}

pub async fn test_llm_settings(state: &AppState, user: &UserView, input: &LlmProviderInput) -> AppResult<crate::app::model::LlmTestResult> {
    require_admin(user)?;
    state.auth.check_rate(Limited::TestConnection, &user.id)?;
    state.llm.test(input).await
}

async fn audit_admin(state: &AppState, user: &UserView, action: &str, datasource_id: &str, datasource_name: &str) -> AppResult<()> {
    let record = AuditRecord {
        datasource_id: Some(datasource_id.to_string()),
        datasource_name: Some(datasource_name.to_string()),
        ..AuditRecord::event(Some(user), &user.username, action, "ok")
    };
    Ok(state.store.append_audit(&record).await?)
}
