//! Verified answers as lookups: a question that says what a verified one says, except for
//! literals (a year, a name, a status), is answered with the verified SQL and the new
//! literals, without a model call. The match is strict on purpose: the answer is labelled
//! `verified`, so every word but the literals must be the same (case, punctuation and plural
//! endings aside), and each changed literal must appear exactly once in the SQL as a literal.
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{repair::edits::byte_offset, words::stem};
use crate::{app::model::VerifiedAnswer, server::guard::SqlDialect};

/// Most literals a lookup may change.
const MAX_PARAMETERS: usize = 3;
/// Longest literal phrase, in words.
const MAX_LITERAL_WORDS: usize = 4;

/// A verified answer applied to a new question.
#[derive(Clone, Debug, PartialEq)]
pub struct Lookup {
    pub verified_id: String,
    pub question: String,
    pub sql: String,
    /// Each changed literal: as in the verified question, and as in the new one.
    pub parameters: Vec<(String, String)>,
}

/// A word of a question: as written, and as compared.
#[derive(Clone, Debug)]
struct Word {
    raw: String,
    key: String,
}

fn question_words(text: &str) -> Vec<Word> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '\'' || c == '-' || c == '@'))
        .map(|w| w.trim_matches(|c: char| c == '.' || c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(|w| Word { raw: w.to_string(), key: stem(w).into_owned() })
        .collect()
}

/// Where two word lists differ: pairs of differing runs, in order; None when one side has
/// words the other lacks outright (an insertion changes the question, not a literal).
fn differing_runs(old: &[Word], new: &[Word]) -> Option<Vec<(Vec<Word>, Vec<Word>)>> {
    // Longest common subsequence on the compared keys.
    let (n, m) = (old.len(), new.len());
    let mut table = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if old[i].key == new[j].key { table[i + 1][j + 1] + 1 } else { table[i + 1][j].max(table[i][j + 1]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut runs = Vec::new();
    let (mut run_old, mut run_new) = (Vec::new(), Vec::new());
    while i < n || j < m {
        if i < n && j < m && old[i].key == new[j].key {
            if !run_old.is_empty() || !run_new.is_empty() {
                runs.push((std::mem::take(&mut run_old), std::mem::take(&mut run_new)));
            }
            i += 1;
            j += 1;
        } else if j < m && (i == n || table[i][j + 1] >= table[i + 1][j]) {
            run_new.push(new[j].clone());
            j += 1;
        } else {
            run_old.push(old[i].clone());
            i += 1;
        }
    }
    if !run_old.is_empty() || !run_new.is_empty() {
        runs.push((run_old, run_new));
    }
    runs.iter().all(|(o, n)| !o.is_empty() && !n.is_empty() && o.len() <= MAX_LITERAL_WORDS && n.len() <= MAX_LITERAL_WORDS).then_some(runs)
}

fn phrase(words: &[Word]) -> String {
    words.iter().map(|w| w.raw.as_str()).collect::<Vec<_>>().join(" ")
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.parse::<f64>().is_ok()
}

/// A literal of the SQL: its byte range and what it holds.
struct Literal {
    start: usize,
    end: usize,
    text: String,
    quoted: bool,
}

/// The SQL's number and string literals, located in the text as written.
fn literals(sql: &str, dialect: SqlDialect) -> Option<Vec<Literal>> {
    let dialect = dialect.parser_dialect();
    let tokens = Tokenizer::new(dialect.as_ref(), sql).tokenize_with_location().ok()?;
    let offset = |line: u64, column: u64| byte_offset(sql, line, column);
    let mut out = Vec::new();
    for t in tokens {
        let (text, quoted) = match &t.token {
            Token::Number(n, _) => (n.clone(), false),
            Token::SingleQuotedString(s) => (s.clone(), true),
            _ => continue,
        };
        let (start, end) = (offset(t.span.start.line, t.span.start.column)?, offset(t.span.end.line, t.span.end.column)?);
        out.push(Literal { start, end, text, quoted });
    }
    Some(out)
}

/// `verified`'s SQL with its question's literals replaced by the new question's, or None
/// when the questions differ in anything but literals the SQL carries once each.
pub fn apply(question: &str, verified: &VerifiedAnswer, dialect: SqlDialect) -> Option<Lookup> {
    let (old, new) = (question_words(&verified.question), question_words(question));
    let runs = differing_runs(&old, &new)?;
    if runs.len() > MAX_PARAMETERS {
        return None;
    }
    let found = literals(&verified.sql, dialect)?;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut parameters = Vec::new();
    for (old_run, new_run) in runs {
        let (was, now) = (phrase(&old_run), phrase(&new_run));
        // A number stays a number, a name stays a name.
        if is_number(&was) != is_number(&now) {
            return None;
        }
        let same = |l: &&Literal| {
            let inner = l.text.trim_matches('%');
            if is_number(&was) { inner == was } else { l.quoted && inner.eq_ignore_ascii_case(&was) }
        };
        let mut matching = found.iter().filter(same);
        let (Some(literal), None) = (matching.next(), matching.next()) else { return None };
        let replaced = replace_in(literal, &was, &now);
        edits.push((literal.start, literal.end, replaced));
        parameters.push((was, now));
    }
    edits.sort_by_key(|e| e.0);
    let mut sql = String::with_capacity(verified.sql.len() + 16);
    let mut at = 0;
    for (start, end, text) in edits {
        sql.push_str(verified.sql.get(at..start)?);
        sql.push_str(&text);
        at = end;
    }
    sql.push_str(&verified.sql[at..]);
    Some(Lookup { verified_id: verified.id.clone(), question: verified.question.clone(), sql, parameters })
}

/// The literal as written, with the old value inside it swapped for the new one (a `LIKE`
/// pattern keeps its `%`s; quotes inside a name are doubled).
fn replace_in(literal: &Literal, was: &str, now: &str) -> String {
    if !literal.quoted {
        return now.to_string();
    }
    // The old value's place inside the literal (case-insensitively; ASCII folding keeps byte
    // offsets); a literal that is not simply "pattern around the value" becomes the value.
    let at = literal.text.to_ascii_lowercase().find(&was.to_ascii_lowercase());
    let inner = match at.and_then(|at| Some((literal.text.get(..at)?, literal.text.get(at + was.len()..)?))) {
        Some((before, after)) => format!("{before}{now}{after}"),
        None => now.to_string(),
    };
    format!("'{}'", inner.replace('\'', "''"))
}

/// The first of `pairs` that answers `question` as a lookup (skipping `exclude`).
pub fn find(question: &str, pairs: &[VerifiedAnswer], exclude: Option<&str>, dialect: SqlDialect) -> Option<Lookup> {
    pairs.iter().filter(|p| Some(p.id.as_str()) != exclude).find_map(|p| apply(question, p, dialect))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(question: &str, sql: &str) -> VerifiedAnswer {
        VerifiedAnswer {
            id: "v1".into(),
            datasource_id: "d".into(),
            question: question.into(),
            sql: sql.into(),
            shared: false,
            approved: false,
            can_approve: false,
            author: "a".into(),
            mine: true,
            updated_at_ms: 0,
        }
    }

    #[test]
    fn a_year_and_a_name_become_parameters() {
        let year = pair("How many orders were placed in 2023?", "SELECT count(*) FROM orders WHERE strftime('%Y', ordered_at) = '2023'");
        let got = apply("how many orders were placed in 2024", &year, SqlDialect::Sqlite).unwrap();
        assert_eq!(got.sql, "SELECT count(*) FROM orders WHERE strftime('%Y', ordered_at) = '2024'");
        assert_eq!(got.parameters, vec![("2023".to_string(), "2024".to_string())]);

        let city = pair("Customers in New York with more than 5 orders", "SELECT c.name FROM customer c WHERE c.city = 'New York' AND c.orders > 5");
        let got = apply("customers in Los Angeles with more than 10 orders", &city, SqlDialect::Postgres).unwrap();
        assert_eq!(got.sql, "SELECT c.name FROM customer c WHERE c.city = 'Los Angeles' AND c.orders > 10");
        let got = apply("Customers in O'Fallon with more than 5 orders", &city, SqlDialect::Postgres).unwrap();
        assert!(got.sql.contains("c.city = 'O''Fallon'"), "{}", got.sql);
        let like = pair("products named lamp", "SELECT * FROM products WHERE name ILIKE '%lamp%'");
        assert_eq!(apply("Products named chair", &like, SqlDialect::Postgres).unwrap().sql, "SELECT * FROM products WHERE name ILIKE '%chair%'");
    }

    #[test]
    fn the_same_question_is_a_lookup_without_parameters() {
        let p = pair("How many customers are there?", "SELECT count(*) FROM customers");
        let got = apply("how many CUSTOMER are there", &p, SqlDialect::Sqlite).unwrap();
        assert_eq!((got.sql.as_str(), got.parameters.len()), ("SELECT count(*) FROM customers", 0));
    }

    #[test]
    fn anything_but_a_literal_change_goes_to_the_model() {
        let p = pair("How many orders were placed in 2023?", "SELECT count(*) FROM orders WHERE year = 2023");
        assert!(apply("How many orders were cancelled in 2023?", &p, SqlDialect::Sqlite).is_none(), "a literal the SQL does not hold");
        assert!(apply("How many orders were placed in 2023 by Ana?", &p, SqlDialect::Sqlite).is_none(), "an added condition");
        assert!(apply("How many orders were placed?", &p, SqlDialect::Sqlite).is_none(), "a removed condition");
        assert!(apply("How many orders were placed in Lisbon?", &p, SqlDialect::Sqlite).is_none(), "a number is not a name");
        assert!(apply("What was the revenue per month in 2023?", &p, SqlDialect::Sqlite).is_none());
        let twice = pair("orders in 2023", "SELECT * FROM orders WHERE y = 2023 OR z = 2023");
        assert!(apply("orders in 2024", &twice, SqlDialect::Sqlite).is_none(), "which of the two is meant is a guess");
        let identifier = pair("sales in q2023", "SELECT q2023 FROM sales");
        assert!(apply("sales in q2024", &identifier, SqlDialect::Sqlite).is_none(), "identifiers are not literals");
        assert!(find("How many orders were placed in 2024?", std::slice::from_ref(&p), Some("v1"), SqlDialect::Sqlite).is_none(), "excluded");
        assert!(find("How many orders were placed in 2024?", &[p], None, SqlDialect::Sqlite).is_some());
    }
}
