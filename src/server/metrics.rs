//! Prometheus metrics at `/metrics`: HTTP latency by route, asks, model calls (latency and
//! streamed tokens), query durations and errors; `http::scrape` serves them.
use std::{sync::OnceLock, time::Instant};

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Seconds: from a fast query to a slow local model.
const BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder, installed on first use (the tests start many apps in one process).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .expect("non-empty buckets")
            .install_recorder()
            .expect("no other metrics recorder is installed")
    })
}

/// Counts and times every request by its route pattern (never the raw path, which would
/// put ids into label values).
pub async fn track_http(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_string();
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!("http_request_duration_seconds", "method" => method.clone(), "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("http_requests_total", "method" => method, "route" => route, "status" => status).increment(1);
    response
}

/// Records how an ask ended.
pub fn ask_finished(outcome: &'static str, seconds: f64) {
    metrics::counter!("asks_total", "outcome" => outcome).increment(1);
    metrics::histogram!("ask_duration_seconds", "outcome" => outcome).record(seconds);
}

/// Records one model call: its latency, outcome and the streamed pieces (one per token on
/// llama.cpp and OpenAI).
pub fn llm_call(outcome: &'static str, seconds: f64, tokens: u64) {
    metrics::histogram!("llm_request_duration_seconds", "outcome" => outcome).record(seconds);
    metrics::counter!("llm_completion_tokens_total").increment(tokens);
}

/// Records one query run through the guard and executor.
pub fn query_finished(engine: &'static str, outcome: &'static str, seconds: f64) {
    metrics::histogram!("query_duration_seconds", "engine" => engine, "outcome" => outcome).record(seconds);
}
