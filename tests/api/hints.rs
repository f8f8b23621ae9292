//! Every kind of correction hint against the message the real server sends for it: each
//! failing query runs through the app's SQL endpoint (PostgreSQL, MariaDB, SQLite), and the
//! error text the ask pipeline would see is handed to `hints::for_error` with the schema the
//! app read. A hint that misreads its message (the GROUP BY error once got an "unknown column"
//! hint) fails here, not in an eval run.
use databaseai::{app::model::SchemaInfo, server::ask::hints::for_error};
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
        ("SELECT EXTRACT(YEAR FROM joined_unix) FROM customer", &["EXTRACT works on dates"]),
        ("SELECT round(amount, 2) FROM sale", &["ROUND(value::numeric, 2)"]),
        ("SELECT joined_unix - INTERVAL '1 day' FROM customer", &["a number used as a date", "to_timestamp(col)"]),
        ("SELECT * FROM customer WHERE month_name >= CURRENT_DATE", &["to_date(col, 'Month')"]),
        ("SELECT * FROM sale WHERE (now() - sold_at) > 30", &["an interval cannot be compared with a number"]),
        ("SELECT date_trunc('month', joined_unix) FROM customer", &["date_trunc(unknown, bigint) does not exist: a number used as a date"]),
        ("SELECT * FROM customer WHERE month_name = 3", &["a text column is compared with a number"]),
        ("SELECT abs(extract(day FROM (now() - (SELECT min(joined) FROM customer))) AS d", &["the query opens 6 parentheses and closes 5"]),
    ];
    check(&app, &id, cases).await;
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
