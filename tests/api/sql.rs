use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn runs_sql_on_postgres_with_typed_cells_and_row_cap() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let db = create_pg_database(SHOP_SQL).await;
    let id = app.add_pg_datasource("shop", &db, "postgres").await;
    let path = format!("/api/v1/datasources/{id}/sql");

    let (status, r) = app.post(&path, json!({"sql": "SELECT id, name, country, created_at FROM customers ORDER BY id"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["row_count"], 50);
    assert_eq!(r["truncated"], false);
    assert_eq!(r["columns"][0], json!({"name": "id", "type": "int4"}));
    assert_eq!(r["columns"][3]["type"], "timestamptz");
    assert_eq!(r["rows"][0][0], 1);
    assert_eq!(r["rows"][2][2], serde_json::Value::Null, "NULL stays null");
    assert!(r["elapsed_ms"].is_u64());

    let (_, r) = app.post(&path, json!({"sql": "SELECT total, paid, meta FROM orders ORDER BY id LIMIT 2;"})).await;
    assert_eq!(r["rows"][0], json!(["1.25", false, {"k": 1}]), "numeric stays exact");

    // Cells are cut at 10,000 characters (not bytes), whatever their type.
    let sql = "SELECT repeat('é', 10000) AS fits, repeat('é', 10005)::varchar AS cut, repeat('x', 3) AS short, \
               array_fill(7, ARRAY[6000]) AS long_array, 10.50::numeric AS n";
    let (status, r) = app.post(&path, json!({"sql": sql})).await;
    assert_eq!(status, 200, "{r}");
    let row = r["rows"][0].as_array().unwrap();
    assert_eq!(row[0].as_str().unwrap().chars().count(), 10_000, "20,000 bytes but 10,000 characters: kept whole");
    assert_eq!(row[1].as_str().unwrap(), format!("{}…", "é".repeat(10_000)));
    assert_eq!(row[2], "xxx");
    assert!(row[3].as_str().unwrap().starts_with("{7,7,") && row[3].as_str().unwrap().ends_with('…'), "{}", row[3]);
    assert_eq!(row[4], "10.50");

    let (_, r) = app.post(&path, json!({"sql": "SELECT * FROM orders", "max_rows": 10})).await;
    assert_eq!(r["row_count"], 10);
    assert_eq!(r["truncated"], true);

    let (_, r) = app.post(&path, json!({"sql": "SELECT g FROM generate_series(1, 5) g -- trailing comment"})).await;
    assert_eq!(r["row_count"], 5);

    let (_, r) = app.post(&path, json!({"sql": "EXPLAIN SELECT * FROM orders"})).await;
    assert!(r["rows"][0][0].as_str().unwrap().contains("Seq Scan"), "{r}");
}

#[tokio::test]
async fn invalid_and_forbidden_sql_get_clear_errors() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let db = create_pg_database(SHOP_SQL).await;
    let id = app.add_pg_datasource("shop", &db, "postgres").await;
    let path = format!("/api/v1/datasources/{id}/sql");
    let (status, e) = app.post(&path, json!({"sql": "SELECT nope FROM customers"})).await;
    assert_eq!(status, 400);
    assert_eq!(e["error"]["code"], "query_failed");
    assert!(e["error"]["message"].as_str().unwrap().contains("nope"), "{e}");
    let (status, e) = app.post(&path, json!({"sql": "DELETE FROM customers"})).await;
    assert_eq!(status, 400);
    assert_eq!(e["error"]["code"], "sql_rejected");
    assert!(e["error"].get("at").is_none(), "a refusal that is not a syntax error has no place: {e}");
    let (status, e) = app.post(&path, json!({"sql": "SELEC 1"})).await;
    assert_eq!(status, 400);
    assert!(e["error"]["message"].as_str().unwrap().contains("could not be parsed"));
    assert_eq!(e["error"]["at"], json!({"start": 0, "end": 5}), "{e}");
    // The place is in characters of the text as sent, on any line.
    let (status, e) = app.post(&path, json!({"sql": "SELECT 'é', name\nFROM customers c\nWHERE c.id = = 1"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (400, Some("sql_rejected")), "{e}");
    assert_eq!(e["error"]["at"], json!({"start": 47, "end": 48}), "the second `=`: {e}");
    let (_, r) = app.post(&path, json!({"sql": "SELECT count(*) FROM customers"})).await;
    assert_eq!(r["rows"][0][0], 50, "data intact");
    let (status, _) = app.post("/api/v1/datasources/does-not-exist/sql", json!({"sql": "SELECT 1"})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_query_that_runs_forever_is_stopped_by_the_time_limit() {
    let app = spawn_app(StoreKind::Sqlite, &["--statement-timeout-ms", "1500"]).await;
    let db = create_pg_database("SELECT 1").await;
    let id = app.add_pg_datasource("pg", &db, "postgres").await;
    let started = Instant::now();
    let (status, e) = app
        .post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT count(*) FROM generate_series(1, 100000000) a, generate_series(1, 1000) b"}))
        .await;
    assert_eq!(status, 408, "{e}");
    assert_eq!(e["error"]["code"], "query_timeout");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // The connection is clean for the next query.
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT 1 AS one"})).await;
    assert_eq!(status, 200);
    assert_eq!(r["rows"][0][0], 1);

    // SQLite: the progress handler enforces the same limit.
    let demo = app.demo_id().await;
    let started = Instant::now();
    let (status, e) = app
        .post(&format!("/api/v1/datasources/{demo}/sql"), json!({"sql": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"}))
        .await;
    assert_eq!(status, 408, "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn cancel_stops_a_running_query_within_a_second() {
    let app = spawn_app(StoreKind::Sqlite, &["--statement-timeout-ms", "60000"]).await;
    let db = create_pg_database("SELECT 1").await;
    let pg = app.add_pg_datasource("pg", &db, "postgres").await;
    let demo = app.demo_id().await;
    let long_queries = [
        (pg, "SELECT count(*) FROM generate_series(1, 100000000) a, generate_series(1, 1000) b"),
        (demo, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"),
    ];
    for (id, sql) in long_queries {
        let query_id = unique("q");
        let runner = {
            let (client, url, body) = (app.client.clone(), app.url(&format!("/api/v1/datasources/{id}/sql")), json!({"sql": sql, "query_id": query_id}));
            tokio::spawn(async move {
                let r = client.post(url).json(&body).send().await.unwrap();
                (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap(), Instant::now())
            })
        };
        tokio::time::sleep(Duration::from_millis(800)).await;
        let cancelled_at = Instant::now();
        let (status, c) = app.post(&format!("/api/v1/queries/{query_id}/cancel"), json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(c["cancelled"], true, "{sql}");
        let (status, e, finished) = runner.await.unwrap();
        assert_eq!(status, 409, "{e}");
        assert_eq!(e["error"]["code"], "query_cancelled");
        assert!(finished.duration_since(cancelled_at) < Duration::from_secs(1), "took {:?}", finished.duration_since(cancelled_at));
    }
    let (_, c) = app.post("/api/v1/queries/unknown/cancel", json!({})).await;
    assert_eq!(c["cancelled"], false);
}

#[tokio::test]
async fn demo_datasource_answers_sql() {
    let app = spawn_app(StoreKind::Sqlite, &[]).await;
    let id = app.demo_id().await;
    let (status, r) = app
        .post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT c.name, count(*) AS products FROM categories c JOIN products p ON p.category_id = c.id GROUP BY c.name ORDER BY products DESC, c.name"}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["row_count"], 7);
    assert_eq!(r["rows"][0], json!(["Kitchen", 6]));
    let (status, e) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "DELETE FROM orders"})).await;
    assert_eq!(status, 400);
    assert_eq!(e["error"]["code"], "sql_rejected");
}
