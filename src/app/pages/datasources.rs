//! The datasources page: list, test, edit, delete, and the form to add one.
use leptos::prelude::*;

use crate::app::{
    api::{delete_datasource, list_datasources, outcome, test_datasource},
    components::datasource_form::{ConnectionTestView, DatasourceForm},
    model::{ConnectionTest, DatasourceSummary, Engine},
    session::{use_session, AdminOnly},
};

#[component]
pub fn DatasourcesPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let list = Resource::new(move || version.get(), |_| async move { outcome(list_datasources().await) });
    let editing = RwSignal::new(None::<DatasourceSummary>);
    let session = use_session();
    // The test a datasource was just saved with, shown on its card.
    let saved_test = RwSignal::new(None::<(String, ConnectionTest)>);
    let on_saved = Callback::new(move |(saved, test): (DatasourceSummary, ConnectionTest)| {
        editing.set(None);
        saved_test.set(Some((saved.id, test)));
        version.update(|v| *v += 1);
    });
    view! {
        <section class="page">
            <h1>"Datasources"</h1>
            <p class="lead">"Open a datasource to ask questions, browse its schema and run read-only SQL."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading datasources…"</p> }>
                {move || Suspend::new(async move {
                    let admin = session.await.and_then(|s| s.user).is_some_and(|u| u.is_admin());
                    match list.await {
                        Ok(items) if items.is_empty() => {
                            view! { <p class="muted">"No datasources yet. An admin can add one here, or share one with you."</p> }.into_any()
                        }
                        Ok(items) => {
                            view! {
                                <ul class="ds-list">
                                    {items
                                        .into_iter()
                                        .map(|ds| view! { <DatasourceCard ds editing version admin saved_test/> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    }
                })}
            </Transition>
            <AdminOnly>
                <DatasourceForm editing on_saved/>
            </AdminOnly>
        </section>
    }
}

fn describe(ds: &DatasourceSummary) -> String {
    match ds.engine {
        Engine::Postgres | Engine::MySql => format!(
            "{}@{}:{}/{}",
            ds.user.as_deref().unwrap_or(""),
            ds.host.as_deref().unwrap_or(""),
            ds.port.or(ds.engine.default_port()).unwrap_or_default(),
            ds.database.as_deref().unwrap_or("")
        ),
        Engine::Sqlite => format!("sqlite/{}", ds.path.as_deref().unwrap_or("")),
    }
}

#[component]
fn DatasourceCard(
    ds: DatasourceSummary,
    editing: RwSignal<Option<DatasourceSummary>>,
    version: RwSignal<u32>,
    admin: bool,
    saved_test: RwSignal<Option<(String, ConnectionTest)>>,
) -> impl IntoView {
    let id = ds.id.clone();
    let test = Action::new(move |id: &String| {
        let id = id.clone();
        async move { outcome(test_datasource(id).await) }
    });
    let delete = Action::new(move |id: &String| {
        let id = id.clone();
        async move { outcome(delete_datasource(id).await) }
    });
    let confirming = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            version.update(|v| *v += 1);
        }
    });
    let (id_test, id_delete, id_saved) = (id.clone(), id.clone(), id.clone());
    // The latest test of this card: its own Test button, else the test it was saved with.
    let latest_test = move || match test.value().get() {
        Some(r) => Some(r),
        None => saved_test.with(|s| s.as_ref().filter(|(id, _)| *id == id_saved).map(|(_, t)| Ok(t.clone()))),
    };
    let ds_edit = ds.clone();
    view! {
        <li class="ds-card" data-name=ds.name.clone()>
            <div class="ds-main">
                <a class="ds-name" href=format!("/datasources/{id}")>{ds.name.clone()}</a>
                <span class="badge">{ds.engine.label()}</span>
                {ds.is_demo.then(|| view! { <span class="badge demo">"demo"</span> })}
                <div class="ds-detail">{describe(&ds)}</div>
            </div>
            <div class="ds-actions">
                <a class="button primary" href=format!("/datasources/{id}")>"Open"</a>
                {admin.then(|| view! {
                <button on:click=move |_| { test.dispatch(id_test.clone()); } disabled=move || test.pending().get()>
                    {move || if test.pending().get() { "Testing…" } else { "Test" }}
                </button>
                <button on:click=move |_| editing.set(Some(ds_edit.clone()))>"Edit"</button>
                {move || {
                    let id_delete = id_delete.clone();
                    if confirming.get() {
                        view! {
                            <button class="danger" on:click=move |_| { delete.dispatch(id_delete.clone()); }>"Confirm delete"</button>
                            <button on:click=move |_| confirming.set(false)>"Keep"</button>
                        }
                            .into_any()
                    } else {
                        view! { <button on:click=move |_| confirming.set(true)>"Delete"</button> }.into_any()
                    }
                }}
                })}
            </div>
            {move || latest_test().map(|r: Result<ConnectionTest, String>| match r {
                Ok(t) => view! { <ConnectionTestView test=t/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
            {move || delete.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </li>
    }
}
