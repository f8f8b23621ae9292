//! A result: typed cells (numbers right-aligned and grouped, NULL distinct), sort by any column,
//! filter, a window of rows drawn at a time so 100,000 rows scroll smoothly, copy a cell, a row
//! or the table, export through the server, and a chart of the same rows.
use leptos::prelude::*;
use serde_json::Value;

use crate::app::{
    browser,
    components::chart_view::ChartView,
    model::{ExportFormat, QueryResult},
    table_rows::{cell_text, grid_step, numeric_columns, row_tsv, to_tsv, view_order, SortBy},
};

/// Every row is this tall (CSS pins it), so the window can be computed from the scroll offset.
const ROW_PX: f64 = 29.0;
/// Rows drawn around the visible ones.
const WINDOW_ROWS: usize = 60;

/// Groups thousands for display: "1234567.50" -> "1,234,567.50". Anything that is not a
/// plain decimal (exponents, NaN, words) is returned as it is.
pub fn format_number(text: &str) -> String {
    let (sign, rest) = text.strip_prefix('-').map_or(("", text), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let plain = !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()));
    if !plain || int.len() <= 4 {
        return text.to_string();
    }
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// The CSS class and text of a cell.
fn cell_view(value: &Value, numeric_column: bool) -> (&'static str, String) {
    match value {
        Value::Null => ("null", "NULL".into()),
        Value::Number(n) => ("num", format_number(&n.to_string())),
        Value::Bool(b) => ("bool", b.to_string()),
        Value::String(s) if numeric_column => ("num", format_number(s)),
        Value::String(s) if crate::app::chart::is_temporal_text(s) => ("date", s.clone()),
        Value::String(s) => ("", s.clone()),
        other => ("json", other.to_string()),
    }
}

/// The datasource the page is about (the workbench provides it), so results can be exported.
#[derive(Clone, Copy)]
pub struct CurrentDatasource(pub Signal<String>);

/// Where a result came from, so it can be exported again from the server.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultSource {
    pub datasource_id: String,
    pub sql: String,
}

/// A result of `sql` on the page's datasource (exportable when there is one).
#[component]
pub fn ResultTable(result: QueryResult, #[prop(optional, into)] sql: Option<String>) -> impl IntoView {
    let source = sql.zip(use_context::<CurrentDatasource>()).map(|(sql, d)| ResultSource { datasource_id: d.0.get_untracked(), sql });
    let numeric = StoredValue::new(numeric_columns(&result.columns, &result.rows));
    let columns = StoredValue::new(result.columns.clone());
    let rows = StoredValue::new(result.rows);
    let sort = RwSignal::new(None::<SortBy>);
    let filter = RwSignal::new(String::new());
    let order = Memo::new(move |_| {
        let f = filter.get();
        let s = sort.get();
        rows.with_value(|r| numeric.with_value(|n| view_order(r, n, s, &f)))
    });
    let scroll_top = RwSignal::new(0.0f64);
    let selected = RwSignal::new(None::<(usize, usize)>);
    // The cell in the Tab order: the selected one while it is shown, else the first shown.
    let current = Memo::new(move |_| {
        let first = order.with(|o| o.first().copied()).map(|r| (r, 0));
        match selected.get() {
            Some((r, c)) if order.with(|o| o.contains(&r)) => Some((r, c)),
            _ => first,
        }
    });
    let copied = RwSignal::new(None::<&'static str>);
    let view_mode = RwSignal::new("table");
    let copy = move |what: &'static str, text: String| {
        leptos::task::spawn_local(async move {
            if browser::copy_to_clipboard(text).await {
                copied.set(Some(what));
            }
        });
    };
    let summary = format!(
        "{} row{}{} · {} ms",
        result.row_count,
        if result.row_count == 1 { "" } else { "s" },
        if result.truncated { " (limit reached: more rows exist)" } else { "" },
        result.elapsed_ms
    );
    let header = move || {
        columns.with_value(|cols| {
            cols.iter()
                .enumerate()
                .map(|(i, c)| {
                    let arrow = move || match sort.get() {
                        Some(s) if s.column == i => if s.descending { " ▼" } else { " ▲" },
                        _ => "",
                    };
                    let aria = move || match sort.get() {
                        Some(s) if s.column == i => if s.descending { "descending" } else { "ascending" },
                        _ => "none",
                    };
                    view! {
                        <th title=c.type_name.clone() aria-sort=aria>
                            <button class="sort" on:click=move |_| sort.update(|s| *s = match *s {
                                Some(SortBy { column, descending: false }) if column == i => Some(SortBy { column: i, descending: true }),
                                Some(SortBy { column, descending: true }) if column == i => None,
                                _ => Some(SortBy { column: i, descending: false }),
                            })>
                                <span class="col-name">{c.name.clone()}</span>{arrow}
                            </button>
                            <span class="col-type">{c.type_name.clone()}</span>
                        </th>
                    }
                })
                .collect_view()
        })
    };
    let body = move || {
        let ids = order.get();
        let first = ((scroll_top.get() / ROW_PX) as usize).saturating_sub(WINDOW_ROWS / 3).min(ids.len());
        let last = (first + WINDOW_ROWS).min(ids.len());
        let width = columns.with_value(|c| c.len());
        let top_pad = first as f64 * ROW_PX;
        let bottom_pad = (ids.len() - last) as f64 * ROW_PX;
        let drawn = rows.with_value(|r| {
            numeric.with_value(|n| {
                ids[first..last]
                    .iter()
                    .enumerate()
                    .map(|(k, &ri)| {
                        let cells = r[ri]
                            .iter()
                            .enumerate()
                            .map(|(ci, v)| {
                                let (class, text) = cell_view(v, n.get(ci).copied().unwrap_or(false));
                                let is_selected = move || selected.get() == Some((ri, ci));
                                // One cell is in the Tab order (the selected one, else the first):
                                // arrows move within the grid.
                                let tab_stop = move || if current.get() == Some((ri, ci)) { "0" } else { "-1" };
                                view! {
                                    <td class=class class:selected=is_selected tabindex=tab_stop data-cell=format!("{ri}-{ci}")
                                        on:focus=move |_| { selected.set(Some((ri, ci))); copied.set(None); }>{text}</td>
                                }
                            })
                            .collect_view();
                        // Row 1 is the header; only a window of rows is drawn, so each says its place.
                        view! { <tr data-row=ri aria-rowindex=(first + k + 2).to_string()>{cells}</tr> }
                    })
                    .collect_view()
            })
        });
        view! {
            <tr class="pad" aria-hidden="true" style:height=format!("{top_pad}px")><td colspan=width></td></tr>
            {drawn}
            <tr class="pad" aria-hidden="true" style:height=format!("{bottom_pad}px")><td colspan=width></td></tr>
        }
    };
    // Keyboard: arrows, Page Up/Down, Home/End move the selection (and the focus); Ctrl+C
    // copies the cell.
    let on_grid_key = move |ev: leptos::ev::KeyboardEvent| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("c") {
            if let Some((r, c)) = selected.get_untracked() {
                ev.prevent_default();
                copy("cell", rows.with_value(|rs| cell_text(&rs[r][c]).into_owned()));
            }
            return;
        }
        let ids = order.get_untracked();
        let width = columns.with_value(|c| c.len());
        let Some((ri, ci)) = current.get_untracked() else { return };
        let Some(position) = ids.iter().position(|&i| i == ri) else { return };
        let Some((to_row, to_column)) = grid_step(&ev.key(), ev.ctrl_key() || ev.meta_key(), (position, ci), ids.len(), width) else { return };
        ev.prevent_default();
        let target = (ids[to_row], to_column);
        selected.set(Some(target));
        copied.set(None);
        // Draw the row's window first; focusing the cell then scrolls it into view.
        let first_drawn = ((scroll_top.get_untracked() / ROW_PX) as usize).saturating_sub(WINDOW_ROWS / 3);
        if !(first_drawn..first_drawn + WINDOW_ROWS).contains(&to_row) {
            scroll_top.set(to_row as f64 * ROW_PX);
        }
        browser::focus_later(format!(".result-table [data-cell='{}-{}']", target.0, target.1));
    };
    let chart_rows = Signal::derive(move || {
        let ids = order.get();
        rows.with_value(|r| ids.iter().map(|&i| r[i].clone()).collect::<Vec<_>>())
    });
    view! {
        <div class="result">
            <div class="result-bar">
                <p class="result-meta" data-testid="result-meta">{summary}</p>
                <div class="view-switch" role="tablist">
                    <button role="tab" aria-selected=move || (view_mode.get() == "table").to_string() on:click=move |_| view_mode.set("table")>"Table"</button>
                    <button role="tab" aria-selected=move || (view_mode.get() == "chart").to_string() on:click=move |_| view_mode.set("chart")>"Chart"</button>
                </div>
            </div>
            <Show when=move || view_mode.get() == "table">
                <div class="table-tools">
                    <input class="filter" type="search" placeholder="Filter rows" aria-label="Filter rows" bind:value=filter/>
                    <span class="muted small" data-testid="shown-count">
                        {move || { let n = order.with(|o| o.len()); format!("{} shown", format_number(&n.to_string())) }}
                    </span>
                    <button disabled=move || selected.get().is_none() on:click=move |_| {
                        if let Some((r, c)) = selected.get_untracked() {
                            copy("cell", rows.with_value(|rs| cell_text(&rs[r][c]).into_owned()));
                        }
                    }>"Copy cell"</button>
                    <button disabled=move || selected.get().is_none() on:click=move |_| {
                        if let Some((r, _)) = selected.get_untracked() {
                            copy("row", rows.with_value(|rs| row_tsv(&rs[r])));
                        }
                    }>"Copy row"</button>
                    <button on:click=move |_| {
                        let text = columns.with_value(|c| rows.with_value(|r| order.with_untracked(|o| to_tsv(c, r, o))));
                        copy("table", text);
                    }>"Copy table"</button>
                    <span class="ok small" role="status">{move || copied.get().map(|w| format!("Copied the {w}"))}</span>
                </div>
                <div class="table-wrap" tabindex="0" role="region" aria-label="Result rows" on:scroll=move |ev| scroll_top.set(event_target::<leptos::web_sys::Element>(&ev).scroll_top() as f64)>
                    <table class="result-table" role="grid" aria-label="Result" aria-rowcount=move || order.with(|o| o.len() + 1).to_string() on:keydown=on_grid_key>
                        <thead><tr aria-rowindex="1">{header}</tr></thead>
                        <tbody>{body}</tbody>
                    </table>
                </div>
            </Show>
            <Show when=move || view_mode.get() == "chart">
                <ChartView columns=columns.get_value() rows=chart_rows/>
            </Show>
            {source.map(|s| view! { <ExportForm source=s columns=columns.get_value().into_iter().map(|c| c.name).collect()/> })}
        </div>
    }
}

/// A plain form post, so the browser saves the file as it streams (a million CSV rows never
/// sit in the page's memory).
#[component]
fn ExportForm(source: ResultSource, columns: Vec<String>) -> impl IntoView {
    let chosen = RwSignal::new(columns.clone());
    let joined = move || chosen.get().join("\n");
    let action = format!("/api/v1/datasources/{}/export", source.datasource_id);
    let all = columns.clone();
    let order = StoredValue::new(columns.clone());
    view! {
        <form class="export" method="post" action=action>
            <input type="hidden" name="sql" value=source.sql.clone()/>
            <input type="hidden" name="columns" prop:value=joined/>
            <span class="muted small">"Export all rows:"</span>
            {ExportFormat::ALL.into_iter().map(|f| view! {
                <button type="submit" name="format" value=f.extension() disabled=move || chosen.with(|c| c.is_empty())>{f.label()}</button>
            }).collect_view()}
            <details class="export-columns">
                <summary>{move || format!("Columns ({} of {})", chosen.with(|c| c.len()), all.len())}</summary>
                {columns.into_iter().map(|name| {
                    let (n1, n2) = (name.clone(), name.clone());
                    view! {
                        <label class="check">
                            <input type="checkbox" name="export_column" prop:checked=move || chosen.with(|c| c.contains(&n1))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    // Keep the result's column order whatever the clicking order.
                                    chosen.update(|c| {
                                        let keep: Vec<String> = order.with_value(|all| {
                                            all.iter().filter(|x| if **x == n2 { on } else { c.contains(x) }).cloned().collect()
                                        });
                                        *c = keep;
                                    });
                                }/>
                            " " {name}
                        </label>
                    }
                }).collect_view()}
            </details>
        </form>
    }
}
