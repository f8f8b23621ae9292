//! The app store's operations on PostgreSQL (the unit tests cover SQLite).
use databaseai::server::store::{is_unique_violation, DatasourceFields, Store};

use crate::helpers::*;

fn sample(name: &str) -> DatasourceFields {
    DatasourceFields {
        name: name.into(),
        engine: "sqlite".into(),
        host: None,
        port: None,
        database: None,
        user: None,
        password_encrypted: None,
        sqlite_path: Some("a.db".into()),
        sslmode: None,
        is_demo: true,
    }
}

#[tokio::test]
async fn store_crud_on_postgres() {
    let db = create_pg_database("SELECT 1").await;
    let store = Store::connect(&pg_db_url(&db)).await.unwrap();
    assert_eq!(store.backend(), "postgres");
    store.insert_datasource("a", &sample("one")).await.unwrap();
    let got = store.get_datasource("a").await.unwrap().unwrap();
    assert!(got.fields.is_demo);
    assert_eq!(got.fields.port, None);
    assert!(store.update_datasource("a", &sample("two")).await.unwrap());
    assert_eq!(store.list_datasources().await.unwrap()[0].fields.name, "two");
    let dup = store.insert_datasource("b", &sample("two")).await.unwrap_err();
    assert!(is_unique_violation(&dup));
    store.set_setting("k", "v1").await.unwrap();
    store.set_setting("k", "v2").await.unwrap();
    assert_eq!(store.get_setting("k").await.unwrap().as_deref(), Some("v2"));
    assert!(store.delete_datasource("a").await.unwrap());
    // Migrations are idempotent on restart.
    Store::connect(&pg_db_url(&db)).await.unwrap();
}
