//! Two app processes (the real binary) on different ports sharing one PostgreSQL app store,
//! as replicas behind a load balancer: what one stores, the other serves.
use std::{process::Stdio, time::Duration};

use serde_json::{json, Value};

use crate::{
    helpers::*,
    llm_stub::{answer, Reply, StubLlm},
};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

const SHARED_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // base64 of 32 bytes

struct Replica {
    base: String,
    client: reqwest::Client,
    child: tokio::process::Child,
    _data_dir: tempfile::TempDir,
}

impl Replica {
    async fn start(store_url: &str, llm: &str) -> Replica {
        Replica::start_with(store_url, llm, &[]).await
    }

    async fn start_with(store_url: &str, llm: &str, extra: &[&str]) -> Replica {
        let data_dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_databaseai"))
            .args(["--port", &port.to_string(), "--database-url", store_url, "--llm-base-url", llm])
            .arg("--data-dir")
            .arg(data_dir.path())
            .args(extra)
            .env("DATABASEAI_SECRET_KEY", SHARED_KEY)
            .env("DATABASEAI_ADMIN_USER", "admin")
            .env("DATABASEAI_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the databaseai binary");
        let replica = Replica { base: format!("http://127.0.0.1:{port}"), client: reqwest::Client::new(), child, _data_dir: data_dir };
        for _ in 0..200 {
            if replica.client.get(replica.url("/api/v1/health")).send().await.is_ok_and(|r| r.status() == 200) {
                return replica;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("replica on port {port} did not become healthy");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in here; returns the session cookie.
    async fn sign_in(&self) -> String {
        let r = self.client.post(self.url("/api/v1/auth/login")).json(&json!({"username": "admin", "password": ADMIN_PASSWORD})).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
    }

    /// From now on every request carries this session cookie.
    fn use_session(&mut self, cookie: &str) {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::COOKIE, cookie.parse().unwrap());
        self.client = reqwest::Client::builder().default_headers(headers).build().unwrap();
    }

    async fn get(&self, path: &str) -> Value {
        self.client.get(self.url(path)).send().await.unwrap().json().await.unwrap()
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let r = self.client.request(method, self.url(path)).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn two_replicas_share_one_postgres_store() {
    let store_url = pg_db_url(&create_pg_database("SELECT 1").await);
    let stub = StubLlm::start(vec![answer("SELECT count(*) AS n FROM customers")]).await;
    // Started together: migrations and the demo registration must not race.
    let (mut a, mut b) = tokio::join!(Replica::start(&store_url, &stub.base_url), Replica::start(&store_url, &stub.base_url));
    // A session created on A is valid on B (sessions live in the shared store).
    assert_eq!(b.client.get(b.url("/api/v1/datasources")).send().await.unwrap().status(), 401);
    let cookie = a.sign_in().await;
    a.use_session(&cookie);
    b.use_session(&cookie);
    assert_eq!(b.get("/api/v1/auth/me").await["user"]["username"], "admin");
    let (list_a, list_b) = (a.get("/api/v1/datasources").await, b.get("/api/v1/datasources").await);
    assert_eq!(list_a, list_b);
    assert_eq!(list_a.as_array().unwrap().len(), 1, "one demo datasource, registered once: {list_a}");
    let demo = list_a[0]["id"].as_str().unwrap().to_string();

    // Asked on A, visible on B.
    let (status, answer_a) = a.send(reqwest::Method::POST, &format!("/api/v1/datasources/{demo}/ask"), json!({"question": "How many customers?"})).await;
    assert_eq!(status, 200, "{answer_a}");
    let conversation = answer_a["conversation_id"].as_str().unwrap();
    let turns = b.get(&format!("/api/v1/conversations/{conversation}")).await;
    assert_eq!(turns[0]["sql"], "SELECT count(*) AS n FROM customers");
    assert_eq!(b.get(&format!("/api/v1/datasources/{demo}/conversations")).await[0]["id"], conversation);
    // B runs the demo queries from its own copy of the demo file.
    let (status, rows) = b.send(reqwest::Method::POST, &format!("/api/v1/datasources/{demo}/sql"), json!({"sql": "SELECT count(*) FROM customers"})).await;
    assert_eq!((status, rows["rows"][0][0].clone()), (200, json!(600)));

    // Model settings saved on B apply to the next question on A (the key decrypts there too).
    let other = StubLlm::start(vec![answer("SELECT count(*) AS n FROM products")]).await;
    let settings = json!({"base_url": other.base_url, "model": "replica-model", "api_key": "sk-replica", "temperature": 0, "max_tokens": 128, "timeout_ms": 10000});
    let (status, saved) = b.send(reqwest::Method::PUT, "/api/v1/settings/llm", settings).await;
    assert_eq!(status, 200, "{saved}");
    let (status, r) = a.send(reqwest::Method::POST, &format!("/api/v1/datasources/{demo}/ask"), json!({"question": "How many products?"})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["rows"][0][0], 34);
    assert_eq!(other.requests()[0]["model"], "replica-model");
    assert_eq!(a.get("/api/v1/settings/llm").await["has_api_key"], true);
}

#[tokio::test]
async fn sigterm_lets_an_ask_finish_and_metrics_can_have_their_own_port() {
    let store_url = pg_db_url(&create_pg_database("SELECT 1").await);
    let stub = StubLlm::start(vec![Reply::Slow(Duration::from_secs(2), Box::new(answer("SELECT count(*) AS n FROM orders")))]).await;
    let metrics_port = free_port();
    let mut app = Replica::start_with(&store_url, &stub.base_url, &["--metrics-port", &metrics_port.to_string()]).await;
    let cookie = app.sign_in().await;
    app.use_session(&cookie);
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let scrape = app.client.get(&metrics_url).send().await.unwrap();
    assert_eq!(scrape.status(), 200);
    let text = scrape.text().await.unwrap();
    assert!(text.contains("http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/health\""), "{text}");
    assert!(text.contains("app_store_connections{state=\"open\"}"), "{text}");
    assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), 404, "not on the app port");

    let demo = app.get("/api/v1/datasources").await[0]["id"].as_str().unwrap().to_string();
    let (client, url) = (app.client.clone(), app.url(&format!("/api/v1/datasources/{demo}/ask")));
    let pending = tokio::spawn(async move { client.post(url).json(&json!({"question": "How many orders?"})).send().await });
    while stub.requests().is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = app.child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let response = pending.await.unwrap().expect("the in-flight ask is answered");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["rows"][0][0], 2400);
    let exit = tokio::time::timeout(Duration::from_secs(10), app.child.wait()).await.expect("exits after draining").unwrap();
    assert!(exit.success(), "{exit:?}");
}
