//! The MCP server: AI assistants reach datasources through the same door as people. Each tool
//! is a thin call into `ops` (sharing, roles, the SQL guard, limits, the audit log), made as
//! the principal of the request: over Streamable HTTP at `/mcp` that is the bearer token the
//! authentication middleware checked; over stdio (`databaseai mcp`) the token (or the
//! `--no-auth` user) the process started with. On top of what the user may do, the token's
//! scopes and datasource list decide which tools and datasources it reaches, and every tool
//! call is an audit line naming the token.
use std::sync::Arc;

use rmcp::transport::streamable_http_server::{session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService};

use tokio_util::sync::CancellationToken;

use super::{auth::Principal, state::AppState};

mod output;
mod tools;
pub use tools::DatabaseTools;

/// Host names `/mcp` answers to when none are configured: a page on another site cannot
/// reach a local server through DNS rebinding (the MCP spec's security guidance).
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The Streamable HTTP endpoint, nested at `/mcp` behind the authentication middleware.
/// `hosts` are the `Host` values it answers to besides loopback (`*`: any, for a proxy
/// that checks them itself).
pub fn http_service(state: AppState, hosts: &[String], stop: CancellationToken) -> StreamableHttpService<DatabaseTools, LocalSessionManager> {
    // No Origin is allowed: MCP clients are programs, and a web page on another site that
    // reaches this server must be refused.
    let mut config = StreamableHttpServerConfig::default().enforce_origin_validation().with_cancellation_token(stop);
    config = if hosts.iter().any(|h| h.trim() == "*") {
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(LOOPBACK_HOSTS.iter().map(|h| h.to_string()).chain(hosts.iter().map(|h| h.trim().to_string())))
    };
    StreamableHttpService::new(move || Ok(DatabaseTools::new(state.clone(), None)), Arc::new(LocalSessionManager::default()), config)
}

/// Serves MCP on stdin/stdout as `principal` until the client closes the stream.
pub async fn serve_stdio(state: AppState, principal: Principal) -> Result<(), String> {
    use rmcp::ServiceExt;
    let running = DatabaseTools::new(state, Some(principal)).serve(rmcp::transport::stdio()).await.map_err(|e| e.to_string())?;
    running.waiting().await.map(|_| ()).map_err(|e| e.to_string())
}
