//! The SVG shapes of a chart. Every value shown is honest: axes tick at round values and are
//! titled with the column names, a pie with too many slices folds the smallest into "Other"
//! (its share of the real total), bars turn horizontal when their labels would not fit under
//! them, and long series label every k-th bar rather than none.
use serde_json::Value;

use super::{
    is_temporal_text, number,
    ticks::{nice_ticks, tick_labels},
    ChartKind, ChartSpec, MAX_BARS, MAX_POINTS, MAX_SLICES,
};
use crate::app::table_rows::{cell_text, compare};

/// One SVG element.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Rect { x: f64, y: f64, w: f64, h: f64, title: String },
    Line { points: String },
    Dot { cx: f64, cy: f64, title: String },
    Slice { d: String, color: usize, title: String },
    /// A legend's colour key.
    Swatch { x: f64, y: f64, color: usize },
    Text { x: f64, y: f64, text: String, anchor: &'static str },
    /// An axis title: the column's name (`vertical` for the y axis).
    Title { x: f64, y: f64, text: String, anchor: &'static str, vertical: bool },
    Axis { x1: f64, y1: f64, x2: f64, y2: f64 },
}

/// A chart's shapes and its height (horizontal bars grow with their number).
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    pub shapes: Vec<Shape>,
    pub height: f64,
}

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 320.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 52.0;
/// Width of one character of the 11 px labels, for fitting them (an estimate: no fonts on the server).
const CHAR_PX: f64 = 6.5;
/// Longest label drawn under a bar or beside a horizontal one (the full text is in its tooltip).
const LABEL_CHARS: usize = 24;
/// Height of one horizontal bar's row, and most bars drawn that way.
const ROW_PX: f64 = 22.0;
const MAX_HORIZONTAL_BARS: usize = 30;
/// Labels along a line chart's time axis.
const TIME_LABELS: usize = 6;
/// Intervals aimed for on a value axis.
const TICK_INTERVALS: usize = 4;

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n.max(2) - 1).collect::<String>())
    }
}

/// A value in a tooltip: exact, with at most two decimals.
fn label_number(v: f64) -> String {
    if v.abs() >= 1e12 || (v != 0.0 && v.abs() < 0.01) {
        format!("{v:.2e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The extent of `values`, with zero included for bars; never empty.
fn extent(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
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

/// A vertical value axis with round ticks and its title; returns the value → y mapping bounds.
fn value_axis_left(shapes: &mut Vec<Shape>, lo: f64, hi: f64, title: &str, height: f64) -> (f64, f64) {
    let ticks = nice_ticks(lo, hi, TICK_INTERVALS);
    let plot_h = height - TOP - BOTTOM;
    shapes.push(Shape::Axis { x1: LEFT, y1: TOP, x2: LEFT, y2: height - BOTTOM });
    shapes.push(Shape::Axis { x1: LEFT, y1: height - BOTTOM, x2: WIDTH - RIGHT, y2: height - BOTTOM });
    for (v, text) in ticks.values.iter().zip(tick_labels(&ticks)) {
        let y = height - BOTTOM - (v - ticks.lo) / (ticks.hi - ticks.lo) * plot_h;
        shapes.push(Shape::Text { x: LEFT - 6.0, y: y + 4.0, text, anchor: "end" });
    }
    shapes.push(Shape::Title { x: 14.0, y: TOP + plot_h / 2.0, text: short(title, 40), anchor: "middle", vertical: true });
    (ticks.lo, ticks.hi)
}

fn x_title(shapes: &mut Vec<Shape>, title: &str, height: f64) {
    shapes.push(Shape::Title { x: LEFT + (WIDTH - LEFT - RIGHT) / 2.0, y: height - 8.0, text: short(title, 60), anchor: "middle", vertical: false });
}

/// The shapes of a chart of `rows` (already in display order); `names` are the column names.
pub fn draw(spec: ChartSpec, rows: &[Vec<Value>], names: &[String]) -> Drawing {
    let name = |i: usize| names.get(i).map(String::as_str).unwrap_or_default();
    match spec.kind {
        ChartKind::None => Drawing { shapes: vec![], height: HEIGHT },
        ChartKind::Bar => {
            let data: Vec<(String, f64)> = rows.iter().take(MAX_BARS).filter_map(|r| Some((cell_text(&r[spec.x]).into_owned(), number(&r[spec.y])?))).collect();
            let slot = (WIDTH - LEFT - RIGHT) / data.len().max(1) as f64;
            let longest = data.iter().map(|d| d.0.chars().count().min(LABEL_CHARS)).max().unwrap_or(0);
            let fits_under = longest as f64 * CHAR_PX <= slot;
            let is_time = data.iter().all(|d| is_temporal_text(&d.0));
            if !fits_under && !is_time && data.len() <= MAX_HORIZONTAL_BARS {
                horizontal_bars(&data, name(spec.x), name(spec.y))
            } else {
                vertical_bars(&data, name(spec.x), name(spec.y))
            }
        }
        ChartKind::Line | ChartKind::Scatter => points(spec, rows, name(spec.x), name(spec.y)),
        ChartKind::Pie => pie(rows, spec),
    }
}

fn vertical_bars(data: &[(String, f64)], x_name: &str, y_name: &str) -> Drawing {
    let mut shapes = Vec::new();
    let (lo, hi) = extent(data.iter().map(|d| d.1), true);
    let (lo, hi) = value_axis_left(&mut shapes, lo, hi, y_name, HEIGHT);
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = (WIDTH - LEFT - RIGHT) / data.len().max(1) as f64;
    let scale = |v: f64| HEIGHT - BOTTOM - (v - lo) / (hi - lo) * plot_h;
    // Label every k-th bar so that labels never overlap (a 31-month series still reads).
    let label_chars = data.iter().map(|d| d.0.chars().count().min(LABEL_CHARS)).max().unwrap_or(1);
    let every = ((label_chars as f64 * CHAR_PX + 8.0) / slot).ceil().max(1.0) as usize;
    for (i, (label, v)) in data.iter().enumerate() {
        let (top, base) = (scale(v.max(0.0)), scale(v.min(0.0)));
        let x = LEFT + slot * i as f64 + slot * 0.1;
        shapes.push(Shape::Rect { x, y: top, w: slot * 0.8, h: (base - top).max(0.5), title: format!("{label}: {}", label_number(*v)) });
        if i % every == 0 {
            shapes.push(Shape::Text { x: x + slot * 0.4, y: HEIGHT - BOTTOM + 14.0, text: short(label, LABEL_CHARS), anchor: "middle" });
        }
    }
    x_title(&mut shapes, x_name, HEIGHT);
    Drawing { shapes, height: HEIGHT }
}

/// Bars lying down, labels to their left: long category names stay readable.
fn horizontal_bars(data: &[(String, f64)], x_name: &str, y_name: &str) -> Drawing {
    let mut shapes = Vec::new();
    let top = TOP + 14.0;
    let height = top + ROW_PX * data.len() as f64 + BOTTOM;
    let longest = data.iter().map(|d| d.0.chars().count().min(LABEL_CHARS)).max().unwrap_or(1);
    let left = (longest as f64 * CHAR_PX + 16.0).max(LEFT);
    let (lo, hi) = extent(data.iter().map(|d| d.1), true);
    let ticks = nice_ticks(lo, hi, TICK_INTERVALS);
    let plot_w = WIDTH - left - RIGHT;
    let px = |v: f64| left + (v - ticks.lo) / (ticks.hi - ticks.lo) * plot_w;
    shapes.push(Shape::Axis { x1: left, y1: top, x2: left, y2: height - BOTTOM });
    shapes.push(Shape::Axis { x1: left, y1: height - BOTTOM, x2: WIDTH - RIGHT, y2: height - BOTTOM });
    for (v, text) in ticks.values.iter().zip(tick_labels(&ticks)) {
        shapes.push(Shape::Text { x: px(*v), y: height - BOTTOM + 14.0, text, anchor: "middle" });
    }
    for (i, (label, v)) in data.iter().enumerate() {
        let y = top + ROW_PX * i as f64;
        let (start, end) = (px(v.min(0.0)), px(v.max(0.0)));
        shapes.push(Shape::Rect { x: start, y: y + 3.0, w: (end - start).max(0.5), h: ROW_PX - 6.0, title: format!("{label}: {}", label_number(*v)) });
        shapes.push(Shape::Text { x: left - 6.0, y: y + ROW_PX / 2.0 + 4.0, text: short(label, LABEL_CHARS), anchor: "end" });
    }
    shapes.push(Shape::Title { x: 8.0, y: TOP + 2.0, text: short(x_name, 60), anchor: "start", vertical: false });
    shapes.push(Shape::Title { x: left + plot_w / 2.0, y: height - 8.0, text: short(y_name, 60), anchor: "middle", vertical: false });
    Drawing { shapes, height }
}

fn points(spec: ChartSpec, rows: &[Vec<Value>], x_name: &str, y_name: &str) -> Drawing {
    let mut shapes = Vec::new();
    let line = spec.kind == ChartKind::Line;
    let mut data: Vec<(Value, f64, f64)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let y = number(&r[spec.y])?;
            let x = if line { i as f64 } else { number(&r[spec.x])? };
            Some((r[spec.x].clone(), x, y))
        })
        .take(MAX_POINTS)
        .collect();
    if line {
        // Time runs left to right whatever the result's order.
        data.sort_by(|a, b| compare(&a.0, &b.0, false));
        for (i, d) in data.iter_mut().enumerate() {
            d.1 = i as f64;
        }
    }
    let (ylo, yhi) = extent(data.iter().map(|d| d.2), line && data.iter().all(|d| d.2 >= 0.0));
    let (ylo, yhi) = value_axis_left(&mut shapes, ylo, yhi, y_name, HEIGHT);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let (xlo, xhi) = if line {
        extent(data.iter().map(|d| d.1), false)
    } else {
        let (lo, hi) = extent(data.iter().map(|d| d.1), false);
        let ticks = nice_ticks(lo, hi, TICK_INTERVALS);
        (ticks.lo, ticks.hi)
    };
    let px = |x: f64| LEFT + (x - xlo) / (xhi - xlo) * plot_w;
    let py = |y: f64| HEIGHT - BOTTOM - (y - ylo) / (yhi - ylo) * plot_h;
    let below = HEIGHT - BOTTOM + 14.0;
    if line {
        let points = data.iter().map(|d| format!("{:.1},{:.1}", px(d.1), py(d.2))).collect::<Vec<_>>().join(" ");
        shapes.push(Shape::Line { points });
        // A few times spread along the axis, the first and last at its ends.
        let shown = data.len().min(TIME_LABELS);
        for k in 0..shown {
            let i = if shown == 1 { 0 } else { k * (data.len() - 1) / (shown - 1) };
            let anchor = if k == 0 { "start" } else if k + 1 == shown { "end" } else { "middle" };
            shapes.push(Shape::Text { x: px(data[i].1), y: below, text: short(&cell_text(&data[i].0), 16), anchor });
        }
    } else {
        let ticks = nice_ticks(xlo, xhi, TICK_INTERVALS);
        for (v, text) in ticks.values.iter().zip(tick_labels(&ticks)) {
            shapes.push(Shape::Text { x: px(*v), y: below, text, anchor: "middle" });
        }
    }
    for d in &data {
        shapes.push(Shape::Dot { cx: px(d.1), cy: py(d.2), title: format!("{}: {}", cell_text(&d.0), label_number(d.2)) });
    }
    x_title(&mut shapes, x_name, HEIGHT);
    Drawing { shapes, height: HEIGHT }
}

/// Slices of the real total: past `MAX_SLICES`, the smallest fold into one "Other" slice.
fn pie(rows: &[Vec<Value>], spec: ChartSpec) -> Drawing {
    let mut data: Vec<(String, f64)> = rows.iter().filter_map(|r| Some((cell_text(&r[spec.x]).into_owned(), number(&r[spec.y])?.max(0.0)))).collect();
    if data.len() > MAX_SLICES {
        data.sort_by(|a, b| b.1.total_cmp(&a.1));
        let rest = data.split_off(MAX_SLICES - 1);
        data.push((format!("Other ({} more)", rest.len()), rest.iter().map(|d| d.1).sum()));
    }
    let total: f64 = data.iter().map(|d| d.1).sum::<f64>().max(f64::MIN_POSITIVE);
    let (cx, cy, r) = (HEIGHT / 2.0, HEIGHT / 2.0, HEIGHT / 2.0 - 16.0);
    let mut shapes = Vec::new();
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
        let y = 40.0 + 24.0 * i as f64;
        shapes.push(Shape::Swatch { x: HEIGHT + 20.0, y: y - 10.0, color: i });
        shapes.push(Shape::Text { x: HEIGHT + 38.0, y, text: format!("{} — {pct:.0}%", short(label, 36)), anchor: "start" });
        angle = end;
    }
    Drawing { shapes, height: HEIGHT }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names() -> Vec<String> {
        vec!["label".into(), "value".into()]
    }

    fn rects(d: &Drawing) -> Vec<(f64, f64, f64, f64)> {
        d.shapes.iter().filter_map(|s| if let Shape::Rect { x, y, w, h, .. } = s { Some((*x, *y, *w, *h)) } else { None }).collect()
    }

    fn texts(d: &Drawing) -> Vec<String> {
        d.shapes.iter().filter_map(|s| if let Shape::Text { text, .. } = s { Some(text.clone()) } else { None }).collect()
    }

    fn titles(d: &Drawing) -> Vec<(String, bool)> {
        d.shapes.iter().filter_map(|s| if let Shape::Title { text, vertical, .. } = s { Some((text.clone(), *vertical)) } else { None }).collect()
    }

    #[test]
    fn bars_are_proportional_on_round_ticks_with_titled_axes() {
        let rows = vec![vec![json!("a"), json!(1)], vec![json!("b"), json!(3)]];
        let d = draw(ChartSpec { kind: ChartKind::Bar, x: 0, y: 1 }, &rows, &names());
        let heights: Vec<f64> = rects(&d).iter().map(|r| r.3).collect();
        assert!((heights[1] / heights[0] - 3.0).abs() < 1e-9, "{heights:?}");
        assert_eq!(titles(&d), vec![("value".to_string(), true), ("label".to_string(), false)]);
        let sales = vec![vec![json!("a"), json!(19972.55)], vec![json!("b"), json!(12000)]];
        let d = draw(ChartSpec { kind: ChartKind::Bar, x: 0, y: 1 }, &sales, &names());
        assert!(texts(&d).starts_with(&["0", "5k", "10k", "15k", "20k"].map(String::from)), "{:?}", texts(&d));
    }

    #[test]
    fn long_series_label_every_kth_bar_and_long_names_lie_down() {
        let months: Vec<Vec<Value>> = (0..31).map(|i| vec![json!(format!("{}-{:02}", 2022 + i / 12, i % 12 + 1)), json!(i)]).collect();
        let d = draw(ChartSpec { kind: ChartKind::Bar, x: 0, y: 1 }, &months, &names());
        let labels: Vec<String> = texts(&d).into_iter().filter(|t| t.contains('-')).collect();
        assert!(labels.len() >= 5 && labels.len() < 31, "{labels:?}");
        assert_eq!(labels[0], "2022-01");
        assert!(rects(&d).iter().all(|r| r.2 < r.3 + 20.0), "time stays vertical");

        let countries = ["United Kingdom of Great Britain", "United States", "Germany", "France", "Netherlands", "Belgium", "Switzerland", "Austria", "Spain", "Italy", "Portugal", "Ireland"];
        let rows: Vec<Vec<Value>> = countries.iter().enumerate().map(|(i, c)| vec![json!(c), json!(100 - i)]).collect();
        let d = draw(ChartSpec { kind: ChartKind::Bar, x: 0, y: 1 }, &rows, &names());
        let bars = rects(&d);
        assert!(bars.iter().all(|r| r.2 > r.3), "horizontal: wider than tall");
        assert!(texts(&d).contains(&"United Kingdom of Great…".to_string()) && texts(&d).contains(&"United States".to_string()), "{:?}", texts(&d));
        assert!(d.height >= 12.0 * ROW_PX, "room for every bar: {}", d.height);
    }

    #[test]
    fn a_pie_folds_the_smallest_into_other_and_keeps_true_shares() {
        let rows: Vec<Vec<Value>> = [40, 20, 10, 10, 5, 5, 5, 5].iter().enumerate().map(|(i, v)| vec![json!(format!("s{i}")), json!(v)]).collect();
        let d = draw(ChartSpec { kind: ChartKind::Pie, x: 0, y: 1 }, &rows, &names());
        let titles: Vec<&String> = d.shapes.iter().filter_map(|s| if let Shape::Slice { title, .. } = s { Some(title) } else { None }).collect();
        assert_eq!(titles, vec!["s0: 40 (40%)", "s1: 20 (20%)", "s2: 10 (10%)", "s3: 10 (10%)", "s4: 5 (5%)", "Other (3 more): 15 (15%)"]);
        assert_eq!(d.shapes.iter().filter(|s| matches!(s, Shape::Swatch { .. })).count(), 6, "each legend entry has its colour");
        let two = vec![vec![json!("a"), json!(1)], vec![json!("b"), json!(3)]];
        let d = draw(ChartSpec { kind: ChartKind::Pie, x: 0, y: 1 }, &two, &names());
        assert!(texts(&d).contains(&"a — 25%".to_string()));
    }

    #[test]
    fn lines_run_in_time_order_with_times_along_the_axis() {
        let rows = vec![vec![json!("2024-03-01"), json!(1)], vec![json!("2024-01-01"), json!(2)], vec![json!("2024-02-01"), json!(2)]];
        let d = draw(ChartSpec { kind: ChartKind::Line, x: 0, y: 1 }, &rows, &names());
        let Some(Shape::Line { points }) = d.shapes.iter().find(|s| matches!(s, Shape::Line { .. })) else { panic!("a line") };
        let ys: Vec<f64> = points.split(' ').map(|p| p.split(',').nth(1).unwrap().parse().unwrap()).collect();
        assert!(ys[0] < ys[2], "January (2) is higher on screen than March (1): {points}");
        let t = texts(&d);
        assert!(t.contains(&"2024-01-01".into()) && t.contains(&"2024-02-01".into()) && t.contains(&"2024-03-01".into()), "{t:?}");
    }
}
