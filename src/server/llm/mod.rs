//! One client for OpenAI-compatible chat completions (OpenAI, vLLM, Ollama's /v1, llama.cpp's
//! llama-server, LM Studio, LiteLLM…): streaming over SSE, structured output via
//! `response_format` where the server supports it, and hard caps on time and reply size.
//! The API key stays on the server: it is held as a secret and never logged.
use std::time::Duration;

use futures::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

mod answer;
mod sse;
pub mod provider;
pub use answer::{answer_schema, parse_answer, ModelAnswer};

/// Longest reply accepted, in bytes; a model that rambles past this is cut off with an error.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// How one reply is sampled. A seed makes a sampled reply repeatable (OpenAI and llama.cpp
/// both take one), so two runs of a multi-candidate ask can be compared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampling {
    pub temperature: f32,
    pub seed: Option<u64>,
}

#[derive(Clone)]
pub struct LlmSettings {
    /// Ends before `/chat/completions`, e.g. `http://127.0.0.1:8081/v1`.
    pub base_url: url::Url,
    pub model: String,
    pub api_key: Option<SecretString>,
    pub temperature: f32,
    pub max_tokens: u32,
    pub timeout: Duration,
}

impl std::fmt::Debug for LlmSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmSettings")
            .field("base_url", &self.base_url.as_str())
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[set]"))
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage { role: "system".into(), content: content.into() }
    }
    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage { role: "user".into(), content: content.into() }
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        ChatMessage { role: "assistant".into(), content: content.into() }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LlmError {
    #[error("the language model at {0} could not be reached")]
    Unreachable(String),
    #[error("the language model did not answer within {0} s")]
    Timeout(u64),
    #[error("the language model returned HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("the language model's reply was longer than {MAX_REPLY_BYTES} bytes")]
    TooLarge,
    #[error("the language model's reply could not be read: {0}")]
    Malformed(String),
    /// HTTP 429 or 503: the server is overloaded or rate-limits us.
    #[error("the language model is busy (HTTP {status}: {message}); {note}")]
    Busy { status: u16, message: String, retry_after_s: Option<u64>, note: String },
}

/// A busy model server is asked again at most this many times…
const BUSY_RETRIES: u32 = 2;
/// …and never after more than this much waiting in all (its `Retry-After`, else 1 s, 2 s).
const BUSY_MAX_WAIT_S: u64 = 10;

#[derive(Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    settings: LlmSettings,
}

impl LlmClient {
    pub fn new(settings: LlmSettings) -> Self {
        let http = reqwest::Client::builder()
            // A checked base URL must not bounce elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("a TLS backend is compiled in");
        LlmClient { http, settings }
    }

    pub fn settings(&self) -> &LlmSettings {
        &self.settings
    }

    /// Sends the conversation and returns the reply text, calling `on_token` for each streamed
    /// piece. With `schema`, asks for JSON matching it; servers that refuse the option get
    /// the request again without it (the answer parser is tolerant).
    pub async fn chat(
        &self,
        messages: &[ChatMessage],
        schema: Option<&serde_json::Value>,
        on_token: &mut (dyn FnMut(&str) + Send),
    ) -> Result<String, LlmError> {
        self.chat_at(messages, schema, Sampling { temperature: self.settings.temperature, seed: None }, on_token).await
    }

    /// The same with other sampling (a retry after the model repeated itself needs some
    /// variety, which temperature 0 never gives; sampled candidates each get a seed).
    pub async fn chat_at(
        &self,
        messages: &[ChatMessage],
        schema: Option<&serde_json::Value>,
        sampling: Sampling,
        on_token: &mut (dyn FnMut(&str) + Send),
    ) -> Result<String, LlmError> {
        let secs = self.settings.timeout.as_secs();
        let started = std::time::Instant::now();
        let mut tokens = 0u64;
        let mut counting = |piece: &str| {
            tokens += 1;
            on_token(piece)
        };
        let work = async {
            let (mut waited_s, mut retry) = (0, 0);
            loop {
                let result = match self.send(messages, schema, sampling, &mut counting).await {
                    Err(LlmError::Http { status: 400 | 422, .. }) if schema.is_some() => {
                        self.send(messages, None, sampling, &mut counting).await
                    }
                    other => other,
                };
                let Err(LlmError::Busy { status, message, retry_after_s, .. }) = result else { return result };
                let wait_s = retry_after_s.unwrap_or(1u64 << retry);
                if retry >= BUSY_RETRIES || waited_s + wait_s > BUSY_MAX_WAIT_S {
                    let note = match retry_after_s {
                        Some(s) if s > BUSY_MAX_WAIT_S => format!("it asks to wait {s} s; try again later"),
                        _ => format!("asked {} times over {waited_s} s; try again later", retry + 1),
                    };
                    return Err(LlmError::Busy { status, message, retry_after_s, note });
                }
                tracing::info!(status, wait_s, "the language model is busy: asking again after its wait");
                tokio::time::sleep(Duration::from_secs(wait_s)).await;
                waited_s += wait_s;
                retry += 1;
            }
        };
        let result = tokio::time::timeout(self.settings.timeout, work).await.map_err(|_| LlmError::Timeout(secs)).and_then(|r| r);
        let outcome = if result.is_ok() { "ok" } else { "error" };
        crate::server::metrics::llm_call(outcome, started.elapsed().as_secs_f64(), tokens);
        result
    }

    async fn send(
        &self,
        messages: &[ChatMessage],
        schema: Option<&serde_json::Value>,
        sampling: Sampling,
        on_token: &mut (dyn FnMut(&str) + Send),
    ) -> Result<String, LlmError> {
        let mut body = serde_json::json!({
            "model": self.settings.model,
            "messages": messages,
            "temperature": sampling.temperature,
            "max_tokens": self.settings.max_tokens,
            "stream": true,
        });
        if let Some(seed) = sampling.seed {
            body["seed"] = seed.into();
        }
        if let Some(schema) = schema {
            body["response_format"] =
                serde_json::json!({"type": "json_schema", "json_schema": {"name": "answer", "strict": true, "schema": schema}});
        }
        let url = format!("{}/chat/completions", self.settings.base_url.as_str().trim_end_matches('/'));
        let mut request = self.http.post(&url).json(&body);
        if let Some(key) = &self.settings.api_key {
            request = request.bearer_auth(key.expose_secret());
        }
        let host = self.settings.base_url.host_str().unwrap_or("").to_string();
        let response = request.send().await.map_err(|e| {
            tracing::warn!(error = %e, "LLM request failed");
            if e.is_timeout() { LlmError::Timeout(self.settings.timeout.as_secs()) } else { LlmError::Unreachable(host.clone()) }
        })?;
        let status = response.status();
        if status.as_u16() == 429 || status.as_u16() == 503 {
            // Seconds only; the HTTP-date form is rare from model servers.
            let retry_after_s = response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
            let text = read_capped(response).await.unwrap_or_default();
            return Err(LlmError::Busy { status: status.as_u16(), message: error_message(&text), retry_after_s, note: String::new() });
        }
        if !status.is_success() {
            let text = read_capped(response).await.unwrap_or_default();
            return Err(LlmError::Http { status: status.as_u16(), message: error_message(&text) });
        }
        let is_sse = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !is_sse {
            // The server ignored `stream: true`: one JSON document.
            let text = read_capped(response).await?;
            let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| LlmError::Malformed(e.to_string()))?;
            let content = doc["choices"][0]["message"]["content"]
                .as_str()
                .ok_or_else(|| LlmError::Malformed("no choices[0].message.content".into()))?;
            on_token(content);
            return Ok(content.to_string());
        }
        let mut reply = String::new();
        let mut decoder = sse::SseDecoder::default();
        let mut stream = response.bytes_stream();
        // A reply is whole once the server says so (`[DONE]`, or a `finish_reason`); a stream
        // that just stops was cut, and half an answer must not pass for a whole one.
        let mut finished = false;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| LlmError::Malformed(format!("the stream was cut: {e}")))?;
            let events = decoder.push(&chunk).map_err(|e| match e {
                sse::SseError::TooLarge => LlmError::TooLarge,
                sse::SseError::NotUtf8 => LlmError::Malformed("the stream is not UTF-8".into()),
            })?;
            for data in events {
                if data.trim() == "[DONE]" {
                    return Ok(reply);
                }
                finished |= take_stream_event(&data, &mut reply, on_token)?;
            }
        }
        match decoder.finish() {
            Some(data) if data.trim() == "[DONE]" => return Ok(reply),
            Some(data) => finished |= take_stream_event(&data, &mut reply, on_token)?,
            None => {}
        }
        if finished {
            Ok(reply)
        } else {
            Err(LlmError::Malformed("the stream ended before the reply was complete (the connection was cut)".into()))
        }
    }
}

/// One `data:` event of a streamed chat completion: an error, or the next piece of the reply.
/// True when it is the last one (it has a `finish_reason`).
fn take_stream_event(data: &str, reply: &mut String, on_token: &mut (dyn FnMut(&str) + Send)) -> Result<bool, LlmError> {
    let chunk: serde_json::Value = serde_json::from_str(data).map_err(|e| LlmError::Malformed(format!("bad stream event: {e}")))?;
    if let Some(message) = chunk.get("error") {
        return Err(LlmError::Http { status: 500, message: error_message(&message.to_string()) });
    }
    if let Some(piece) = chunk["choices"][0]["delta"]["content"].as_str() {
        if reply.len() + piece.len() > MAX_REPLY_BYTES {
            return Err(LlmError::TooLarge);
        }
        reply.push_str(piece);
        on_token(piece);
    }
    Ok(chunk["choices"][0]["finish_reason"].as_str().is_some())
}

async fn read_capped(response: reqwest::Response) -> Result<String, LlmError> {
    let mut out = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| LlmError::Malformed(e.to_string()))?;
        if out.len() + chunk.len() > MAX_REPLY_BYTES {
            return Err(LlmError::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    String::from_utf8(out).map_err(|_| LlmError::Malformed("not UTF-8".into()))
}

/// The `error.message` of an OpenAI-style error body, else the text, shortened.
fn error_message(text: &str) -> String {
    let parsed: Option<String> = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().or(v["message"].as_str()).map(str::to_string));
    let msg = parsed.unwrap_or_else(|| text.trim().to_string());
    msg.chars().take(300).collect()
}
