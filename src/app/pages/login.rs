//! Sign-in, and the first-run page that creates the admin account.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::app::{
    api::{login, outcome, setup_admin},
    browser,
    model::{LoginInput, UserView},
    session::{return_path, sign_in_failure, use_session, SIGN_IN_PATH},
};

/// Signs in (or, on first run, creates the admin) and then loads the app afresh, so every
/// resource starts from the new session: on the page the person was sent here from.
fn sign_in_action(first_admin: bool) -> Action<LoginInput, Result<UserView, String>> {
    let submit = Action::new(move |input: &LoginInput| {
        let input = input.clone();
        async move { outcome(if first_admin { setup_admin(input).await } else { login(input).await }) }
    });
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(Ok(_)) = submit.value().get() {
            let next = query.with_untracked(|q| q.get("next"));
            browser::go_to(&return_path(next.as_deref()));
        }
    });
    submit
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = sign_in_action(false);
    let session = use_session();
    // Without the WebAssembly the form posts itself; a failure comes back as `?failed=<code>`.
    let query = use_query_map();
    let next = query.with_untracked(|q| q.get("next")).unwrap_or_default();
    let posted_failure = query.with_untracked(|q| q.get("failed")).map(|code| sign_in_failure(&code).to_string());
    let message = move || match submit.value().get() {
        Some(result) => result.err(),
        None => posted_failure.clone(),
    };
    view! {
        <section class="page narrow">
            <h1>"Sign in"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let info = session.await;
                    match info {
                        Some(s) if s.setup_needed => Some(view! {
                            <p class="warning">"No account exists yet. " <a href="/setup">"Create the admin account"</a> "."</p>
                        }.into_any()),
                        Some(s) if s.user.is_some() => Some(view! {
                            <p class="muted">"You are signed in. " <a href="/">"Go to your datasources"</a> "."</p>
                        }.into_any()),
                        _ => None,
                    }
                })}
            </Transition>
            <form class="card auth-form" method="post" action=SIGN_IN_PATH novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                submit.dispatch(LoginInput { username: username.get_untracked(), password: password.get_untracked() });
            }>
                <input type="hidden" name="next" value=next/>
                <label>"Username" <input name="username" autocomplete="username" required bind:value=username/></label>
                <label>"Password" <input name="password" type="password" autocomplete="current-password" required bind:value=password/></label>
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || submit.pending().get()>
                        {move || if submit.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </div>
                {move || message().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </form>
        </section>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let username = RwSignal::new("admin".to_string());
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let mismatch = RwSignal::new(false);
    let submit = sign_in_action(true);
    let session = use_session();
    view! {
        <section class="page narrow">
            <h1>"Welcome to DatabaseAI"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let needed = session.await.is_some_and(|s| s.setup_needed);
                    if needed {
                        view! {
                            <p class="lead">"Create the admin account. The admin adds datasources, shares them with analysts, and configures the language model."</p>
                            <form class="card auth-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                let ok = password.get_untracked() == repeat.get_untracked();
                                mismatch.set(!ok);
                                if ok {
                                    submit.dispatch(LoginInput { username: username.get_untracked(), password: password.get_untracked() });
                                }
                            }>
                                <label>"Username" <input name="username" autocomplete="username" bind:value=username/></label>
                                <label>"Password (at least 8 characters)" <input name="password" type="password" autocomplete="new-password" bind:value=password/></label>
                                <label>"Repeat the password" <input name="repeat" type="password" autocomplete="new-password" bind:value=repeat/></label>
                                <div class="form-actions">
                                    <button type="submit" class="primary" disabled=move || submit.pending().get()>"Create admin account"</button>
                                </div>
                                <Show when=move || mismatch.get()>
                                    <p class="error" role="alert">"The two passwords differ."</p>
                                </Show>
                                {move || submit.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
                            </form>
                        }
                            .into_any()
                    } else {
                        view! { <p class="muted">"The admin account exists. " <a href="/login">"Sign in"</a> "."</p> }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}
