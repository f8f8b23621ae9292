//! Questions in plain language and the conversations they make.
use tokio::sync::mpsc;

use super::{open_datasource, scoped_id};
use crate::{
    app::model::{AskEvent, AskRequest, AskResponse, ConversationSummary, ConversationTurn, QueryResult, SqlRequest, UserView},
    server::{
        datasources::Datasource,
        error::{AppError, AppResult},
        state::AppState,
    },
};

/// Longest client-chosen ask id.
const MAX_ASK_ID_CHARS: usize = 100;

/// The datasource as the user may ask of it, within their ask budget, and the request with
/// its client-chosen id scoped to the user (so no one can cancel another's ask).
async fn admitted(state: &AppState, user: &UserView, id: &str, request: AskRequest) -> AppResult<(Datasource, AskRequest)> {
    let datasource = open_datasource(state, user, id).await?;
    state.limits.ask.check(&user.id)?;
    let ask_id = request.ask_id.as_deref().filter(|a| !a.is_empty() && a.len() <= MAX_ASK_ID_CHARS).map(|a| scoped_id(user, a));
    Ok((datasource, AskRequest { ask_id, ..request }))
}

pub async fn ask(state: &AppState, user: &UserView, id: &str, request: &AskRequest) -> AppResult<AskResponse> {
    let (datasource, request) = admitted(state, user, id, request.clone()).await?;
    state.ask.ask(user, &datasource, &request).await
}

/// The ask's live events; a refused ask is a stream with one `failed` event.
pub async fn ask_events(state: &AppState, user: &UserView, id: &str, request: AskRequest) -> mpsc::UnboundedReceiver<AskEvent> {
    match admitted(state, user, id, request).await {
        Ok((datasource, request)) => state.ask.ask_events(user.clone(), datasource, request),
        Err(e) => {
            let (tx, rx) = mpsc::unbounded_channel();
            let _ = tx.send(AskEvent::Failed { code: e.code().to_string(), message: e.public_message() });
            rx
        }
    }
}

/// The user's conversations on a datasource, most recent first.
pub async fn conversations(state: &AppState, user: &UserView, id: &str) -> AppResult<Vec<ConversationSummary>> {
    let datasource = open_datasource(state, user, id).await?;
    Ok(state.store.list_conversations(datasource.id(), &user.id, 100).await?)
}

/// One of the user's conversations, oldest turn first; someone else's is "not found".
pub async fn conversation(state: &AppState, user: &UserView, conversation_id: &str) -> AppResult<Vec<ConversationTurn>> {
    if state.store.conversation_datasource(conversation_id, &user.id).await?.is_none() {
        return Err(AppError::NotFound("conversation"));
    }
    Ok(state.store.conversation_turns(conversation_id).await?)
}

/// The reading of an answer the user meant (0 = the answer given, 1.. its alternatives): it
/// runs again (guarded, limited, audited like any query) and becomes the turn's SQL, so the
/// pick is kept and follow-ups build on it. Returns its rows.
pub async fn choose_reading(state: &AppState, user: &UserView, conversation_id: &str, turn_id: &str, reading: u32) -> AppResult<QueryResult> {
    let Some(datasource_id) = state.store.conversation_datasource(conversation_id, &user.id).await? else {
        return Err(AppError::NotFound("conversation"));
    };
    let turn = state.store.turn(conversation_id, turn_id).await?.ok_or(AppError::NotFound("turn"))?;
    let Some(chosen) = turn.readings.get(reading as usize) else {
        return Err(AppError::InvalidInput(format!("this answer has {} reading(s); there is no reading {reading}", turn.readings.len())));
    };
    let request = SqlRequest { sql: chosen.sql.clone(), max_rows: None, query_id: None };
    let result = super::queries::run_sql(state, user, &datasource_id, &request).await?;
    let mut stored = chosen.clone();
    stored.preview.row_count = result.row_count;
    state.store.choose_reading(turn_id, reading, &stored).await?;
    Ok(result)
}
