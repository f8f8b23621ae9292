//! A join on keys of different types: `u.uid = r.user_id` where `uid` is a number and
//! `user_id` is text. PostgreSQL answers `operator does not exist: bigint = text`, and small
//! models send the same join again. When one side's table has a column of the other side's
//! name and type (`users.user_id`, text), that is the key the join meant.
use std::ops::ControlFlow;

use sqlparser::ast::{visit_expressions, BinaryOperator, Expr, Ident};

use super::{
    edits::{apply, Edit},
    parse, relations,
};
use crate::{
    app::model::{SchemaColumn, SchemaTable},
    server::{
        ask::{
            columns::{is_number, resolve},
            hints::{is_number_type, operator_types},
        },
        guard::SqlDialect,
        schema::is_text_type,
    },
};

/// The query with the mistyped join key replaced, or None when the error is not a comparison
/// of a number with text, or the query has no single such key to replace.
pub(super) fn matched(error: &str, sql: &str, tables: &[&SchemaTable], dialect: Option<SqlDialect>) -> Option<String> {
    let lower = error.to_lowercase();
    let (left, op, right) = operator_types(&lower)?;
    let text = |t: &str| t == "text" || t.starts_with("character");
    let number_and_text = (is_number_type(&left) && text(&right)) || (text(&left) && is_number_type(&right));
    if op != "=" || !number_and_text {
        return None;
    }
    let statement = parse(sql, dialect)?;
    let relations = relations(sql, tables);
    let mut fixes: Vec<(Ident, String)> = Vec::new();
    let _ = visit_expressions(&statement, |e| {
        if let Expr::BinaryOp { left, op: BinaryOperator::Eq, right } = e {
            if let (Some(l), Some(r)) = (resolve(left, &relations), resolve(right, &relations)) {
                fixes.extend(key_fix(left, l, r.1).or_else(|| key_fix(right, r, l.1)));
            }
        }
        ControlFlow::<()>::Continue(())
    });
    // Two mistyped joins at once are left to the model: one rename per repair.
    let [(ident, name)] = fixes.as_slice() else { return None };
    apply(sql, &[Edit { ident, text: name.clone() }])
}

/// When `side` (a column of `table`) is a number compared with the text column `other` (or
/// the reverse), and `table` has a column named like `other` of `other`'s kind: the identifier
/// to rename and its new name.
fn key_fix(side: &Expr, (table, column): (&SchemaTable, &SchemaColumn), other: &SchemaColumn) -> Option<(Ident, String)> {
    let kind = |c: &SchemaColumn| if is_number(c) { Some(true) } else if is_text_type(&c.data_type) { Some(false) } else { None };
    let (mine, theirs) = (kind(column)?, kind(other)?);
    if mine == theirs {
        return None;
    }
    let same = table.columns.iter().find(|c| c.name.eq_ignore_ascii_case(&other.name) && kind(c) == Some(theirs))?;
    let ident = match side {
        Expr::Identifier(ident) => ident.clone(),
        Expr::CompoundIdentifier(parts) => parts.last()?.clone(),
        _ => return None,
    };
    Some((ident, same.name.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ask::fixtures::{table, typed};

    #[test]
    fn joins_on_the_key_of_the_same_type() {
        let users = typed(table("users", &["uid", "user_id", "name"]), &[("uid", "bigint"), ("user_id", "text"), ("name", "text")]);
        let review = typed(table("review", &["rid", "user_id", "year"]), &[("rid", "bigint"), ("user_id", "text"), ("year", "bigint")]);
        let tables = [&users, &review];
        let sql = "SELECT u.name, COUNT(r.rid) FROM users u JOIN review r ON u.uid = r.user_id GROUP BY u.name";
        let error = "operator does not exist: bigint = text (hint: No operator matches the given name and argument types.)";
        assert_eq!(matched(error, sql, &tables, None).unwrap(), "SELECT u.name, COUNT(r.rid) FROM users u JOIN review r ON u.user_id = r.user_id GROUP BY u.name");
        // Written the other way round, and without aliases.
        let sql = "SELECT name FROM users JOIN review ON review.user_id = users.uid";
        assert_eq!(matched("operator does not exist: text = bigint", sql, &tables, None).unwrap(), "SELECT name FROM users JOIN review ON review.user_id = users.user_id");
    }

    #[test]
    fn leaves_what_it_cannot_decide() {
        let users = typed(table("users", &["uid", "name"]), &[("uid", "bigint"), ("name", "text")]);
        let review = typed(table("review", &["rid", "user_id"]), &[("rid", "bigint"), ("user_id", "text")]);
        let tables = [&users, &review];
        let sql = "SELECT name FROM users u JOIN review r ON u.uid = r.user_id";
        assert_eq!(matched("operator does not exist: bigint = text", sql, &tables, None), None, "no key of the other type to join on");
        assert_eq!(matched("operator does not exist: bigint = boolean", sql, &tables, None), None, "not number against text");
        assert_eq!(matched("operator does not exist: text = bigint", "SELECT 1 FROM users WHERE name = 3", &tables, None), None, "a literal, not a key");
    }
}
