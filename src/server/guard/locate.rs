//! Where in the text a syntax error is, so the editor can underline it. The guard's own
//! parsers are asked again, only after they refused the text (the cost is paid on errors).
use std::ops::Range;

use super::{SqlDialect, RECURSION_LIMIT};

/// The stretch of `sql` a syntax error points at, in characters (what an editor counts);
/// None when the parser names no place or the text did not fail to parse.
pub fn syntax_error_at(sql: &str, dialect: SqlDialect) -> Option<Range<usize>> {
    let (start, end) = match dialect {
        SqlDialect::Postgres => postgres_error_bytes(sql)?,
        SqlDialect::MySql | SqlDialect::Sqlite => sqlparser_error_bytes(sql, dialect)?,
    };
    let chars = |byte: usize| sql.get(..byte).map(|s| s.chars().count());
    Some(chars(start)?..chars(end)?)
}

/// Prefixes parsed at most while looking for the failing token.
const MAX_PREFIX_PARSES: usize = 200;

fn pg_parse_error(sql: &str) -> Option<String> {
    match pg_query::parse(sql, pg_query::ParserOptions::DEFAULT) {
        Err(pg_query::Error::Parse(message)) => Some(message),
        _ => None,
    }
}

/// PostgreSQL says `syntax error at or near "X"` (or `at end of input`) without a position:
/// the place is the first token spelled X after which the text can no longer be completed,
/// i.e. whose prefix fails with the same message (an earlier, valid X only leaves the prefix
/// unfinished: "at end of input").
fn postgres_error_bytes(sql: &str) -> Option<(usize, usize)> {
    let message = pg_parse_error(sql)?;
    if message.ends_with("at end of input") {
        let end = sql.trim_end().len();
        return Some((end, end));
    }
    let near = message.split_once(" at or near \"")?.1.strip_suffix('"')?;
    let tokens = pg_query::scan(sql).ok()?.tokens;
    let spelled_near: Vec<(usize, usize)> = tokens
        .iter()
        .filter_map(|t| Some((usize::try_from(t.start).ok()?, usize::try_from(t.end).ok()?)))
        .filter(|&(start, end)| sql.get(start..end) == Some(near))
        .collect();
    // Bounded: the guard's size limit keeps the text small, this keeps the parses few.
    spelled_near
        .iter()
        .take(MAX_PREFIX_PARSES)
        .copied()
        .find(|&(_, end)| sql.get(..end).and_then(pg_parse_error).as_deref() == Some(message.as_str()))
        .or(spelled_near.first().copied())
}

/// sqlparser ends its messages with ` at Line: L, Column: C` (1-based, in characters); the
/// span is the word (or single character) that starts there.
fn sqlparser_error_bytes(sql: &str, dialect: SqlDialect) -> Option<(usize, usize)> {
    let parser_dialect = dialect.parser_dialect();
    let parsed = sqlparser::parser::Parser::new(parser_dialect.as_ref())
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements());
    let message = match parsed {
        Err(e) => e.to_string(),
        Ok(_) => return None,
    };
    let (_, place) = message.rsplit_once(" at Line: ")?;
    let (line, column) = place.split_once(", Column: ")?;
    let (line, column): (usize, usize) = (line.trim().parse().ok()?, column.trim().parse().ok()?);
    let line_start = if line <= 1 { 0 } else { sql.match_indices('\n').nth(line - 2)?.0 + 1 };
    let start = line_start + sql[line_start..].char_indices().nth(column.checked_sub(1)?).map(|(i, _)| i)?;
    let word = sql[start..].find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(sql.len() - start);
    let length = if word > 0 { word } else { sql[start..].chars().next().map_or(0, char::len_utf8) };
    Some((start, start + length))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(sql: &str, dialect: SqlDialect) -> String {
        let at = syntax_error_at(sql, dialect).unwrap_or_else(|| panic!("no place for {sql:?}"));
        sql.chars().skip(at.start).take(at.end - at.start).collect()
    }

    #[test]
    fn postgres_errors_point_at_the_failing_token() {
        assert_eq!(marked("SELECT name FROMM customers", SqlDialect::Postgres), "customers");
        let at = syntax_error_at("SELECT name, FROM t", SqlDialect::Postgres).unwrap();
        assert_eq!(at, 13..17);
        // Two commas: the second one breaks the parse, not the first.
        let sql = "SELECT a, b,, c FROM t";
        let at = syntax_error_at(sql, SqlDialect::Postgres).unwrap();
        assert_eq!(at, 12..13, "{sql}");
        // Characters, not bytes: the editor counts characters.
        let at = syntax_error_at("SELECT 'café', x y z FROM t", SqlDialect::Postgres).unwrap();
        assert_eq!(at, 19..20);
        let end = syntax_error_at("SELECT a FROM t WHERE  ", SqlDialect::Postgres).unwrap();
        assert_eq!(end, 21..21, "at end of input");
        assert_eq!(syntax_error_at("SELECT 1", SqlDialect::Postgres), None);
    }

    #[test]
    fn mysql_and_sqlite_errors_point_at_the_reported_place() {
        assert_eq!(marked("SELECT name\nFROM customers WHER id = 1", SqlDialect::MySql), "id");
        assert_eq!(marked("SELECT a,, b FROM t", SqlDialect::Sqlite), ",");
        assert_eq!(syntax_error_at("SELECT 1", SqlDialect::Sqlite), None);
    }
}
