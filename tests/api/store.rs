//! The app store's operations on PostgreSQL (the unit tests cover SQLite).
use databaseai::{
    app::model::{AuditAction, AuditFilter, Role, UserView},
    server::store::{is_unique_violation, AuditRecord, AuditStatus, DatasourceFields, Store},
};

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

    // The audit log's filters, each alone and together (typed NULL parameters on PostgreSQL).
    let (ana, bob) = (UserView { id: "u1".into(), username: "ana".into(), role: Role::Analyst }, UserView { id: "u2".into(), username: "bob".into(), role: Role::Admin });
    store.append_audit(&AuditRecord::by(&ana, AuditAction::Ask, AuditStatus::Answered).on_datasource("a", "Sales_2024")).await.unwrap();
    store.append_audit(&AuditRecord::by(&bob, AuditAction::Sql, AuditStatus::Ok).on_datasource("b", "Sales2024")).await.unwrap();
    store.append_audit(&AuditRecord::by(&bob, AuditAction::Login, AuditStatus::Ok)).await.unwrap();
    let users = |f: AuditFilter| {
        let store = &store;
        // Sorted: lines written in the same millisecond have no order of their own.
        async move {
            let mut lines: Vec<String> = store.list_audit(&f, 100, 0).await.unwrap().into_iter().map(|e| format!("{}:{}", e.username, e.action)).collect();
            lines.sort();
            lines
        }
    };
    assert_eq!(users(AuditFilter::default()).await, ["ana:ask", "bob:login", "bob:sql"]);
    assert_eq!(users(AuditFilter { user: Some("bob".into()), ..Default::default() }).await, ["bob:login", "bob:sql"]);
    assert_eq!(users(AuditFilter { action: Some("ask".into()), ..Default::default() }).await, ["ana:ask"]);
    assert_eq!(users(AuditFilter { datasource: Some("SALES_".into()), ..Default::default() }).await, ["ana:ask"], "_ is a character");
    assert_eq!(users(AuditFilter { datasource: Some("sales".into()), user: Some("bob".into()), ..Default::default() }).await, ["bob:sql"]);
    assert!(users(AuditFilter { since_ms: Some(i64::MAX / 2), ..Default::default() }).await.is_empty());
    assert_eq!(users(AuditFilter { until_ms: Some(i64::MAX / 2), ..Default::default() }).await.len(), 3);
    // Migrations are idempotent on restart.
    Store::connect(&pg_db_url(&db)).await.unwrap();
}
