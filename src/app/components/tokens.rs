//! Personal API tokens: make one with the scopes and datasources it needs, see what each may
//! do, revoke it. Tokens serve scripts (`/api/v1`) and AI assistants (`/mcp`).
use leptos::prelude::*;

use crate::app::{
    api::{create_token, form_outcome, list_datasources, list_tokens, outcome, revoke_token},
    browser,
    components::{
        field_errors::{FieldErrors, FieldMessage},
        local_time::LocalTime,
    },
    model::{CreatedToken, DatasourceSummary, NewTokenInput, TokenScope, TokenView},
};

/// The scopes a new token starts with: what an assistant needs, not account changes.
fn default_scopes() -> Vec<TokenScope> {
    vec![TokenScope::Schema, TokenScope::Sql, TokenScope::Ask]
}

/// "schema, sql, ask" for the token list.
fn scopes_text(t: &TokenView) -> String {
    t.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}

/// "all" or the datasources' names (ids of ones since deleted stay as ids).
fn reach_text(t: &TokenView, datasources: &[DatasourceSummary]) -> String {
    match &t.datasource_ids {
        None => "all".into(),
        Some(ids) => ids
            .iter()
            .map(|id| datasources.iter().find(|d| &d.id == id).map_or(id.clone(), |d| d.name.clone()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[component]
pub fn Tokens() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let tokens = Resource::new(move || version.get(), |_| async move { outcome(list_tokens().await) });
    let datasources = Resource::new(|| (), |_| async move { outcome(list_datasources().await).unwrap_or_default() });
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(default_scopes());
    let limited = RwSignal::new(false);
    let chosen = RwSignal::new(Vec::<String>::new());
    let created = RwSignal::new(None::<CreatedToken>);
    let errors = FieldErrors::new("token");
    let create = Action::new(|input: &NewTokenInput| {
        let input = input.clone();
        async move { form_outcome(create_token(input).await) }
    });
    let revoke = Action::new(|id: &String| {
        let id = id.clone();
        async move { outcome(revoke_token(id).await) }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(t)) => {
            created.set(Some(t));
            name.set(String::new());
            errors.list.set(Vec::new());
            version.update(|v| *v += 1);
        }
        Some(Err(e)) if !e.fields.is_empty() => {
            errors.list.set(e.fields);
            browser::focus_first_invalid(".token-form");
        }
        _ => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = revoke.value().get() {
            version.update(|v| *v += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.value().set(None);
        let input = NewTokenInput {
            name: name.get_untracked(),
            scopes: Some(scopes.get_untracked()),
            datasource_ids: limited.get_untracked().then(|| chosen.get_untracked()),
        };
        create.dispatch(input);
    };
    let copied = RwSignal::new(false);
    view! {
        <div class="card">
            <h2>"API tokens"</h2>
            <p class="small muted">
                "A token lets a script or an AI assistant act as you: send " <code>"Authorization: Bearer <token>"</code>
                " to " <code>"/api/v1/…"</code> " or to the MCP endpoint " <code>"/mcp"</code>
                ". It may do only what you choose here, never more than you may. It is shown once; only a hash is stored."
            </p>
            <form class="grid token-form" novalidate on:submit=submit>
                <label class="wide">"Name"
                    <input id="token-name" name="token_name" placeholder="What is it for? e.g. Claude Desktop" bind:value=name
                        aria-invalid=errors.invalid("name") aria-describedby=errors.described_by("name")/>
                    <FieldMessage errors field="name"/>
                </label>
                <fieldset class="wide token-scopes" aria-invalid=errors.invalid("scopes") aria-describedby=errors.described_by("scopes")>
                    <legend>"It may"</legend>
                    {TokenScope::ALL.into_iter().map(|scope| view! {
                        <label class="check">
                            <input type="checkbox" name="scope" value=scope.as_str()
                                prop:checked=move || scopes.with(|s| s.contains(&scope))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    scopes.update(|s| { s.retain(|x| *x != scope); if on { s.push(scope); } });
                                }/>
                            <span><strong>{scope.as_str()}</strong>": " {scope.describe()}</span>
                        </label>
                    }).collect_view()}
                    <FieldMessage errors field="scopes"/>
                </fieldset>
                <fieldset class="wide token-reach" aria-invalid=errors.invalid("datasource_ids") aria-describedby=errors.described_by("datasource_ids")>
                    <legend>"On"</legend>
                    <label class="check">
                        <input type="radio" name="reach" value="all" prop:checked=move || !limited.get() on:change=move |_| limited.set(false)/>
                        <span>"every datasource I may use"</span>
                    </label>
                    <label class="check">
                        <input type="radio" name="reach" value="some" prop:checked=move || limited.get() on:change=move |_| limited.set(true)/>
                        <span>"only these:"</span>
                    </label>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            datasources.await.into_iter().map(|d| {
                                let id = d.id.clone();
                                let checked_id = d.id.clone();
                                view! {
                                    <label class="check indent">
                                        <input type="checkbox" name="datasource" value=d.id.clone() disabled=move || !limited.get()
                                            prop:checked=move || chosen.with(|c| c.contains(&checked_id))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id.clone()); } });
                                            }/>
                                        <span>{d.name.clone()}</span>
                                    </label>
                                }
                            }).collect_view()
                        })}
                    </Transition>
                    <FieldMessage errors field="datasource_ids"/>
                </fieldset>
                <div class="form-actions wide">
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Create token"</button>
                </div>
            </form>
            {move || create.value().get().and_then(|r| r.err()).filter(|e| e.fields.is_empty()).map(|e| view! { <p class="error" role="alert">{e.message}</p> })}
            {move || created.get().map(|t| {
                let secret = t.secret.clone();
                view! {
                    <div class="new-token" role="status">
                        <p>"Copy your new token now; it will not be shown again:"</p>
                        <code data-testid="new-token">{t.secret.clone()}</code>
                        <button on:click=move |_| {
                            let secret = secret.clone();
                            leptos::task::spawn_local(async move { copied.set(browser::copy_to_clipboard(secret).await) });
                        }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                    </div>
                }
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading tokens…"</p> }>
                {move || Suspend::new(async move {
                    let names = datasources.await;
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No tokens yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="preview" tabindex="0" role="region" aria-label="Your tokens">
                                <table class="plain-table" data-testid="tokens">
                                    <thead><tr><th>"Name"</th><th>"May"</th><th>"On"</th><th>"Starts with"</th><th>"Created"</th><th>"Last used"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|t| {
                                            let id = t.id.clone();
                                            view! {
                                                <tr>
                                                    <td>{t.name.clone()}</td>
                                                    <td>{scopes_text(&t)}</td>
                                                    <td>{reach_text(&t, &names)}</td>
                                                    <td><code>{t.prefix.clone()} "…"</code></td>
                                                    <td><LocalTime ms=t.created_at_ms/></td>
                                                    <td>{match t.last_used_ms { Some(ms) => view! { <LocalTime ms/> }.into_any(), None => "never".into_any() }}</td>
                                                    <td><button class="danger" on:click=move |_| { revoke.dispatch(id.clone()); }>"Revoke"</button></td>
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
        </div>
    }
}
