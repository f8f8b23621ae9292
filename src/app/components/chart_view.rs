//! The chart of a result: type and axes chosen by `chart::choose`, switchable by the person;
//! drawn as SVG (server-rendered like the rest of the page) and downloadable as SVG or PNG.
use leptos::prelude::*;
use serde_json::Value;

#[cfg(feature = "hydrate")]
use crate::app::browser;
use crate::app::{
    chart::{choose, draw, ChartKind, ChartSpec, Shape, WIDTH},
    model::ResultColumn,
    table_rows::numeric_columns,
};

/// Slice colours. Colours are attributes, not CSS, so a downloaded SVG or PNG looks the same.
const PALETTE: [&str; 6] = ["#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#6b7280"];

fn shape_view(shape: Shape) -> AnyView {
    match shape {
        Shape::Rect { x, y, w, h, title } => view! { <rect class="bar" x=x y=y width=w height=h fill=PALETTE[0]><title>{title}</title></rect> }.into_any(),
        Shape::Line { points } => view! { <polyline class="line" points=points fill="none" stroke="#2563eb" stroke-width="2"/> }.into_any(),
        Shape::Dot { cx, cy, title } => view! { <circle class="dot" cx=cx cy=cy r="3.5" fill="#1d4ed8"><title>{title}</title></circle> }.into_any(),
        Shape::Slice { d, color, title } => view! { <path class="slice" d=d fill=PALETTE[color % PALETTE.len()]><title>{title}</title></path> }.into_any(),
        Shape::Swatch { x, y, color } => view! { <rect class="swatch" x=x y=y width="12" height="12" rx="2" fill=PALETTE[color % PALETTE.len()]/> }.into_any(),
        Shape::Text { x, y, text, anchor } => {
            view! { <text x=x y=y text-anchor=anchor font-size="11" fill="#374151" font-family="sans-serif">{text}</text> }.into_any()
        }
        Shape::Title { x, y, text, anchor, vertical } => {
            let turn = vertical.then(|| format!("rotate(-90 {x} {y})"));
            view! { <text class="axis-title" x=x y=y transform=turn text-anchor=anchor font-size="12" font-weight="600" fill="#111827" font-family="sans-serif">{text}</text> }.into_any()
        }
        Shape::Axis { x1, y1, x2, y2 } => view! { <line class="axis" x1=x1 y1=y1 x2=x2 y2=y2 stroke="#9ca3af"/> }.into_any(),
    }
}

#[component]
pub fn ChartView(columns: Vec<ResultColumn>, rows: Signal<Vec<Vec<Value>>>) -> impl IntoView {
    let initial = rows.with_untracked(|r| choose(&columns, r, &numeric_columns(&columns, r)));
    let spec = RwSignal::new(initial);
    let names = StoredValue::new(columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>());
    let drawing = Memo::new(move |_| {
        let s = spec.get();
        rows.with(|r| names.with_value(|n| draw(s, r, n)))
    });
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    let download = move |png: bool| {
        #[cfg(feature = "hydrate")]
        if let Some(svg) = svg_ref.get_untracked() {
            let markup = svg.outer_html();
            let name = format!("chart.{}", if png { "png" } else { "svg" });
            if png {
                let height = drawing.with_untracked(|d| d.height);
                browser::download_svg_as_png(&markup, WIDTH as u32, height as u32, &name);
            } else {
                browser::download_svg(&markup, &name);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (png, svg_ref);
    };
    let axis_select = move |label: &'static str, pick: fn(&mut ChartSpec) -> &mut usize| {
        let current = move || {
            let mut s = spec.get();
            pick(&mut s).to_string()
        };
        view! {
            <label>
                {label}
                <select name=label prop:value=current on:change=move |ev| {
                    let i: usize = event_target_value(&ev).parse().unwrap_or(0);
                    spec.update(|s| *pick(s) = i);
                }>
                    {names.with_value(|n| n.iter().enumerate().map(|(i, name)| view! { <option value=i.to_string()>{name.clone()}</option> }).collect_view())}
                </select>
            </label>
        }
    };
    view! {
        <div class="chart">
            <div class="chart-tools">
                <label>
                    "Chart"
                    <select name="chart_type" prop:value=move || spec.get().kind.as_str().to_string() on:change=move |ev| {
                        let kind = ChartKind::parse(&event_target_value(&ev));
                        spec.update(|s| s.kind = kind);
                    }>
                        {ChartKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                {axis_select("x", |s| &mut s.x)}
                {axis_select("y", |s| &mut s.y)}
                <button on:click=move |_| download(false) disabled=move || spec.get().kind == ChartKind::None>"Download SVG"</button>
                <button on:click=move |_| download(true) disabled=move || spec.get().kind == ChartKind::None>"Download PNG"</button>
            </div>
            {move || {
                let s = spec.get();
                if s.kind == ChartKind::None {
                    return view! { <p class="muted" data-testid="no-chart">"No chart fits this result. Pick a chart type and columns to draw one anyway."</p> }.into_any();
                }
                let chart = drawing.get();
                let height = chart.height;
                view! {
                    <svg node_ref=svg_ref xmlns="http://www.w3.org/2000/svg" class="chart-svg" data-kind=s.kind.as_str()
                        viewBox=format!("0 0 {WIDTH} {height}") width=WIDTH height=height role="img" aria-label=format!("{} chart", s.kind.as_str())>
                        <rect class="bg" x="0" y="0" width=WIDTH height=height fill="#ffffff"/>
                        {chart.shapes.into_iter().map(shape_view).collect_view()}
                    </svg>
                }
                .into_any()
            }}
        </div>
    }
}
