//! The one state handed to every route and server function.
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use super::{ask::AskService, auth::AuthService, datasources::DatasourceService, error::AppError, llm::provider::LlmProviders, store::Store};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub datasources: Arc<DatasourceService>,
    pub llm: Arc<LlmProviders>,
    pub ask: Arc<AskService>,
    pub auth: Arc<AuthService>,
    /// False when `/metrics` has its own port.
    pub metrics_on_app_port: bool,
}

/// The state inside a server function (leptos_axum provides it as context).
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))
}
