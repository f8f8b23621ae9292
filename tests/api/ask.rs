use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{
    helpers::*,
    llm_stub::{answer, Reply, StubLlm},
};

async fn app_with(stub: &StubLlm) -> TestApp {
    spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--llm-timeout-ms", "1500"]).await
}

fn last_user_message(request: &Value) -> String {
    let messages = request["messages"].as_array().unwrap();
    messages.iter().rev().find(|m| m["role"] == "user").unwrap()["content"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn answers_a_question_and_remembers_the_conversation() {
    let stub = StubLlm::start(vec![
        answer("SELECT count(*) AS orders FROM orders"),
        answer("SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY n DESC"),
    ])
    .await;
    let app = app_with(&stub).await;
    let id = app.demo_id().await;
    let (status, first) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "How many orders are there?"})).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["rows"][0][0], 2400);
    assert_eq!(first["explanation"], "Shows orders (number of rows) from orders.", "read off the query that ran");
    assert_eq!(first["attempts"], json!([]));
    let request = &stub.requests()[0];
    assert!(request["messages"][0]["content"].as_str().unwrap().contains("SQLite"));
    let prompt = last_user_message(request);
    assert!(prompt.contains("CREATE TABLE orders") && prompt.contains("Question: How many orders are there?"), "{prompt}");
    assert!(prompt.contains("CREATE TABLE reviews ("), "a schema that fits the budget is shown whole");
    assert!(prompt.contains("status text, -- values: 'cancelled', 'delivered', 'pending', 'returned', 'shipped'"), "{prompt}");
    assert!(!prompt.contains("'Lisbon'"), "columns with many values are not listed");
    assert_eq!(request["temperature"], 0.0);
    assert!(request["response_format"]["json_schema"].is_object());

    let conversation = first["conversation_id"].as_str().unwrap();
    let (status, second) = app
        .post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "and per status?", "conversation_id": conversation}))
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["conversation_id"], conversation);
    assert!(second["row_count"].as_u64().unwrap() >= 4);
    let history = stub.requests()[1]["messages"].to_string();
    assert!(history.contains("How many orders are there?") && history.contains("SELECT count(*) AS orders FROM orders"), "{history}");
}

#[tokio::test]
async fn errors_are_fed_back_with_hints_until_the_query_works() {
    let stub = StubLlm::start(vec![
        Reply::Stream("I think you want the total of all orders.".into()),
        answer("SELECT sum(totl) FROM orders"),
        answer("DELETE FROM orders"),
        answer("SELECT round(sum(total), 2) AS revenue FROM orders"),
    ])
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--ask-max-attempts", "4"]).await;
    let id = app.demo_id().await;
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "What is our total revenue?"})).await;
    assert_eq!(status, 200, "{r}");
    assert!(r["rows"][0][0].as_f64().unwrap() > 1000.0);
    let attempts = r["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    assert!(attempts[0]["error"].as_str().unwrap().contains("prose"));
    assert!(attempts[1]["error"].as_str().unwrap().contains("no such column"));
    assert!(attempts[2]["error"].as_str().unwrap().contains("only read-only queries"));
    let requests = stub.requests();
    assert!(last_user_message(&requests[2]).contains("closest columns are: orders.total"), "{}", last_user_message(&requests[2]));
    // Each correction is the first prompt plus only the latest failed answer and its error.
    let count = |r: &serde_json::Value| r["messages"].as_array().unwrap().len();
    assert_eq!(count(&requests[3]), count(&requests[0]) + 2);
    assert!(!requests[3]["messages"].to_string().contains("totl"), "the earlier failure is not repeated");
    let (_, check) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT count(*) FROM orders"})).await;
    assert_eq!(check["rows"][0][0], 2400, "nothing was deleted");
}

#[tokio::test]
async fn a_request_to_change_data_gets_a_plain_refusal_after_one_answer() {
    // Were the ask to go on, the next reply would be a working query.
    let stub = StubLlm::start(vec![answer("DELETE FROM customers"), answer("DROP TABLE customers"), answer("SELECT count(*) FROM customers")]).await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--ask-max-attempts", "4"]).await;
    let id = app.demo_id().await;
    let (status, e) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "Please delete all customers"})).await;
    assert_eq!((status, e["error"]["code"].as_str()), (400, Some("change_refused")), "{e}");
    assert_eq!(e["error"]["message"], "DatabaseAI only reads data, so it does not run DELETE or any other change. Ask a question about the data instead.");
    assert_eq!(stub.requests().len(), 1, "one model call for the answer the user watches, no correction");
    let (_, check) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT count(*) FROM customers"})).await;
    assert!(check["rows"][0][0].as_i64().unwrap() > 0, "nothing was deleted");
    let (_, log) = app.get("/api/v1/audit").await;
    let ask = log.as_array().unwrap().iter().find(|e| e["action"] == "ask").expect("the ask is audited");
    assert_eq!((ask["question"].as_str(), ask["status"].as_str()), (Some("Please delete all customers"), Some("denied")), "{ask}");

    // The live stream ends with the same code, so a client can tell a refusal from a fault.
    let body = app.client.post(app.url(&format!("/api/v1/datasources/{id}/ask/stream"))).json(&json!({"question": "Drop the customers table"}))
        .send().await.unwrap().text().await.unwrap();
    let last: Value = serde_json::from_str(body.lines().filter_map(|l| l.strip_prefix("data: ")).last().unwrap()).unwrap();
    assert_eq!((last["event"].as_str(), last["code"].as_str()), (Some("failed"), Some("change_refused")), "{last}");
    assert!(last["message"].as_str().unwrap().contains("does not run DROP TABLE"), "{last}");
    assert_eq!(stub.requests().len(), 2);
}

#[tokio::test]
async fn an_empty_result_gets_one_more_look() {
    let stub = StubLlm::start(vec![
        answer("SELECT * FROM customers WHERE city = 'lisbon'"),
        answer("SELECT * FROM customers WHERE city = 'Lisbon'"),
    ])
    .await;
    let app = app_with(&stub).await;
    let id = app.demo_id().await;
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "customers in lisbon"})).await;
    assert_eq!(status, 200, "{r}");
    assert!(r["row_count"].as_u64().unwrap() > 0);
    assert_eq!(r["attempts"][0]["error"], "the query returned no rows");
}

#[tokio::test]
async fn a_repeated_failed_query_is_not_run_again_but_asked_afresh_and_a_repeated_empty_one_is_the_answer() {
    // One candidate, so the only sampled request is the fresh ask after the repeat.
    let stub = StubLlm::start_with_samples(
        vec![
            answer("SELECT sum(totl) FROM orders"),
            answer("select  sum(totl)\nfrom orders;"),
            answer("SELECT * FROM customers WHERE city = 'Atlantis'"),
        ],
        vec![answer("SELECT * FROM customers WHERE city = 'Atlantis'")],
    )
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--ask-max-attempts", "4", "--ask-candidates", "1"]).await;
    let id = app.demo_id().await;
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "customers in atlantis"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["row_count"], 0, "the model kept its empty answer");
    let errors: Vec<&str> = r["attempts"].as_array().unwrap().iter().map(|a| a["error"].as_str().unwrap()).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("no such column"));
    assert!(errors[1].starts_with("the same query as before; it failed with: ") && errors[1].contains("no such column"), "{errors:?}");
    assert_eq!(errors[2], "the query returned no rows");
    let (requests, fresh) = (stub.requests(), stub.sampled_requests());
    assert_eq!((requests.len(), fresh.len()), (3, 1), "the repeat was not run; the question was asked afresh once");
    // The fresh ask is the question's first prompt, sampled with a seed of its own.
    assert_eq!(fresh[0]["messages"], requests[0]["messages"], "a fresh ask, not the failed conversation");
    assert!(fresh[0]["seed"].is_u64() && fresh[0]["temperature"].as_f64().unwrap() > 0.5, "{}", fresh[0]);
    let temperature = |i: usize| requests[i]["temperature"].as_f64().unwrap();
    assert!(temperature(1) < 0.5 && temperature(2) < 0.5, "variety only right after a repeat");
}

#[tokio::test]
async fn model_failures_get_clear_messages_and_the_conversation_goes_on() {
    let stub = StubLlm::start(vec![
        Reply::Status(500, "model crashed".into()),
        Reply::Slow(Duration::from_secs(4), Box::new(answer("SELECT 1"))),
        Reply::Stream("x".repeat(70 * 1024)),
        Reply::RawSse("data: {not json}\n\n".into()),
        Reply::Status(400, "response_format is not supported".into()),
        Reply::Plain(json!({"sql": "SELECT count(*) FROM products", "explanation": "Counts products."}).to_string()),
    ])
    .await;
    let app = app_with(&stub).await;
    let id = app.demo_id().await;
    let path = format!("/api/v1/datasources/{id}/ask");
    let (status, e) = app.post(&path, json!({"question": "q1"})).await;
    assert_eq!(status, 502);
    assert_eq!(e["error"]["code"], "llm_failed");
    assert!(e["error"]["message"].as_str().unwrap().contains("HTTP 500: model crashed"), "{e}");
    let (status, e) = app.post(&path, json!({"question": "q2"})).await;
    assert_eq!(status, 502);
    assert!(e["error"]["message"].as_str().unwrap().contains("did not answer within 1 s"), "{e}");
    let (_, e) = app.post(&path, json!({"question": "q3"})).await;
    assert!(e["error"]["message"].as_str().unwrap().contains("longer than"), "{e}");
    let (_, e) = app.post(&path, json!({"question": "q4"})).await;
    assert!(e["error"]["message"].as_str().unwrap().contains("could not be read"), "{e}");
    // A server that refuses structured output is asked again without it.
    let (status, r) = app.post(&path, json!({"question": "how many products?"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["rows"][0][0], 34);
    let requests = stub.requests();
    assert!(requests[requests.len() - 2]["response_format"].is_object());
    assert!(requests[requests.len() - 1].get("response_format").is_none());
}

#[tokio::test]
async fn cut_stalled_huge_and_busy_model_replies_end_in_clear_messages_and_the_conversation_goes_on() {
    let whole = json!({"sql": "SELECT count(*) AS n FROM orders", "explanation": "Counts orders."}).to_string();
    let stub = StubLlm::start(vec![
        answer("SELECT count(*) AS n FROM customers"),
        Reply::Cut(whole.clone()),
        Reply::Stall(whole.clone()),
        Reply::Plain("x".repeat(10 * 1024 * 1024)),
        Reply::Stream(json!({"query": "SELECT 1", "why": "wrong fields"}).to_string()),
        answer("SELECT count(*) AS n FROM products"),
        answer("SELECT count(*) AS n FROM orders"),
    ])
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--llm-timeout-ms", "1500", "--ask-candidates", "1"]).await;
    let path = format!("/api/v1/datasources/{}/ask", app.demo_id().await);
    let (status, first) = app.post(&path, json!({"question": "How many customers?"})).await;
    assert_eq!(status, 200, "{first}");
    let conversation = first["conversation_id"].clone();
    let follow_up = |q: &str| json!({"question": q, "conversation_id": conversation});
    let message = |e: &Value| e["error"]["message"].as_str().unwrap_or_default().to_string();

    // Half an answer whose stream just stops is not taken for a whole one.
    let (status, e) = app.post(&path, follow_up("and orders?")).await;
    assert_eq!((status, e["error"]["code"].as_str()), (502, Some("llm_failed")), "{e}");
    assert!(message(&e).contains("ended before the reply was complete"), "{e}");
    let (status, e) = app.post(&path, follow_up("and orders, again?")).await;
    assert_eq!(status, 502);
    assert!(message(&e).contains("did not answer within 1 s"), "a stream that stalls halfway: {e}");
    let (status, e) = app.post(&path, follow_up("and orders, a third time?")).await;
    assert_eq!(status, 502);
    assert!(message(&e).contains("longer than"), "a 10 MB reply: {e}");
    // JSON with the wrong fields is one failed attempt the model is told about; the next works.
    let (status, r) = app.post(&path, follow_up("and products?")).await;
    assert_eq!(status, 200, "{r}");
    assert!(r["attempts"][0]["error"].as_str().unwrap().contains("prose instead of a SQL query"), "{r}");
    assert_eq!(r["rows"][0][0], 34);
    let (status, r) = app.post(&path, follow_up("and orders?")).await;
    assert_eq!(status, 200, "{r}");
    let (_, turns) = app.get(&format!("/api/v1/conversations/{}", conversation.as_str().unwrap())).await;
    // Every turn is kept, the failed ones with what went wrong.
    let errors: Vec<Option<&str>> = turns.as_array().unwrap().iter().map(|t| t["error"].as_str()).collect();
    assert_eq!(errors.len(), 6, "{turns}");
    assert!(errors[0].is_none() && errors[4].is_none() && errors[5].is_none(), "{errors:?}");
    assert!(errors[1].unwrap().contains("connection was cut") && errors[2].unwrap().contains("within 1 s") && errors[3].unwrap().contains("longer than"));
}

#[tokio::test]
async fn a_busy_model_is_asked_again_after_its_retry_after_within_a_bound() {
    let stub = StubLlm::start(vec![
        Reply::Busy(429, Some(1)),
        answer("SELECT count(*) AS n FROM products"),
        Reply::Busy(503, None),
        Reply::Busy(503, None),
        Reply::Busy(503, None),
        Reply::Busy(429, Some(120)),
    ])
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--llm-timeout-ms", "20000", "--ask-candidates", "1"]).await;
    let path = format!("/api/v1/datasources/{}/ask", app.demo_id().await);
    let started = std::time::Instant::now();
    let (status, r) = app.post(&path, json!({"question": "How many products?"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["rows"][0][0], 34);
    assert!(started.elapsed() >= Duration::from_secs(1), "it waited as Retry-After said");
    // Still busy after two more tries (1 s, then 2 s): a clear message, no endless retrying.
    let started = std::time::Instant::now();
    let (status, e) = app.post(&path, json!({"question": "How many orders?"})).await;
    assert_eq!(status, 502);
    let text = e["error"]["message"].as_str().unwrap();
    assert!(text.contains("the language model is busy (HTTP 503") && text.contains("asked 3 times over 3 s"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // A wait longer than the bound is not waited for.
    let started = std::time::Instant::now();
    let (_, e) = app.post(&path, json!({"question": "How many customers?"})).await;
    assert!(e["error"]["message"].as_str().unwrap().contains("it asks to wait 120 s; try again later"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(stub.requests().len(), 6, "each busy reply was one request");
}

#[tokio::test]
async fn bad_questions_and_missing_models_are_explained() {
    let stub = StubLlm::start(vec![]).await;
    let app = app_with(&stub).await;
    let id = app.demo_id().await;
    let path = format!("/api/v1/datasources/{id}/ask");
    let (status, e) = app.post(&path, json!({"question": "   "})).await;
    assert_eq!(status, 400);
    assert_eq!(e["error"]["message"], "the question is empty");
    let (status, _) = app.post(&path, json!({"question": "x".repeat(3000)})).await;
    assert_eq!(status, 400);
    let (status, e) = app.post(&path, json!({"question": "hi", "conversation_id": "nope"})).await;
    assert_eq!(status, 404, "{e}");
    assert!(stub.requests().is_empty(), "nothing reached the model");

    let unreachable = spawn_app(StoreKind::Sqlite, &["--llm-base-url", "http://127.0.0.1:9/v1"]).await;
    let demo = unreachable.demo_id().await;
    let (status, e) = unreachable.post(&format!("/api/v1/datasources/{demo}/ask"), json!({"question": "how many orders?"})).await;
    assert_eq!(status, 502);
    assert!(e["error"]["message"].as_str().unwrap().contains("could not be reached"), "{e}");

    let none = spawn_app(StoreKind::Sqlite, &[]).await;
    let demo = none.demo_id().await;
    let (status, e) = none.post(&format!("/api/v1/datasources/{demo}/ask"), json!({"question": "how many orders?"})).await;
    assert_eq!(status, 502);
    assert!(e["error"]["message"].as_str().unwrap().contains("no language model is configured"));
}

#[tokio::test]
async fn streams_progress_cancels_the_model_call_and_lists_the_conversation() {
    let stub = StubLlm::start(vec![
        answer("SELECT count(*) AS n FROM customers"),
        Reply::Slow(Duration::from_secs(30), Box::new(answer("SELECT 1"))),
        answer("SELECT count(*) AS n FROM products"),
    ])
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--llm-sample-values", "false"]).await;
    let id = app.demo_id().await;

    // Server-Sent Events while it works, the full answer last.
    let response = app
        .client
        .post(app.url(&format!("/api/v1/datasources/{id}/ask/stream")))
        .json(&json!({"question": "How many customers are there?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let body = response.text().await.unwrap();
    let events: Vec<Value> =
        body.lines().filter_map(|l| l.strip_prefix("data: ")).map(|d| serde_json::from_str(d).unwrap()).collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(&kinds[..3], ["started", "tables_chosen", "writing"], "{kinds:?}");
    // Three candidates by default: their results are compared before the answer.
    assert_eq!(&kinds[kinds.len() - 3..], ["running", "candidates_compared", "done"], "{kinds:?}");
    let tokens: String = events.iter().filter(|e| e["event"] == "token").map(|e| e["text"].as_str().unwrap()).collect();
    assert!(kinds.iter().filter(|k| **k == "token").count() > 3, "the reply arrives in pieces");
    assert_eq!(serde_json::from_str::<Value>(&tokens).unwrap()["sql"], "SELECT count(*) AS n FROM customers");
    let done = events.last().unwrap();
    assert_eq!(done["answer"]["rows"][0][0], 600);
    let conversation = events[0]["conversation_id"].as_str().unwrap().to_string();
    assert_eq!(done["answer"]["conversation_id"], conversation.as_str());
    assert!(!last_user_message(&stub.requests()[0]).contains("values:"), "sample values can be turned off");

    // Cancel stops the model call at once; the turn is kept and the conversation goes on.
    let (client, url) = (app.client.clone(), app.url(&format!("/api/v1/datasources/{id}/ask")));
    let body = json!({"question": "and how many orders?", "conversation_id": conversation, "ask_id": "ask-1"});
    let pending = tokio::spawn(async move { client.post(url).json(&body).send().await.unwrap() });
    while stub.requests().len() < 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cancelled_at = Instant::now();
    let (status, c) = app.post("/api/v1/queries/ask-1/cancel", json!({})).await;
    assert_eq!((status, c["cancelled"].clone()), (200, json!(true)));
    let response = pending.await.unwrap();
    assert_eq!(response.status().as_u16(), 409);
    let e: Value = response.json().await.unwrap();
    assert_eq!(e["error"]["code"], "ask_cancelled");
    assert!(cancelled_at.elapsed() < Duration::from_secs(3));
    let deadline = Instant::now() + Duration::from_secs(3);
    while stub.abandoned() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stub.abandoned(), 1, "the model server saw the connection close");
    let (_, again) = app.post("/api/v1/queries/ask-1/cancel", json!({})).await;
    assert_eq!(again["cancelled"], false, "nothing by that id runs any more");

    let (status, r) = app
        .post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "and products?", "conversation_id": conversation}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["rows"][0][0], 34);
    let (status, turns) = app.get(&format!("/api/v1/conversations/{conversation}")).await;
    assert_eq!(status, 200);
    let questions: Vec<&str> = turns.as_array().unwrap().iter().map(|t| t["question"].as_str().unwrap()).collect();
    assert_eq!(questions, ["How many customers are there?", "and how many orders?", "and products?"]);
    assert_eq!(turns[1]["error"], "the question was cancelled");
    assert_eq!(turns[2]["row_count"], 1);
    let (_, list) = app.get(&format!("/api/v1/datasources/{id}/conversations")).await;
    assert_eq!(list[0]["id"], conversation.as_str());
    assert_eq!(list[0]["turns"], 3);
    let (status, _) = app.get("/api/v1/conversations/nope").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn sql_for_another_dialect_is_corrected_and_other_languages_work() {
    let stub = StubLlm::start(vec![
        answer("SELECT TOP 3 name FROM products ORDER BY price DESC"),
        answer("SELECT name FROM products ORDER BY price DESC LIMIT 3"),
    ])
    .await;
    let app = app_with(&stub).await;
    let id = app.demo_id().await;
    let question = "¿Cuáles son los tres productos más caros?";
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": question})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["row_count"], 3);
    assert_eq!(r["explanation"], "Shows name from products, sorted by price (highest first), keeping the first 3 rows.");
    assert_eq!(r["attempts"][0]["sql"], "SELECT TOP 3 name FROM products ORDER BY price DESC");
    assert!(!r["attempts"][0]["error"].as_str().unwrap().is_empty());
    assert!(last_user_message(&stub.requests()[0]).contains(question), "the question reaches the model as asked");
}

#[tokio::test]
async fn a_column_from_the_wrong_alias_is_repaired_without_asking_again() {
    let stub = StubLlm::start(vec![answer(
        "SELECT o.city, count(*) AS orders FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY o.city ORDER BY orders DESC")])
    .await;
    let app = app_with(&stub).await;
    let id = app.demo_id().await;
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "orders per city"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["sql"], "SELECT c.city, count(*) AS orders FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.city ORDER BY orders DESC");
    let (_, direct) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": r["sql"]})).await;
    assert!(r["row_count"].as_u64().unwrap() >= 12 && r["rows"] == direct["rows"], "{r}");
    assert!(r["attempts"][0]["error"].as_str().unwrap().contains("repaired"), "{r}");
    assert_eq!(stub.requests().len(), 1, "no second model call");
}

#[tokio::test]
async fn a_select_list_name_used_in_having_is_repaired_on_postgres() {
    // PostgreSQL refuses `HAVING spent > 300` (the SELECT list is evaluated after HAVING);
    // small models send that query again however often they are told.
    let stub = StubLlm::start(vec![answer(
        "SELECT customer_id, SUM(total) AS spent FROM orders GROUP BY customer_id HAVING spent > 300 ORDER BY customer_id")])
    .await;
    let app = app_with(&stub).await;
    let db = create_pg_database(SHOP_SQL).await;
    let id = app.add_pg_datasource("shop", &db, "postgres").await;
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "who spent more than 300?"})).await;
    assert_eq!(status, 200, "{r}");
    assert!(r["sql"].as_str().unwrap().contains("HAVING (SUM(total)) > 300"), "{r}");
    let (_, direct) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": r["sql"]})).await;
    assert!(r["row_count"].as_u64().unwrap() > 0 && r["rows"] == direct["rows"], "{r}");
    let error = r["attempts"][0]["error"].as_str().unwrap();
    assert!(error.contains("\"spent\" does not exist") && error.contains("replaced by its expression"), "{r}");
    assert_eq!(stub.requests().len(), 1, "no second model call");
}

/// An ask resolves its datasource once: however many attempts and repairs it takes, the
/// stored row is read one time (so is a plain SQL run).
#[tokio::test]
async fn the_stored_datasource_row_is_read_once_per_ask() {
    let stub = StubLlm::start(vec![
        Reply::Stream("Let me think about the cities.".into()),
        answer("SELECT o.city, count(*) AS orders FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY o.city"),
    ])
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--ask-max-attempts", "4"]).await;
    let id = app.demo_id().await;
    let before = app.state.store.datasource_row_reads();
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "orders per city"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["attempts"].as_array().unwrap().len(), 2, "a prose reply and a repaired query: {r}");
    assert_eq!(app.state.store.datasource_row_reads() - before, 1, "one read for two model calls, a repair and two runs");
    let before = app.state.store.datasource_row_reads();
    let (status, _) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT count(*) FROM orders"})).await;
    assert_eq!((status, app.state.store.datasource_row_reads() - before), (200, 1));
}

/// PostgreSQL's own parser (in the guard) refuses a reserved word as an alias; the repair
/// renames it without another model call, in the text as written.
#[tokio::test]
async fn a_reserved_word_as_alias_is_renamed_on_postgres() {
    let stub = StubLlm::start(vec![answer(
        "SELECT c.name, count(*) AS n FROM customers c JOIN orders is ON is.customer_id = c.id WHERE is.paid GROUP BY c.name ORDER BY n DESC, c.name LIMIT 3")])
    .await;
    let app = app_with(&stub).await;
    let db = create_pg_database(SHOP_SQL).await;
    let id = app.add_pg_datasource("shop", &db, "postgres").await;
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "who has the most paid orders?"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["sql"], "SELECT c.name, count(*) AS n FROM customers c JOIN orders is_ ON is_.customer_id = c.id WHERE is_.paid GROUP BY c.name ORDER BY n DESC, c.name LIMIT 3");
    assert_eq!(r["row_count"], 3, "{r}");
    assert!(r["attempts"][0]["error"].as_str().unwrap().contains("reserved word used as an alias was renamed"), "{r}");
    assert_eq!(stub.requests().len(), 1, "no second model call");
}
