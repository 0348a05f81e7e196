//! Stopping the service the way systemd or a container runtime does: SIGTERM ends the
//! process with status 0, after the requests in flight were answered and the background
//! jobs finished their last work. The helpers here run the binary for other tests too
//! (`operations`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;

use crate::both_backends;
use crate::common::{self, Backend};

pub(super) fn bin(data: &Path, database_url: &Option<String>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mietschulung"));
    c.env_remove("MIETSCHULUNG_CONFIG")
        .env_remove("MIETSCHULUNG_SESSION_KEY")
        .env_remove("MIETSCHULUNG_KEYS_DIR")
        .env("MIETSCHULUNG_DATA_DIR", data)
        .env("MIETSCHULUNG_DB_POOL_SIZE", "4")
        .env("NO_COLOR", "1");
    match database_url {
        Some(url) => c.env("DATABASE_URL", url),
        None => c.env_remove("DATABASE_URL"),
    };
    c
}

/// Runs `demo` on the data: what it printed.
pub(super) fn demo(data: &Path, database_url: &Option<String>) -> String {
    let out = data.with_file_name("pdfs");
    let result = bin(data, database_url)
        .env("RUST_LOG", "warn")
        .args(["demo", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(result.status.success(), "demo: {}", String::from_utf8_lossy(&result.stderr));
    String::from_utf8_lossy(&result.stdout).into_owned()
}

/// The demo's certificates: the path of each one's check page (`/Z/<token>`).
pub(super) fn demo_check_paths(data: &Path, database_url: &Option<String>) -> Vec<String> {
    let stdout = demo(data, database_url);
    let paths: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.split(" -> ").nth(1))
        .filter_map(|url| url.find("/Z/").map(|i| url[i..].to_string()))
        .collect();
    assert!(!paths.is_empty(), "{stdout}");
    paths
}

/// The server process; killed if the test ends early.
pub(super) struct Running {
    pub(super) child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    pub(super) fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub(super) fn lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits (at most 15 s) for the process to end; its exit status.
    pub(super) async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let stopping = Instant::now();
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return exit;
            }
            assert!(
                stopping.elapsed() < Duration::from_secs(15),
                "still running 15 s after SIGTERM:\n{}",
                self.log()
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Starts `serve` on a port the system picks and returns it with the port it reports.
pub(super) fn serve(data: &Path, database_url: &Option<String>) -> (Running, u16) {
    serve_with(data, database_url, &[])
}

/// [`serve`] with more environment variables (`MIETSCHULUNG_LOG_FORMAT=json` …).
pub(super) fn serve_with(
    data: &Path, database_url: &Option<String>, vars: &[(&str, String)],
) -> (Running, u16) {
    serve_on(data, database_url, 0, vars)
}

/// [`serve_with`] on `port` (0: one the system picks), for a test that must know the
/// port before the start (its public URL).
pub(super) fn serve_on(
    data: &Path, database_url: &Option<String>, port: u16, vars: &[(&str, String)],
) -> (Running, u16) {
    let mut command = bin(data, database_url);
    for (name, value) in vars {
        command.env(name, value);
    }
    let mut child = command
        .env("RUST_LOG", "info")
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (lines, listening) = mpsc::channel();
    let keep = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let line = without_colours(&line);
            keep.lock().unwrap().push(line.clone());
            let _ = lines.send(line);
        }
    });
    let running = Running { child, log };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = listening
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("server never said where it listens:\n{}", running.log()));
        if line.contains("mietschulung listening") {
            // `… port=41234` as text, `"fields":{…,"port":41234}` as JSON.
            let json = serde_json::from_str::<serde_json::Value>(&line).ok();
            let port = json
                .and_then(|l| l["fields"]["port"].as_u64())
                .and_then(|p| u16::try_from(p).ok())
                .or_else(|| {
                    line.split("port=")
                        .nth(1)
                        .and_then(|rest| rest.split_whitespace().next())
                        .and_then(|p| p.parse().ok())
                })
                .unwrap_or_else(|| panic!("no port in {line:?}"));
            return (running, port);
        }
    }
}

fn without_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI sequence: ESC [ parameters final-letter
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn checks_counted(database_url: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let db = mietschulung::db::Db::connect(database_url, 1, true).unwrap();
    db.run_blocking(|conn| {
        Ok(diesel::sql_query(
            "SELECT CAST(COALESCE(SUM(checks), 0) AS BIGINT) AS n FROM certificate_checks",
        )
        .get_result::<N>(conn)?
        .n)
    })
    .unwrap()
}

/// A fresh database for a process test: the SQLite file in the data directory (`None`),
/// or a new PostgreSQL database, dropped with its guard.
pub(super) fn database(backend: Backend) -> (Option<String>, Option<common::PgDatabase>) {
    match backend {
        Backend::Sqlite => (None, None),
        Backend::Postgres => {
            let (url, db) = common::pg_database();
            (Some(url), Some(db))
        }
    }
}

/// Waits (at most 30 s) until the server at `base` answers `/healthz`.
pub(super) async fn wait_for_health(base: &str) {
    // The client goes at the end, so no idle connection keeps the server waiting later.
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let start = Instant::now();
    while !client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success())
    {
        assert!(start.elapsed() < Duration::from_secs(30), "no /healthz");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// After SIGTERM: exit 0, the jobs' last words logged, nothing abandoned; the whole log.
async fn assert_stopped_cleanly(server: &mut Running) -> String {
    let exit = server.terminate().await;
    assert!(exit.success(), "exit {exit}:\n{}", server.log());
    // The reader thread may still hold the last lines; the pipe is closed, so it ends soon.
    common::wait_until("the last log lines", Duration::from_secs(5), || {
        server.log().contains("background jobs stopped")
    })
    .await;
    let log = server.log();
    assert!(!log.contains("did not stop in time"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
    log
}

async fn sigterm_stops_cleanly_and_keeps_the_last_check(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (url, _pg) = database(backend);
    let check_path = demo_check_paths(&data, &url).remove(0);
    let (mut server, port) = serve(&data, &url);
    let base = format!("http://127.0.0.1:{port}");
    wait_for_health(&base).await;
    {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        let page = client.get(format!("{base}{check_path}")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        // The client goes here, so no idle connection keeps the server waiting.
    }

    // Right away: the counter writes every two seconds, so this count is almost always
    // still in memory and only the last flush on the way out can save it.
    let log = assert_stopped_cleanly(&mut server).await;

    let database_url =
        url.unwrap_or_else(|| data.join("mietschulung.sqlite").to_string_lossy().into_owned());
    assert_eq!(
        checks_counted(&database_url),
        1,
        "the check made just before SIGTERM is counted:\n{log}"
    );
}

both_backends!(
    sigterm_stops_cleanly_and_keeps_the_last_check_in_the_database,
    sigterm_stops_cleanly_and_keeps_the_last_check
);

/// The demo's coordinator login, as `demo` printed it.
pub(super) fn demo_login(printed: &str) -> (String, String) {
    let line = printed
        .lines()
        .find(|l| l.contains("koordination@"))
        .unwrap_or_else(|| panic!("no login in {printed}"));
    let (_, login) = line.split_once(": ").unwrap();
    let (email, password) = login.split_once(" / ").unwrap();
    (email.trim().to_string(), password.trim().to_string())
}

/// Invariant: SIGTERM during a request answers that request (200) before the process exits
/// 0; no new connection is taken meanwhile; the mail worker stops between messages, so
/// across the restart every queued mail reaches the SMTP server exactly once.
async fn sigterm_during_a_request(backend: Backend) {
    use std::io::{Read, Write};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (url, _pg) = database(backend);
    let (email, password) = demo_login(&demo(&data, &url));
    let database_url = url
        .clone()
        .unwrap_or_else(|| data.join("mietschulung.sqlite").to_string_lossy().into_owned());
    let db = mietschulung::db::Db::connect(&database_url, 1, true).unwrap();
    // Mail queued before the service starts (the demo's own, if any, and this one); a
    // slow SMTP server keeps each delivery going for two seconds.
    let queued = db
        .run_blocking(|conn| {
            mietschulung::mail::outbox::enqueue(
                conn,
                None,
                mietschulung::mail::outbox::About::Nobody,
                "mariam@example.org",
                "waitlist_promoted",
                &serde_json::json!({"participant_name": "Mariam Ahmadi", "referrer_name": null,
                    "course_title": "Mietführerschein", "place": "VHS", "start": "2.3.2026",
                    "end": "31.3.2026", "first_session": null}),
                None,
            )
        })
        .unwrap();
    let smtp = common::smtp::SmtpServer::start_with(
        0,
        common::smtp::Behaviour { accept_delay: Duration::from_secs(2), ..Default::default() },
    )
    .unwrap();
    let vars = [
        ("MIETSCHULUNG_SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port)),
        ("MIETSCHULUNG_OUTBOX_POLL_MILLIS", "200".to_string()),
    ];
    let (mut server, port) = serve_with(&data, &url, &vars);
    wait_for_health(&format!("http://127.0.0.1:{port}")).await;

    // A login whose body is still on its way: half of it now, the rest after SIGTERM.
    let body = serde_json::json!({"email": email, "password": password}).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut request = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    request.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        request,
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    // Stop while a mail is being handed over, too.
    common::wait_until("a mail in delivery", Duration::from_secs(30), || {
        !smtp.messages().is_empty()
    })
    .await;
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
    assert!(server.child.try_wait().unwrap().is_none(), "exited with a request in flight");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "a new connection was accepted after SIGTERM"
    );
    request.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    request.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let token = answer.split("\"token\":\"").nth(1).and_then(|t| t.split('"').next());
    assert!(token.is_some_and(|t| t.starts_with("ms_")), "{answer}");
    let log = assert_stopped_cleanly(&mut server).await;
    assert!(!log.contains("ms_"), "no token in the log");

    // Restarted: what was left in the outbox goes out; nothing goes twice.
    let (mut server, port) = serve_with(&data, &url, &vars);
    wait_for_health(&format!("http://127.0.0.1:{port}")).await;
    let counts = || db.run_blocking(mietschulung::mail::service::queue_counts).unwrap();
    common::wait_until("the outbox empty", Duration::from_secs(90), || {
        let c = counts();
        c.pending == 0 && c.failed == 0
    })
    .await;
    // Time for a would-be second delivery to show up.
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    assert_stopped_cleanly(&mut server).await;
    let total = db
        .run_blocking(|conn| {
            use diesel::{ExpressionMethods, QueryDsl};
            use mietschulung::db::schema::mail_outbox::dsl as o;
            Ok(o::mail_outbox.filter(o::status.eq("sent")).count().get_result::<i64>(conn)?)
        })
        .unwrap();
    let ids: Vec<String> = smtp.messages().iter().filter_map(|m| m.message_id()).collect();
    let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), distinct.len(), "a mail went twice: {ids:?}");
    assert_eq!(ids.len() as i64, total, "every sent row reached the server once");
    let mine = db.run_blocking(move |conn| mietschulung::mail::outbox::get(conn, queued)).unwrap();
    assert!(distinct.contains(&mine.message_id), "the mail queued before the kill went out");
}

both_backends!(
    sigterm_answers_the_request_in_flight_and_sends_each_mail_once,
    sigterm_during_a_request
);
