//! Charts chosen from the result's shape by fixed rules (never by running model-written code),
//! drawn as plain SVG shapes so the same markup renders on the server and hydrates.
use serde_json::Value;

use super::{
    model::ResultColumn,
    table_rows::{cell_text, compare},
};

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

/// One SVG element.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Rect { x: f64, y: f64, w: f64, h: f64, title: String },
    Line { points: String },
    Dot { cx: f64, cy: f64, title: String },
    Slice { d: String, color: usize, title: String },
    Text { x: f64, y: f64, text: String, anchor: &'static str },
    Axis { x1: f64, y1: f64, x2: f64, y2: f64 },
}

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 320.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn label_number(v: f64) -> String {
    if v.abs() >= 1e6 || (v != 0.0 && v.abs() < 0.01) {
        format!("{v:.2e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Axis range with zero included for bars.
fn range(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi == lo {
        hi = lo + 1.0;
    }
    (lo, hi)
}

fn y_axis(shapes: &mut Vec<Shape>, lo: f64, hi: f64) {
    let plot_h = HEIGHT - TOP - BOTTOM;
    shapes.push(Shape::Axis { x1: LEFT, y1: TOP, x2: LEFT, y2: HEIGHT - BOTTOM });
    shapes.push(Shape::Axis { x1: LEFT, y1: HEIGHT - BOTTOM, x2: WIDTH - RIGHT, y2: HEIGHT - BOTTOM });
    for k in 0..=4 {
        let v = lo + (hi - lo) * k as f64 / 4.0;
        let y = HEIGHT - BOTTOM - plot_h * k as f64 / 4.0;
        shapes.push(Shape::Text { x: LEFT - 6.0, y: y + 4.0, text: label_number(v), anchor: "end" });
    }
}

/// The shapes of a chart of `rows` (already in display order).
pub fn draw(spec: ChartSpec, rows: &[Vec<Value>]) -> Vec<Shape> {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let mut shapes = Vec::new();
    match spec.kind {
        ChartKind::None => {}
        ChartKind::Bar => {
            let data: Vec<(String, f64)> = rows.iter().take(MAX_BARS).filter_map(|r| Some((cell_text(&r[spec.x]).into_owned(), number(&r[spec.y])?))).collect();
            let (lo, hi) = range(data.iter().map(|d| d.1), true);
            y_axis(&mut shapes, lo, hi);
            let slot = plot_w / data.len().max(1) as f64;
            let scale = |v: f64| HEIGHT - BOTTOM - (v - lo) / (hi - lo) * plot_h;
            for (i, (label, v)) in data.iter().enumerate() {
                let (top, base) = (scale(v.max(0.0)), scale(v.min(0.0)));
                let x = LEFT + slot * i as f64 + slot * 0.1;
                shapes.push(Shape::Rect { x, y: top, w: slot * 0.8, h: (base - top).max(0.5), title: format!("{label}: {}", label_number(*v)) });
                if data.len() <= 20 {
                    shapes.push(Shape::Text { x: x + slot * 0.4, y: HEIGHT - BOTTOM + 14.0, text: short(label, (slot / 6.0).max(3.0) as usize), anchor: "middle" });
                }
            }
        }
        ChartKind::Line | ChartKind::Scatter => {
            let mut data: Vec<(Value, f64, f64)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let y = number(&r[spec.y])?;
                    let x = if spec.kind == ChartKind::Line { i as f64 } else { number(&r[spec.x])? };
                    Some((r[spec.x].clone(), x, y))
                })
                .take(MAX_POINTS)
                .collect();
            if spec.kind == ChartKind::Line {
                // Time runs left to right whatever the result's order.
                data.sort_by(|a, b| compare(&a.0, &b.0, false));
                for (i, d) in data.iter_mut().enumerate() {
                    d.1 = i as f64;
                }
            }
            let (ylo, yhi) = range(data.iter().map(|d| d.2), spec.kind == ChartKind::Line && data.iter().all(|d| d.2 >= 0.0));
            let (xlo, xhi) = range(data.iter().map(|d| d.1), false);
            y_axis(&mut shapes, ylo, yhi);
            let px = |x: f64| LEFT + (x - xlo) / (xhi - xlo) * plot_w;
            let py = |y: f64| HEIGHT - BOTTOM - (y - ylo) / (yhi - ylo) * plot_h;
            if spec.kind == ChartKind::Line {
                let points = data.iter().map(|d| format!("{:.1},{:.1}", px(d.1), py(d.2))).collect::<Vec<_>>().join(" ");
                shapes.push(Shape::Line { points });
                if let (Some(first), Some(last)) = (data.first(), data.last()) {
                    shapes.push(Shape::Text { x: LEFT, y: HEIGHT - BOTTOM + 14.0, text: short(&cell_text(&first.0), 24), anchor: "start" });
                    shapes.push(Shape::Text { x: WIDTH - RIGHT, y: HEIGHT - BOTTOM + 14.0, text: short(&cell_text(&last.0), 24), anchor: "end" });
                }
            } else {
                shapes.push(Shape::Text { x: LEFT, y: HEIGHT - BOTTOM + 14.0, text: label_number(xlo), anchor: "start" });
                shapes.push(Shape::Text { x: WIDTH - RIGHT, y: HEIGHT - BOTTOM + 14.0, text: label_number(xhi), anchor: "end" });
            }
            for d in &data {
                shapes.push(Shape::Dot { cx: px(d.1), cy: py(d.2), title: format!("{}: {}", cell_text(&d.0), label_number(d.2)) });
            }
        }
        ChartKind::Pie => {
            let data: Vec<(String, f64)> = rows.iter().take(MAX_SLICES).filter_map(|r| Some((cell_text(&r[spec.x]).into_owned(), number(&r[spec.y])?.max(0.0)))).collect();
            let total: f64 = data.iter().map(|d| d.1).sum::<f64>().max(f64::MIN_POSITIVE);
            let (cx, cy, r) = (HEIGHT / 2.0, HEIGHT / 2.0, HEIGHT / 2.0 - 16.0);
            let mut angle = -std::f64::consts::FRAC_PI_2;
            for (i, (label, v)) in data.iter().enumerate() {
                let sweep = v / total * std::f64::consts::TAU;
                let (x1, y1) = (cx + r * angle.cos(), cy + r * angle.sin());
                let end = angle + sweep.min(std::f64::consts::TAU - 1e-6);
                let (x2, y2) = (cx + r * end.cos(), cy + r * end.sin());
                let large = if sweep > std::f64::consts::PI { 1 } else { 0 };
                let d = format!("M{cx:.1},{cy:.1} L{x1:.1},{y1:.1} A{r:.1},{r:.1} 0 {large} 1 {x2:.1},{y2:.1} Z");
                let pct = v / total * 100.0;
                shapes.push(Shape::Slice { d, color: i, title: format!("{label}: {} ({pct:.0}%)", label_number(*v)) });
                shapes.push(Shape::Text { x: HEIGHT + 20.0, y: 40.0 + 24.0 * i as f64, text: format!("{} — {pct:.0}%", short(label, 40)), anchor: "start" });
                angle = end;
            }
        }
    }
    shapes
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

    #[test]
    fn bars_and_slices_are_proportional() {
        let rows = vec![vec![json!("a"), json!(1)], vec![json!("b"), json!(3)]];
        let shapes = draw(ChartSpec { kind: ChartKind::Bar, x: 0, y: 1 }, &rows);
        let heights: Vec<f64> = shapes.iter().filter_map(|s| if let Shape::Rect { h, .. } = s { Some(*h) } else { None }).collect();
        assert_eq!(heights.len(), 2);
        assert!((heights[1] / heights[0] - 3.0).abs() < 1e-9, "{heights:?}");
        let slices = draw(ChartSpec { kind: ChartKind::Pie, x: 0, y: 1 }, &rows);
        let titles: Vec<&String> = slices.iter().filter_map(|s| if let Shape::Slice { title, .. } = s { Some(title) } else { None }).collect();
        assert_eq!(titles, vec!["a: 1 (25%)", "b: 3 (75%)"]);
    }

    #[test]
    fn lines_run_in_time_order() {
        let rows = vec![vec![json!("2024-03-01"), json!(1)], vec![json!("2024-01-01"), json!(2)]];
        let shapes = draw(ChartSpec { kind: ChartKind::Line, x: 0, y: 1 }, &rows);
        let Some(Shape::Line { points }) = shapes.iter().find(|s| matches!(s, Shape::Line { .. })) else { panic!("a line") };
        let ys: Vec<f64> = points.split(' ').map(|p| p.split(',').nth(1).unwrap().parse().unwrap()).collect();
        assert!(ys[0] < ys[1], "January (2) is higher on screen than March (1): {points}");
    }
}
