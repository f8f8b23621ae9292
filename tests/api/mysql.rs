//! MySQL / MariaDB datasources against the real MariaDB on 127.0.0.1:3306: the API flow
//! (connection test, schema, typed rows, row cap, errors, time limit, cancel) and the hostile
//! corpus run straight into the database layer with the guard switched off.
use std::time::{Duration, Instant};

use databaseai::server::{
    exec::{mysql::run_in_read_only_transaction, CancelRegistry, Limits},
    guard::{SqlDialect, StatementKind, ValidatedSql},
};
use serde_json::json;
use sqlx::{mysql::MySqlConnectOptions, ConnectOptions, Connection, Executor, MySqlConnection};

use crate::helpers::*;

const HOSTILE_MYSQL: &str = include_str!("../corpus/hostile_mysql.sql");

pub fn mysql_admin_url() -> String {
    std::env::var("DATABASEAI_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_string())
}

/// Creates a fresh MariaDB database and runs `setup` in it.
pub(crate) async fn create_mysql_database(setup: &str) -> String {
    let name = unique("dbai_it");
    let mut admin = MySqlConnection::connect(&mysql_admin_url()).await.expect("MariaDB on 127.0.0.1:3306");
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    let mut conn = MySqlConnection::connect(&format!("{}/{name}", mysql_admin_url())).await.unwrap();
    // Test fixtures only: several statements at once are fine here.
    sqlx::raw_sql(setup).execute(&mut conn).await.unwrap();
    name
}

pub(crate) const SHOP_MYSQL: &str = r#"
CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL, country VARCHAR(100) NULL,
  joined DATETIME NOT NULL DEFAULT '2024-01-01 08:30:00') COMMENT = 'People who bought something';
CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL COMMENT 'Who placed the order',
  total DECIMAL(10,2) NOT NULL, paid BOOLEAN NOT NULL, placed_on DATE NOT NULL, weight DOUBLE NULL,
  FOREIGN KEY (customer_id) REFERENCES customers (id));
INSERT INTO customers (name, country) SELECT CONCAT('customer ', seq), IF(seq % 3 = 0, NULL, 'Portugal') FROM seq_1_to_50;
INSERT INTO orders (customer_id, total, paid, placed_on, weight)
  SELECT 1 + seq % 50, seq * 1.25, seq % 2 = 0, DATE '2024-01-01' + INTERVAL seq DAY, seq / 4 FROM seq_1_to_200;
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
"#;

pub(crate) async fn add_mysql_datasource(app: &TestApp, name: &str, db: &str, user: &str, password: Option<&str>) -> String {
    let (status, body) = app
        .post("/api/v1/datasources", json!({"name": name, "engine": "mysql", "host": "127.0.0.1", "database": db, "user": user, "password": password, "sslmode": "disable"}))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["port"], 3306, "the engine's default port: {body}");
    body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_mysql_datasource_is_tested_introspected_and_queried() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let db = create_mysql_database(SHOP_MYSQL).await;
    let id = add_mysql_datasource(&app, "shop (MariaDB)", &db, "root", None).await;

    let (status, test) = app.post(&format!("/api/v1/datasources/{id}/test"), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(test["ok"], true, "{test}");
    assert!(test["server_version"].as_str().unwrap().starts_with("MariaDB 1"), "{test}");
    assert!(test["warnings"].to_string().contains("administrative privileges"), "root is flagged: {test}");
    assert!(test["read_only_role_sql"].as_str().unwrap().contains(&format!("GRANT SELECT, SHOW VIEW ON `{db}`.*")));

    let (status, schema) = app.get(&format!("/api/v1/datasources/{id}/schema")).await;
    assert_eq!(status, 200, "{schema}");
    assert_eq!(schema["engine"], "mysql");
    let tables = schema["tables"].as_array().unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["big_orders", "customers", "orders"]);
    assert_eq!(tables[0]["kind"], "view");
    assert_eq!(tables[1]["comment"], "People who bought something");
    let orders = &tables[2];
    let customer_id = orders["columns"].as_array().unwrap().iter().find(|c| c["name"] == "customer_id").unwrap();
    assert_eq!(customer_id["references"], json!({"schema": null, "table": "customers", "column": "id"}));
    assert_eq!(customer_id["comment"], "Who placed the order");
    assert_eq!(orders["columns"][0]["primary_key"], true);
    assert_eq!(orders["columns"][2]["data_type"], "decimal(10,2)");

    let path = format!("/api/v1/datasources/{id}/sql");
    let (status, r) = app
        .post(&path, json!({"sql": "SELECT o.id, o.total, o.paid, o.placed_on, o.weight, c.joined, c.country, `c`.`name`\nFROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id LIMIT 3"}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["rows"][0], json!([1, "1.25", false, "2024-01-02", 0.25, "2024-01-01 08:30:00", "Portugal", "customer 2"]));
    assert_eq!(r["rows"][1][2], true);
    assert_eq!(r["columns"][1], json!({"name": "total", "type": "decimal"}));

    // The row cap keeps the query's own order (MariaDB would drop a derived table's ORDER BY).
    let (_, r) = app.post(&path, json!({"sql": "SELECT id FROM orders ORDER BY id DESC -- newest first", "max_rows": 5})).await;
    assert_eq!(r["rows"], json!([[200], [199], [198], [197], [196]]), "{r}");
    assert_eq!(r["truncated"], true);
    // A LIMIT of its own, larger than the cap: cut on our side, and the connection still works.
    let (_, r) = app.post(&path, json!({"sql": "SELECT a.id FROM orders a, orders b ORDER BY a.id LIMIT 40000", "max_rows": 7})).await;
    assert_eq!((r["row_count"].as_u64(), r["truncated"].as_bool()), (Some(7), Some(true)), "{r}");
    let (_, r) = app.post(&path, json!({"sql": "SELECT COUNT(*) AS n FROM big_orders"})).await;
    assert_eq!(r["rows"][0][0], 120);

    let (_, r) = app.post(&path, json!({"sql": "EXPLAIN SELECT * FROM orders WHERE id = 3"})).await;
    assert!(r["columns"].to_string().contains("select_type"), "{r}");
}

#[tokio::test]
async fn mysql_errors_limits_and_cancel_are_clear() {
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo", "--statement-timeout-ms", "1500"]).await;
    let db = create_mysql_database(SHOP_MYSQL).await;
    let id = add_mysql_datasource(&app, "shop", &db, "root", None).await;
    let path = format!("/api/v1/datasources/{id}/sql");

    let (status, e) = app.post(&path, json!({"sql": "SELECT nope FROM customers"})).await;
    assert_eq!(status, 400);
    assert_eq!(e["error"]["code"], "query_failed");
    assert!(e["error"]["message"].as_str().unwrap().contains("Unknown column 'nope'"), "{e}");
    for (sql, why) in [
        ("DELETE FROM customers", "only read-only queries"),
        ("SELECT LOAD_FILE('/etc/passwd')", "load_file"),
        ("SELECT * FROM customers INTO OUTFILE '/tmp/databaseai_it_outfile'", ""),
        ("SELECT * FROM customers /*!50000 INTO OUTFILE '/tmp/databaseai_it_outfile' */", "executable comments"),
        ("SELECT 1; DROP TABLE customers", "only one statement"),
        ("SELECT user, authentication_string FROM mysql.user", "mysql.user is not allowed"),
    ] {
        let (status, e) = app.post(&path, json!({"sql": sql})).await;
        assert_eq!((status, e["error"]["code"].as_str()), (400, Some("sql_rejected")), "{sql}: {e}");
        assert!(e["error"]["message"].as_str().unwrap().contains(why), "{sql}: {e}");
    }
    assert!(!std::path::Path::new("/tmp/databaseai_it_outfile").exists());

    // The server's own statement time limit.
    let slow = "SELECT SUM(a.seq * b.seq) AS s FROM seq_1_to_100000000 a, seq_1_to_1000 b";
    let started = Instant::now();
    let (status, e) = app.post(&path, json!({"sql": slow})).await;
    assert_eq!(status, 408, "{e}");
    assert_eq!(e["error"]["code"], "query_timeout");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let (status, r) = app.post(&path, json!({"sql": "SELECT COUNT(*) FROM customers"})).await;
    assert_eq!((status, &r["rows"][0][0]), (200, &json!(50)), "data intact and the pool healthy: {r}");

    // Cancel: KILL QUERY from a second connection.
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo", "--statement-timeout-ms", "60000"]).await;
    let id = add_mysql_datasource(&app, "shop", &db, "root", None).await;
    let query_id = unique("q");
    let runner = {
        let (client, url, body) = (app.client.clone(), app.url(&format!("/api/v1/datasources/{id}/sql")), json!({"sql": slow, "query_id": query_id}));
        tokio::spawn(async move {
            let r = client.post(url).json(&body).send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap(), Instant::now())
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    let cancelled_at = Instant::now();
    let (_, c) = app.post(&format!("/api/v1/queries/{query_id}/cancel"), json!({})).await;
    assert_eq!(c["cancelled"], true);
    let (status, e, finished) = runner.await.unwrap();
    assert_eq!((status, e["error"]["code"].as_str()), (409, Some("query_cancelled")), "{e}");
    assert!(finished.duration_since(cancelled_at) < Duration::from_secs(1), "took {:?}", finished.duration_since(cancelled_at));

    // Wrong password and unknown database: said plainly, and the datasource can be fixed.
    let bad = add_mysql_datasource(&app, "wrong password", &db, "root", Some("not-the-password")).await;
    let (_, test) = app.post(&format!("/api/v1/datasources/{bad}/test"), json!({})).await;
    assert_eq!(test["ok"], false);
    assert!(test["message"].as_str().unwrap().contains("access denied for user \"root\""), "{test}");
    let missing = add_mysql_datasource(&app, "no such db", "dbai_does_not_exist", "root", None).await;
    let (_, test) = app.post(&format!("/api/v1/datasources/{missing}/test"), json!({})).await;
    assert!(test["message"].as_str().unwrap().contains("database \"dbai_does_not_exist\" does not exist"), "{test}");
}


async fn fingerprint(db: &str) -> String {
    let mut c = MySqlConnection::connect(&format!("{}/{db}", mysql_admin_url())).await.unwrap();
    let (n, agg): (i64, String) = sqlx::query_as("SELECT COUNT(*), CAST(GROUP_CONCAT(id, ':', v ORDER BY id) AS CHAR) FROM guard_victim")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?").bind(db).fetch_one(&mut c).await.unwrap();
    let columns: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?").bind(db).fetch_one(&mut c).await.unwrap();
    format!("{n} rows, {tables} tables, {columns} columns: {agg}")
}

/// Harmful to the server rather than the data (files, locks, accounts, sleeping): the
/// least-privilege pass shows privileges stop them; the superuser pass skips them.
fn server_level(sql: &str) -> bool {
    let s = sql.to_ascii_lowercase();
    ["outfile", "dumpfile", "load_file", "load data", "kill", "global", "flush", "grant", "install", "sleep", "benchmark", "lock", "xa ", "master_pos_wait"]
        .iter()
        .any(|k| s.contains(k))
}

#[tokio::test]
async fn hostile_mysql_corpus_is_harmless_at_the_database_layer() {
    let db = create_mysql_database("CREATE TABLE guard_victim (id INT PRIMARY KEY, v VARCHAR(50)); INSERT INTO guard_victim SELECT seq, CONCAT('row ', seq) FROM seq_1_to_10;").await;
    let reader = unique("reader");
    let mut admin = MySqlConnection::connect(&mysql_admin_url()).await.unwrap();
    sqlx::raw_sql(&format!("CREATE USER '{reader}'@'%'; GRANT SELECT ON `{db}`.* TO '{reader}'@'%';")).execute(&mut admin).await.unwrap();
    let before = fingerprint(&db).await;
    let limits = Limits::new(100, Duration::from_millis(1500));
    let cancels = CancelRegistry::default();
    let base: MySqlConnectOptions = format!("{}/{db}", mysql_admin_url()).parse().unwrap();
    // Statements the server ran (harmless reads, session settings): proof the corpus reached it.
    let mut ran = 0;
    for (user, skip_server_level) in [(reader.as_str(), false), ("root", true)] {
        let options = base.clone().username(user);
        for sql in corpus(HOSTILE_MYSQL).into_iter().filter(|s| !(skip_server_level && server_level(s))) {
            let mut conn = options.connect().await.unwrap();
            let unchecked = ValidatedSql::unchecked_for_tests(&sql, StatementKind::Explain, SqlDialect::MySql);
            let result = run_in_read_only_transaction(&mut conn, &options, &unchecked, &limits, &cancels, None).await;
            let _ = conn.close().await;
            assert_eq!(fingerprint(&db).await, before, "changed as {user} by: {sql}");
            if sql == "DROP TABLE guard_victim" {
                // The server itself refused it, not a broken connection or a syntax slip.
                assert!(format!("{result:?}").contains("READ ONLY transaction"), "{user}: {result:?}");
            }
            ran += usize::from(result.is_ok());
            if sql.to_ascii_lowercase().contains("load_file") {
                let text = format!("{result:?}");
                assert!(!text.contains("root:"), "{user} read a server file with {sql}: {text}");
            }
        }
    }
    assert!(ran >= 10, "only {ran} statements ran at all");
    for file in ["/tmp/databaseai_mysql_outfile", "/tmp/databaseai_mysql_outfile2", "/tmp/databaseai_mysql_dumpfile", "/tmp/databaseai_mysql_comment"] {
        assert!(!std::path::Path::new(file).exists(), "a statement wrote {file}");
    }
    sqlx::raw_sql(&format!("DROP USER '{reader}'@'%'; DROP DATABASE `{db}`;")).execute(&mut admin).await.unwrap();
}
