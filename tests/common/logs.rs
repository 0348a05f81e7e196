//! Every log line the in-process apps of a test run write, kept in memory, and the secrets
//! the tests were given (API tokens, session cookies, survey, apology, calendar, card and
//! certificate tokens). Each app checks the whole log so far when it goes away: a secret, a
//! participant's e-mail or a request line naming anything but a route and numeric ids fails
//! the test that finds it.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Mutex, Once};

static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static SECRETS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
static INIT: Once = Once::new();

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Routes the service's logs (at `info`, as in production) into the shared buffer.
pub fn capture() {
    INIT.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init();
    });
}

/// Remembers a secret the test was given; returns it for convenience.
pub fn secret(s: &str) -> String {
    if s.len() >= 8 {
        SECRETS.lock().unwrap_or_else(|e| e.into_inner()).insert(s.to_string());
    }
    s.to_string()
}

/// Remembers every token-bearing link in an answer the tests received: personal survey
/// links, open links, apology links, calendar feeds, check-in cards, certificate links.
pub fn remember_links_in(body: &str) {
    const PREFIXES: &[&str] = &[
        "/s/o/",
        "/s/",
        "/absage/",
        "/calendar/trainer/",
        "/calendar/run/",
        "/K/",
        "/Z/",
        "/z/",
        "/api/v1/verify/",
        "/api/v1/responses/",
        "/meine-bescheinigungen/",
    ];
    for prefix in PREFIXES {
        for (at, _) in body.match_indices(prefix) {
            let token: String = body[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if token.len() >= 12 {
                secret(&token);
            }
        }
    }
}

pub fn text() -> String {
    String::from_utf8_lossy(&LOG.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

/// A request line's path: `/runs/12/report`, `/s/{token}`, `/surveys/3/results.{format}`,
/// `(unmatched)`: literal route words, numbers and `{parameters}`, nothing else.
fn path_is_masked(path: &str) -> bool {
    if path == "(unmatched)" {
        return true;
    }
    path.split('/').all(|seg| {
        let mut literal = String::new();
        let mut depth = 0;
        for c in seg.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                c if depth == 0 => literal.push(c),
                _ => {}
            }
        }
        literal.len() <= 24
            && literal.chars().all(|c| {
                c.is_ascii_lowercase()
                    || c.is_ascii_digit()
                    || "-_.".contains(c)
                    || c == 'Z'
                    || c == 'K'
            })
    })
}

pub fn assert_no_secrets() {
    let log = text();
    let secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    // Every word of the log that could be a token, once; then each secret is a lookup.
    let words: std::collections::HashSet<&str> = log
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '='))
        .filter(|w| w.len() >= 8)
        .collect();
    for s in &secrets {
        let leaked = words.contains(s.as_str()) || (s.len() > 60 && log.contains(s.as_str()));
        assert!(!leaked, "a secret reached the log: {s}");
    }
    for line in log.lines().filter(|l| l.contains("mietschulung::http")) {
        let path = line
            .split("mietschulung::http: ")
            .nth(1)
            .and_then(|rest| rest.split(' ').nth(1))
            .unwrap_or("");
        assert!(path_is_masked(path), "request line shows more than a route: {line}");
    }
    // API tokens look like `ms_` and 43 base64url characters.
    for (at, _) in log.match_indices("ms_") {
        let tail: String = log[at + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(tail.len() < 40, "an API token reached the log: ms_{tail}");
    }
}
