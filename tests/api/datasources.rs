use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use databaseai::app::model::Role;

#[tokio::test]
async fn create_read_update_delete_a_postgres_datasource() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let db = create_pg_database(SHOP_SQL).await;
    let id = app.add_pg_datasource("shop", &db, "postgres").await;

    let (status, ds) = app.get(&format!("/api/v1/datasources/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(ds["name"], "shop");
    assert_eq!(ds["has_password"], true);
    assert!(ds.get("password").is_none() && !ds.to_string().contains("not-needed-with-trust-auth"), "password must never be returned");

    // Edit without a password keeps the stored one.
    let (status, ds) = app
        .send(Method::PUT, &format!("/api/v1/datasources/{id}"), json!({"name": "shop renamed", "engine": "postgres", "host": "127.0.0.1", "port": 5432, "database": db, "user": "postgres", "sslmode": "disable"}))
        .await;
    assert_eq!(status, 200, "{ds}");
    assert_eq!(ds["name"], "shop renamed");
    assert_eq!(ds["has_password"], true);
    // Another host, port or user without the password is refused: the stored one is never
    // sent to a server it was not entered for. Nothing is lost: the datasource is unchanged.
    for (field, value) in [("host", json!("localhost")), ("port", json!(5433)), ("user", json!("someone_else"))] {
        let mut edit = json!({"name": "moved", "engine": "postgres", "host": "127.0.0.1", "port": 5432, "database": db, "user": "postgres", "sslmode": "disable"});
        edit[field] = value;
        let (status, e) = app.send(Method::PUT, &format!("/api/v1/datasources/{id}"), edit).await;
        assert_eq!(status, 400, "{field}: {e}");
        assert!(e["error"]["message"].as_str().unwrap().contains("enter the password again"), "{e}");
    }
    let (_, ds) = app.get(&format!("/api/v1/datasources/{id}")).await;
    assert_eq!((ds["name"].as_str(), ds["host"].as_str()), (Some("shop renamed"), Some("127.0.0.1")));

    let (status, test) = app.post(&format!("/api/v1/datasources/{id}/test"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(test["ok"], true, "{test}");
    assert!(test["server_version"].as_str().unwrap().starts_with("PostgreSQL"));
    // Connected as a superuser: the probe must say so and offer a read-only role.
    assert!(test["warnings"].to_string().contains("superuser"), "{test}");
    assert!(test["read_only_role_sql"].as_str().unwrap().contains("CREATE ROLE"));

    let (status, _) = app.send(Method::DELETE, &format!("/api/v1/datasources/{id}"), json!(null)).await;
    assert_eq!(status, 204);
    let (status, body) = app.get(&format!("/api/v1/datasources/{id}")).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn passwords_are_encrypted_at_rest() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let secret = "very-secret-password-123";
    let (status, _) = app
        .post("/api/v1/datasources", json!({"name": "x", "engine": "postgres", "host": "127.0.0.1", "database": "d", "user": "u", "password": secret}))
        .await;
    assert_eq!(status, 201);
    let raw = store_bytes(&app);
    assert!(contains(&raw, "127.0.0.1"), "the datasource's row is in what was read");
    assert!(!contains(&raw, secret), "plaintext password found in the app store");
    // The store (password and session hashes) and its WAL are readable by the app's user only.
    use std::os::unix::fs::PermissionsExt;
    for file in ["databaseai.sqlite", "databaseai.sqlite-wal"] {
        let mode = std::fs::metadata(app.data_dir.path().join(file)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file} is {mode:o}");
    }
}

#[tokio::test]
async fn bad_input_gets_clear_errors_and_saves_nothing() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let cases = [
        (json!({"name": "", "engine": "postgres", "host": "h", "database": "d", "user": "u"}), "name is required"),
        (json!({"name": "a", "engine": "postgres", "host": "", "database": "d", "user": "u"}), "host is required"),
        (json!({"name": "a", "engine": "postgres", "host": "h", "user": "u"}), "database is required"),
        (json!({"name": "a", "engine": "postgres", "host": "postgres://x@y/z", "database": "d", "user": "u"}), "host must be"),
        (json!({"name": "a", "engine": "sqlite", "path": "../../etc/passwd"}), "relative path"),
        (json!({"name": "a", "engine": "postgres", "host": "169.254.169.254", "database": "d", "user": "u"}), "metadata"),
    ];
    for (body, expected) in cases {
        let (status, err) = app.post("/api/v1/datasources", body.clone()).await;
        assert!(status == 400 || status == 403, "{body} -> {status}");
        let msg = err["error"]["message"].as_str().unwrap();
        assert!(msg.contains(expected), "{body}: {msg}");
    }
    // Every broken field at once, each named, for a form to show next to its field.
    let (status, err) = app.post("/api/v1/datasources", json!({"name": " ", "engine": "postgres", "host": "a b", "port": 0})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_input")), "{err}");
    let fields: Vec<&str> = err["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "host", "port", "database", "user"], "{err}");
    assert_eq!(err["error"]["fields"][3]["message"], "database is required");
    assert!(err["error"]["message"].as_str().unwrap().starts_with("name is required; host must be"), "{err}");
    // Malformed JSON, unknown fields, wrong types, wrong content type, huge bodies.
    let r = app.client.post(app.url("/api/v1/datasources")).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "invalid_json");
    let (status, err) = app.post("/api/v1/datasources", json!({"name": "a", "engine": "postgres", "port": "abc"})).await;
    assert_eq!(status, 422, "{err}");
    let (status, _) = app.post("/api/v1/datasources", json!({"name": "a", "engine": "postgres", "url": "postgres://x"})).await;
    assert_eq!(status, 422);
    let r = app.client.post(app.url("/api/v1/datasources")).body("{}").send().await.unwrap();
    assert_eq!(r.status(), 415);
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let r = app.client.post(app.url("/api/v1/datasources")).header("content-type", "application/json").body(huge).send().await.unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "payload_too_large");
    // Errors raised before a handler runs come in the same JSON shape.
    let (status, err) = app.get("/api/v1/audit?limit=lots").await;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_input")), "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("limit"), "{err}");
    let (status, err) = app.get("/api/v1/no-such-thing").await;
    assert_eq!((status, err["error"]["code"].as_str()), (404, Some("not_found")), "{err}");
    let (status, err) = app.send(Method::PATCH, "/api/v1/datasources", json!({})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (405, Some("method_not_allowed")), "{err}");
    let (_, list) = app.get("/api/v1/datasources").await;
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing was saved");
    // Duplicate names are refused without touching the first.
    let db = create_pg_database("SELECT 1").await;
    app.add_pg_datasource("dup", &db, "postgres").await;
    let (status, err) = app.post("/api/v1/datasources", json!({"name": "dup", "engine": "sqlite", "path": "x.db"})).await;
    assert_eq!(status, 400);
    assert!(err["error"]["message"].as_str().unwrap().contains("already exists"));
    let (status, _) = app.get("/api/v1/health").await;
    assert_eq!(status, 200, "the server stays up");
}

#[tokio::test]
async fn connection_failures_are_explained_within_seconds() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    // A listener that accepts and never answers: a hung server.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let free_port = { std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port() };
    let cases = [
        (json!({"host": "127.0.0.1", "port": free_port, "database": "postgres", "user": "postgres"}), "connection refused"),
        (json!({"host": "no-such-host.invalid", "port": 5432, "database": "postgres", "user": "postgres"}), "not found"),
        (json!({"host": "127.0.0.1", "port": 5432, "database": "no_such_db_here", "user": "postgres"}), "does not exist"),
        (json!({"host": "127.0.0.1", "port": 5432, "database": "postgres", "user": "no_such_role_here"}), "no_such_role_here"),
        (json!({"host": "127.0.0.1", "port": silent_port, "database": "postgres", "user": "postgres"}), "timed out"),
    ];
    for (i, (fields, expected)) in cases.into_iter().enumerate() {
        let mut body = fields.clone();
        body["name"] = json!(format!("bad {i}"));
        body["engine"] = json!("postgres");
        body["sslmode"] = json!("disable");
        let (status, ds) = app.post("/api/v1/datasources", body).await;
        assert_eq!(status, 201, "{ds}");
        let started = std::time::Instant::now();
        let (status, test) = app.post(&format!("/api/v1/datasources/{}/test", ds["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(test["ok"], false, "{fields}");
        let msg = test["message"].as_str().unwrap();
        assert!(msg.contains(expected), "{fields}: {msg}");
        assert!(started.elapsed().as_secs() < 10, "{fields} took {:?}", started.elapsed());
    }
    drop(silent);
}

/// Settings are tested before they are saved: a failed test stores nothing, a good one
/// neither; an edit's test uses the stored password an empty field stands for.
#[tokio::test]
async fn settings_are_tested_without_saving_them() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let db = create_pg_database(SHOP_SQL).await;
    let free_port = { std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port() };
    let settings = |port: u16| json!({"name": "trial", "engine": "postgres", "host": "127.0.0.1", "port": port, "database": db, "user": "postgres", "sslmode": "disable"});

    let (status, test) = app.post("/api/v1/datasources/test", json!({"input": settings(free_port)})).await;
    assert_eq!(status, 200, "{test}");
    assert_eq!(test["ok"], false);
    assert!(test["message"].as_str().unwrap().contains("connection refused"), "{test}");
    let (status, test) = app.post("/api/v1/datasources/test", json!({"input": settings(5432)})).await;
    assert_eq!(status, 200, "{test}");
    assert_eq!(test["ok"], true, "{test}");
    assert!(test["server_version"].as_str().unwrap().starts_with("PostgreSQL"), "{test}");
    let (_, list) = app.get("/api/v1/datasources").await;
    assert_eq!(list.as_array().unwrap().len(), 0, "a test saves nothing");

    // Invalid fields: a 400 naming each, as for a save.
    let (status, err) = app.post("/api/v1/datasources/test", json!({"input": {"name": "x", "engine": "postgres"}})).await;
    assert_eq!(status, 400, "{err}");
    let fields: Vec<&str> = err["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["host", "database", "user"], "{err}");

    // An edit: an empty password stands for the stored one, for the same server only.
    let id = app.add_pg_datasource("saved", &db, "postgres").await;
    let (status, test) = app.post("/api/v1/datasources/test", json!({"id": id, "input": settings(5432)})).await;
    assert_eq!((status, test["ok"].as_bool()), (200, Some(true)), "{test}");
    let mut moved = settings(5432);
    moved["host"] = json!("localhost");
    let (status, err) = app.post("/api/v1/datasources/test", json!({"id": id, "input": moved})).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["fields"][0]["field"], "password", "{err}");
    let (_, ds) = app.get(&format!("/api/v1/datasources/{id}")).await;
    assert_eq!(ds["name"], "saved", "testing an edit changes nothing");

    // Admins only.
    let (_, analyst) = app.user("tester", Role::Analyst).await;
    let (status, _) = call(&analyst, Method::POST, &app.url("/api/v1/datasources/test"), Some(json!({"input": settings(5432)}))).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn allow_list_restricts_hosts() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo", "--allowed-hosts", "db.internal"]).await;
    let (status, err) = app
        .post("/api/v1/datasources", json!({"name": "a", "engine": "postgres", "host": "127.0.0.1", "database": "d", "user": "u"}))
        .await;
    assert_eq!(status, 403);
    assert!(err["error"]["message"].as_str().unwrap().contains("allowed hosts"));
}

#[tokio::test]
async fn schema_lists_tables_columns_keys_and_comments() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let db = create_pg_database(SHOP_SQL).await;
    let id = app.add_pg_datasource("shop", &db, "postgres").await;
    let (status, schema) = app.get(&format!("/api/v1/datasources/{id}/schema")).await;
    assert_eq!(status, 200, "{schema}");
    let tables = schema["tables"].as_array().unwrap();
    let find = |name: &str| tables.iter().find(|t| t["name"] == name).unwrap_or_else(|| panic!("{name} missing"));
    let customers = find("customers");
    assert_eq!(customers["schema"], "public");
    assert_eq!(customers["comment"], "People who bought something");
    assert_eq!(customers["row_estimate"], 50);
    let country = customers["columns"].as_array().unwrap().iter().find(|c| c["name"] == "country").unwrap();
    assert_eq!(country["comment"], "ISO country name");
    assert_eq!(country["nullable"], true);
    let orders = find("orders");
    let fk = orders["columns"].as_array().unwrap().iter().find(|c| c["name"] == "customer_id").unwrap();
    assert_eq!(fk["references"]["table"], "customers");
    assert_eq!(fk["references"]["column"], "id");
    assert!(orders["columns"][0]["primary_key"].as_bool().unwrap());
    assert_eq!(find("big_orders")["kind"], "view");

    // Cached until refreshed.
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&pg_db_url(&db)).await.unwrap();
    sqlx::query("CREATE TABLE added_later (id int)").execute(&mut admin).await.unwrap();
    let (_, cached) = app.get(&format!("/api/v1/datasources/{id}/schema")).await;
    assert!(!cached.to_string().contains("added_later"));
    let (_, fresh) = app.get(&format!("/api/v1/datasources/{id}/schema?refresh=true")).await;
    assert!(fresh.to_string().contains("added_later"));
}

#[tokio::test]
async fn demo_datasource_exists_with_a_related_schema() {
    let app = spawn_app(StoreKind::Sqlite, &[]).await;
    let id = app.demo_id().await;
    let (status, schema) = app.get(&format!("/api/v1/datasources/{id}/schema")).await;
    assert_eq!(status, 200);
    let tables = schema["tables"].as_array().unwrap();
    assert!((6..=8).contains(&tables.len()));
    let items = tables.iter().find(|t| t["name"] == "order_items").unwrap();
    assert!(items["row_estimate"].as_i64().unwrap() > 3000);
    assert!(items.to_string().contains("\"table\":\"orders\""), "foreign key to orders");
    let (_, test) = app.post(&format!("/api/v1/datasources/{id}/test"), json!({})).await;
    assert_eq!(test["ok"], true);
}

/// A request that read a datasource just before an admin edited it runs on the new settings,
/// and never leaves a pool built from the old ones in the cache.
#[tokio::test]
async fn a_handle_read_before_an_edit_neither_uses_nor_caches_the_old_settings() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let old_db = create_pg_database("CREATE TABLE t (v text); INSERT INTO t VALUES ('old');").await;
    let new_db = create_pg_database("CREATE TABLE t (v text); INSERT INTO t VALUES ('new');").await;
    let id = app.add_pg_datasource("moving", &old_db, "postgres").await;
    let read_before_edit = app.state.datasources.open(&id).await.unwrap();
    let edit = json!({"name": "moving", "engine": "postgres", "host": "127.0.0.1", "port": 5432, "database": new_db, "user": "postgres", "sslmode": "disable"});
    let (status, body) = app.send(Method::PUT, &format!("/api/v1/datasources/{id}"), edit).await;
    assert_eq!(status, 200, "{body}");
    let sql = databaseai::app::model::SqlRequest { sql: "SELECT v FROM t".into(), max_rows: None, query_id: None };
    let during = app.state.datasources.run_sql(&read_before_edit, &sql).await.unwrap();
    assert_eq!(during.rows[0][0], json!("new"));
    let (_, after) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT v FROM t"})).await;
    assert_eq!(after["rows"][0][0], json!("new"), "the cached pool is the new one: {after}");
}
