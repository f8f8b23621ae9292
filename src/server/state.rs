//! The one state handed to every route and server function.
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use super::{
    ask::AskService,
    auth::{principal_of, AuthService, Principal},
    datasources::DatasourceService,
    error::AppError,
    llm::provider::LlmProviders,
    ratelimit::RequestLimits,
    store::Store,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub datasources: Arc<DatasourceService>,
    pub llm: Arc<LlmProviders>,
    pub ask: Arc<AskService>,
    pub auth: Arc<AuthService>,
    pub limits: Arc<RequestLimits>,
    /// False when `/metrics` has its own port.
    pub metrics_on_app_port: bool,
    /// `Host` names `/mcp` answers to besides loopback (`--mcp-hosts`).
    pub mcp_hosts: Arc<[String]>,
}

/// The state inside a server function (leptos_axum provides it as context).
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))
}

/// The app state and the signed-in user, inside a server function. The middleware already
/// refused anonymous calls; this is the per-function check.
pub fn signed_in() -> Result<(AppState, Principal), AppError> {
    let state = app_state()?;
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>().ok_or(AppError::Unauthenticated)?;
    Ok((state, principal_of(&parts.extensions)?))
}
