//! DatabaseAI: ask questions of your own SQL database in plain language.
//!
//! `app` is shared by the server and the browser (WASM) build; `server` is ssr-only.
// Release builds keep Leptos's full view types (debug builds erase them), whose layout
// computation nests deeper than the default limit of 128.
#![recursion_limit = "256"]
pub mod app;

#[cfg(feature = "ssr")]
pub mod server;

/// Browser entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
