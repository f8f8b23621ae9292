//! Server functions: the browser's API. Each body is a thin call into the server services,
//! which the public HTTP API (`/api/v1`) uses too.
use leptos::prelude::*;
use leptos::server_fn::codec::{Json, StreamingText, TextStream};

use super::model::{
    AskRequest, AskResponse, ConnectionTest, ConversationSummary, ConversationTurn, DatasourceInput, DatasourceSummary, FieldError, SqlSpan,
    LlmProviderInput, LlmProviderView, LlmTestResult, QueryResult, SchemaInfo, SqlRequest,
};

#[cfg(feature = "ssr")]
use crate::server::ops;

/// The signed-in principal and the app state, or the failure the function returns.
/// Every server function starts with it (the middleware already refused anonymous calls).
#[cfg(feature = "ssr")]
macro_rules! signed_in {
    () => {
        match crate::server::state::signed_in() {
            Ok((state, principal)) => (state, principal.user),
            Err(e) => return Ok(Err(Failure::from(e))),
        }
    };
}

mod accounts;
mod history;
mod verified;
pub use accounts::*;
pub use history::*;
pub use verified::*;

/// An expected failure (bad input, rejected SQL, a database error) travels as data with
/// HTTP 200: it is an answer, not a broken request, so the browser does not log it.
/// `ServerFnError` (HTTP 500) is left for transport and server faults.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    pub code: String,
    pub message: String,
    /// For a form: every field that breaks a rule, to show next to the field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// For SQL that could not be parsed: where, to underline in the editor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<SqlSpan>,
}

pub type Outcome<T> = Result<T, Failure>;

#[cfg(feature = "ssr")]
impl From<crate::server::error::AppError> for Failure {
    fn from(e: crate::server::error::AppError) -> Self {
        Failure { code: e.code().to_string(), message: e.public_message(), fields: e.field_errors().to_vec(), at: e.sql_place() }
    }
}

/// Flattens a server function's result into what the UI shows: the value or a message.
pub fn outcome<T>(r: Result<Outcome<T>, ServerFnError>) -> Result<T, String> {
    form_outcome(r).map_err(|f| f.message)
}

/// The same for a form, which also needs the failure's field errors.
pub fn form_outcome<T>(r: Result<Outcome<T>, ServerFnError>) -> Result<T, Failure> {
    let failure = |code: &str, message: String| Failure { code: code.into(), message, fields: Vec::new(), at: None };
    match r {
        Ok(result) => result,
        Err(ServerFnError::Request(_)) => Err(failure("unreachable", "the server could not be reached; check your connection and try again".into())),
        Err(ServerFnError::ServerError(m)) => Err(failure("server_error", m)),
        Err(other) => Err(failure("server_error", other.to_string())),
    }
}

#[server(input = Json, endpoint = "datasources/list")]
pub async fn list_datasources() -> Result<Outcome<Vec<DatasourceSummary>>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::datasources::list(&state, &me).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "datasources/get")]
pub async fn get_datasource(id: String) -> Result<Outcome<DatasourceSummary>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::datasources::get(&state, &me, &id).await.map_err(Failure::from))
}

/// Creates (`id: None`) or updates a datasource.
#[server(input = Json, endpoint = "datasources/save")]
pub async fn save_datasource(id: Option<String>, input: DatasourceInput) -> Result<Outcome<DatasourceSummary>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::datasources::save(&state, &me, id.as_deref(), &input).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "datasources/delete")]
pub async fn delete_datasource(id: String) -> Result<Outcome<()>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::datasources::delete(&state, &me, &id).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "datasources/test")]
pub async fn test_datasource(id: String) -> Result<Outcome<ConnectionTest>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::datasources::test(&state, &me, &id).await.map_err(Failure::from))
}

/// Tests settings before they are saved (`id`: the datasource being edited, if any).
#[server(input = Json, endpoint = "datasources/test-settings")]
pub async fn test_datasource_settings(id: Option<String>, input: DatasourceInput) -> Result<Outcome<ConnectionTest>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::datasources::test_settings(&state, &me, id.as_deref(), &input).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "datasources/schema")]
pub async fn get_schema(id: String, refresh: bool) -> Result<Outcome<SchemaInfo>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::datasources::schema(&state, &me, &id, refresh).await.map(|s| s.as_ref().clone()).map_err(Failure::from))
}

#[server(input = Json, endpoint = "datasources/sql")]
pub async fn run_sql(id: String, request: SqlRequest) -> Result<Outcome<QueryResult>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::queries::run_sql(&state, &me, &id, &request).await.map_err(Failure::from))
}

/// Stops one of your running queries or asks by its client-chosen id; false when none runs.
#[server(input = Json, endpoint = "queries/cancel")]
pub async fn cancel_query(query_id: String) -> Result<Outcome<bool>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(Ok(ops::queries::cancel(&state, &me, &query_id).await))
}

#[server(input = Json, endpoint = "datasources/ask")]
pub async fn ask_question(id: String, request: AskRequest) -> Result<Outcome<AskResponse>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::asks::ask(&state, &me, &id, &request).await.map_err(Failure::from))
}

/// The same ask with live progress: one JSON `AskEvent` per line, ending with `done` or `failed`.
#[server(input = Json, output = StreamingText, endpoint = "datasources/ask_stream")]
pub async fn ask_stream(id: String, request: AskRequest) -> Result<TextStream, ServerFnError> {
    let (state, principal) = crate::server::state::signed_in().map_err(|e| ServerFnError::new(e.public_message()))?;
    let events = ops::asks::ask_events(&state, &principal.user, &id, request).await;
    Ok(TextStream::new(crate::server::ask::events::json_lines(events)))
}

#[server(input = Json, endpoint = "datasources/conversations")]
pub async fn list_conversations(id: String) -> Result<Outcome<Vec<ConversationSummary>>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::asks::conversations(&state, &me, &id).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "conversations/get")]
pub async fn get_conversation(id: String) -> Result<Outcome<Vec<ConversationTurn>>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::asks::conversation(&state, &me, &id).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "conversations/choose")]
pub async fn choose_reading(conversation_id: String, turn_id: String, reading: u32) -> Result<Outcome<QueryResult>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::asks::choose_reading(&state, &me, &conversation_id, &turn_id, reading).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "settings/llm/get")]
pub async fn get_llm_settings() -> Result<Outcome<LlmProviderView>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::settings::llm_settings(&state, &me).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "settings/llm/save")]
pub async fn save_llm_settings(input: LlmProviderInput) -> Result<Outcome<LlmProviderView>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::settings::save_llm_settings(&state, &me, &input).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "settings/llm/test")]
pub async fn test_llm_settings(input: LlmProviderInput) -> Result<Outcome<LlmTestResult>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::settings::test_llm_settings(&state, &me, &input).await.map_err(Failure::from))
}

/// Forgets the settings saved on the page and goes back to the flags / environment.
#[server(input = Json, endpoint = "settings/llm/reset")]
pub async fn reset_llm_settings() -> Result<Outcome<LlmProviderView>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::settings::reset_llm_settings(&state, &me).await.map_err(Failure::from))
}
