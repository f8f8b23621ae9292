//! Sign-in, accounts, API tokens, datasource sharing and the audit log.
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{AppendHeaders, IntoResponse},
    Json,
};
use serde::Deserialize;

use super::{
    authenticate::{client_addr, cookie_value, is_https, SignedIn},
    ApiJson, ApiResult, ErrorBody};
use crate::{
    app::model::{AuditEntry, AuditFilter, CreatedToken, DatasourceFunctions, DatasourceSharing, LoginInput, NewTokenInput, NewUserInput, PasswordChange, PasswordReset, RoleChange,
        SessionInfo, TokenView, UserView},
    server::{
        auth::SESSION_COOKIE,
        ops,
        state::AppState,
    },
};

/// Signs in and sets the session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS). API
/// clients usually prefer a personal token (`Authorization: Bearer …`).
#[utoipa::path(post, path = "/api/v1/auth/login", security(()), request_body = LoginInput,
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody, description = "wrong username or password"),
              (status = 429, body = ErrorBody)))]
pub(super) async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ApiJson(input): ApiJson<LoginInput>,
) -> ApiResult<impl IntoResponse> {
    let client = client_addr(&extensions);
    let (user, token) = ops::sessions::login(&state, &input, cookie_value(&headers, SESSION_COOKIE), client).await?;
    let cookie = state.auth.session_cookie(Some(&token), is_https(&headers));
    Ok((AppendHeaders([(header::SET_COOKIE, cookie)]), Json(user)))
}

/// Ends this session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", responses((status = 204)))]
pub(super) async fn logout(State(state): State<AppState>, headers: HeaderMap, SignedIn(me): SignedIn) -> ApiResult<impl IntoResponse> {
    ops::sessions::logout(&state, &me).await?;
    let cookie = state.auth.session_cookie(None, is_https(&headers));
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(header::SET_COOKIE, cookie)])))
}

#[utoipa::path(get, path = "/api/v1/auth/me", responses((status = 200, body = SessionInfo)))]
pub(super) async fn me(State(state): State<AppState>, SignedIn(me): SignedIn) -> Json<SessionInfo> {
    Json(ops::sessions::session(&state, Some(me.user)).await)
}

#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = Vec<UserView>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_users(State(state): State<AppState>, SignedIn(me): SignedIn) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(ops::accounts::list_users(&state, &me.user).await?))
}

#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserInput,
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn create_user(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    ApiJson(input): ApiJson<NewUserInput>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    Ok((StatusCode::CREATED, Json(ops::accounts::add_user(&state, &me.user, &input).await?)))
}

/// Deletes an account with its sessions, tokens and conversations.
#[utoipa::path(delete, path = "/api/v1/users/{id}", responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_user(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<StatusCode> {
    ops::accounts::remove_user(&state, &me.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives an account another role (not your own; never takes the admin role from the last admin).
#[utoipa::path(put, path = "/api/v1/users/{id}/role", request_body = RoleChange,
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn change_role(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<RoleChange>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(ops::accounts::change_role(&state, &me.user, &id, &change).await?))
}

/// Sets a new password on someone else's account and signs that account out everywhere.
#[utoipa::path(put, path = "/api/v1/users/{id}/password", request_body = PasswordReset,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn reset_password(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    ApiJson(reset): ApiJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    ops::accounts::reset_password(&state, &me.user, &id, &reset).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes your own password (the current one is required); your other sessions end.
#[utoipa::path(put, path = "/api/v1/auth/password", request_body = PasswordChange,
    responses((status = 204), (status = 400, body = ErrorBody, description = "the current password is wrong, or the new one too short"), (status = 429, body = ErrorBody)))]
pub(super) async fn change_password(State(state): State<AppState>, SignedIn(me): SignedIn, ApiJson(change): ApiJson<PasswordChange>) -> ApiResult<StatusCode> {
    ops::accounts::change_password(&state, &me, &change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your own API tokens (secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/tokens", responses((status = 200, body = Vec<TokenView>)))]
pub(super) async fn list_tokens(State(state): State<AppState>, SignedIn(me): SignedIn) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(ops::accounts::list_tokens(&state, &me.user).await?))
}

/// Creates a personal API token; the response carries its secret, once.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewTokenInput, responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody)))]
pub(super) async fn create_token(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    ApiJson(input): ApiJson<NewTokenInput>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    Ok((StatusCode::CREATED, Json(ops::accounts::create_token(&state.store, &me, &input).await?)))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn revoke_token(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<StatusCode> {
    ops::accounts::revoke_token(&state, &me.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The datasource's own functions queries may call beyond the built-in allow-list (admins).
#[utoipa::path(get, path = "/api/v1/datasources/{id}/functions", responses((status = 200, body = DatasourceFunctions), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn get_functions(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<Json<DatasourceFunctions>> {
    Ok(Json(ops::datasources::allowed_functions(&state, &me.user, &id).await?))
}

/// Replaces that list: `name` or `schema.name` entries, never a server's own functions.
#[utoipa::path(put, path = "/api/v1/datasources/{id}/functions", request_body = DatasourceFunctions,
    responses((status = 200, body = DatasourceFunctions), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn set_functions(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DatasourceFunctions>,
) -> ApiResult<Json<DatasourceFunctions>> {
    Ok(Json(ops::datasources::set_allowed_functions(&state, &me.user, &id, &input).await?))
}

/// Who may use a datasource besides admins.
#[utoipa::path(get, path = "/api/v1/datasources/{id}/sharing", responses((status = 200, body = DatasourceSharing), (status = 403, body = ErrorBody)))]
pub(super) async fn get_sharing(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<Json<DatasourceSharing>> {
    Ok(Json(ops::datasources::sharing(&state, &me.user, &id).await?))
}

#[utoipa::path(put, path = "/api/v1/datasources/{id}/sharing", request_body = DatasourceSharing,
    responses((status = 200, body = DatasourceSharing), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn set_sharing(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    ApiJson(sharing): ApiJson<DatasourceSharing>,
) -> ApiResult<Json<DatasourceSharing>> {
    Ok(Json(ops::datasources::set_sharing(&state, &me.user, &id, &sharing).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(super) struct AuditParams {
    /// At most 1000.
    #[serde(default = "default_limit")]
    limit: i64,
    #[serde(default)]
    offset: i64,
    /// Only this username.
    user: Option<String>,
    /// Only this action (`ask`, `sql`, `login_failed`, …).
    action: Option<String>,
    /// Only datasources whose name contains this (any case).
    datasource: Option<String>,
    /// From this time on (Unix milliseconds).
    since_ms: Option<i64>,
    /// Before this time (Unix milliseconds).
    until_ms: Option<i64>,
}

fn default_limit() -> i64 {
    100
}

/// Who asked what and which SQL ran where, newest first. Admins only.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams), responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ErrorBody)))]
pub(super) async fn audit(State(state): State<AppState>, SignedIn(me): SignedIn, Query(p): Query<AuditParams>) -> ApiResult<Json<Vec<AuditEntry>>> {
    let filter = AuditFilter { user: p.user, action: p.action, datasource: p.datasource, since_ms: p.since_ms, until_ms: p.until_ms };
    Ok(Json(ops::accounts::audit_log(&state, &me.user, &filter, p.limit, p.offset).await?))
}

/// The whole audit log as CSV. Admins only.
#[utoipa::path(get, path = "/api/v1/audit/export", responses((status = 200, content_type = "text/csv"), (status = 403, body = ErrorBody)))]
pub(super) async fn audit_export(State(state): State<AppState>, SignedIn(me): SignedIn) -> ApiResult<impl IntoResponse> {
    let csv = ops::accounts::audit_csv(&state, &me.user).await?;
    Ok((
        AppendHeaders([
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"databaseai-audit.csv\"".to_string()),
        ]),
        csv,
    ))
}
