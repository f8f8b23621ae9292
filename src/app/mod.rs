//! The UI, shared by server rendering and the browser (hydration).
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

pub mod api;
pub mod browser;
pub mod components;
pub mod model;
pub mod pages;
pub mod table_rows;
pub mod session;
pub mod chart;
pub mod time;

use pages::{
    account::AccountPage,
    admin::AdminPage,
    datasources::DatasourcesPage,
    history::HistoryPage,
    login::{LoginPage, SetupPage},
    settings::SettingsPage,
    workbench::WorkbenchPage,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::csp::set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="description" content="Ask your SQL database questions in plain language: DatabaseAI writes read-only SQL, checks it, runs it with limits and shows the answer as a table and a chart."/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                // The stylesheet and scripts under their content-hashed names (see leptos_options).
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    session::provide_session();
    // Effects run only in the browser, after hydration: tests wait for this marker.
    Effect::new(move |_| browser::mark_hydrated());
    view! {
        <Title text="DatabaseAI"/>
        <Router>
            // rel=external: the browser, not the router, follows it, so the focus moves too.
            <a class="skip-link" href="#main" rel="external">"Skip to content"</a>
            <header class="topbar">
                <a href="/" class="brand">"DatabaseAI"</a>
                <session::UserNav/>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=DatasourcesPage/>
                    <Route path=path!("/datasources/:id") view=WorkbenchPage/>
                    <Route path=path!("/settings") view=SettingsPage/>
                    <Route path=path!("/admin") view=AdminPage/>
                    <Route path=path!("/account") view=AccountPage/>
                    <Route path=path!("/history") view=HistoryPage/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/setup") view=SetupPage/>
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <section class="page">
            <h1>"Page not found"</h1>
            <p>
                <a href="/">"Back to your datasources"</a>
            </p>
        </section>
    }
}
