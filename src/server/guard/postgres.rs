//! PostgreSQL: the statement is read by PostgreSQL's own parser (libpg_query through the
//! `pg_query` crate), so identifiers, `U&"…"` escapes, comments, dollar quotes and operators
//! mean here exactly what they mean to the server. The whole tree is walked generically (its
//! serde form), so no node kind can be skipped by a hand-written walker: every node kind must
//! be on the allow-list below, every function and relation on the allow-lists of `allow`.
//! What runs is the tree printed back (`pg_query::deparse`), never the original text.

use serde_json::{Map, Value};

use super::{allow, reject, Rejection, SqlDialect, StatementKind, NOT_A_QUERY, UNPARSED};

/// Expression and clause node kinds a read-only query is built from. Anything else
/// (statements, `XMLTABLE`, parameters, SQL/JSON constructors the server may not know…)
/// is refused by name.
const ALLOWED_NODES: &[&str] = &[
    "SelectStmt", "ResTarget", "ColumnRef", "AConst", "AExpr", "BoolExpr", "FuncCall", "TypeCast",
    "TypeName", "RangeVar", "RangeSubselect", "RangeFunction", "RangeTableSample", "JoinExpr",
    "SortBy", "WindowDef", "CommonTableExpr", "CtesearchClause", "CtecycleClause", "SubLink",
    "CaseExpr", "CaseWhen", "CoalesceExpr", "MinMaxExpr", "NullTest", "BooleanTest", "AStar",
    "AIndices", "AIndirection", "AArrayExpr", "RowExpr", "SqlvalueFunction", "String", "Integer",
    "Float", "Boolean", "BitString", "List", "Alias", "CollateClause", "GroupingSet",
    "GroupingFunc", "NamedArgExpr",
];

/// EXPLAIN options that only describe the plan; ANALYZE (any spelling) would run it.
const ALLOWED_EXPLAIN_OPTIONS: &[&str] = &["verbose", "costs", "settings", "format", "summary", "generic_plan", "memory", "serialize"];

/// The checked statement printed from its tree, and what kind it is.
/// `user_functions`: the datasource's functions an admin allowed (see `allow::is_user_function`).
pub fn validate(sql: &str, user_functions: &[String]) -> Result<(String, StatementKind), Rejection> {
    let (canonical, kind) = check_and_print(sql, user_functions)?;
    // The printed text must read back as the same query: check it again and require that
    // printing it once more changes nothing, so what runs is exactly what was checked.
    let (again, _) = check_and_print(&canonical, user_functions).map_err(|r| Rejection(format!("the query could not be checked after normalising: {}", r.0)))?;
    if again != canonical {
        return reject("the query does not read back the same after normalising, so it is not run");
    }
    Ok((canonical, kind))
}

fn check_and_print(sql: &str, user_functions: &[String]) -> Result<(String, StatementKind), Rejection> {
    let parsed = pg_query::parse(sql, pg_query::ParserOptions::DEFAULT).map_err(|e| Rejection(parse_error(e)))?;
    let tree = serde_json::to_value(&parsed.protobuf).map_err(|_| Rejection("the query could not be checked".into()))?;
    let statements = tree.get("stmts").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let statement = match statements {
        [] => return reject("there is no SQL statement"),
        [one] => one.get("stmt").and_then(|s| s.get("node")).and_then(Value::as_object).ok_or_else(|| Rejection("there is no SQL statement".into()))?,
        _ => return reject("only one statement is allowed (found several separated by ';')"),
    };
    let (kind_name, body) = single_entry(statement)?;
    let kind = match kind_name {
        "SelectStmt" => {
            walk(body, user_functions)?;
            StatementKind::Query
        }
        "ExplainStmt" => {
            check_explain(body, user_functions)?;
            StatementKind::Explain
        }
        other => {
            let name = pg_query::deparse(&parsed.protobuf, Default::default()).map(|t| leading_keywords(&t)).unwrap_or_else(|_| statement_words(other));
            return reject(format!("{NOT_A_QUERY}{name}"));
        }
    };
    let canonical = pg_query::deparse(&parsed.protobuf, Default::default()).map_err(|e| Rejection(format!("the query could not be normalised: {e}")))?;
    Ok((canonical, kind))
}

fn check_explain(body: &Value, user_functions: &[String]) -> Result<(), Rejection> {
    for option in body.get("options").and_then(Value::as_array).into_iter().flatten() {
        let name = option.pointer("/node/DefElem/defname").and_then(Value::as_str).unwrap_or_default();
        if name == "analyze" {
            return reject("EXPLAIN ANALYZE runs the statement, so it is not allowed; use plain EXPLAIN");
        }
        if !ALLOWED_EXPLAIN_OPTIONS.contains(&name) {
            return reject(format!("the EXPLAIN option {name} is not allowed"));
        }
    }
    match body.pointer("/query/node").and_then(Value::as_object).map(single_entry) {
        Some(Ok(("SelectStmt", select))) => walk(select, user_functions),
        _ => reject("EXPLAIN is only allowed for a query"),
    }
}

/// Visits every value under `value`, checking each node kind and the clauses that write.
fn walk(value: &Value, user_functions: &[String]) -> Result<(), Rejection> {
    match value {
        Value::Object(map) => {
            check_fields(map)?;
            for (key, child) in map {
                // A node is `{"node": {"Kind": {…}}}`; SortBy also has a field named `node`
                // (holding such a node), told apart by the kind's capital letter.
                if key == "node" {
                    if let Some((kind, body)) = child.as_object().and_then(|n| single_entry(n).ok()) {
                        if kind.starts_with(|c: char| c.is_ascii_uppercase()) {
                            check_node(kind, body, user_functions)?;
                        }
                    }
                }
                walk(child, user_functions)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|item| walk(item, user_functions)),
        _ => Ok(()),
    }
}

/// Clauses of SELECT that write or lock, wherever they appear (the set-operation arms of a
/// UNION are typed fields, not nodes, so this looks at field names).
fn check_fields(map: &Map<String, Value>) -> Result<(), Rejection> {
    if map.get("into_clause").is_some_and(|v| !v.is_null()) {
        return reject("SELECT … INTO creates a table, so it is not allowed");
    }
    if map.get("locking_clause").and_then(Value::as_array).is_some_and(|v| !v.is_empty()) {
        return reject("locking clauses (FOR UPDATE / FOR SHARE) are not allowed");
    }
    // `numeric(1 + 1)`: the grammar takes any expression as a type modifier, the server only
    // constants and names, and the printer cannot print anything else (it would drop it).
    let plain_typmod = |m: &Value| m.pointer("/node/AConst").is_some() || m.pointer("/node/ColumnRef").is_some();
    if map.get("typmods").and_then(Value::as_array).is_some_and(|mods| !mods.iter().all(plain_typmod)) {
        return reject("type modifiers must be plain numbers, as in numeric(10, 2)");
    }
    Ok(())
}

fn check_node(kind: &str, body: &Value, user_functions: &[String]) -> Result<(), Rejection> {
    match kind {
        "FuncCall" => check_function(&names(body.get("funcname")), user_functions),
        "RangeVar" => check_relation(body),
        "AExpr" => check_operator(&names(body.get("name"))),
        "RangeTableSample" => match names(body.get("method")).as_slice() {
            [m] if m == "system" || m == "bernoulli" => Ok(()),
            _ => reject("only the SYSTEM and BERNOULLI sampling methods are allowed"),
        },
        "ParamRef" => reject("query parameters ($1) are not supported here; write the value into the query"),
        k if ALLOWED_NODES.contains(&k) => Ok(()),
        k if k.ends_with("Stmt") => reject(format!("data-modifying or other statements inside a query are not allowed (found {})", statement_words(k))),
        k => reject(format!("the SQL construct {} is not allowed", statement_words(k))),
    }
}

fn check_function(name: &[String], user_functions: &[String]) -> Result<(), Rejection> {
    if allow::is_user_function(user_functions, name) {
        return Ok(());
    }
    let (schema, function) = match name {
        [f] => (None, f.as_str()),
        [s, f] => (Some(s.as_str()), f.as_str()),
        _ => return reject(format!("the function name {} is not allowed", name.join("."))),
    };
    if schema.is_some_and(|s| s != "pg_catalog") {
        return reject(format!(
            "the function {}() is not a built-in function this app allows (only PostgreSQL's own harmless functions may be called)",
            name.join(".")
        ));
    }
    if !allow::is_allowed_function(SqlDialect::Postgres, function) {
        return reject(format!(
            "the function {function}() is not on the list of functions known to be read-only and harmless, so it is not allowed"
        ));
    }
    Ok(())
}

fn check_relation(body: &Value) -> Result<(), Rejection> {
    let field = |k: &str| body.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    if field("catalogname").is_some() {
        return reject("names qualified with a database are not allowed");
    }
    let relation = field("relname").unwrap_or_default();
    match allow::relation_refusal(SqlDialect::Postgres, field("schemaname"), relation) {
        Some(reason) => reject(reason),
        None => Ok(()),
    }
}

/// Operators are fine as the server resolves them by type; an explicitly schema-qualified
/// `OPERATOR(s.op)` must name pg_catalog.
fn check_operator(name: &[String]) -> Result<(), Rejection> {
    match name {
        [_] => Ok(()),
        [s, _] if s == "pg_catalog" => Ok(()),
        _ => reject(format!("the operator {} is not allowed", name.join("."))),
    }
}

/// `["pg_catalog", "count"]` from a list of String nodes.
fn names(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|n| n.pointer("/node/String/sval").and_then(Value::as_str).unwrap_or("?").to_string())
        .collect()
}

fn single_entry(map: &Map<String, Value>) -> Result<(&str, &Value), Rejection> {
    let mut entries = map.iter();
    match (entries.next(), entries.next()) {
        (Some((k, v)), None) => Ok((k.as_str(), v)),
        _ => reject("the query could not be checked"),
    }
}

/// "InsertStmt" → "INSERT", "CreateTableAsStmt" → "CREATE TABLE AS", "XmlExpr" → "XML EXPR".
fn statement_words(kind: &str) -> String {
    let trimmed = kind.strip_suffix("Stmt").unwrap_or(kind);
    let mut out = String::new();
    for (i, c) in trimmed.char_indices() {
        if i > 0 && c.is_uppercase() {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// "DROP TABLE t" → "DROP TABLE", "INSERT INTO t …" → "INSERT".
fn leading_keywords(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().take(2).collect();
    let first = words.first().map(|w| w.to_ascii_uppercase()).unwrap_or_default();
    match first.as_str() {
        "CREATE" | "DROP" | "ALTER" => words.join(" ").to_ascii_uppercase(),
        _ => first,
    }
}

fn parse_error(e: pg_query::Error) -> String {
    match e {
        pg_query::Error::Parse(msg) => format!("{UNPARSED}{msg}"),
        pg_query::Error::Conversion(_) => "the SQL contains a NUL character".into(),
        // The tree is deeper than the decoder's recursion limit (about 100 levels).
        pg_query::Error::Decode(_) => "the query is nested too deeply to be checked".into(),
        other => format!("{UNPARSED}{other}"),
    }
}
