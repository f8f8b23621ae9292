//! Content-Security-Policy: every response gets a strict one; pages get one with the nonce
//! leptos puts on its own scripts (set while the page renders).
use axum::http::{header, HeaderValue};

/// Content-Security-Policy for everything but pages: no inline script at all. Pages get
/// `page_csp` with the nonce leptos puts on its hydration and resource scripts.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/// A page's policy: only scripts from this origin or carrying this response's nonce run.
pub fn page_csp(nonce: &str) -> String {
    CSP.replacen("script-src 'self'", &format!("script-src 'self' 'nonce-{nonce}'"), 1)
}

/// Called while a page renders on the server: sends its nonce-based policy.
pub fn set_page_csp() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else { return };
    if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

