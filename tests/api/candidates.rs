//! Several candidate queries per question, compared by their results: the stub answers the
//! greedy request and the sampled ones (which carry a seed) from separate scripts, over real
//! HTTP and SSE, and the demo SQLite database runs every candidate.
use serde_json::{json, Value};

use crate::{
    helpers::*,
    llm_stub::{answer, StubLlm},
};

const ORDERS: &str = "SELECT count(*) AS n FROM orders";
const CUSTOMERS: &str = "SELECT count(*) AS n FROM customers";
const PRODUCTS: &str = "SELECT count(*) AS n FROM products";

async fn app_with(stub: &StubLlm) -> TestApp {
    spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--ask-candidates", "3"]).await
}

async fn ask(app: &TestApp, question: &str) -> Value {
    let id = app.demo_id().await;
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({ "question": question })).await;
    assert_eq!(status, 200, "{r}");
    r
}

#[tokio::test]
async fn when_candidates_agree_the_answer_is_high_confidence() {
    let stub = StubLlm::start(vec![answer(ORDERS)]).await;
    let app = app_with(&stub).await;
    let r = ask(&app, "How many orders?").await;
    assert_eq!(r["rows"][0][0], 2400);
    assert_eq!(r["confidence"], "high");
    // Two agreeing candidates settle the vote; the third may be stopped before it ends.
    assert_eq!(r["candidates"], 3);
    assert!(matches!(r["votes"].as_u64(), Some(2 | 3)), "{r}");
    assert_eq!(r["alternatives"], json!([]));
    // One greedy request at the configured temperature, two sampled ones with their own seeds.
    let greedy = stub.requests();
    assert_eq!(greedy.len(), 1);
    assert_eq!(greedy[0]["temperature"], 0.0);
    assert!(greedy[0].get("seed").is_none());
    let seeds: Vec<u64> = stub.sampled_requests().iter().map(|r| r["seed"].as_u64().unwrap()).collect();
    assert!(!seeds.is_empty() && seeds.iter().all(|s| [1, 2].contains(s)), "{seeds:?}");
    assert!(stub.sampled_requests().iter().all(|r| r["temperature"].as_f64().unwrap() > 0.5));
}

#[tokio::test]
async fn the_largest_group_answers_and_the_other_reading_can_be_chosen_and_is_kept() {
    let stub = StubLlm::start_with_samples(
        vec![answer(ORDERS)],
        vec![answer(CUSTOMERS), answer("SELECT count(id) AS customers FROM customers")],
    )
    .await;
    let app = app_with(&stub).await;
    let r = ask(&app, "How many do we have?").await;
    // Two samples agree (their rows are equal, whatever their SQL): they outvote the greedy one.
    assert_eq!(r["rows"][0][0], 600, "{r}");
    assert_eq!(r["confidence"], "low");
    assert_eq!((r["candidates"].as_u64(), r["votes"].as_u64()), (Some(3), Some(2)));
    let alternatives = r["alternatives"].as_array().unwrap();
    assert_eq!(alternatives.len(), 1, "{r}");
    assert_eq!(alternatives[0]["sql"], ORDERS);
    // Each reading's explanation is read off its own query.
    assert_eq!(alternatives[0]["explanation"], "Shows n (number of rows) from orders.");
    // (Either sample may speak for the winning group: the stub hands out samples in arrival order.)
    let explanation = r["explanation"].as_str().unwrap();
    assert!(["Shows n (number of rows) from customers.", "Shows customers (number of id) from customers."].contains(&explanation), "{r}");
    assert_eq!(alternatives[0]["votes"], 1);
    assert_eq!(alternatives[0]["preview"]["rows"][0][0], 2400);

    // The user meant the other reading: it runs again and is stored with the turn.
    let (conversation, turn) = (r["conversation_id"].as_str().unwrap(), r["turn_id"].as_str().unwrap());
    let choose = format!("/api/v1/conversations/{conversation}/turns/{turn}/choose");
    let (status, chosen) = app.post(&choose, json!({"reading": 1})).await;
    assert_eq!(status, 200, "{chosen}");
    assert_eq!(chosen["rows"][0][0], 2400);
    let (_, turns) = app.get(&format!("/api/v1/conversations/{conversation}")).await;
    let stored = &turns[0];
    assert_eq!(stored["chosen"], 1);
    assert_eq!(stored["sql"], ORDERS, "follow-ups build on the chosen reading");
    assert_eq!(stored["row_count"], 1);
    assert_eq!(stored["confidence"], "low");
    assert_eq!(stored["readings"].as_array().unwrap().len(), 2);
    assert_eq!(stored["readings"][1]["preview"]["rows"], json!([]), "rows are not kept in the app store");

    // Bad picks are refused clearly and change nothing.
    let (status, e) = app.post(&choose, json!({"reading": 7})).await;
    assert_eq!(status, 400, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("has 2 reading(s)"), "{e}");
    let (status, _) = app.post(&format!("/api/v1/conversations/{conversation}/turns/nope/choose"), json!({"reading": 0})).await;
    assert_eq!(status, 404);
    let (_, other) = app.user("someone-else", databaseai::app::model::Role::Analyst).await;
    let (status, _) = call(&other, reqwest::Method::POST, &app.url(&choose), Some(json!({"reading": 0}))).await;
    assert_eq!(status, 404, "another user's conversation is not found");
    let (_, turns) = app.get(&format!("/api/v1/conversations/{conversation}")).await;
    assert_eq!(turns[0]["chosen"], 1);
}

#[tokio::test]
async fn a_three_way_split_goes_to_the_greedy_candidate_and_failed_samples_do_not_count() {
    let stub = StubLlm::start_with_samples(
        vec![answer(ORDERS)],
        vec![answer(CUSTOMERS), answer(PRODUCTS)],
    )
    .await;
    let app = app_with(&stub).await;
    let r = ask(&app, "How many?").await;
    assert_eq!(r["sql"], ORDERS);
    assert_eq!(r["confidence"], "low");
    assert_eq!(r["alternatives"].as_array().unwrap().len(), 2);

    // Samples that never find a working query leave the greedy answer alone, still unconfirmed.
    let r = {
        let stub = StubLlm::start_with_samples(
            vec![answer(ORDERS)],
            vec![answer("SELECT nope FROM orders"), answer("SELECT nope FROM orders"), answer("SELECT nada FROM orders"), answer("SELECT nada FROM orders")],
        )
        .await;
        let app = app_with(&stub).await;
        ask(&app, "How many orders?").await
    };
    assert_eq!(r["rows"][0][0], 2400);
    assert_eq!((r["confidence"].as_str(), r["votes"].as_u64()), (Some("low"), Some(1)));
    assert_eq!(r["alternatives"], json!([]));
}
