//! The MCP endpoint's door, over raw HTTP: who may knock and from where (the tools
//! themselves are driven by the official MCP client in end2end/tests/mcp.spec.ts).
use serde_json::json;

use crate::helpers::*;

fn initialize() -> serde_json::Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "api-test", "version": "1"}}})
}

async fn post_mcp(app: &TestApp, client: &reqwest::Client, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut r = client.post(app.url("/mcp")).header("accept", "application/json, text/event-stream").json(&initialize());
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn mcp_needs_a_token_a_local_host_name_and_no_foreign_origin() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo", "--mcp-hosts", "dbai.example.org"]).await;
    let anonymous = post_mcp(&app, &app.anon, &[]).await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer realm=\"databaseai\"");
    let forged = post_mcp(&app, &client_with_token("dbai_forged"), &[]).await;
    assert_eq!(forged.status(), 401);

    let ok = post_mcp(&app, &app.client, &[]).await;
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("\"name\":\"databaseai\""));
    // DNS rebinding: a page on evil.example whose name now points here sends its own Host.
    assert_eq!(post_mcp(&app, &app.client, &[("host", "evil.example")]).await.status(), 403);
    assert_eq!(post_mcp(&app, &app.client, &[("host", "dbai.example.org")]).await.status(), 200, "a configured public name");
    // A web page's request carries an Origin; MCP clients are programs and send none.
    assert_eq!(post_mcp(&app, &app.client, &[("origin", "https://evil.example")]).await.status(), 403);
}
