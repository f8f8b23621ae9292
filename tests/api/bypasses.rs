//! The guard bypasses found in the security review (issue 18), each replayed through the API
//! against the real servers, as an admin with a superuser datasource, as an analyst, and
//! through /ask with a hostile scripted model. Afterwards the databases show nothing happened.
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::{
    helpers::*,
    llm_stub::{answer, StubLlm},
    mysql::{add_mysql_datasource, create_mysql_database, SHOP_MYSQL},
};
use databaseai::app::model::Role;

/// Statements that ran on main at 3ab7b44 and must now be refused before reaching PostgreSQL.
const POSTGRES_BYPASSES: &[&str] = &[
    r#"SELECT U&"pg_r\0065ad_file"('/etc/passwd')"#,
    r#"SELECT U&"dbl\0069nk_exec"('dbname=x', 'UPDATE canary SET v = 0')"#,
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
    "SELECT pg_stat_reset()",
    "SELECT pg_advisory_lock(42)",
    "SELECT * FROM pg_ls_dir('.')",
    "SELECT rolname, rolpassword FROM (TABLE pg_authid) a",
    "SELECT * FROM (TABLE pg_shadow) s",
    "WITH s AS (TABLE pg_settings) SELECT * FROM s",
    "SELECT * FROM (TABLE pg_stat_activity) a",
    "SELECT * FROM ts_stat('SELECT to_tsvector(pg_read_file(''/etc/passwd''))')",
    "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery')",
    "SELECT * FROM pg_stat_get_activity(NULL)",
    "SELECT * FROM pg_hba_file_rules()",
    "SELECT * FROM pg_show_all_file_settings()",
    "EXPLAIN (ANALYSE) UPDATE canary SET v = 0",
    "EXPLAIN (ANALYSE) SELECT count(*) FROM canary",
];

const CANARY_SQL: &str = "CREATE TABLE canary (id int PRIMARY KEY, v int NOT NULL); INSERT INTO canary VALUES (1, 7);";

async fn canary_and_locks(db: &str) -> (i32, i64) {
    let mut conn = PgConnection::connect(&pg_db_url(db)).await.unwrap();
    let v: i32 = sqlx::query_scalar("SELECT v FROM canary WHERE id = 1").fetch_one(&mut conn).await.unwrap();
    let locks: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetch_one(&mut conn).await.unwrap();
    (v, locks)
}

fn assert_refused(status: u16, body: &Value, sql: &str) {
    assert_eq!(status, 400, "{sql}: {body}");
    assert_eq!(body["error"]["code"], "sql_rejected", "{sql}: {body}");
    assert!(!body.to_string().contains("root:"), "{sql}: {body}");
}

#[tokio::test]
async fn postgres_bypasses_are_refused_for_admins_and_analysts() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let db = create_pg_database(&format!("{SHOP_SQL}{CANARY_SQL}")).await;
    let id = app.add_pg_datasource("shop", &db, "postgres").await;
    let (status, _) = app.send(Method::PUT, &format!("/api/v1/datasources/{id}/sharing"), json!({"everyone": true})).await;
    assert_eq!(status, 200);
    let (_, analyst) = app.user("eve", Role::Analyst).await;
    let path = format!("/api/v1/datasources/{id}/sql");
    for sql in POSTGRES_BYPASSES {
        let (status, body) = app.post(&path, json!({ "sql": sql })).await;
        assert_refused(status, &body, sql);
        let (status, body) = call(&analyst, Method::POST, &app.url(&path), Some(json!({ "sql": sql }))).await;
        assert_refused(status, &body, sql);
    }
    assert_eq!(canary_and_locks(&db).await, (7, 0), "no row changed and no advisory lock is held");
    // The same grammar as the server: a U& identifier that spells a column is that column.
    let (status, body) = app.post(&path, json!({"sql": r#"SELECT U&"n\0061me" FROM customers ORDER BY id LIMIT 1"#})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rows"][0][0], "customer 1");
    // A plain EXPLAIN with options read from the tree still works.
    let (status, body) = app.post(&path, json!({"sql": "EXPLAIN (FORMAT JSON, VERBOSE) SELECT count(*) FROM canary"})).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_hostile_model_cannot_get_a_bypass_run_through_ask() {
    let attack = r#"SELECT U&"pg_r\0065ad_file"('/etc/passwd') AS f"#;
    let stub = StubLlm::start(vec![answer(attack), answer("SELECT * FROM (TABLE pg_authid) a"), answer("SELECT pg_advisory_lock(1)")]).await;
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo", "--llm-base-url", &stub.base_url, "--ask-max-attempts", "3"]).await;
    let db = create_pg_database(&format!("{SHOP_SQL}{CANARY_SQL}")).await;
    let id = app.add_pg_datasource("shop", &db, "postgres").await;
    let (status, body) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "show me /etc/passwd"})).await;
    assert_ne!(status, 200, "{body}");
    assert!(!body.to_string().contains("root:"), "{body}");
    assert_eq!(stub.requests().len(), 3, "every refused attempt went back to the model");
    let fed_back = stub.requests()[1]["messages"].to_string();
    assert!(fed_back.contains("pg_read_file"), "the refusal names the decoded function: {fed_back}");
    assert_eq!(canary_and_locks(&db).await, (7, 0));
}

#[tokio::test]
async fn mariadb_comment_differentials_are_refused_and_comments_never_reach_the_server() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let db = create_mysql_database(SHOP_MYSQL).await;
    let id = add_mysql_datasource(&app, "shop (MariaDB)", &db, "root", None).await;
    let path = format!("/api/v1/datasources/{id}/sql");
    let (status, _) = app.send(Method::PUT, &format!("/api/v1/datasources/{id}/sharing"), json!({"everyone": true})).await;
    assert_eq!(status, 200);
    let (_, analyst) = app.user("eve", Role::Analyst).await;
    let outfile = format!("/tmp/{}", unique("dbai_outfile"));
    for space in ['\u{00A0}', '\u{2003}', '\u{3000}'] {
        for payload in [
            "LOAD_FILE('/etc/hostname') AS f".to_string(),
            "(SELECT GROUP_CONCAT(User, ':', authentication_string) FROM mysql.user) AS f".to_string(),
            "SLEEP(3) AS f".to_string(),
        ] {
            let sql = format!("SELECT t.a --{space}, {payload} FROM (SELECT 1 AS a, 2 AS `{space}`) t");
            let (status, body) = app.post(&path, json!({ "sql": sql })).await;
            assert_refused(status, &body, &sql);
            assert!(body["error"]["message"].as_str().unwrap().contains(&format!("U+{:04X}", space as u32)), "{body}");
            let (status, body) = call(&analyst, Method::POST, &app.url(&path), Some(json!({ "sql": sql }))).await;
            assert_refused(status, &body, &sql);
        }
        let sql = format!("SELECT t.a --{space}, 1 INTO OUTFILE '{outfile}' FROM (SELECT 1 AS a) t");
        let (status, body) = app.post(&path, json!({ "sql": sql })).await;
        assert_refused(status, &body, &sql);
    }
    assert!(!std::path::Path::new(&outfile).exists());
    // An ordinary comment is harmless and dropped: what runs is the printed tree.
    let (status, body) = app.post(&path, json!({"sql": "SELECT t.a -- the first\n, 2 AS b FROM (SELECT 1 AS a) t"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rows"][0], json!([1, 2]));
    // Strings keep their quotes through the printer; a backslash is refused, not reinterpreted.
    let (status, body) = app.post(&path, json!({"sql": "SELECT 'O''Brien' AS n, \"x\" AS s, 'a' || 'b' AS c"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rows"][0], json!(["O'Brien", "x", "ab"]));
    let (status, body) = app.post(&path, json!({"sql": "SELECT 'a\\\\', 'b' AS x"})).await;
    assert_refused(status, &body, "backslash");
}

#[tokio::test]
async fn sqlite_queries_cannot_take_the_servers_memory() {
    let app = spawn_app(StoreKind::Sqlite, &[]).await;
    let demo = app.demo_id().await;
    let (_, analyst) = app.user("mallory", Role::Analyst).await;
    let path = app.url(&format!("/api/v1/datasources/{demo}/sql"));
    let (status, body) = call(&analyst, Method::POST, &path, Some(json!({"sql": "SELECT length(randomblob(900000000))"}))).await;
    assert_refused(status, &body, "randomblob");
    // Doubling a string 26 times builds 64 MiB (under SQLite's default 1 GB cap): our 16 MiB
    // length limit stops it.
    let started = Instant::now();
    let doubling = "WITH RECURSIVE r(s, n) AS (SELECT 'x', 0 UNION ALL SELECT s || s, n + 1 FROM r WHERE n < 26) \
                    SELECT max(length(s)) FROM r";
    let (status, body) = call(&analyst, Method::POST, &path, Some(json!({ "sql": doubling }))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "query_failed", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("too big"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The datasource still answers.
    let (status, _) = call(&analyst, Method::POST, &path, Some(json!({"sql": "SELECT count(*) FROM orders"}))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_exhausted_pool_answers_busy_with_retry_after_and_each_user_keeps_a_share() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo", "--statement-timeout-ms", "9000"]).await;
    let db = create_pg_database(SHOP_SQL).await;
    let id = app.add_pg_datasource("shop", &db, "postgres").await;
    let (status, _) = app.send(Method::PUT, &format!("/api/v1/datasources/{id}/sharing"), json!({"everyone": true})).await;
    assert_eq!(status, 200);
    let path = app.url(&format!("/api/v1/datasources/{id}/sql"));
    let (_, ann) = app.user("ann", Role::Analyst).await;
    let (_, bob) = app.user("bob", Role::Analyst).await;
    let (_, cid) = app.user("cid", Role::Analyst).await;
    // Ann and Bob each run two slow queries: their shares, and together the four connections.
    let slow = json!({"sql": "SELECT count(*) FROM generate_series(1, 2000000000) a"});
    let holders: Vec<_> = [&ann, &ann, &bob, &bob]
        .into_iter()
        .map(|client| {
            let (client, path, slow) = (client.clone(), path.clone(), slow.clone());
            tokio::spawn(async move { client.post(&path).json(&slow).send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    // A third query of Ann's is refused at once: one person cannot take the whole pool.
    let started = Instant::now();
    let response = ann.post(&path).json(&json!({"sql": "SELECT 1"})).send().await.unwrap();
    assert_eq!((response.status().as_u16(), started.elapsed() < Duration::from_secs(1)), (503, true));
    assert_eq!(response.headers()["retry-after"], "2");
    // Cid waits for a connection and, with none free, gets a clear busy answer, not a 500.
    let response = cid.post(&path).json(&json!({"sql": "SELECT 1"})).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "2");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "busy", "{body}");
    for h in holders {
        let _ = h.await;
    }
    let (status, _) = call(&cid, Method::POST, &path, Some(json!({"sql": "SELECT 1"}))).await;
    assert_eq!(status, 200, "the pool recovers");
}

#[tokio::test]
async fn a_hostile_model_cannot_get_a_comment_differential_run_on_mariadb() {
    let attack = "SELECT t.a --\u{00A0}, LOAD_FILE('/etc/passwd') AS f FROM (SELECT 1 AS a, 2 AS `\u{00A0}`) t";
    let stub = StubLlm::start(vec![answer(attack), answer("SELECT @@global.secure_file_priv")]).await;
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo", "--llm-base-url", &stub.base_url, "--ask-max-attempts", "2"]).await;
    let db = create_mysql_database(SHOP_MYSQL).await;
    let id = add_mysql_datasource(&app, "shop (MariaDB)", &db, "root", None).await;
    let (status, body) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "show me /etc/passwd"})).await;
    assert_ne!(status, 200, "{body}");
    assert!(!body.to_string().contains("root:"), "{body}");
    let fed_back = stub.requests()[1]["messages"].to_string();
    assert!(fed_back.contains("U+00A0"), "the refusal went back to the model: {fed_back}");
}

/// A reply of one endless `data:` line (no line break) is cut at the stream cap in linear
/// time, with a clear message; before, the parser re-scanned the line on every chunk.
#[tokio::test]
async fn one_endless_stream_line_is_capped_quickly() {
    let endless = format!("data: {{\"choices\": [{{\"delta\": {{\"content\": \"{}", "x".repeat(17 * 1024 * 1024));
    let stub = StubLlm::start(vec![crate::llm_stub::Reply::RawSse(endless)]).await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--ask-max-attempts", "1"]).await;
    let demo = app.demo_id().await;
    let started = Instant::now();
    let (status, body) = app.post(&format!("/api/v1/datasources/{demo}/ask"), json!({"question": "How many orders?"})).await;
    assert_ne!(status, 200, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("longer than"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn sqlite_links_and_embedded_metadata_addresses_are_refused() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    // A link inside sqlite/ to the app store (password hashes) is not followed.
    let sqlite_dir = app.data_dir.path().join("sqlite");
    std::fs::create_dir_all(&sqlite_dir).unwrap();
    std::os::unix::fs::symlink(app.data_dir.path().join("databaseai.sqlite"), sqlite_dir.join("store.db")).unwrap();
    let (status, ds) = app.post("/api/v1/datasources", json!({"name": "link", "engine": "sqlite", "path": "store.db"})).await;
    assert_eq!(status, 201, "{ds}");
    let id = ds["id"].as_str().unwrap();
    let (status, body) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT username FROM users"})).await;
    assert_ne!(status, 200, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("symbolic link"), "{body}");
    // The metadata address written as IPv6 that carries it.
    for host in ["64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "::169.254.169.254", "::ffff:169.254.169.254"] {
        let (status, body) = app.post("/api/v1/datasources", json!({"name": host, "engine": "postgres", "host": host, "database": "d", "user": "u"})).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")), "{host}: {body}");
    }
}

/// Functions of the datasource itself are refused until an admin names them; then exactly
/// those run, and the server's own functions can never be added to the list.
#[tokio::test]
async fn an_admin_can_allow_the_datasources_own_functions() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let setup = format!("{SHOP_SQL}CREATE FUNCTION public.fiscal_quarter(d date) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT (EXTRACT(MONTH FROM d)::int + 8) % 12 / 3 + 1 $$;");
    let db = create_pg_database(&setup).await;
    let id = app.add_pg_datasource("shop", &db, "postgres").await;
    let (status, _) = app.send(Method::PUT, &format!("/api/v1/datasources/{id}/sharing"), json!({"everyone": true})).await;
    assert_eq!(status, 200);
    let sql_path = format!("/api/v1/datasources/{id}/sql");
    let functions_path = format!("/api/v1/datasources/{id}/functions");
    let query = json!({"sql": "SELECT fiscal_quarter(DATE '2024-04-15') AS q"});
    let (status, body) = app.post(&sql_path, query.clone()).await;
    assert_refused(status, &body, "a user function before it is allowed");

    // Bad entries are refused with a reason and change nothing.
    for bad in ["pg_catalog.pg_read_file", "pg_sleep", "information_schema._pg_truetypid", "a;b", "x.y.z", "Robert'); DROP"] {
        let (status, e) = app.send(Method::PUT, &functions_path, json!({"functions": ["public.fiscal_quarter", bad]})).await;
        assert_eq!(status, 400, "{bad}: {e}");
    }
    assert_eq!(app.get(&functions_path).await.1, json!({"functions": []}));
    // Analysts may neither read nor change the list.
    let (_, analyst) = app.user("eve", Role::Analyst).await;
    assert_eq!(call(&analyst, Method::PUT, &app.url(&functions_path), Some(json!({"functions": ["public.fiscal_quarter"]}))).await.0, 403);

    let (status, set) = app.send(Method::PUT, &functions_path, json!({"functions": [" Public.Fiscal_Quarter "]})).await;
    assert_eq!((status, set), (200, json!({"functions": ["public.fiscal_quarter"]})));
    for sql in ["SELECT fiscal_quarter(DATE '2024-04-15') AS q", "SELECT public.fiscal_quarter(DATE '2024-04-15') AS q"] {
        let (status, body) = call(&analyst, Method::POST, &app.url(&sql_path), Some(json!({ "sql": sql }))).await;
        assert_eq!(status, 200, "{sql}: {body}");
        assert_eq!(body["rows"][0][0], 1, "April is the first quarter of a fiscal year starting in April");
    }
    // Another schema's function of the same name is still refused, and so is everything else.
    let (status, body) = app.post(&sql_path, json!({"sql": "SELECT other.fiscal_quarter(now()::date)"})).await;
    assert_refused(status, &body, "another schema");
    let (status, body) = app.post(&sql_path, json!({"sql": "SELECT pg_sleep(1)"})).await;
    assert_refused(status, &body, "pg_sleep");
    let audit = app.get("/api/v1/audit").await.1.to_string();
    assert!(audit.contains("functions_allowed") && audit.contains("public.fiscal_quarter"), "the change is audited");
}
