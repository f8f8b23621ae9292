//! A result set as a table: typed cells, NULL shown distinctly, numbers right-aligned.
use leptos::prelude::*;
use serde_json::Value;

use crate::app::model::QueryResult;

/// Rows drawn at once; the full result stays in memory and more can be shown on demand.
const PAGE_ROWS: usize = 500;

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

fn cell(value: Value, numeric_column: bool) -> impl IntoView {
    match value {
        Value::Null => view! { <td class="null">"NULL"</td> }.into_any(),
        Value::Number(n) => view! { <td class="num">{format_number(&n.to_string())}</td> }.into_any(),
        Value::Bool(b) => view! { <td class="bool">{b.to_string()}</td> }.into_any(),
        Value::String(s) if numeric_column => view! { <td class="num">{format_number(&s)}</td> }.into_any(),
        Value::String(s) => view! { <td>{s}</td> }.into_any(),
        other => view! { <td class="json">{other.to_string()}</td> }.into_any(),
    }
}

#[component]
pub fn ResultTable(result: QueryResult) -> impl IntoView {
    let numeric: Vec<bool> = result.columns.iter().map(|c| QueryResult::is_numeric_type(&c.type_name)).collect();
    let shown = RwSignal::new(PAGE_ROWS.min(result.rows.len()));
    let total = result.rows.len();
    let rows = StoredValue::new(result.rows);
    let summary = format!(
        "{} row{}{} · {} ms",
        result.row_count,
        if result.row_count == 1 { "" } else { "s" },
        if result.truncated { " (limit reached: more rows exist)" } else { "" },
        result.elapsed_ms
    );
    view! {
        <div class="result">
            <p class="result-meta" data-testid="result-meta">{summary}</p>
            <div class="table-wrap">
                <table class="result-table">
                    <thead>
                        <tr>
                            {result.columns.iter().map(|c| view! {
                                <th title=c.type_name.clone()>
                                    <span class="col-name">{c.name.clone()}</span>
                                    <span class="col-type">{c.type_name.clone()}</span>
                                </th>
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let numeric = numeric.clone();
                            rows.with_value(|rows| {
                                rows.iter()
                                    .take(shown.get())
                                    .map(|row| {
                                        let cells = row.iter().cloned().enumerate()
                                            .map(|(i, v)| cell(v, numeric.get(i).copied().unwrap_or(false)))
                                            .collect_view();
                                        view! { <tr>{cells}</tr> }
                                    })
                                    .collect_view()
                            })
                        }}
                    </tbody>
                </table>
            </div>
            <Show when=move || { shown.get() < total }>
                <button class="more" on:click=move |_| shown.update(|n| *n = (*n + PAGE_ROWS).min(total))>
                    {move || format!("Show more ({} of {} shown)", shown.get(), total)}
                </button>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn groups_thousands() {
        let n = format_number;
        assert_eq!(n("1234567"), "1,234,567");
        assert_eq!(n("-1234567.25"), "-1,234,567.25");
        assert_eq!(n("16000.00"), "16,000.00");
        assert_eq!(n("1234"), "1234");
        assert_eq!(n("12345"), "12,345");
        assert_eq!(n("0.5"), "0.5");
        assert_eq!(n("1e300"), "1e300");
        assert_eq!(n("NaN"), "NaN");
    }
}
