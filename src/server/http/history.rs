//! A person's history of questions and SQL runs.
use axum::{
    extract::{Query, State},
    Json,
};
use serde::Deserialize;

use super::{authenticate::SignedIn, ApiResult};
use crate::{
    app::model::HistoryEntry,
    server::{ops, state::AppState},
};

#[derive(Deserialize, utoipa::IntoParams)]
pub(super) struct HistoryParams {
    /// Only runs whose question, SQL or datasource name contains this.
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: i64,
}

/// Your questions and SQL runs, newest first (200 per page).
#[utoipa::path(get, path = "/api/v1/history", params(HistoryParams), responses((status = 200, body = Vec<HistoryEntry>)))]
pub(super) async fn history(State(state): State<AppState>, SignedIn(me): SignedIn, Query(p): Query<HistoryParams>) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(ops::queries::history(&state, &me.user, &p.q, p.offset).await?))
}
