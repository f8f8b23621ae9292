//! Server functions for signing in and out, accounts, tokens, sharing and the audit log.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::Outcome;
#[cfg(feature = "ssr")]
use super::Failure;
use crate::app::model::{
    AuditEntry, AuditFilter, CreatedToken, DatasourceFunctions, DatasourceSharing, LoginInput, NewTokenInput, NewUserInput, PasswordChange, PasswordReset, RoleChange,
    SessionInfo, TokenView, UserView,
};
#[cfg(feature = "ssr")]
use crate::server::ops;

/// The request's headers and the app state, for the sign-in functions (which run before
/// anyone is signed in).
#[cfg(feature = "ssr")]
fn request() -> Result<(crate::server::state::AppState, axum::http::request::Parts), ServerFnError> {
    let state = crate::server::state::app_state().map_err(|e| ServerFnError::new(e.public_message()))?;
    let parts = use_context::<axum::http::request::Parts>().ok_or_else(|| ServerFnError::new("request missing from context"))?;
    Ok((state, parts))
}

#[cfg(feature = "ssr")]
fn set_session_cookie(state: &crate::server::state::AppState, parts: &axum::http::request::Parts, token: Option<&str>) {
    use crate::server::http::authenticate::is_https;
    let cookie = state.auth.session_cookie(token, is_https(&parts.headers));
    if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), axum::http::HeaderValue::from_str(&cookie)) {
        response.append_header(axum::http::header::SET_COOKIE, value);
    }
}

/// Who is signed in (None when no one), and whether the first admin must still be created.
#[server(input = Json, endpoint = "auth/session")]
pub async fn current_session() -> Result<SessionInfo, ServerFnError> {
    let (state, parts) = request()?;
    let user = crate::server::auth::principal_of(&parts.extensions).ok().map(|p| p.user);
    Ok(ops::sessions::session(&state, user).await)
}

#[server(input = Json, endpoint = "auth/login")]
pub async fn login(input: LoginInput) -> Result<Outcome<UserView>, ServerFnError> {
    use crate::server::{auth::SESSION_COOKIE, http::authenticate::{client_addr, cookie_value}};
    let (state, parts) = request()?;
    match ops::sessions::login(&state, &input, cookie_value(&parts.headers, SESSION_COOKIE), client_addr(&parts.extensions)).await {
        Ok((user, token)) => {
            set_session_cookie(&state, &parts, Some(&token));
            Ok(Ok(user))
        }
        Err(e) => Ok(Err(Failure::from(e))),
    }
}

/// First run: creates the admin account and signs it in.
#[server(input = Json, endpoint = "auth/setup")]
pub async fn setup_admin(input: LoginInput) -> Result<Outcome<UserView>, ServerFnError> {
    use crate::server::{auth::SESSION_COOKIE, http::authenticate::cookie_value};
    let (state, parts) = request()?;
    match ops::sessions::setup_admin(&state, &input, cookie_value(&parts.headers, SESSION_COOKIE)).await {
        Ok((user, token)) => {
            set_session_cookie(&state, &parts, Some(&token));
            Ok(Ok(user))
        }
        Err(e) => Ok(Err(Failure::from(e))),
    }
}

#[server(input = Json, endpoint = "auth/logout")]
pub async fn logout() -> Result<Outcome<()>, ServerFnError> {
    let (state, parts) = request()?;
    let principal = match crate::server::auth::principal_of(&parts.extensions) {
        Ok(p) => p,
        Err(e) => return Ok(Err(Failure::from(e))),
    };
    if let Err(e) = ops::sessions::logout(&state, &principal).await {
        return Ok(Err(Failure::from(e)));
    }
    set_session_cookie(&state, &parts, None);
    Ok(Ok(()))
}

#[server(input = Json, endpoint = "users/list")]
pub async fn list_users() -> Result<Outcome<Vec<UserView>>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::accounts::list_users(&state, &me).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "users/create")]
pub async fn create_user(input: NewUserInput) -> Result<Outcome<UserView>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::accounts::add_user(&state, &me, &input).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "users/delete")]
pub async fn delete_user(id: String) -> Result<Outcome<()>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::accounts::remove_user(&state, &me, &id).await.map_err(Failure::from))
}

/// Gives an account another role (admins; not their own).
#[server(input = Json, endpoint = "users/role")]
pub async fn change_role(id: String, change: RoleChange) -> Result<Outcome<UserView>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::accounts::change_role(&state, &me, &id, &change).await.map_err(Failure::from))
}

/// Sets a new password on someone else's account (admins).
#[server(input = Json, endpoint = "users/password")]
pub async fn reset_password(id: String, reset: PasswordReset) -> Result<Outcome<()>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::accounts::reset_password(&state, &me, &id, &reset).await.map_err(Failure::from))
}

/// Changes the signed-in user's own password; their other sessions end.
#[server(input = Json, endpoint = "auth/password")]
pub async fn change_password(change: PasswordChange) -> Result<Outcome<()>, ServerFnError> {
    let (state, principal) = match crate::server::state::signed_in() {
        Ok(signed_in) => signed_in,
        Err(e) => return Ok(Err(Failure::from(e))),
    };
    Ok(ops::accounts::change_password(&state, &principal, &change).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<Outcome<Vec<TokenView>>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::accounts::list_tokens(&state, &me).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "tokens/create")]
pub async fn create_token(input: NewTokenInput) -> Result<Outcome<CreatedToken>, ServerFnError> {
    let (state, me) = match crate::server::state::signed_in() {
        Ok(signed_in) => signed_in,
        Err(e) => return Ok(Err(Failure::from(e))),
    };
    Ok(ops::accounts::create_token(&state.store, &me, &input).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "tokens/revoke")]
pub async fn revoke_token(id: String) -> Result<Outcome<()>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::accounts::revoke_token(&state, &me, &id).await.map_err(Failure::from))
}

/// Replaces the datasource's own functions queries may call (admins).
#[server(input = Json, endpoint = "datasources/functions/set")]
pub async fn set_functions(id: String, functions: DatasourceFunctions) -> Result<Outcome<DatasourceFunctions>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::datasources::set_allowed_functions(&state, &me, &id, &functions).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "datasources/sharing/get")]
pub async fn get_sharing(id: String) -> Result<Outcome<DatasourceSharing>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::datasources::sharing(&state, &me, &id).await.map_err(Failure::from))
}

#[server(input = Json, endpoint = "datasources/sharing/set")]
pub async fn set_sharing(id: String, sharing: DatasourceSharing) -> Result<Outcome<DatasourceSharing>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::datasources::set_sharing(&state, &me, &id, &sharing).await.map_err(Failure::from))
}

/// One page of the audit log, newest first, of the lines `filter` selects.
#[server(input = Json, endpoint = "audit/list")]
pub async fn audit_log(filter: AuditFilter, offset: i64) -> Result<Outcome<Vec<AuditEntry>>, ServerFnError> {
    let (state, me) = signed_in!();
    Ok(ops::accounts::audit_log(&state, &me, &filter, 200, offset).await.map_err(Failure::from))
}
