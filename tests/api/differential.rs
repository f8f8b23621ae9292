//! Differential test of the guard against the servers' own parsers. The hostile corpora and
//! over 10,000 generated statements (allowed and forbidden functions and relations, spelled
//! plainly, quoted, `U&`-escaped, schema-qualified, upper-cased, with comments, odd spacing and
//! string forms between the tokens) go through the guard. Every statement it accepts is then
//! read by the real server without running it, and what the *server* would call and read must
//! be allowed too:
//! - PostgreSQL: `EXPLAIN (VERBOSE, FORMAT JSON)` of the canonical text, in a throwaway
//!   database; every relation scanned and every function in the plan's expressions;
//! - MariaDB: `EXPLAIN EXTENDED` and the server's rewritten query in `SHOW WARNINGS`;
//! - SQLite: `EXPLAIN`'s function opcodes.
//!
//! A disagreement (the server would call or read something the allow-lists do not allow) fails.
use std::collections::BTreeSet;

use databaseai::server::guard::{self, SqlDialect};
use serde_json::Value;
use sqlx::{Connection, Executor, MySqlConnection, PgConnection, Row, SqliteConnection};

use crate::{helpers::*, mysql::{create_mysql_database, mysql_admin_url}};

const HOSTILE_PG: &str = include_str!("../corpus/hostile_postgres.sql");
const HOSTILE_MYSQL: &str = include_str!("../corpus/hostile_mysql.sql");
const HOSTILE_SQLITE: &str = include_str!("../corpus/hostile_sqlite.sql");
const ALLOWED: &str = include_str!("../corpus/allowed.sql");

/// Statements generated per dialect.
const GENERATED: usize = 4000;

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Vocabulary {
    dialect: SqlDialect,
    /// Expressions over `c` (customers) and `o` (orders), harmless and not.
    expressions: &'static [&'static str],
    /// FROM items that define `c` and `o`.
    sources: &'static [&'static str],
    /// Other relations, harmless and not.
    relations: &'static [&'static str],
}

const PG: Vocabulary = Vocabulary {
    dialect: SqlDialect::Postgres,
    expressions: &[
        "c.id", "c.name", "o.total", "count(*)", "sum(o.total)", "avg(o.total)", "lower(c.name)", "upper(c.country)",
        "round(o.total, 1)", "date_trunc('month', c.created_at)", "EXTRACT(YEAR FROM c.created_at)", "coalesce(c.country, 'none')",
        "length(c.name)", "substring(c.name FROM 1 FOR 3)", "to_char(c.created_at, 'YYYY-MM')", "now()", "CURRENT_DATE",
        "row_number() OVER (ORDER BY c.id)", "string_agg(c.name, ',')", "c.name || '!'", "NULLIF(c.id, 0)", "GREATEST(c.id, 1)",
        "CASE WHEN o.paid THEN 1 ELSE 0 END", "o.meta ->> 'k'", "c.created_at AT TIME ZONE 'UTC'", "md5(c.name)",
        "(SELECT max(id) FROM orders)", "EXISTS (SELECT 1 FROM orders WHERE orders.customer_id = c.id)",
        "pg_read_file('/etc/hostname')", "pg_sleep(0)", "pg_ls_dir('.')", "current_setting('data_directory')", "pg_advisory_lock(7)",
        "set_config('x.y', 'z', true)", "txid_current()", "pg_backend_pid()", "inet_server_addr()", "pg_stat_get_backend_pid(1)",
        "lo_import('/etc/hostname')", "query_to_xml('SELECT 1', true, true, '')", "nextval('customers_id_seq')", "pg_notify('c', 'x')",
        "(SELECT rolpassword FROM pg_authid LIMIT 1)", "(SELECT setting FROM pg_settings LIMIT 1)", "version()",
        "pg_terminate_backend(0)", "pg_cancel_backend(0)", "pg_reload_conf()", "to_json(c)", "c.row_to_json",
    ],
    sources: &[
        "customers c JOIN orders o ON o.customer_id = c.id",
        "customers c, LATERAL (SELECT * FROM orders WHERE orders.customer_id = c.id LIMIT 1) o",
        "(TABLE customers) c CROSS JOIN (TABLE orders) o",
        "customers c LEFT JOIN big_orders o ON o.customer_id = c.id",
    ],
    relations: &[
        "information_schema.columns", "information_schema.tables", "pg_class", "pg_catalog.pg_namespace", "pg_tables",
        "pg_authid", "pg_catalog.pg_shadow", "pg_stat_activity", "pg_settings", "pg_user_mappings", "pg_statistic",
        "pg_hba_file_rules", "pg_file_settings", "pg_largeobject", "customers", "orders", "big_orders",
        "pg_ls_dir('.') AS f", "generate_series(1, 3) AS g", "pg_stat_get_activity(NULL) AS a", "pg_show_all_settings() AS s",
    ],
};

const MARIADB: Vocabulary = Vocabulary {
    dialect: SqlDialect::MySql,
    expressions: &[
        "c.id", "c.name", "o.total", "COUNT(*)", "SUM(o.total)", "AVG(o.total)", "LOWER(c.name)", "UPPER(c.country)",
        "ROUND(o.total, 1)", "DATE_FORMAT(c.joined, '%Y-%m')", "YEAR(c.joined)", "IFNULL(c.country, 'none')", "CHAR_LENGTH(c.name)",
        "SUBSTRING(c.name, 1, 3)", "NOW()", "CURDATE()", "ROW_NUMBER() OVER (ORDER BY c.id)", "GROUP_CONCAT(c.name)",
        "CONCAT(c.name, '!')", "IF(o.paid, 1, 0)", "DATEDIFF(o.placed_on, c.joined)", "\"text\"", "c.name || 'x'",
        "(SELECT MAX(id) FROM orders)", "LOAD_FILE('/etc/hostname')", "SLEEP(0)", "BENCHMARK(10, MD5('x'))", "GET_LOCK('g', 0)",
        "RELEASE_LOCK('g')", "IS_FREE_LOCK('g')", "UUID_SHORT()", "CONNECTION_ID()", "LAST_INSERT_ID(5)", "USER()",
        "(SELECT authentication_string FROM mysql.user LIMIT 1)", "@@hostname", "@@global.secure_file_priv",
        "(SELECT COUNT(*) FROM information_schema.processlist)", "VALUES(c.id)", "MASTER_POS_WAIT('x', 1)",
    ],
    sources: &[
        "customers c JOIN orders o ON o.customer_id = c.id",
        "customers c LEFT JOIN big_orders o ON o.customer_id = c.id",
        "(SELECT * FROM customers) c JOIN (SELECT * FROM orders) o ON o.customer_id = c.id",
    ],
    relations: &[
        "information_schema.columns", "information_schema.tables", "mysql.user", "mysql.db", "performance_schema.threads",
        "sys.processlist", "information_schema.processlist", "customers", "orders", "big_orders", "`mysql`.`user`",
    ],
};

const SQLITE: Vocabulary = Vocabulary {
    dialect: SqlDialect::Sqlite,
    expressions: &[
        "c.id", "c.name", "o.total", "count(*)", "sum(o.total)", "avg(o.total)", "lower(c.name)", "upper(c.city)",
        "round(o.total, 1)", "strftime('%Y-%m', o.ordered_at)", "date(o.ordered_at)", "coalesce(c.city, 'none')",
        "length(c.name)", "substr(c.name, 1, 3)", "group_concat(c.name)", "c.name || '!'", "iif(o.total > 10, 1, 0)",
        "row_number() OVER (ORDER BY c.id)", "json_extract('{\"a\":1}', '$.a')", "typeof(o.total)",
        "randomblob(10)", "zeroblob(10)", "load_extension('x')", "readfile('/etc/hostname')", "writefile('/tmp/x', 'y')",
        "sqlite_compileoption_get(0)", "sqlite_source_id()", "changes()", "last_insert_rowid()", "fts3_tokenizer('simple')",
        "unlikely(1)", "printf('%d', 1)", "random()",
    ],
    sources: &["customers c JOIN orders o ON o.customer_id = c.id", "(SELECT * FROM customers) c, (SELECT * FROM orders) o"],
    relations: &[
        "sqlite_master", "sqlite_schema", "sqlite_dbpage", "sqlite_stat1", "pragma_table_info('orders')", "pragma_database_list",
        "pragma_compile_options", "customers", "orders", "json_each('[1,2]')", "dbstat",
    ],
};

/// A way to spell a name that the server reads as the same name.
fn respell(rng: &mut Rng, dialect: SqlDialect, name: &str) -> String {
    let plain_word = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !plain_word {
        return name.to_string();
    }
    match (dialect, rng.below(5)) {
        (_, 0) => name.to_ascii_uppercase(),
        (SqlDialect::Postgres, 1) => format!("\"{name}\""),
        (SqlDialect::Postgres, 2) => {
            let i = name.len() / 2;
            format!("U&\"{}\\{:04x}{}\"", &name[..i], name.as_bytes()[i], &name[i + 1..])
        }
        (SqlDialect::Postgres, 3) => format!("pg_catalog.{name}"),
        (SqlDialect::MySql, 1 | 2) => format!("`{name}`"),
        (SqlDialect::Sqlite, 1 | 2) => format!("\"{name}\""),
        _ => name.to_string(),
    }
}

/// Respells the function name at the start of `expr`, if it is a call.
fn respell_call(rng: &mut Rng, dialect: SqlDialect, expr: &str) -> String {
    match expr.find('(') {
        Some(i) if i > 0 && expr[..i].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            format!("{}{}", respell(rng, dialect, &expr[..i]), &expr[i..])
        }
        _ => expr.to_string(),
    }
}

/// What may stand between two tokens: spaces, line breaks, comments in the dialect's forms.
fn gap(rng: &mut Rng, dialect: SqlDialect) -> &'static str {
    let gaps: &[&str] = match dialect {
        SqlDialect::MySql => &[" ", " ", " ", "\n", "\t", " /* note */ ", " -- note\n", " # note\n", "/**/"],
        _ => &[" ", " ", " ", "\n", "\t", " /* note */ ", " -- note\n", "/**/", " /* a /* nested */ b */ "],
    };
    rng.pick(gaps)
}

fn generate(rng: &mut Rng, v: &Vocabulary) -> String {
    let d = v.dialect;
    let mut parts: Vec<String> = Vec::new();
    let n = 1 + rng.below(3);
    let select_list: Vec<String> = (0..n)
        .map(|_| {
            let expr = rng_pick(rng, v.expressions);
            respell_call(rng, d, expr)
        })
        .collect();
    parts.push("SELECT".into());
    parts.push(select_list.join(&format!(",{}", gap(rng, d))));
    parts.push("FROM".into());
    parts.push(rng_pick(rng, v.sources).to_string());
    if rng.chance(40) {
        let relation = rng_pick(rng, v.relations);
        let relation = match relation.split_once('.') {
            Some((s, r)) if !relation.contains('(') => format!("{}.{}", respell(rng, d, s), respell(rng, d, r)),
            _ => {
                let spelled = respell(rng, d, relation);
                respell_call(rng, d, &spelled)
            }
        };
        let alias = if relation.contains(" AS ") { "" } else { " AS extra" };
        parts.push(format!("CROSS JOIN {relation}{alias}"));
    }
    if rng.chance(30) {
        let expr = rng_pick(rng, v.expressions);
        parts.push(format!("WHERE {} IS NOT NULL", respell_call(rng, d, expr)));
    }
    if rng.chance(20) {
        parts.push("LIMIT 5".into());
    }
    let mut sql = String::new();
    for part in parts {
        if !sql.is_empty() {
            sql.push_str(gap(rng, d));
        }
        sql.push_str(&part);
    }
    if rng.chance(10) {
        sql = format!("WITH w AS (SELECT 1 AS one){}{}", gap(rng, d), sql);
    }
    if rng.chance(5) {
        sql = format!("EXPLAIN {sql}");
    }
    sql
}

fn rng_pick(rng: &mut Rng, items: &'static [&'static str]) -> &'static str {
    items[rng.below(items.len())]
}

fn statements(v: &Vocabulary, corpora: &[&str]) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ v.dialect as u64);
    let mut out: Vec<String> = corpora.iter().flat_map(|c| corpus(c)).collect();
    out.extend((0..GENERATED).map(|_| generate(&mut rng, v)));
    // More statements from files, e.g. what a long fuzzing run kept (`scripts/fuzz 3600`).
    if let Ok(dir) = std::env::var("DATABASEAI_DIFFERENTIAL_EXTRA") {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")).flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                out.push(text);
            }
        }
    }
    out
}

/// `name(` in the server's own rendering of expressions, lower case, keywords left out.
fn called_functions(text: &str, into: &mut BTreeSet<String>) {
    const NOT_FUNCTIONS: &[&str] = &[
        "any", "all", "array", "row", "exists", "in", "case", "coalesce", "greatest", "least", "nullif", "extract", "values",
        "over", "filter", "returns", "cast", "and", "or", "not", "select", "from", "where", "is", "as", "with", "interval",
        "lcase", "ucase", "current_timestamp", "current_date", "subplan", "initplan", "hashed", "substring",
        "on", "join", "using", "having", "by", "into", "lateral", "cross", "group", "order", "limit", "union", "distinct",
    ];
    // String constants are data, not calls: blank them out first (a doubled quote inside one
    // closes and reopens it, which blanks the same characters).
    let mut in_string = false;
    let text: String = text
        .chars()
        .map(|c| {
            if c == '\'' {
                in_string = !in_string;
                c
            } else if in_string {
                ' '
            } else {
                c
            }
        })
        .collect();
    let text = text.as_str();
    let bytes = text.as_bytes();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let word = b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if b == b'(' {
                    let name = text[s..i].rsplit('.').next().unwrap_or("").to_ascii_lowercase();
                    let is_word = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
                    // A quoted string that ends right before "(" is not a call.
                    let quoted = s > 0 && matches!(bytes[s - 1], b'\'' | b'"' | b'`');
                    if is_word && !quoted && !NOT_FUNCTIONS.contains(&name.as_str()) {
                        into.insert(name);
                    }
                }
                start = None;
            }
            _ => {}
        }
    }
}

/// Functions that the servers add themselves inside views and operators of the allowed
/// metadata views; each is a read-only lookup.
const SERVER_HELPERS: &[&str] = &[
    // PostgreSQL: information_schema's and pg_tables' own expressions.
    "pg_has_role", "has_table_privilege", "has_column_privilege", "has_any_column_privilege", "format_type",
    "pg_get_expr", "_pg_char_max_length", "_pg_char_octet_length", "_pg_numeric_precision", "_pg_numeric_precision_radix",
    "_pg_numeric_scale", "_pg_datetime_precision", "_pg_interval_type", "_pg_truetypid", "_pg_truetypmod",
    "pg_column_is_updatable", "pg_relation_is_updatable", "pg_get_userbyid", "pg_tablespace_location", "obj_description",
    "date_part", "pg_get_viewdef", "array_position", "pg_is_other_temp_schema",
];

/// What the server would call or read that the allow-lists do not allow, one line each.
fn disagreements(dialect: SqlDialect, sql: &str, functions: &BTreeSet<String>, relations: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for f in functions {
        if !guard::is_allowed_function(dialect, f) && !SERVER_HELPERS.contains(&f.as_str()) {
            out.push(format!("{f}() in {sql:?}"));
        }
    }
    const DENIED: &[&str] = &["pg_authid", "pg_shadow", "pg_user_mapping", "pg_statistic", "pg_largeobject"];
    for (schema, relation) in relations {
        let schema = schema.to_ascii_lowercase();
        if matches!(schema.as_str(), "mysql" | "performance_schema" | "sys") || (schema == "pg_catalog" && DENIED.contains(&relation.as_str())) {
            out.push(format!("{schema}.{relation} in {sql:?}"));
        }
    }
    out
}

/// Fails with every disagreement found, so one run shows them all.
fn assert_no_disagreements(found: BTreeSet<String>) {
    let mut by_name: std::collections::BTreeMap<String, String> = Default::default();
    for line in found {
        let name = line.split(" in ").next().unwrap_or("").to_string();
        by_name.entry(name).or_insert(line);
    }
    assert!(by_name.is_empty(), "the guard accepted statements the server reads differently:\n{}", by_name.into_values().collect::<Vec<_>>().join("\n"));
}

fn plan_references(plan: &Value, functions: &mut BTreeSet<String>, relations: &mut Vec<(String, String)>) {
    match plan {
        Value::Object(map) => {
            if let (Some(Value::String(r)), Some(Value::String(s))) = (map.get("Relation Name"), map.get("Schema")) {
                relations.push((s.clone(), r.clone()));
            }
            if let Some(Value::String(f)) = map.get("Function Name") {
                functions.insert(f.to_ascii_lowercase());
            }
            for (key, value) in map {
                match value {
                    Value::String(text) if key != "Relation Name" && key != "Alias" && key != "Index Name" => called_functions(text, functions),
                    other => plan_references(other, functions, relations),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| plan_references(i, functions, relations)),
        Value::String(text) => called_functions(text, functions),
        _ => {}
    }
}

#[tokio::test]
async fn postgres_plans_agree_with_the_guard() {
    let db = create_pg_database(SHOP_SQL).await;
    let mut conn = PgConnection::connect(&pg_db_url(&db)).await.unwrap();
    let (mut accepted, mut total) = (0, 0);
    let mut found = BTreeSet::new();
    for sql in statements(&PG, &[HOSTILE_PG, HOSTILE_MYSQL, HOSTILE_SQLITE, ALLOWED]) {
        total += 1;
        let Ok(checked) = guard::validate(&sql, SqlDialect::Postgres) else { continue };
        accepted += 1;
        let text = checked.as_str().strip_prefix("EXPLAIN ").unwrap_or(checked.as_str());
        let mut tx = conn.begin().await.unwrap();
        tx.execute("SET TRANSACTION READ ONLY").await.unwrap();
        let explained = sqlx::query(&format!("EXPLAIN (VERBOSE, FORMAT JSON) {text}")).fetch_one(&mut *tx).await;
        tx.rollback().await.unwrap();
        // Queries the server cannot plan (a column that does not exist…) never run either.
        let Ok(row) = explained else { continue };
        let plan: Value = row.get(0);
        let (mut functions, mut relations) = (BTreeSet::new(), Vec::new());
        plan_references(&plan, &mut functions, &mut relations);
        found.extend(disagreements(SqlDialect::Postgres, &sql, &functions, &relations));
    }
    assert_no_disagreements(found);
    assert!(total >= GENERATED + 300 && accepted >= 500, "{accepted} of {total} accepted");
}

#[tokio::test]
async fn mariadb_readings_agree_with_the_guard() {
    let db = create_mysql_database(crate::mysql::SHOP_MYSQL).await;
    let mut conn = MySqlConnection::connect(&format!("{}/{db}", mysql_admin_url())).await.unwrap();
    conn.execute("SET SESSION sql_mode = 'PIPES_AS_CONCAT,NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES'").await.unwrap();
    let (mut accepted, mut total) = (0, 0);
    let mut found = BTreeSet::new();
    for sql in statements(&MARIADB, &[HOSTILE_PG, HOSTILE_MYSQL, HOSTILE_SQLITE, ALLOWED]) {
        total += 1;
        let Ok(checked) = guard::validate(&sql, SqlDialect::MySql) else { continue };
        accepted += 1;
        let text = checked.as_str().strip_prefix("EXPLAIN ").unwrap_or(checked.as_str());
        // The server's own reading of the statement: its rewritten text, with every function
        // call and table it resolved.
        if sqlx::raw_sql(&format!("EXPLAIN EXTENDED {text}")).execute(&mut conn).await.is_err() {
            continue;
        }
        let warnings = sqlx::raw_sql("SHOW WARNINGS").fetch_all(&mut conn).await.unwrap();
        let mut functions = BTreeSet::new();
        let mut relations = Vec::new();
        for w in warnings {
            let message: String = w.get(2);
            let reading = message.replace('`', "");
            called_functions(&reading, &mut functions);
            for word in reading.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
                if let Some((schema, relation)) = word.split_once('.') {
                    relations.push((schema.to_string(), relation.to_string()));
                }
            }
        }
        found.extend(disagreements(SqlDialect::MySql, &sql, &functions, &relations));
    }
    assert_no_disagreements(found);
    assert!(total >= GENERATED + 300 && accepted >= 500, "{accepted} of {total} accepted");
}

#[tokio::test]
async fn sqlite_programs_agree_with_the_guard() {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, city TEXT); \
         CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL, ordered_at TEXT);",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (mut accepted, mut total) = (0, 0);
    let mut found = BTreeSet::new();
    for sql in statements(&SQLITE, &[HOSTILE_PG, HOSTILE_MYSQL, HOSTILE_SQLITE, ALLOWED]) {
        total += 1;
        let Ok(checked) = guard::validate(&sql, SqlDialect::Sqlite) else { continue };
        accepted += 1;
        let text = checked.as_str().strip_prefix("EXPLAIN ").unwrap_or(checked.as_str());
        let Ok(program) = sqlx::query(&format!("EXPLAIN {text}")).fetch_all(&mut conn).await else { continue };
        let mut functions = BTreeSet::new();
        for op in program {
            let opcode: String = op.get(1);
            if matches!(opcode.as_str(), "Function" | "PureFunc" | "AggStep" | "AggStep1" | "AggFinal" | "AggValue" | "AggInverse") {
                let p4: String = op.try_get(5).unwrap_or_default();
                if let Some(name) = p4.split('(').next() {
                    functions.insert(name.to_ascii_lowercase());
                }
            }
            if opcode == "VOpen" || opcode == "VFilter" {
                let p4: String = op.try_get(5).unwrap_or_default();
                if p4.contains("dbpage") || p4.contains("dbstat") {
                    found.insert(format!("{p4} in {sql:?}"));
                }
            }
        }
        found.extend(disagreements(SqlDialect::Sqlite, &sql, &functions, &[]));
    }
    assert_no_disagreements(found);
    assert!(total >= GENERATED + 300 && accepted >= 500, "{accepted} of {total} accepted");
}

#[test]
fn the_generator_makes_varied_statements() {
    let mut rng = Rng(7);
    let made: BTreeSet<String> = (0..1000).map(|_| generate(&mut rng, &PG)).collect();
    assert!(made.len() > 950, "only {} distinct", made.len());
    assert!(made.iter().any(|s| s.contains("U&\"")) && made.iter().any(|s| s.contains("/* note */")));
    let mut found = BTreeSet::new();
    called_functions("lower(c.name) AS x, pg_catalog.now(), 'f'(x), EXTRACT(year FROM d), count(*), 'a, sleep(1) b'::text", &mut found);
    assert_eq!(found.into_iter().collect::<Vec<_>>(), vec!["count", "lower", "now"]);
}
