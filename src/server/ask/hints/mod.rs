//! Concrete hints for a failed attempt, so the model's next try is better than a guess:
//! for an unknown column, which table its alias stands for and what that table has, and which
//! tables do have a column of that name; otherwise the closest real names. Hints only advise:
//! fixes made without the model are in `repair`.
use super::repair::relations;
use crate::app::model::SchemaTable;

mod date_columns;

/// The unknown identifier in a PostgreSQL, MySQL / MariaDB or SQLite error message.
pub fn unknown_identifier(error: &str) -> Option<(&'static str, String)> {
    // Only the message itself: PostgreSQL's appended hint names a *different* column.
    let error = error.split(" (hint:").next().unwrap_or(error);
    // Only `column "x" does not exist`: other messages quote a column too (`column "c.name"
    // must appear in the GROUP BY clause`), and calling that column unknown misleads the model.
    let quoted = |prefix: &str| -> Option<String> {
        let start = error.find(prefix)? + prefix.len();
        let rest = &error[start..];
        let end = rest.find('"')?;
        rest[end + 1..].trim_start().starts_with("does not exist").then(|| rest[..end].to_string())
    };
    let after = |prefix: &str| -> Option<String> {
        let start = error.find(prefix)? + prefix.len();
        Some(error[start..].split_whitespace().next()?.trim_matches(|c| c == '"' || c == '\'').to_string())
    };
    // PostgreSQL quotes a bare name (`column "x"`) but not a qualified one (`column t.x`).
    let unquoted_column = || {
        let start = error.find("column ")? + "column ".len();
        let name = error[start..].split_whitespace().next()?;
        (error[start..].contains(" does not exist") && !name.starts_with('"')).then(|| name.to_string())
    };
    // MySQL: `Unknown column 'o.x' in 'field list'`, `Table 'shop.ordrs' doesn't exist`.
    let single_quoted = |prefix: &str| -> Option<String> {
        let start = error.find(prefix)? + prefix.len();
        let rest = &error[start..];
        Some(rest[..rest.find('\'')?].to_string())
    };
    let mysql_table = || {
        let qualified = single_quoted("Table '").filter(|_| error.contains("doesn't exist"))?;
        Some(qualified.rsplit('.').next().unwrap_or(&qualified).to_string())
    };
    if let Some(c) = quoted("column \"")
        .or_else(|| after("no such column: "))
        .or_else(unquoted_column)
        .or_else(|| single_quoted("Unknown column '"))
    {
        return Some(("column", c));
    }
    if let Some(t) = quoted("relation \"").or_else(|| after("no such table: ")).or_else(mysql_table) {
        return Some(("table", t));
    }
    None
}

/// The table an alias (or a bare table name) stands for in `sql`'s FROM/JOIN clauses.
fn table_for_alias<'a>(sql: &str, alias: &str, tables: &[&'a SchemaTable]) -> Option<&'a SchemaTable> {
    let alias = alias.trim_matches('"').to_lowercase();
    tables
        .iter()
        .copied()
        .find(|t| t.name.to_lowercase() == alias || t.qualified_name().to_lowercase() == alias)
        .or_else(|| relations(sql, tables).into_iter().find(|(name, _)| name.to_lowercase() == alias).map(|(_, t)| t))
}

/// The hint sent back with a failed attempt: unknown names first, then the PostgreSQL slips
/// small models make most (a bare column in several tables, an alias never defined, date
/// functions on numbers, ROUND on a float).
pub fn for_error(error: &str, sql: &str, tables: &[&SchemaTable]) -> Option<String> {
    if let Some(h) = closest_names(error, sql, tables) {
        return Some(h);
    }
    let quoted_after = |prefix: &str| -> Option<String> {
        let rest = &error[error.find(prefix)? + prefix.len()..];
        Some(rest.split('"').next()?.to_string())
    };
    let describe = |rels: Vec<(String, &SchemaTable)>| -> Vec<String> {
        rels.into_iter().map(|(name, t)| if name.eq_ignore_ascii_case(&t.name) { name } else { format!("{name} ({})", t.name) }).collect()
    };
    // PostgreSQL, MySQL / MariaDB and SQLite say it three ways.
    let ambiguous = quoted_after("column reference \"")
        .or_else(|| {
            let rest = &error[error.find("Column '")? + "Column '".len()..];
            error.contains("is ambiguous").then(|| rest.split('\'').next().map(str::to_string))?
        })
        .or_else(|| Some(error.split("ambiguous column name: ").nth(1)?.split_whitespace().next()?.to_string()));
    if let Some(column) = ambiguous {
        let column = column.rsplit('.').next().unwrap_or(&column).to_string();
        let lower = column.to_lowercase();
        let with: Vec<(String, &SchemaTable)> =
            relations(sql, tables).into_iter().filter(|(_, t)| t.columns.iter().any(|c| c.name.to_lowercase() == lower)).collect();
        if let Some((first, _)) = with.first().cloned() {
            return Some(format!("{column} is a column of {}: write it with the alias of the one you mean, e.g. {first}.{column}", describe(with).join(" and ")));
        }
    }
    if let Some(alias) = quoted_after("missing FROM-clause entry for table \"") {
        let defined = describe(relations(sql, tables));
        return Some(format!(
            "{alias} is used but never defined in FROM or JOIN (defined: {}); join the table it should stand for, or use one of those",
            if defined.is_empty() { "nothing".to_string() } else { defined.join(", ") }
        ));
    }
    let lower = error.to_lowercase();
    if let Some(h) = date_columns::hint(&lower, sql, tables) {
        return Some(h);
    }
    if (lower.contains("extract(unknown,") || lower.contains("date_part(unknown,")) && (lower.contains("integer)") || lower.contains("bigint)") || lower.contains("numeric)")) {
        return Some(
            "EXTRACT works on dates, timestamps and intervals, and its argument here is a number. In PostgreSQL date - date is already a whole number of days, and a year kept as a number is compared directly (year = 2020)"
                .into(),
        );
    }
    if lower.contains("function round(double precision, integer) does not exist") {
        return Some("ROUND with decimals needs numeric: ROUND(value::numeric, 2)".into());
    }
    if let Some(column) = ungrouped_column(error) {
        return Some(format!(
            "{column} is selected or ordered by outside an aggregate: add {column} to GROUP BY, or wrap it in an aggregate \
(COUNT, SUM, AVG, MIN, MAX); for the row with the smallest or largest value use ORDER BY that value LIMIT 1 without GROUP BY"
        ));
    }
    // Any syntax error (PostgreSQL's grammar: `syntax error at or near "AS"`; sqlparser's
    // `Expected: ), found: EOF`; MySQL's `You have an error in your SQL syntax`).
    if lower.contains("syntax error") || lower.contains("expected: ") || lower.contains("error in your sql syntax") || lower.contains("incomplete input") {
        let (open, close) = (sql.matches('(').count(), sql.matches(')').count());
        if open != close {
            return Some(format!("the query opens {open} parentheses and closes {close}; balance them"));
        }
    }
    date_hint(&lower).or_else(|| text_number_hint(&lower))
}

/// The column a GROUP BY error names: PostgreSQL's `column "c.name" must appear in the GROUP BY
/// clause …`, MySQL's `… contains nonaggregated column 'shop.c.name' which is not functionally
/// dependent …` (the database name dropped).
pub(in crate::server::ask) fn ungrouped_column(error: &str) -> Option<String> {
    if error.contains("must appear in the GROUP BY clause") {
        let rest = &error[error.find("column \"")? + "column \"".len()..];
        return Some(rest[..rest.find('"')?].to_string());
    }
    let rest = &error[error.find("nonaggregated column '")? + "nonaggregated column '".len()..];
    let name = &rest[..rest.find('\'')?];
    let parts: Vec<&str> = name.split('.').collect();
    Some(parts[parts.len().saturating_sub(2)..].join("."))
}

/// Text compared with a number: the commonest cause is a text column of names (months, days)
/// compared with a number computed from a date.
fn text_number_hint(lower: &str) -> Option<String> {
    let (left, _, right) = operator_types(lower)?;
    let text_vs_number = (left == "text" && is_number_type(&right)) || (right == "text" && is_number_type(&left));
    text_vs_number.then(|| {
        "a text column is compared with a number: compare it with quoted text values as the schema lists them \
(e.g. month = 'March'), or convert it (col::integer, to_date(col, 'Month'))"
            .to_string()
    })
}

/// The message without PostgreSQL's appended hint (lower-cased input stays lower-cased).
pub(in crate::server::ask) fn without_hint(lower: &str) -> &str {
    lower.split(" (hint:").next().unwrap_or(lower)
}

pub(in crate::server::ask) fn is_number_type(t: &str) -> bool {
    ["integer", "bigint", "smallint", "numeric", "double precision", "real"].contains(&t)
}

/// `operator does not exist: timestamp with time zone - bigint` as (left type, operator, right type).
pub(in crate::server::ask) fn operator_types(lower: &str) -> Option<(String, &str, String)> {
    let rest = without_hint(lower).split("operator does not exist: ").nth(1)?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let op = words.iter().position(|w| w.chars().all(|c| "+-*/<>=!~|&".contains(c)))?;
    Some((words[..op].join(" "), words[op], words[op + 1..].join(" ")))
}

/// How PostgreSQL does date arithmetic, said once after any date slip.
const DATE_IDIOMS: &str = "in PostgreSQL date - date is a whole number of days, timestamp - timestamp is an interval \
(EXTRACT(EPOCH FROM interval) gives seconds), CURRENT_DATE - INTERVAL '7 days' goes back in time, and \
date_trunc('month', ts) gives a month as a date";

/// A date or time operation on a value of another type: what the value is and how to convert
/// it. `lower` is the lower-cased error message.
fn date_hint(lower: &str) -> Option<String> {
    let message = without_hint(lower);
    let is_time = |t: &str| t.starts_with("date") || t.starts_with("timestamp") || t.starts_with("interval") || t.starts_with("time ");
    let is_number = is_number_type;
    let is_text = |t: &str| t == "text" || t.starts_with("character");
    let convert = |t: &str| -> Option<&'static str> {
        if is_number(t) {
            Some("a number used as a date: if it holds Unix seconds use to_timestamp(col); a year kept as a number is compared with numbers (col = EXTRACT(YEAR FROM CURRENT_DATE) - 2)")
        } else if is_text(t) {
            Some("a text column used as a date must be converted first: col::date for 'YYYY-MM-DD' text, to_date(col, 'Month') for month names")
        } else {
            None
        }
    };
    // `operator does not exist: integer - interval`
    if message.contains("operator does not exist: ") {
        let (left, op, right) = operator_types(lower)?;
        if !(is_time(&left) || is_time(&right)) {
            return None;
        }
        let note = convert(&left).or_else(|| convert(&right));
        let comparison = ["<", ">", "=", "<=", ">=", "<>", "!="].contains(&op);
        let interval_vs_number = comparison && ((left == "interval" && is_number(&right)) || (right == "interval" && is_number(&left)));
        return Some(match (note, interval_vs_number) {
            (_, true) => format!("an interval cannot be compared with a number: compare EXTRACT(EPOCH FROM interval) (seconds) or use date - date (days); {DATE_IDIOMS}"),
            (Some(note), _) => format!("{left} {op} {right}: {note}; {DATE_IDIOMS}"),
            (None, _) => format!("{left} {op} {right} is not defined; {DATE_IDIOMS}"),
        });
    }
    // `function date_trunc(unknown, integer) does not exist`
    let (name, args) = message.split("function ").nth(1)?.split_once('(')?;
    let name = name.trim().trim_start_matches("pg_catalog.");
    if !["date_trunc", "date_part", "extract", "to_char", "age", "to_timestamp", "to_date", "date"].contains(&name) || !message.contains("does not exist") {
        return None;
    }
    let args: Vec<&str> = args.split(')').next()?.split(',').map(str::trim).collect();
    let note = args.iter().find_map(|a| convert(a)).unwrap_or("check the argument types against the schema");
    Some(format!("{name}({}) does not exist: {note}; {DATE_IDIOMS}", args.join(", ")))
}

/// A hint for the model's next attempt after an unknown column or table, or None.
pub fn closest_names(error: &str, sql: &str, tables: &[&SchemaTable]) -> Option<String> {
    let (kind, wanted) = unknown_identifier(error)?;
    let wanted_last = wanted.rsplit('.').next().unwrap_or(&wanted).to_lowercase();
    let mut notes = Vec::new();
    if kind == "column" {
        if let Some((qualifier, _)) = wanted.rsplit_once('.') {
            if let Some(t) = table_for_alias(sql, qualifier, tables) {
                let columns: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                notes.push(format!("{qualifier} is {} and its columns are: {}", t.qualified_name(), columns.join(", ")));
            }
        }
        let owners: Vec<String> = tables
            .iter()
            .filter(|t| t.columns.iter().any(|c| c.name.to_lowercase() == wanted_last))
            .map(|t| t.qualified_name())
            .collect();
        if !owners.is_empty() {
            notes.push(format!("tables with a column {wanted_last}: {} (join them to use it)", owners.join(", ")));
        }
    }
    if notes.is_empty() {
        let mut candidates: Vec<(f64, String)> = match kind {
            "column" => tables
                .iter()
                .flat_map(|t| t.columns.iter().map(move |c| (c.name.to_lowercase(), format!("{}.{}", t.qualified_name(), c.name))))
                .map(|(name, label)| (strsim::jaro_winkler(&name, &wanted_last), label))
                .collect(),
            _ => tables.iter().map(|t| (strsim::jaro_winkler(&t.name.to_lowercase(), &wanted_last), t.qualified_name())).collect(),
        };
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
        let best: Vec<String> = candidates.into_iter().filter(|(s, _)| *s > 0.7).take(3).map(|(_, l)| l).collect();
        if !best.is_empty() {
            notes.push(format!("the closest {kind}s are: {}", best.join(", ")));
        }
    }
    (!notes.is_empty()).then(|| format!("{kind} {wanted} does not exist; {}", notes.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{app::model::SchemaColumn, server::ask::fixtures::table};

    #[test]
    fn finds_the_unknown_name_and_its_neighbours() {
        assert_eq!(unknown_identifier("column \"totl\" does not exist"), Some(("column", "totl".into())));
        assert_eq!(unknown_identifier("no such column: o.totl"), Some(("column", "o.totl".into())));
        assert_eq!(unknown_identifier("column t1.business_id does not exist"), Some(("column", "t1.business_id".into())));
        assert_eq!(unknown_identifier("relation \"ordrs\" does not exist"), Some(("table", "ordrs".into())));
        assert_eq!(unknown_identifier("Unknown column 'o.totl' in 'field list'"), Some(("column", "o.totl".into())));
        assert_eq!(unknown_identifier("Table 'shop.ordrs' doesn't exist"), Some(("table", "ordrs".into())));
        assert_eq!(unknown_identifier("no such table: ordrs"), Some(("table", "ordrs".into())));
        let grouping = "column \"c.name\" must appear in the GROUP BY clause or be used in an aggregate function";
        assert_eq!(unknown_identifier(grouping), None, "a known column the query did not group by");
        assert_eq!(
            unknown_identifier("column c.citation_num does not exist (hint: Perhaps you meant to reference the column \"p.citation_num\".)"),
            Some(("column", "c.citation_num".into())),
            "the hint's column is not the unknown one"
        );
        let t = SchemaTable {
            schema: None,
            name: "orders".into(),
            kind: "table".into(),
            comment: None,
            row_estimate: None,
            columns: ["id", "total", "status"]
                .iter()
                .map(|n| SchemaColumn { name: n.to_string(), data_type: "int".into(), nullable: true, default: None, primary_key: false, references: None, comment: None, sample_values: vec![] })
                .collect(),
        };
        let hint = closest_names("no such column: totl", "SELECT totl FROM orders", &[&t]).unwrap();
        assert!(hint.contains("orders.total"), "{hint}");
        let hint = closest_names("column o.stats does not exist", "SELECT o.stats FROM orders AS o", &[&t]).unwrap();
        assert_eq!(hint, "column o.stats does not exist; o is orders and its columns are: id, total, status");
        assert!(closest_names("syntax error", "SELEC", &[&t]).is_none());
        // The column exists, in another table: say which, and what the alias really is.
        let mut customers = t.clone();
        customers.name = "customers".into();
        customers.columns[1].name = "city".into();
        let hint = closest_names("column o.city does not exist", "SELECT o.city FROM orders o JOIN customers c ON c.id = o.id", &[&t, &customers]).unwrap();
        assert_eq!(
            hint,
            "column o.city does not exist; o is orders and its columns are: id, total, status; tables with a column city: customers (join them to use it)"
        );
    }

    #[test]
    fn postgres_slips_get_specific_hints() {
        let (publication, writes) = (table("publication", &["pid", "title", "year"]), table("writes", &["aid", "pid"]));
        let tables = [&publication, &writes];
        let sql = "SELECT pid FROM publication p JOIN writes AS w ON w.pid = p.pid";
        assert_eq!(
            for_error("column reference \"pid\" is ambiguous", sql, &tables).unwrap(),
            "pid is a column of p (publication) and w (writes): write it with the alias of the one you mean, e.g. p.pid"
        );
        let hint = for_error("missing FROM-clause entry for table \"a\"", "SELECT a.name FROM publication p", &tables).unwrap();
        assert!(hint.starts_with("a is used but never defined in FROM or JOIN (defined: p (publication))"), "{hint}");
        let hint = for_error("function pg_catalog.extract(unknown, integer) does not exist (hint: No function matches)", "SELECT 1", &tables).unwrap();
        assert!(hint.contains("date - date is already a whole number of days"), "{hint}");
        assert!(for_error("function round(double precision, integer) does not exist", "SELECT 1", &tables).unwrap().contains("::numeric"));
        assert!(for_error("division by zero", "SELECT 1/0", &tables).is_none());
        let hint = for_error("column \"flight.departure_time\" must appear in the GROUP BY clause or be used in an aggregate function", "SELECT 1", &tables).unwrap();
        assert!(hint.contains("ORDER BY that value LIMIT 1"), "{hint}");
        let unbalanced = "SELECT abs(extract(day FROM (now() - (SELECT MIN(x) FROM t))) AS d";
        let hint = for_error("the SQL could not be parsed: sql parser error: Expected: ), found: EOF", unbalanced, &tables).unwrap();
        assert_eq!(hint, "the query opens 6 parentheses and closes 5; balance them");
    }

    #[test]
    fn date_slips_say_what_the_value_is_and_how_to_convert_it() {
        let none: [&SchemaTable; 0] = [];
        let hint = for_error("operator does not exist: integer - interval (hint: No operator matches)", "SELECT 1", &none).unwrap();
        assert!(hint.starts_with("integer - interval: a number used as a date: if it holds Unix seconds use to_timestamp(col)"), "{hint}");
        let hint = for_error("operator does not exist: text >= date", "SELECT 1", &none).unwrap();
        assert!(hint.contains("to_date(col, 'Month')") && hint.contains("date - date is a whole number of days"), "{hint}");
        let hint = for_error("operator does not exist: interval > integer", "SELECT 1", &none).unwrap();
        assert!(hint.starts_with("an interval cannot be compared with a number"), "{hint}");
        let hint = for_error("function date_trunc(unknown, integer) does not exist", "SELECT 1", &none).unwrap();
        assert!(hint.starts_with("date_trunc(unknown, integer) does not exist: a number used as a date"), "{hint}");
        // Not about dates: no date advice.
        assert!(for_error("operator does not exist: text = integer", "SELECT 1", &none).unwrap().starts_with("a text column is compared with a number"));
        assert!(for_error("operator does not exist: text = boolean", "SELECT 1", &none).is_none());
        assert!(for_error("function lower(integer) does not exist", "SELECT 1", &none).is_none());
    }
}
