//! Every way a request can fail, mapped to its HTTP status in one place.
//! The body is always `{"errors": [{"file", "line", "key", "message"}]}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gaprisk::Error;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorItem {
    pub file: Option<String>,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

#[derive(Debug)]
pub enum ApiError {
    /// 400: malformed JSON, a bad query.
    BadRequest(String),
    /// 401: no token, or the wrong one.
    Unauthorized,
    /// 403: a Host or Origin the server does not accept.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 405: the route exists, not with this method.
    MethodNotAllowed,
    /// 408: the request took too long to arrive.
    Timeout(u64),
    /// 413: the body is over the limit.
    TooLarge(usize),
    /// 415: a `/v1` body that is not `application/json` (the type given).
    UnsupportedMediaType(String),
    /// 422: a model or option error, located.
    Invalid(Vec<ErrorItem>),
    /// 429: the queue is full; try again after this many seconds.
    QueueFull { retry_after: u64 },
    /// 429: this client sent more than its rate allows.
    RateLimited { retry_after: u64 },
    /// 503: the server is shutting down.
    Draining,
    /// 500.
    Internal(String),
}

impl ApiError {
    pub fn invalid(file: Option<String>, line: Option<usize>, key: &str, message: String) -> Self {
        ApiError::Invalid(vec![ErrorItem {
            file,
            line,
            key: Some(key.to_string()),
            message,
        }])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::QueueFull { .. } | ApiError::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Draining => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The messages, one per line.
    pub fn message(&self) -> String {
        self.items()
            .iter()
            .map(|i| i.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn items(&self) -> Vec<ErrorItem> {
        let one = |message: String| {
            vec![ErrorItem {
                file: None,
                line: None,
                key: None,
                message,
            }]
        };
        match self {
            ApiError::Invalid(items) => items.clone(),
            ApiError::BadRequest(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Internal(m) => one(m.clone()),
            ApiError::MethodNotAllowed => one("this route does not take this method".into()),
            ApiError::Timeout(seconds) => {
                one(format!("the request did not arrive within {seconds} s"))
            }
            ApiError::UnsupportedMediaType(given) => one(format!(
                "the body must be JSON (Content-Type: application/json), not {}",
                if given.is_empty() {
                    "untyped".to_string()
                } else {
                    gaprisk::error::literal(given)
                }
            )),
            ApiError::Unauthorized => {
                one("a bearer token is required (Authorization: Bearer TOKEN)".into())
            }
            ApiError::TooLarge(limit) => one(format!(
                "the request body is over the limit of {limit} bytes"
            )),
            ApiError::QueueFull { retry_after } => {
                one(format!("the queue is full; try again in {retry_after} s"))
            }
            ApiError::RateLimited { retry_after } => one(format!(
                "too many requests from this client; try again in {retry_after} s"
            )),
            ApiError::Draining => one("the server is shutting down".into()),
        }
    }
}

/// A library error: the user's mistakes are 422 with their location (the
/// message is the CLI's, option names spelled as the API spells them);
/// failures while working are 500.
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        if !e.is_input_error() {
            return ApiError::Internal(e.to_string());
        }
        let item = match &e {
            Error::Model(m) => ErrorItem {
                file: Some(m.file.display().to_string()),
                line: (m.line > 0).then_some(m.line),
                key: (!m.key.is_empty()).then(|| m.key.clone()),
                message: e.to_string(),
            },
            Error::InvalidOption { option, .. } | Error::UnknownQuantity { option, .. } => {
                ErrorItem {
                    file: None,
                    line: None,
                    key: Some(format!("options.{option}")),
                    message: e.to_string(),
                }
            }
            Error::InvalidRequest { key, .. } => ErrorItem {
                file: None,
                line: None,
                key: Some(key.clone()),
                message: e.to_string(),
            },
            Error::UnknownOption { name, .. } => ErrorItem {
                file: None,
                line: None,
                key: Some(format!("options.{name}")),
                message: e.to_string(),
            },
            Error::TooManyNodes { file, .. } => ErrorItem {
                file: Some(file.clone()),
                line: None,
                key: None,
                message: e.to_string(),
            },
            Error::UnknownInput { name, .. } => ErrorItem {
                file: None,
                line: None,
                key: Some(format!("options.set.{name}")),
                message: e.to_string(),
            },
            _ => ErrorItem {
                file: None,
                line: None,
                key: None,
                message: e.to_string(),
            },
        };
        ApiError::Invalid(vec![item])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "errors": self.items() });
        let mut response = (self.status(), axum::Json(body)).into_response();
        match self {
            ApiError::QueueFull { retry_after } | ApiError::RateLimited { retry_after } => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_str(&retry_after.to_string()).expect("digits"),
                );
            }
            ApiError::Unauthorized => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"gaprisk\""),
                );
            }
            ApiError::Draining => {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        response
    }
}
