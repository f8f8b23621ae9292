//! A name the SELECT list gives (`AVG(rating) AS average_rating`) used in WHERE or HAVING:
//! SQL evaluates those clauses before the SELECT list, so PostgreSQL answers `column
//! "average_rating" does not exist`, and small models send the same query again. The name is
//! replaced by its expression.
use std::ops::ControlFlow;

use sqlparser::ast::{visit_expressions, Expr, Query, SelectItem, SetExpr, Visit, Visitor};

use super::{
    edits::{apply, Edit},
    parse,
};
use crate::{app::model::SchemaTable, server::guard::SqlDialect};

/// The repaired query, or None when the error is not about an output name used too early.
pub fn inline_output_name(error: &str, sql: &str, tables: &[&SchemaTable]) -> Option<String> {
    inlined(error, sql, tables, None)
}

pub(super) fn inlined(error: &str, sql: &str, tables: &[&SchemaTable], dialect: Option<SqlDialect>) -> Option<String> {
    let rest = error.strip_prefix("column \"")?;
    let name = &rest[..rest.find('"')?];
    if !rest[name.len()..].starts_with("\" does not exist") {
        return None;
    }
    // A real column's name is another slip (a missing join), not this one.
    if tables.iter().any(|t| t.columns.iter().any(|c| c.name.eq_ignore_ascii_case(name))) {
        return None;
    }
    let statement = parse(sql, dialect)?;
    let mut finder = Uses { name, found: Vec::new() };
    let _ = statement.visit(&mut finder);
    let edits: Vec<Edit> = finder.found.iter().map(|(ident, expression)| Edit { ident, text: format!("({expression})") }).collect();
    if edits.is_empty() {
        return None;
    }
    apply(sql, &edits)
}

/// Where a SELECT's own output name is used in its WHERE or HAVING, with the expression it names.
struct Uses<'a> {
    name: &'a str,
    found: Vec<(sqlparser::ast::Ident, Expr)>,
}

impl Visitor for Uses<'_> {
    type Break = ();

    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let SetExpr::Select(select) = query.body.as_ref() else { return ControlFlow::Continue(()) };
        let named = select.projection.iter().find_map(|item| match item {
            SelectItem::ExprWithAlias { expr, alias } if alias.value.eq_ignore_ascii_case(self.name) => Some(expr.clone()),
            _ => None,
        });
        let Some(named) = named else { return ControlFlow::Continue(()) };
        for clause in [select.selection.as_ref(), select.having.as_ref()].into_iter().flatten() {
            let _ = visit_expressions(clause, |e| {
                if let Expr::Identifier(id) = e {
                    if id.value.eq_ignore_ascii_case(self.name) {
                        self.found.push((id.clone(), named.clone()));
                    }
                }
                ControlFlow::<()>::Continue(())
            });
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::inline_output_name;
    use crate::app::model::{SchemaColumn, SchemaTable};

    fn review() -> SchemaTable {
        let column = |name: &str| SchemaColumn::plain(name, "integer");
        SchemaTable {
            schema: Some("public".into()),
            name: "review".into(),
            kind: "table".into(),
            comment: None,
            row_estimate: None,
            columns: vec![column("business_id"), column("rating")],
        }
    }

    #[test]
    fn an_output_name_in_having_or_where_becomes_its_expression() {
        let review = review();
        let sql = "SELECT business_id, AVG(rating) AS average_rating FROM review GROUP BY business_id HAVING average_rating > 4";
        let repaired = inline_output_name("column \"average_rating\" does not exist", sql, &[&review]).unwrap();
        assert_eq!(repaired, "SELECT business_id, AVG(rating) AS average_rating FROM review GROUP BY business_id HAVING (AVG(rating)) > 4");

        let sql = "SELECT r.rating * 2 AS double FROM review r WHERE double > 5 ORDER BY double";
        let repaired = inline_output_name("column \"double\" does not exist", sql, &[&review]).unwrap();
        assert_eq!(repaired, "SELECT r.rating * 2 AS double FROM review r WHERE (r.rating * 2) > 5 ORDER BY double", "ORDER BY may use it");

        // Inside a subquery too.
        let sql = "SELECT * FROM (SELECT business_id, COUNT(*) AS n FROM review GROUP BY business_id HAVING n > 1) AS t";
        let repaired = inline_output_name("column \"n\" does not exist", sql, &[&review]).unwrap();
        assert!(repaired.contains("HAVING (COUNT(*)) > 1"), "{repaired}");
    }

    #[test]
    fn other_unknown_columns_are_left_to_the_model() {
        let review = review();
        let sql = "SELECT business_id FROM review WHERE stars > 4";
        assert_eq!(inline_output_name("column \"stars\" does not exist", sql, &[&review]), None, "not an output name");
        let sql = "SELECT AVG(rating) AS rating FROM review HAVING rating > 4";
        assert_eq!(inline_output_name("column \"rating\" does not exist", sql, &[&review]), None, "a real column");
        let sql = "SELECT AVG(x.rating) AS avg FROM review r HAVING avg > 4";
        assert_eq!(inline_output_name("column x.rating does not exist", sql, &[&review]), None, "another message");
        assert_eq!(inline_output_name("column \"avg\" does not exist", "not sql at all", &[&review]), None);
    }
}
