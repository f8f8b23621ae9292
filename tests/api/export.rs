//! Exports over real HTTP from a real PostgreSQL: the files are opened and checked.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use databaseai::app::model::Role;

const ROWS: usize = 20_000;

async fn app_with_data() -> (TestApp, String) {
    let db = create_pg_database(&format!(
        "CREATE TABLE sales (id int PRIMARY KEY, customer text, amount numeric(10,2), note text);
         INSERT INTO sales SELECT g, 'customer ' || g, g * 0.25 - 100, CASE WHEN g = 1 THEN '=HYPERLINK(\"http://evil\")' ELSE 'ok' END
         FROM generate_series(1, {ROWS}) g;"
    ))
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let id = app.add_pg_datasource("Sales DB", &db, "postgres").await;
    (app, id)
}

async fn export(app: &TestApp, id: &str, body: serde_json::Value) -> reqwest::Response {
    app.client.post(app.url(&format!("/api/v1/datasources/{id}/export"))).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn csv_streams_every_row_past_the_table_cap_with_formulas_neutralised() {
    let (app, id) = app_with_data().await;
    let r = export(&app, &id, json!({"sql": "SELECT id, customer, amount, note FROM sales ORDER BY id", "format": "csv"})).await;
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment; filename=\"sales-db-") && disposition.ends_with(".csv\""), "{disposition}");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap(), vec!["id", "customer", "amount", "note"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), ROWS, "the export cap, not the 10,000-row table cap");
    assert_eq!(&rows[0][3], "'=HYPERLINK(\"http://evil\")", "a formula becomes text");
    assert_eq!(&rows[0][2], "-99.75", "negative decimals stay numbers");
    assert_eq!(&rows[ROWS - 1][1], "customer 20000");

    // Column choice and order.
    let r = export(&app, &id, json!({"sql": "SELECT id, customer FROM sales WHERE id <= 2 ORDER BY id", "format": "csv", "columns": ["customer", "id"]})).await;
    assert_eq!(r.text().await.unwrap(), "customer,id\ncustomer 1,1\ncustomer 2,2\n");

    // The same guard as everywhere: writes and unknown columns are refused with a reason.
    let r = export(&app, &id, json!({"sql": "DELETE FROM sales", "format": "csv"})).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "sql_rejected");
    let r = export(&app, &id, json!({"sql": "SELECT id FROM sales", "format": "csv", "columns": ["nope"]})).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("no column \\\"nope\\\""));
    let r = export(&app, &id, json!({"sql": "SELECT * FROM missing_table", "format": "xlsx"})).await;
    assert_eq!(r.status(), 400, "a query error is an error status, not a broken file");

    // Another user's datasource stays invisible.
    let (_, analyst) = app.user("ana", Role::Analyst).await;
    let (status, _) = call(&analyst, Method::POST, &app.url(&format!("/api/v1/datasources/{id}/export")), Some(json!({"sql": "SELECT 1", "format": "csv"}))).await;
    assert_eq!(status, 404);
    let (_, log) = app.get("/api/v1/audit").await;
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "export" && e["status"] == "ok"), "exports are audited");
}

#[tokio::test]
async fn xlsx_and_pdf_open_and_hold_the_rows() {
    let (app, id) = app_with_data().await;
    let r = export(&app, &id, json!({"sql": "SELECT id, customer, amount, note FROM sales ORDER BY id", "format": "xlsx"})).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().ends_with(".xlsx\""));
    let bytes = r.bytes().await.unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height(), ROWS + 1);
    assert_eq!(sheet.get((0, 1)), Some(&Data::String("customer".into())));
    assert_eq!(sheet.get((1, 0)), Some(&Data::Float(1.0)), "numbers are numbers");
    assert_eq!(sheet.get((1, 2)), Some(&Data::Float(-99.75)));
    assert_eq!(sheet.get((1, 3)), Some(&Data::String("=HYPERLINK(\"http://evil\")".into())), "a text cell, never a formula");

    let r = export(&app, &id, json!({"sql": "SELECT id, customer FROM sales ORDER BY id", "format": "pdf"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("(customer 5000)") && !text.contains("(customer 5001)"), "the PDF holds the first 5,000 rows");
    assert!(text.contains("first 5000 rows"), "and says so");
}

#[tokio::test]
async fn a_browser_form_post_downloads_with_the_session_cookie() {
    let (app, id) = app_with_data().await;
    let login = app.anon.post(app.url("/api/v1/auth/login")).json(&json!({"username": "admin", "password": ADMIN_PASSWORD})).send().await.unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let form = [("sql", "SELECT id, customer FROM sales WHERE id < 3 ORDER BY id"), ("format", "csv"), ("columns", "id\ncustomer")];
    let post = |site: &'static str| {
        app.anon.post(app.url(&format!("/api/v1/datasources/{id}/export"))).header("cookie", &cookie).header("sec-fetch-site", site).form(&form).send()
    };
    let r = post("same-origin").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "id,customer\n1,customer 1\n2,customer 2\n");
    assert_eq!(post("cross-site").await.unwrap().status(), 403, "another site cannot make the browser export");
}
