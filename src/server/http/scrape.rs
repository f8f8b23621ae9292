//! `/metrics` for Prometheus: admins on the app port, anyone on the separate metrics port.
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};

use super::{authenticate::SignedIn, ApiError};
use crate::server::{error::AppError, state::AppState};

/// `/metrics` on the app port: for admins (a personal token works for a Prometheus scrape
/// with `authorization`), since the figures describe everyone's use. The separate
/// `--metrics-port` is meant for an internal network and serves `render` without sign-in.
pub async fn render_for_admins(state: State<AppState>, SignedIn(me): SignedIn) -> Response {
    if !me.user.is_admin() {
        return ApiError::from(AppError::Denied("only admins may read the metrics")).into_response();
    }
    render(state).await.into_response()
}

/// The figures, with pool usage sampled now.
pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    metrics::gauge!("datasource_pools_open").set(state.datasources.pools().len() as f64);
    let (size, idle) = state.store.pool_usage();
    metrics::gauge!("app_store_connections", "state" => "open").set(size as f64);
    metrics::gauge!("app_store_connections", "state" => "idle").set(idle as f64);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], crate::server::metrics::handle().render())
}

