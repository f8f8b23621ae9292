//! Runs before every route: finds who is signed in (session cookie or bearer token), refuses
//! cross-site state-changing requests, answers 401 to anonymous API calls and sends anonymous
//! page views to the sign-in (or first-run set-up) page.
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

use super::{Principal, SESSION_COOKIE};
use crate::server::{error::AppError, http::ApiError, state::AppState};

/// Reachable without signing in. Server functions live under `/api/`, the HTTP API under
/// `/api/v1/`.
const PUBLIC_PATHS: &[&str] = &[
    "/api/v1/health",
    "/api/v1/live",
    "/api/v1/openapi.json",
    "/api/v1/auth/login",
    "/api/auth/session",
    "/api/auth/login",
    "/api/auth/setup",
    "/login",
    "/setup",
];

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

/// True for a request a browser sent from another site. Browsers mark every request with
/// `Sec-Fetch-Site`; older ones at least send `Origin` on cross-origin POSTs. Clients that
/// send neither (curl, scripts) carry no ambient cookies from a victim's browser.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    let foreign_origin = || match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("null");
            !origin_host.eq_ignore_ascii_case(host)
        }
        None => false,
    };
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // Set by the browser itself. Same-origin form posts may carry `Origin: null` (our
        // no-referrer policy), so the Origin cannot overrule it.
        Some("same-origin") => false,
        // A navigation the person started carries no foreign Origin; one that does is forged.
        Some("none") => foreign_origin(),
        Some(_) => true,
        None => foreign_origin(),
    }
}

/// Whether the browser reached us over HTTPS (directly or through a proxy that says so).
pub fn is_https(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let headers = request.headers();
    let token = bearer(headers).map(str::to_string);
    let session = cookie_value(headers, SESSION_COOKIE).map(str::to_string);
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // A bearer token is never sent by a browser on its own, so only cookie (or no-auth)
    // requests can be forged across sites.
    if changes_state && token.is_none() && is_cross_site(headers) {
        return api_error(AppError::NotAllowed("cross-site request refused"), StatusCode::FORBIDDEN);
    }
    // Scripts, styles and images are the same for everyone: no session lookup for each of them.
    let asset = !path.starts_with("/api/") && is_static_asset(&path);
    if asset {
        return next.run(request).await;
    }
    let public = PUBLIC_PATHS.contains(&path.as_str());
    let principal = match state.auth.principal(session.as_deref(), token.as_deref()).await {
        Ok(p) => p,
        // Health checks must still say that the store is down.
        Err(_) if public => None,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Some(principal) = principal {
        request.extensions_mut().insert(principal);
        return next.run(request).await;
    }
    if public {
        return next.run(request).await;
    }
    if path.starts_with("/api/") || path == "/metrics" {
        return ApiError::from(AppError::Unauthenticated).into_response();
    }
    let to = match state.auth.setup_needed().await {
        Ok(true) => "/setup",
        _ => "/login",
    };
    Redirect::to(to).into_response()
}

fn api_error(e: AppError, status: StatusCode) -> Response {
    let mut r = ApiError::from(e);
    r.status = status;
    r.into_response()
}

/// The principal the middleware attached to a request.
pub fn principal_of(extensions: &axum::http::Extensions) -> Result<Principal, AppError> {
    extensions.get::<Principal>().cloned().ok_or(AppError::Unauthenticated)
}

/// The address of the connected client (the proxy's, behind a reverse proxy), when the
/// server was started with connection info. Forwarded headers are not trusted: anyone can send them.
pub fn client_addr(extensions: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}
