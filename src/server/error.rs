//! One internal error type. Each variant knows its public code, HTTP status and a
//! message that is safe to show; the full source chain only goes to the logs.
use axum::http::StatusCode;

use crate::app::model::{describe_field_errors, FieldError, SqlSpan};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request itself is wrong; the message says how to fix it.
    #[error("{0}")]
    InvalidInput(String),
    /// Fields of a form that break its rules, every one of them (see `check_datasource`).
    #[error("{}", describe_field_errors(.0))]
    InvalidFields(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The SQL guard refused the statement; the message names the reason.
    #[error("{0}")]
    SqlRejected(String),
    /// The guard could not parse SQL a person typed; the span is where, for the editor.
    #[error("{0}")]
    SqlSyntax(String, SqlSpan),
    /// The model answered a question with a statement that changes data (or the database):
    /// the question asks for a change, which this app never makes.
    #[error("DatabaseAI only reads data, so it does not run {0} or any other change. Ask a question about the data instead.")]
    ChangeRefused(String),
    /// The datasource answered with an error (bad SQL, timeout...). Safe to show:
    /// it is the user's own database talking about the user's own query.
    #[error("{0}")]
    Query(String),
    #[error("the query was stopped after {0} ms (time limit)")]
    QueryTimeout(u64),
    #[error("the query was cancelled")]
    QueryCancelled,
    #[error("the question was cancelled")]
    AskCancelled,
    /// Could not reach or log in to a datasource; the message is for people.
    #[error("{0}")]
    Connection(String),
    /// A datasource or model host the network policy does not allow (not a role matter).
    #[error("network policy: {0}")]
    NetworkPolicy(String),
    /// No valid session or API token.
    #[error("sign in first")]
    Unauthenticated,
    /// The request is refused whoever sent it: the role does not allow it, or it came
    /// from another site.
    #[error("{0}")]
    Denied(&'static str),
    #[error("too many requests: try again in {0} s")]
    RateLimited(u64),
    /// Every connection to the database is busy with other queries.
    #[error("the database is busy with other queries: try again in {0} s")]
    Busy(u64),
    /// The language model was unreachable, too slow, or never produced a usable query.
    #[error("{0}")]
    Llm(String),
    /// Anything else: logged in full, shown as a generic message.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    /// Wraps an unexpected error; its detail is logged here and never shown.
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let source = e.into();
        tracing::warn!(error = %source, "internal error");
        AppError::Internal(source)
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::InvalidInput(_) | AppError::InvalidFields(_) => "invalid_input",
            AppError::NotFound(_) => "not_found",
            AppError::SqlRejected(_) | AppError::SqlSyntax(..) => "sql_rejected",
            AppError::ChangeRefused(_) => "change_refused",
            AppError::Query(_) => "query_failed",
            AppError::QueryTimeout(_) => "query_timeout",
            AppError::QueryCancelled => "query_cancelled",
            AppError::AskCancelled => "ask_cancelled",
            AppError::Connection(_) => "connection_failed",
            AppError::NetworkPolicy(_) => "forbidden",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Denied(_) => "not_allowed",
            AppError::RateLimited(_) => "rate_limited",
            AppError::Busy(_) => "busy",
            AppError::Llm(_) => "llm_failed",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::InvalidInput(_) | AppError::InvalidFields(_) | AppError::SqlRejected(_) | AppError::SqlSyntax(..) | AppError::ChangeRefused(_) | AppError::Query(_) => {
                StatusCode::BAD_REQUEST
            }
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::QueryTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::QueryCancelled | AppError::AskCancelled => StatusCode::CONFLICT,
            AppError::Connection(_) | AppError::Llm(_) => StatusCode::BAD_GATEWAY,
            AppError::NetworkPolicy(_) | AppError::Denied(_) => StatusCode::FORBIDDEN,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Seconds a client should wait before trying again, for the `Retry-After` header.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited(s) | AppError::Busy(s) => Some(*s),
            _ => None,
        }
    }

    /// The fields a form must fix, each with its message (empty for other errors).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::InvalidFields(errors) => errors,
            _ => &[],
        }
    }

    /// Where in the SQL the error is, when it is a syntax error.
    pub fn sql_place(&self) -> Option<SqlSpan> {
        match self {
            AppError::SqlSyntax(_, at) => Some(*at),
            _ => None,
        }
    }

    /// The message people see. Internal errors never reveal their cause.
    pub fn public_message(&self) -> String {
        self.to_string()
    }
}

/// How long to suggest waiting when every pooled connection is in use.
const BUSY_RETRY_SECS: u64 = 2;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            // Every connection is taken by other queries: a clear, retryable answer.
            sqlx::Error::PoolTimedOut => AppError::Busy(BUSY_RETRY_SECS),
            e => AppError::internal(e),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

// Server functions turn an `AppError` into `ServerFnError` through leptos's blanket
// `From<E: Error>`, which uses `Display`: for `Internal` that is only "internal error".

/// Errors of start-up code (configuration, opening the store), which are only printed.
pub type StartupResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
