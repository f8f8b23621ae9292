//! The few browser APIs the UI calls. Each is a no-op on the server, where event handlers
//! and effects never run.

/// Marks `<body data-hydrated="true">` so tests can wait for interactivity.
pub fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

/// Copies text to the clipboard; resolves to whether it worked.
pub async fn copy_to_clipboard(text: String) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let clipboard = leptos::prelude::window().navigator().clipboard();
        wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text)).await.is_ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// A fresh id for a query, so its cancel request can name it.
pub fn new_query_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        let a = (js_sys::Math::random() * 1e15) as u64;
        let b = js_sys::Date::now() as u64;
        format!("q{b:x}{a:x}")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::from("q-server")
    }
}

/// Loads another page (a full load, so every resource starts from the new session).
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::window().location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}
