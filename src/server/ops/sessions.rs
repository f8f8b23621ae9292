//! Signing in and out. `auth` checks the credentials and keeps the sessions; these are the
//! operations the front doors call, like every other.
use std::net::IpAddr;

use crate::{
    app::model::{LoginInput, SessionInfo, UserView},
    server::{auth::Principal, error::AppResult, state::AppState},
};

/// Signs in; returns the user and the new session's secret (for the cookie). The caller's old
/// session, if any, ends.
pub async fn login(state: &AppState, input: &LoginInput, old_session: Option<&str>, client: Option<IpAddr>) -> AppResult<(UserView, String)> {
    state.auth.login(input, old_session, client).await
}

/// First run: creates the admin account and signs it in. Refused once any account exists.
pub async fn setup_admin(state: &AppState, input: &LoginInput, old_session: Option<&str>) -> AppResult<(UserView, String)> {
    state.auth.setup_admin(input, old_session).await
}

pub async fn logout(state: &AppState, principal: &Principal) -> AppResult<()> {
    state.auth.logout(principal).await
}

/// Who is signed in (None when no one), and whether the first admin must still be created.
pub async fn session(state: &AppState, user: Option<UserView>) -> SessionInfo {
    let setup_needed = user.is_none() && state.auth.setup_needed().await.unwrap_or(false);
    SessionInfo { user, setup_needed, auth_enabled: state.auth.enabled() }
}
