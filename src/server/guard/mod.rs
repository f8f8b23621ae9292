//! The SQL guard: the parser-level layers between model-written (or typed) SQL and the data.
//!
//! It accepts exactly one statement that is a query (SELECT, WITH … SELECT, VALUES, TABLE)
//! or an EXPLAIN of one without ANALYZE, and fails closed: anything it cannot parse or does
//! not recognise is refused. Three things hold for every dialect:
//! - the SQL is read with the server's own grammar (PostgreSQL: libpg_query), or text that
//!   the server could read differently is refused (MySQL, SQLite: see `mysql_sqlite`);
//! - functions and relations are allowed by name (`allow`), never merely not denied;
//! - what runs is the canonical SQL printed from the checked tree, not the original text.
//!
//! Execution adds the last layer: a read-only transaction / connection with time and row caps.
use std::sync::Arc;

use sqlparser::{
    ast::Statement,
    dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect},
    parser::Parser,
};

use crate::app::model::Engine;

mod allow;
pub use allow::{check_user_function_entry, is_allowed_function};
mod locate;
pub use locate::syntax_error_at;
mod mysql_sqlite;
mod postgres;

/// Longest SQL the guard will look at (bytes). Longer input is refused before parsing.
pub const MAX_SQL_BYTES: usize = 20_000;
/// Nesting depth limit for sqlparser, so hostile input cannot exhaust the stack.
const RECURSION_LIMIT: usize = 64;

/// The dialect a statement is parsed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlDialect {
    Postgres,
    Sqlite,
    MySql,
}

impl From<Engine> for SqlDialect {
    fn from(e: Engine) -> Self {
        match e {
            Engine::Postgres => SqlDialect::Postgres,
            Engine::MySql => SqlDialect::MySql,
            Engine::Sqlite => SqlDialect::Sqlite,
        }
    }
}

impl SqlDialect {
    pub fn parser_dialect(self) -> Box<dyn Dialect> {
        match self {
            SqlDialect::Postgres => Box::new(PostgreSqlDialect {}),
            SqlDialect::Sqlite => Box::new(SQLiteDialect {}),
            SqlDialect::MySql => Box::new(MySqlDialect {}),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatementKind {
    Query,
    Explain,
}

/// SQL that passed the guard, as printed from the checked tree. Only the guard can make one,
/// so code that executes SQL can demand this type and never see an unchecked string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatedSql {
    sql: String,
    kind: StatementKind,
    dialect: SqlDialect,
    /// The datasource's own functions an admin allowed, kept for text derived from this
    /// statement (a row-cap wrapper, an added LIMIT), which is checked again.
    user_functions: Arc<[String]>,
}

impl ValidatedSql {
    pub fn as_str(&self) -> &str {
        &self.sql
    }
    pub fn kind(&self) -> StatementKind {
        self.kind
    }
    pub fn dialect(&self) -> SqlDialect {
        self.dialect
    }

    /// Checks text built around this statement (a wrapper, a LIMIT) under the same rules.
    pub fn derive(&self, text: &str) -> Result<ValidatedSql, Rejection> {
        validate_with(text, self.dialect, &self.user_functions)
    }
}

/// How every refusal of text the parser could not read begins.
pub const UNPARSED: &str = "the SQL could not be parsed: ";

/// How every refusal of a statement that is not a query (a write, DDL, SET…) begins.
pub const NOT_A_QUERY: &str = "only read-only queries are allowed, not ";

/// The statement (e.g. "DELETE", "DROP TABLE") a refusal names, when the guard refused it
/// for not being a query at all.
pub fn refused_statement(refusal: &str) -> Option<&str> {
    let rest = refusal.strip_prefix(NOT_A_QUERY)?;
    Some(rest.split(" (").next().unwrap_or(rest))
}

/// Why the guard refused a statement, in plain words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub String);

fn reject<T>(msg: impl Into<String>) -> Result<T, Rejection> {
    Err(Rejection(msg.into()))
}

/// Check `sql` and return its canonical form if it is a single read-only query.
pub fn validate(sql: &str, dialect: SqlDialect) -> Result<ValidatedSql, Rejection> {
    validate_with(sql, dialect, &[])
}

/// `validate`, also allowing calls to the datasource's own functions an admin named
/// (entries checked by `check_user_function_entry`).
pub fn validate_with(sql: &str, dialect: SqlDialect, user_functions: &[String]) -> Result<ValidatedSql, Rejection> {
    if sql.len() > MAX_SQL_BYTES {
        return reject(format!("the SQL is longer than {MAX_SQL_BYTES} bytes"));
    }
    if sql.contains('\0') {
        return reject("the SQL contains a NUL character");
    }
    refuse_ambiguous_characters(sql)?;
    // MySQL and MariaDB run the text of `/*! … */` and `/*M! … */` comments, which every
    // other reader skips: refused in every dialect, so no dialect mix-up can let one through.
    if sql.contains("/*!") || sql.contains("/*M!") || sql.contains("/*m!") {
        return reject("executable comments (/*! … */) are not allowed");
    }
    let (sql, kind) = match dialect {
        SqlDialect::Postgres => postgres::validate(sql, user_functions)?,
        SqlDialect::MySql | SqlDialect::Sqlite => mysql_sqlite::validate(sql, dialect, user_functions)?,
    };
    // Escapes (`U&"\008f"`, `'\x0b'`) can decode to characters the text itself could not
    // carry: what runs obeys the same rule as what was typed.
    refuse_ambiguous_characters(&sql)?;
    Ok(ValidatedSql { sql, kind, dialect, user_functions: user_functions.into() })
}

/// Characters that a parser and the server may read differently (refused in every dialect,
/// so a datasource read with the wrong dialect still fails closed): any non-ASCII space,
/// invisible formatting characters, and control characters other than tab and line breaks.
fn refuse_ambiguous_characters(sql: &str) -> Result<(), Rejection> {
    let odd = sql.chars().find(|&c| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            || (c.is_whitespace() && !c.is_ascii())
            || matches!(c, '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}')
    });
    match odd {
        Some(c) => reject(format!(
            "the SQL contains the invisible or non-standard character U+{:04X}; use plain spaces and visible characters",
            c as u32
        )),
        None => Ok(()),
    }
}

/// The query with `LIMIT limit` appended, when its outermost level has no LIMIT, OFFSET or
/// FETCH of its own; `None` otherwise (or for an EXPLAIN). For engines where wrapping the
/// query in a derived table could change it (MariaDB drops a derived table's ORDER BY).
pub fn append_limit(sql: &ValidatedSql, limit: u64) -> Option<ValidatedSql> {
    if sql.kind() != StatementKind::Query {
        return None;
    }
    let dialect = sql.dialect().parser_dialect();
    let statements = Parser::new(dialect.as_ref()).with_recursion_limit(RECURSION_LIMIT).try_with_sql(sql.as_str()).ok()?.parse_statements().ok()?;
    let [Statement::Query(query)] = statements.as_slice() else { return None };
    if query.limit_clause.is_some() || query.fetch.is_some() {
        return None;
    }
    sql.derive(&format!("{} LIMIT {limit}", sql.as_str())).ok()
}

#[cfg(test)]
mod tests;

impl ValidatedSql {
    /// Skips the guard. Only for tests that prove the database layer holds on its own;
    /// `.ci/run` fails if this name appears outside `tests/`.
    #[doc(hidden)]
    pub fn unchecked_for_tests(sql: &str, kind: StatementKind, dialect: SqlDialect) -> Self {
        ValidatedSql { sql: sql.to_string(), kind, dialect, user_functions: Arc::from([]) }
    }
}
