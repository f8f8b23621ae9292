//! A time in the reader's own time zone. The server cannot know that zone, so the page is
//! rendered and hydrated with the UTC text; once hydrated, the browser rewrites it.
use leptos::prelude::*;

use crate::app::time::{iso_minute, utc_minute};

#[component]
pub fn LocalTime(ms: i64) -> impl IntoView {
    let text = RwSignal::new(utc_minute(ms));
    // Effects run only in the browser, after hydration: the first rendering stays identical.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| text.set(crate::app::browser::local_minute(ms)));
    view! { <time datetime=iso_minute(ms) title=utc_minute(ms)>{move || text.get()}</time> }
}
