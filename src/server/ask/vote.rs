//! Execution-guided voting: several candidate queries for one question are run, candidates
//! whose rows are equal form a group, and the largest group is the answer. A small model's
//! right query is often among a few samples, and wrong ones rarely agree with each other, so
//! agreement of *results* (not of SQL text) both picks the answer and says how sure it is.
use serde_json::Value;

use crate::app::model::{Confidence, QueryResult};

/// A value as compared: numbers (also numeric text) to two decimals, text trimmed.
fn normalize(v: &Value) -> String {
    let number = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    };
    match (number, v) {
        (Some(f), _) => format!("{:.2}", (f * 100.0).round() / 100.0),
        (None, Value::Null) => "NULL".into(),
        (None, Value::String(s)) => s.trim().to_string(),
        (None, other) => other.to_string(),
    }
}

/// Whether `wider` has every column of `reference` with the same rows, as multisets: the same
/// number of rows, and a distinct column of `wider` for each column of `reference` such that
/// the rows agree on them (extra columns in `wider` allowed; floats to two decimals). This is
/// the sql-eval scoring rule, with `reference` the gold result.
pub fn covers(reference: &QueryResult, wider: &QueryResult) -> bool {
    if reference.rows.len() != wider.rows.len() || reference.truncated {
        return false;
    }
    let column = |r: &QueryResult, i: usize| -> Vec<String> {
        let mut c: Vec<String> = r.rows.iter().map(|row| normalize(&row[i])).collect();
        c.sort();
        c
    };
    let wider_columns: Vec<Vec<String>> = (0..wider.columns.len()).map(|i| column(wider, i)).collect();
    let mut used = vec![false; wider_columns.len()];
    let mut mapping = Vec::new();
    for g in 0..reference.columns.len() {
        let wanted = column(reference, g);
        let Some(j) = (0..wider_columns.len()).find(|&j| !used[j] && wider_columns[j] == wanted) else {
            return false;
        };
        used[j] = true;
        mapping.push(j);
    }
    let rows = |r: &QueryResult, cols: &[usize]| -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = r.rows.iter().map(|row| cols.iter().map(|&i| normalize(&row[i])).collect()).collect();
        out.sort();
        out
    };
    let reference_cols: Vec<usize> = (0..reference.columns.len()).collect();
    rows(reference, &reference_cols) == rows(wider, &mapping)
}

/// Two candidates agree when one's result covers the other's (a candidate that adds a
/// column, say the count it ordered by, reads the question the same way).
pub fn agree(a: &QueryResult, b: &QueryResult) -> bool {
    covers(a, b) || covers(b, a)
}

/// The candidates' results (None: the candidate found no working query) grouped by
/// agreement with each group's first member, ranked: groups with rows before empty ones,
/// then larger groups, then the one holding candidate 0 (the greedy one), then the earliest.
/// Each group lists candidate indices in order.
pub fn rank(results: &[Option<&QueryResult>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, result) in results.iter().enumerate() {
        let Some(result) = result else { continue };
        match groups.iter_mut().find(|g| results[g[0]].is_some_and(|first| agree(first, result))) {
            Some(group) => group.push(i),
            None => groups.push(vec![i]),
        }
    }
    let has_rows = |g: &Vec<usize>| results[g[0]].is_some_and(|r| r.row_count > 0);
    groups.sort_by_key(|g| (!has_rows(g), std::cmp::Reverse(g.len()), g[0] != 0, g[0]));
    groups
}

/// Whether the finished candidates already settle the vote: the greedy candidate (0) has
/// finished, and more than half of all `asked` agree on rows (the rest could at most tie with
/// them). Waiting for the greedy one keeps the split that matters most visible: the answer the
/// model gives at its most likely against the one the samples agree on. One candidate
/// settles itself.
pub fn decided(asked: usize, ranked: &[Vec<usize>], results: &[Option<&QueryResult>], greedy_finished: bool) -> bool {
    let Some(winner) = ranked.first() else { return asked <= 1 && greedy_finished };
    let has_rows = results[winner[0]].is_some_and(|r| r.row_count > 0);
    asked <= 1 || (greedy_finished && has_rows && winner.len() * 2 > asked)
}

/// How sure the answer (the first ranked group) is. With several candidates: high when every
/// candidate that found a query agrees, at least two do, and they found rows. With one
/// candidate there is nothing to compare, so high means it worked at the first try with rows.
pub fn confidence(asked: usize, ranked: &[Vec<usize>], answer: &QueryResult, corrected: bool) -> Confidence {
    let Some(winner) = ranked.first() else { return Confidence::Low };
    let sure = if asked <= 1 { !corrected } else { ranked.len() == 1 && winner.len() >= 2 };
    if sure && answer.row_count > 0 { Confidence::High } else { Confidence::Low }
}

/// Results for the unit tests of voting and scoring.
#[cfg(test)]
pub(crate) mod fixtures {
    use serde_json::Value;

    use crate::app::model::{QueryResult, ResultColumn};

    /// A result of text columns with these rows.
    pub fn result(cols: &[&str], rows: Vec<Vec<Value>>) -> QueryResult {
        QueryResult {
            columns: cols.iter().map(|c| ResultColumn { name: c.to_string(), type_name: "text".into() }).collect(),
            row_count: rows.len(),
            rows,
            truncated: false,
            elapsed_ms: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{fixtures::result, *};
    use serde_json::json;

    #[test]
    fn covering_is_the_multiset_rule_with_extra_columns() {
        let gold = result(&["n"], vec![vec![json!(1.004)], vec![json!(2)]]);
        let same_other_order = result(&["name", "count"], vec![vec![json!("b"), json!("2.00")], vec![json!("a"), json!(1)]]);
        assert!(covers(&gold, &same_other_order));
        assert!(!covers(&same_other_order, &gold), "gold lacks the name column");
        assert!(agree(&same_other_order, &gold));
        let different = result(&["n"], vec![vec![json!(1)], vec![json!(3)]]);
        assert!(!covers(&gold, &different));
        let fewer = result(&["n"], vec![vec![json!(1)]]);
        assert!(!covers(&gold, &fewer));
        let pairs = result(&["a", "b"], vec![vec![json!("x"), json!(1)], vec![json!("y"), json!(2)]]);
        let swapped = result(&["a", "b"], vec![vec![json!("x"), json!(2)], vec![json!("y"), json!(1)]]);
        assert!(!covers(&pairs, &swapped), "rows must stay together");
        let mut truncated = gold.clone();
        truncated.truncated = true;
        assert!(!covers(&truncated, &gold), "a cut-off result proves nothing");
    }

    #[test]
    fn the_largest_group_wins_and_ties_go_to_the_greedy_candidate() {
        let a = result(&["n"], vec![vec![json!(1)]]);
        let a_wider = result(&["name", "n"], vec![vec![json!("x"), json!(1)]]);
        let b = result(&["n"], vec![vec![json!(2)]]);
        let empty = result(&["n"], vec![]);
        // Greedy alone against two that agree: the two win.
        assert_eq!(rank(&[Some(&b), Some(&a), Some(&a_wider)]), vec![vec![1, 2], vec![0]]);
        // One each: the greedy one (candidate 0) first, then the earlier.
        assert_eq!(rank(&[Some(&b), Some(&a), None]), vec![vec![0], vec![1]]);
        assert_eq!(rank(&[None, Some(&b), Some(&a)]), vec![vec![1], vec![2]]);
        // Rows beat more votes for "nothing".
        assert_eq!(rank(&[Some(&empty), Some(&empty), Some(&a)]), vec![vec![2], vec![0, 1]]);
        assert!(rank(&[None, None]).is_empty());
    }

    #[test]
    fn a_majority_with_rows_settles_the_vote_early() {
        let a = result(&["n"], vec![vec![json!(1)]]);
        let b = result(&["n"], vec![vec![json!(2)]]);
        let empty = result(&["n"], vec![]);
        let check = |asked: usize, results: &[Option<&QueryResult>], greedy: bool| decided(asked, &rank(results), results, greedy);
        assert!(check(3, &[Some(&a), None, Some(&a)], true), "2 of 3");
        assert!(check(3, &[None, Some(&a), Some(&a)], true), "the greedy one found no query");
        assert!(!check(3, &[None, Some(&a), Some(&a)], false), "the greedy one still runs: its reading may differ");
        assert!(!check(3, &[Some(&a), Some(&b), None], true), "a split waits for the third");
        assert!(!check(4, &[Some(&a), Some(&a), None, None], true), "2 of 4 could still tie");
        assert!(!check(3, &[Some(&empty), Some(&empty), None], true), "agreeing on nothing waits for the rest");
        assert!(check(1, &[Some(&empty)], true));
        assert!(!check(3, &[None, None, None], true));
    }

    #[test]
    fn confidence_is_high_only_when_the_candidates_agree_on_rows() {
        let a = result(&["n"], vec![vec![json!(1)]]);
        let b = result(&["n"], vec![vec![json!(2)]]);
        let empty = result(&["n"], vec![]);
        let all_agree = rank(&[Some(&a), Some(&a), Some(&a)]);
        assert_eq!(confidence(3, &all_agree, &a, false), Confidence::High);
        let one_failed = rank(&[Some(&a), None, Some(&a)]);
        assert_eq!(confidence(3, &one_failed, &a, true), Confidence::High, "a candidate with no query is no counter-reading");
        let split = rank(&[Some(&a), Some(&b), Some(&a)]);
        assert_eq!(confidence(3, &split, &a, false), Confidence::Low);
        let alone = rank(&[Some(&a), None, None]);
        assert_eq!(confidence(3, &alone, &a, false), Confidence::Low, "one survivor is not agreement");
        let nothing = rank(&[Some(&empty), Some(&empty)]);
        assert_eq!(confidence(2, &nothing, &empty, false), Confidence::Low);
        assert_eq!(confidence(1, &rank(&[Some(&a)]), &a, false), Confidence::High);
        assert_eq!(confidence(1, &rank(&[Some(&a)]), &a, true), Confidence::Low, "a corrected single answer");
        assert_eq!(confidence(3, &[], &a, false), Confidence::Low);
    }
}
