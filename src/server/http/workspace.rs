//! The datasource, SQL, ask, conversation and model-settings routes: each takes the signed-in
//! user and calls `ops`, which applies the sharing and role rules.
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::sse::{Event, KeepAlive, Sse},
    Json,
};
use futures::{Stream, StreamExt};
use serde::Deserialize;

use super::{authenticate::SignedIn, ApiJson, ApiResult, Cancelled, ErrorBody};
use crate::{
    app::model::{
        AskRequest, AskResponse, ChooseReading, ConnectionTest, ExportFormat, ExportRequest, ConversationSummary, ConversationTurn, DatasourceInput, DatasourceSummary,
        LlmProviderInput, LlmProviderView, LlmTestResult, QueryResult, SchemaInfo, SqlRequest,
    },
    server::{
        ops,
        state::AppState,
    },
};

#[utoipa::path(get, path = "/api/v1/datasources", responses((status = 200, body = Vec<DatasourceSummary>)))]
pub(super) async fn list_datasources(State(state): State<AppState>, SignedIn(me): SignedIn) -> ApiResult<Json<Vec<DatasourceSummary>>> {
    let mut list = ops::datasources::list(&state, &me.user).await?;
    // A token limited to some datasources lists only those.
    list.retain(|d| me.reaches(&d.id));
    Ok(Json(list))
}

/// Creates a datasource. The password is stored encrypted and never returned.
#[utoipa::path(post, path = "/api/v1/datasources", request_body = DatasourceInput,
    responses((status = 201, body = DatasourceSummary), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn create_datasource(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    ApiJson(input): ApiJson<DatasourceInput>,
) -> ApiResult<(StatusCode, Json<DatasourceSummary>)> {
    Ok((StatusCode::CREATED, Json(ops::datasources::save(&state, &me.user, None, &input).await?)))
}

#[utoipa::path(get, path = "/api/v1/datasources/{id}", responses((status = 200, body = DatasourceSummary), (status = 404, body = ErrorBody)))]
pub(super) async fn get_datasource(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<Json<DatasourceSummary>> {
    Ok(Json(ops::datasources::get(&state, &me.user, &id).await?))
}

/// Replaces a datasource's settings; an absent or empty password keeps the stored one.
#[utoipa::path(put, path = "/api/v1/datasources/{id}", request_body = DatasourceInput,
    responses((status = 200, body = DatasourceSummary), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn update_datasource(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DatasourceInput>,
) -> ApiResult<Json<DatasourceSummary>> {
    Ok(Json(ops::datasources::save(&state, &me.user, Some(&id), &input).await?))
}

#[utoipa::path(delete, path = "/api/v1/datasources/{id}", responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_datasource(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<StatusCode> {
    ops::datasources::delete(&state, &me.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Connects and reports the server version and any privileges a read-only tool should not have.
#[utoipa::path(post, path = "/api/v1/datasources/{id}/test", responses((status = 200, body = ConnectionTest), (status = 404, body = ErrorBody)))]
pub(super) async fn test_datasource(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<Json<ConnectionTest>> {
    Ok(Json(ops::datasources::test(&state, &me.user, &id).await?))
}

/// Settings to test before saving them: a new datasource, or an edit of `id` (whose stored
/// password an absent one stands for).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SettingsTest {
    #[serde(default)]
    id: Option<String>,
    input: DatasourceInput,
}

/// Connects with settings that are not saved (nothing is stored): the same report as a test
/// of a saved datasource; invalid fields are a 400 listing every one of them.
#[utoipa::path(post, path = "/api/v1/datasources/test", request_body = SettingsTest,
    responses((status = 200, body = ConnectionTest), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn test_datasource_settings(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    ApiJson(test): ApiJson<SettingsTest>,
) -> ApiResult<Json<ConnectionTest>> {
    Ok(Json(ops::datasources::test_settings(&state, &me.user, test.id.as_deref(), &test.input).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(super) struct SchemaParams {
    /// Read the catalogs again instead of using the cached snapshot.
    #[serde(default)]
    refresh: bool,
}

#[utoipa::path(get, path = "/api/v1/datasources/{id}/schema", params(SchemaParams),
    responses((status = 200, body = SchemaInfo), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub(super) async fn get_schema(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Query(params): Query<SchemaParams>,
) -> ApiResult<Json<SchemaInfo>> {
    Ok(Json(ops::datasources::schema(&state, &me.user, &id, params.refresh).await?.as_ref().clone()))
}

/// Runs one read-only statement with the row cap and time limit.
#[utoipa::path(post, path = "/api/v1/datasources/{id}/sql", request_body = SqlRequest,
    responses((status = 200, body = QueryResult), (status = 400, body = ErrorBody, description = "rejected by the SQL guard or failed in the database"),
              (status = 408, body = ErrorBody, description = "time limit"), (status = 409, body = ErrorBody, description = "cancelled")))]
pub(super) async fn run_sql(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SqlRequest>,
) -> ApiResult<Json<QueryResult>> {
    Ok(Json(ops::queries::run_sql(&state, &me.user, &id, &request).await?))
}

/// Asks a question in plain language: the model writes SQL, the guard checks it, it runs with
/// the usual limits; failed attempts are fed back to the model and listed in `attempts`.
#[utoipa::path(post, path = "/api/v1/datasources/{id}/ask", request_body = AskRequest,
    responses((status = 200, body = AskResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 502, body = ErrorBody, description = "the language model failed or produced no working query")))]
pub(super) async fn ask(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AskRequest>,
) -> ApiResult<Json<AskResponse>> {
    Ok(Json(ops::asks::ask(&state, &me.user, &id, &request).await?))
}

/// The same ask as Server-Sent Events while it works: one `data:` JSON object per event, with
/// `event` one of started, tables_chosen, writing, token, running, attempt_failed, and last
/// `done` (carrying the full answer) or `failed`. Closing the connection stops the ask.
#[utoipa::path(post, path = "/api/v1/datasources/{id}/ask/stream", request_body = AskRequest,
    responses((status = 200, content_type = "text/event-stream", description = "ask events, one JSON object per SSE event")))]
pub(super) async fn ask_stream(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AskRequest>,
) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    let events = ops::asks::ask_events(&state, &me.user, &id, request).await;
    let events = crate::server::ask::events::json_lines::<std::convert::Infallible>(events);
    Sse::new(events.map(|line| line.map(|l| Event::default().data(l.trim_end())))).keep_alive(KeepAlive::default())
}

/// A datasource's conversations, most recently active first.
#[utoipa::path(get, path = "/api/v1/datasources/{id}/conversations",
    responses((status = 200, body = Vec<ConversationSummary>), (status = 404, body = ErrorBody)))]
pub(super) async fn list_conversations(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<Json<Vec<ConversationSummary>>> {
    Ok(Json(ops::asks::conversations(&state, &me.user, &id).await?))
}

/// One conversation's turns, oldest first (rows are not stored; re-run the SQL to see them).
#[utoipa::path(get, path = "/api/v1/conversations/{id}",
    responses((status = 200, body = Vec<ConversationTurn>), (status = 404, body = ErrorBody)))]
pub(super) async fn get_conversation(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<Json<Vec<ConversationTurn>>> {
    Ok(Json(ops::asks::conversation(&state, &me.user, &id).await?))
}

/// Picks another reading of an answer whose candidates disagreed (0 = the answer given):
/// runs it, stores the pick with the turn, and returns its rows.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/turns/{turn_id}/choose", request_body = ChooseReading,
    responses((status = 200, body = QueryResult), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn choose_reading(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path((id, turn_id)): Path<(String, String)>,
    Json(body): Json<ChooseReading>,
) -> ApiResult<Json<QueryResult>> {
    Ok(Json(ops::asks::choose_reading(&state, &me.user, &id, &turn_id, body.reading).await?))
}

/// Cancels a running query or ask by the id (`query_id` / `ask_id`) its client sent with it.
#[utoipa::path(post, path = "/api/v1/queries/{query_id}/cancel", responses((status = 200, body = Cancelled)))]
pub(super) async fn cancel_query(State(state): State<AppState>, SignedIn(me): SignedIn, Path(query_id): Path<String>) -> Json<Cancelled> {
    let cancelled = ops::queries::cancel(&state, &me.user, &query_id).await;
    Json(Cancelled { cancelled })
}

/// The language model in use; the API key is never returned (`has_api_key` says whether one is set).
#[utoipa::path(get, path = "/api/v1/settings/llm", responses((status = 200, body = LlmProviderView)))]
pub(super) async fn get_llm_settings(State(state): State<AppState>, SignedIn(me): SignedIn) -> ApiResult<Json<LlmProviderView>> {
    Ok(Json(ops::settings::llm_settings(&state, &me.user).await?))
}

/// Saves the language model settings (checked against the network policy); they apply to the
/// next question. An empty `api_key` keeps the saved one unless `clear_api_key` is true.
#[utoipa::path(put, path = "/api/v1/settings/llm", request_body = LlmProviderInput,
    responses((status = 200, body = LlmProviderView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn save_llm_settings(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    ApiJson(input): ApiJson<LlmProviderInput>,
) -> ApiResult<Json<LlmProviderView>> {
    Ok(Json(ops::settings::save_llm_settings(&state, &me.user, &input).await?))
}

/// Forgets the saved settings; the flags / environment apply again.
#[utoipa::path(delete, path = "/api/v1/settings/llm", responses((status = 200, body = LlmProviderView)))]
pub(super) async fn reset_llm_settings(State(state): State<AppState>, SignedIn(me): SignedIn) -> ApiResult<Json<LlmProviderView>> {
    Ok(Json(ops::settings::reset_llm_settings(&state, &me.user).await?))
}

/// Sends one short request with these settings (saved or not) and reports what happened.
#[utoipa::path(post, path = "/api/v1/settings/llm/test", request_body = LlmProviderInput,
    responses((status = 200, body = LlmTestResult), (status = 400, body = ErrorBody)))]
pub(super) async fn test_llm_settings(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    ApiJson(input): ApiJson<LlmProviderInput>,
) -> ApiResult<Json<LlmTestResult>> {
    Ok(Json(ops::settings::test_llm_settings(&state, &me.user, &input).await?))
}

/// A result as a file: the SQL runs again through the guard with the export row cap
/// (CSV 1,000,000 rows, streamed; Excel 1,048,575; PDF 5,000). Send JSON, or a browser form
/// with `sql`, `format` and `columns` (one name per line).
#[utoipa::path(post, path = "/api/v1/datasources/{id}/export", request_body = ExportRequest,
    responses((status = 200, description = "the file (Content-Disposition: attachment)", content_type = "application/octet-stream"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn export(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> ApiResult<axum::response::Response> {
    use axum::{extract::FromRequest, http::header, response::IntoResponse};
    let is_form = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let input = if is_form {
        let axum::Form(form) = axum::Form::<ExportForm>::from_request(request, &())
            .await
            .map_err(|e| crate::server::error::AppError::InvalidInput(format!("the form is not valid: {}", e.body_text())))?;
        ExportRequest { sql: form.sql, format: form.format, columns: form.columns.lines().map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect() }
    } else {
        ApiJson::<ExportRequest>::from_request(request, &()).await?.0
    };
    let file = ops::queries::export(&state, &me.user, &id, &input).await?;
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    Ok((
        [(header::CONTENT_TYPE, file.content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)],
        axum::body::Body::from_stream(file.body),
    )
        .into_response())
}

#[derive(Deserialize)]
pub(super) struct ExportForm {
    sql: String,
    format: ExportFormat,
    #[serde(default)]
    columns: String,
}
