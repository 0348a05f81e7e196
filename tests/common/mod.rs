//! Shared test harness: the real app on port 0 with a fresh database per test (a temp-file
//! SQLite, or a new PostgreSQL database when `TEST_DATABASE_URL` is set), real HTTP clients,
//! a real SMTP server on loopback, and PDF/QR helpers.
//!
//! Nothing is skipped silently: without PostgreSQL, an external tool or the browser, the
//! part of a test that needs it prints one `SKIPPED (...)` line, and with
//! `MIETSCHULUNG_REQUIRE_ALL=1` (CI) fails instead.

#![allow(dead_code)]

pub mod browser;
pub mod logs;
pub mod mime;
pub mod pdf_qr;
pub mod relay;
pub mod routes;
pub mod smtp;

use std::time::Duration;

use diesel::{Connection, RunQueryDsl};
use mietschulung::auth::{self, Actor, Role};
use mietschulung::config::Settings;
use mietschulung::db::Db;
use mietschulung::startup::Application;
use rand::RngCore;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each test body once per backend; the PostgreSQL variant is skipped loudly (see
/// [`skip`]) when `TEST_DATABASE_URL` is not set.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$body($crate::common::Backend::Sqlite).await;
            }
            #[actix_web::test]
            async fn postgres() {
                if !$crate::common::postgres_available() {
                    return;
                }
                super::$body($crate::common::Backend::Postgres).await;
            }
        }
    };
}

/// Set to `1` (as `.ci/run` does), nothing may be skipped: a missing PostgreSQL, external
/// tool or browser fails the test instead.
pub const REQUIRE_ALL: &str = "MIETSCHULUNG_REQUIRE_ALL";

/// Says on one line of stderr that `what` of the running test is skipped because of
/// `reason`, or panics when [`REQUIRE_ALL`] is set, so a skip cannot pass unnoticed.
pub fn skip(reason: &str, what: &str) {
    // libtest names each test's thread after the test.
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("this test");
    if std::env::var(REQUIRE_ALL).is_ok_and(|v| v == "1") {
        panic!("{REQUIRE_ALL}=1 but {reason}: {what} of {test} cannot run");
    }
    // Straight to stderr: libtest would hide an `eprintln!` of a passing test.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED ({reason}): {what} of {test}");
}

/// Whether `TEST_DATABASE_URL` names a PostgreSQL server to test against; if not, the
/// PostgreSQL case is skipped loudly.
pub fn postgres_available() -> bool {
    if std::env::var("TEST_DATABASE_URL").is_ok() {
        return true;
    }
    skip("no TEST_DATABASE_URL", "postgres case");
    false
}

pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin_url) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                    .execute(&mut conn);
        }
    }
}

pub fn pg_database() -> (String, PgDatabase) {
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let mut raw = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let name = format!("ms_test_{}", data_encoding::HEXLOWER.encode(&raw));
    let mut conn =
        diesel::PgConnection::establish(&admin_url).expect("connect to TEST_DATABASE_URL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .expect("create test database");
    let (without_query, query) = match admin_url.split_once('?') {
        Some((a, q)) => (a.to_string(), format!("?{q}")),
        None => (admin_url.clone(), String::new()),
    };
    let scheme_end = without_query.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match without_query[scheme_end..].find('/') {
        Some(i) => without_query[..scheme_end + i].to_string(),
        None => without_query.clone(),
    };
    (format!("{base}/{name}{query}"), PgDatabase { admin_url, name })
}

pub struct TestApp {
    pub base: String,
    pub port: u16,
    pub db: Db,
    pub settings: Settings,
    pub backend: Backend,
    pub data_dir: tempfile::TempDir,
    /// Set by a test that breaks a rule on purpose (to see `check` find it); otherwise
    /// every test ends with `mietschulung check`'s rules holding on its database.
    pub breaks_rules: std::cell::Cell<bool>,
    _pg: Option<PgDatabase>,
}

#[derive(Default)]
pub struct Options {
    pub smtp_port: Option<u16>,
    /// (scanned links, code form) per client and minute; default: the service's defaults.
    pub rate_limits: Option<(u32, u32)>,
    /// Answers started through survey open links per client and minute.
    pub survey_open_rate: Option<u32>,
    /// The public URL (default: the test server itself).
    pub public_url: Option<String>,
    /// `MIETSCHULUNG_METRICS_TOKEN` (default: unset, no `/metrics`).
    pub metrics_token: Option<String>,
    /// `MIETSCHULUNG_TRUSTED_PROXIES` (default: none; the test client is 127.0.0.1).
    pub trusted_proxies: Option<&'static str>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Options::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> TestApp {
    logs::capture();
    let data_dir = tempfile::tempdir().expect("tempdir");
    let (database_url, pg) = match backend {
        Backend::Sqlite => (None, None),
        Backend::Postgres => {
            let (url, db) = pg_database();
            (Some(url), Some(db))
        }
    };
    let mut settings = Settings::with_data_dir(data_dir.path().to_path_buf(), database_url, None)
        .expect("settings");
    settings.bind = "127.0.0.1:0".into();
    settings.outbox_poll_millis = 100;
    settings.outbox_retry_base_secs = 1;
    settings.db_pool_size = 8;
    if let Some((token, form)) = options.rate_limits {
        settings.verify_rate_per_minute = token;
        settings.code_form_rate_per_minute = form;
    }
    if let Some(n) = options.survey_open_rate {
        settings.survey_open_rate_per_minute = n;
    }
    if let Some(list) = options.trusted_proxies {
        settings.trusted_proxies = list.parse().expect("trusted proxies");
    }
    settings.smtp_url =
        options.smtp_port.map(|p| secrecy::SecretString::from(format!("smtp://127.0.0.1:{p}")));
    settings.metrics_token = options.metrics_token.clone().map(secrecy::SecretString::from);
    // The QR URL must point at this test server so scanning it reaches the app; the app
    // gets the bound socket itself, so no parallel test can take the port meanwhile.
    let (listener, port) = bind_any_port();
    settings.bind = format!("127.0.0.1:{port}");
    settings.public_url =
        options.public_url.clone().unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
    let app = Application::build_with_listener(settings.clone(), listener, Some(2))
        .await
        .expect("app builds");
    let port = app.port();
    let db = app.state.db.clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        port,
        db,
        settings,
        backend,
        data_dir,
        breaks_rules: Default::default(),
        _pg: pg,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            logs::assert_no_secrets();
            if !self.breaks_rules.get() {
                self.assert_rules_hold();
            }
        }
    }
}

/// A second replica of `app`: another server process-in-process on its own port, sharing
/// the database, the data directory (keys) and the session key, as replicas behind a load
/// balancer do. Returns its base URL.
pub async fn spawn_replica(app: &TestApp) -> String {
    let mut settings = app.settings.clone();
    let (listener, port) = bind_any_port();
    settings.bind = format!("127.0.0.1:{port}");
    let replica = Application::build_with_listener(settings, listener, Some(2))
        .await
        .expect("replica builds");
    let port = replica.port();
    actix_web::rt::spawn(replica.run_until_stopped());
    format!("http://127.0.0.1:{port}")
}

/// A loopback socket on a free port, kept open for the app to serve on.
fn bind_any_port() -> (std::net::TcpListener, u16) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("addr").port();
    (listener, port)
}

pub const PASSWORD: &str = "ein-langes-passwort";

/// Fixture accounts made directly through the services (the HTTP path is tested elsewhere).
pub struct Org {
    pub id: i32,
    pub coordinator: Actor,
    pub trainer: Actor,
}

impl TestApp {
    /// What `mietschulung check` checks holds on this test's database.
    pub fn assert_rules_hold(&self) {
        let keys_dir = self.settings.keys_dir.clone();
        let found = self
            .db
            .run_blocking(move |conn| mietschulung::integrity::check(conn, &keys_dir))
            .expect("check the rules");
        let described: Vec<String> = found.iter().map(|v| v.describe()).collect();
        assert!(described.is_empty(), "broken rules at the end of the test: {described:#?}");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn create_admin(&self, email: &str) -> Actor {
        let email = email.to_string();
        self.db
            .run_blocking(|conn| {
                let u = auth::service::create_user(
                    conn,
                    None,
                    auth::service::NewUser {
                        organisation_id: None,
                        email,
                        display_name: "Admin".into(),
                        password: PASSWORD.into(),
                        role: Role::Admin,
                    },
                )?;
                Actor::from_user(&u)
            })
            .expect("admin")
    }

    pub fn create_org(&self, slug: &str) -> Org {
        let slug = slug.to_string();
        self.db
            .run_blocking(|conn| {
                let org = mietschulung::orgs::service::create(
                    conn,
                    None,
                    mietschulung::orgs::models::NewOrganisation {
                        slug: slug.clone(),
                        name: format!("Landkreis {slug}"),
                        issuer_name: format!("Landratsamt {slug} – Integrationsmanagement"),
                        signatory_name: "Dr. Sabine Müller".into(),
                        signatory_title: "Leiterin".into(),
                    },
                )?;
                let mk = |conn: &mut mietschulung::db::DbConn, prefix: &str, role: Role| {
                    auth::service::create_user(
                        conn,
                        None,
                        auth::service::NewUser {
                            organisation_id: Some(org.id),
                            email: format!("{prefix}@{slug}.example.org"),
                            display_name: format!("{prefix} {slug}"),
                            password: PASSWORD.into(),
                            role,
                        },
                    )
                    .and_then(|u| Actor::from_user(&u))
                };
                Ok(Org {
                    id: org.id.0,
                    coordinator: mk(conn, "koordination", Role::Coordinator)?,
                    trainer: mk(conn, "training", Role::Trainer)?,
                })
            })
            .expect("org")
    }

    pub fn count(&self, table: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        self.db
            .run_blocking(move |conn| Ok(diesel::sql_query(sql).get_result::<N>(conn)?.n))
            .expect("count")
    }

    /// A browser-like client: cookies kept, redirects not followed (tests check them).
    pub fn browser(&self) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            base: self.base.clone(),
        }
    }

    pub async fn api_token(&self, email: &str) -> Api {
        let client =
            reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        let resp = client
            .post(self.url("/api/v1/auth/token"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .expect("token request");
        assert_eq!(resp.status(), 200, "token for {email}");
        let body: Value = resp.json().await.expect("json");
        Api {
            client,
            base: self.base.clone(),
            token: logs::secret(body["token"].as_str().expect("token")),
        }
    }
}

pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("page has a CSRF token") + marker.len();
        let end = self.body[start..].find('"').expect("token end") + start;
        self.body[start..end].to_string()
    }
}

/// The value of `attr` on the tag that contains `marker` (HTML entities decoded), as the
/// browser would send it back.
pub fn attribute_of(body: &str, marker: &str, attr: &str) -> Option<String> {
    let at = body.find(marker)?;
    let start = body[..at].rfind('<')?;
    let end = at + body[at..].find('>')?;
    let tag = &body[start..end];
    let key = format!("{attr}=\"");
    let from = tag.find(&key)? + key.len();
    let raw = &tag[from..from + tag[from..].find('"')?];
    Some(
        raw.replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#x60;", "`")
            .replace("&#x3D;", "=")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

impl Browser {
    pub async fn get(&self, path: &str) -> Page {
        let resp = self.client.get(format!("{}{}", self.base, path)).send().await.expect("GET");
        Self::page(resp).await
    }

    pub async fn get_bytes(&self, path: &str) -> (u16, Option<String>, Vec<u8>) {
        let resp = self.client.get(format!("{}{}", self.base, path)).send().await.expect("GET");
        let status = resp.status().as_u16();
        let ct =
            resp.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string);
        (status, ct, resp.bytes().await.expect("bytes").to_vec())
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_html_form::to_string(fields).expect("encode form");
        let resp = self
            .client
            .post(format!("{}{}", self.base, path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST");
        Self::page(resp).await
    }

    /// Loads `page_path` for its CSRF token, then posts the form with it.
    pub async fn submit(&self, page_path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(page_path).await.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    /// Sends a file as the list-upload forms do (multipart: the CSRF token and `file`).
    pub async fn upload_file(
        &self, action: &str, csrf: &str, file_name: &str, bytes: &[u8],
    ) -> Page {
        let boundary = "----mietschulung-test-upload";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let resp = self
            .client
            .post(format!("{}{}", self.base, action))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .expect("upload");
        Self::page(resp).await
    }

    pub async fn login(&self, email: &str) -> Page {
        let page =
            self.submit("/login", "/login", &[("email", email), ("password", PASSWORD)]).await;
        assert_eq!(page.status, 303, "login of {email} redirects: {}", page.body);
        page
    }

    async fn page(resp: reqwest::Response) -> Page {
        let status = resp.status().as_u16();
        let location =
            resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = resp.text().await.expect("body");
        logs::remember_links_in(&body);
        if let Some(l) = &location {
            logs::remember_links_in(l);
        }
        Page { status, location, body }
    }
}

pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub async fn send(
        &self, method: reqwest::Method, path: &str, body: Option<Value>,
    ) -> (u16, Value) {
        let mut req =
            self.client.request(method, format!("{}{}", self.base, path)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("api request");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        logs::remember_links_in(&text);
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }
}

/// The id at the end of a redirect like `/courses/7`.
pub fn id_from_location(location: &Option<String>) -> i32 {
    let loc = location.as_deref().expect("redirect location");
    let path = loc.split(['?', '#']).next().unwrap_or(loc);
    path.rsplit('/').next().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no id in {loc}"))
}

/// Whether the external program `name` is installed; if not, the check that needs it is
/// skipped loudly (see [`skip`]).
pub fn tool_available(name: &str) -> bool {
    if on_path(name) {
        return true;
    }
    skip(&format!("no {name}"), &format!("the check with {name}"));
    false
}

/// Whether `name` is an installed program, without a word when it is not.
pub fn on_path(name: &str) -> bool {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A planned run with the given modules (title, mandatory), built through the JSON API:
/// returns (course id, run id, module ids).
pub async fn plan_run(
    api: &Api, code: &str, capacity: i32, modules: &[(&str, bool)],
) -> (i64, i64, Vec<i64>) {
    plan_run_between(api, code, capacity, modules, "2026-03-02", "2026-03-31").await
}

/// The same for a run between `start` and `end` (ISO dates).
pub async fn plan_run_between(
    api: &Api, code: &str, capacity: i32, modules: &[(&str, bool)], start: &str, end: &str,
) -> (i64, i64, Vec<i64>) {
    let (s, course) = api
        .post("/api/v1/courses", json!({"code": code, "title": format!("Mietführerschein {code}")}))
        .await;
    assert_eq!(s, 201, "{course}");
    let course_id = course["id"].as_i64().unwrap();
    let mut module_ids = Vec::new();
    for (title, mandatory) in modules {
        let (s, m) = api
            .post(
                &format!("/api/v1/courses/{course_id}/modules"),
                json!({"title": title, "duration_minutes": 60, "mandatory": mandatory}),
            )
            .await;
        assert_eq!(s, 201, "{m}");
        module_ids.push(m["id"].as_i64().unwrap());
    }
    let (s, run) = api
        .post(
            &format!("/api/v1/courses/{course_id}/runs"),
            json!({"start_date": start, "end_date": end, "place": "VHS Altenburg", "capacity": capacity, "interpreter_languages": ["ar"]}),
        )
        .await;
    assert_eq!(s, 201, "{run}");
    (course_id, run["id"].as_i64().unwrap(), module_ids)
}

pub async fn register(api: &Api, given: &str, family: &str, email: Option<&str>) -> i64 {
    let (s, p) = api
        .post("/api/v1/participants", json!({"given_name": given, "family_name": family, "preferred_language": "ar", "email": email, "consent": true}))
        .await;
    assert_eq!(s, 201, "{p}");
    p["id"].as_i64().unwrap()
}

pub async fn wait_until<F: FnMut() -> bool>(what: &str, timeout: Duration, mut f: F) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The verdict the check page shows (`valid`, `revoked` or `invalid`), read from its stable
/// hook rather than from the words, which may be reworded or translated.
pub fn verdict(body: &str) -> Option<&str> {
    let marker = "data-verdict=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(&body[start..end])
}

/// Asserts that a command succeeded, showing what it wrote when it did not.
pub fn assert_succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `qpdf --check` on a PDF file, where qpdf is installed: the file's structure is sound.
pub fn qpdf_check(path: &std::path::Path) {
    if tool_available("qpdf") {
        let check =
            std::process::Command::new("qpdf").arg("--check").arg(path).output().expect("run qpdf");
        assert_succeeded(&check);
    }
}

/// A sentence of `locales/de.json` with its arguments, as the page shows it: tests look for
/// the locale's words, so rewording a sentence does not break them.
pub fn said(key: &'static str, args: &[(&'static str, &str)]) -> String {
    args.iter()
        .fold(mietschulung::i18n::Text::key(key), |t, (name, value)| t.arg(name, value))
        .render("de")
}

/// (start, end) of a session of today (local) that has started: half an hour ago, or at
/// midnight when that was earlier today, for eight hours; as local `YYYY-MM-DDTHH:MM`.
pub fn started_today() -> (String, String) {
    let now = mietschulung::time::to_local(mietschulung::time::now_utc()).naive_local();
    let midnight = now.date().and_hms_opt(0, 0, 0).expect("midnight");
    let start = (now - chrono::Duration::minutes(30)).max(midnight);
    let end = start + chrono::Duration::hours(8);
    let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M").to_string();
    (fmt(start), fmt(end))
}

/// One person through a run to an issued certificate (API): a run with one held session of
/// one module, the person registered, enrolled and present, then issuing.
/// (run id, person id, the issuing summary).
pub async fn certified(
    api: &Api, code: &str, given: &str, family: &str, email: Option<&str>,
) -> (i64, i64, Value) {
    let (_, run_id, modules) = plan_run(api, code, 5, &[("Mietvertrag", true)]).await;
    let (pid, summary) = certify(api, run_id, &modules, given, family, email).await;
    (run_id, pid, summary)
}

/// In a planned run: one session of its modules, one person registered (reading Arabic),
/// enrolled and present, and the run's certificates issued: (participant, issue summary).
pub async fn certify(
    api: &Api, run_id: i64, modules: &[i64], given: &str, family: &str, email: Option<&str>,
) -> (i64, Value) {
    let (s, session) = api
        .post(
            &format!("/api/v1/runs/{run_id}/sessions"),
            json!({"starts_at": "2026-03-03T09:00", "ends_at": "2026-03-03T10:00", "module_ids": modules}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let pid = register(api, given, family, email).await;
    api.post(&format!("/api/v1/runs/{run_id}/enrollments"), json!({"participant_id": pid})).await;
    mark_present(api, run_id, &[pid]).await;
    let (s, summary) = api.post(&format!("/api/v1/runs/{run_id}/certificates"), json!({})).await;
    assert_eq!(s, 200, "{summary}");
    (pid, summary)
}

/// Marks the people present in the run's first session (through the API).
pub async fn mark_present(api: &Api, run_id: i64, pids: &[i64]) {
    let (_, run) = api.get(&format!("/api/v1/runs/{run_id}")).await;
    let sid = run["sessions"][0]["id"].as_i64().expect("session");
    for pid in pids {
        let (s, body) = api
            .put(&format!("/api/v1/sessions/{sid}/attendance/{pid}"), json!({"status": "present"}))
            .await;
        assert_eq!(s, 200, "{body}");
    }
}

/// The certificate batch once it is done (at most a minute).
pub async fn wait_for_batch(api: &Api, batch_id: i64) -> Value {
    let start = std::time::Instant::now();
    loop {
        let (s, b) = api.get(&format!("/api/v1/certificate-batches/{batch_id}")).await;
        assert_eq!(s, 200, "{b}");
        if b["state"] == "done" {
            return b;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "batch {batch_id} did not finish: {b}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A certificate batch of the run whose worker died after its first participant: the row
/// still says "running", with one done and issued, and a heartbeat `minutes_ago` old.
pub fn dead_batch(
    app: &TestApp, actor: &Actor, run_id: i64, minutes_ago: i64,
    last: Option<mietschulung::ids::ParticipantId>,
) -> mietschulung::ids::CertificateBatchId {
    let (actor, run) = (actor.clone(), mietschulung::ids::RunId(run_id as i32));
    app.db
        .run_blocking(move |conn| {
            let (batch, _) = mietschulung::certificates::service::start_batch(conn, &actor, run)?;
            use diesel::prelude::*;
            use mietschulung::db::schema::certificate_batches as cb;
            let heartbeat = mietschulung::time::now_utc() - chrono::Duration::minutes(minutes_ago);
            diesel::update(cb::table.find(batch.id))
                .set((
                    cb::heartbeat_at.eq(heartbeat),
                    cb::done.eq(1),
                    cb::issued.eq(1),
                    cb::last_participant_id.eq(last),
                ))
                .execute(conn)?;
            Ok(batch.id)
        })
        .expect("a dead batch")
}
