//! The explanation shown with an answer, read off the query that ran rather than written by
//! the model: it says what the SQL does (its columns, tables, filter, grouping, order and
//! limit), so it can never claim something the query does not do, and the model spends its
//! tokens on the SQL alone. Readings that disagree differ in exactly the clause that differs.
use sqlparser::ast::{
    Distinct, DuplicateTreatment, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    GroupByExpr, LimitClause, ObjectName, OrderByKind, OrderBySort, Query, Select, SelectItem,
    SetExpr, TableFactor,
};

use super::repair;
use crate::server::guard::SqlDialect;

/// Longest clause quoted as SQL; a longer one is summarized by the columns it reads.
const MAX_QUOTED: usize = 80;
/// Output columns named before "and N more".
const MAX_NAMED_COLUMNS: usize = 4;

/// One or two sentences for a non-technical reader; a generic sentence when the query cannot
/// be read (the guard's grammar accepted it, so that is rare).
pub fn describe(sql: &str, dialect: SqlDialect) -> String {
    match repair::parse_query(sql, Some(dialect)) {
        Some(query) => sentence(&query),
        None => "Runs the query shown.".to_string(),
    }
}

fn sentence(query: &Query) -> String {
    let mut text = String::new();
    if let Some(with) = &query.with {
        let names: Vec<String> = with
            .cte_tables
            .iter()
            .map(|c| c.alias.name.value.clone())
            .collect();
        text.push_str(&format!("Works out {} first, then ", list(&names)));
    }
    let body = match query.body.as_ref() {
        SetExpr::Select(select) => select_clause(select),
        SetExpr::SetOperation { op, left, .. } => {
            let first = match left.as_ref() {
                SetExpr::Select(select) => select_clause(select),
                _ => "shows rows".to_string(),
            };
            format!("{first}, combined by {op} with another query's rows")
        }
        SetExpr::Query(inner) => sentence(inner).trim_end_matches('.').to_string(),
        _ => "shows rows".to_string(),
    };
    text.push_str(&body);
    if let Some(order) = &query.order_by {
        if let OrderByKind::Expressions(keys) = &order.kind {
            let keys: Vec<String> = keys
                .iter()
                .map(|k| {
                    let direction = match k.options.sort {
                        Some(OrderBySort::Desc) => "highest first",
                        _ => "lowest first",
                    };
                    format!("{} ({direction})", name_of(&k.expr))
                })
                .collect();
            if !keys.is_empty() {
                text.push_str(&format!(", sorted by {}", list(&keys)));
            }
        }
    }
    let limit = match &query.limit_clause {
        Some(LimitClause::LimitOffset {
            limit: Some(limit), ..
        })
        | Some(LimitClause::OffsetCommaLimit { limit, .. }) => Some(limit),
        _ => None,
    };
    if let Some(limit) = limit {
        let rows = if limit.to_string() == "1" {
            "row".to_string()
        } else {
            format!("{limit} rows")
        };
        text.push_str(&format!(", keeping the first {rows}"));
    }
    text.push('.');
    capitalize(&text)
}

fn select_clause(select: &Select) -> String {
    let mut columns: Vec<String> = select.projection.iter().map(item_name).collect();
    if columns.len() > MAX_NAMED_COLUMNS {
        let more = columns.len() - (MAX_NAMED_COLUMNS - 1);
        columns.truncate(MAX_NAMED_COLUMNS - 1);
        columns.push(format!("{more} more columns"));
    }
    let distinct = matches!(select.distinct, Some(Distinct::Distinct | Distinct::On(_)));
    let mut text = format!(
        "shows {}{}",
        if distinct { "the distinct " } else { "" },
        list(&columns)
    );
    let tables = tables(select);
    if !tables.is_empty() {
        text.push_str(&format!(" from {}", list(&tables)));
    }
    if let Some(filter) = &select.selection {
        text.push_str(&format!(", {}", condition("where", filter)));
    }
    if let GroupByExpr::Expressions(keys, _) = &select.group_by {
        if !keys.is_empty() {
            let keys: Vec<String> = keys.iter().map(name_of).collect();
            text.push_str(&format!(", for each {}", list(&keys)));
        }
    }
    if let Some(having) = &select.having {
        text.push_str(&format!(
            ", {}",
            condition("keeping only groups where", having)
        ));
    }
    text
}

/// `where status = 'paid'` when short enough to read, else which columns the filter reads.
fn condition(lead: &str, expr: &Expr) -> String {
    let quoted = expr.to_string();
    if quoted.chars().count() <= MAX_QUOTED {
        return format!("{lead} {quoted}");
    }
    let mut columns = Vec::new();
    let _ = sqlparser::ast::visit_expressions(expr, |e| {
        let name = match e {
            Expr::Identifier(id) => Some(id.value.clone()),
            Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()),
            _ => None,
        };
        if let Some(name) = name.filter(|n| !columns.contains(n)) {
            columns.push(name);
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    if columns.is_empty() {
        format!("{lead} a condition holds")
    } else {
        format!("{lead} a condition on {} holds", list(&columns))
    }
}

/// The tables read, in the order the query names them (a subquery counts as one).
fn tables(select: &Select) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let factors = select
        .from
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)));
    for factor in factors {
        let name = match factor {
            TableFactor::Table { name, .. } => last_part(name),
            TableFactor::Derived { .. } => "a subquery".to_string(),
            _ => continue,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The last part of a dotted name, unquoted (`shop."Orders"` → `Orders`).
fn last_part(name: &ObjectName) -> String {
    repair::last_part(name).map(|ident| ident.value.clone()).unwrap_or_default()
}

/// An output column as the result table heads it, with what it computes when that is not
/// a plain column: `sold (total of quantity)`.
fn item_name(item: &SelectItem) -> String {
    match item {
        SelectItem::UnnamedExpr(expr) => name_of(expr),
        SelectItem::ExprWithAlias { expr, alias } => match what_it_computes(expr) {
            Some(what) if what != alias.value => format!("{} ({what})", alias.value),
            _ => alias.value.clone(),
        },
        SelectItem::QualifiedWildcard(..) | SelectItem::Wildcard(_) => "every column".to_string(),
        _ => "a computed column".to_string(),
    }
}

/// A column's name, an aggregate's meaning, or else the expression itself when short.
fn name_of(expr: &Expr) -> String {
    match expr {
        Expr::Identifier(id) => id.value.clone(),
        Expr::CompoundIdentifier(parts) => {
            parts.last().map(|p| p.value.clone()).unwrap_or_default()
        }
        Expr::Nested(inner) => name_of(inner),
        _ => what_it_computes(expr).unwrap_or_else(|| "a computed value".to_string()),
    }
}

/// What a computed expression means in words, or its SQL when short; None for a plain column.
fn what_it_computes(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => None,
        Expr::Nested(inner) => what_it_computes(inner),
        Expr::Function(f) => {
            let function = last_part(&f.name).to_ascii_lowercase();
            let (distinct, argument) = match &f.args {
                FunctionArguments::List(list) if list.args.len() == 1 => {
                    let distinct = list.duplicate_treatment == Some(DuplicateTreatment::Distinct);
                    let argument = match &list.args[0] {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(name_of(e)),
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => None,
                        _ => return short_sql(expr),
                    };
                    (distinct, argument)
                }
                _ => return short_sql(expr),
            };
            let of = |what: &str| {
                argument
                    .as_ref()
                    .map(|a| format!("{what} {}{a}", if distinct { "distinct " } else { "" }))
            };
            match function.as_str() {
                "count" => Some(of("number of").unwrap_or_else(|| "number of rows".to_string())),
                "sum" => of("total of"),
                "avg" => of("average of"),
                "min" => of("lowest"),
                "max" => of("highest"),
                _ => short_sql(expr),
            }
        }
        _ => short_sql(expr),
    }
}

fn short_sql(expr: &Expr) -> Option<String> {
    let text = expr.to_string();
    (text.chars().count() <= MAX_QUOTED / 2).then_some(text)
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(sql: &str) -> String {
        describe(sql, SqlDialect::Postgres)
    }

    #[test]
    fn a_grouped_ranking_names_columns_tables_grouping_order_and_limit() {
        assert_eq!(
            pg("SELECT p.name, sum(i.quantity) AS sold FROM order_items i JOIN products p ON p.id = i.product_id \
                GROUP BY p.name ORDER BY sold DESC LIMIT 5"),
            "Shows name and sold (total of quantity) from order_items and products, for each name, \
             sorted by sold (highest first), keeping the first 5 rows."
        );
    }

    #[test]
    fn counts_filters_and_distinct_read_as_words() {
        assert_eq!(
            pg("SELECT count(*) AS n FROM orders WHERE status = 'paid'"),
            "Shows n (number of rows) from orders, where status = 'paid'."
        );
        assert_eq!(
            pg("SELECT count(DISTINCT city) FROM shop.customers"),
            "Shows number of distinct city from customers."
        );
        assert_eq!(
            pg("SELECT DISTINCT city FROM customers ORDER BY city"),
            "Shows the distinct city from customers, sorted by city (lowest first)."
        );
    }

    #[test]
    fn readings_that_differ_in_one_clause_read_differently() {
        let most = pg("SELECT name FROM products ORDER BY price DESC LIMIT 1");
        let least = pg("SELECT name FROM products ORDER BY price LIMIT 1");
        assert_ne!(most, least);
        assert!(
            most.ends_with("sorted by price (highest first), keeping the first row."),
            "{most}"
        );
    }

    #[test]
    fn long_filters_name_their_columns_and_wide_selects_are_shortened() {
        let text = pg("SELECT a, b, c, d, e FROM t WHERE a > 1 AND b < 2 AND c LIKE '%something long enough%' AND d IS NOT NULL AND e <> 'x'");
        assert_eq!(
            text,
            "Shows a, b, c and 2 more columns from t, where a condition on a, b, c, d and e holds."
        );
    }

    #[test]
    fn ctes_unions_and_other_dialects() {
        let text =
            pg("WITH big AS (SELECT id FROM orders WHERE total > 100) SELECT count(*) FROM big");
        assert_eq!(
            text,
            "Works out big first, then shows number of rows from big."
        );
        let text = pg("SELECT name FROM a UNION SELECT name FROM b");
        assert_eq!(
            text,
            "Shows name from a, combined by UNION with another query's rows."
        );
        let text = describe(
            "SELECT `name`, AVG(price) FROM `products` GROUP BY `name`",
            SqlDialect::MySql,
        );
        assert_eq!(
            text,
            "Shows name and average of price from products, for each name."
        );
        assert_eq!(
            describe("SELECT café FROM menu", SqlDialect::Sqlite),
            "Shows café from menu."
        );
    }

    #[test]
    fn unreadable_sql_gets_a_plain_sentence() {
        assert_eq!(pg("SELEC nonsense"), "Runs the query shown.");
    }
}
