//! One error type for the whole service, mapped to HTTP once.
//!
//! Validation, not-found, forbidden and conflict errors carry a sentence a person can act on,
//! as a [`Text`] (a key into `locales/` with arguments), so each reader gets it in their
//! language; `Display` is German, the API's language. Unexpected errors answer a generic 500
//! and log the cause chain; they never leak internals to the client.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::i18n::{Text, DEFAULT_LANG};

#[derive(Debug)]
pub enum AppError {
    Validation {
        field: Option<&'static str>,
        message: Text,
    },
    NotFound(Text),
    /// It existed and was deleted on purpose (an erased person): 410, so a client knows
    /// asking again will not help.
    Gone(Text),
    Unauthenticated,
    Forbidden(Text),
    Conflict(Text),
    RateLimited {
        retry_after_secs: u64,
    },
    /// Too many failed attempts (logins): 429 with its own explanation of when to retry.
    Throttled {
        retry_after_secs: u64,
        message: Text,
    },
    Unavailable(anyhow::Error),
    Internal(anyhow::Error),
}

impl AppError {
    pub fn invalid(field: &'static str, message: impl Into<Text>) -> AppError {
        AppError::Validation { field: Some(field), message: message.into() }
    }

    /// `what` is the key of the thing's name with its article (`thing.course`: "Der Kurs").
    pub fn not_found(what: &'static str) -> AppError {
        AppError::NotFound(Text::key("error.not_found").arg_key("what", what))
    }

    /// [`Self::not_found`] for a thing whose name has arguments (`thing.key`: "Der Schlüssel {kid}").
    pub fn not_found_text(what: Text) -> AppError {
        AppError::NotFound(Text::key("error.not_found").arg_text("what", what))
    }

    pub fn forbidden() -> AppError {
        AppError::Forbidden(Text::key("error.forbidden"))
    }

    pub fn conflict(key: &'static str) -> AppError {
        AppError::Conflict(Text::key(key))
    }

    /// A refusal of input carried inside an unexpected error: the certificate renderer's
    /// check of stored texts reaches the use case through `anyhow`, and is still a 422
    /// naming the field, never a 500.
    fn refusal_inside(&self) -> Option<&AppError> {
        match self {
            AppError::Internal(e) => e
                .downcast_ref::<AppError>()
                .filter(|inner| matches!(inner, AppError::Validation { .. })),
            _ => None,
        }
    }

    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs }
            | AppError::Throttled { retry_after_secs, .. } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// A stable name of the kind of error, for programs; the message is for people and may
    /// be reworded.
    pub fn code(&self) -> &'static str {
        if let Some(inner) = self.refusal_inside() {
            return inner.code();
        }
        match self {
            AppError::Validation { .. } => "invalid_input",
            AppError::NotFound(_) => "not_found",
            AppError::Gone(_) => "gone",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::Conflict(_) => "conflict",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Throttled { .. } => "too_many_attempts",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// The sentence for a person, in the reader's language.
    pub fn text(&self) -> Text {
        if let Some(inner) = self.refusal_inside() {
            return inner.text();
        }
        match self {
            AppError::Validation { message, .. }
            | AppError::NotFound(message)
            | AppError::Gone(message)
            | AppError::Forbidden(message)
            | AppError::Conflict(message)
            | AppError::Throttled { message, .. } => message.clone(),
            AppError::Unauthenticated => Text::key("error.unauthenticated"),
            AppError::RateLimited { retry_after_secs } => {
                Text::key("error.rate_limited").arg("seconds", retry_after_secs)
            }
            AppError::Unavailable(_) => Text::key("error.unavailable"),
            AppError::Internal(_) => Text::key("error.internal"),
        }
    }

    /// The message in the reader's language.
    pub fn message(&self, lang: &str) -> String {
        self.text().render(lang)
    }

    pub fn field(&self) -> Option<&'static str> {
        if let Some(inner) = self.refusal_inside() {
            return inner.field();
        }
        match self {
            AppError::Validation { field, .. } => *field,
            _ => None,
        }
    }

    pub(crate) fn log(&self) {
        if self.refusal_inside().is_some() {
            return;
        }
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

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(DEFAULT_LANG))
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::Unavailable(e) | AppError::Internal(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound(Text::key("error.no_such_entry")),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::conflict("error.entry_exists")
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                AppError::conflict("error.entry_linked")
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
        if let Some(inner) = self.refusal_inside() {
            return inner.status_code();
        }
        match self {
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Gone(_) => StatusCode::GONE,
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
        resp.json(ErrorBody { code: self.code(), message: &message, field: self.field() })
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
