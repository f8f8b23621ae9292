//! A date function or date arithmetic given a column that is not a date: which column it is,
//! its type and description from the schema, and the expression rewritten with the conversion
//! (`EXTRACT(MONTH FROM to_timestamp(f.departure_time))`). A small model copies a concrete
//! expression far more reliably than it follows a general rule about types.
use std::ops::ControlFlow;

use sqlparser::ast::{visit_expressions, BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments};

use super::{
    super::{
        columns::{is_number, resolve},
        repair::{last_part, parse_query, relations},
    },
    operator_types, without_hint,
};
use crate::app::model::{SchemaColumn, SchemaTable};

/// Functions that want a date, timestamp or interval argument.
const DATE_FUNCTIONS: [&str; 6] = ["date_trunc", "date_part", "extract", "to_char", "age", "justify_interval"];
/// How many columns one hint describes (the first ones the query uses).
const MAX_COLUMNS: usize = 2;

/// The hint for a PostgreSQL date slip on a number or text column, when the failed query says
/// which column. `lower` is the lower-cased error message.
pub fn hint(lower: &str, sql: &str, tables: &[&SchemaTable]) -> Option<String> {
    let message = without_hint(lower);
    let date_call = message.contains("does not exist")
        && DATE_FUNCTIONS.iter().any(|f| message.contains(&format!("function {f}(")) || message.contains(&format!("function pg_catalog.{f}(")));
    let date_operator = operator_types(lower).is_some_and(|(left, _, right)| ["interval", "timestamp", "date"].iter().any(|t| left.contains(t) || right.contains(t)));
    if !(date_call || date_operator) {
        return None;
    }
    let query = parse_query(sql, None)?;
    let relations = relations(sql, tables);
    let mut notes: Vec<String> = Vec::new();
    let mut described: Vec<String> = Vec::new();
    let _ = visit_expressions(&query, |e| {
        let Some(inputs) = date_inputs(e) else { return ControlFlow::<()>::Continue(()) };
        let mut rewritten = e.to_string();
        let mut about = Vec::new();
        for column_ref in inputs.iter().flat_map(|input| column_refs(input)) {
            let written = column_ref.to_string();
            let Some((table, column)) = resolve(&column_ref, &relations) else { continue };
            let Some(conversion) = conversion(column) else { continue };
            if described.contains(&written) || described.len() == MAX_COLUMNS {
                continue;
            }
            described.push(written.clone());
            if conversion == YEAR {
                notes.push(format!(
                    "{written} is {}.{} of type {}, a year, not a date: compare it with year numbers, e.g. {written} = EXTRACT(YEAR FROM CURRENT_DATE) - 1",
                    table.name, column.name, column.data_type
                ));
                continue;
            }
            rewritten = replace_word(&rewritten, &written, &conversion.replace("{}", &written));
            let comment = column.comment.as_deref().map(|c| format!(" ({})", c.trim_end_matches('.'))).unwrap_or_default();
            let values = if column.sample_values.is_empty() {
                String::new()
            } else {
                format!(", values like {}", column.sample_values.iter().take(3).map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", "))
            };
            about.push(format!("{written} is {}.{} of type {}{comment}{values}", table.name, column.name, column.data_type));
        }
        if !about.is_empty() {
            let numbers = rewritten.contains("to_timestamp(");
            let condition = if numbers { "if it counts Unix seconds, " } else { "" };
            notes.push(format!("{}, not a date: {condition}write {rewritten}", about.join(" and ")));
        }
        ControlFlow::Continue(())
    });
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// The arguments of a date function, or the other side of arithmetic or a comparison with a
/// date, timestamp or interval: where a column must already be a date.
fn date_inputs(e: &Expr) -> Option<Vec<&Expr>> {
    match e {
        Expr::Extract { expr, .. } => Some(vec![expr]),
        Expr::Function(f) => {
            let name = last_part(&f.name)?.value.to_lowercase();
            if !DATE_FUNCTIONS.contains(&name.as_str()) {
                return None;
            }
            let FunctionArguments::List(list) = &f.args else { return None };
            Some(
                list.args
                    .iter()
                    .filter_map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) | FunctionArg::Named { arg: FunctionArgExpr::Expr(e), .. } => Some(e),
                        _ => None,
                    })
                    .collect(),
            )
        }
        Expr::BinaryOp { left, right, .. } if time_valued(right) => Some(vec![left]),
        Expr::BinaryOp { left, right, .. } if time_valued(left) => Some(vec![right]),
        _ => None,
    }
}

/// Whether an expression's value is a date, timestamp or interval as written: an interval
/// literal, `now()`, `CURRENT_DATE` and the like, or sums and differences of them (not
/// `EXTRACT(… FROM CURRENT_DATE)`, which is a number).
fn time_valued(e: &Expr) -> bool {
    match e {
        Expr::Interval(_) => true,
        Expr::Nested(inner) => time_valued(inner),
        Expr::BinaryOp { left, op: BinaryOperator::Plus | BinaryOperator::Minus, right } => time_valued(left) || time_valued(right),
        Expr::Function(f) => last_part(&f.name).is_some_and(|n| TIME_FUNCTIONS.contains(&n.value.to_lowercase().as_str())),
        _ => false,
    }
}

/// Functions whose value is a date or timestamp.
const TIME_FUNCTIONS: [&str; 7] = ["now", "current_date", "current_timestamp", "localtimestamp", "clock_timestamp", "to_timestamp", "to_date"];

/// Column references in an expression; a subquery counts as one when it selects one column.
fn column_refs(e: &Expr) -> Vec<Expr> {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Subquery(_) => vec![e.clone()],
        Expr::Nested(inner) | Expr::Cast { expr: inner, .. } | Expr::UnaryOp { expr: inner, .. } => column_refs(inner),
        Expr::BinaryOp { left, right, .. } => column_refs(left).into_iter().chain(column_refs(right)).collect(),
        Expr::Function(f) => match &f.args {
            FunctionArguments::List(list) => list
                .args
                .iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(column_refs(e)),
                    _ => None,
                })
                .flatten()
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A number column named as a year (`year`, `year_reg`, `fiscal_yr`): compared with numbers,
/// never converted.
const YEAR: &str = "year";

/// The expression that makes a number or text column a date (`{}` is the column), YEAR for a
/// number that is a year, or None when the column's type is already a date.
fn conversion(column: &SchemaColumn) -> Option<&'static str> {
    let t = column.data_type.to_lowercase();
    if is_number(column) {
        let name = column.name.to_lowercase();
        let a_year = name.split(|c: char| !c.is_alphanumeric()).any(|w| ["year", "yr", "yyyy"].contains(&w));
        return Some(if a_year { YEAR } else { "to_timestamp({})" });
    }
    if !crate::server::schema::is_text_type(&t) {
        return None;
    }
    let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
    // Its values when the schema has them, else its name (`month`, `month_name`).
    let month_names = if column.sample_values.is_empty() {
        column.name.to_lowercase().split(|c: char| !c.is_alphanumeric()).any(|w| w == "month")
    } else {
        column.sample_values.iter().all(|v| months.contains(&v.trim().to_lowercase().as_str()))
    };
    Some(if month_names { "to_date({}, 'Month')" } else { "{}::date" })
}

/// `text` with each whole-word occurrence of `word` replaced (not inside a longer name).
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '"';
    let mut out = String::with_capacity(text.len() + with.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        out.push_str(&rest[..at]);
        // The character before is the one written last (the text before this part included).
        let before = out.chars().next_back();
        let after = rest[at + word.len()..].chars().next();
        if before.is_some_and(is_name) || after.is_some_and(is_name) {
            out.push_str(word);
        } else {
            out.push_str(with);
        }
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::ask::fixtures::{self, table};

    /// `t` with the named columns given these types and descriptions.
    fn typed(t: SchemaTable, types: &[(&str, &str, Option<&str>)]) -> SchemaTable {
        let mut t = fixtures::typed(t, &types.iter().map(|(name, data_type, _)| (*name, *data_type)).collect::<Vec<_>>());
        for (name, _, comment) in types {
            t.columns.iter_mut().find(|c| c.name == *name).expect("column").comment = comment.map(str::to_string);
        }
        t
    }

    #[test]
    fn names_the_column_and_writes_the_conversion() {
        let flight = typed(
            table("flight", &["flight_id", "departure_time", "arrival_time"]),
            &[("departure_time", "bigint", Some("Departure time as a Unix timestamp.")), ("arrival_time", "bigint", None)],
        );
        let tables = [&flight];
        let error = "function pg_catalog.extract(unknown, bigint) does not exist (hint: No function matches the given name and argument types.)";
        let sql = "SELECT EXTRACT(MONTH FROM f.departure_time) AS m, COUNT(*) FROM flight f GROUP BY m";
        assert_eq!(
            hint(&error.to_lowercase(), sql, &tables).unwrap(),
            "f.departure_time is flight.departure_time of type bigint (Departure time as a Unix timestamp), not a date: if it counts Unix seconds, write EXTRACT(MONTH FROM to_timestamp(f.departure_time))"
        );
        // A difference of two such columns: both converted, each described once.
        let sql = "SELECT flight_id, EXTRACT(EPOCH FROM (arrival_time - departure_time)) / 60 FROM flight";
        let h = hint(&error.to_lowercase(), sql, &tables).unwrap();
        assert_eq!(
            h,
            "arrival_time is flight.arrival_time of type bigint and departure_time is flight.departure_time of type bigint \
(Departure time as a Unix timestamp), not a date: if it counts Unix seconds, write EXTRACT(EPOCH FROM (to_timestamp(arrival_time) - to_timestamp(departure_time)))"
        );
    }

    #[test]
    fn text_months_and_interval_arithmetic() {
        let mut review = typed(table("review", &["rid", "month", "year"]), &[("month", "text", None), ("year", "bigint", None)]);
        review.columns[1].sample_values = vec!["March".into(), "April".into()];
        let tables = [&review];
        let h = hint("function date_trunc(unknown, text) does not exist", "SELECT date_trunc('month', r.month) FROM review r", &tables).unwrap();
        assert!(h.contains("values like 'March', 'April'") && h.ends_with("write date_trunc('month', to_date(r.month, 'Month'))"), "{h}");
        // A year kept as a number is compared with numbers, not converted.
        let h = hint("operator does not exist: bigint >= timestamp with time zone", "SELECT rid FROM review WHERE year >= now() - INTERVAL '2 years'", &tables).unwrap();
        assert_eq!(h, "year is review.year of type bigint, a year, not a date: compare it with year numbers, e.g. year = EXTRACT(YEAR FROM CURRENT_DATE) - 1");
        let mut event = typed(table("event", &["id", "at_unix"]), &[("at_unix", "integer", None)]);
        event.schema = None;
        let h = hint("operator does not exist: integer > timestamp with time zone", "SELECT id FROM event WHERE at_unix > now() - INTERVAL '7 days'", &[&event]).unwrap();
        assert!(h.ends_with("if it counts Unix seconds, write to_timestamp(at_unix) > now() - INTERVAL '7 days'"), "{h}");
        // A subquery of one column stands for that column.
        let h = hint("operator does not exist: timestamp with time zone - integer", "SELECT EXTRACT(DAY FROM now() - (SELECT MIN(at_unix) FROM event))", &[&event]).unwrap();
        assert!(h.starts_with("(SELECT MIN(at_unix) FROM event) is event.at_unix of type integer"), "{h}");
        assert!(h.ends_with("write EXTRACT(DAY FROM now() - to_timestamp((SELECT MIN(at_unix) FROM event)))"), "{h}");
    }

    #[test]
    fn stays_quiet_when_it_cannot_say_which_column() {
        let t = typed(table("t", &["d", "n"]), &[("d", "date", None)]);
        let tables = [&t];
        let error = "function pg_catalog.extract(unknown, integer) does not exist";
        assert_eq!(hint(error, "SELECT EXTRACT(YEAR FROM d) FROM t", &tables), None, "a date column needs no conversion");
        assert_eq!(hint(error, "SELECT EXTRACT(YEAR FROM 5) FROM t", &tables), None, "no column");
        assert_eq!(hint("division by zero", "SELECT EXTRACT(YEAR FROM n) FROM t", &tables), None, "not a date error");
        assert_eq!(replace_word("a.n + n + nn", "n", "x(n)"), "a.n + x(n) + nn");
    }
}
