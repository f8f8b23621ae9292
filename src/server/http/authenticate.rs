//! Runs before every route: finds who is signed in (session cookie or bearer token), refuses
//! cross-site state-changing requests, answers 401 to anonymous API calls and sends anonymous
//! page views to the sign-in (or first-run set-up) page. Everything but static assets is sent
//! with `Cache-Control: no-store`, so Back after signing out cannot show a signed-in page from
//! the browser's cache; content-hashed bundle files are cached for a year.
use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

use super::ApiError;
use crate::{
    app::session::login_path,
    server::{
        auth::{principal_of, AuthService, Principal, SESSION_COOKIE},
        error::AppError,
    },
};

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
    crate::app::session::SIGN_IN_PATH,
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

/// Whether a bundle file's name carries its content's hash (cargo-leptos's
/// `databaseai.<22 characters of base64url md5>.wasm`), so its content never changes.
fn is_content_hashed(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/") else { return false };
    // A part between the first (the name) and the last (the extension).
    let middle = name.split('.').count().saturating_sub(2);
    name.split('.')
        .skip(1)
        .take(middle)
        .any(|p| p.len() == 22 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// How long a browser or proxy may keep a response. Pages, server functions and API answers
/// carry a user's data (and the sign-in page a fresh form): never. A content-hashed bundle
/// file: a year, without asking again (a new build has new names). Any other file (the
/// icon, a bundle built without hashes): kept, but checked with the server before each use.
fn cache_policy(path: &str, asset: bool, status: StatusCode) -> &'static str {
    match asset {
        false => "no-store",
        true if status.is_success() && is_content_hashed(path) => "public, max-age=31536000, immutable",
        true => "no-cache",
    }
}

pub async fn authenticate(State(auth): State<Arc<AuthService>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let asset = !path.starts_with("/api/") && is_static_asset(&path);
    let mut response = admit(&auth, asset, request, next).await;
    let policy = cache_policy(&path, asset, response.status());
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

async fn admit(auth: &AuthService, asset: bool, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let headers = request.headers();
    let token = bearer(headers).map(str::to_string);
    let session = cookie_value(headers, SESSION_COOKIE).map(str::to_string);
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // A bearer token is never sent by a browser on its own, so only cookie (or no-auth)
    // requests can be forged across sites.
    if changes_state && token.is_none() && is_cross_site(headers) {
        return api_error(AppError::Denied("cross-site request refused"), StatusCode::FORBIDDEN);
    }
    // Scripts, styles and images are the same for everyone: no session lookup for each of them.
    if asset {
        return next.run(request).await;
    }
    let public = PUBLIC_PATHS.contains(&path.as_str());
    let principal = match auth.principal(session.as_deref(), token.as_deref()).await {
        Ok(p) => p,
        // Health checks must still say that the store is down.
        Err(_) if public => None,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Some(principal) = principal {
        if let Err(e) = super::token_scope::check(&principal, request.method(), &path) {
            return ApiError::from(e).into_response();
        }
        request.extensions_mut().insert(principal);
        return next.run(request).await;
    }
    if public {
        return next.run(request).await;
    }
    if path.starts_with("/api/") || path == "/metrics" {
        return ApiError::from(AppError::Unauthenticated).into_response();
    }
    if path == "/mcp" || path.starts_with("/mcp/") {
        // MCP clients are told to send a personal token.
        let mut response = ApiError::from(AppError::Unauthenticated).into_response();
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"databaseai\""));
        return response;
    }
    let to = match auth.setup_needed().await {
        Ok(true) => "/setup".to_string(),
        // Sign-in leads back to this page.
        _ => login_path(request.uri().path_and_query().map_or("/", |p| p.as_str())),
    };
    Redirect::to(&to).into_response()
}

fn api_error(e: AppError, status: StatusCode) -> Response {
    let mut r = ApiError::from(e);
    r.status = status;
    r.into_response()
}

/// The address of the connected client (the proxy's, behind a reverse proxy), when the
/// server was started with connection info. Forwarded headers are not trusted: anyone can send them.
pub fn client_addr(extensions: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}

/// The API's view of the signed-in principal: handlers take `SignedIn` and get 401 without one.
pub struct SignedIn(pub Principal);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(SignedIn(principal_of(&parts.extensions)?))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])), "a sibling subdomain is another app");
        assert!(!is_cross_site(&headers(&[("origin", "http://app.example:8088"), ("host", "app.example:8088")])));
        assert!(is_cross_site(&headers(&[("origin", "https://evil.example"), ("host", "app.example:8088")])));
        assert!(is_cross_site(&headers(&[("origin", "null"), ("host", "app.example")])));
        assert!(!is_cross_site(&headers(&[])), "curl sends neither header and carries no browser cookies");
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "none"), ("origin", "https://evil.example"), ("host", "app.example")])), "none with a foreign Origin is forged");
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin"), ("origin", "null"), ("host", "app.example")])), "same-origin form posts under no-referrer");
    }

    #[test]
    fn only_content_hashed_bundle_files_are_kept_for_a_year() {
        let ok = StatusCode::OK;
        let year = "public, max-age=31536000, immutable";
        assert_eq!(cache_policy("/pkg/databaseai.Xk3p9_Qz-LmN0aBcDeFgHi.wasm", true, ok), year);
        assert_eq!(cache_policy("/pkg/databaseai.Xk3p9_Qz-LmN0aBcDeFgHi.wasm.br", true, ok), year);
        assert_eq!(cache_policy("/pkg/databaseai.wasm", true, ok), "no-cache", "unhashed names change content in place");
        assert_eq!(cache_policy("/favicon.svg", true, ok), "no-cache");
        assert_eq!(cache_policy("/pkg/databaseai.Xk3p9_Qz-LmN0aBcDeFgHi.wasm", true, StatusCode::NOT_FOUND), "no-cache", "a miss may be found later");
        assert_eq!(cache_policy("/pkg/databaseai.Xk3p9_Qz-LmN0aBcDeFgHi.wasm", false, ok), "no-store");
        assert_eq!(cache_policy("/datasources/1", false, ok), "no-store");
        assert!(!is_content_hashed("/other/databaseai.Xk3p9_Qz-LmN0aBcDeFgHi.wasm"), "only the bundle directory");
        assert!(!is_content_hashed("/pkg/databaseai.short.wasm"));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let h = headers(&[("cookie", "a=1; databaseai_session=tok; b=2")]);
        assert_eq!(cookie_value(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie_value(&headers(&[("cookie", "databaseai_session=")]), SESSION_COOKIE), None);
    }
}
