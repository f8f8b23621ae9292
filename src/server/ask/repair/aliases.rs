//! Repairs of how a query names its tables: a column taken from the wrong alias, and a
//! reserved word used as an alias. Both read the FROM/JOIN items from sqlparser's tree.
use std::{collections::BTreeSet, ops::ControlFlow};

use sqlparser::ast::{
    visit_expressions, BinaryOperator, Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Statement,
    TableFactor, Visit, Visitor,
};

use super::{
    edits::{apply, Edit},
    parse,
};
use crate::{app::model::SchemaTable, server::ask::hints::unknown_identifier, server::guard::SqlDialect};

/// A table of the schema as a query uses it: by its alias, or by its own name.
struct Relation<'t> {
    /// The alias, or the last part of the table's name, as written.
    name: Ident,
    /// Present when `name` is an alias.
    alias: Option<Ident>,
    table: &'t SchemaTable,
}

/// The FROM/JOIN items that are tables of `tables`, and the qualifiers written before
/// columns and wildcards (`p` in `p.aid` and `p.*`).
struct Reader<'a, 't> {
    tables: &'a [&'t SchemaTable],
    relations: Vec<Relation<'t>>,
    qualifiers: Vec<(Ident, Ident)>,
    wildcard_qualifiers: Vec<Ident>,
}

/// The last part of a dotted name as parsed (unquoted), when it is a plain identifier.
pub(in crate::server::ask) fn last_part(name: &ObjectName) -> Option<&Ident> {
    match name.0.last()? {
        ObjectNamePart::Identifier(ident) => Some(ident),
        _ => None,
    }
}

fn schema_table<'t>(tables: &[&'t SchemaTable], name: &ObjectName) -> Option<&'t SchemaTable> {
    let last = last_part(name)?.value.to_lowercase();
    let written = name.0.iter().map(|p| p.as_ident().map(|i| i.value.to_lowercase()).unwrap_or_default()).collect::<Vec<_>>().join(".");
    tables.iter().copied().find(|t| t.name.to_lowercase() == last && (name.0.len() == 1 || t.qualified_name().to_lowercase() == written))
}

impl Visitor for Reader<'_, '_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, alias, .. } = factor {
            if let (Some(table), Some(written)) = (schema_table(self.tables, name), last_part(name)) {
                let alias = alias.as_ref().map(|a| a.name.clone());
                self.relations.push(Relation { name: alias.clone().unwrap_or_else(|| written.clone()), alias, table });
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::CompoundIdentifier(parts) = expr {
            if let [qualifier, column] = parts.as_slice() {
                self.qualifiers.push((qualifier.clone(), column.clone()));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let SetExpr::Select(select) = query.body.as_ref() {
            for item in &select.projection {
                if let SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) = item {
                    if let [ObjectNamePart::Identifier(qualifier)] = name.0.as_slice() {
                        self.wildcard_qualifiers.push(qualifier.clone());
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }
}

fn read<'a, 't>(statement: &Statement, tables: &'a [&'t SchemaTable]) -> Reader<'a, 't> {
    let mut reader = Reader { tables, relations: Vec::new(), qualifiers: Vec::new(), wildcard_qualifiers: Vec::new() };
    let _ = statement.visit(&mut reader);
    reader
}

/// The relations in FROM/JOIN clauses that are tables of the schema: the name the query uses
/// for each (spelled as written: MySQL's aliases are case-sensitive) and the table.
pub fn relations<'t>(sql: &str, tables: &[&'t SchemaTable]) -> Vec<(String, &'t SchemaTable)> {
    let Some(statement) = parse(sql, None) else { return Vec::new() };
    read(&statement, tables).relations.into_iter().map(|r| (r.name.value, r.table)).collect()
}

/// A column taken from the wrong alias (`p.aid` where `p` is `publication` but `aid` is in the
/// joined `writes w`) is the commonest slip of small models. When exactly one relation in the
/// query has that column, the reference is moved to it.
pub fn repair_alias(error: &str, sql: &str, tables: &[&SchemaTable]) -> Option<String> {
    moved_to_owner(error, sql, tables, None)
}

pub(super) fn moved_to_owner(error: &str, sql: &str, tables: &[&SchemaTable], dialect: Option<SqlDialect>) -> Option<String> {
    let (kind, wanted) = unknown_identifier(error)?;
    let (qualifier, column) = wanted.rsplit_once('.').filter(|_| kind == "column")?;
    let statement = parse(sql, dialect)?;
    let reader = read(&statement, tables);
    let owners: BTreeSet<String> = reader
        .relations
        .iter()
        .filter(|r| r.table.columns.iter().any(|c| c.name.eq_ignore_ascii_case(column)))
        .map(|r| r.name.to_string())
        .collect();
    let owner = match owners.len() {
        1 => owners.into_iter().next()?,
        // PostgreSQL resolved it itself: exactly one other relation has a column of that name.
        _ => postgres_suggestion(error).filter(|(_, c)| c.eq_ignore_ascii_case(column)).map(|(q, _)| q)?,
    };
    if owner.eq_ignore_ascii_case(qualifier) {
        return None;
    }
    let edits: Vec<Edit> = reader
        .qualifiers
        .iter()
        .filter(|(q, c)| q.value.eq_ignore_ascii_case(qualifier) && c.value.eq_ignore_ascii_case(column))
        .flat_map(|(q, c)| [Edit { ident: q, text: owner.clone() }, Edit { ident: c, text: column.to_string() }])
        .collect();
    if edits.is_empty() {
        return None;
    }
    let repaired = apply(sql, &edits)?;
    // `a.x = a.x` would silently turn a join into a cross join: leave that one to the model.
    let target = format!("{owner}.{column}").to_lowercase();
    (!compares_with_itself(&repaired, &target, dialect)).then_some(repaired)
}

/// Whether the query compares the column `target` (`alias.column`) with itself.
fn compares_with_itself(sql: &str, target: &str, dialect: Option<SqlDialect>) -> bool {
    let Some(statement) = parse(sql, dialect) else { return false };
    let named = |e: &Expr| matches!(e, Expr::CompoundIdentifier(parts) if parts.iter().map(|p| p.value.to_lowercase()).collect::<Vec<_>>().join(".") == target);
    visit_expressions(&statement, |e| match e {
        Expr::BinaryOp { left, op: BinaryOperator::Eq, right } if named(left) && named(right) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

/// PostgreSQL's own single suggestion, `Perhaps you meant to reference the column "q.c".`, as
/// (q, c). None when it offers two or none.
fn postgres_suggestion(error: &str) -> Option<(String, String)> {
    const MARK: &str = "Perhaps you meant to reference the column \"";
    let rest = &error[error.find(MARK)? + MARK.len()..];
    let (suggested, tail) = rest.split_once('"')?;
    if tail.trim_start().starts_with("or ") {
        return None;
    }
    let (q, c) = suggested.rsplit_once('.')?;
    Some((q.to_string(), c.to_string()))
}

/// Reserved words small models pick as table aliases (`inventory_snapshots is`,
/// `audit_sessions as`, `order_lines ol` is fine).
const RESERVED_ALIASES: &[&str] = &[
    "is", "as", "on", "in", "do", "to", "by", "or", "and", "not", "end", "all", "any", "asc", "desc", "case", "cast", "from",
    "user", "order", "group", "limit", "offset", "check", "table", "column", "when", "then", "else", "with", "both", "only",
    "union", "where", "having", "into", "some", "using", "default", "primary", "references", "analyse", "analyze",
];

/// The word a syntax error points at, in PostgreSQL's (`syntax error at or near "is"`),
/// SQLite's (`near "is": syntax error`) or MySQL's (`… syntax … near 'is ON …'`) words.
fn syntax_error_word(error: &str) -> Option<String> {
    let after = |mark: &str, quote: char| -> Option<String> {
        let rest = &error[error.find(mark)? + mark.len()..];
        Some(rest.split(|c: char| c == quote || c.is_whitespace()).next()?.to_lowercase())
    };
    if !error.contains("syntax") {
        return None;
    }
    after("at or near \"", '"').or_else(|| after("near \"", '"')).or_else(|| after("near '", '\''))
}

/// An alias that is a reserved word (`FROM inventory_snapshots is … is.car_id`) is a syntax
/// error however the rest is written: it is renamed (`is_`) without another model call.
pub fn repair_reserved_alias(error: &str, sql: &str, tables: &[&SchemaTable]) -> Option<String> {
    renamed_reserved(error, sql, tables, None)
}

pub(super) fn renamed_reserved(error: &str, sql: &str, tables: &[&SchemaTable], dialect: Option<SqlDialect>) -> Option<String> {
    let word = syntax_error_word(error)?;
    if !RESERVED_ALIASES.contains(&word.as_str()) {
        return None;
    }
    let statement = parse(sql, dialect)?;
    let reader = read(&statement, tables);
    let is_word = |i: &Ident| i.quote_style.is_none() && i.value.eq_ignore_ascii_case(&word);
    let aliases: Vec<&Ident> = reader.relations.iter().filter_map(|r| r.alias.as_ref()).filter(|a| is_word(a)).collect();
    if aliases.is_empty() {
        return None;
    }
    let renamed = format!("{word}_");
    let references = reader.qualifiers.iter().map(|(q, _)| q).chain(&reader.wildcard_qualifiers).filter(|q| is_word(q));
    let edits: Vec<Edit> = aliases.into_iter().chain(references).map(|ident| Edit { ident, text: renamed.clone() }).collect();
    apply(sql, &edits)
}

#[cfg(test)]
mod tests;
