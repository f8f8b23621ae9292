//! History and verified answers over real HTTP, with the scripted model.
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    helpers::*,
    llm_stub::{answer, StubLlm},
};
use databaseai::app::model::Role;

fn prompt_of(request: &Value) -> String {
    request["messages"].as_array().unwrap().iter().rev().find(|m| m["role"] == "user").unwrap()["content"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn history_lists_my_runs_searchably_and_only_mine() {
    let stub = StubLlm::start(vec![answer("SELECT count(*) AS n FROM products")]).await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url]).await;
    let demo = app.demo_id().await;
    assert_eq!(app.post(&format!("/api/v1/datasources/{demo}/sql"), json!({"sql": "SELECT id FROM customers LIMIT 7"})).await.0, 200);
    assert_eq!(app.post(&format!("/api/v1/datasources/{demo}/sql"), json!({"sql": "SELECT nope FROM customers"})).await.0, 400);
    assert_eq!(app.post(&format!("/api/v1/datasources/{demo}/ask"), json!({"question": "How many products?"})).await.0, 200);

    let (status, history) = app.get("/api/v1/history").await;
    assert_eq!(status, 200);
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 3, "{history}");
    assert_eq!((entries[0]["kind"].as_str(), entries[0]["question"].as_str(), entries[0]["row_count"].as_i64()), (Some("ask"), Some("How many products?"), Some(1)));
    assert_eq!(entries[0]["sql"], "SELECT count(*) AS n FROM products");
    assert_eq!(entries[1]["status"], "failed");
    assert!(entries[1]["error"].as_str().unwrap().contains("nope"), "{}", entries[1]);
    assert_eq!((entries[2]["row_count"].as_i64(), entries[2]["datasource_name"].as_str()), (Some(7), Some("Demo shop")));
    assert!(entries[2]["duration_ms"].as_i64().is_some());

    let (_, found) = app.get("/api/v1/history?q=LIMIT%207").await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let (_, none) = app.get("/api/v1/history?q=%25").await;
    assert_eq!(none, json!([]), "a % in the search is a character, not a wildcard");
    let (_, other) = app.user("ana", Role::Analyst).await;
    assert_eq!(call(&other, Method::GET, &app.url("/api/v1/history"), None).await.1, json!([]));
}

#[tokio::test]
async fn verified_answers_are_checked_kept_per_author_and_guide_similar_questions() {
    let stub = StubLlm::start(vec![
        answer("SELECT p.name FROM products p JOIN order_items i ON i.product_id = p.id GROUP BY p.name ORDER BY sum(i.quantity) DESC LIMIT 3"),
        answer("SELECT count(*) FROM employees"),
    ])
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url]).await;
    let demo = app.demo_id().await;
    let url = format!("/api/v1/datasources/{demo}/verified");

    // Bad input is refused with a reason and saves nothing.
    let (status, e) = app.post(&url, json!({"question": "Delete all", "sql": "DELETE FROM orders"})).await;
    assert_eq!(status, 400);
    assert!(e["error"]["message"].as_str().unwrap().starts_with("the SQL cannot be verified"), "{e}");
    assert_eq!(app.post(&url, json!({"question": "  ", "sql": "SELECT 1"})).await.0, 400);
    assert_eq!(app.get(&url).await.1, json!([]));

    let sql = "SELECT p.name, sum(i.quantity) AS units FROM products p JOIN order_items i ON i.product_id = p.id GROUP BY p.name ORDER BY units DESC LIMIT 5";
    let (status, saved) = app.post(&url, json!({"question": "Which 5 products sold the most units?", "sql": sql, "shared": false})).await;
    assert_eq!(status, 201, "{saved}");
    assert_eq!((saved["mine"].as_bool(), saved["author"].as_str()), (Some(true), Some("admin")));
    let vid = saved["id"].as_str().unwrap().to_string();

    // A similar question gets it as an example, after the schema (so the schema stays a cacheable prefix).
    let (status, answer) = app.post(&format!("/api/v1/datasources/{demo}/ask"), json!({"question": "What are the 3 products that sold the most?"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["examples"], json!(["Which 5 products sold the most units?"]));
    let prompt = prompt_of(&stub.requests()[0]);
    let (schema_at, example_at) = (prompt.find("</schema>").unwrap(), prompt.find(sql).expect("the verified SQL is in the prompt"));
    assert!(schema_at < example_at && example_at < prompt.find("Question: What are the 3 products").unwrap(), "{prompt}");
    // An unrelated question does not.
    let (_, other) = app.post(&format!("/api/v1/datasources/{demo}/ask"), json!({"question": "How many employees are there?"})).await;
    assert_eq!(other["examples"], json!([]));
    assert!(!prompt_of(&stub.requests()[1]).contains("Verified answers"));

    // Private until shared; only the author edits or deletes.
    let (_, ana) = app.user("ana", Role::Analyst).await;
    assert_eq!(call(&ana, Method::GET, &app.url(&url), None).await.1, json!([]));
    let (status, _) = call(&ana, Method::PUT, &app.url(&format!("/api/v1/verified/{vid}")), Some(json!({"question": "x", "sql": "SELECT 1"}))).await;
    assert_eq!(status, 404);
    let (status, updated) = app.send(Method::PUT, &format!("/api/v1/verified/{vid}"), json!({"question": "Which 5 products sold the most units?", "sql": sql, "shared": true})).await;
    assert_eq!((status, updated["shared"].as_bool()), (200, Some(true)));
    let (_, seen) = call(&ana, Method::GET, &app.url(&url), None).await;
    assert_eq!((seen[0]["mine"].as_bool(), seen[0]["author"].as_str()), (Some(false), Some("admin")));
    assert_eq!(call(&ana, Method::DELETE, &app.url(&format!("/api/v1/verified/{vid}")), None).await.0, 404);

    // CSV out and back in; a bad line rejects the whole file.
    let csv = app.client.get(app.url(&format!("{url}/export"))).send().await.unwrap().text().await.unwrap();
    assert!(csv.starts_with("question,sql,shared\n") && csv.contains("Which 5 products sold the most units?"), "{csv}");
    let import = |body: String| app.client.post(app.url(&format!("{url}/import"))).header("content-type", "text/csv").body(body).send();
    let bad = format!("{csv}How many?,DROP TABLE orders,false\n");
    let r = import(bad).await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("line 3"));
    assert_eq!(app.get(&url).await.1.as_array().unwrap().len(), 1, "nothing was imported");
    let r = import(csv.replace("Which 5 products", "Which five products")).await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["imported"], 1);
    assert_eq!(app.get(&url).await.1.as_array().unwrap().len(), 2);
    assert_eq!(app.send(Method::DELETE, &format!("/api/v1/verified/{vid}"), Value::Null).await.0, 204);
}

/// An analyst's shared answer is text written into other people's prompts: it reaches them
/// only after an admin approved it, and an edit needs approval again.
#[tokio::test]
async fn a_shared_answer_reaches_other_prompts_only_once_an_admin_approved_it() {
    let reply = || answer("SELECT count(*) FROM orders");
    let stub = StubLlm::start(vec![reply(), reply(), reply()]).await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url]).await;
    let demo = app.demo_id().await;
    let url = app.url(&format!("/api/v1/datasources/{demo}/verified"));
    let (_, ana) = app.user("ana", Role::Analyst).await;
    let (status, shared) = call(&ana, Method::POST, &url, Some(json!({"question": "How many orders were placed in total?", "sql": "SELECT count(*) AS n FROM orders", "shared": true}))).await;
    assert_eq!((status, shared["approved"].as_bool()), (201, Some(false)), "{shared}");
    let vid = shared["id"].as_str().unwrap().to_string();
    let ask_path = format!("/api/v1/datasources/{demo}/ask");
    let ask = |question: &str| app.post(&ask_path, json!({ "question": question }));

    let (_, before) = ask("How many orders were placed?").await;
    assert_eq!(before["examples"], json!([]), "not approved: not in the admin's prompt");
    assert!(!prompt_of(&stub.requests()[0]).contains("AS n FROM orders"));
    // Analysts cannot approve, not even their own.
    let approve_url = app.url(&format!("/api/v1/verified/{vid}/approve"));
    assert_eq!(call(&ana, Method::POST, &approve_url, None).await.0, 403);
    let (status, approved) = app.post(&format!("/api/v1/verified/{vid}/approve"), json!(null)).await;
    assert_eq!((status, approved["approved"].as_bool()), (200, Some(true)), "{approved}");
    let (_, after) = ask("How many orders were placed?").await;
    assert_eq!(after["examples"], json!(["How many orders were placed in total?"]));
    assert!(prompt_of(&stub.requests()[1]).contains("AS n FROM orders"));

    // An edit by the analyst needs approval again.
    let (status, edited) = call(&ana, Method::PUT, &app.url(&format!("/api/v1/verified/{vid}")), Some(json!({"question": "How many orders were placed in total?", "sql": "SELECT count(*) AS total FROM orders", "shared": true}))).await;
    assert_eq!((status, edited["approved"].as_bool()), (200, Some(false)), "{edited}");
    let (_, again) = ask("How many orders were placed?").await;
    assert_eq!(again["examples"], json!([]));
    let audit = app.get("/api/v1/audit").await.1.to_string();
    assert!(audit.contains("verified_approved"), "the approval is audited");
}

#[tokio::test]
async fn the_eval_command_runs_a_datasources_verified_answers_as_a_test_suite() {
    let stub = StubLlm::start(vec![
        // Pairs run in question order: customers is answered right, employees wrong.
        answer("SELECT count(*) AS n FROM customers"),
        answer("SELECT count(*) AS n FROM products"),
    ])
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url]).await;
    let demo = app.demo_id().await;
    let url = format!("/api/v1/datasources/{demo}/verified");
    assert_eq!(app.post(&url, json!({"question": "How many customers do we have?", "sql": "SELECT count(*) FROM customers", "shared": true})).await.0, 201);
    assert_eq!(app.post(&url, json!({"question": "How many employees work here?", "sql": "SELECT count(*) FROM employees", "shared": true})).await.0, 201);
    let reports = tempfile::tempdir().unwrap();
    // Async, so this test's runtime keeps serving the stub model while the command runs.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_databaseai"))
        .args(["--data-dir", &app.data_dir.path().display().to_string(), "--llm-base-url", &stub.base_url, "eval", "--verified", &demo])
        .arg("--report-dir")
        .arg(reports.path())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("execution accuracy: 1/2 = 50.0%"), "{stdout}");
    // Each pair was asked without itself as an example (the other one may be shown).
    for request in stub.requests() {
        let prompt = prompt_of(&request);
        let asked = prompt.rsplit("Question: ").next().unwrap().lines().next().unwrap().to_string();
        assert!(!prompt.contains(&format!("Question: {asked}\nSQL:")), "{prompt}");
    }
    assert_eq!(std::fs::read_dir(reports.path()).unwrap().count(), 2, "JSON and Markdown reports");
}

/// A question that says what a verified one says, with other values, is answered with the
/// verified SQL and the new values: no model call, marked `verified`, naming the answer used.
#[tokio::test]
async fn a_verified_answer_with_new_values_answers_without_the_model() {
    // The one scripted reply is for the question that is not a lookup.
    let stub = StubLlm::start(vec![answer("SELECT count(*) AS n FROM customers")]).await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url]).await;
    let demo = app.demo_id().await;
    let sql = "SELECT count(*) AS customers FROM customers WHERE city = 'Lisbon' AND signed_up_at >= '2023-01-01'";
    let (status, _) = app.post(&format!("/api/v1/datasources/{demo}/verified"), json!({"question": "How many customers from Lisbon?", "sql": sql})).await;
    assert_eq!(status, 201);
    let path = format!("/api/v1/datasources/{demo}/ask");
    let ask = |q: &'static str| app.post(&path, json!({ "question": q }));

    let (status, r) = ask("how many customers from Porto").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["confidence"], "verified");
    assert_eq!(r["verified_question"], "How many customers from Lisbon?");
    assert_eq!(r["sql"], sql.replace("'Lisbon'", "'Porto'"));
    assert_eq!(r["explanation"], "The verified answer to “How many customers from Lisbon?”, with Lisbon → Porto.");
    let (_, expected) = app.post(&format!("/api/v1/datasources/{demo}/sql"), json!({ "sql": sql.replace("'Lisbon'", "'Porto'") })).await;
    assert_eq!(r["rows"], expected["rows"]);
    assert!(stub.requests().is_empty() && stub.sampled_requests().is_empty(), "no model call");
    let (_, turns) = app.get(&format!("/api/v1/conversations/{}", r["conversation_id"].as_str().unwrap())).await;
    assert_eq!(turns[0]["confidence"], "verified");

    // Another question is the model's, with the verified pair as an example.
    let (status, r) = ask("How many customers signed up from Lisbon?").await;
    assert_eq!(status, 200, "{r}");
    assert_ne!(r["confidence"], "verified");
    assert_eq!(r["verified_question"], Value::Null);
    assert_eq!(stub.requests().len(), 1);
}
