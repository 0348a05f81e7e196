//! Logging to stderr, filtered by `RUST_LOG` (default `info`), as text for people or, with
//! `MIETSCHULUNG_LOG_FORMAT=json`, one JSON object per line for log collectors.
//!
//! Every request gets an id, answered as `X-Request-Id` and carried by each line logged
//! while it is served (the `request` span: `request_id`), so one request's lines can be
//! found together; an id sent by a trusted proxy is kept, so its log and ours match.
//!
//! Rules: no secret and no personal data reaches a log. Request lines name the matched
//! route, not the path: every path parameter is shown as `{name}` except numeric ids, so a
//! token in any route (survey links, apology links, calendar feeds, check-in cards,
//! certificates, API verification), present or future, never appears; query strings are not
//! logged. Free text that may quote input (errors from the database or the mail server) goes
//! through [`redact`] first.
//!
//! The route is found once per request ([`route_pattern`]) and shared by the log line and
//! the metrics (`crate::metrics`), so neither repeats actix's search of the route table.

use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpMessage, HttpRequest};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

/// How log lines are written (`MIETSCHULUNG_LOG_FORMAT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<LogFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => anyhow::bail!(
                "MIETSCHULUNG_LOG_FORMAT: {text:?} is not a log format (text or json)"
            ),
        }
    }
}

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => fmt.try_init(),
        // The request's span only (`"span": {"name": "request", "request_id": …}`): the
        // list of enclosing spans would repeat it on every line.
        LogFormat::Json => fmt.json().with_current_span(true).with_span_list(false).try_init(),
    };
}

/// The header that carries a request's id, in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request id from elsewhere (a proxy's), if it is short and plain enough to log as it is:
/// 1 to 64 letters, digits, `-`, `_`, `.`.
pub fn well_formed_request_id(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// A new request id: 16 hex digits, random, so it says nothing about the request.
fn new_request_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut bytes);
    data_encoding::HEXLOWER.encode(&bytes)
}

/// The route a handler names for itself: one mounted as a scope's default service (the
/// check page's `/z/<token>`) matches no pattern actix could report, so it says which
/// route it serves with [`name_route`]. Always a pattern, never the path.
#[derive(Clone, Copy)]
struct RouteName(&'static str);

/// Called by a handler without a pattern of its own, before anything else it does.
pub fn name_route(req: &HttpRequest, pattern: &'static str) {
    req.extensions_mut().insert(RouteName(pattern));
}

/// The route found for a request, kept in its extensions once looked up.
#[derive(Clone)]
struct MatchedRoute(Option<Arc<str>>);

/// The route pattern the request matched (`/runs/{id}`, regex parameters shown by name
/// only: `{action}`), or `None` when no route did. Never the path: no token or id of the
/// request is in it. Looked up once per request (actix searches the whole route table for
/// a path that matched nothing) and kept for the next caller.
pub fn route_pattern(req: &HttpRequest) -> Option<Arc<str>> {
    if let Some(MatchedRoute(known)) = req.extensions().get::<MatchedRoute>() {
        return known.clone();
    }
    let named = req.extensions().get::<RouteName>().map(|n| n.0);
    let found: Option<Arc<str>> = match named {
        Some(pattern) => Some(Arc::from(pattern)),
        None => req.match_pattern().map(|pattern| {
            // Patterns may carry a regex (`{action:activate|deactivate}`); keep the name.
            if pattern.contains(':') {
                Arc::from(mask_regex_params(&pattern))
            } else {
                Arc::from(pattern)
            }
        }),
    };
    req.extensions_mut().insert(MatchedRoute(found.clone()));
    found
}

/// The request's path as it may appear in logs: the matched route with ids filled in and
/// every other parameter masked, or the route its handler named ([`name_route`]);
/// `(unmatched)` for paths no route matched.
pub fn loggable_path(req: &HttpRequest) -> String {
    let Some(pattern) = route_pattern(req) else {
        return "(unmatched)".into();
    };
    let mut path = pattern.to_string();
    for (name, value) in req.match_info().iter() {
        let is_id = (name == "id" || name.ends_with("_id")) && value.parse::<i64>().is_ok();
        if is_id {
            path = path.replacen(&format!("{{{name}}}"), value, 1);
        }
    }
    path
}

fn mask_regex_params(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &rest[open + 1..open + close];
        out.push('{');
        out.push_str(inner.split(':').next().unwrap_or(""));
        out.push('}');
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Serves the request inside its `request` span and logs one line after the answer:
/// method, route (see [`loggable_path`]), status and duration. `given_id`: the id a trusted
/// proxy sent (checked with [`well_formed_request_id`] by the caller); else a new one.
pub fn log_request<S, B>(
    req: ServiceRequest, srv: &S, given_id: Option<String>,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let start = Instant::now();
    let method = req.method().clone();
    let id = given_id.unwrap_or_else(new_request_id);
    let span = tracing::info_span!("request", request_id = %id);
    let fut = span.in_scope(|| srv.call(req));
    async move {
        let mut res = fut.await?;
        if let Ok(value) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(REQUEST_ID, value);
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(
            target: "mietschulung::http",
            "{} {} {} {:.1} ms",
            method,
            loggable_path(res.request()),
            res.status().as_u16(),
            ms
        );
        Ok(res)
    }
    .instrument(span)
}

/// Free text with anything that looks like an e-mail address or a token replaced, for
/// messages from other systems that may quote what they were given.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Walk the text keeping separators, judging each word between them.
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('@') {
            out.push_str("<e-mail>");
        } else if looks_like_token(word) {
            out.push_str("<token>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || "()<>\"',;:=[]{}/?&".contains(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn looks_like_token(word: &str) -> bool {
    word.chars().count() >= 16
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn log_formats_and_request_ids() {
        assert_eq!("JSON".parse::<LogFormat>().unwrap(), LogFormat::Json);
        assert_eq!(" text".parse::<LogFormat>().unwrap(), LogFormat::Text);
        let err = "yaml".parse::<LogFormat>().unwrap_err().to_string();
        assert!(err.contains("MIETSCHULUNG_LOG_FORMAT"), "{err}");
        let id = new_request_id();
        assert!(well_formed_request_id(&id) && id.len() == 16, "{id}");
        assert!(well_formed_request_id("4f1c9a3e-7b2d-4c8e-9f00-1a2b3c4d5e6f"));
        for bad in ["", "a b", "x\u{e4}", "<script>", &"a".repeat(65)] {
            assert!(!well_formed_request_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn regex_parameters_keep_their_name() {
        assert_eq!(
            mask_regex_params("/admin/organisations/3/users/4/{action:activate|deactivate}"),
            "/admin/organisations/3/users/4/{action}"
        );
    }

    #[test]
    fn redact_hides_addresses_and_tokens_only() {
        let text = "550 5.1.1 <anna.m@example.org>: mailbox unavailable (key ms_Q2hhbmdlZF9ieV8xMjM0NTY3ODkw)";
        let r = redact(text);
        assert!(!r.contains("anna.m"), "{r}");
        assert!(!r.contains("Q2hhbmdl"), "{r}");
        assert!(r.contains("mailbox unavailable"), "{r}");
        assert_eq!(
            redact("duplicate key value violates unique constraint"),
            "duplicate key value violates unique constraint"
        );
    }

    proptest! {
        /// Any e-mail address or base64url token embedded in a message is gone after
        /// redaction, whatever surrounds it.
        #[test]
        fn redact_never_leaks(prefix in "[ a-zA-Z:(]{0,20}", local in "[a-z][a-z0-9.]{0,15}",
                              token in "[A-Za-z]{4}[0-9][A-Za-z0-9_-]{20,40}", suffix in "[ a-z):]{0,20}") {
            let mail = format!("{local}@beispiel.de");
            let text = format!("{prefix}{mail} {token}{suffix}");
            let r = redact(&text);
            prop_assert!(!r.contains(&mail));
            prop_assert!(!r.contains(&token));
        }
    }
}
