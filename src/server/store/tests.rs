//! Store tests on SQLite. The same operations run against PostgreSQL in the
//! integration-test binary (tests/api/store.rs).
use super::*;

pub(crate) fn sample(name: &str) -> DatasourceFields {
    DatasourceFields {
        name: name.into(),
        engine: "postgres".into(),
        host: Some("db.example".into()),
        port: Some(5432),
        database: Some("shop".into()),
        user: Some("reader".into()),
        password_encrypted: Some("ciphertext".into()),
        sslmode: Some("prefer".into()),
        sqlite_path: None,
        is_demo: false,
    }
}

async fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.sqlite").display());
    (dir, Store::connect(&url).await.unwrap())
}

#[tokio::test]
async fn datasource_crud_round_trip() {
    let (_dir, store) = temp_store().await;
    store.insert_datasource("a", &sample("one")).await.unwrap();
    let got = store.get_datasource("a").await.unwrap().unwrap();
    assert_eq!(got.fields.name, "one");
    assert_eq!(got.fields.port, Some(5432));
    assert!(!got.fields.is_demo);
    let mut changed = sample("renamed");
    changed.password_encrypted = None;
    assert!(store.update_datasource("a", &changed).await.unwrap());
    assert_eq!(store.get_datasource("a").await.unwrap().unwrap().fields.name, "renamed");
    assert!(!store.update_datasource("missing", &changed).await.unwrap());
    let dup = store.insert_datasource("b", &sample("renamed")).await.unwrap_err();
    assert!(datasources::is_unique_violation(&dup));
    assert_eq!(store.list_datasources().await.unwrap().len(), 1);
    assert!(store.delete_datasource("a").await.unwrap());
    assert!(!store.delete_datasource("a").await.unwrap());
}

#[tokio::test]
async fn settings_upsert() {
    let (_dir, store) = temp_store().await;
    assert_eq!(store.get_setting("k").await.unwrap(), None);
    store.set_setting("k", "1").await.unwrap();
    store.set_setting("k", "2").await.unwrap();
    assert_eq!(store.get_setting("k").await.unwrap().as_deref(), Some("2"));
}

#[tokio::test]
async fn rejects_unknown_url_scheme() {
    assert!(Store::connect("mysql://x").await.is_err());
}
