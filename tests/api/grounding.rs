//! Value grounding over real databases: the words of a question that name stored values
//! reach the prompt as `table.column = 'value'` with the stored spelling, on PostgreSQL,
//! MariaDB and SQLite, and never when data values must stay away from the model.
use serde_json::{json, Value};

use crate::{
    helpers::*,
    llm_stub::{answer, StubLlm},
    mysql::{add_mysql_datasource, create_mysql_database},
};

fn prompt_of(request: &Value) -> String {
    request["messages"].as_array().unwrap().last().unwrap()["content"].as_str().unwrap().to_string()
}

async fn ask(app: &TestApp, id: &str, question: &str) -> Value {
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({ "question": question })).await;
    assert_eq!(status, 200, "{r}");
    r
}

#[tokio::test]
async fn values_named_in_the_question_reach_the_prompt_with_their_stored_spelling() {
    let stub = StubLlm::start(vec![
        answer("SELECT count(*) FROM customers WHERE city = 'Lisbon'"),
        answer("SELECT count(*) FROM public.client"),
        answer("SELECT count(*) FROM client"),
    ])
    .await;
    let app = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--ask-candidates", "1"]).await;

    // SQLite (the demo): "lisbon" is stored as 'Lisbon'.
    let demo = app.demo_id().await;
    ask(&app, &demo, "how many customers live in lisbon?").await;
    let prompt = prompt_of(&stub.requests()[0]);
    assert!(prompt.contains("use these exact spellings):\ncustomers.city = 'Lisbon'\n"), "{prompt}");

    // PostgreSQL: a two-word value, an apostrophe, a column with too many values left out.
    let db = create_pg_database(
        "CREATE TABLE client (id int PRIMARY KEY, city text, plan varchar(20), email text);
         INSERT INTO client SELECT g, CASE WHEN g % 2 = 0 THEN 'New York' ELSE 'O''Fallon' END, 'Premium', 'user' || g || '@x.org'
         FROM generate_series(1, 1500) g;",
    )
    .await;
    let pg = app.add_pg_datasource("grounding", &db, "postgres").await;
    ask(&app, &pg, "Premium clients in NEW YORK or o'fallon, and user7@x.org?").await;
    let prompt = prompt_of(&stub.requests()[1]);
    assert!(prompt.contains("public.client.city = 'New York'"), "{prompt}");
    assert!(prompt.contains("public.client.city = 'O''Fallon'"), "{prompt}");
    assert!(prompt.contains("public.client.plan = 'Premium'"), "{prompt}");
    assert!(!prompt.contains("user7@x.org'"), "a column with more distinct values than the bound is not indexed: {prompt}");

    // MariaDB.
    let my = create_mysql_database("CREATE TABLE client (id INT PRIMARY KEY, city VARCHAR(40)); INSERT INTO client VALUES (1, 'São Paulo');").await;
    let mysql = add_mysql_datasource(&app, "grounding-my", &my, "root", None).await;
    ask(&app, &mysql, "clients in sao paulo or são paulo?").await;
    let prompt = prompt_of(&stub.requests()[2]);
    assert!(prompt.contains("client.city = 'São Paulo'"), "{prompt}");

    // Data values stay away from the model when the admin says so.
    let stub = StubLlm::start(vec![answer("SELECT 1")]).await;
    let private = spawn_app(StoreKind::Sqlite, &["--llm-base-url", &stub.base_url, "--llm-sample-values", "false"]).await;
    let demo = private.demo_id().await;
    ask(&private, &demo, "how many customers live in lisbon?").await;
    assert!(!prompt_of(&stub.requests()[0]).contains("'Lisbon'"));
}
