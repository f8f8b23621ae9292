//! The public HTTP API under `/api/v1`: thin handlers over the services, documented with utoipa.
//! Every route except health, liveness, the OpenAPI document and sign-in needs a session
//! cookie or a personal token (`Authorization: Bearer …`).
use axum::{
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    response::IntoResponse,
    routing::{get, post, put},
    Json, Router,
};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use crate::{
    app::model::{
        AskAttempt, AskRequest, AskResponse, AuditEntry, ChooseReading, Confidence, ExportFormat, ExportRequest, HistoryEntry, VerifiedAnswer, VerifiedInput, ConnectionTest, ConversationSummary, ConversationTurn, CreatedToken, DatasourceInput, DatasourceFunctions, FieldError, SqlSpan,
        DatasourceSharing, DatasourceSummary, LlmProviderInput, LlmProviderView, LlmTestResult, LoginInput, NewTokenInput, NewUserInput, PasswordChange, PasswordReset, RoleChange,
        QueryResult, Reading, Role, SchemaInfo, SessionInfo, SqlRequest, TokenView, UserView,
    },
    server::state::AppState,
};

mod accounts;
pub mod authenticate;
mod error;
pub mod forms;
mod history;
pub mod scrape;
mod token_scope;
mod verified;
mod workspace;
pub use error::{json_errors, ApiError, ApiJson};
use {accounts::*, history::*, verified::*, workspace::*};

/// Largest JSON body the API accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

type ApiResult<T> = Result<T, ApiError>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/live", get(live))
        .route("/openapi.json", get(openapi))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", axum::routing::delete(delete_user))
        .route("/users/{id}/role", put(change_role))
        .route("/users/{id}/password", put(reset_password))
        .route("/auth/password", put(change_password))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/audit", get(audit))
        .route("/audit/export", get(audit_export))
        .route("/history", get(history))
        .route("/datasources/{id}/verified", get(list_verified).post(create_verified))
        .route("/datasources/{id}/verified/export", get(export_verified))
        .route("/datasources/{id}/verified/import", post(import_verified))
        .route("/verified/{id}", axum::routing::put(update_verified).delete(delete_verified))
        .route("/verified/{id}/approve", post(approve_verified))
        .route("/datasources", get(list_datasources).post(create_datasource))
        .route("/datasources/{id}", get(get_datasource).put(update_datasource).delete(delete_datasource))
        .route("/datasources/{id}/sharing", get(get_sharing).put(set_sharing))
        .route("/datasources/{id}/functions", get(get_functions).put(set_functions))
        .route("/datasources/test", post(test_datasource_settings))
        .route("/datasources/{id}/test", post(test_datasource))
        .route("/datasources/{id}/schema", get(get_schema))
        .route("/datasources/{id}/sql", post(run_sql))
        .route("/datasources/{id}/export", post(export))
        .route("/datasources/{id}/ask", post(ask))
        .route("/datasources/{id}/ask/stream", post(ask_stream))
        .route("/datasources/{id}/conversations", get(list_conversations))
        .route("/conversations/{id}", get(get_conversation))
        .route("/conversations/{id}/turns/{turn_id}/choose", post(choose_reading))
        .route("/queries/{query_id}/cancel", post(cancel_query))
        .route("/settings/llm", get(get_llm_settings).put(save_llm_settings).delete(reset_llm_settings))
        .route("/settings/llm/test", post(test_llm_settings))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Declares the bearer-token scheme and applies it to every operation.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "DatabaseAI API", description = "Ask questions of your SQL databases; run read-only SQL with hard limits. \
Authenticate with a personal token (`Authorization: Bearer dbai_…`) or a session cookie from /api/v1/auth/login."),
    modifiers(&BearerAuth),
    paths(health, live, login, logout, me, list_users, create_user, delete_user, change_role, reset_password, change_password, list_tokens, create_token, revoke_token, audit, audit_export,
          list_datasources, create_datasource, get_datasource, update_datasource, delete_datasource, test_datasource_settings, get_sharing, set_sharing, get_functions, set_functions,
          test_datasource, get_schema, run_sql, export, ask, ask_stream, list_conversations, get_conversation, choose_reading, cancel_query,
          get_llm_settings, save_llm_settings, reset_llm_settings, test_llm_settings,
          history, list_verified, create_verified, update_verified, approve_verified, delete_verified, export_verified, import_verified),
    components(schemas(DatasourceInput, DatasourceSummary, ConnectionTest, SchemaInfo, SqlRequest, QueryResult, AskRequest, AskResponse,
                       AskAttempt, Confidence, Reading, ChooseReading, ConversationSummary, ConversationTurn, LlmProviderView, LlmProviderInput, LlmTestResult, ErrorBody, ErrorDetail, Health, Cancelled,
                       LoginInput, UserView, Role, RoleChange, PasswordReset, PasswordChange, ExportRequest, ExportFormat, SessionInfo, NewUserInput, TokenView, CreatedToken, NewTokenInput, DatasourceSharing, DatasourceFunctions, AuditEntry,
                       HistoryEntry, VerifiedAnswer, VerifiedInput, Imported, FieldError, SqlSpan, SettingsTest))
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
    /// Invalid form fields, every one of them (only on `invalid_input` for a form).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// Where SQL that could not be parsed stops making sense (only on `sql_rejected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<SqlSpan>,
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
#[utoipa::path(get, path = "/api/v1/live", security(()), responses((status = 200, body = Health)))]
async fn live() -> Json<Health> {
    Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").to_string(), store: "not checked".into() })
}

/// Readiness: the app store answers. 503 when it cannot be reached.
#[utoipa::path(get, path = "/api/v1/health", security(()), responses((status = 200, body = Health), (status = 503, body = Health)))]
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

