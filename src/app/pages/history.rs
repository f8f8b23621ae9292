//! Your history: every question and SQL run, searchable, with a way to run it again.
use leptos::prelude::*;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::app::{
    api::{list_history, outcome},
    components::{local_time::LocalTime, result_table::format_number},
};

/// The workbench link that opens `sql` in the datasource's editor, for the person to run
/// (ids are UUIDs: URL-safe).
pub fn rerun_href(datasource_id: &str, sql: &str) -> String {
    format!("/datasources/{datasource_id}?sql={}", utf8_percent_encode(sql, NON_ALPHANUMERIC))
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let applied = RwSignal::new(String::new());
    let page = RwSignal::new(0i64);
    let entries = Resource::new(move || (applied.get(), page.get()), |(q, p)| async move { outcome(list_history(q, p * 200).await) });
    view! {
        <section class="page wide">
            <h1>"History"</h1>
            <p class="lead">"Every question you asked and every query you ran. Run one again in its datasource's workbench."</p>
            <form class="ask-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                page.set(0);
                applied.set(search.get_untracked());
            }>
                <input type="search" name="history_search" placeholder="Search questions, SQL and datasources" aria-label="Search history" bind:value=search/>
                <button type="submit">"Search"</button>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="history-empty">"Nothing here yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap" tabindex="0" role="region" aria-label="History">
                                <table class="result-table history" data-testid="history">
                                    <thead><tr><th>"When"</th><th>"Datasource"</th><th>"Question / SQL"</th><th>"Rows"</th><th>"ms"</th><th>"Status"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|e| {
                                            let rerun = e.datasource_id.clone().zip(e.sql.clone()).map(|(d, s)| rerun_href(&d, &s));
                                            let status = match &e.error { Some(err) => format!("{}: {err}", e.status), None => e.status.clone() };
                                            view! {
                                                <tr data-kind=e.kind.clone()>
                                                    <td><LocalTime ms=e.at_ms/></td>
                                                    <td>{e.datasource_name.clone().unwrap_or_default()}</td>
                                                    <td class="history-what">
                                                        {e.question.clone().map(|q| view! { <div class="question-text">{q}</div> })}
                                                        {e.sql.clone().map(|s| view! { <code>{s}</code> })}
                                                    </td>
                                                    <td class="num">{e.row_count.map(|n| format_number(&n.to_string())).unwrap_or_default()}</td>
                                                    <td class="num">{e.duration_ms.map(|n| n.to_string()).unwrap_or_default()}</td>
                                                    <td class=if e.error.is_some() { "status failed" } else { "status" }>{status}</td>
                                                    <td>{rerun.map(|href| view! { <a class="button" href=href>"Run again"</a> })}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    }
                })}
            </Transition>
            <div class="form-actions">
                <button disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = (*p - 1).max(0))>"Newer"</button>
                <button on:click=move |_| page.update(|p| *p += 1)>"Older"</button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rerun_links_carry_the_sql_safely() {
        assert_eq!(super::rerun_href("ab-1", "SELECT 1 & 2 -- é"), "/datasources/ab-1?sql=SELECT%201%20%26%202%20%2D%2D%20%C3%A9");
    }
}
