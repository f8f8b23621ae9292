//! Verified answers.
use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{AppendHeaders, IntoResponse},
    Json,
};

use super::{authenticate::SignedIn, ApiJson, ApiResult, ErrorBody};
use crate::{
    app::model::{VerifiedAnswer, VerifiedInput},
    server::{ops, state::AppState},
};

/// Verified answers you may see on a datasource: yours and the shared ones.
#[utoipa::path(get, path = "/api/v1/datasources/{id}/verified", responses((status = 200, body = Vec<VerifiedAnswer>), (status = 404, body = ErrorBody)))]
pub(super) async fn list_verified(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<Json<Vec<VerifiedAnswer>>> {
    Ok(Json(ops::verified::list(&state, &me.user, &id).await?))
}

/// Marks a question → SQL pair correct (the SQL must be one read-only query).
#[utoipa::path(post, path = "/api/v1/datasources/{id}/verified", request_body = VerifiedInput,
    responses((status = 201, body = VerifiedAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn create_verified(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<VerifiedInput>,
) -> ApiResult<(StatusCode, Json<VerifiedAnswer>)> {
    Ok((StatusCode::CREATED, Json(ops::verified::create(&state, &me.user, &id, &input).await?)))
}

#[utoipa::path(put, path = "/api/v1/verified/{id}", request_body = VerifiedInput,
    responses((status = 200, body = VerifiedAnswer), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn update_verified(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<VerifiedInput>,
) -> ApiResult<Json<VerifiedAnswer>> {
    Ok(Json(ops::verified::update(&state, &me.user, &id, &input).await?))
}

/// An admin approves someone's shared verified answer: only approved shared answers go into
/// other people's prompts as examples.
#[utoipa::path(post, path = "/api/v1/verified/{id}/approve",
    responses((status = 200, body = VerifiedAnswer), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn approve_verified(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<Json<VerifiedAnswer>> {
    Ok(Json(ops::verified::approve(&state, &me.user, &id).await?))
}

#[utoipa::path(delete, path = "/api/v1/verified/{id}", responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_verified(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<StatusCode> {
    ops::verified::delete(&state, &me.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The verified answers you may see, as CSV (question, sql, shared).
#[utoipa::path(get, path = "/api/v1/datasources/{id}/verified/export", responses((status = 200, content_type = "text/csv"), (status = 404, body = ErrorBody)))]
pub(super) async fn export_verified(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>) -> ApiResult<impl IntoResponse> {
    let csv = ops::verified::export_csv(&state, &me.user, &id).await?;
    Ok((
        AppendHeaders([
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"verified-answers.csv\"".to_string()),
        ]),
        csv,
    ))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(super) struct Imported {
    imported: usize,
}

/// Adds the pairs of a CSV body (header question,sql[,shared]); all or nothing.
#[utoipa::path(post, path = "/api/v1/datasources/{id}/verified/import", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Imported), (status = 400, body = ErrorBody)))]
pub(super) async fn import_verified(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>, body: String) -> ApiResult<Json<Imported>> {
    Ok(Json(Imported { imported: ops::verified::import_csv(&state, &me.user, &id, &body).await? }))
}
