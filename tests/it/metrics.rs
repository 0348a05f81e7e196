//! `/metrics`: only with the configured bearer token (none configured: no such route), in
//! the Prometheus text format a strict reader accepts, with requests counted by route
//! pattern and never by path, and the outbox, check and pool numbers as they are.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::Method;

use crate::both_backends;
use crate::common::{self, Backend, Options, TestApp};

const TOKEN: &str = "metrics-token-for-the-tests-0123456789";

/// One sample line: `name{label="value",…} value`.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn is_name(s: &str, colon: bool) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colon && c == ':'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colon && c == ':'))
}

fn number(s: &str) -> Option<f64> {
    match s {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// `{a="x",b="y"}` (already without the braces) with the format's escapes (`\\`, `\"`,
/// `\n`); panics on anything else.
fn labels(mut rest: &str, line: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    while !rest.is_empty() {
        let eq = rest.find('=').unwrap_or_else(|| panic!("label without '=': {line}"));
        let name = &rest[..eq];
        assert!(is_name(name, false), "bad label name {name:?}: {line}");
        rest = rest[eq + 1..].strip_prefix('"').unwrap_or_else(|| panic!("unquoted: {line}"));
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => panic!("bad escape {other:?}: {line}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value: {line}"),
            }
        };
        assert!(out.insert(name.to_string(), value).is_none(), "label twice: {line}");
        rest = &rest[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    out
}

/// Reads the Prometheus text format (0.0.4) strictly: every line is a `# HELP`, a `# TYPE`
/// or a sample of a family whose TYPE came first, with the names its type allows; label
/// values quoted and escaped; every value a number; histogram buckets cumulative and the
/// `+Inf` bucket equal to the count. Panics naming the line otherwise.
fn parse(text: &str) -> Vec<Sample> {
    assert!(text.ends_with('\n'), "the text ends with a line break");
    let mut types: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# ") {
            let (keyword, rest) = rest.split_once(' ').unwrap_or_else(|| panic!("{line}"));
            let (name, tail) = rest.split_once(' ').unwrap_or_else(|| panic!("{line}"));
            assert!(is_name(name, true), "bad metric name: {line}");
            match keyword {
                "HELP" => assert!(!tail.is_empty(), "empty help: {line}"),
                "TYPE" => {
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&tail),
                        "unknown type: {line}"
                    );
                    assert!(types.insert(name.into(), tail.into()).is_none(), "TYPE twice: {line}");
                }
                _ => panic!("unknown comment: {line}"),
            }
            continue;
        }
        assert!(!line.trim().is_empty(), "empty line");
        let (series, value) = match line.find('{') {
            Some(open) => {
                let close = line.rfind('}').unwrap_or_else(|| panic!("no '}}': {line}"));
                let name = &line[..open];
                (
                    (name.to_string(), labels(&line[open + 1..close], line)),
                    line[close + 1..].trim_start_matches(' '),
                )
            }
            None => {
                let (name, value) = line.split_once(' ').unwrap_or_else(|| panic!("{line}"));
                ((name.to_string(), BTreeMap::new()), value)
            }
        };
        let (name, labels) = series;
        assert!(is_name(&name, true), "bad metric name: {line}");
        let mut parts = value.split(' ');
        let value = number(parts.next().unwrap_or("")).unwrap_or_else(|| panic!("value: {line}"));
        if let Some(ts) = parts.next() {
            assert!(ts.parse::<i64>().is_ok(), "timestamp: {line}");
        }
        assert!(parts.next().is_none(), "trailing text: {line}");
        let family = types.iter().find(|(family, kind)| match kind.as_str() {
            "histogram" => ["_bucket", "_sum", "_count"]
                .iter()
                .any(|suffix| name.strip_suffix(suffix) == Some(family.as_str())),
            _ => name == **family,
        });
        let (_, kind) = family.unwrap_or_else(|| panic!("sample before its TYPE: {line}"));
        if kind == "histogram" && name.ends_with("_bucket") {
            assert!(labels.contains_key("le"), "bucket without le: {line}");
        }
        samples.push(Sample { name, labels, value });
    }
    check_histograms(&samples);
    samples
}

/// A family's name and one set of its labels (without `le`).
type Series = (String, BTreeMap<String, String>);

fn check_histograms(samples: &[Sample]) {
    let mut buckets: BTreeMap<Series, Vec<(f64, f64)>> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.name.ends_with("_bucket")) {
        let mut rest = s.labels.clone();
        let le = number(&rest.remove("le").expect("le")).expect("le is a number");
        let family = s.name.trim_end_matches("_bucket").to_string();
        buckets.entry((family, rest)).or_default().push((le, s.value));
    }
    for ((family, rest), mut list) in buckets {
        list.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(list.windows(2).all(|w| w[0].1 <= w[1].1), "{family} {rest:?}: not cumulative");
        let last = list.last().expect("buckets");
        assert!(last.0.is_infinite(), "{family} {rest:?}: no +Inf bucket");
        let count = samples
            .iter()
            .find(|s| s.name == format!("{family}_count") && s.labels == rest)
            .unwrap_or_else(|| panic!("{family} {rest:?}: no count"));
        assert_eq!(last.1, count.value, "{family} {rest:?}: +Inf bucket is the count");
    }
}

/// The value of the one sample of `name` whose labels include `wanted`.
fn value(samples: &[Sample], name: &str, wanted: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| wanted.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
        .collect();
    assert!(found.len() <= 1, "{name} {wanted:?} names several series: {found:?}");
    found.first().map(|s| s.value)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// `/metrics` with the right token: the text (checked to be the 0.0.4 format) and its
/// samples.
async fn scrape(app: &TestApp) -> (String, Vec<Sample>) {
    let resp = client()
        .get(app.url("/metrics"))
        .header(AUTHORIZATION, format!("Bearer {TOKEN}"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()[CONTENT_TYPE].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = resp.text().await.expect("body");
    let samples = parse(&text);
    (text, samples)
}

fn with_metrics(smtp_port: Option<u16>) -> Options {
    Options {
        smtp_port,
        metrics_token: Some(TOKEN.into()),
        // The property test sends many checks from one address.
        rate_limits: Some((0, 0)),
        ..Default::default()
    }
}

async fn without_token(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let b = app.browser();
    let unknown = b.get("/nirgendwo").await;
    assert_eq!(unknown.status, 404);
    for auth in [None, Some(format!("Bearer {TOKEN}"))] {
        let mut req = b.client.get(app.url("/metrics"));
        if let Some(auth) = &auth {
            req = req.header(AUTHORIZATION, auth);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 404, "no token configured: no /metrics ({auth:?})");
        let content_type = resp.headers().get(CONTENT_TYPE).cloned();
        let body = resp.text().await.unwrap();
        // The same page as for any unknown path (which names the path it was asked for,
        // if at all, in the language switch).
        assert_eq!(
            body.replace("/metrics", "/PFAD"),
            unknown.body.replace("/nirgendwo", "/PFAD"),
            "exactly like an unknown route"
        );
        assert!(content_type.is_some_and(|c| c.to_str().unwrap().starts_with("text/html")));
    }
}

both_backends!(without_a_token_metrics_is_an_unknown_route, without_token);

async fn token_and_series(backend: Backend) {
    // The SMTP server is down, so a queued mail stays in the outbox.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = common::spawn_app_with(backend, with_metrics(Some(port))).await;
    let c = client();

    // Refused without detail: no header, another scheme, a wrong, shorter or longer token.
    let wrong = [
        None,
        Some(format!("Basic {TOKEN}")),
        Some("Bearer metrics-token-for-the-tests-0123456780".to_string()),
        Some(format!("Bearer {}", &TOKEN[..TOKEN.len() - 1])),
        Some(format!("Bearer {TOKEN}0")),
        Some(TOKEN.to_string()),
    ];
    for auth in &wrong {
        let mut req = c.get(app.url("/metrics"));
        if let Some(auth) = auth {
            req = req.header(AUTHORIZATION, auth);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "{auth:?}");
        assert_eq!(resp.headers()[WWW_AUTHENTICATE], "Bearer");
        assert_eq!(resp.text().await.unwrap(), "", "nothing about why");
    }

    let (_, first) = scrape(&app).await;
    let backend_label = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let build = first.iter().find(|s| s.name == "mietschulung_build_info").expect("build info");
    assert_eq!(build.value, 1.0);
    assert_eq!(build.labels["backend"], backend_label);
    assert_eq!(build.labels["version"], env!("CARGO_PKG_VERSION"));
    assert!(!build.labels["commit"].is_empty());
    assert_eq!(value(&first, "mietschulung_database_up", &[]), Some(1.0));
    assert_eq!(value(&first, "mietschulung_outbox_pending", &[]), Some(0.0));
    assert_eq!(value(&first, "mietschulung_outbox_failed", &[]), Some(0.0));
    assert_eq!(value(&first, "mietschulung_outbox_oldest_pending_age_seconds", &[]), Some(0.0));
    assert_eq!(value(&first, "mietschulung_certificate_batches_running", &[]), Some(0.0));
    assert_eq!(value(&first, "mietschulung_survey_invitations_pending", &[]), Some(0.0));
    assert_eq!(value(&first, "mietschulung_certificate_checks_total", &[]), Some(0.0));
    assert_eq!(value(&first, "mietschulung_db_pool_connections_max", &[]), Some(8.0));
    let in_use = value(&first, "mietschulung_db_pool_connections_in_use", &[]).expect("in use");
    let idle = value(&first, "mietschulung_db_pool_connections_idle", &[]).expect("idle");
    assert!(in_use + idle <= 8.0 && idle >= 1.0, "in use {in_use}, idle {idle}");
    let refused = [("method", "GET"), ("route", "/metrics"), ("status", "401")];
    assert_eq!(value(&first, "mietschulung_http_requests_total", &refused), Some(6.0));

    // A check link and a path no route knows: counted by pattern, never by path.
    let check_token = common::logs::secret("Q2hlY2tNZTEyMzQ1Njc4OTAxMjM0NTY3ODkwQUJD");
    let lost = common::logs::secret("verloren-4f9c2a7d1e");
    let checked = c.get(app.url(&format!("/z/{check_token}"))).send().await.unwrap();
    let checked_status = checked.status().as_u16().to_string();
    let missing = c.get(app.url(&format!("/nirgendwo/{lost}"))).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let (text, second) = scrape(&app).await;
    let z = [("method", "GET"), ("route", "/z/{token}"), ("status", checked_status.as_str())];
    assert_eq!(value(&second, "mietschulung_http_requests_total", &z), Some(1.0), "{text}");
    let unmatched = [("method", "GET"), ("route", "unmatched"), ("status", "404")];
    assert_eq!(value(&second, "mietschulung_http_requests_total", &unmatched), Some(1.0));
    let z_latency = [("route", "/z/{token}")];
    assert_eq!(
        value(&second, "mietschulung_http_request_duration_seconds_count", &z_latency),
        Some(1.0)
    );
    for secret in [check_token.as_str(), lost.as_str(), "nirgendwo", TOKEN] {
        assert!(!text.contains(secret), "{secret} reached the metrics");
    }

    // A certificate issued (its mail waits: the SMTP server is down) and checked by code.
    let org = app.create_org("metriken");
    let api = app.api_token(&org.coordinator.email).await;
    let (run_id, _, _) =
        common::certified(&api, "MS-METRIK", "Olena", "Kovalenko", Some("olena@example.org")).await;
    let (_, certs) = api.get(&format!("/api/v1/runs/{run_id}/certificates")).await;
    let code = certs[0]["code"].as_str().expect("code").to_string();
    assert_eq!(app.browser().get(&format!("/z?code={code}")).await.status, 200);
    // The oldest mail's age is in seconds: let a second pass.
    actix_web::rt::time::sleep(Duration::from_millis(1100)).await;
    let (text, third) = scrape(&app).await;
    assert_eq!(value(&third, "mietschulung_outbox_pending", &[]), Some(1.0), "{text}");
    let age = value(&third, "mietschulung_outbox_oldest_pending_age_seconds", &[]).unwrap();
    assert!((1.0..120.0).contains(&age), "oldest waiting mail: {age} s");
    assert_eq!(value(&third, "mietschulung_certificate_checks_total", &[]), Some(1.0));
    assert!(!text.contains(&code) && !text.contains("Kovalenko") && !text.contains("metriken"));

    // Every route label is a pattern: no id, no token.
    let mut routes = BTreeSet::new();
    for s in third.iter().filter(|s| s.name == "mietschulung_http_requests_total") {
        let route = s.labels["route"].as_str();
        assert!(route == "unmatched" || route.starts_with('/'), "{route}");
        assert!(
            !route.split('/').any(|seg| !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit())),
            "an id in a route label: {route}"
        );
        routes.insert(route.to_string());
    }
    assert!(
        routes.iter().any(|r| r.contains("/runs/{")),
        "the API calls with a run id are counted by pattern: {routes:?}"
    );
}

both_backends!(metrics_need_the_token_and_count_by_route_pattern, token_and_series);

/// Paths the random tokens are put under: check links, survey and other token routes,
/// API routes with a parameter, static files, and paths no route knows.
const PREFIXES: &[&str] = &[
    "/z/",
    "/Z/",
    "/s/",
    "/",
    "/api/v1/verify/",
    "/api/v1/verify/code/",
    "/api/v1/runs/",
    "/static/",
    "/runs/",
    "/metrics/",
];

const METHODS: &[&str] = &["GET", "HEAD", "POST", "DELETE", "BREW", "PROPFIND"];

async fn random_tokens(backend: Backend) {
    let app = common::spawn_app_with(backend, with_metrics(None)).await;
    let c = client();
    let strategy = (
        "[A-Za-z0-9_-]{16,48}",
        proptest::sample::select(PREFIXES),
        proptest::sample::select(METHODS),
        any::<bool>(),
    );
    let mut runner = TestRunner::default();
    let mut sent = Vec::new();
    for _ in 0..48 {
        let (token, prefix, method, in_query) =
            strategy.new_tree(&mut runner).expect("a case").current();
        common::logs::secret(&token);
        let path = if in_query {
            format!("{prefix}{token}?code={token}&lang={token}")
        } else {
            format!("{prefix}{token}")
        };
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let resp = c.request(method.clone(), app.url(&path)).send().await.expect("request");
        assert!(resp.status().as_u16() < 500, "{method} {prefix}…: {}", resp.status());
        sent.push(token);
    }
    let (text, samples) = scrape(&app).await;
    for token in &sent {
        assert!(!text.contains(token.as_str()), "a token of a path reached the metrics");
    }
    let series: Vec<&Sample> =
        samples.iter().filter(|s| s.name == "mietschulung_http_requests_total").collect();
    let methods: BTreeSet<&str> = series.iter().map(|s| s.labels["method"].as_str()).collect();
    let known = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"];
    assert!(methods.iter().all(|m| known.contains(m)), "{methods:?}");
    // Bounded by routes × methods × statuses, whatever the paths were.
    assert!(series.len() <= PREFIXES.len() * METHODS.len(), "{} series", series.len());
    let total: f64 = series.iter().map(|s| s.value).sum();
    assert!(total >= sent.len() as f64, "every request counted: {total}");
}

both_backends!(random_tokens_in_paths_never_reach_the_metrics, random_tokens);

#[test]
fn the_reader_refuses_what_the_format_does_not_allow() {
    let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\\\"\"} 2\n";
    assert_eq!(parse(good)[0].labels["x"], "1\"");
    for bad in [
        "a_total 1\n",
        "# TYPE a gauge\na{x=1} 1\n",
        "# TYPE a gauge\na one\n",
        "# TYPE a gauge\na 1",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
    ] {
        assert!(std::panic::catch_unwind(|| parse(bad)).is_err(), "accepted: {bad:?}");
    }
}

/// A token short enough to guess stops `serve` before it listens, saying which setting and
/// why (exit 1), instead of opening the numbers to a guesser.
#[test]
fn a_short_metrics_token_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mietschulung"))
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env_remove("MIETSCHULUNG_CONFIG")
        .env("MIETSCHULUNG_DATA_DIR", dir.path())
        .env("MIETSCHULUNG_BIND", "127.0.0.1:0")
        .env("MIETSCHULUNG_METRICS_TOKEN", "geheim")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the binary");
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("serve started with a 6-character metrics token");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("MIETSCHULUNG_METRICS_TOKEN must be at least 16"), "{stderr}");
    assert!(!stderr.contains("geheim"), "the token itself is not repeated: {stderr}");
}
