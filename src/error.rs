//! One error type for the whole service, mapped to HTTP once.
//!
//! Validation, not-found, forbidden and conflict errors carry a message a person can act on
//! (German, the UI's first language). Unexpected errors answer a generic 500 and log the cause
//! chain; they never leak internals to the client.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Validation {
        field: Option<&'static str>,
        message: crate::i18n::Text,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("Bitte melden Sie sich an.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Zu viele Anfragen. Bitte versuchen Sie es in {retry_after_secs} Sekunden erneut.")]
    RateLimited { retry_after_secs: u64 },
    /// Too many failed attempts (logins): 429 with its own explanation of when to retry.
    #[error("{message}")]
    Throttled {
        retry_after_secs: u64,
        message: String,
    },
    #[error("Der Dienst ist gerade nicht erreichbar.")]
    Unavailable(#[source] anyhow::Error),
    #[error("Ein unerwarteter Fehler ist aufgetreten. Bitte versuchen Sie es später erneut.")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: &'static str, message: impl Into<crate::i18n::Text>) -> AppError {
        AppError::Validation {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn not_found(what: &str) -> AppError {
        AppError::NotFound(format!("{what} wurde nicht gefunden."))
    }

    pub fn forbidden() -> AppError {
        AppError::Forbidden("Dafür fehlt Ihnen die Berechtigung.".into())
    }

    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs }
            | AppError::Throttled {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// A stable name of the kind of error, for programs; the message is for people and may
    /// be reworded.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation { .. } => "invalid_input",
            AppError::NotFound(_) => "not_found",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::Conflict(_) => "conflict",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Throttled { .. } => "too_many_attempts",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message in the reader's language, where the error knows it as a key.
    pub fn message(&self, lang: &str) -> String {
        match self {
            AppError::Validation { message, .. } => message.render(lang),
            other => other.to_string(),
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            AppError::Validation { field, .. } => *field,
            _ => None,
        }
    }

    pub(crate) fn log(&self) {
        match self {
            AppError::Internal(e) | AppError::Unavailable(e) => {
                // Database errors can quote values (PostgreSQL's "Key (email)=(…)").
                tracing::error!(
                    error = %crate::telemetry::redact(&format!("{e:?}")),
                    "request failed"
                )
            }
            _ => {}
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound("Der Eintrag wurde nicht gefunden.".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::Conflict("Dieser Eintrag existiert bereits.".into())
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                AppError::Conflict("Ein verknüpfter Eintrag fehlt oder wird noch verwendet.".into())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(e.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

/// The API's error answer: a stable code for programs, a sentence for people, and the
/// input field it is about.
#[derive(Serialize)]
pub struct ErrorBody<'a> {
    pub code: &'static str,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'a str>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::RateLimited { .. } | AppError::Throttled { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let message = self.to_string();
        let mut resp = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after_secs() {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        resp.insert_header((header::CACHE_CONTROL, "no-store"));
        resp.json(ErrorBody {
            code: self.code(),
            message: &message,
            field: self.field(),
        })
    }
}

/// The same error, answered as an HTML page for people using the browser UI.
#[derive(Debug)]
pub struct HtmlError(pub AppError);

impl std::fmt::Display for HtmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<AppError> for HtmlError {
    fn from(e: AppError) -> Self {
        HtmlError(e)
    }
}

pub type AppResult<T> = Result<T, AppError>;
pub type PageResult = Result<HttpResponse, HtmlError>;
