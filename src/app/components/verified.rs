//! Verified answers: mark an answer correct (after editing its SQL if needed), and the list of
//! a datasource's verified pairs with edit, delete, CSV export and import.
use leptos::prelude::*;

use crate::app::{
    api::{approve_verified, delete_verified, import_verified, list_verified, outcome, save_verified},
    components::result_table::CurrentDatasource,
    model::{VerifiedAnswer, VerifiedInput},
};

/// Bumped when a verified answer changes, so the list reloads.
#[derive(Clone, Copy)]
pub struct VerifiedVersion(pub RwSignal<u32>);

/// The editor for one pair (new, from an answer, or an existing one).
#[component]
fn VerifiedEditor(datasource_id: String, id: Option<String>, question: String, sql: String, shared: bool, on_done: Callback<()>) -> impl IntoView {
    let question = RwSignal::new(question);
    let sql = RwSignal::new(sql);
    let shared = RwSignal::new(shared);
    let version = use_context::<VerifiedVersion>();
    let save = Action::new(move |input: &(String, Option<String>, VerifiedInput)| {
        let (ds, id, input) = input.clone();
        async move { outcome(save_verified(ds, id, input).await) }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            if let Some(v) = version {
                v.0.update(|n| *n += 1);
            }
            on_done.run(());
        }
    });
    view! {
        <form class="verified-editor" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let input = VerifiedInput { question: question.get_untracked(), sql: sql.get_untracked(), shared: shared.get_untracked() };
            save.dispatch((datasource_id.clone(), id.clone(), input));
        }>
            <label>"Question" <input name="verified_question" bind:value=question/></label>
            <label>"SQL" <textarea name="verified_sql" class="sql-input" rows="4" bind:value=sql></textarea></label>
            <label class="check"><input type="checkbox" name="verified_shared" bind:checked=shared/>" Share with everyone who can use this datasource"</label>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || save.pending().get()>"Save as verified"</button>
                <button type="button" on:click=move |_| on_done.run(())>"Cancel"</button>
            </div>
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
    }
}

/// "Mark as correct" under an answer.
#[component]
pub fn MarkCorrect(question: String, sql: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let datasource = use_context::<CurrentDatasource>();
    let (question, sql) = (StoredValue::new(question), StoredValue::new(sql));
    view! {
        <Show when=move || !open.get() && !saved.get()>
            <button class="small" on:click=move |_| open.set(true)>"Mark as correct"</button>
        </Show>
        <Show when=move || saved.get()>
            <span class="ok small" role="status">"Saved as a verified answer"</span>
        </Show>
        <Show when=move || open.get()>
            {move || datasource.map(|d| view! {
                <VerifiedEditor datasource_id=d.0.get_untracked() id=None question=question.get_value() sql=sql.get_value() shared=false
                    on_done=Callback::new(move |_| { open.set(false); saved.set(true); })/>
            })}
        </Show>
    }
}

/// The datasource's verified answers (yours and the shared ones).
#[component]
pub fn VerifiedPanel(id: Signal<String>) -> impl IntoView {
    let version = use_context::<VerifiedVersion>().map(|v| v.0).unwrap_or_else(|| RwSignal::new(0));
    let list = Resource::new(move || (id.get(), version.get()), |(id, _)| async move { outcome(list_verified(id).await) });
    let editing = RwSignal::new(None::<String>);
    let remove = Action::new(|vid: &String| {
        let vid = vid.clone();
        async move { outcome(delete_verified(vid).await) }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = remove.value().get() {
            version.update(|n| *n += 1);
        }
    });
    let approve = Action::new(|vid: &String| {
        let vid = vid.clone();
        async move { outcome(approve_verified(vid).await) }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = approve.value().get() {
            version.update(|n| *n += 1);
        }
    });
    let import = Action::new(move |csv: &String| {
        let csv = csv.clone();
        async move { outcome(import_verified(id.get_untracked(), csv).await) }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = import.value().get() {
            version.update(|n| *n += 1);
        }
    });
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let input: leptos::web_sys::HtmlInputElement = ev.target().expect("an input").unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                leptos::task::spawn_local(async move {
                    if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                        import.dispatch(text.as_string().unwrap_or_default());
                    }
                });
            }
            input.set_value("");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, import);
    };
    view! {
        <details class="card-flat verified" data-testid="verified-panel">
            <summary>
                "Verified answers "
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move { list.await.map(|l| format!("({})", l.len())).unwrap_or_default() })}
                </Transition>
            </summary>
            <p class="small muted">"Questions with SQL someone confirmed. The closest ones are shown to the model as examples for new questions (someone else's shared answer only once an admin approved it)."</p>
            {move || approve.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="form-actions">
                <a class="button" href=move || format!("/api/v1/datasources/{}/verified/export", id.get()) download="verified-answers.csv">"Export CSV"</a>
                <label class="button file-button">"Import CSV" <input type="file" accept=".csv,text/csv" name="verified_import" on:change=on_file/></label>
            </div>
            {move || import.value().get().map(|r| match r {
                Ok(n) => view! { <p class="ok small" role="status">{format!("Imported {n} verified answer{}", if n == 1 { "" } else { "s" })}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(items) if items.is_empty() => view! { <p class="muted">"None yet: mark an answer as correct to add one."</p> }.into_any(),
                        Ok(items) => view! {
                            <ul class="verified-list">
                                {items.into_iter().map(|v| view! { <VerifiedItem v editing remove approve/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    }
                })}
            </Transition>
        </details>
    }
}

#[component]
fn VerifiedItem(
    v: VerifiedAnswer,
    editing: RwSignal<Option<String>>,
    remove: Action<String, Result<(), String>>,
    approve: Action<String, Result<VerifiedAnswer, String>>,
) -> impl IntoView {
    let item = StoredValue::new(v.clone());
    let vid = v.id.clone();
    let is_editing = move || editing.get().as_deref() == Some(vid.as_str());
    view! {
        <li data-question=v.question.clone()>
            <Show when=is_editing.clone() fallback=move || {
                let v = item.get_value();
                let (id_edit, id_remove, id_approve) = (v.id.clone(), v.id.clone(), StoredValue::new(v.id.clone()));
                let awaiting = v.shared && !v.approved;
                view! {
                    <p class="question-text">{v.question.clone()}</p>
                    <pre class="sql">{v.sql.clone()}</pre>
                    <p class="small muted">
                        {format!("by {}", v.author)}
                        {v.shared.then(|| view! { " · " <span class="badge">"shared"</span> })}
                        {awaiting.then(|| view! { " · " <span class="badge warn" title="Not used in other people's prompts until an admin approves it">"awaiting approval"</span> })}
                    </p>
                    {v.can_approve.then(|| view! {
                        <div class="answer-actions">
                            <button class="small" on:click=move |_| { approve.dispatch(id_approve.get_value()); }>"Approve for everyone's prompts"</button>
                        </div>
                    })}
                    {v.mine.then(|| view! {
                        <div class="answer-actions">
                            <button class="small" on:click=move |_| editing.set(Some(id_edit.clone()))>"Edit"</button>
                            <button class="small danger" on:click=move |_| { remove.dispatch(id_remove.clone()); }>"Delete"</button>
                        </div>
                    })}
                }
            }>
                {move || {
                    let v = item.get_value();
                    view! {
                        <VerifiedEditor datasource_id=v.datasource_id.clone() id=Some(v.id.clone()) question=v.question.clone() sql=v.sql.clone() shared=v.shared
                            on_done=Callback::new(move |_| editing.set(None))/>
                    }
                }}
            </Show>
        </li>
    }
}
