//! Mechanical slips in a failed query, fixed without another model call: a column taken from
//! the wrong alias, a reserved word used as an alias, a SELECT-list name used in WHERE or
//! HAVING, a join on keys of different types, an ORDER BY on a one-row aggregate. Every repair
//! reads the query with sqlparser and decides on the tree what changes; renames edit only the
//! identifiers' spans in the text as written (the rest stays as the model wrote it), and a
//! dropped clause is printed from the tree. The repaired query goes through the guard again
//! like any other.
use sqlparser::{
    ast::{Query, Statement},
    parser::Parser,
};

use crate::{app::model::SchemaTable, server::guard::SqlDialect};

mod aliases;
pub(super) mod edits;
mod join_keys;
mod output_names;
mod ungrouped_order;

pub use aliases::{relations, repair_alias, repair_reserved_alias};
pub(super) use aliases::last_part;
pub use output_names::inline_output_name;

/// A failed query fixed without the model, and what was done; None when it is not a slip
/// these repairs know. `dialect` is the datasource's, tried first when reading the query.
pub fn repair(error: &str, sql: &str, tables: &[&SchemaTable], dialect: SqlDialect) -> Option<(String, &'static str)> {
    let read = Some(dialect);
    aliases::moved_to_owner(error, sql, tables, read)
        .map(|r| (r, "the column was moved to the table that has it"))
        .or_else(|| aliases::renamed_reserved(error, sql, tables, read).map(|r| (r, "a reserved word used as an alias was renamed")))
        .or_else(|| output_names::inlined(error, sql, tables, read).map(|r| (r, "a name from the SELECT list was replaced by its expression")))
        .or_else(|| join_keys::matched(error, sql, tables, read).map(|r| (r, "the join was made on the key of the same type")))
        .or_else(|| ungrouped_order::dropped(error, sql, read).map(|r| (r, "the ORDER BY of a one-row aggregate was dropped")))
}

/// The one statement in `sql`, read with `preferred`'s grammar first and then the others
/// (a repair only needs the tree's shape; the guard decides what may run).
fn parse(sql: &str, preferred: Option<SqlDialect>) -> Option<Statement> {
    let order = [SqlDialect::Postgres, SqlDialect::MySql, SqlDialect::Sqlite];
    preferred.into_iter().chain(order.into_iter().filter(|d| Some(*d) != preferred)).find_map(|dialect| {
        let mut statements = Parser::parse_sql(dialect.parser_dialect().as_ref(), sql).ok()?;
        (statements.len() == 1).then(|| statements.remove(0))
    })
}

/// The query in `sql` when it is one, read the same way (for its shape only: explanations).
pub(super) fn parse_query(sql: &str, preferred: Option<SqlDialect>) -> Option<Box<Query>> {
    match parse(sql, preferred)? {
        Statement::Query(query) => Some(query),
        _ => None,
    }
}
