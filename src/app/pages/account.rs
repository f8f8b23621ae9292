//! Your account: personal API tokens for the `/api/v1` API.
use leptos::prelude::*;

use crate::app::{
    api::{create_token, list_tokens, outcome, revoke_token},
    components::local_time::LocalTime,
    browser,
    model::CreatedToken,
};

#[component]
pub fn AccountPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let tokens = Resource::new(move || version.get(), |_| async move { outcome(list_tokens().await) });
    let name = RwSignal::new(String::new());
    let created = RwSignal::new(None::<CreatedToken>);
    let create = Action::new(|name: &String| {
        let name = name.clone();
        async move { outcome(create_token(name).await) }
    });
    let revoke = Action::new(|id: &String| {
        let id = id.clone();
        async move { outcome(revoke_token(id).await) }
    });
    Effect::new(move |_| {
        if let Some(Ok(t)) = create.value().get() {
            created.set(Some(t));
            name.set(String::new());
            version.update(|v| *v += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = revoke.value().get() {
            version.update(|v| *v += 1);
        }
    });
    let copied = RwSignal::new(false);
    view! {
        <section class="page">
            <h1>"Your account"</h1>
            <div class="card">
                <h2>"API tokens"</h2>
                <p class="small muted">
                    "A token lets a script use the API as you: send " <code>"Authorization: Bearer <token>"</code>
                    " to " <code>"/api/v1/…"</code> ". The token is shown once; only a hash is stored."
                </p>
                <form class="ask-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    create.dispatch(name.get_untracked());
                }>
                    <label class="sr-only" for="token-name">"Token name"</label>
                    <input id="token-name" name="token_name" placeholder="What is it for? e.g. nightly report" bind:value=name/>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Create token"</button>
                </form>
                {move || create.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
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
                        match tokens.await {
                            Ok(list) if list.is_empty() => view! { <p class="muted">"No tokens yet."</p> }.into_any(),
                            Ok(list) => view! {
                                <table class="plain-table" data-testid="tokens">
                                    <thead><tr><th>"Name"</th><th>"Starts with"</th><th>"Created"</th><th>"Last used"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|t| {
                                            let id = t.id.clone();
                                            view! {
                                                <tr>
                                                    <td>{t.name.clone()}</td>
                                                    <td><code>{t.prefix.clone()} "…"</code></td>
                                                    <td><LocalTime ms=t.created_at_ms/></td>
                                                    <td>{match t.last_used_ms { Some(ms) => view! { <LocalTime ms/> }.into_any(), None => "never".into_any() }}</td>
                                                    <td><button class="danger" on:click=move |_| { revoke.dispatch(id.clone()); }>"Revoke"</button></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </section>
    }
}
