//! The SQL workbench for one datasource: schema on the left, editor and results on the right.
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::app::{
    api::{cancel_query, form_outcome, get_datasource, outcome, run_sql, Failure},
    browser::{self, new_query_id},
    components::{
        ask_panel::AskPanel,
        result_table::{CurrentDatasource, ResultTable},
        schema_sidebar::{open_drawer, SchemaSidebar},
        verified::{VerifiedPanel, VerifiedVersion},
    },
    model::{Engine, SqlRequest, SqlSpan},
};

fn starter_sql(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        Engine::Postgres => "SELECT table_schema, table_name FROM information_schema.tables\nWHERE table_schema NOT IN ('pg_catalog', 'information_schema')\nORDER BY 1, 2",
        Engine::MySql => "SELECT table_name, table_type, table_rows FROM information_schema.tables\nWHERE table_schema = DATABASE()\nORDER BY 1",
    }
}

#[component]
pub fn WorkbenchPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    let datasource = Resource::new(move || id.get(), |id| async move { outcome(get_datasource(id).await) });
    let pinned = RwSignal::new(Vec::<String>::new());
    provide_context(CurrentDatasource(id));
    provide_context(VerifiedVersion(RwSignal::new(0)));
    // `?sql=…` (from History) opens the editor with that SQL. It never runs by itself: a link
    // from anywhere could carry the SQL, so the person reads it and presses Run.
    let query = use_query_map();
    let from_history = StoredValue::new(query.with_untracked(|q| q.get("sql")));
    let drawer = RwSignal::new(false);
    // The editor comes first in the page (keyboards and screen readers reach the question
    // first); on a wide screen CSS puts the schema on its left.
    view! {
        <div class="workbench">
            <section class="editor-pane">
                <button class="small schema-toggle" aria-controls="schema" aria-expanded=move || drawer.get().to_string()
                    on:click=move |_| open_drawer(drawer)>"Show schema"</button>
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match datasource.await {
                            Ok(ds) => view! {
                                <h1>{ds.name.clone()} " " <span class="badge">{ds.engine.label()}</span></h1>
                                <Workspace id pinned start_in_editor=from_history.with_value(Option::is_some)
                                    initial=from_history.get_value().unwrap_or_else(|| starter_sql(ds.engine).to_string())/>
                            }.into_any(),
                            Err(e) => view! {
                                <h1>"Datasource unavailable"</h1>
                                <p class="error" role="alert">{e}</p>
                                <p><a href="/">"Back to datasources"</a></p>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <SchemaSidebar id pinned open=drawer/>
        </div>
    }
}

/// The workspace's two tabs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Ask,
    Sql,
}

impl Tab {
    fn other(self) -> Tab {
        match self {
            Tab::Ask => Tab::Sql,
            Tab::Sql => Tab::Ask,
        }
    }
    fn button_id(self) -> &'static str {
        match self {
            Tab::Ask => "tab-ask",
            Tab::Sql => "tab-sql",
        }
    }
    fn panel_id(self) -> &'static str {
        match self {
            Tab::Ask => "panel-ask",
            Tab::Sql => "panel-sql",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Tab::Ask => "Ask",
            Tab::Sql => "SQL editor",
        }
    }
}

/// Asking and the SQL editor, each in its own tab. They share the SQL text, so an answer
/// can be edited and re-run: "Edit in SQL editor" opens the editor's tab. Both stay in the
/// page while hidden, so switching loses nothing.
#[component]
fn Workspace(id: Signal<String>, pinned: RwSignal<Vec<String>>, initial: String, start_in_editor: bool) -> impl IntoView {
    let sql = RwSignal::new(initial);
    let tab = RwSignal::new(if start_in_editor { Tab::Sql } else { Tab::Ask });
    Effect::new(move |seen: Option<()>| {
        sql.track();
        if seen.is_some() {
            tab.set(Tab::Sql);
        }
    });
    let tab_button = move |which: Tab| {
        view! {
            <button type="button" role="tab" id=which.button_id() aria-controls=which.panel_id()
                aria-selected=move || (tab.get() == which).to_string()
                tabindex=move || if tab.get() == which { "0" } else { "-1" }
                on:click=move |_| tab.set(which)
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if matches!(ev.key().as_str(), "ArrowLeft" | "ArrowRight") {
                        ev.prevent_default();
                        tab.set(which.other());
                        browser::focus_later(format!("#{}", which.other().button_id()));
                    }
                }>
                {which.label()}
            </button>
        }
    };
    view! {
        <div class="workspace-tabs" role="tablist" aria-label="Ask or write SQL">
            {tab_button(Tab::Ask)}
            {tab_button(Tab::Sql)}
        </div>
        <div role="tabpanel" id=Tab::Ask.panel_id() aria-labelledby=Tab::Ask.button_id() hidden=move || tab.get() != Tab::Ask>
            <AskPanel id sql pinned/>
            <VerifiedPanel id/>
        </div>
        <div role="tabpanel" id=Tab::Sql.panel_id() aria-labelledby=Tab::Sql.button_id() hidden=move || tab.get() != Tab::Sql>
            <SqlEditor id sql/>
        </div>
    }
}

#[component]
fn SqlEditor(id: Signal<String>, sql: RwSignal<String>) -> impl IntoView {
    let running_id = RwSignal::new(None::<String>);
    let ran_sql = RwSignal::new(String::new());
    let run = Action::new(move |(id, request): &(String, SqlRequest)| {
        let (id, request) = (id.clone(), request.clone());
        async move { form_outcome(run_sql(id, request).await) }
    });
    let editor = NodeRef::<leptos::html::Textarea>::new();
    // A syntax error selects its place in the editor: the cursor lands where the fix goes.
    Effect::new(move |_| {
        if let Some(Err(Failure { at: Some(at), .. })) = run.value().get() {
            if sql.get_untracked() == ran_sql.get_untracked() {
                select_place(editor, &ran_sql.get_untracked(), at);
            }
        }
    });
    let cancel = Action::new(|query_id: &String| {
        let query_id = query_id.clone();
        async move { outcome(cancel_query(query_id).await) }
    });
    let start = move || {
        if run.pending().get_untracked() {
            return;
        }
        let query_id = new_query_id();
        running_id.set(Some(query_id.clone()));
        ran_sql.set(sql.get_untracked());
        run.dispatch((id.get_untracked(), SqlRequest { sql: sql.get_untracked(), max_rows: None, query_id: Some(query_id) }));
    };
    let stop = move |_| {
        if let Some(q) = running_id.get_untracked() {
            cancel.dispatch(q);
        }
    };
    view! {
        <div class="editor">
            <label for="sql" class="sr-only">"SQL"</label>
            <textarea
                id="sql"
                node_ref=editor
                class="sql-input"
                spellcheck="false"
                rows="8"
                bind:value=sql
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if (ev.ctrl_key() || ev.meta_key()) && ev.key() == "Enter" {
                        ev.prevent_default();
                        start();
                    }
                }
            ></textarea>
            <div class="editor-actions">
                <button class="primary" on:click=move |_| start() disabled=move || run.pending().get()>
                    {move || if run.pending().get() { "Running…" } else { "Run" }}
                </button>
                <Show when=move || run.pending().get()>
                    <button class="danger" on:click=stop>"Cancel"</button>
                </Show>
                <span class="muted small">"Ctrl+Enter runs. Read-only: one query, time and row limits."</span>
            </div>
        </div>
        <div class="results" aria-live="polite">
            {move || match run.value().get() {
                None => ().into_any(),
                Some(Ok(result)) => view! { <ResultTable result sql=ran_sql.get_untracked()/> }.into_any(),
                Some(Err(e)) => view! {
                    <div class="error" role="alert" data-testid="sql-error">
                        <p>{e.message}</p>
                        {e.at.map(|at| view! { <ErrorPlace sql=ran_sql.get_untracked() at/> })}
                    </div>
                }.into_any(),
            }}
        </div>
    }
}

/// Selects the characters `at` of the editor's text and puts the focus there.
fn select_place(editor: NodeRef<leptos::html::Textarea>, text: &str, at: SqlSpan) {
    #[cfg(feature = "hydrate")]
    if let Some(area) = editor.get_untracked() {
        // The text area counts UTF-16 units; the server counts characters.
        let units = |chars: usize| text.chars().take(chars).map(char::len_utf16).sum::<usize>() as u32;
        let _ = area.focus();
        let _ = area.set_selection_range(units(at.start), units(at.end));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (editor, text, at);
}

/// The line of SQL a syntax error is on, split around the part the parser stopped at.
#[derive(Debug, PartialEq)]
struct Place {
    line: usize,
    column: usize,
    before: String,
    marked: String,
    after: String,
}

fn place_of(sql: &str, at: SqlSpan) -> Place {
    let chars: Vec<char> = sql.chars().collect();
    let start = at.start.min(chars.len());
    let line_start = chars[..start].iter().rposition(|c| *c == '\n').map_or(0, |i| i + 1);
    let line_end = chars[start..].iter().position(|c| *c == '\n').map_or(chars.len(), |i| start + i);
    let end = at.end.clamp(start, line_end);
    let text = |range: std::ops::Range<usize>| chars[range].iter().collect::<String>();
    Place {
        line: chars[..start].iter().filter(|c| **c == '\n').count() + 1,
        column: start - line_start + 1,
        before: text(line_start..start),
        // An error at the end of the text marks the empty place after it.
        marked: if end > start { text(start..end) } else { " ".into() },
        after: text(end..line_end),
    }
}

/// Where the parser stopped reading, marked on its line.
#[component]
fn ErrorPlace(sql: String, at: SqlSpan) -> impl IntoView {
    let place = place_of(&sql, at);
    view! {
        <div class="sql-error-place" data-testid="sql-error-place">
            <span class="small">{format!("Line {}, column {}:", place.line, place.column)}</span>
            <pre><code>{place.before}<mark class="sql-error-at">{place.marked}</mark>{place.after}</code></pre>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_marked_on_its_own_line() {
        let sql = "SELECT a,\n  b,, c\nFROM t";
        let place = place_of(sql, SqlSpan { start: 14, end: 15 });
        assert_eq!(place, Place { line: 2, column: 5, before: "  b,".into(), marked: ",".into(), after: " c".into() });
        let end = place_of("SELECT a FROM", SqlSpan { start: 13, end: 13 });
        assert_eq!((end.line, end.column, end.marked.as_str(), end.after.as_str()), (1, 14, " ", ""));
        // A span past the text or across lines stays within the line.
        let wide = place_of("SELECT é\nx", SqlSpan { start: 7, end: 99 });
        assert_eq!((wide.marked.as_str(), wide.after.as_str()), ("é", ""));
    }
}
