//! A scripted OpenAI-compatible server: real HTTP on a random port, streaming replies as SSE
//! the way llama-server and OpenAI do, and recording every request it gets.
//!
//! An ask sends one greedy request (no `seed`) and, with several candidates, sampled ones
//! (with a `seed`) at the same time. Greedy requests take the scripted replies in order.
//! Sampled ones take the `samples` script when one is given, and otherwise get the same reply
//! the greedy request with the same messages got, so candidates agree unless a test says not.
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Body,
    extract::State,
    http::{header, StatusCode},
    response::Response,
    routing::post,
    Json, Router,
};
use futures::StreamExt;
use serde_json::{json, Value};

#[derive(Clone)]
pub enum Reply {
    /// Streamed in small SSE chunks, then `[DONE]`.
    Stream(String),
    /// One JSON document (a server that ignores `stream: true`).
    Plain(String),
    /// An error status with an OpenAI-style error body.
    Status(u16, String),
    /// A raw SSE body, for malformed streams.
    RawSse(String),
    /// The reply after a delay.
    Slow(Duration, Box<Reply>),
    /// The first half of a streamed reply, then the body ends: no `[DONE]`, no `finish_reason`.
    Cut(String),
    /// The first half of a streamed reply, then nothing, ever (a stalled server).
    Stall(String),
    /// HTTP 429 (or 503) with this `Retry-After` in seconds, if any.
    Busy(u16, Option<u64>),
}

/// `{"sql": …}` as the model should answer.
pub fn answer(sql: &str) -> Reply {
    Reply::Stream(json!({ "sql": sql }).to_string())
}

#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    requests: Arc<Mutex<Vec<Value>>>,
    samples: Arc<Mutex<VecDeque<Reply>>>,
    sampled_requests: Arc<Mutex<Vec<Value>>>,
    /// Greedy replies by the messages they answered, for sampled requests to mirror.
    answered: Arc<Mutex<HashMap<String, Reply>>>,
    answered_changed: Arc<tokio::sync::Notify>,
    /// Requests whose client hung up before the reply was sent.
    abandoned: Arc<std::sync::atomic::AtomicUsize>,
}

/// Counts a request as abandoned if its handler is dropped before it answers.
struct Abandoned(Option<Arc<std::sync::atomic::AtomicUsize>>);

impl Drop for Abandoned {
    fn drop(&mut self) {
        if let Some(counter) = &self.0 {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

pub struct StubLlm {
    pub base_url: String,
    script: Script,
}

impl StubLlm {
    pub async fn start(replies: Vec<Reply>) -> StubLlm {
        StubLlm::start_with_samples(replies, vec![]).await
    }

    /// Greedy requests get `replies` in order, sampled candidates get `samples` in order.
    pub async fn start_with_samples(replies: Vec<Reply>, samples: Vec<Reply>) -> StubLlm {
        let script = Script { replies: Arc::new(Mutex::new(replies.into())), samples: Arc::new(Mutex::new(samples.into())), ..Default::default() };
        let app = Router::new().route("/v1/chat/completions", post(complete)).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        StubLlm { base_url: format!("http://{addr}/v1"), script }
    }

    pub fn abandoned(&self) -> usize {
        self.script.abandoned.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The greedy requests, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.script.requests.lock().unwrap().clone()
    }

    /// The sampled candidates' requests.
    pub fn sampled_requests(&self) -> Vec<Value> {
        self.script.sampled_requests.lock().unwrap().clone()
    }
}

/// The reply the greedy request with these messages got (waiting for it a while).
async fn mirror(script: &Script, key: &str) -> Reply {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let changed = script.answered_changed.notified();
        if let Some(reply) = script.answered.lock().unwrap().get(key) {
            return reply.clone();
        }
        if tokio::time::timeout_at(deadline, changed).await.is_err() {
            return Reply::Status(500, "no greedy request with these messages to mirror".into());
        }
    }
}

async fn complete(State(script): State<Script>, Json(body): Json<Value>) -> Response {
    let key = body["messages"].to_string();
    let sampled = body.get("seed").is_some();
    let mut reply = if sampled {
        script.sampled_requests.lock().unwrap().push(body);
        let scripted = script.samples.lock().unwrap().pop_front();
        match scripted {
            Some(reply) => reply,
            None => mirror(&script, &key).await,
        }
    } else {
        script.requests.lock().unwrap().push(body);
        let next = script.replies.lock().unwrap().pop_front();
        let reply = next.unwrap_or(Reply::Status(500, "the stub's script is exhausted".into()));
        script.answered.lock().unwrap().insert(key, reply.clone());
        script.answered_changed.notify_waiters();
        reply
    };
    // Only greedy requests count: the tests watch the call the user sees.
    let mut watch = Abandoned((!sampled).then(|| script.abandoned.clone()));
    while let Reply::Slow(delay, inner) = reply {
        tokio::time::sleep(delay).await;
        reply = *inner;
    }
    watch.0 = None;
    let sse = |stream| Response::builder().header(header::CONTENT_TYPE, "text/event-stream").body(Body::from_stream(stream)).unwrap();
    match reply {
        Reply::Stream(content) => {
            let mut events = stream_events(&content);
            events.push("data: [DONE]\n\n".into());
            sse(futures::stream::iter(events.into_iter().map(Ok::<_, std::io::Error>)).boxed())
        }
        Reply::Cut(content) => {
            let events = stream_events(&content.chars().take(content.chars().count() / 2).collect::<String>());
            sse(futures::stream::iter(events.into_iter().map(Ok::<_, std::io::Error>)).boxed())
        }
        Reply::Stall(content) => {
            let events = stream_events(&content.chars().take(content.chars().count() / 2).collect::<String>());
            sse(futures::stream::iter(events.into_iter().map(Ok::<_, std::io::Error>)).chain(futures::stream::pending()).boxed())
        }
        Reply::Busy(code, retry_after) => {
            let mut response = Response::builder().status(StatusCode::from_u16(code).unwrap()).header(header::CONTENT_TYPE, "application/json");
            if let Some(s) = retry_after {
                response = response.header(header::RETRY_AFTER, s.to_string());
            }
            response.body(Body::from(json!({"error": {"message": "too many requests"}}).to_string())).unwrap()
        }
        Reply::Plain(content) => Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}).to_string()))
            .unwrap(),
        Reply::Status(code, message) => Response::builder()
            .status(StatusCode::from_u16(code).unwrap())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"error": {"message": message}}).to_string()))
            .unwrap(),
        Reply::RawSse(raw) => Response::builder().header(header::CONTENT_TYPE, "text/event-stream").body(Body::from(raw)).unwrap(),
        Reply::Slow(..) => unreachable!(),
    }
}

/// `content` as streamed chat-completion events of 7 characters each.
fn stream_events(content: &str) -> Vec<String> {
    content
        .chars()
        .collect::<Vec<_>>()
        .chunks(7)
        .map(|c| format!("data: {}\n\n", json!({"choices": [{"index": 0, "delta": {"content": c.iter().collect::<String>()}}]})))
        .collect()
}
