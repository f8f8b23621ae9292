use crate::helpers::*;

#[tokio::test]
async fn health_reports_ok_on_sqlite_and_postgres_stores() {
    for kind in [StoreKind::Sqlite, StoreKind::Postgres] {
        let app = spawn_app(kind, &[]).await;
        let (status, body) = app.get("/api/v1/health").await;
        assert_eq!(status, 200);
        assert_eq!(body["status"], "ok");
        assert_eq!(body["store"], "ok");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    }
}

#[tokio::test]
async fn health_is_503_with_a_reason_when_the_store_is_down() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    app.state.store.close().await;
    let (status, body) = app.get("/api/v1/health").await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "unavailable");
    assert!(body["store"].as_str().unwrap().starts_with("unreachable"));
}

#[tokio::test]
async fn pages_render_on_the_server_with_security_headers() {
    let app = spawn_app(StoreKind::Sqlite, &[]).await;
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["cache-control"], "no-store", "a signed-in page is never kept in a cache");
    // Strict script policy: no 'unsafe-inline'; inline scripts run only with this response's nonce.
    let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap().to_string();
    assert!(!script_src.contains("unsafe-inline"), "{csp}");
    let nonce = script_src.split("'nonce-").nth(1).and_then(|n| n.split('\'').next()).expect("a nonce").to_string();
    let html = r.text().await.unwrap();
    assert!(html.contains("Demo shop"), "the list is server-rendered");
    let scripts: Vec<&str> = html.split("<script").skip(1).map(|s| s.split('>').next().unwrap()).collect();
    assert!(!scripts.is_empty());
    for tag in scripts {
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")) || tag.contains("src="), "script without the nonce: <script{tag}>");
    }
    let again = app.client.get(app.url("/")).send().await.unwrap();
    assert!(!again.headers()["content-security-policy"].to_str().unwrap().contains(&nonce), "a new nonce per response");
    let api = app.client.get(app.url("/api/v1/datasources")).send().await.unwrap();
    assert!(!api.headers()["content-security-policy"].to_str().unwrap().contains("nonce-"));
    assert_eq!(api.headers()["cache-control"], "no-store");
    let r = app.client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let (status, spec) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    for path in ["/api/v1/health", "/api/v1/datasources", "/api/v1/datasources/{id}", "/api/v1/datasources/{id}/test",
                 "/api/v1/datasources/{id}/schema", "/api/v1/datasources/{id}/sql", "/api/v1/queries/{query_id}/cancel",
                 "/api/v1/datasources/{id}/ask", "/api/v1/datasources/{id}/ask/stream", "/api/v1/datasources/{id}/conversations",
                 "/api/v1/conversations/{id}"] {
        assert!(spec["paths"].get(path).is_some(), "{path} missing from OpenAPI");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_asks_queries_and_pools() {
    let app = spawn_app(StoreKind::Sqlite, &[]).await;
    let id = app.demo_id().await;
    let (status, _) = app.post(&format!("/api/v1/datasources/{id}/sql"), serde_json::json!({"sql": "SELECT 1"})).await;
    assert_eq!(status, 200);
    let (status, _) = app.get("/api/v1/live").await;
    assert_eq!(status, 200);
    // Anonymous readers and analysts are refused on the app port; admins read them.
    assert_eq!(app.anon.get(app.url("/metrics")).send().await.unwrap().status(), 401);
    let (_, analyst) = app.user("metrics-analyst", databaseai::app::model::Role::Analyst).await;
    assert_eq!(analyst.get(app.url("/metrics")).send().await.unwrap().status(), 403);
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for needle in [
        "http_requests_total{method=\"POST\",route=\"/api/v1/datasources/{id}/sql\",status=\"200\"}",
        "query_duration_seconds_bucket{engine=\"sqlite\",outcome=\"ok\"",
        "datasource_pools_open",
        "app_store_connections{state=\"idle\"}",
    ] {
        assert!(text.contains(needle), "{needle} missing from /metrics");
    }
    assert!(!text.contains(&id), "ids never become label values");
}
