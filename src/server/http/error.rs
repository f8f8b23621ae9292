//! The API's error body, `{"error":{"code","message"}}`, and a JSON extractor that reports
//! malformed or oversized bodies in the same shape.
use axum::{
    extract::{rejection::JsonRejection, FromRequest, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::de::DeserializeOwned;

use crate::{
    app::model::{FieldError, SqlSpan},
    server::error::AppError,
};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<u64>,
    pub fields: Vec<FieldError>,
    pub at: Option<SqlSpan>,
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError { status: e.status(), code: e.code(), message: e.public_message(), retry_after: e.retry_after(), fields: e.field_errors().to_vec(), at: e.sql_place() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = serde_json::json!({ "code": self.code, "message": self.message });
        if !self.fields.is_empty() {
            error["fields"] = serde_json::json!(self.fields);
        }
        if let Some(at) = self.at {
            error["at"] = serde_json::json!(at);
        }
        let body = serde_json::json!({ "error": error });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// `Json<T>` whose rejections are API errors.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let status = r.status();
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", format!("the request body is larger than {} bytes", super::MAX_BODY_BYTES)),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "send the body as JSON with Content-Type: application/json".to_string()),
        _ => ("invalid_json", format!("the request body is not valid: {}", r.body_text())),
    };
    ApiError { status, code, message, retry_after: None, fields: Vec::new(), at: None }
}

/// Errors that axum or tower produce before a handler runs (a too-large body, a bad query
/// string, an unknown method, a missing route) come as plain text: give them the API's JSON
/// error shape too, so clients parse one format.
pub async fn json_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !api {
        return response;
    }
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    // Streams (exports, SSE) and successful responses pass untouched.
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.map(|b| String::from_utf8_lossy(&b).trim().to_string()).unwrap_or_default();
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", format!("the request body is larger than {} bytes", super::MAX_BODY_BYTES)),
        StatusCode::NOT_FOUND => ("not_found", if text.is_empty() { "no such API path".to_string() } else { text }),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "this API path does not take that method".to_string()),
        s if s.is_server_error() => ("internal", "internal error".to_string()),
        _ => ("invalid_input", if text.is_empty() { status.canonical_reason().unwrap_or("bad request").to_string() } else { text }),
    };
    let mut error = ApiError { status, code, message, retry_after: None, fields: Vec::new(), at: None }.into_response();
    for (name, value) in parts.headers.iter().filter(|(n, _)| *n == axum::http::header::RETRY_AFTER || *n == axum::http::header::ALLOW) {
        error.headers_mut().insert(name.clone(), value.clone());
    }
    error
}
