//! The language model configured from the settings page: checked, applied to the next
//! question, its key encrypted at rest and never returned.
use reqwest::Method;
use serde_json::{json, Value};

use crate::{
    helpers::*,
    llm_stub::{answer, Reply, StubLlm},
};

const KEY: &str = "sk-test-4f9a1c-never-shown";

fn provider(base_url: &str, extra: Value) -> Value {
    let mut body = json!({"base_url": base_url, "model": "stub-model", "temperature": 0, "max_tokens": 256, "timeout_ms": 10000});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

#[tokio::test]
async fn a_model_set_in_settings_answers_and_its_key_never_comes_back() {
    let stub = StubLlm::start(vec![Reply::Plain("OK".into()), answer("SELECT count(*) AS n FROM products")]).await;
    let app = spawn_app(StoreKind::Sqlite, &[]).await;
    let id = app.demo_id().await;
    let (status, view) = app.get("/api/v1/settings/llm").await;
    assert_eq!((status, view["source"].as_str()), (200, Some("none")));
    let (status, e) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "how many products?"})).await;
    assert_eq!(status, 502);
    assert!(e["error"]["message"].as_str().unwrap().contains("Settings page"), "{e}");

    // Bad settings are refused with a reason, and nothing changes.
    for (body, expected) in [
        (provider("http://169.254.169.254/v1", json!({})), "metadata"),
        (provider("ftp://127.0.0.1/v1", json!({})), "http://"),
        (provider("http://user:pw@127.0.0.1:1/v1", json!({})), "API key field"),
        (provider(&stub.base_url, json!({"temperature": 5})), "temperature"),
        (provider(&stub.base_url, json!({"model": " "})), "model name"),
    ] {
        let (status, e) = app.send(Method::PUT, "/api/v1/settings/llm", body).await;
        assert!(status == 400 || status == 403, "{status} {e}");
        assert!(e["error"]["message"].as_str().unwrap().contains(expected), "{expected}: {e}");
    }
    assert_eq!(app.get("/api/v1/settings/llm").await.1["source"], "none");

    // Test first, then save: the next question uses the new model.
    let (status, tested) = app.post("/api/v1/settings/llm/test", provider(&stub.base_url, json!({"api_key": KEY}))).await;
    assert_eq!(status, 200, "{tested}");
    assert_eq!(tested["ok"], true, "{tested}");
    assert!(tested["message"].as_str().unwrap().contains("OK"));
    let (status, saved) = app.send(Method::PUT, "/api/v1/settings/llm", provider(&stub.base_url, json!({"api_key": KEY}))).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!((saved["source"].as_str(), saved["has_api_key"].as_bool()), (Some("settings"), Some(true)));
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/ask"), json!({"question": "how many products?"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["rows"][0][0], 34);
    assert!(stub.requests().iter().all(|r| r["model"] == "stub-model"));

    // The key never comes back and is encrypted at rest.
    let (_, view) = app.get("/api/v1/settings/llm").await;
    assert!(!view.to_string().contains(KEY) && !saved.to_string().contains(KEY));
    let raw = store_bytes(&app);
    assert!(contains(&raw, &stub.base_url), "the settings row is in what was read");
    assert!(!contains(&raw, KEY), "plaintext key found in the app store");

    // Saving without a key keeps it; clear_api_key removes it; reset goes back to the environment.
    let (_, kept) = app.send(Method::PUT, "/api/v1/settings/llm", provider(&stub.base_url, json!({}))).await;
    assert_eq!(kept["has_api_key"], true);
    // A new base URL without the key is refused: the saved key only goes where it was saved for.
    let moved = stub.base_url.replace("127.0.0.1", "localhost");
    let (status, e) = app.send(Method::PUT, "/api/v1/settings/llm", provider(&moved, json!({}))).await;
    assert_eq!(status, 400, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("enter the API key again"), "{e}");
    let (_, still) = app.get("/api/v1/settings/llm").await;
    assert_eq!((still["base_url"].as_str(), still["has_api_key"].as_bool()), (Some(stub.base_url.as_str()), Some(true)), "{still}");
    let (_, cleared) = app.send(Method::PUT, "/api/v1/settings/llm", provider(&stub.base_url, json!({"clear_api_key": true}))).await;
    assert_eq!(cleared["has_api_key"], false);
    let (status, reset) = app.send(Method::DELETE, "/api/v1/settings/llm", Value::Null).await;
    assert_eq!((status, reset["source"].as_str()), (200, Some("none")));

    // A model that cannot be reached is reported by the test, not saved.
    let (status, tested) = app.post("/api/v1/settings/llm/test", provider("http://127.0.0.1:9/v1", json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(tested["ok"], false);
    assert!(tested["message"].as_str().unwrap().contains("could not be reached"), "{tested}");
}
