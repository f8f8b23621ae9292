//! Replacing identifiers in the text as written, at the places sqlparser read them.
use sqlparser::ast::Ident;

/// New text for one identifier of the query.
pub struct Edit<'a> {
    pub ident: &'a Ident,
    pub text: String,
}

/// `sql` with each edited identifier replaced. None when an identifier is not where its
/// span says, as written (then the text is left to the model rather than guessed at).
pub fn apply(sql: &str, edits: &[Edit]) -> Option<String> {
    let mut ranges: Vec<(usize, usize, &str)> = Vec::with_capacity(edits.len());
    for edit in edits {
        let start = byte_offset(sql, edit.ident.span.start.line, edit.ident.span.start.column)?;
        let written = edit.ident.to_string();
        let end = start + written.len();
        if sql.get(start..end) != Some(written.as_str()) {
            return None;
        }
        ranges.push((start, end, &edit.text));
    }
    ranges.sort_by_key(|r| r.0);
    ranges.dedup_by_key(|r| r.0);
    if ranges.windows(2).any(|w| w[0].1 > w[1].0) {
        return None;
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut at = 0;
    for (start, end, text) in ranges {
        out.push_str(&sql[at..start]);
        out.push_str(text);
        at = end;
    }
    out.push_str(&sql[at..]);
    Some(out)
}

/// The byte offset of a 1-based line and column (counted in characters, as sqlparser does).
pub(in crate::server::ask) fn byte_offset(sql: &str, line: u64, column: u64) -> Option<usize> {
    let (line, column) = (usize::try_from(line).ok()?.checked_sub(1)?, usize::try_from(column).ok()?.checked_sub(1)?);
    let line_start = if line == 0 { 0 } else { sql.match_indices('\n').nth(line - 1)?.0 + 1 };
    let rest = &sql[line_start..];
    match rest.char_indices().nth(column) {
        Some((i, _)) => Some(line_start + i),
        None => (rest.chars().count() == column).then_some(sql.len()),
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::{
        ast::{visit_expressions, Expr},
        dialect::PostgreSqlDialect,
        parser::Parser,
    };

    use super::*;

    fn idents(sql: &str) -> Vec<Ident> {
        let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap();
        let mut found = Vec::new();
        let _ = visit_expressions(&statements, |e| {
            match e {
                Expr::Identifier(i) => found.push(i.clone()),
                Expr::CompoundIdentifier(parts) => found.extend(parts.iter().cloned()),
                _ => {}
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        found
    }

    #[test]
    fn identifiers_are_replaced_where_they_were_written_non_ascii_and_quoted_too() {
        let sql = "SELECT é.prix,\n  \"Größe\" FROM café é -- ü\nWHERE é.prix > 1";
        let ids = idents(sql);
        let edits: Vec<Edit> = ids.iter().map(|i| Edit { ident: i, text: format!("<{}>", i.value) }).collect();
        assert_eq!(apply(sql, &edits).unwrap(), "SELECT <é>.<prix>,\n  <Größe> FROM café é -- ü\nWHERE <é>.<prix> > 1");
    }

    #[test]
    fn an_identifier_not_where_its_span_says_stops_the_edit() {
        let ids = idents("SELECT abc FROM t");
        assert!(apply("SELECT xyz FROM t", &[Edit { ident: &ids[0], text: "q".into() }]).is_none());
    }
}
