//! Who is signed in, shared by the whole UI: the top bar, admin-only parts of pages, and the
//! sign-in pages. Loaded once per page load as a resource, so server rendering and hydration
//! agree.
use leptos::prelude::*;

use super::{
    api::{logout, outcome, current_session},
    browser,
    model::SessionInfo,
};

pub type SessionResource = Resource<Option<SessionInfo>>;

pub fn provide_session() {
    let session: SessionResource = Resource::new(|| (), |_| async move { current_session().await.ok() });
    provide_context(session);
}

pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}

/// Where the sign-in form posts when the page's WebAssembly has not loaded (`/login` is the
/// page; with the WebAssembly the form calls the `login` server function instead).
pub const SIGN_IN_PATH: &str = "/sign-in";

/// What a sign-in posted to `SIGN_IN_PATH` failed with, from the error code it was sent
/// back with (`/login?failed=<code>`).
pub fn sign_in_failure(code: &str) -> &'static str {
    match code {
        "invalid_input" => "wrong username or password",
        "rate_limited" => "too many attempts: wait a minute and try again",
        _ => "signing in failed; try again",
    }
}

/// The sign-in page's address that leads back to `path_and_query` once signed in.
pub fn login_path(path_and_query: &str) -> String {
    if path_and_query == "/" {
        "/login".into()
    } else {
        format!("/login?next={}", percent_encoding::utf8_percent_encode(path_and_query, percent_encoding::NON_ALPHANUMERIC))
    }
}

/// Where sign-in leads: the page the person was sent away from when it is a path on this
/// site, never another site (`//evil.example`, `/\evil.example`, `https://…`).
pub fn return_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") && !p.chars().any(char::is_control) => p.to_string(),
        _ => "/".into(),
    }
}

fn admin(info: &Option<SessionInfo>) -> bool {
    info.as_ref().and_then(|s| s.user.as_ref()).is_some_and(|u| u.is_admin())
}

/// Renders its children for admins only (analysts see nothing).
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move { admin(&session.await).then(|| children.with_value(|c| c())) })}
        </Transition>
    }
}

/// The gate in front of a whole admin page: the page for admins, a refusal for everyone else.
#[component]
pub fn AdminGate(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                if admin(&session.await) {
                    children.with_value(|c| c()).into_any()
                } else {
                    view! {
                        <section class="page">
                            <h1>"Admins only"</h1>
                            <p class="error" role="alert" data-testid="not-allowed">"This page is for admins. Ask an admin if you need something changed."</p>
                            <p><a href="/">"Back to your datasources"</a></p>
                        </section>
                    }
                        .into_any()
                }
            })}
        </Transition>
    }
}

/// The top bar's links and the signed-in user with a sign-out button.
#[component]
pub fn UserNav() -> impl IntoView {
    let session = use_session();
    let sign_out = Action::new(|_: &()| async move { outcome(logout().await) });
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            browser::go_to("/login");
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let info = session.await;
                let user = info.as_ref().and_then(|s| s.user.clone());
                let can_sign_out = info.as_ref().is_some_and(|s| s.auth_enabled);
                user.map(|u| {
                    let is_admin = u.is_admin();
                    view! {
                        <nav>
                            <a href="/">"Datasources"</a>
                            <a href="/history">"History"</a>
                            {is_admin.then(|| view! { <a href="/settings">"Settings"</a> <a href="/admin">"Admin"</a> })}
                            <a href="/account">"Account"</a>
                        </nav>
                        <span class="whoami" data-testid="whoami">{u.username.clone()} " · " {u.role.as_str()}</span>
                        {can_sign_out.then(|| view! {
                            <button class="link" on:click=move |_| { sign_out.dispatch(()); }>"Sign out"</button>
                        })}
                    }
                })
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::{login_path, return_path};

    #[test]
    fn sign_in_leads_back_only_to_pages_of_this_site() {
        assert_eq!(login_path("/"), "/login");
        assert_eq!(login_path("/datasources/1?q=a b"), "/login?next=%2Fdatasources%2F1%3Fq%3Da%20b");
        assert_eq!(return_path(Some("/datasources/1?q=a b")), "/datasources/1?q=a b");
        for hostile in ["//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "/x\nLocation: y", ""] {
            assert_eq!(return_path(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(return_path(None), "/");
    }
}
