//! The public HTTP API under `/api/v1`: thin handlers over the services, documented with utoipa.
use std::sync::Arc;

use axum::{
    extract::{DefaultBodyLimit, Path, Query, State},
    http::StatusCode,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse,
    },
    routing::{get, post},
    Json, Router,
};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::{
    app::model::{
        AskAttempt, AskRequest, AskResponse, ConnectionTest, ConversationSummary, ConversationTurn, DatasourceInput,
        DatasourceSummary, LlmProviderInput, LlmProviderView, LlmTestResult, QueryResult, SchemaInfo, SqlRequest,
    },
    server::{datasources::DatasourceService, state::AppState},
};

mod error;
pub use error::{ApiError, ApiJson};

/// Largest JSON body the API accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

type ApiResult<T> = Result<T, ApiError>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/live", get(live))
        .route("/openapi.json", get(openapi))
        .route("/datasources", get(list_datasources).post(create_datasource))
        .route("/datasources/{id}", get(get_datasource).put(update_datasource).delete(delete_datasource))
        .route("/datasources/{id}/test", post(test_datasource))
        .route("/datasources/{id}/schema", get(get_schema))
        .route("/datasources/{id}/sql", post(run_sql))
        .route("/datasources/{id}/ask", post(ask))
        .route("/datasources/{id}/ask/stream", post(ask_stream))
        .route("/datasources/{id}/conversations", get(list_conversations))
        .route("/conversations/{id}", get(get_conversation))
        .route("/queries/{query_id}/cancel", post(cancel_query))
        .route("/settings/llm", get(get_llm_settings).put(save_llm_settings).delete(reset_llm_settings))
        .route("/settings/llm/test", post(test_llm_settings))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "DatabaseAI API", description = "Ask questions of your SQL databases; run read-only SQL with hard limits."),
    paths(health, live, list_datasources, create_datasource, get_datasource, update_datasource, delete_datasource,
          test_datasource, get_schema, run_sql, ask, ask_stream, list_conversations, get_conversation, cancel_query,
          get_llm_settings, save_llm_settings, reset_llm_settings, test_llm_settings),
    components(schemas(DatasourceInput, DatasourceSummary, ConnectionTest, SchemaInfo, SqlRequest, QueryResult, AskRequest, AskResponse,
                       AskAttempt, ConversationSummary, ConversationTurn, LlmProviderView, LlmProviderInput, LlmTestResult, ErrorBody, ErrorDetail, Health, Cancelled))
)]
pub struct ApiDoc;

/// Error body of every failed request.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub store: String,
}

#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct Cancelled {
    pub cancelled: bool,
}

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

/// Liveness: the process serves requests. Unlike `/health` it does not look at the store, so an
/// orchestrator does not restart every replica when the database blips.
#[utoipa::path(get, path = "/api/v1/live", responses((status = 200, body = Health)))]
async fn live() -> Json<Health> {
    Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").to_string(), store: "not checked".into() })
}

/// Readiness: the app store answers. 503 when it cannot be reached.
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let version = env!("CARGO_PKG_VERSION").to_string();
    match tokio::time::timeout(std::time::Duration::from_secs(3), state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, Json(Health { status: "ok".into(), version, store: "ok".into() })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: store unreachable");
            let store = format!("unreachable: {}", short_reason(&e));
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable".into(), version, store }))
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health { status: "unavailable".into(), version, store: "unreachable: timed out".into() }),
        ),
    }
}

fn short_reason(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::PoolTimedOut => "timed out",
        sqlx::Error::PoolClosed => "closed",
        sqlx::Error::Io(_) => "connection error",
        _ => "error",
    }
}

fn service(state: &AppState) -> &Arc<DatasourceService> {
    &state.datasources
}

#[utoipa::path(get, path = "/api/v1/datasources", responses((status = 200, body = Vec<DatasourceSummary>)))]
async fn list_datasources(State(state): State<AppState>) -> ApiResult<Json<Vec<DatasourceSummary>>> {
    Ok(Json(service(&state).list().await?))
}

/// Creates a datasource. The password is stored encrypted and never returned.
#[utoipa::path(post, path = "/api/v1/datasources", request_body = DatasourceInput,
    responses((status = 201, body = DatasourceSummary), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_datasource(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<DatasourceInput>,
) -> ApiResult<(StatusCode, Json<DatasourceSummary>)> {
    Ok((StatusCode::CREATED, Json(service(&state).create(&input).await?)))
}

#[utoipa::path(get, path = "/api/v1/datasources/{id}", responses((status = 200, body = DatasourceSummary), (status = 404, body = ErrorBody)))]
async fn get_datasource(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<DatasourceSummary>> {
    Ok(Json(service(&state).get(&id).await?))
}

/// Replaces a datasource's settings; an absent or empty password keeps the stored one.
#[utoipa::path(put, path = "/api/v1/datasources/{id}", request_body = DatasourceInput,
    responses((status = 200, body = DatasourceSummary), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_datasource(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DatasourceInput>,
) -> ApiResult<Json<DatasourceSummary>> {
    Ok(Json(service(&state).update(&id, &input).await?))
}

#[utoipa::path(delete, path = "/api/v1/datasources/{id}", responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_datasource(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    service(&state).delete(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Connects and reports the server version and any privileges a read-only tool should not have.
#[utoipa::path(post, path = "/api/v1/datasources/{id}/test", responses((status = 200, body = ConnectionTest), (status = 404, body = ErrorBody)))]
async fn test_datasource(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<ConnectionTest>> {
    Ok(Json(service(&state).test(&id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct SchemaParams {
    /// Read the catalogs again instead of using the cached snapshot.
    #[serde(default)]
    refresh: bool,
}

#[utoipa::path(get, path = "/api/v1/datasources/{id}/schema", params(SchemaParams),
    responses((status = 200, body = SchemaInfo), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn get_schema(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<SchemaParams>,
) -> ApiResult<Json<SchemaInfo>> {
    Ok(Json(service(&state).schema(&id, params.refresh).await?.as_ref().clone()))
}

/// Runs one read-only statement with the row cap and time limit.
#[utoipa::path(post, path = "/api/v1/datasources/{id}/sql", request_body = SqlRequest,
    responses((status = 200, body = QueryResult), (status = 400, body = ErrorBody, description = "rejected by the SQL guard or failed in the database"),
              (status = 408, body = ErrorBody, description = "time limit"), (status = 409, body = ErrorBody, description = "cancelled")))]
async fn run_sql(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SqlRequest>,
) -> ApiResult<Json<QueryResult>> {
    Ok(Json(service(&state).run_sql(&id, &request).await?))
}

/// Asks a question in plain language: the model writes SQL, the guard checks it, it runs with
/// the usual limits; failed attempts are fed back to the model and listed in `attempts`.
#[utoipa::path(post, path = "/api/v1/datasources/{id}/ask", request_body = AskRequest,
    responses((status = 200, body = AskResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 502, body = ErrorBody, description = "the language model failed or produced no working query")))]
async fn ask(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AskRequest>,
) -> ApiResult<Json<AskResponse>> {
    Ok(Json(state.ask.ask(&id, &request).await?))
}

/// The same ask as Server-Sent Events while it works: one `data:` JSON object per event, with
/// `event` one of started, tables_chosen, writing, token, running, attempt_failed, and last
/// `done` (carrying the full answer) or `failed`. Closing the connection stops the ask.
#[utoipa::path(post, path = "/api/v1/datasources/{id}/ask/stream", request_body = AskRequest,
    responses((status = 200, content_type = "text/event-stream", description = "ask events, one JSON object per SSE event")))]
async fn ask_stream(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AskRequest>,
) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
    let events = crate::server::ask::events::json_lines::<std::convert::Infallible>(state.ask.ask_events(id, request));
    Sse::new(events.map(|line| line.map(|l| Event::default().data(l.trim_end())))).keep_alive(KeepAlive::default())
}

/// A datasource's conversations, most recently active first.
#[utoipa::path(get, path = "/api/v1/datasources/{id}/conversations",
    responses((status = 200, body = Vec<ConversationSummary>), (status = 404, body = ErrorBody)))]
async fn list_conversations(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Vec<ConversationSummary>>> {
    Ok(Json(state.ask.conversations(&id).await?))
}

/// One conversation's turns, oldest first (rows are not stored; re-run the SQL to see them).
#[utoipa::path(get, path = "/api/v1/conversations/{id}",
    responses((status = 200, body = Vec<ConversationTurn>), (status = 404, body = ErrorBody)))]
async fn get_conversation(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Vec<ConversationTurn>>> {
    Ok(Json(state.ask.conversation(&id).await?))
}

/// Cancels a running query or ask by the id (`query_id` / `ask_id`) its client sent with it.
#[utoipa::path(post, path = "/api/v1/queries/{query_id}/cancel", responses((status = 200, body = Cancelled)))]
async fn cancel_query(State(state): State<AppState>, Path(query_id): Path<String>) -> Json<Cancelled> {
    let cancelled = state.ask.cancel(&query_id).await || service(&state).cancel(&query_id).await;
    Json(Cancelled { cancelled })
}

/// The language model in use; the API key is never returned (`has_api_key` says whether one is set).
#[utoipa::path(get, path = "/api/v1/settings/llm", responses((status = 200, body = LlmProviderView)))]
async fn get_llm_settings(State(state): State<AppState>) -> Json<LlmProviderView> {
    Json(state.llm.view().await)
}

/// Saves the language model settings (checked against the network policy); they apply to the
/// next question. An empty `api_key` keeps the saved one unless `clear_api_key` is true.
#[utoipa::path(put, path = "/api/v1/settings/llm", request_body = LlmProviderInput,
    responses((status = 200, body = LlmProviderView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn save_llm_settings(State(state): State<AppState>, ApiJson(input): ApiJson<LlmProviderInput>) -> ApiResult<Json<LlmProviderView>> {
    Ok(Json(state.llm.save(&input).await?))
}

/// Forgets the saved settings; the flags / environment apply again.
#[utoipa::path(delete, path = "/api/v1/settings/llm", responses((status = 200, body = LlmProviderView)))]
async fn reset_llm_settings(State(state): State<AppState>) -> ApiResult<Json<LlmProviderView>> {
    Ok(Json(state.llm.reset().await?))
}

/// Sends one short request with these settings (saved or not) and reports what happened.
#[utoipa::path(post, path = "/api/v1/settings/llm/test", request_body = LlmProviderInput,
    responses((status = 200, body = LlmTestResult), (status = 400, body = ErrorBody)))]
async fn test_llm_settings(State(state): State<AppState>, ApiJson(input): ApiJson<LlmProviderInput>) -> ApiResult<Json<LlmTestResult>> {
    Ok(Json(state.llm.test(&input).await?))
}
