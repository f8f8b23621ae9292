//! Your account: your password, and personal API tokens for the `/api/v1` API.
use leptos::prelude::*;

use crate::app::{
    api::{change_password, create_token, form_outcome, list_tokens, outcome, revoke_token},
    components::{
        field_errors::{FieldErrors, FieldMessage},
        local_time::LocalTime,
    },
    browser,
    model::{CreatedToken, FieldError, PasswordChange},
    session::use_session,
};

/// Change your own password: the current one, the new one twice (compared here, since only a
/// typing mistake makes them differ). Errors stand next to their fields.
#[component]
fn ChangePassword() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let errors = FieldErrors::new("password");
    let change = Action::new(|change: &PasswordChange| {
        let change = change.clone();
        async move { form_outcome(change_password(change).await) }
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(())) => {
            for field in [current, new, repeat] {
                field.set(String::new());
            }
        }
        Some(Err(e)) if !e.fields.is_empty() => {
            errors.list.set(e.fields);
            browser::focus_first_invalid(".password-form");
        }
        _ => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change.value().set(None);
        let mut found = Vec::new();
        if current.get_untracked().is_empty() {
            found.push(FieldError::new("current", "enter your current password"));
        }
        if new.get_untracked().is_empty() {
            found.push(FieldError::new("new", "enter a new password"));
        } else if new.get_untracked() != repeat.get_untracked() {
            found.push(FieldError::new("repeat", "the two new passwords differ"));
        }
        errors.list.set(found.clone());
        if found.is_empty() {
            change.dispatch(PasswordChange { current: current.get_untracked(), new: new.get_untracked() });
        } else {
            browser::focus_first_invalid(".password-form");
        }
    };
    view! {
        <div class="card">
            <h2>"Password"</h2>
            <form class="grid password-form" novalidate on:submit=submit>
                <label>"Current password"
                    <input type="password" name="current_password" autocomplete="current-password" bind:value=current
                        aria-invalid=errors.invalid("current") aria-describedby=errors.described_by("current")/>
                    <FieldMessage errors field="current"/>
                </label>
                <label>"New password"
                    <input type="password" name="new_password" autocomplete="new-password" bind:value=new
                        aria-invalid=errors.invalid("new") aria-describedby=errors.described_by("new")/>
                    <FieldMessage errors field="new"/>
                </label>
                <label>"New password again"
                    <input type="password" name="repeat_password" autocomplete="new-password" bind:value=repeat
                        aria-invalid=errors.invalid("repeat") aria-describedby=errors.described_by("repeat")/>
                    <FieldMessage errors field="repeat"/>
                </label>
                <div class="form-actions wide">
                    <button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button>
                </div>
            </form>
            {move || change.value().get().map(|r| match r {
                Ok(()) => view! { <p class="ok" role="status">"Password changed. Your other sessions were signed out."</p> }.into_any(),
                Err(e) if e.fields.is_empty() => view! { <p class="error" role="alert">{e.message}</p> }.into_any(),
                Err(_) => ().into_any(),
            })}
        </div>
    }
}

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
    // In --no-auth mode there is no password to change.
    let session = use_session();
    view! {
        <section class="page">
            <h1>"Your account"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move { session.await.is_some_and(|s| s.auth_enabled).then(|| view! { <ChangePassword/> }) })}
            </Transition>
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
