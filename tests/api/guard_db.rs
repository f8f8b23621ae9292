//! With the guard switched off (a test-only path), the hostile corpus runs straight into the
//! database layer: a READ ONLY transaction under a least-privilege role. Nothing may change,
//! and no file may be read. A second pass as a superuser shows the read-only transaction
//! alone still keeps every table intact.
use std::time::Duration;

use databaseai::server::{
    exec::{postgres::run_in_read_only_transaction, CancelRegistry, Limits},
    guard::{SqlDialect, StatementKind, ValidatedSql},
};
use sqlx::{postgres::PgConnectOptions, ConnectOptions, Connection, PgConnection};

use crate::helpers::*;

const HOSTILE_PG: &str = include_str!("../corpus/hostile_postgres.sql");


const VICTIM_SQL: &str = "CREATE TABLE guard_victim (id serial PRIMARY KEY, v text); \
    INSERT INTO guard_victim (v) SELECT 'row ' || g FROM generate_series(1, 10) g;";

async fn fingerprint(db: &str) -> (i64, String) {
    let mut c = PgConnection::connect(&pg_db_url(db)).await.unwrap();
    let (n, agg): (i64, String) = sqlx::query_as("SELECT count(*), string_agg(id || ':' || v, ',' ORDER BY id) FROM guard_victim")
        .fetch_one(&mut c).await.unwrap();
    let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetch_one(&mut c).await.unwrap();
    let cols: i64 = sqlx::query_scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'guard_victim'").fetch_one(&mut c).await.unwrap();
    (n + tables * 1000 + cols * 100_000, agg)
}

/// Statements whose harm as a superuser is to the server, not the data (signals, files,
/// programs); the least-privilege pass shows privileges stop them. The superuser pass
/// skips them so it cannot disturb other tests sharing this PostgreSQL.
fn server_level(sql: &str) -> bool {
    let s = sql.to_ascii_lowercase();
    [
        "copy", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_switch_wal", "checkpoint", "pg_create_restore_point",
        "lo_export", "pg_stat_reset", "pg_logical_emit_message", "pg_notify",
    ]
        .iter()
        .any(|k| s.contains(k))
}

async fn run_all(db: &str, user: &str, skip_server_level: bool) -> Vec<(String, Result<String, String>)> {
    let options: PgConnectOptions = pg_db_url(db).parse::<PgConnectOptions>().unwrap().username(user);
    let limits = Limits::new(100, Duration::from_millis(1500));
    let cancels = CancelRegistry::default();
    let mut out = Vec::new();
    for sql in corpus(HOSTILE_PG).into_iter().filter(|s| !(skip_server_level && server_level(s))) {
        let mut conn = options.connect().await.unwrap();
        let unchecked = ValidatedSql::unchecked_for_tests(&sql, StatementKind::Explain, SqlDialect::Postgres);
        let r = run_in_read_only_transaction(&mut conn, &options, &unchecked, &limits, &cancels, None).await;
        out.push((sql, r.map(|r| serde_json::to_string(&r.rows).unwrap()).map_err(|e| e.to_string())));
        let _ = conn.close().await;
    }
    out
}

#[tokio::test]
async fn hostile_corpus_is_harmless_at_the_database_layer() {
    let db = create_pg_database(VICTIM_SQL).await;
    let reader = unique("dbai_reader");
    let mut admin = PgConnection::connect(&pg_db_url(&db)).await.unwrap();
    sqlx::raw_sql(&format!(
        "CREATE ROLE {reader} LOGIN; GRANT CONNECT ON DATABASE {db} TO {reader}; GRANT USAGE ON SCHEMA public TO {reader}; \
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}; REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    let before = fingerprint(&db).await;

    for (sql, result) in run_all(&db, &reader, false).await {
        assert_eq!(fingerprint(&db).await, before, "changed by: {sql}");
        if sql.contains("pg_read_file") || sql.contains("pg_ls_dir") || sql.contains("lo_import") || sql.contains("pg_read_binary_file") {
            let text = format!("{result:?}");
            assert!(result.is_err() && !text.contains("root:"), "file access was allowed for {sql}: {text}");
        }
    }
    assert!(!std::path::Path::new("/tmp/databaseai_copy_out").exists(), "COPY TO wrote a server file");
    // As a superuser only the READ ONLY transaction stands in the way: still no data changes.
    for (sql, _) in run_all(&db, "postgres", true).await {
        assert_eq!(fingerprint(&db).await, before, "changed by (superuser): {sql}");
    }
}

const HOSTILE_SQLITE: &str = include_str!("../corpus/hostile_sqlite.sql");

/// The SQLite corpus with the guard off, through the datasource pool (read-only file,
/// `query_only`, length limits): no row, table or file changes, and no extension loads.
#[tokio::test]
async fn hostile_sqlite_corpus_is_harmless_at_the_database_layer() {
    use databaseai::server::{
        datasources::{config::{DatasourceConfig, SqliteConfig}, connect::build_pool},
        exec::execute,
    };
    use sqlx::{sqlite::SqliteConnectOptions, SqliteConnection};

    const WRITTEN: [&str; 3] = ["/tmp/databaseai_sqlite_w", "/tmp/databaseai_attach.db", "/tmp/databaseai_vacuum.db"];
    for path in WRITTEN {
        let _ = std::fs::remove_file(path);
    }
    let data_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(data_dir.path().join("sqlite")).unwrap();
    let file = data_dir.path().join("sqlite/victim.db");
    let mut rw = SqliteConnectOptions::new().filename(&file).create_if_missing(true).connect().await.unwrap();
    sqlx::raw_sql("CREATE TABLE guard_victim (id INTEGER PRIMARY KEY, v TEXT); \
                   WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 10) INSERT INTO guard_victim SELECT n, 'row ' || n FROM g;")
        .execute(&mut rw)
        .await
        .unwrap();
    async fn sqlite_fingerprint(conn: &mut SqliteConnection) -> (i64, String, i64) {
        sqlx::query_as("SELECT count(*), group_concat(id || ':' || v, ','), (SELECT count(*) FROM sqlite_schema) FROM guard_victim")
            .fetch_one(conn)
            .await
            .unwrap()
    }
    let before = sqlite_fingerprint(&mut rw).await;
    let pool = build_pool(&DatasourceConfig::Sqlite(SqliteConfig { relative_path: "victim.db".into() }), None, data_dir.path());
    let limits = Limits::new(100, Duration::from_millis(1500));
    let cancels = CancelRegistry::default();
    let mut ran = 0;
    for sql in corpus(HOSTILE_SQLITE) {
        let unchecked = ValidatedSql::unchecked_for_tests(&sql, StatementKind::Explain, SqlDialect::Sqlite);
        let result = execute(&pool, &unchecked, &limits, &cancels, None).await;
        ran += usize::from(result.is_ok());
        assert_eq!(sqlite_fingerprint(&mut rw).await, before, "changed by: {sql}");
        assert!(!format!("{result:?}").contains("root:"), "read a file with {sql}");
    }
    assert!(ran >= 3, "only {ran} statements ran at all");
    for path in WRITTEN {
        assert!(!std::path::Path::new(path).exists(), "a statement wrote {path}");
    }
}
