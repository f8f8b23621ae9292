//! The SQL workbench for one datasource: schema on the left, editor and results on the right.
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::app::{
    api::{cancel_query, get_datasource, outcome, run_sql},
    browser::new_query_id,
    components::{
        ask_panel::AskPanel,
        result_table::{CurrentDatasource, ResultTable},
        schema_sidebar::SchemaSidebar,
        verified::{VerifiedPanel, VerifiedVersion},
    },
    model::{Engine, SqlRequest},
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
    view! {
        <div class="workbench">
            <SchemaSidebar id pinned/>
            <section class="editor-pane">
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match datasource.await {
                            Ok(ds) => view! {
                                <h1>{ds.name.clone()} " " <span class="badge">{ds.engine.label()}</span></h1>
                                <Workspace id pinned initial=from_history.get_value().unwrap_or_else(|| starter_sql(ds.engine).to_string())/>
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
        </div>
    }
}

/// The ask panel and the SQL editor share the SQL text, so an answer can be edited and re-run.
#[component]
fn Workspace(id: Signal<String>, pinned: RwSignal<Vec<String>>, initial: String) -> impl IntoView {
    let sql = RwSignal::new(initial);
    view! {
        <AskPanel id sql pinned/>
        <VerifiedPanel id/>
        <SqlEditor id sql/>
    }
}

#[component]
fn SqlEditor(id: Signal<String>, sql: RwSignal<String>) -> impl IntoView {
    let running_id = RwSignal::new(None::<String>);
    let ran_sql = RwSignal::new(String::new());
    let run = Action::new(move |(id, request): &(String, SqlRequest)| {
        let (id, request) = (id.clone(), request.clone());
        async move { outcome(run_sql(id, request).await) }
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
                None => view! { <p class="muted">"Run a query to see rows here."</p> }.into_any(),
                Some(Ok(result)) => view! { <ResultTable result sql=ran_sql.get_untracked()/> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="sql-error">{e}</p> }.into_any(),
            }}
        </div>
    }
}
