//! Settings: the language model the ask pipeline uses. The API key is write-only: the page
//! only learns whether one is saved.
use leptos::prelude::*;

use crate::app::{
    api::{get_llm_settings, outcome, reset_llm_settings, save_llm_settings, test_llm_settings},
    model::{LlmProviderInput, LlmProviderView, LlmTestResult},
    session::AdminGate,
};

#[derive(Clone, Copy)]
struct Fields {
    base_url: RwSignal<String>,
    model: RwSignal<String>,
    api_key: RwSignal<String>,
    clear_api_key: RwSignal<bool>,
    temperature: RwSignal<String>,
    max_tokens: RwSignal<String>,
    timeout_ms: RwSignal<String>,
}

impl Fields {
    fn new() -> Self {
        Fields {
            base_url: RwSignal::new(String::new()),
            model: RwSignal::new(String::new()),
            api_key: RwSignal::new(String::new()),
            clear_api_key: RwSignal::new(false),
            temperature: RwSignal::new("0".into()),
            max_tokens: RwSignal::new("512".into()),
            timeout_ms: RwSignal::new("180000".into()),
        }
    }

    fn load(&self, v: &LlmProviderView) {
        self.base_url.set(v.base_url.clone());
        self.model.set(v.model.clone());
        self.api_key.set(String::new());
        self.clear_api_key.set(false);
        self.temperature.set(v.temperature.to_string());
        self.max_tokens.set(v.max_tokens.to_string());
        self.timeout_ms.set(v.timeout_ms.to_string());
    }

    /// The request; numbers that do not parse are reported here, before any request.
    fn input(&self) -> Result<LlmProviderInput, String> {
        let number = |s: RwSignal<String>, what: &str| s.get_untracked().trim().parse::<f64>().map_err(|_| format!("{what} must be a number"));
        Ok(LlmProviderInput {
            base_url: self.base_url.get_untracked(),
            model: self.model.get_untracked(),
            api_key: Some(self.api_key.get_untracked()).filter(|k| !k.trim().is_empty()),
            clear_api_key: self.clear_api_key.get_untracked(),
            temperature: number(self.temperature, "temperature")? as f32,
            max_tokens: number(self.max_tokens, "max tokens")? as u32,
            timeout_ms: number(self.timeout_ms, "timeout")? as u64,
        })
    }
}

fn source_label(source: &str) -> &'static str {
    match source {
        "settings" => "saved on this page",
        "environment" => "from the server's flags / environment",
        _ => "none configured: questions cannot be answered yet",
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <AdminGate>
            <LlmSettings/>
        </AdminGate>
    }
}

#[component]
fn LlmSettings() -> impl IntoView {
    let f = Fields::new();
    let current = RwSignal::new(None::<LlmProviderView>);
    let message = RwSignal::new(None::<Result<String, String>>);
    let loaded = Resource::new(|| (), |_| async move { outcome(get_llm_settings().await) });
    Effect::new(move |_| {
        if let Some(Ok(v)) = loaded.get() {
            f.load(&v);
            current.set(Some(v));
        }
    });
    let save = Action::new(move |input: &LlmProviderInput| {
        let input = input.clone();
        async move { outcome(save_llm_settings(input).await) }
    });
    let test = Action::new(move |input: &LlmProviderInput| {
        let input = input.clone();
        async move { outcome(test_llm_settings(input).await) }
    });
    let reset = Action::new(move |_: &()| async move { outcome(reset_llm_settings().await) });
    let apply_view = move |r: Option<Result<LlmProviderView, String>>, done: &str| match r {
        Some(Ok(v)) => {
            f.load(&v);
            current.set(Some(v));
            message.set(Some(Ok(done.to_string())));
        }
        Some(Err(e)) => message.set(Some(Err(e))),
        None => {}
    };
    Effect::new(move |_| apply_view(save.value().get(), "Saved. The next question uses these settings."));
    Effect::new(move |_| apply_view(reset.value().get(), "Back to the server's flags / environment."));
    Effect::new(move |_| match test.value().get() {
        Some(Ok(LlmTestResult { ok: true, message: m, .. })) => message.set(Some(Ok(m))),
        Some(Ok(LlmTestResult { message: m, .. })) | Some(Err(m)) => message.set(Some(Err(m))),
        None => {}
    });
    let with_input = move |run: &dyn Fn(LlmProviderInput)| match f.input() {
        Ok(input) => run(input),
        Err(e) => message.set(Some(Err(e))),
    };
    let busy = move || save.pending().get() || test.pending().get() || reset.pending().get();
    view! {
        <section class="page">
            <h1>"Settings"</h1>
            <form class="card settings-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                with_input(&|input| { save.dispatch(input); });
            }>
                <h2>"Language model"</h2>
                <p class="muted" data-testid="llm-source">
                    "In use: " {move || current.get().map(|c| source_label(&c.source)).unwrap_or("…")}
                </p>
                <p class="small muted">
                    "Any OpenAI-compatible chat-completions server: llama.cpp's llama-server (the default local model, "
                    <code>"http://127.0.0.1:8081/v1"</code> "), Ollama (" <code>"http://127.0.0.1:11434/v1"</code>
                    "), vLLM, LM Studio, LiteLLM or OpenAI (" <code>"https://api.openai.com/v1"</code> ")."
                </p>
                <div class="grid">
                    <label class="wide">"Base URL" <input name="base_url" bind:value=f.base_url placeholder="http://127.0.0.1:8081/v1"/></label>
                    <label>"Model" <input name="model" bind:value=f.model placeholder="qwen2.5-coder-1.5b-instruct"/></label>
                    <label>
                        "API key"
                        <input name="api_key" type="password" autocomplete="new-password" bind:value=f.api_key
                            placeholder=move || if current.get().is_some_and(|c| c.has_api_key) { "unchanged (stored encrypted)" } else { "none" }/>
                    </label>
                    <Show when=move || current.get().is_some_and(|c| c.has_api_key)>
                        <label class="check"><input type="checkbox" name="clear_api_key" bind:checked=f.clear_api_key/>" Remove the saved key"</label>
                    </Show>
                    <label>"Temperature" <input name="temperature" inputmode="decimal" bind:value=f.temperature/></label>
                    <label>"Max tokens" <input name="max_tokens" inputmode="numeric" bind:value=f.max_tokens/></label>
                    <label>"Timeout (ms)" <input name="timeout_ms" inputmode="numeric" bind:value=f.timeout_ms/></label>
                </div>
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=busy>"Save"</button>
                    <button type="button" disabled=busy on:click=move |_| with_input(&|input| { test.dispatch(input); })>
                        {move || if test.pending().get() { "Testing…" } else { "Test" }}
                    </button>
                    <Show when=move || current.get().is_some_and(|c| c.source == "settings")>
                        <button type="button" disabled=busy on:click=move |_| { reset.dispatch(()); }>"Use the server's settings"</button>
                    </Show>
                </div>
                {move || message.get().map(|m| match m {
                    Ok(text) => view! { <p class="ok" role="status" data-testid="settings-message">{text}</p> }.into_any(),
                    Err(text) => view! { <p class="error" role="alert" data-testid="settings-message">{text}</p> }.into_any(),
                })}
            </form>
        </section>
    }
}
