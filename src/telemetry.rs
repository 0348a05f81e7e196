//! Logging to stderr, filtered by `RUST_LOG` (default `info`).
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
use actix_web::{HttpMessage, HttpRequest};
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
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
/// every other parameter masked; `(unmatched)` for paths no route matched.
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

/// Logs one line per request after the answer: method, route (see [`loggable_path`]),
/// status and duration.
pub fn log_request<S, B>(
    req: ServiceRequest, srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let start = Instant::now();
    let method = req.method().clone();
    let fut = srv.call(req);
    async move {
        let res = fut.await?;
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
