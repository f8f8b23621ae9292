//! What a request made with a personal token needs from the token: the scope each API route
//! belongs to and the datasource it is about. Checked in the middleware, before any handler,
//! so a new route is "manage" (the narrowest tokens cannot use it) until it is listed here.
//! MCP tool calls check the same scopes in `mcp`.
use axum::http::Method;

use crate::{
    app::model::TokenScope,
    server::{auth::Principal, error::AppResult},
};

/// Which datasources a request touches.
#[derive(Debug, PartialEq, Eq)]
enum Reach<'a> {
    /// This one (from the path).
    One(&'a str),
    /// A list the handler filters to the token's datasources.
    Filtered,
    /// Only the caller's own things (cancelling their query, their tokens).
    Own,
    /// Several or none in particular: only tokens without a datasource list.
    Every,
}

/// The scope and reach of an API request; `None` for what any signed-in caller may do.
fn need<'a>(method: &Method, path: &'a str) -> Option<(TokenScope, Reach<'a>)> {
    use {Reach::*, TokenScope::*};
    let Some(api) = path.strip_prefix("/api/v1/") else {
        // Pages and server functions are for browsers; /mcp checks each tool call itself.
        return if path == "/mcp" || path.starts_with("/mcp/") { None } else { Some((Manage, Every)) };
    };
    let get = *method == Method::GET;
    let segments: Vec<&str> = api.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["health" | "live" | "openapi.json"] | ["auth", "me" | "logout"] => None,
        ["datasources"] if get => Some((Schema, Filtered)),
        ["datasources", "test"] => Some((Manage, Every)),
        ["datasources", id] if get => Some((Schema, One(id))),
        ["datasources", id, "schema"] => Some((Schema, One(id))),
        ["datasources", id, "verified"] if get => Some((Schema, One(id))),
        ["datasources", id, "verified", "export"] => Some((Schema, One(id))),
        ["datasources", id, "sql" | "export"] => Some((Sql, One(id))),
        ["datasources", id, "ask"] | ["datasources", id, "ask", "stream"] | ["datasources", id, "conversations"] => Some((Ask, One(id))),
        ["datasources", id, ..] => Some((Manage, One(id))),
        ["conversations", ..] => Some((Ask, Every)),
        ["queries", _, "cancel"] => Some((Sql, Own)),
        // A token made by a token gets no more than its maker (ops::accounts::create_token).
        ["tokens", ..] => Some((Manage, Own)),
        ["history"] => Some((Sql, Every)),
        _ => Some((Manage, Every)),
    }
}

/// Refuses a request its token was not made for (a session or no-auth caller passes).
pub fn check(principal: &Principal, method: &Method, path: &str) -> AppResult<()> {
    if principal.token.is_none() {
        return Ok(());
    }
    let Some((scope, reach)) = need(method, path) else { return Ok(()) };
    principal.require(scope)?;
    match reach {
        Reach::One(id) => principal.require_datasource(id),
        Reach::Every => principal.require_every_datasource(),
        Reach::Filtered | Reach::Own => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{Reach::*, *};
    use TokenScope::*;

    #[test]
    fn each_api_route_belongs_to_a_scope() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(need(&get, "/api/v1/datasources"), Some((Schema, Filtered)));
        assert_eq!(need(&post, "/api/v1/datasources"), Some((Manage, Every)));
        assert_eq!(need(&post, "/api/v1/datasources/test"), Some((Manage, Every)));
        assert_eq!(need(&get, "/api/v1/datasources/d1/schema"), Some((Schema, One("d1"))));
        assert_eq!(need(&Method::PUT, "/api/v1/datasources/d1"), Some((Manage, One("d1"))));
        assert_eq!(need(&post, "/api/v1/datasources/d1/sql"), Some((Sql, One("d1"))));
        assert_eq!(need(&post, "/api/v1/datasources/d1/export"), Some((Sql, One("d1"))));
        assert_eq!(need(&post, "/api/v1/datasources/d1/ask/stream"), Some((Ask, One("d1"))));
        assert_eq!(need(&post, "/api/v1/datasources/d1/verified"), Some((Manage, One("d1"))));
        assert_eq!(need(&post, "/api/v1/datasources/d1/sharing"), Some((Manage, One("d1"))));
        assert_eq!(need(&get, "/api/v1/conversations/c1"), Some((Ask, Every)));
        assert_eq!(need(&get, "/api/v1/history"), Some((Sql, Every)));
        assert_eq!(need(&post, "/api/v1/tokens"), Some((Manage, Own)), "only tokens that may manage make tokens");
        assert_eq!(need(&get, "/api/v1/some-new-route"), Some((Manage, Every)), "unlisted routes need the widest scope");
        assert_eq!(need(&get, "/datasources/d1"), Some((Manage, Every)), "pages are for browsers");
        assert_eq!(need(&post, "/api/tokens/create"), Some((Manage, Every)), "server functions are for browsers");
        assert_eq!(need(&get, "/api/v1/auth/me"), None);
        assert_eq!(need(&post, "/mcp"), None, "each MCP tool call is checked by itself");
    }
}
