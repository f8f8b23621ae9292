use proptest::prelude::*;

use super::*;

/// Splits a corpus file: statements separated by lines of `====`.
pub(crate) fn corpus(text: &str) -> Vec<String> {
    text.split("\n====\n").map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

const HOSTILE_PG: &str = include_str!("../../../tests/corpus/hostile_postgres.sql");
const HOSTILE_SQLITE: &str = include_str!("../../../tests/corpus/hostile_sqlite.sql");
const HOSTILE_MYSQL: &str = include_str!("../../../tests/corpus/hostile_mysql.sql");
const ALLOWED: &str = include_str!("../../../tests/corpus/allowed.sql");

#[test]
fn corpus_is_large_enough() {
    assert!(corpus(HOSTILE_PG).len() + corpus(HOSTILE_SQLITE).len() >= 80);
}

#[test]
fn every_hostile_postgres_statement_is_rejected_in_every_dialect() {
    for sql in corpus(HOSTILE_PG) {
        for d in [SqlDialect::Postgres, SqlDialect::Sqlite, SqlDialect::MySql] {
            let r = validate(&sql, d);
            assert!(r.is_err(), "accepted in {d:?}: {sql}");
            assert!(!r.unwrap_err().0.is_empty());
        }
    }
}

#[test]
fn every_hostile_sqlite_statement_is_rejected() {
    for sql in corpus(HOSTILE_SQLITE) {
        for d in [SqlDialect::Sqlite, SqlDialect::Postgres] {
            assert!(validate(&sql, d).is_err(), "accepted in {d:?}: {sql}");
        }
    }
}

#[test]
fn every_hostile_mysql_statement_is_rejected() {
    assert!(corpus(HOSTILE_MYSQL).len() >= 50);
    for sql in corpus(HOSTILE_MYSQL) {
        for d in [SqlDialect::MySql, SqlDialect::Postgres, SqlDialect::Sqlite] {
            assert!(validate(&sql, d).is_err(), "accepted in {d:?}: {sql}");
        }
    }
    let r = |s: &str| validate(s, SqlDialect::MySql).unwrap_err().0;
    assert!(r("SELECT * FROM t /*!50000 INTO OUTFILE '/tmp/x' */").contains("executable comments"));
    assert!(r("SELECT LOAD_FILE('/etc/passwd')").contains("load_file"));
    assert!(r("SELECT * FROM mysql.user").contains("system schema mysql"));
}

#[test]
fn mysql_queries_with_backticks_and_limit_forms_are_accepted() {
    for sql in [
        "SELECT `name`, COUNT(*) AS n FROM `orders` GROUP BY `name` ORDER BY n DESC LIMIT 5",
        "SELECT * FROM orders LIMIT 10, 5",
        "SELECT * FROM orders LIMIT 5 OFFSET 10",
        "SELECT DATE_FORMAT(placed_on, '%Y-%m') AS month, SUM(total) FROM orders GROUP BY month",
        "SELECT IFNULL(country, 'unknown') FROM customers WHERE name LIKE 'A%'",
        "SELECT * FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id",
    ] {
        validate(sql, SqlDialect::MySql).unwrap_or_else(|e| panic!("rejected: {sql}: {e}"));
    }
}

#[test]
fn a_limit_is_appended_only_where_there_is_none() {
    let v = |s: &str| validate(s, SqlDialect::MySql).unwrap();
    let capped = append_limit(&v("SELECT * FROM t ORDER BY a -- newest first"), 101).unwrap();
    assert_eq!(capped.as_str(), "SELECT * FROM t ORDER BY a -- newest first\nLIMIT 101");
    assert!(append_limit(&v("SELECT a FROM t UNION SELECT b FROM u"), 5).unwrap().as_str().ends_with("\nLIMIT 5"));
    assert!(append_limit(&v("SELECT * FROM t LIMIT 3"), 101).is_none());
    assert!(append_limit(&v("SELECT * FROM t LIMIT 3, 2"), 101).is_none());
    assert!(append_limit(&v("EXPLAIN SELECT * FROM t"), 101).is_none());
    // A LIMIT inside a subquery is not the outer one.
    assert!(append_limit(&v("SELECT * FROM (SELECT * FROM t LIMIT 3) s"), 101).is_some());
}

#[test]
fn ordinary_queries_are_accepted() {
    for sql in corpus(ALLOWED) {
        for d in [SqlDialect::Postgres, SqlDialect::Sqlite] {
            let v = validate(&sql, d).unwrap_or_else(|e| panic!("rejected in {d:?}: {sql}: {e}"));
            assert!(!v.as_str().ends_with(';'));
        }
    }
}

#[test]
fn reasons_are_plain_words() {
    let r = |s: &str| validate(s, SqlDialect::Postgres).unwrap_err().0;
    assert!(r("SELECT 1; DROP TABLE t").contains("only one statement"));
    assert!(r("DROP TABLE t").contains("DROP TABLE"));
    assert!(r("SELECT pg_sleep(1)").contains("pg_sleep"));
    assert!(r("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d").contains("data-modifying"));
    assert!(r("SELECT * FROM t FOR UPDATE").contains("locking"));
    assert!(r("SELEC 1").contains("could not be parsed"));
    assert!(r("").contains("no SQL"));
    assert!(r(&"SELECT 1 ".repeat(5000)).contains("longer than"));
}

#[test]
fn explain_is_classified() {
    let v = validate("EXPLAIN SELECT 1", SqlDialect::Postgres).unwrap();
    assert_eq!(v.kind(), StatementKind::Explain);
    assert_eq!(validate("SELECT 1", SqlDialect::Postgres).unwrap().kind(), StatementKind::Query);
}

#[test]
fn deep_nesting_fails_closed_without_overflowing_the_stack() {
    let deep = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
    assert!(validate(&deep, SqlDialect::Postgres).is_err());
}

const KEYWORDS: &[&str] = &[
    "SELECT", "FROM", "WHERE", "DELETE", "UPDATE", "INSERT", "INTO", "DROP", "TABLE", "WITH", "AS",
    "(", ")", ";", ",", "*", "1", "'x'", "t", "pg_sleep", "FOR", "SHARE", "VALUES", "SET", "COMMIT",
    "--", "/*", "*/", "UNION", "RETURNING", "EXPLAIN", "ANALYZE", "COPY", "TO", "PROGRAM", "\n",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Whatever the input, the guard returns (never panics), and anything it accepts
    /// re-parses as exactly one query or EXPLAIN statement.
    #[test]
    fn never_panics_and_only_accepts_queries(tokens in proptest::collection::vec(0..KEYWORDS.len(), 0..30)) {
        let sql = tokens.iter().map(|i| KEYWORDS[*i]).collect::<Vec<_>>().join(" ");
        for d in [SqlDialect::Postgres, SqlDialect::Sqlite, SqlDialect::MySql] {
            if let Ok(v) = validate(&sql, d) {
                let stmts = Parser::parse_sql(d.parser_dialect().as_ref(), v.as_str()).unwrap();
                prop_assert_eq!(stmts.len(), 1);
                let ok = matches!(&stmts[0], Statement::Query(_)) || matches!(&stmts[0], Statement::Explain { analyze: false, .. });
                prop_assert!(ok, "accepted a non-query: {}", sql);
                // What the parser saw (comments are inert, so `-- pg_sleep (` is no call).
                let parsed = stmts[0].to_string().to_ascii_uppercase();
                prop_assert!(!parsed.contains("PG_SLEEP(") && !parsed.contains("PG_SLEEP ("), "accepted pg_sleep call: {}", sql);
            }
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,200}") {
        let _ = validate(&s, SqlDialect::Postgres);
        let _ = validate(&s, SqlDialect::Sqlite);
    }
}
