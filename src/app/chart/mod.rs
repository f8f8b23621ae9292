//! Charts chosen from the result's shape by fixed rules (never by running model-written code),
//! drawn as plain SVG shapes (`draw`) so the same markup renders on the server and hydrates.
use serde_json::Value;

use super::model::ResultColumn;

mod draw;
mod ticks;
pub use draw::{draw, Drawing, Shape, HEIGHT, WIDTH};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    Bar,
    Line,
    Pie,
    Scatter,
    None,
}

impl ChartKind {
    pub const ALL: [ChartKind; 5] = [ChartKind::Bar, ChartKind::Line, ChartKind::Pie, ChartKind::Scatter, ChartKind::None];
    pub fn as_str(self) -> &'static str {
        match self {
            ChartKind::Bar => "bar",
            ChartKind::Line => "line",
            ChartKind::Pie => "pie",
            ChartKind::Scatter => "scatter",
            ChartKind::None => "none",
        }
    }
    pub fn parse(s: &str) -> ChartKind {
        ChartKind::ALL.into_iter().find(|k| k.as_str() == s).unwrap_or(ChartKind::None)
    }
}

/// Which chart, and which columns go on the axes (for a pie: labels and sizes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub x: usize,
    pub y: usize,
}

/// Most bars, slices and points drawn.
pub const MAX_BARS: usize = 60;
pub const MAX_SLICES: usize = 6;
pub const MAX_POINTS: usize = 2_000;

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// `2024-01-31…`: text that reads as a date.
pub fn is_temporal_text(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 7 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[5..7].iter().all(u8::is_ascii_digit)
}

pub fn is_temporal(column: &ResultColumn, rows: &[Vec<Value>], i: usize) -> bool {
    let t = column.type_name.to_lowercase();
    (t.contains("date") || t.contains("time")) && !t.contains("interval")
        || (!rows.is_empty() && rows.iter().all(|r| match &r[i] {
            Value::Null => true,
            Value::String(s) => is_temporal_text(s),
            _ => false,
        }) && rows.iter().any(|r| !r[i].is_null()))
}

/// The deterministic choice: a time column and a number → line; a few non-negative shares →
/// pie; labels and numbers → bar; two numbers → scatter; anything else → no chart.
pub fn choose(columns: &[ResultColumn], rows: &[Vec<Value>], numeric: &[bool]) -> ChartSpec {
    let none = ChartSpec { kind: ChartKind::None, x: 0, y: 0 };
    if rows.is_empty() || columns.len() < 2 {
        return none;
    }
    let temporal: Vec<usize> = (0..columns.len()).filter(|&i| is_temporal(&columns[i], rows, i)).collect();
    let numbers: Vec<usize> = (0..columns.len()).filter(|&i| numeric[i] && !temporal.contains(&i)).collect();
    let labels: Vec<usize> = (0..columns.len()).filter(|&i| !numeric[i] && !temporal.contains(&i)).collect();
    let Some(&y) = numbers.first() else { return none };
    if let Some(&x) = temporal.first() {
        if rows.len() >= 2 {
            return ChartSpec { kind: ChartKind::Line, x, y };
        }
    }
    if let Some(&x) = labels.first() {
        let values: Vec<f64> = rows.iter().filter_map(|r| number(&r[y])).collect();
        if rows.len() <= MAX_SLICES && rows.len() >= 2 && values.iter().all(|v| *v >= 0.0) && values.iter().sum::<f64>() > 0.0 {
            return ChartSpec { kind: ChartKind::Pie, x, y };
        }
        if rows.len() <= MAX_BARS {
            return ChartSpec { kind: ChartKind::Bar, x, y };
        }
        return none;
    }
    if numbers.len() >= 2 && rows.len() >= 3 {
        return ChartSpec { kind: ChartKind::Scatter, x: numbers[0], y: numbers[1] };
    }
    none
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn col(name: &str, t: &str) -> ResultColumn {
        ResultColumn { name: name.into(), type_name: t.into() }
    }

    #[test]
    fn the_shape_of_the_result_picks_the_chart() {
        let by_month = vec![vec![json!("2024-01-01"), json!(3)], vec![json!("2024-02-01"), json!(5)]];
        assert_eq!(choose(&[col("month", "text"), col("n", "int8")], &by_month, &[false, true]).kind, ChartKind::Line);
        let shares = vec![vec![json!("card"), json!(60)], vec![json!("cash"), json!(40)]];
        assert_eq!(choose(&[col("method", "text"), col("n", "int8")], &shares, &[false, true]), ChartSpec { kind: ChartKind::Pie, x: 0, y: 1 });
        let many: Vec<Vec<Value>> = (0..12).map(|i| vec![json!(format!("p{i}")), json!(i)]).collect();
        assert_eq!(choose(&[col("product", "text"), col("sold", "int8")], &many, &[false, true]).kind, ChartKind::Bar);
        let negative = vec![vec![json!("a"), json!(-1)], vec![json!("b"), json!(2)]];
        assert_eq!(choose(&[col("k", "text"), col("v", "int8")], &negative, &[false, true]).kind, ChartKind::Bar, "no pie of negative shares");
        let points: Vec<Vec<Value>> = (0..5).map(|i| vec![json!(i), json!(i * i)]).collect();
        assert_eq!(choose(&[col("x", "float8"), col("y", "float8")], &points, &[true, true]).kind, ChartKind::Scatter);
        let too_many: Vec<Vec<Value>> = (0..100).map(|i| vec![json!(format!("c{i}")), json!(i)]).collect();
        assert_eq!(choose(&[col("c", "text"), col("v", "int8")], &too_many, &[false, true]).kind, ChartKind::None);
        assert_eq!(choose(&[col("name", "text")], &[vec![json!("a")]], &[false]).kind, ChartKind::None);
        assert_eq!(choose(&[col("a", "text"), col("b", "text")], &[vec![json!("a"), json!("b")]], &[false, false]).kind, ChartKind::None);
    }
}
