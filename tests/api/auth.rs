//! Accounts and isolation over real HTTP: nothing answers without a session or token,
//! another user's things are "not found", cross-site writes are refused, sessions rotate.
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    helpers::*,
    llm_stub::{answer, StubLlm},
};
use databaseai::app::model::Role;

/// Reachable without signing in (everything else must answer 401).
const PUBLIC: &[&str] = &["/api/v1/health", "/api/v1/live", "/api/v1/openapi.json", "/api/v1/auth/login"];

#[tokio::test]
async fn every_api_route_and_server_function_needs_a_session_or_token() {
    let app = spawn_app(StoreKind::Sqlite, &[]).await;
    let (status, spec) = call(&app.anon, Method::GET, &app.url("/api/v1/openapi.json"), None).await;
    assert_eq!(status, 200);
    let mut checked = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path.replace("{id}", "00000000-0000-0000-0000-000000000000").replace("{query_id}", "q1").replace("{turn_id}", "t1");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (method == Method::POST || method == Method::PUT).then(|| json!({}));
            let (status, body) = call(&app.anon, method.clone(), &app.url(&concrete), body).await;
            if PUBLIC.contains(&path.as_str()) {
                assert_ne!(status, 401, "{method} {path} is public");
            } else {
                assert_eq!(status, 401, "{method} {path}: {body}");
                assert_eq!(body["error"]["code"], "unauthenticated", "{method} {path}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 25, "only {checked} API operations were checked");

    let public_fns = ["/api/auth/session", "/api/auth/login", "/api/auth/setup"];
    let mut fns = 0;
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        let (status, body) = call(&app.anon, method.clone(), &app.url(path), Some(json!({}))).await;
        if public_fns.contains(&path) {
            assert_ne!(status, 401, "{path} is public");
        } else {
            assert_eq!(status, 401, "server function {path}: {body}");
            fns += 1;
        }
    }
    assert!(fns >= 20, "only {fns} server functions were checked");

    // Anonymous page views go to the sign-in page; assets stay public.
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = no_redirect.get(app.url("/")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/login"));
    let deep = no_redirect.get(app.url("/settings?tab=model")).send().await.unwrap();
    assert_eq!(deep.headers()["location"], "/login?next=%2Fsettings%3Ftab%3Dmodel", "sign-in leads back to the page");
    let login = no_redirect.get(app.url("/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
    // Nothing but assets may be kept by a browser's cache (Back after signing out).
    for r in [&r, &login] {
        assert_eq!(r.headers()["cache-control"], "no-store", "{}", r.url());
    }
    let icon = no_redirect.get(app.url("/favicon.svg")).send().await.unwrap();
    assert_eq!(icon.status(), 200);
    assert!(icon.headers().get("cache-control").is_none_or(|v| v != "no-store"), "assets may be cached");
}

#[tokio::test]
async fn a_bad_token_is_refused_and_a_revoked_one_stops_working() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let forged = client_with_token("dbai_forged");
    assert_eq!(call(&forged, Method::GET, &app.url("/api/v1/datasources"), None).await.0, 401);
    let (status, created) = app.post("/api/v1/tokens", json!({"name": "report"})).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap();
    let client = client_with_token(secret);
    assert_eq!(call(&client, Method::GET, &app.url("/api/v1/datasources"), None).await.0, 200);
    let (_, list) = app.get("/api/v1/tokens").await;
    assert!(list.as_array().unwrap().iter().all(|t| t.get("secret").is_none()), "secrets are shown once: {list}");
    let id = created["token"]["id"].as_str().unwrap();
    assert_eq!(app.send(Method::DELETE, &format!("/api/v1/tokens/{id}"), Value::Null).await.0, 204);
    assert_eq!(call(&client, Method::GET, &app.url("/api/v1/datasources"), None).await.0, 401);
    // The store keeps only the hash.
    let store = store_bytes(&app);
    assert!(contains(&store, "report"), "the token's row is in what was read");
    assert!(!contains(&store, secret));
}

#[tokio::test]
async fn a_token_does_only_what_its_scopes_and_datasources_allow() {
    let app = spawn_app(StoreKind::Sqlite, &[]).await;
    let demo = app.demo_id().await;
    let db = create_pg_database(SHOP_SQL).await;
    let other = app.add_pg_datasource("other", &db, "postgres").await;

    // Bad choices are refused field by field, and nothing is made.
    let (status, body) = app.post("/api/v1/tokens", json!({"name": "x", "scopes": []})).await;
    assert_eq!((status, body["error"]["fields"][0]["field"].as_str()), (400, Some("scopes")), "{body}");
    let (status, body) = app.post("/api/v1/tokens", json!({"name": "x", "datasource_ids": ["no-such-id"]})).await;
    assert_eq!((status, body["error"]["fields"][0]["field"].as_str()), (400, Some("datasource_ids")), "{body}");
    assert_eq!(app.post("/api/v1/tokens", json!({"name": "x", "scopes": ["root"]})).await.0, 422, "not a scope");
    let (_, list) = app.get("/api/v1/tokens").await;
    assert!(list.as_array().unwrap().iter().all(|t| t["name"] != "x"), "nothing was made: {list}");

    // A schema-only token on the demo: lists only it, reads its schema, nothing else.
    let (status, created) = app.post("/api/v1/tokens", json!({"name": "reader", "scopes": ["schema"], "datasource_ids": [demo]})).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["token"]["scopes"], json!(["schema"]));
    let reader = client_with_token(created["secret"].as_str().unwrap());
    let (status, list) = call(&reader, Method::GET, &app.url("/api/v1/datasources"), None).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect::<Vec<_>>(), [demo.as_str()]);
    assert_eq!(call(&reader, Method::GET, &app.url(&format!("/api/v1/datasources/{demo}/schema")), None).await.0, 200);
    assert_eq!(call(&reader, Method::GET, &app.url(&format!("/api/v1/datasources/{other}/schema")), None).await.0, 404, "outside its list");
    let (status, body) = call(&reader, Method::POST, &app.url(&format!("/api/v1/datasources/{demo}/sql")), Some(json!({"sql": "SELECT 1"}))).await;
    assert_eq!(status, 403);
    assert!(body["error"]["message"].as_str().unwrap().contains("sql scope"), "{body}");
    assert_eq!(call(&reader, Method::GET, &app.url("/api/v1/history"), None).await.0, 403, "history spans datasources");
    assert_eq!(call(&reader, Method::POST, &app.url("/api/v1/tokens"), Some(json!({"name": "wider"}))).await.0, 403);
    assert_eq!(call(&reader, Method::GET, &app.url("/"), None).await.0, 403, "pages are for browsers");

    // A token that may manage, limited to the demo, can only make tokens within its own limits.
    let (_, manager) = app.post("/api/v1/tokens", json!({"name": "manager", "scopes": ["schema", "manage"], "datasource_ids": [demo]})).await;
    let manager = client_with_token(manager["secret"].as_str().unwrap());
    let (status, child) = call(&manager, Method::POST, &app.url("/api/v1/tokens"), Some(json!({"name": "child", "scopes": ["schema"]}))).await;
    assert_eq!(status, 201, "{child}");
    assert_eq!(child["token"]["datasource_ids"], json!([demo]), "inherits the maker's datasources");
    assert_eq!(call(&manager, Method::POST, &app.url("/api/v1/tokens"), Some(json!({"name": "c", "scopes": ["sql"]}))).await.0, 403);
    let (status, _) = call(&manager, Method::POST, &app.url("/api/v1/tokens"), Some(json!({"name": "c", "scopes": ["schema"], "datasource_ids": [other]}))).await;
    assert_eq!(status, 400, "a datasource the maker does not reach");

    // Tokens made without a choice may do everything their user may (as before scopes).
    let (_, full) = app.post("/api/v1/tokens", json!({"name": "full"})).await;
    assert_eq!(full["token"]["scopes"], json!(["schema", "sql", "ask", "manage"]));
    assert_eq!(full["token"]["datasource_ids"], Value::Null);
}

/// Signs in over the API; returns the session cookie ("name=value").
async fn sign_in(app: &TestApp, username: &str, password: &str, cookie: Option<&str>) -> (u16, Option<String>) {
    let mut r = app.anon.post(app.url("/api/v1/auth/login")).json(&json!({"username": username, "password": password}));
    if let Some(c) = cookie {
        r = r.header("cookie", c);
    }
    let r = r.send().await.unwrap();
    let cookie = r.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string());
    if let Some(c) = &cookie {
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    }
    (r.status().as_u16(), cookie.map(|c| c.split(';').next().unwrap().to_string()))
}

async fn with_cookie(app: &TestApp, method: Method, path: &str, cookie: &str, extra: &[(&str, &str)], body: Option<Value>) -> u16 {
    let mut r = app.anon.request(method, app.url(path)).header("cookie", cookie);
    for (k, v) in extra {
        r = r.header(*k, *v);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn sessions_rotate_on_sign_in_end_on_sign_out_and_refuse_cross_site_writes() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let (status, _) = sign_in(&app, "admin", "wrong-password", None).await;
    assert_eq!(status, 400);
    let (status, first) = sign_in(&app, "admin", ADMIN_PASSWORD, None).await;
    assert_eq!(status, 200);
    let first = first.unwrap();
    assert_eq!(with_cookie(&app, Method::GET, "/api/v1/datasources", &first, &[], None).await, 200);
    let (_, second) = sign_in(&app, "admin", ADMIN_PASSWORD, Some(&first)).await;
    let second = second.unwrap();
    assert_ne!(first, second, "the session id changes on sign-in");
    assert_eq!(with_cookie(&app, Method::GET, "/api/v1/datasources", &first, &[], None).await, 401, "the old session ended");

    // A write from another site is refused before it does anything; the same write from the app's own page works.
    let input = json!({"name": "lite", "engine": "sqlite", "path": "x.sqlite"});
    for cross in [[("sec-fetch-site", "cross-site")], [("origin", "https://evil.example")]] {
        let status = with_cookie(&app, Method::POST, "/api/v1/datasources", &second, &cross, Some(input.clone())).await;
        assert_eq!(status, 403, "{cross:?}");
        let status = with_cookie(&app, Method::POST, "/api/auth/logout", &second, &cross, Some(json!({}))).await;
        assert_eq!(status, 403, "server functions too: {cross:?}");
    }
    assert_eq!(app.get("/api/v1/datasources").await.1, json!([]), "nothing was created");
    let origin = format!("http://{}", app.addr);
    let same = [("origin", origin.as_str()), ("sec-fetch-site", "same-origin")];
    assert_eq!(with_cookie(&app, Method::POST, "/api/v1/datasources", &second, &same, Some(input)).await, 201);
    // No CORS: a preflight gets no permission.
    let r = app.anon.request(Method::OPTIONS, app.url("/api/v1/datasources")).header("origin", "https://evil.example")
        .header("access-control-request-method", "POST").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    assert_eq!(with_cookie(&app, Method::POST, "/api/v1/auth/logout", &second, &[], None).await, 204);
    assert_eq!(with_cookie(&app, Method::GET, "/api/v1/datasources", &second, &[], None).await, 401, "signed out");
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo", "--login-per-minute", "3"]).await;
    for _ in 0..3 {
        assert_eq!(sign_in(&app, "admin", "wrong-password", None).await.0, 400);
    }
    assert_eq!(sign_in(&app, "admin", ADMIN_PASSWORD, None).await.0, 429, "even the right password waits");
    // Someone else's guesses from another address do not lock the real user out.
    let elsewhere = reqwest::Client::builder().local_address(Some("127.0.0.2".parse().unwrap())).build().unwrap();
    let r = elsewhere.post(app.url("/api/v1/auth/login")).json(&json!({"username": "admin", "password": ADMIN_PASSWORD})).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn users_see_only_their_own_and_shared_things() {
    let stub = StubLlm::start(vec![answer("SELECT count(*) AS n FROM customers"); 2]).await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url]).await;
    let demo = app.demo_id().await;
    let private = {
        let (status, ds) = app.post("/api/v1/datasources", json!({"name": "private", "engine": "sqlite", "path": "demo/shop.sqlite"})).await;
        assert_eq!(status, 201, "{ds}");
        ds["id"].as_str().unwrap().to_string()
    };
    let (_, alice) = app.user("alice", Role::Analyst).await;
    let (bob_user, bob) = app.user("bob", Role::Analyst).await;
    let url = |p: &str| app.url(p);

    // Analysts see the demo (shared with everyone), not the private datasource.
    let (_, list) = call(&alice, Method::GET, &url("/api/v1/datasources"), None).await;
    assert_eq!(list.as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect::<Vec<_>>(), vec!["Demo shop"]);
    for path in [format!("/api/v1/datasources/{private}"), format!("/api/v1/datasources/{private}/schema"), format!("/api/v1/datasources/{private}/conversations")] {
        assert_eq!(call(&alice, Method::GET, &url(&path), None).await.0, 404, "{path}");
    }
    let (status, _) = call(&alice, Method::POST, &url(&format!("/api/v1/datasources/{private}/sql")), Some(json!({"sql": "SELECT 1"}))).await;
    assert_eq!(status, 404);
    let (status, _) = call(&alice, Method::POST, &url(&format!("/api/v1/datasources/{private}/ask")), Some(json!({"question": "How many?"}))).await;
    assert_eq!(status, 404);

    // Admin-only operations are refused to analysts.
    for (method, path, body) in [
        (Method::POST, "/api/v1/datasources".to_string(), Some(json!({"name": "x", "engine": "sqlite", "path": "x.sqlite"}))),
        (Method::DELETE, format!("/api/v1/datasources/{demo}"), None),
        (Method::GET, "/api/v1/settings/llm".to_string(), None),
        (Method::GET, "/api/v1/users".to_string(), None),
        (Method::GET, "/api/v1/audit".to_string(), None),
        (Method::PUT, format!("/api/v1/datasources/{private}/sharing"), Some(json!({"everyone": true}))),
    ] {
        let (status, body) = call(&alice, method.clone(), &url(&path), body).await;
        assert_eq!(status, 403, "{method} {path}: {body}");
    }

    // Alice's conversation is hers: Bob gets "not found" by id and an empty list.
    let (status, answer) = call(&alice, Method::POST, &url(&format!("/api/v1/datasources/{demo}/ask")), Some(json!({"question": "How many customers?"}))).await;
    assert_eq!(status, 200, "{answer}");
    let conversation = answer["conversation_id"].as_str().unwrap().to_string();
    assert_eq!(call(&alice, Method::GET, &url(&format!("/api/v1/conversations/{conversation}")), None).await.0, 200);
    assert_eq!(call(&bob, Method::GET, &url(&format!("/api/v1/conversations/{conversation}")), None).await.0, 404);
    assert_eq!(call(&bob, Method::GET, &url(&format!("/api/v1/datasources/{demo}/conversations")), None).await.1, json!([]));
    let follow_up = json!({"question": "And by country?", "conversation_id": conversation});
    assert_eq!(call(&bob, Method::POST, &url(&format!("/api/v1/datasources/{demo}/ask")), Some(follow_up)).await.0, 404, "no posting into another's conversation");

    // Sharing the private datasource with Bob only.
    let (status, shared) = app.send(Method::PUT, &format!("/api/v1/datasources/{private}/sharing"), json!({"everyone": false, "users": [bob_user.id]})).await;
    assert_eq!(status, 200, "{shared}");
    assert_eq!(call(&bob, Method::GET, &url(&format!("/api/v1/datasources/{private}")), None).await.0, 200);
    assert_eq!(call(&alice, Method::GET, &url(&format!("/api/v1/datasources/{private}")), None).await.0, 404);
    let (status, _) = app.send(Method::PUT, &format!("/api/v1/datasources/{private}/sharing"), json!({"users": ["no-such-user"]})).await;
    assert_eq!(status, 400, "unknown users are refused");

    // The audit log names who asked what and which SQL ran where.
    let (status, log) = app.get("/api/v1/audit").await;
    assert_eq!(status, 200);
    let ask = log.as_array().unwrap().iter().find(|e| e["action"] == "ask").expect("the ask is audited");
    assert_eq!((ask["username"].as_str(), ask["question"].as_str(), ask["status"].as_str()), (Some("alice"), Some("How many customers?"), Some("answered")));
    assert_eq!(ask["sql"], "SELECT count(*) AS n FROM customers");
    assert_eq!(ask["datasource_name"], "Demo shop");
    // Filters: who, what, which datasource (name contains, any case), when.
    let filtered = |query: &str| {
        let app = &app;
        let query = query.to_string();
        async move {
            let (status, log) = app.get(&format!("/api/v1/audit?{query}")).await;
            assert_eq!(status, 200, "{query}: {log}");
            log.as_array().unwrap().clone()
        }
    };
    let asks = filtered("user=alice&action=ask").await;
    assert!(!asks.is_empty() && asks.iter().all(|e| e["username"] == "alice" && e["action"] == "ask"), "{asks:?}");
    let demo = filtered("datasource=demo%20SH").await;
    assert!(!demo.is_empty() && demo.iter().all(|e| e["datasource_name"] == "Demo shop"), "{demo:?}");
    assert!(filtered("datasource=100%25").await.is_empty(), "% is a character, not a wildcard");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!(filtered(&format!("since_ms={}", now + 60_000)).await.is_empty());
    assert_eq!(filtered(&format!("until_ms={}&user=alice", now + 60_000)).await.len(), filtered("user=alice").await.len());
    assert!(filtered("action=no_such_action").await.is_empty());
    let csv = app.client.get(app.url("/api/v1/audit/export")).send().await.unwrap();
    assert!(csv.headers()["content-disposition"].to_str().unwrap().contains("databaseai-audit.csv"));
    let text = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.iter().any(|r| &r[1] == "alice" && &r[2] == "ask" && &r[4] == "How many customers?"), "{text}");

    // Deleting Alice ends her access at once.
    assert_eq!(app.send(Method::DELETE, "/api/v1/users/does-not-exist", Value::Null).await.0, 404);
    let alice_id = app.state.store.user_by_name("alice").await.unwrap().unwrap().id;
    assert_eq!(app.send(Method::DELETE, &format!("/api/v1/users/{alice_id}"), Value::Null).await.0, 204);
    assert_eq!(call(&alice, Method::GET, &url("/api/v1/datasources"), None).await.0, 401);
    assert_eq!(app.send(Method::DELETE, &format!("/api/v1/users/{}", app.admin.id), Value::Null).await.0, 400, "not yourself");
}

#[tokio::test]
async fn no_auth_mode_is_refused_off_loopback_and_works_on_it() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    let settings = databaseai::server::config::Settings::parse_from(["databaseai", "--no-auth", "--bind", "0.0.0.0", "--data-dir", &data]);
    let refused = databaseai::server::startup::build_state(&settings, databaseai::server::startup::leptos_options("0.0.0.0:0".parse().unwrap())).await;
    assert!(refused.err().unwrap().to_string().contains("loopback"));

    let app = spawn_app(StoreKind::Sqlite, &["--no-auth"]).await;
    let (status, me) = call(&app.anon, Method::GET, &app.url("/api/v1/auth/me"), None).await;
    assert_eq!(status, 200);
    assert_eq!((me["user"]["role"].as_str(), me["auth_enabled"].as_bool()), (Some("admin"), Some(false)));
    // Cross-site writes are still refused: a web page must not drive a local admin's browser.
    let r = app.anon.post(app.url("/api/v1/datasources")).header("sec-fetch-site", "cross-site").json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_admin_cli_creates_a_working_token() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let cli = |user: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_databaseai"))
            .args(["--data-dir", &app.data_dir.path().display().to_string(), "admin", "create-token", "--user", user, "--name", "cron"])
            .output()
            .unwrap()
    };
    let out = cli("admin");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(secret.starts_with("dbai_"), "{secret}");
    let (status, _) = call(&client_with_token(&secret), Method::GET, &app.url("/api/v1/datasources"), None).await;
    assert_eq!(status, 200);
    let (_, tokens) = app.get("/api/v1/tokens").await;
    assert!(tokens.as_array().unwrap().iter().any(|t| t["name"] == "cron"), "{tokens}");

    let out = cli("nobody");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account is named \"nobody\""));

    // Scopes chosen on the command line: this one reads schemas and nothing else.
    let data_dir = app.data_dir.path().display().to_string();
    let scoped = |scopes: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_databaseai"))
            .args(["--data-dir", &data_dir, "admin", "create-token", "--user", "admin", "--name", "reader", "--scopes", scopes])
            .output()
            .unwrap()
    };
    let out = scoped("schema");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reader = client_with_token(String::from_utf8(out.stdout).unwrap().trim());
    assert_eq!(call(&reader, Method::GET, &app.url("/api/v1/datasources"), None).await.0, 200);
    assert_eq!(call(&reader, Method::GET, &app.url("/api/v1/tokens"), None).await.0, 403, "no manage scope");
    let out = scoped("schema,root");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"root\" is not a scope"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn asks_and_connection_tests_are_rate_limited_per_user() {
    let stub = StubLlm::start(vec![answer("SELECT 1 AS one"); 2]).await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--ask-per-minute", "1"]).await;
    let demo = app.demo_id().await;
    let ask = |client: reqwest::Client| {
        let url = app.url(&format!("/api/v1/datasources/{demo}/ask"));
        async move { call(&client, Method::POST, &url, Some(json!({"question": "one?"}))).await }
    };
    assert_eq!(ask(app.client.clone()).await.0, 200);
    let (status, body) = ask(app.client.clone()).await;
    assert_eq!(status, 429, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("too many requests: try again in"));
    let (_, other) = app.user("ana", Role::Analyst).await;
    assert_eq!(ask(other).await.0, 200, "the limit is per user");

    let test_url = app.url(&format!("/api/v1/datasources/{demo}/test"));
    let mut statuses = Vec::new();
    for _ in 0..21 {
        statuses.push(call(&app.client, Method::POST, &test_url, None).await.0);
    }
    assert!(statuses[..20].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[20], 429);
}

/// A cookie-signed request with a JSON body; its status and JSON answer.
async fn cookie_call(app: &TestApp, method: Method, path: &str, cookie: &str, body: Value) -> (u16, Value) {
    let r = app.anon.request(method, app.url(path)).header("cookie", cookie).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn first_field(e: &Value) -> &str {
    e["error"]["fields"][0]["field"].as_str().unwrap_or_else(|| panic!("no field error: {e}"))
}

#[tokio::test]
async fn admins_change_roles_and_reset_passwords_and_users_change_their_own() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let (bob, bob_token) = app.user("bob", Role::Analyst).await;

    // Roles: another account's, never your own, never the last admin's.
    let (status, changed) = app.send(Method::PUT, &format!("/api/v1/users/{}/role", bob.id), json!({"role": "admin"})).await;
    assert_eq!((status, changed["role"].as_str()), (200, Some("admin")), "{changed}");
    assert_eq!(call(&bob_token, Method::GET, &app.url("/api/v1/users"), None).await.0, 200, "the new role holds at once");
    let (status, e) = app.send(Method::PUT, &format!("/api/v1/users/{}/role", app.admin.id), json!({"role": "analyst"})).await;
    assert_eq!(status, 400, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("your own role"), "{e}");
    let (status, _) = app.send(Method::PUT, &format!("/api/v1/users/{}/role", bob.id), json!({"role": "analyst"})).await;
    assert_eq!(status, 200);
    assert_eq!(call(&bob_token, Method::GET, &app.url("/api/v1/users"), None).await.0, 403, "an analyst again");
    assert!(!app.state.store.set_role(&app.admin.id, Role::Analyst).await.unwrap(), "the last admin keeps the role");
    let (status, _) = call(&bob_token, Method::PUT, &app.url(&format!("/api/v1/users/{}/role", app.admin.id)), Some(json!({"role": "analyst"}))).await;
    assert_eq!(status, 403, "analysts change no roles");
    let (status, _) = app.send(Method::PUT, "/api/v1/users/no-such-user/role", json!({"role": "admin"})).await;
    assert_eq!(status, 404);

    // A reset: a too-short password is a field error; then bob's sessions end and only the new password works.
    let (_, bob_session) = sign_in(&app, "bob", "user-password", None).await;
    let bob_session = bob_session.unwrap();
    let (status, e) = app.send(Method::PUT, &format!("/api/v1/users/{}/password", bob.id), json!({"password": "short"})).await;
    assert_eq!((status, first_field(&e)), (400, "password"), "{e}");
    let (status, _) = app.send(Method::PUT, &format!("/api/v1/users/{}/password", bob.id), json!({"password": "reset-by-admin"})).await;
    assert_eq!(status, 204);
    assert_eq!(with_cookie(&app, Method::GET, "/api/v1/auth/me", &bob_session, &[], None).await, 401, "signed out everywhere");
    assert_eq!(sign_in(&app, "bob", "user-password", None).await.0, 400);
    let (status, laptop) = sign_in(&app, "bob", "reset-by-admin", None).await;
    assert_eq!(status, 200);
    let laptop = laptop.unwrap();
    let (status, e) = app.send(Method::PUT, &format!("/api/v1/users/{}/password", app.admin.id), json!({"password": "a-long-password"})).await;
    assert_eq!(status, 400, "your own needs the current one: {e}");

    // Your own: the current password first; the session making the change stays, the others end.
    let (_, phone) = sign_in(&app, "bob", "reset-by-admin", None).await;
    let phone = phone.unwrap();
    let (status, e) = cookie_call(&app, Method::PUT, "/api/v1/auth/password", &laptop, json!({"current": "wrong-guess", "new": "bobs-own-password"})).await;
    assert_eq!((status, first_field(&e)), (400, "current"), "{e}");
    let (status, e) = cookie_call(&app, Method::PUT, "/api/v1/auth/password", &laptop, json!({"current": "reset-by-admin", "new": "short"})).await;
    assert_eq!((status, first_field(&e)), (400, "new"), "{e}");
    assert_eq!(sign_in(&app, "bob", "reset-by-admin", None).await.0, 200, "nothing changed yet");
    let (status, e) = cookie_call(&app, Method::PUT, "/api/v1/auth/password", &laptop, json!({"current": "reset-by-admin", "new": "bobs-own-password"})).await;
    assert_eq!(status, 204, "{e}");
    assert_eq!(with_cookie(&app, Method::GET, "/api/v1/auth/me", &laptop, &[], None).await, 200, "this session stays");
    assert_eq!(with_cookie(&app, Method::GET, "/api/v1/auth/me", &phone, &[], None).await, 401, "the other one ended");
    assert_eq!(sign_in(&app, "bob", "reset-by-admin", None).await.0, 400);
    assert_eq!(sign_in(&app, "bob", "bobs-own-password", None).await.0, 200);

    let (_, log) = app.get("/api/v1/audit?action=role_changed").await;
    assert_eq!(log.as_array().unwrap().len(), 2, "{log}");
    assert!(log[0]["detail"].as_str().unwrap().contains("bob is now analyst (was admin)"), "{log}");
    let (_, log) = app.get("/api/v1/audit?action=password_changed").await;
    let statuses: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["ok", "denied", "denied"], "{log}");
    let (_, log) = app.get("/api/v1/audit?action=password_reset").await;
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
}

/// The sign-in page's form posted by the browser itself (no WebAssembly yet): a redirect to
/// where the person was going, or back to the sign-in page with the error's code.
#[tokio::test]
async fn the_sign_in_form_works_without_the_pages_script() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let post = |password: &str, next: &str| {
        no_redirects
            .post(app.url("/sign-in"))
            .header("sec-fetch-site", "same-origin")
            .form(&[("username", "admin"), ("password", password), ("next", next)])
            .send()
    };
    let r = post("wrong-password", "/settings").await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fsettings&failed=invalid_input");
    assert!(r.headers().get("set-cookie").is_none());
    let r = post(ADMIN_PASSWORD, "//evil.example/").await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/", "only paths on this site are followed");
    let r = post(ADMIN_PASSWORD, "/settings").await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/settings"));
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_eq!(with_cookie(&app, Method::GET, "/api/v1/auth/me", &cookie, &[], None).await, 200);
    // Another site cannot post it.
    let r = no_redirects.post(app.url("/sign-in")).header("sec-fetch-site", "cross-site").form(&[("username", "admin"), ("password", ADMIN_PASSWORD)]).send().await.unwrap();
    assert_eq!(r.status(), 403);
}
