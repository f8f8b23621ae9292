//! The schema sidebar: tables and columns with search, expand/collapse, copy-name, and pins
//! (pinned tables are always shown to the model when a question is asked).
use leptos::prelude::*;

use crate::app::{
    api::{get_schema, outcome},
    browser::copy_to_clipboard,
    model::{SchemaInfo, SchemaTable},
};

fn matches(table: &SchemaTable, q: &str) -> bool {
    q.is_empty()
        || table.qualified_name().to_lowercase().contains(q)
        || table.columns.iter().any(|c| c.name.to_lowercase().contains(q))
}

/// Opens the phone's schema drawer with the focus inside it.
pub fn open_drawer(open: RwSignal<bool>) {
    open.set(true);
    crate::app::browser::focus_later(".schema-close".into());
}

/// Closes it, and the focus returns to the button that opened it.
fn close_drawer(open: RwSignal<bool>) {
    open.set(false);
    crate::app::browser::focus_later(".schema-toggle".into());
}

/// `open`: on a phone the schema is a drawer over the page, shown while this is true (on a
/// wide screen it is always beside the editor).
#[component]
pub fn SchemaSidebar(id: Signal<String>, pinned: RwSignal<Vec<String>>, open: RwSignal<bool>) -> impl IntoView {
    let refreshes = RwSignal::new(0u32);
    let schema = Resource::new(move || (id.get(), refreshes.get()), |(id, n)| async move { outcome(get_schema(id, n > 0).await) });
    let filter = RwSignal::new(String::new());
    view! {
        <aside id="schema" class="schema" class:open=move || open.get() aria-label="Schema"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" && open.get_untracked() { close_drawer(open) }>
            <div class="schema-head">
                <h2>"Schema"</h2>
                <button class="small" on:click=move |_| refreshes.update(|n| *n += 1) title="Read the catalogs again">"Refresh"</button>
                <button class="small schema-close" aria-label="Close the schema" on:click=move |_| close_drawer(open)>"Close"</button>
            </div>
            <input type="search" class="schema-search" placeholder="Search tables and columns" bind:value=filter/>
            <Transition fallback=|| view! { <p class="muted">"Reading schema…"</p> }>
                {move || Suspend::new(async move {
                    match schema.await {
                        Ok(info) => view! { <SchemaTree info filter pinned/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    }
                })}
            </Transition>
        </aside>
    }
}

#[component]
fn SchemaTree(info: SchemaInfo, filter: RwSignal<String>, pinned: RwSignal<Vec<String>>) -> impl IntoView {
    let count = info.tables.len();
    // Database servers give planner estimates; SQLite counts are exact.
    let approximate = info.engine.is_server();
    let tables = StoredValue::new(info.tables);
    view! {
        <p class="muted small">{format!("{count} tables and views")}</p>
        <ul class="schema-tree">
            {move || {
                let q = filter.get().trim().to_lowercase();
                tables.with_value(|tables| {
                    tables.iter()
                        .filter(|t| matches(t, &q))
                        .map(|t| view! { <SchemaTableItem table=t.clone() open_initially=!q.is_empty() approximate pinned/> })
                        .collect_view()
                })
            }}
        </ul>
    }
}

#[component]
fn SchemaTableItem(table: SchemaTable, open_initially: bool, approximate: bool, pinned: RwSignal<Vec<String>>) -> impl IntoView {
    let open = RwSignal::new(open_initially);
    let copied = RwSignal::new(false);
    let name = table.qualified_name();
    let copy_name = name.clone();
    let copy = move |_| {
        let text = copy_name.clone();
        leptos::task::spawn_local(async move {
            copied.set(copy_to_clipboard(text).await);
        });
    };
    let rows = table
        .row_estimate
        .map(|n| format!("{}{n} row{}", if approximate { "~" } else { "" }, if n == 1 { "" } else { "s" }))
        .unwrap_or_default();
    let columns = table.columns.clone();
    let pin_name = name.clone();
    let is_pinned = {
        let name = name.clone();
        move || pinned.with(|p| p.contains(&name))
    };
    let (pinned_class, pinned_aria) = (is_pinned.clone(), {
        let is_pinned = is_pinned.clone();
        move || is_pinned().to_string()
    });
    let toggle_pin = move |_| {
        pinned.update(|p| match p.iter().position(|n| n == &pin_name) {
            Some(i) => {
                p.remove(i);
            }
            None => p.push(pin_name.clone()),
        })
    };
    view! {
        <li class="schema-table" data-table=name.clone()>
            <div class="schema-row">
                <button class="toggle" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                    <span class="caret">{move || if open.get() { "▾" } else { "▸" }}</span>
                    <span class="table-name" title=name.clone()>{name.clone()}</span>
                </button>
                {(table.kind != "table").then(|| view! { <span class="badge">{table.kind.clone()}</span> })}
                <span class="muted small">{rows}</span>
                <button class="pin small" class:active=pinned_class aria-pressed=pinned_aria
                    title="Always show this table to the model" on:click=toggle_pin>
                    {move || if is_pinned() { "Pinned" } else { "Pin" }}
                </button>
                <button class="copy small" title="Copy name" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
            {table.comment.clone().map(|c| view! { <p class="comment">{c}</p> })}
            <Show when=move || open.get()>
                <ul class="columns">
                    {columns.iter().map(|c| {
                        let reference = c.references.as_ref().map(|r| format!("→ {}.{}", r.table, r.column));
                        view! {
                            <li class="column" title=c.comment.clone().unwrap_or_default()>
                                <span class="col-name">{c.name.clone()}</span>
                                <span class="col-type">{c.data_type.clone()}</span>
                                {c.primary_key.then(|| view! { <span class="badge pk">"PK"</span> })}
                                {(!c.nullable).then(|| view! { <span class="muted small">"not null"</span> })}
                                {reference.map(|r| view! { <span class="fk small">{r}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
        </li>
    }
}
