//! What the result table does with rows, as plain functions: sort, filter, copy as text.
use std::{borrow::Cow, cmp::Ordering};

use serde_json::Value;

use super::model::{QueryResult, ResultColumn};

/// Sort state: column index and direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortBy {
    pub column: usize,
    pub descending: bool,
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

/// NULLs last; numbers by value in numeric columns; everything else as text.
pub fn compare(a: &Value, b: &Value, numeric: bool) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    if numeric {
        if let (Some(x), Some(y)) = (as_number(a), as_number(b)) {
            return x.total_cmp(&y);
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => cell_text(a).to_lowercase().cmp(&cell_text(b).to_lowercase()),
    }
}

/// A cell as plain text (NULL as empty), borrowed when the cell is text: sorting, filtering
/// and exports read every cell, and most are.
pub fn cell_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Null => Cow::Borrowed(""),
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

pub fn numeric_columns(columns: &[ResultColumn], rows: &[Vec<Value>]) -> Vec<bool> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| QueryResult::is_numeric_type(&c.type_name) || (!rows.is_empty() && rows.iter().all(|r| r[i].is_null() || r[i].is_number())))
        .collect()
}

/// Indices of the rows to show: those containing `filter` (any cell, ignoring case), sorted.
/// Stable, so equal keys keep the database's order.
pub fn view_order(rows: &[Vec<Value>], numeric: &[bool], sort: Option<SortBy>, filter: &str) -> Vec<usize> {
    let needle = filter.trim().to_lowercase();
    let mut idx: Vec<usize> = (0..rows.len())
        .filter(|&i| needle.is_empty() || rows[i].iter().any(|c| !c.is_null() && cell_text(c).to_lowercase().contains(&needle)))
        .collect();
    if let Some(s) = sort {
        let n = numeric.get(s.column).copied().unwrap_or(false);
        idx.sort_by(|&a, &b| {
            let o = compare(&rows[a][s.column], &rows[b][s.column], n);
            // NULLs stay last in both directions.
            if s.descending && !rows[a][s.column].is_null() && !rows[b][s.column].is_null() {
                o.reverse()
            } else {
                o
            }
        });
    }
    idx
}

/// Tab-separated text, which spreadsheets and editors paste as a table.
pub fn to_tsv(columns: &[ResultColumn], rows: &[Vec<Value>], order: &[usize]) -> String {
    let mut out = columns.iter().map(|c| c.name.replace(['\t', '\n', '\r'], " ")).collect::<Vec<_>>().join("\t");
    for &i in order {
        out.push('\n');
        out.push_str(&row_tsv(&rows[i]));
    }
    out
}

pub fn row_tsv(row: &[Value]) -> String {
    row.iter().map(|c| cell_text(c).replace(['\t', '\n', '\r'], " ")).collect::<Vec<_>>().join("\t")
}

/// Rows a Page Up or Page Down moves by in a result grid.
pub const PAGE_ROWS: usize = 20;

/// Where a key moves the focus in a grid of `rows` × `columns` cells from `(row, column)`
/// (positions as shown): arrows one cell, Page Up/Down a page, Home/End the row's ends, and
/// with Ctrl the grid's first or last cell. None for any other key.
pub fn grid_step(key: &str, ctrl: bool, (row, column): (usize, usize), rows: usize, columns: usize) -> Option<(usize, usize)> {
    if rows == 0 || columns == 0 {
        return None;
    }
    let (last_row, last_column) = (rows - 1, columns - 1);
    let to = match key {
        "ArrowDown" => (row + 1, column),
        "ArrowUp" => (row.saturating_sub(1), column),
        "ArrowRight" => (row, column + 1),
        "ArrowLeft" => (row, column.saturating_sub(1)),
        "PageDown" => (row + PAGE_ROWS, column),
        "PageUp" => (row.saturating_sub(PAGE_ROWS), column),
        "Home" if ctrl => (0, 0),
        "End" if ctrl => (last_row, last_column),
        "Home" => (row, 0),
        "End" => (row, last_column),
        _ => return None,
    };
    Some((to.0.min(last_row), to.1.min(last_column)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cols(names: &[&str]) -> Vec<ResultColumn> {
        names.iter().map(|n| ResultColumn { name: n.to_string(), type_name: "text".into() }).collect()
    }

    #[test]
    fn sorts_numbers_by_value_text_ignoring_case_and_nulls_last() {
        let rows = vec![vec![json!("b"), json!("10.5")], vec![json!(null), json!("9")], vec![json!("A"), json!(null)], vec![json!("c"), json!("-1")]];
        let numeric = [false, true];
        assert_eq!(view_order(&rows, &numeric, Some(SortBy { column: 1, descending: false }), ""), vec![3, 1, 0, 2]);
        assert_eq!(view_order(&rows, &numeric, Some(SortBy { column: 1, descending: true }), ""), vec![0, 1, 3, 2]);
        assert_eq!(view_order(&rows, &numeric, Some(SortBy { column: 0, descending: false }), ""), vec![2, 0, 3, 1]);
        assert_eq!(view_order(&rows, &numeric, None, "a"), vec![2], "filter ignores case");
        assert_eq!(view_order(&rows, &numeric, None, "null"), Vec::<usize>::new(), "NULL is not the text null");
    }

    #[test]
    fn copies_as_tab_separated_text() {
        let rows = vec![vec![json!("x\ty"), json!(1)], vec![json!(null), json!(true)]];
        assert_eq!(to_tsv(&cols(&["a", "b"]), &rows, &[1, 0]), "a\tb\n\ttrue\nx y\t1");
    }

    #[test]
    fn number_columns_are_recognised_by_type_or_values() {
        let columns = vec![ResultColumn { name: "n".into(), type_name: "int8".into() }, ResultColumn { name: "x".into(), type_name: "".into() }, ResultColumn { name: "t".into(), type_name: "text".into() }];
        let rows = vec![vec![json!(1), json!(2.5), json!("a")], vec![json!(2), json!(null), json!("b")]];
        assert_eq!(numeric_columns(&columns, &rows), vec![true, true, false]);
    }

    #[test]
    fn keys_move_through_the_grid_and_stop_at_its_edges() {
        let step = |key, ctrl, at| grid_step(key, ctrl, at, 30, 3);
        assert_eq!(step("ArrowDown", false, (0, 0)), Some((1, 0)));
        assert_eq!(step("ArrowUp", false, (0, 1)), Some((0, 1)));
        assert_eq!(step("ArrowRight", false, (4, 2)), Some((4, 2)));
        assert_eq!(step("ArrowLeft", false, (4, 2)), Some((4, 1)));
        assert_eq!(step("PageDown", false, (15, 1)), Some((29, 1)));
        assert_eq!(step("PageUp", false, (15, 1)), Some((0, 1)));
        assert_eq!(step("End", false, (7, 0)), Some((7, 2)));
        assert_eq!(step("Home", true, (7, 2)), Some((0, 0)));
        assert_eq!(step("End", true, (7, 0)), Some((29, 2)));
        assert_eq!(step("a", false, (7, 0)), None);
        assert_eq!(grid_step("ArrowDown", false, (0, 0), 0, 3), None, "an empty result has no cells");
    }
}
