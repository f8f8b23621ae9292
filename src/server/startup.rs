//! Builds the app from settings and serves it. Used by `main` and by the integration tests,
//! which start the real app on port 0.
use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;

use axum::{
    http::{header, HeaderValue},
    routing::get,
    Router,
};
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer, trace::TraceLayer,
};

use super::{
    ask::{AskService, AskSettings},
    auth::{AuthService, AuthSettings},
    csp,
    config::Settings,
    error::StartupResult,
    netpolicy,
    llm::{
        provider::{LlmProviders, LlmUrlPolicy},
        LlmSettings,
    },
    crypto::SecretBox,
    datasources::{DatasourcePolicy, DatasourceService},
    exec::pool::IDLE_POOL_TTL,
    demo,
    http::{self, authenticate::authenticate},
    metrics,
    ratelimit::RequestLimits,
    state::AppState,
    store::Store,
};
use crate::app::{shell, App};

/// Connection tests (datasources, model) per user and minute: each may wait seconds on a server.
const TEST_CONNECTIONS_PER_MINUTE: u32 = 20;

/// Leptos options from cargo-leptos's `LEPTOS_*` variables when present, else defaults that
/// fit a release tarball (`site/` beside the binary) or a source checkout (`target/site`).
/// The bundle's file names carry content hashes when cargo-leptos left `hash.txt` beside the
/// binary (leptos reads it from there); a binary copied without it links the plain names.
pub fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let binary_dir = std::env::current_exe().ok().and_then(|p| p.parent().map(Path::to_path_buf));
    let site_root = env("LEPTOS_SITE_ROOT").unwrap_or_else(|| match binary_dir.as_ref().map(|d| d.join("site")) {
        Some(dir) if dir.is_dir() => dir.display().to_string(),
        _ => "target/site".to_string(),
    });
    let hashed = binary_dir.is_some_and(|d| d.join(HASH_FILE).is_file());
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "databaseai".into()))
        .site_root(site_root)
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()))
        .site_addr(addr)
        .hash_files(hashed)
        .hash_file(Arc::from(HASH_FILE))
        .build()
}

/// cargo-leptos's list of the bundle's content hashes, written beside the server binary.
const HASH_FILE: &str = "hash.txt";

/// Everything the server needs, built and migrated, not yet listening.
pub async fn build_state(settings: &Settings, leptos_options: LeptosOptions) -> StartupResult<AppState> {
    std::fs::create_dir_all(&settings.data_dir)?;
    std::fs::create_dir_all(settings.data_dir.join("sqlite"))?;
    if settings.no_auth && !settings.bind.is_loopback() {
        return Err(format!("--no-auth is only allowed on a loopback address, not {}: anyone who reaches the port would be an admin", settings.bind).into());
    }
    let store = Store::connect(&settings.store_url()).await?;
    let secrets = SecretBox::load(settings.secret_key.as_ref(), &settings.data_dir)?;
    let named = |hosts: &[String]| -> Vec<String> { hosts.iter().filter(|h| !h.trim().is_empty()).cloned().collect() };
    let policy = DatasourcePolicy {
        data_dir: settings.data_dir.clone(),
        allowed_hosts: named(&settings.allowed_hosts),
        max_rows: settings.max_rows.max(1),
        statement_timeout: Duration::from_millis(settings.statement_timeout_ms.max(100)),
        export_timeout: Duration::from_millis(settings.export_timeout_ms.max(1_000)),
    };
    let datasources = Arc::new(DatasourceService::new(store.clone(), secrets.clone(), policy));
    if !settings.no_demo {
        demo::ensure_demo(&store, &datasources).await?;
    }
    let url_policy = LlmUrlPolicy {
        allowed_hosts: named(&settings.allowed_hosts),
        http_hosts: named(&settings.llm_http_hosts),
    };
    let llm = match &settings.llm_base_url {
        Some(url) if !url.trim().is_empty() => {
            let base_url = netpolicy::check_base_url(url, &url_policy.allowed_hosts, &url_policy.http_hosts)
                .await
                .map_err(|e| format!("DATABASEAI_LLM_BASE_URL: {}", e.public_message()))?;
            Some(LlmSettings {
                base_url,
                model: settings.llm_model.clone(),
                api_key: settings.llm_api_key.clone(),
                temperature: settings.llm_temperature,
                max_tokens: settings.llm_max_tokens,
                timeout: Duration::from_millis(settings.llm_timeout_ms.max(1_000)),
            })
        }
        _ => None,
    };
    let llm = Arc::new(LlmProviders::load(store.clone(), secrets, url_policy, llm).await?);
    let ask = Arc::new(AskService::new(
        datasources.clone(),
        store.clone(),
        llm.clone(),
        AskSettings {
            max_attempts: settings.ask_max_attempts,
            candidates: settings.ask_candidates,
            sample_values: settings.llm_sample_values,
            answer_format: settings.llm_answer_format,
        },
    ));
    let auth = Arc::new(auth_service(settings, store.clone()).await?);
    let limits = Arc::new(RequestLimits::new(settings.ask_per_minute, TEST_CONNECTIONS_PER_MINUTE));
    let mcp_hosts = settings.mcp_hosts.iter().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect();
    Ok(AppState { leptos_options, store, datasources, llm, ask, auth, limits, metrics_on_app_port: settings.metrics_port.is_none(), mcp_hosts })
}

async fn auth_service(settings: &Settings, store: Store) -> StartupResult<AuthService> {
    use secrecy::ExposeSecret;
    let admin = match (&settings.admin_user, &settings.admin_password) {
        (Some(user), Some(password)) if !user.trim().is_empty() => Some((user.trim().to_string(), password.expose_secret().to_string())),
        (Some(_), None) => return Err("DATABASEAI_ADMIN_USER needs DATABASEAI_ADMIN_PASSWORD".into()),
        _ => None,
    };
    let auth_settings = AuthSettings {
        no_auth: settings.no_auth,
        idle_timeout: Duration::from_secs(settings.session_idle_minutes.max(1) * 60),
        secure_cookies: settings.secure_cookies,
        login_per_minute: settings.login_per_minute,
    };
    AuthService::new(store, auth_settings, admin).await.map_err(|e| format!("accounts: {}", e.public_message()).into())
}

/// The app's routes. `mcp_stop` ends open MCP streams, so a graceful shutdown is not held
/// open by an idle client.
pub fn router(state: AppState, mcp_stop: CancellationToken) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    metrics::handle();
    let mut app = Router::new();
    if state.metrics_on_app_port {
        app = app.route("/metrics", get(http::scrape::render_for_admins));
    }
    let mcp = crate::server::mcp::http_service(state.clone(), &state.mcp_hosts, mcp_stop);
    app.nest("/api/v1", http::router())
        .nest_service("/mcp", mcp)
        .route(crate::app::session::SIGN_IN_PATH, axum::routing::post(http::forms::sign_in))
        .route("/datasources/{id}/ask", axum::routing::post(http::forms::ask))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(2 * http::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(http::json_errors))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(120)))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp::CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(axum::middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(axum::middleware::from_fn(metrics::track_http))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
        .with_state(state)
}

/// `/metrics` alone, for its own port.
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(http::scrape::render)).with_state(state)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let janitor = {
        let datasources = state.datasources.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let closed = datasources.pools().evict_idle(IDLE_POOL_TTL).await;
                if closed > 0 {
                    tracing::info!(closed, "closed idle datasource pools");
                }
            }
        })
    };
    let store = state.store.clone();
    // The peer address keys sign-in limits by client (see `http::authenticate::client_addr`).
    let mcp_stop = CancellationToken::new();
    let app = router(state, mcp_stop.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let shutdown = async move {
        shutdown.await;
        mcp_stop.cancel();
    };
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    janitor.abort();
    store.close().await;
    result
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
