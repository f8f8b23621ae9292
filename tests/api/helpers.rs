use std::net::SocketAddr;

use clap::Parser;
use databaseai::{
    app::model::{NewTokenInput, NewUserInput, Role, UserView},
    server::{
        auth::{create_user, Principal},
        ops::accounts,
        config::Settings,
        startup,
        state::AppState,
    },
};
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub fn pg_admin_url() -> String {
    std::env::var("DATABASEAI_TEST_PG_URL").unwrap_or_else(|_| PG_ADMIN_URL.to_string())
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple().to_string()[..12].to_string())
}

/// Creates a fresh PostgreSQL database and runs `setup` in it.
pub async fn create_pg_database(setup: &str) -> String {
    let name = unique("dbai_it");
    let mut admin = PgConnection::connect(&pg_admin_url()).await.expect("PostgreSQL on 127.0.0.1:5432");
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    let mut conn = PgConnection::connect(&pg_db_url(&name)).await.unwrap();
    // Test fixtures only: several statements at once are fine here.
    sqlx::raw_sql(setup).execute(&mut conn).await.unwrap();
    name
}

pub fn pg_db_url(db: &str) -> String {
    let base = pg_admin_url();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{db}")
}

pub const SHOP_SQL: &str = r#"
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, country text, created_at timestamptz NOT NULL DEFAULT now());
COMMENT ON TABLE customers IS 'People who bought something';
COMMENT ON COLUMN customers.country IS 'ISO country name';
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), total numeric(10,2) NOT NULL, paid boolean NOT NULL, meta jsonb);
INSERT INTO customers (name, country) SELECT 'customer ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'Portugal' END FROM generate_series(1, 50) g;
INSERT INTO orders (customer_id, total, paid, meta) SELECT 1 + g % 50, g * 1.25, g % 2 = 0, '{"k": 1}' FROM generate_series(1, 200) g;
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
ANALYZE;
"#;

pub enum StoreKind {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// Signed in as the admin (a personal token).
    pub client: reqwest::Client,
    /// Signed in as no one.
    pub anon: reqwest::Client,
    pub admin: UserView,
    pub state: AppState,
    pub data_dir: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let r = self.client.request(method, self.url(path)).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    /// Saves a PostgreSQL datasource for database `db` and returns its id.
    pub async fn add_pg_datasource(&self, name: &str, db: &str, user: &str) -> String {
        let (status, body) = self
            .post("/api/v1/datasources", json!({"name": name, "engine": "postgres", "host": "127.0.0.1", "port": 5432, "database": db, "user": user, "password": "not-needed-with-trust-auth", "sslmode": "disable"}))
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_string()
    }

    pub async fn demo_id(&self) -> String {
        let (_, list) = self.get("/api/v1/datasources").await;
        list.as_array().unwrap().iter().find(|d| d["is_demo"] == true).expect("demo datasource")["id"].as_str().unwrap().to_string()
    }
}

/// Starts the real app on 127.0.0.1:0 with a fresh data directory and app store.
pub async fn spawn_app(store: StoreKind, extra_args: &[&str]) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let mut args = vec!["databaseai".to_string(), "--data-dir".into(), data_dir.path().display().to_string()];
    if let StoreKind::Postgres = store {
        let db = create_pg_database("SELECT 1").await;
        args.push("--database-url".into());
        args.push(pg_db_url(&db));
    }
    args.extend(extra_args.iter().map(|s| s.to_string()));
    let settings = Settings::parse_from(args);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = startup::build_state(&settings, startup::leptos_options(addr)).await.unwrap();
    let serve_state = state.clone();
    tokio::spawn(async move { startup::serve(listener, serve_state, std::future::pending()).await });
    let admin = create_user(&state.store, &NewUserInput { username: "admin".into(), password: ADMIN_PASSWORD.into(), role: Role::Admin }).await.unwrap();
    let client = client_with_token(&token_for(&state, &admin).await);
    let anon = reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap();
    TestApp { addr, client, anon, admin, state, data_dir }
}

pub const ADMIN_PASSWORD: &str = "admin-password";

pub async fn token_for(state: &AppState, user: &UserView) -> String {
    let input = NewTokenInput { name: "tests".into(), scopes: None, datasource_ids: None };
    accounts::create_token(&state.store, &Principal::local(user.clone()), &input).await.unwrap().secret
}

/// A client that sends `Authorization: Bearer <token>` with every request.
pub fn client_with_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).timeout(std::time::Duration::from_secs(60)).build().unwrap()
}

impl TestApp {
    /// A new account with this role and a client signed in as it.
    pub async fn user(&self, username: &str, role: Role) -> (UserView, reqwest::Client) {
        let user = create_user(&self.state.store, &NewUserInput { username: username.into(), password: "user-password".into(), role }).await.unwrap();
        let client = client_with_token(&token_for(&self.state, &user).await);
        (user, client)
    }
}

/// Status and JSON body of a request made with `client`.
pub async fn call(client: &reqwest::Client, method: reqwest::Method, url: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = client.request(method, url);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}


/// Every byte of the SQLite app store on disk: the database file and its write-ahead log
/// (recent writes live in the log until a checkpoint).
pub fn store_bytes(app: &TestApp) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(b) = std::fs::read(app.data_dir.path().join(format!("databaseai.sqlite{suffix}"))) {
            all.extend(b);
        }
    }
    all
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Splits a corpus file of `tests/corpus/`: statements separated by lines of `====`.
pub fn corpus(text: &str) -> Vec<String> {
    text.split("\n====\n").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}
