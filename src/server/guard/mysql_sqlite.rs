//! MySQL / MariaDB and SQLite: no embeddable copy of the servers' own grammar exists, so the
//! statement is read with sqlparser and every way the two readings could differ is closed:
//! - text that a server could tokenise differently (non-ASCII spaces, invisible format
//!   characters, control characters, executable comments) is refused before parsing (in
//!   `super::validate`, for every dialect);
//! - what runs is the tree printed back, so comments and odd spacing never reach the server;
//! - the printed text must parse back to the very same tree (sqlparser's printer is not
//!   injective for every string value), and for MySQL it may not contain a backslash, whose
//!   meaning depends on the server's `sql_mode`.

use std::ops::ControlFlow;

use sqlparser::{
    ast::{Expr, ObjectName, ObjectNamePart, Query, SetExpr, Statement, TableFactor, Value, Visit, Visitor},
    parser::Parser,
};

use super::{allow, reject, Rejection, SqlDialect, StatementKind, NOT_A_QUERY, UNPARSED};

const VARIABLES_REFUSED: &str = "server and session variables (@@name, @name) are not allowed";

/// Nesting depth limit for the parser, so hostile input cannot exhaust the stack.
const RECURSION_LIMIT: usize = 64;

pub fn validate(sql: &str, dialect: SqlDialect, user_functions: &[String]) -> Result<(String, StatementKind), Rejection> {
    let statement = parse_one(sql, dialect)?;
    let kind = check_statement(&statement, dialect, user_functions)?;
    let canonical = statement.to_string();
    if dialect == SqlDialect::MySql && canonical.contains('\\') {
        return reject("backslashes are not allowed in MySQL queries (their meaning depends on the server's settings)");
    }
    match parse_one(&canonical, dialect) {
        Ok(again) if again == statement => Ok((canonical, kind)),
        _ => reject("the query does not read back the same after normalising (check the quotes in its strings), so it is not run"),
    }
}

fn parse_one(sql: &str, dialect: SqlDialect) -> Result<Statement, Rejection> {
    let parser_dialect = dialect.parser_dialect();
    let mut statements = Parser::new(parser_dialect.as_ref())
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .or_else(|e| reject(format!("{UNPARSED}{e}")))?;
    match statements.len() {
        0 => reject("there is no SQL statement"),
        1 => Ok(statements.remove(0)),
        _ => reject("only one statement is allowed (found several separated by ';')"),
    }
}

fn check_statement(statement: &Statement, dialect: SqlDialect, user_functions: &[String]) -> Result<StatementKind, Rejection> {
    let (query_statement, kind) = match statement {
        Statement::Query(_) => (statement, StatementKind::Query),
        Statement::Explain { analyze, statement: inner, options, .. } => {
            if *analyze || options.is_some() {
                return reject("EXPLAIN ANALYZE runs the statement, so it is not allowed; use plain EXPLAIN");
            }
            if !matches!(inner.as_ref(), Statement::Query(_)) {
                return reject("EXPLAIN is only allowed for a query");
            }
            (inner.as_ref(), StatementKind::Explain)
        }
        other => return reject(format!("{NOT_A_QUERY}{}", statement_name(other))),
    };
    if let ControlFlow::Break(reason) = query_statement.visit(&mut TreeChecker { dialect, user_functions }) {
        return Err(Rejection(reason));
    }
    Ok(kind)
}

/// The first keyword(s) of a statement, e.g. "DROP TABLE", "INSERT", "SET".
fn statement_name(s: &Statement) -> String {
    let text = s.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    let first = words.first().map(|w| w.to_ascii_uppercase()).unwrap_or_default();
    match first.as_str() {
        "CREATE" | "DROP" | "ALTER" => words.join(" ").to_ascii_uppercase(),
        _ => first,
    }
}

/// Walks every node of an accepted statement kind and stops at the first one not allowed.
struct TreeChecker<'a> {
    dialect: SqlDialect,
    user_functions: &'a [String],
}

impl Visitor for TreeChecker<'_> {
    type Break = String;

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<String> {
        match statement {
            Statement::Query(_) => ControlFlow::Continue(()),
            other => ControlFlow::Break(format!("{NOT_A_QUERY}{} (found inside the query)", statement_name(other))),
        }
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<String> {
        if !query.locks.is_empty() {
            return ControlFlow::Break("locking clauses (FOR UPDATE / FOR SHARE) are not allowed".into());
        }
        if query.for_clause.is_some() || query.settings.is_some() || query.format_clause.is_some() {
            return ControlFlow::Break("FOR / SETTINGS / FORMAT clauses are not allowed".into());
        }
        if !query.pipe_operators.is_empty() {
            return ControlFlow::Break("pipe syntax is not allowed".into());
        }
        self.check_set_expr(&query.body)
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<String> {
        match factor {
            TableFactor::Function { name, .. } | TableFactor::Table { name, args: Some(_), .. } => self.check_function(name),
            TableFactor::Table { name, .. } => self.check_relation(name),
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            // XMLTABLE, JSON_TABLE, UNNEST, PIVOT…: not needed for questions, and each has its
            // own evaluation rules; allowed FROM items are listed, not the forbidden ones.
            _ => ControlFlow::Break("this kind of FROM item (table function, XMLTABLE, JSON_TABLE, PIVOT…) is not allowed".into()),
        }
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<String> {
        match expr {
            Expr::Function(f) => self.check_function(&f.name),
            // `@@global.secure_file_priv` reads the server's settings; `@x` is session state.
            Expr::Identifier(ident) if ident.value.starts_with('@') => ControlFlow::Break(VARIABLES_REFUSED.into()),
            Expr::CompoundIdentifier(parts) if parts.first().is_some_and(|p| p.value.starts_with('@')) => ControlFlow::Break(VARIABLES_REFUSED.into()),
            Expr::Value(v) if matches!(v.value, Value::Placeholder(_)) => {
                ControlFlow::Break("query parameters ($1, ?) are not supported here; write the value into the query".into())
            }
            _ => ControlFlow::Continue(()),
        }
    }
}

impl TreeChecker<'_> {
    fn check_function(&self, name: &ObjectName) -> ControlFlow<String> {
        let parts = plain_parts(name)?;
        if allow::is_user_function(self.user_functions, &parts) {
            return ControlFlow::Continue(());
        }
        let [function] = parts.as_slice() else {
            return ControlFlow::Break(format!("the function {}() is not a built-in function this app allows", parts.join(".")));
        };
        if !allow::is_allowed_function(self.dialect, function) {
            return ControlFlow::Break(format!(
                "the function {function}() is not on the list of functions known to be read-only and harmless, so it is not allowed"
            ));
        }
        ControlFlow::Continue(())
    }

    fn check_relation(&self, name: &ObjectName) -> ControlFlow<String> {
        let parts = plain_parts(name)?;
        let (schema, relation) = match parts.as_slice() {
            [r] => (None, r.as_str()),
            [s, r] => (Some(s.as_str()), r.as_str()),
            _ => return ControlFlow::Break(format!("the name {} has too many parts", parts.join("."))),
        };
        match allow::relation_refusal(self.dialect, schema, relation) {
            Some(reason) => ControlFlow::Break(reason),
            None => ControlFlow::Continue(()),
        }
    }

    fn check_set_expr(&self, body: &SetExpr) -> ControlFlow<String> {
        match body {
            SetExpr::Select(select) => {
                if select.into.is_some() {
                    return ControlFlow::Break("SELECT … INTO creates a table, so it is not allowed".into());
                }
                ControlFlow::Continue(())
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.check_set_expr(left)?;
                self.check_set_expr(right)
            }
            // `TABLE x` names a relation without a FROM clause, so the visitor never sees it.
            SetExpr::Table(table) => {
                let relation = table.table_name.as_ref().map(|i| i.value.to_lowercase()).unwrap_or_default();
                let schema = table.schema_name.as_ref().map(|i| i.value.to_lowercase());
                match allow::relation_refusal(self.dialect, schema.as_deref(), &relation) {
                    Some(reason) => ControlFlow::Break(reason),
                    None => ControlFlow::Continue(()),
                }
            }
            SetExpr::Query(_) | SetExpr::Values(_) => ControlFlow::Continue(()),
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
                ControlFlow::Break("data-modifying statements (also inside WITH) are not allowed".into())
            }
        }
    }
}

/// The lower-cased parts of a name; computed parts (`IDENTIFIER(…)`) are refused.
fn plain_parts(name: &ObjectName) -> ControlFlow<String, Vec<String>> {
    let mut parts = Vec::with_capacity(name.0.len());
    for part in &name.0 {
        match part {
            ObjectNamePart::Identifier(ident) => parts.push(ident.value.to_lowercase()),
            _ => return ControlFlow::Break("computed object names are not allowed".into()),
        }
    }
    ControlFlow::Continue(parts)
}

