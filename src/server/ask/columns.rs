//! What a column reference in a query stands for: the schema table and column behind `t.x`,
//! a bare `x`, or a one-value subquery such as `(SELECT MIN(x) FROM t)`. Hints and repairs
//! that reason about a column's type read it from here.
use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, SelectItem, SetExpr};

use crate::app::model::{SchemaColumn, SchemaTable};

/// The table and column a reference names: by its qualifier, or (bare) the first table of the
/// query that has a column of that name. A subquery selecting one column, or MIN/MAX/one
/// aggregate of one, stands for that column. `relations` are the query's (alias, table) pairs.
pub fn resolve<'t>(column_ref: &Expr, relations: &[(String, &'t SchemaTable)]) -> Option<(&'t SchemaTable, &'t SchemaColumn)> {
    let (qualifier, name) = match column_ref {
        Expr::Identifier(name) => (None, name.value.to_lowercase()),
        Expr::CompoundIdentifier(parts) if parts.len() >= 2 => (Some(parts[parts.len() - 2].value.to_lowercase()), parts.last()?.value.to_lowercase()),
        Expr::Nested(inner) => return resolve(inner, relations),
        Expr::Subquery(query) => {
            let SetExpr::Select(select) = query.body.as_ref() else { return None };
            let [SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }] = select.projection.as_slice() else { return None };
            return resolve(single_argument(e).unwrap_or(e), relations);
        }
        _ => return None,
    };
    relations
        .iter()
        .filter(|(alias, table)| qualifier.as_ref().is_none_or(|q| *q == alias.to_lowercase() || *q == table.name.to_lowercase()))
        .find_map(|(_, table)| Some((*table, table.columns.iter().find(|c| c.name.to_lowercase() == name)?)))
}

/// The argument of MIN(x) or MAX(x), which has x's type.
fn single_argument(e: &Expr) -> Option<&Expr> {
    let Expr::Function(f) = e else { return None };
    let name = f.name.to_string().to_lowercase();
    if name != "min" && name != "max" {
        return None;
    }
    let FunctionArguments::List(list) = &f.args else { return None };
    match list.args.as_slice() {
        [FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))] => Some(arg),
        _ => None,
    }
}

/// Whether a column's declared type is a number (PostgreSQL, MySQL / MariaDB and SQLite names).
pub fn is_number(column: &SchemaColumn) -> bool {
    let t = column.data_type.to_lowercase();
    ["int", "numeric", "decimal", "double", "real", "float", "serial"].iter().any(|n| t.contains(n))
}
