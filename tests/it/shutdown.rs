//! Stopping the service the way systemd or a container runtime does: SIGTERM ends the
//! process with status 0, after the background jobs finished their last work.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;

use crate::both_backends;
use crate::common::{self, Backend};

fn bin(data: &Path, database_url: &Option<String>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mietschulung"));
    c.env_remove("MIETSCHULUNG_CONFIG")
        .env("MIETSCHULUNG_DATA_DIR", data)
        .env("MIETSCHULUNG_DB_POOL_SIZE", "4")
        .env("NO_COLOR", "1");
    match database_url {
        Some(url) => c.env("DATABASE_URL", url),
        None => c.env_remove("DATABASE_URL"),
    };
    c
}

/// The demo's certificates: the path of each one's check page (`/Z/<token>`).
fn demo_check_paths(data: &Path, database_url: &Option<String>) -> Vec<String> {
    let out = data.with_file_name("pdfs");
    let result = bin(data, database_url)
        .env("RUST_LOG", "warn")
        .args(["demo", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(result.status.success(), "demo: {}", String::from_utf8_lossy(&result.stderr));
    let paths: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.split(" -> ").nth(1))
        .filter_map(|url| url.find("/Z/").map(|i| url[i..].to_string()))
        .collect();
    assert!(!paths.is_empty(), "{stdout}");
    paths
}

/// The server process; killed if the test ends early.
struct Running {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

/// Starts `serve` on a port the system picks and returns it with the port it reports.
fn serve(data: &Path, database_url: &Option<String>) -> (Running, u16) {
    let mut child = bin(data, database_url)
        .env("RUST_LOG", "info")
        .args(["serve", "--bind", "127.0.0.1:0"])
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
            let port = line
                .split("port=")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|p| p.parse().ok())
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
    let db = mietschulung::db::Db::connect(database_url, 1).unwrap();
    db.run_blocking(|conn| {
        Ok(diesel::sql_query(
            "SELECT CAST(COALESCE(SUM(checks), 0) AS BIGINT) AS n FROM certificate_checks",
        )
        .get_result::<N>(conn)?
        .n)
    })
    .unwrap()
}

async fn sigterm_stops_cleanly_and_keeps_the_last_check(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (url, _pg) = match backend {
        Backend::Sqlite => (None, None),
        Backend::Postgres => {
            let (url, db) = common::pg_database();
            (Some(url), Some(db))
        }
    };
    let check_path = demo_check_paths(&data, &url).remove(0);
    let (mut server, port) = serve(&data, &url);
    let base = format!("http://127.0.0.1:{port}");
    {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        let start = Instant::now();
        while !client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(start.elapsed() < Duration::from_secs(30), "no /healthz");
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        let page = client.get(format!("{base}{check_path}")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        // The client goes here, so no idle connection keeps the server waiting.
    }

    // Right away: the counter writes every two seconds, so this count is almost always
    // still in memory and only the last flush on the way out can save it.
    let status =
        Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let stopping = Instant::now();
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(15),
            "still running 15 s after SIGTERM:\n{}",
            server.log()
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "exit {exit}:\n{}", server.log());
    // The reader thread may still hold the last lines; the pipe is closed, so it ends soon.
    common::wait_until("the last log lines", Duration::from_secs(5), || {
        server.log().contains("background jobs stopped")
    })
    .await;
    let log = server.log();
    assert!(!log.contains("did not stop in time"), "{log}");
    assert!(!log.contains("panicked"), "{log}");

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
