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

/// `2026-11-26 04:15` in the browser's time zone, for Unix milliseconds.
#[cfg(feature = "hydrate")]
pub fn local_minute(ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!("{:04}-{:02}-{:02} {:02}:{:02}", d.get_full_year(), d.get_month() + 1, d.get_date(), d.get_hours(), d.get_minutes())
}

/// Unix milliseconds at the start of `date` (`2026-11-26`, as a date input gives it) plus
/// `days`, in the browser's time zone; None on the server or for anything else.
pub fn local_day_start_ms(date: &str, days: i32) -> Option<i64> {
    #[cfg(feature = "hydrate")]
    {
        let mut parts = date.trim().split('-').map(|p| p.parse::<i32>().ok());
        let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
        let t = js_sys::Date::new_with_year_month_day(u32::try_from(y).ok()?, m - 1, d + days).get_time();
        t.is_finite().then_some(t as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (date, days);
        None
    }
}

/// Moves the focus to the first field marked `aria-invalid="true"` inside `container` (a CSS
/// selector), after the next paint has shown the marks.
pub fn focus_first_invalid(container: &'static str) {
    focus_later(format!("{container} [aria-invalid='true']"));
}

/// Moves the focus to the first element `selector` finds after the next paint (which draws
/// what a signal change just asked for).
pub fn focus_later(selector: String) {
    #[cfg(feature = "hydrate")]
    leptos::prelude::request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(element) = leptos::prelude::document().query_selector(&selector).ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = element.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = selector;
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

/// Replaces the address's query (`c=…`, or nothing) without loading anything, so a reload
/// or a bookmark opens the same state.
pub fn replace_query(query: &str) {
    #[cfg(feature = "hydrate")]
    {
        let window = leptos::prelude::window();
        let path = window.location().pathname().unwrap_or_default();
        let url = if query.is_empty() { path } else { format!("{path}?{query}") };
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&history.state().unwrap_or(wasm_bindgen::JsValue::NULL), "", Some(&url));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = query;
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

/// Saves a string of SVG markup as a file.
#[cfg(feature = "hydrate")]
pub fn download_svg(markup: &str, file_name: &str) {
    let url = format!("data:image/svg+xml;charset=utf-8,{}", js_sys::encode_uri_component(markup));
    click_download(&url, file_name);
}

/// Draws SVG markup on a canvas and saves it as PNG (the browser renders it exactly as shown).
#[cfg(feature = "hydrate")]
pub fn download_svg_as_png(markup: &str, width: u32, height: u32, file_name: &str) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let Ok(image) = leptos::web_sys::HtmlImageElement::new() else { return };
    let loaded = image.clone();
    let name = file_name.to_string();
    let onload = Closure::once_into_js(move || {
        let document = leptos::prelude::document();
        let Some(canvas) = document.create_element("canvas").ok().and_then(|c| c.dyn_into::<leptos::web_sys::HtmlCanvasElement>().ok()) else { return };
        canvas.set_width(width);
        canvas.set_height(height);
        let Some(ctx) = canvas.get_context("2d").ok().flatten().and_then(|c| c.dyn_into::<leptos::web_sys::CanvasRenderingContext2d>().ok()) else { return };
        ctx.set_fill_style_str("#ffffff");
        ctx.fill_rect(0.0, 0.0, width as f64, height as f64);
        let _ = ctx.draw_image_with_html_image_element(&loaded, 0.0, 0.0);
        if let Ok(url) = canvas.to_data_url_with_type("image/png") {
            click_download(&url, &name);
        }
    });
    image.set_onload(Some(onload.unchecked_ref()));
    image.set_src(&format!("data:image/svg+xml;charset=utf-8,{}", js_sys::encode_uri_component(markup)));
}

#[cfg(feature = "hydrate")]
fn click_download(url: &str, file_name: &str) {
    use wasm_bindgen::JsCast;
    let document = leptos::prelude::document();
    if let Some(a) = document.create_element("a").ok().and_then(|a| a.dyn_into::<leptos::web_sys::HtmlAnchorElement>().ok()) {
        a.set_href(url);
        a.set_download(file_name);
        a.click();
    }
}
