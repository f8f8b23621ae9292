//! `SELECT AVG(x) FROM t … ORDER BY d LIMIT 1`: an aggregate without GROUP BY returns one row,
//! so its ORDER BY orders nothing, but PostgreSQL refuses it (`column "t.d" must appear in the
//! GROUP BY clause …`) and small models send it again. The ORDER BY is dropped. The query is
//! printed from the tree, as the guard prints every query it passes.
use sqlparser::ast::{GroupByExpr, SetExpr, Statement};

use super::parse;
use crate::server::{ask::hints::ungrouped_column, guard::SqlDialect};

/// The query without its ORDER BY, or None when the error is not about a column the outer
/// query orders by while it aggregates everything into one row.
pub(super) fn dropped(error: &str, sql: &str, dialect: Option<SqlDialect>) -> Option<String> {
    let column = ungrouped_column(error)?;
    let column = column.rsplit('.').next()?.to_lowercase();
    let Statement::Query(mut query) = parse(sql, dialect)? else { return None };
    let SetExpr::Select(select) = query.body.as_ref() else { return None };
    let grouped = !matches!(&select.group_by, GroupByExpr::Expressions(exprs, _) if exprs.is_empty());
    if grouped || select.having.is_some() {
        return None;
    }
    // The column must be one the ORDER BY uses, and not one the SELECT list shows bare.
    let ordered = query.order_by.as_ref()?.to_string().to_lowercase();
    let shown = select.projection.iter().any(|item| item.to_string().to_lowercase().rsplit('.').next() == Some(column.as_str()));
    if !names(&ordered).any(|n| n == column) || shown {
        return None;
    }
    query.order_by = None;
    Some(query.to_string())
}

/// The identifiers in printed SQL (the last part of each dotted name).
fn names(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::dropped;

    #[test]
    fn a_one_row_aggregate_loses_its_order_by() {
        let error = "column \"user_setting_snapshot.snapshot_date\" must appear in the GROUP BY clause or be used in an aggregate function";
        let sql = "SELECT AVG(tx_limit_daily) AS d FROM user_setting_snapshot WHERE snapshot_date >= '2023-01-01' ORDER BY snapshot_date DESC LIMIT 1";
        assert_eq!(dropped(error, sql, None).unwrap(), "SELECT AVG(tx_limit_daily) AS d FROM user_setting_snapshot WHERE snapshot_date >= '2023-01-01' LIMIT 1");
        // Grouped, or the column is in the SELECT list, or not in ORDER BY: another slip.
        assert_eq!(dropped(error, "SELECT AVG(x) FROM t GROUP BY y ORDER BY snapshot_date", None), None);
        assert_eq!(dropped(error, "SELECT snapshot_date, AVG(x) FROM t ORDER BY snapshot_date", None), None);
        assert_eq!(dropped(error, "SELECT AVG(x) FROM t ORDER BY y", None), None);
        assert_eq!(dropped("column \"d\" does not exist", "SELECT AVG(x) FROM t ORDER BY d", None), None);
    }
}
