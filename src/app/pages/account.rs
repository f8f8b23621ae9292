//! Your account: your password, and personal tokens for the API and MCP clients.
use leptos::prelude::*;

use crate::app::{
    api::{change_password, form_outcome},
    components::{
        field_errors::{FieldErrors, FieldMessage},
        tokens::Tokens,
    },
    browser,
    model::{FieldError, PasswordChange},
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
    // In --no-auth mode there is no password to change.
    let session = use_session();
    view! {
        <section class="page">
            <h1>"Your account"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move { session.await.is_some_and(|s| s.auth_enabled).then(|| view! { <ChangePassword/> }) })}
            </Transition>
            <Tokens/>
        </section>
    }
}
