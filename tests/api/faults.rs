//! Datasource faults over real connections: a server that takes the connection and never
//! answers, and a query whose server-side session is killed halfway (what a database
//! restart does to it). Each ends in a clear message, and the next request works without
//! restarting the app.
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection};

use crate::helpers::*;

#[tokio::test]
async fn a_server_that_never_answers_is_a_clear_timeout_and_the_app_stays_responsive() {
    // Accepts TCP connections and says nothing, like a hung database or a black-holing proxy.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let (status, created) = app
        .post("/api/v1/datasources", json!({"name": "silent", "engine": "postgres", "host": "127.0.0.1", "port": port, "database": "x", "user": "x", "sslmode": "disable"}))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();

    let started = Instant::now();
    let (status, e) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT 1"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (502, Some("connection_failed")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("timed out"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(20), "the time limit held: {:?}", started.elapsed());
    // Meanwhile and afterwards the app answers everyone else.
    let (status, _) = app.get("/api/v1/datasources").await;
    assert_eq!(status, 200);
    held.abort();
}

#[tokio::test]
async fn a_query_whose_session_is_killed_fails_clearly_and_the_next_one_works() {
    let db = create_pg_database(SHOP_SQL).await;
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo", "--statement-timeout-ms", "30000"]).await;
    let id = app.add_pg_datasource("restarting", &db, "postgres").await;
    let sql_path = format!("/api/v1/datasources/{id}/sql");
    assert_eq!(app.post(&sql_path, json!({"sql": "SELECT count(*) FROM orders"})).await.0, 200, "the pool is warm");

    let slow = {
        let (client, url) = (app.client.clone(), app.url(&sql_path));
        tokio::spawn(async move { call(&client, Method::POST, &url, Some(json!({"sql": "SELECT count(*) AS n FROM generate_series(1, 2000000000)"}))).await })
    };
    // What a restart does to the running query: the server ends its session.
    let mut admin = PgConnection::connect(&pg_admin_url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let killed: Vec<(bool,)> = sqlx::query_as("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%generate_series%' AND pid <> pg_backend_pid()")
            .bind(&db)
            .fetch_all(&mut admin)
            .await
            .unwrap();
        if !killed.is_empty() || Instant::now() > deadline {
            assert!(!killed.is_empty(), "the slow query never started");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = Instant::now();
    let (status, e) = slow.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "the failure came at once, not at the time limit");
    assert_eq!((status, e["error"]["code"].as_str()), (502, Some("connection_failed")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("closed by the server (it restarted, or ended the session): try again"), "{e}");
    // Every pooled connection goes the way of a restart; the next query still works.
    admin.execute(format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()").as_str()).await.unwrap();
    let (status, r) = app.post(&sql_path, json!({"sql": "SELECT count(*) AS n FROM orders"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["rows"][0][0], 200);
}

#[tokio::test]
async fn an_export_whose_database_session_dies_ends_in_a_failed_download_not_a_short_file() {
    let db = create_pg_database("SELECT 1").await;
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo", "--export-timeout-ms", "120000"]).await;
    let id = app.add_pg_datasource("exporting", &db, "postgres").await;
    let sql = "SELECT g, repeat('x', 200) AS padding FROM generate_series(1, 1000000) g";
    let mut response = app.client.post(app.url(&format!("/api/v1/datasources/{id}/export"))).json(&json!({"sql": sql, "format": "csv"})).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let first = response.chunk().await.unwrap().expect("the first rows arrive");
    assert!(first.starts_with(b"g,padding"));
    // The database goes away while the file is still streaming.
    let mut admin = PgConnection::connect(&pg_admin_url()).await.unwrap();
    let killed: Vec<(bool,)> = sqlx::query_as("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%generate_series%' AND pid <> pg_backend_pid()")
        .bind(&db)
        .fetch_all(&mut admin)
        .await
        .unwrap();
    assert!(!killed.is_empty(), "the export's query was running");
    let mut received = first.len();
    let ended = loop {
        match response.chunk().await {
            Ok(Some(bytes)) => received += bytes.len(),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    // A browser shows a failed download; a short file that looks whole would be a lie.
    assert!(ended.is_err(), "the body ended cleanly after {received} bytes of about 200 MB");
    assert!(received < 200 * 1_000_000, "{received}");
    let (status, _) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT 1 AS one"})).await;
    assert_eq!(status, 200, "the next query works");
}
