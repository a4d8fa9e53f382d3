//! The errors a request can meet, each with its HTTP status, answered as `{"error": "…"}`.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use datolite::{QueryError, StoreError};

use crate::Format;

/// Why a request failed; the message is the library's (naming the input and, for EDN, the
/// position) or says which field or parameter is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: bad JSON or EDN, a missing or unknown field, an unknown attribute or index, a
    /// failed transaction.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no token or the wrong one.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: a transaction sent to a read-only server.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such endpoint.
    #[error("{0}")]
    NotFound(String),
    /// 405: an endpoint called with the wrong method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 413: a request body over the server's limit.
    #[error("{0}")]
    TooLarge(String),
    /// 503: a query stopped at its time or row limit; the message names the step.
    #[error("{0}")]
    Unavailable(String),
    /// 500: the database failed (I/O, a corrupt page) or a request's task died.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    /// A 400 whose message says which field or parameter was wrong.
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest(message.into())
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message prefixed by where it happened (`"as_of: …"`), for a field's error.
    pub fn at(self, field: &str) -> ApiError {
        let prefix = |m: String| format!("{field}: {m}");
        match self {
            ApiError::BadRequest(m) => ApiError::BadRequest(prefix(m)),
            ApiError::Unavailable(m) => ApiError::Unavailable(prefix(m)),
            other => other,
        }
    }

    /// The error as an answer in `format`: `{"error": "…"}` or `{:error "…"}`.
    pub fn into_response_as(self, format: Format) -> Response {
        let message = self.to_string();
        let body = match format {
            Format::Json => format!(
                "{{\"error\":{}}}",
                datolite::value_json(&datolite::Value::from(message.as_str()))
            ),
            Format::Edn => format!("{{:error {}}}", datolite::Value::from(message.as_str())),
        };
        (
            self.status(),
            [(header::CONTENT_TYPE, format.content_type())],
            body,
        )
            .into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.into_response_as(Format::Json)
    }
}

impl From<datolite::Error> for ApiError {
    fn from(error: datolite::Error) -> Self {
        match error {
            datolite::Error::Query(e) => e.into(),
            datolite::Error::Store(e) => e.into(),
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(error: QueryError) -> Self {
        match error {
            QueryError::Limit { .. } => ApiError::Unavailable(error.to_string()),
            QueryError::Storage(_) => ApiError::Internal(error.to_string()),
            other => ApiError::BadRequest(other.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            // The machine's failures, not the request's.
            StoreError::Kv(_)
            | StoreError::NotCommitted { .. }
            | StoreError::FormatVersion { .. }
            | StoreError::Io(_)
            | StoreError::Corrupt(_) => ApiError::Internal(error.to_string()),
            other => ApiError::BadRequest(other.to_string()),
        }
    }
}
