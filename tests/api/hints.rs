//! Every kind of correction hint against the message the real server sends for it: each
//! failing query runs through the app's SQL endpoint (PostgreSQL, MariaDB, SQLite), and the
//! error text the ask pipeline would see is handed to `hints::for_error` with the schema the
//! app read. A hint that misreads its message (the GROUP BY error once got an "unknown column"
//! hint) fails here, not in an eval run.
use databaseai::{
    app::model::SchemaInfo,
    server::{
        ask::{hints::for_error, repair::repair},
        guard::SqlDialect,
    },
};
use serde_json::json;

use crate::{
    helpers::*,
    mysql::{add_mysql_datasource, create_mysql_database},
};

const SHOP_PG: &str = "CREATE TABLE customer (id int PRIMARY KEY, name text, city text, joined date, joined_unix bigint, month_name text);
    CREATE TABLE sale (id int PRIMARY KEY, customer_id int REFERENCES customer(id), amount double precision, sold_at timestamptz);
    INSERT INTO customer VALUES (1, 'Ana', 'Lisbon', '2024-01-02', 1704153600, 'January');
    INSERT INTO sale VALUES (1, 1, 9.5, '2024-02-03 10:00+00');";

/// Runs `sql` and returns the error message the API (and the ask pipeline) reports.
async fn error_of(app: &TestApp, id: &str, sql: &str) -> String {
    let (status, body) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({ "sql": sql })).await;
    assert_ne!(status, 200, "{sql} should fail: {body}");
    body["error"]["message"].as_str().unwrap_or_else(|| panic!("no message: {body}")).to_string()
}

async fn schema_of(app: &TestApp, id: &str) -> SchemaInfo {
    let (status, body) = app.get(&format!("/api/v1/datasources/{id}/schema")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

/// Each case: the failing query and what its hint must say.
async fn check(app: &TestApp, id: &str, cases: &[(&str, &[&str])]) {
    let schema = schema_of(app, id).await;
    let tables: Vec<_> = schema.tables.iter().collect();
    for (sql, expected) in cases {
        let message = error_of(app, id, sql).await;
        let hint = for_error(&message, sql, &tables).unwrap_or_else(|| panic!("no hint for {message:?} ({sql})"));
        for fragment in *expected {
            assert!(hint.contains(fragment), "hint for {message:?} ({sql}) lacks {fragment:?}: {hint}");
        }
    }
}

#[tokio::test]
async fn each_postgres_hint_answers_the_real_message() {
    let db = create_pg_database(SHOP_PG).await;
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let id = app.add_pg_datasource("hints", &db, "postgres").await;
    let cases: &[(&str, &[&str])] = &[
        // Unknown names: what the alias stands for, and who has the column.
        ("SELECT amont FROM sale", &["column amont does not exist", "public.sale.amount"]),
        ("SELECT s.city FROM sale s JOIN customer c ON c.id = s.customer_id", &["s is public.sale and its columns are: id, customer_id, amount, sold_at", "tables with a column city: public.customer"]),
        ("SELECT * FROM sales", &["table sales does not exist", "public.sale"]),
        // The GROUP BY error names a column that exists: it must not be called unknown.
        ("SELECT c.name, count(*) FROM customer c JOIN sale s ON s.customer_id = c.id GROUP BY c.city", &["c.name is selected or ordered by outside an aggregate", "add c.name to GROUP BY"]),
        ("SELECT id FROM customer c JOIN sale s ON s.customer_id = c.id", &["id is a column of c (customer) and s (sale)", "e.g. c.id"]),
        ("SELECT x.name FROM customer c", &["x is used but never defined in FROM or JOIN (defined: c (customer))"]),
        // Date functions on a number or text column: the column named, with the expression rewritten.
        ("SELECT EXTRACT(YEAR FROM joined_unix) FROM customer", &["joined_unix is customer.joined_unix of type bigint, not a date: if it counts Unix seconds, write EXTRACT(YEAR FROM to_timestamp(joined_unix))"]),
        ("SELECT date_trunc('month', c.month_name) FROM customer c", &["c.month_name is customer.month_name of type text", "not a date: write date_trunc('month', "]),
        // No column to name: the general advice.
        ("SELECT EXTRACT(YEAR FROM (SELECT count(*) FROM customer))", &["EXTRACT works on dates"]),
        ("SELECT round(amount, 2) FROM sale", &["ROUND(value::numeric, 2)"]),
        ("SELECT joined_unix - INTERVAL '1 day' FROM customer", &["write to_timestamp(joined_unix) - INTERVAL '1 day'"]),
        ("SELECT (SELECT count(*) FROM customer) - INTERVAL '1 day'", &["a number used as a date", "to_timestamp(col)"]),
        // A one-column subquery stands for its column.
        ("SELECT now() - (SELECT min(joined_unix) FROM customer)", &["write now() - to_timestamp((SELECT min(joined_unix) FROM customer))"]),
        ("SELECT * FROM customer WHERE month_name >= CURRENT_DATE", &["month_name is customer.month_name of type text", "write to_date(month_name, 'Month') >= CURRENT_DATE"]),
        ("SELECT * FROM sale WHERE (now() - sold_at) > 30", &["an interval cannot be compared with a number"]),
        ("SELECT date_trunc('month', joined_unix) FROM customer", &["write date_trunc('month', to_timestamp(joined_unix))"]),
        ("SELECT * FROM customer WHERE month_name = 3", &["a text column is compared with a number"]),
        ("SELECT abs(extract(day FROM (now() - (SELECT min(joined) FROM customer))) AS d", &["the query opens 6 parentheses and closes 5"]),
    ];
    check(&app, &id, cases).await;
}

/// Repairs made without the model, against the real server's messages: each fires, and the
/// query it makes runs.
#[tokio::test]
async fn each_postgres_repair_answers_the_real_message_and_runs() {
    let db = create_pg_database(
        "CREATE TABLE member (uid bigint PRIMARY KEY, user_id text UNIQUE, name text);
         CREATE TABLE post (pid int PRIMARY KEY, user_id text, posted date);
         INSERT INTO member VALUES (1, 'u1', 'Ana'); INSERT INTO post VALUES (10, 'u1', '2024-01-02');",
    )
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let id = app.add_pg_datasource("repairs", &db, "postgres").await;
    let schema = schema_of(&app, &id).await;
    let tables: Vec<_> = schema.tables.iter().collect();
    let cases = [
        // bigint = text: the member's text key of the same name is the one meant.
        ("SELECT m.name, count(*) AS posts FROM member m JOIN post p ON m.uid = p.user_id GROUP BY m.name", "the join was made on the key of the same type"),
        // One row of aggregates ordered by a column it does not show.
        ("SELECT count(*) FROM post WHERE posted >= '2024-01-01' ORDER BY posted DESC LIMIT 1", "the ORDER BY of a one-row aggregate was dropped"),
    ];
    for (sql, expected) in cases {
        let message = error_of(&app, &id, sql).await;
        let (repaired, how) = repair(&message, sql, &tables, SqlDialect::Postgres).unwrap_or_else(|| panic!("no repair for {message:?} ({sql})"));
        assert_eq!(how, expected, "{message}");
        let (status, body) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({ "sql": repaired })).await;
        assert_eq!(status, 200, "{repaired}: {body}");
        assert_eq!(body["row_count"], 1, "{repaired}: {body}");
    }
}

#[tokio::test]
async fn each_mariadb_hint_answers_the_real_message() {
    let db = create_mysql_database(
        "CREATE TABLE customer (id INT PRIMARY KEY, name VARCHAR(50), city VARCHAR(50));
         CREATE TABLE sale (id INT PRIMARY KEY, customer_id INT, amount DOUBLE);
         INSERT INTO customer VALUES (1, 'Ana', 'Lisbon'); INSERT INTO sale VALUES (1, 1, 9.5);",
    )
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let id = add_mysql_datasource(&app, "hints", &db, "root", None).await;
    let cases: &[(&str, &[&str])] = &[
        ("SELECT amont FROM sale", &["column amont does not exist", "sale.amount"]),
        ("SELECT s.city FROM sale s JOIN customer c ON c.id = s.customer_id", &["s is ", "sale and its columns are: id, customer_id, amount", "tables with a column city"]),
        ("SELECT * FROM sales", &["table sales does not exist", "the closest tables are: sale"]),
        ("SELECT id FROM customer c JOIN sale s ON s.customer_id = c.id", &["id is a column of c (customer) and s (sale)"]),
        ("SELECT abs((SELECT min(amount) FROM sale) AS d", &["the query opens 3 parentheses and closes 2"]),
    ];
    check(&app, &id, cases).await;
}

#[tokio::test]
async fn each_sqlite_hint_answers_the_real_message() {
    let app = spawn_app(StoreKind::Sqlite, &[]).await;
    let id = app.demo_id().await;
    let cases: &[(&str, &[&str])] = &[
        ("SELECT totl FROM orders", &["column totl does not exist", "orders.total"]),
        ("SELECT o.city FROM orders o JOIN customers c ON c.id = o.customer_id", &["o is orders and its columns are:", "tables with a column city: customers"]),
        ("SELECT * FROM ordrs", &["table ordrs does not exist", "orders"]),
        ("SELECT id FROM orders o JOIN customers c ON c.id = o.customer_id", &["id is a column of o (orders) and c (customers)"]),
        ("SELECT abs((SELECT min(total) FROM orders) AS d", &["the query opens 3 parentheses and closes 2"]),
    ];
    check(&app, &id, cases).await;
}
