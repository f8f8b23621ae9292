//! Forms a browser posts by itself, before the page's WebAssembly has loaded (or without it):
//! the same use cases as the server functions, answered with a redirect to a page.
use axum::{
    extract::{Path, State},
    http::{header, HeaderMap},
    response::{AppendHeaders, IntoResponse, Redirect, Response},
    Form,
};
use serde::Deserialize;

use super::authenticate::{client_addr, cookie_value, is_https, SignedIn};
use crate::{
    app::{
        model::{AskRequest, LoginInput},
        session::{login_path, return_path},
    },
    server::{auth::SESSION_COOKIE, ops, state::AppState},
};

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    /// The page to go back to (only a path on this site is followed).
    #[serde(default)]
    next: Option<String>,
}

/// Signs in and goes on to `next`; a failure goes back to the sign-in page, which reads the
/// error's code from `failed` and says what went wrong.
pub async fn sign_in(State(state): State<AppState>, headers: HeaderMap, extensions: axum::http::Extensions, Form(form): Form<SignInForm>) -> Response {
    // A Location header carries visible ASCII only; anything else goes to the start page.
    let destination = Some(return_path(form.next.as_deref())).filter(|p| p.bytes().all(|b| b.is_ascii_graphic())).unwrap_or_else(|| "/".into());
    let input = LoginInput { username: form.username, password: form.password };
    match ops::sessions::login(&state, &input, cookie_value(&headers, SESSION_COOKIE), client_addr(&extensions)).await {
        Ok((_, token)) => {
            let cookie = state.auth.session_cookie(Some(&token), is_https(&headers));
            (AppendHeaders([(header::SET_COOKIE, cookie)]), Redirect::to(&destination)).into_response()
        }
        Err(e) => {
            let page = login_path(&destination);
            let separator = if page.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{page}{separator}failed={}", e.code())).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct AskForm {
    question: String,
    /// The conversation the question follows up (empty for a new one).
    #[serde(default)]
    conversation: Option<String>,
}

/// Asks (the whole pipeline, without live progress) and goes to the conversation's page,
/// which the server renders with the new answer; a failure goes back with its error code.
pub async fn ask(State(state): State<AppState>, SignedIn(me): SignedIn, Path(id): Path<String>, Form(form): Form<AskForm>) -> Response {
    let page = format!("/datasources/{}", percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC));
    let request = AskRequest { question: form.question, conversation_id: form.conversation.filter(|c| !c.is_empty()), pinned_tables: Vec::new(), ask_id: None };
    match ops::asks::ask(&state, &me.user, &id, &request).await {
        Ok(answer) => Redirect::to(&format!("{page}?c={}", answer.conversation_id)).into_response(),
        Err(e) => {
            let conversation = request.conversation_id.filter(|c| is_plain_id(c)).map(|c| format!("c={c}&")).unwrap_or_default();
            Redirect::to(&format!("{page}?{conversation}failed={}", e.code())).into_response()
        }
    }
}

/// Ids this app makes (UUIDs): safe to put back into an address as they are.
fn is_plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}
