//! What a municipality's IT watches: JSON logs with request ids, `/readyz`, and the
//! `healthcheck` command a container's HEALTHCHECK runs.

use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use super::shutdown::{demo_check_paths, serve_with, wait_for_health};
use crate::both_backends;
use crate::common::{self, Backend, TestApp};

/// Invariant: with `MIETSCHULUNG_LOG_FORMAT=json` every log line is one JSON object; each
/// request's line carries the id answered as `X-Request-Id`; a well-formed id from a
/// trusted proxy is kept, one from anyone else is not; the certificate token in the path
/// is logged as the route's `{token}`, never as itself.
#[actix_web::test]
async fn json_logs_carry_the_request_id_and_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let check_path = demo_check_paths(&data, &None).remove(0);
    let token = check_path.rsplit('/').next().unwrap().to_string();
    let vars = [
        ("MIETSCHULUNG_LOG_FORMAT", "json".to_string()),
        ("MIETSCHULUNG_TRUSTED_PROXIES", "127.0.0.2".to_string()),
    ];
    let (mut server, port) = serve_with(&data, &None, &vars);
    let base = format!("http://127.0.0.1:{port}");
    wait_for_health(&base).await;
    let ids = {
        let client = reqwest::Client::new();
        let page = client.get(format!("{base}{check_path}")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let page_id = page.headers()["x-request-id"].to_str().unwrap().to_string();
        // 127.0.0.1 is no trusted proxy here: its id is replaced.
        let other = client
            .get(format!("{base}/z/AAAAAAAAAAAA"))
            .header("x-request-id", "mein-eigener-name")
            .send()
            .await
            .unwrap();
        let other_id = other.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_ne!(other_id, "mein-eigener-name");
        [page_id, other_id]
    };
    assert_ne!(ids[0], ids[1]);
    let exit = server.terminate().await;
    assert!(exit.success(), "{}", server.log());
    common::wait_until("the last log lines", Duration::from_secs(5), || {
        server.log().contains("background jobs stopped")
    })
    .await;

    let lines = server.lines();
    let mut requests = Vec::new();
    for line in &lines {
        let entry: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(entry["level"].is_string() && entry["timestamp"].is_string(), "{line}");
        assert!(!line.contains(&token), "the token reached the log: {line}");
        if entry["target"] == "mietschulung::http" {
            let id = entry["span"]["request_id"].as_str().unwrap_or_else(|| panic!("{line}"));
            requests.push((id.to_string(), entry["fields"]["message"].to_string()));
        }
    }
    let logged = |id: &str| requests.iter().find(|(i, _)| i == id).map(|(_, m)| m.clone());
    let page_line = logged(&ids[0]).unwrap_or_else(|| panic!("{ids:?} not in {requests:?}"));
    assert!(page_line.contains("GET /Z/{token} 200"), "{page_line}");
    assert!(logged(&ids[1]).is_some_and(|m| m.contains("/z/{token} 404")), "{requests:?}");
}

/// Invariant: a trusted proxy's `X-Request-Id` is kept when well-formed and replaced when
/// not, so its log and ours name the request alike and nothing odd reaches our log.
#[actix_web::test]
async fn a_trusted_proxys_request_id_is_kept() {
    let options = common::Options { trusted_proxies: Some("127.0.0.1"), ..Default::default() };
    let app = common::spawn_app_with(Backend::Sqlite, options).await;
    let client = reqwest::Client::new();
    let id_for = |sent: &'static str| {
        let request = client.get(app.url("/healthz")).header("x-request-id", sent);
        async move {
            let resp = request.send().await.unwrap();
            resp.headers()["x-request-id"].to_str().unwrap().to_string()
        }
    };
    assert_eq!(id_for("4f1c9a3e-7b2d-4c8e").await, "4f1c9a3e-7b2d-4c8e");
    assert_ne!(id_for("x y <z>").await, "x y <z>");
    assert_eq!(id_for("x y <z>").await.len(), 16);
}

/// `mietschulung healthcheck` against `bind`, with a data directory of its own.
fn healthcheck(bind: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_mietschulung"))
        .env_remove("MIETSCHULUNG_CONFIG")
        .env_remove("DATABASE_URL")
        .env("MIETSCHULUNG_DATA_DIR", dir.path())
        .env("MIETSCHULUNG_BIND", bind)
        .arg("healthcheck")
        .output()
        .unwrap()
}

fn one_line_reason(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(text.trim_end().lines().count(), 1, "one line: {text:?}");
    text
}

async fn readyz(app: &TestApp) -> (u16, Value) {
    let resp = reqwest::get(app.url("/readyz")).await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// Invariant: `/readyz` is 503 with its reason while the data directory takes no file,
/// and `healthcheck` exits 1 with that reason on one line; 200 and exit 0 again once it
/// does; exit 1 when nothing listens. (Run as root, chmod cannot stop a write, so the
/// directory is also replaced by a plain file, which stops root too.)
async fn readiness(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let bind = app.settings.bind.clone();
    assert_eq!(readyz(&app).await.0, 200);
    let ok = healthcheck(&bind);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

    let dir = app.data_dir.path().to_path_buf();
    let moved = dir.with_extension("moved");
    #[cfg(unix)]
    if !running_as_root() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        let (status, body) = readyz(&app).await;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!((status, body["reason"].as_str()), (503, Some("data directory not writable")));
    }
    // Open database files stay open in the moved directory, so only the directory fails.
    std::fs::rename(&dir, &moved).unwrap();
    std::fs::write(&dir, b"not a directory").unwrap();
    let (status, body) = readyz(&app).await;
    let out = healthcheck(&bind);
    std::fs::remove_file(&dir).unwrap();
    std::fs::rename(&moved, &dir).unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"status": "unready", "reason": "data directory not writable"})
    );
    assert_eq!(out.status.code(), Some(1));
    let reason = one_line_reason(&out);
    assert!(reason.contains("503") && reason.contains("data directory not writable"), "{reason}");

    assert_eq!(readyz(&app).await.0, 200, "ready again");
    assert!(healthcheck(&bind).status.success());

    // Nothing listening: a port just bound and let go.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let out = healthcheck(&free.to_string());
    assert_eq!(out.status.code(), Some(1));
    assert!(one_line_reason(&out).contains("no answer"));
}

both_backends!(readyz_and_healthcheck_say_when_the_data_directory_fails, readiness);

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Invariant: a wrong `MIETSCHULUNG_TRUSTED_PROXIES` or `MIETSCHULUNG_LOG_FORMAT` stops
/// start-up with exit 1 and a message naming the variable and the wrong entry.
#[test]
fn a_wrong_proxy_list_or_log_format_stops_start_up_with_its_name() {
    for (name, value, named) in [
        ("MIETSCHULUNG_TRUSTED_PROXIES", "127.0.0.1, proxy.intern", "proxy.intern"),
        ("MIETSCHULUNG_TRUSTED_PROXIES", "10.0.0.0/33", "10.0.0.0/33"),
        ("MIETSCHULUNG_LOG_FORMAT", "yaml", "yaml"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_mietschulung"))
            .env_remove("MIETSCHULUNG_CONFIG")
            .env_remove("DATABASE_URL")
            .env("MIETSCHULUNG_DATA_DIR", dir.path())
            .env(name, value)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}={value}: {stderr}");
        assert!(stderr.contains(name) && stderr.contains(named), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
