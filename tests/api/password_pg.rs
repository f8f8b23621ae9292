//! A throwaway PostgreSQL instance with scram password authentication (the shared test
//! cluster trusts every local login, so it cannot say "wrong password").
use std::{path::PathBuf, process::Command, time::Duration};

use serde_json::json;

use crate::helpers::*;

struct PasswordPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl PasswordPostgres {
    /// Starts one as the `postgres` OS user; None when this machine cannot (not root, no initdb).
    fn start(password: &str) -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql").ok()?.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).find(|p| p.join("initdb").exists())?;
        let dir = std::env::temp_dir().join(unique("dbai_pg"));
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::write(dir.join("pw"), password).ok()?;
        let chown = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().ok()?;
        if !chown.success() {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let as_postgres = |args: &[&str]| Command::new("runuser").args(["-u", "postgres", "--"]).args(args).output();
        let data = dir.join("data");
        let initdb = as_postgres(&[bin.join("initdb").to_str()?, "-D", data.to_str()?, "-U", "postgres", "--auth=scram-sha-256", "--pwfile", dir.join("pw").to_str()?]).ok()?;
        assert!(initdb.status.success(), "initdb: {}", String::from_utf8_lossy(&initdb.stderr));
        let opts = format!("-p {port} -k {} -c listen_addresses=127.0.0.1", dir.display());
        let start = as_postgres(&[bin.join("pg_ctl").to_str()?, "-D", data.to_str()?, "-o", &opts, "-l", dir.join("log").to_str()?, "-w", "start"]).ok()?;
        assert!(start.status.success(), "pg_ctl start: {}", String::from_utf8_lossy(&start.stderr));
        Some(PasswordPostgres { dir, bin, port })
    }
}

impl Drop for PasswordPostgres {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", self.dir.join("data").to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn wrong_password_is_explained_and_the_right_one_works() {
    let Some(pg) = PasswordPostgres::start("correct horse") else {
        panic!("could not start a password-protected PostgreSQL (needs root and initdb)");
    };
    let app = spawn_app(StoreKind::Sqlite, &["--no-demo"]).await;
    let body = |name: &str, password: &str| json!({"name": name, "engine": "postgres", "host": "127.0.0.1", "port": pg.port, "database": "postgres", "user": "postgres", "password": password, "sslmode": "disable"});
    let (_, wrong) = app.post("/api/v1/datasources", body("wrong", "battery staple")).await;
    let started = std::time::Instant::now();
    let (_, test) = app.post(&format!("/api/v1/datasources/{}/test", wrong["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(test["ok"], false);
    assert_eq!(test["message"], "password authentication failed for user \"postgres\"");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!test.to_string().contains("battery"), "the password must not be echoed");

    // Fixing the password through an edit makes the same datasource work (no stale pool).
    let id = wrong["id"].as_str().unwrap();
    let (status, _) = app.send(reqwest::Method::PUT, &format!("/api/v1/datasources/{id}"), body("fixed", "correct horse")).await;
    assert_eq!(status, 200);
    let (_, test) = app.post(&format!("/api/v1/datasources/{id}/test"), json!({})).await;
    assert_eq!(test["ok"], true, "{test}");
    let (status, r) = app.post(&format!("/api/v1/datasources/{id}/sql"), json!({"sql": "SELECT current_user"})).await;
    assert_eq!(status, 200);
    assert_eq!(r["rows"][0][0], "postgres");
}
