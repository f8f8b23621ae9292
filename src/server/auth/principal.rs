//! Who a request acts as and what it may do. A session (or the `--no-auth` user) may do all
//! its user may; a token only what its scopes and datasource list leave of that. What the
//! user may do at all (roles, sharing) is still decided in `ops`.
use crate::{
    app::model::{TokenScope, UserView},
    server::{
        error::{AppError, AppResult},
        store::TokenGrant,
    },
};

/// Where a signed-in request came from: the cookie's session, a bearer token, or neither
/// (`--no-auth`).
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: UserView,
    pub session_hash: Option<String>,
    pub token: Option<TokenGrant>,
}

impl Principal {
    pub fn local(user: UserView) -> Principal {
        Principal { user, session_hash: None, token: None }
    }

    pub fn by_session(user: UserView, session_hash: String) -> Principal {
        Principal { user, session_hash: Some(session_hash), token: None }
    }

    pub fn by_token(user: UserView, grant: TokenGrant) -> Principal {
        Principal { user, session_hash: None, token: Some(grant) }
    }

    /// The token's name, for the audit log.
    pub fn token_name(&self) -> Option<&str> {
        self.token.as_ref().map(|t| t.name.as_str())
    }

    /// Refuses what the token was not made for.
    pub fn require(&self, scope: TokenScope) -> AppResult<()> {
        match &self.token {
            Some(t) if !t.access.scopes.contains(&scope) => Err(AppError::Denied(match scope {
                TokenScope::Schema => "this token may not read schemas (it lacks the schema scope)",
                TokenScope::Sql => "this token may not run SQL (it lacks the sql scope)",
                TokenScope::Ask => "this token may not ask questions (it lacks the ask scope)",
                TokenScope::Manage => "this token may not change settings, accounts or tokens (it lacks the manage scope)",
            })),
            _ => Ok(()),
        }
    }

    /// Whether the token's datasource list (if any) includes `datasource_id`.
    pub fn reaches(&self, datasource_id: &str) -> bool {
        match self.token.as_ref().and_then(|t| t.access.datasource_ids.as_ref()) {
            Some(ids) => ids.iter().any(|id| id == datasource_id),
            None => true,
        }
    }

    /// A datasource outside the token's list is "not found", as one not shared with the user is.
    pub fn require_datasource(&self, datasource_id: &str) -> AppResult<()> {
        if self.reaches(datasource_id) {
            Ok(())
        } else {
            Err(AppError::NotFound("datasource"))
        }
    }

    /// Refuses requests that span datasources (history, conversations by id, settings) to a
    /// token limited to some of them.
    pub fn require_every_datasource(&self) -> AppResult<()> {
        match self.token.as_ref().and_then(|t| t.access.datasource_ids.as_ref()) {
            Some(_) => Err(AppError::Denied("this token is limited to some datasources; use a request about one of them")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{app::model::Role, server::store::TokenAccess};

    fn token(scopes: &[TokenScope], ids: Option<&[&str]>) -> Principal {
        let user = UserView { id: "u".into(), username: "ana".into(), role: Role::Analyst };
        let access = TokenAccess { scopes: scopes.to_vec(), datasource_ids: ids.map(|i| i.iter().map(|s| s.to_string()).collect()) };
        Principal::by_token(user, TokenGrant { id: "t".into(), name: "agent".into(), access })
    }

    #[test]
    fn a_token_does_only_what_its_scopes_name() {
        let p = token(&[TokenScope::Schema, TokenScope::Ask], None);
        assert!(p.require(TokenScope::Schema).is_ok() && p.require(TokenScope::Ask).is_ok());
        assert!(matches!(p.require(TokenScope::Sql), Err(AppError::Denied(m)) if m.contains("sql scope")));
        assert!(p.require(TokenScope::Manage).is_err());
        assert!(p.reaches("any") && p.require_every_datasource().is_ok());
        let session = Principal::by_session(p.user.clone(), "h".into());
        assert!(TokenScope::ALL.iter().all(|s| session.require(*s).is_ok()), "sessions keep all their user may do");
    }

    #[test]
    fn a_token_limited_to_datasources_reaches_no_other() {
        let p = token(&TokenScope::ALL, Some(&["a", "b"]));
        assert!(p.require_datasource("a").is_ok());
        assert!(matches!(p.require_datasource("c"), Err(AppError::NotFound("datasource"))));
        assert!(p.require_every_datasource().is_err());
        assert_eq!(p.token_name(), Some("agent"));
    }
}
