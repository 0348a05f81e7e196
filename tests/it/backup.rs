//! Backup and restore as an operator runs them: the real binary backs up a serving
//! process while it writes, the data directory is wiped, `restore` puts the archive back
//! and `serve` starts again; certificates, logins and the outbox carry on. Hostile
//! archives and a restore onto existing data are refused with nothing written.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{self, smtp::SmtpServer, Api, Browser, PASSWORD};

const COORDINATOR: &str = "koordination@sicher.example.org";

fn bin(data: &Path, database_url: Option<&str>) -> Command {
    let mut c = super::shutdown::bin(data, &database_url.map(str::to_string));
    c.env("RUST_LOG", "warn");
    c
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// An organisation and its coordinator, made with the operator's commands.
fn set_up(data: &Path, database_url: Option<&str>) {
    let out = bin(data, database_url)
        .args(["org", "create", "--slug", "sicher", "--name", "Landkreis Sicher"])
        .args(["--issuer", "Landratsamt Sicher", "--signatory", "Dr. Sabine Müller"])
        .output()
        .unwrap();
    common::assert_succeeded(&out);
    let mut child = bin(data, database_url)
        .args(["user", "create", "--org", "sicher", "--email", COORDINATOR])
        .args(["--role", "coordinator"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    common::assert_succeeded(&child.wait_with_output().unwrap());
}

/// A `serve` process and its address; killed if the test ends early.
struct Server {
    running: super::shutdown::Running,
    base: String,
}

impl Server {
    fn log(&self) -> String {
        self.running.log()
    }

    /// SIGTERM, as systemd stops it, and wait for the exit.
    async fn stop(mut self) {
        self.running.terminate().await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `serve` on a free port (which is also its public URL, so the check links and the
/// revocation list name it), sending mail to `smtp_port`.
fn serve(data: &Path, smtp_port: u16) -> Server {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let vars = [
        ("MIETSCHULUNG_PUBLIC_URL", base.clone()),
        ("MIETSCHULUNG_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")),
        ("MIETSCHULUNG_OUTBOX_POLL_MILLIS", "100".to_string()),
        ("MIETSCHULUNG_OUTBOX_RETRY_BASE_SECS", "1".to_string()),
    ];
    let (running, _) = super::shutdown::serve_on(data, &None, port, &vars);
    Server { running, base }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

async fn api_token(base: &str) -> Api {
    let client = client();
    let resp = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"email": COORDINATOR, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    Api { client, base: base.to_string(), token: body["token"].as_str().unwrap().to_string() }
}

fn browser(base: &str) -> Browser {
    Browser {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        base: base.to_string(),
    }
}

/// The mails to `to` the server has received, as text (decoded as lettre encoded them).
fn mails_to(smtp: &SmtpServer, to: &str) -> Vec<String> {
    smtp.messages()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t.contains(to)))
        .map(|m| common::mime::decode(&m.data).text)
        .collect()
}

fn check_path(mail: &str) -> String {
    let at = mail.find("/Z/").unwrap_or_else(|| panic!("a check link in {mail}"));
    let token: String = mail[at + 3..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    format!("/Z/{token}")
}

/// Every file under `dir` with its bytes: what "nothing written" compares.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.map(Result::unwrap) {
            let path = e.path();
            if e.file_type().unwrap().is_dir() {
                found.insert(path.clone(), Vec::new());
                todo.push(path);
            } else {
                found.insert(path.clone(), std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    found
}

fn count(data: &Path, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let url = data.join("mietschulung.sqlite").to_string_lossy().into_owned();
    let db = mietschulung::db::Db::connect(&url, 1, true).unwrap();
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    db.run_blocking(move |conn| {
        use diesel::RunQueryDsl;
        Ok(diesel::sql_query(sql).get_result::<N>(conn)?.n)
    })
    .unwrap()
}

#[actix_web::test]
async fn a_backup_taken_while_serving_restores_certificates_logins_and_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    set_up(&data, None);

    // Before the backup: a certificate whose mail went out.
    let smtp_before = SmtpServer::start_on(0).unwrap();
    let server = serve(&data, smtp_before.port);
    let api = api_token(&server.base).await;
    common::certified(&api, "SICHER-1", "Amina", "Haddad", Some("amina@example.org")).await;
    common::wait_until("Amina's certificate mail", Duration::from_secs(30), || {
        !mails_to(&smtp_before, "amina@").is_empty()
    })
    .await;
    let amina_check = check_path(&mails_to(&smtp_before, "amina@")[0]);
    server.stop().await;

    // The mail server is gone for a while: Olena's mail waits in the outbox.
    let server = serve(&data, free_port());
    let api = Api { base: server.base.clone(), ..api };
    common::certified(&api, "SICHER-2", "Olena", "Kovalenko", Some("olena@example.org")).await;
    let logged_in = browser(&server.base);
    logged_in.login(COORDINATOR).await;
    // The organisation's logo (a row of the database, so in its copy).
    let mut logo = Vec::new();
    image::RgbImage::from_fn(120, 40, |x, _| image::Rgb([(x % 250) as u8, 40, 120]))
        .write_to(&mut std::io::Cursor::new(&mut logo), image::ImageFormat::Png)
        .unwrap();
    let put = api
        .client
        .put(format!("{}/api/v1/certificate-settings/images/logo", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "image/png")
        .body(logo)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);

    // The backup, while four clients keep registering people.
    let archive = dir.path().join("sicherung.tar");
    let backing_up = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let written_during = Arc::new(AtomicUsize::new(0));
    let writer = |n: usize| {
        let (api, backing_up, done, written_during) =
            (&api, backing_up.clone(), done.clone(), written_during.clone());
        async move {
            let mut i = 0;
            while !done.load(Ordering::SeqCst) {
                let during = backing_up.load(Ordering::SeqCst);
                common::register(api, &format!("Person{n}x{i}"), "Parallel", None).await;
                if during && backing_up.load(Ordering::SeqCst) {
                    written_during.fetch_add(1, Ordering::SeqCst);
                }
                i += 1;
            }
        }
    };
    let before_backup = count(&data, "participants");
    let backup = {
        let (data, archive, backing_up, done) =
            (data.clone(), archive.clone(), backing_up.clone(), done.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            backing_up.store(true, Ordering::SeqCst);
            let started = Instant::now();
            let out = bin(&data, None).args(["backup", "--out"]).arg(&archive).output().unwrap();
            let took = started.elapsed();
            backing_up.store(false, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(200));
            done.store(true, Ordering::SeqCst);
            (out, took)
        })
    };
    futures_util::future::join4(writer(1), writer(2), writer(3), writer(4)).await;
    let (out, took) = backup.join().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for member in ["database/mietschulung.sqlite", "session.key", "keys/kid-"] {
        assert!(stdout.contains(member), "{member}: {stdout}");
    }
    let after_backup = count(&data, "participants");
    let during = written_during.load(Ordering::SeqCst);
    let size = std::fs::metadata(&archive).unwrap().len();
    eprintln!("backup took {took:?} ({size} bytes); {during} registrations finished while it ran");
    assert!(during > 0, "no write happened while the backup ran ({took:?})");

    // The machine is lost: the process dies, the data directory is wiped.
    drop(server);
    std::fs::remove_dir_all(&data).unwrap();
    let out = bin(&data, None).arg("restore").arg(&archive).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(data.join("session.key").is_file() && data.join("keys").is_dir());
    let restored = count(&data, "participants");
    assert!(
        (before_backup..=after_backup).contains(&restored),
        "a consistent copy: {before_backup} ≤ {restored} ≤ {after_backup}"
    );
    let check = bin(&data, None).arg("check").output().unwrap();
    assert!(check.status.success(), "every rule holds on the restored data: {}", text(&check));

    // Started again on the restored data, with the mail server back.
    let smtp_after = SmtpServer::start_on(0).unwrap();
    let server = serve(&data, smtp_after.port);

    // The old certificate still verifies: check page and offline verify.
    let visitor = browser(&server.base);
    let page = visitor.get(&amina_check).await;
    assert_eq!(common::verdict(&page.body), Some("valid"), "{}", page.body);
    let verify = bin(&data, None)
        .arg("verify")
        .arg(format!("{}{amina_check}", server.base))
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("ERGEBNIS: GÜLTIG"),
        "{}",
        text(&verify)
    );

    // Logins work: the session from before the backup (session key and row restored),
    // a new login, and the API token.
    let logged_in = Browser { base: server.base.clone(), ..logged_in };
    let page = logged_in.get("/courses").await;
    assert!(page.status == 200 && page.body.contains("action=\"/logout\""), "{}", page.body);
    browser(&server.base).login(COORDINATOR).await;
    let page = logged_in.get("/certificate-settings").await;
    assert!(
        page.body.contains("data-test=\"check-logo\" data-done=\"yes\""),
        "the logo is back: {}",
        page.body
    );
    let api = Api { base: server.base.clone(), ..api };
    assert_eq!(api.get("/api/v1/courses").await.0, 200);

    // The outbox resumes: Olena's waiting mail goes out once, Amina's sent one never again,
    // and a new certificate (signed with a restored key) is mailed too.
    common::certified(&api, "SICHER-3", "Hiwot", "Tesfaye", Some("hiwot@example.org")).await;
    common::wait_until("the waiting and the new mail", Duration::from_secs(30), || {
        !mails_to(&smtp_after, "olena@").is_empty() && !mails_to(&smtp_after, "hiwot@").is_empty()
    })
    .await;
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(mails_to(&smtp_after, "olena@").len(), 1, "Olena's mail exactly once");
    assert_eq!(mails_to(&smtp_after, "hiwot@").len(), 1);
    assert!(mails_to(&smtp_after, "amina@").is_empty(), "a sent mail is not sent again");
    assert_eq!(mails_to(&smtp_before, "amina@").len(), 1);
    let hiwot_check = check_path(&mails_to(&smtp_after, "hiwot@")[0]);
    let page = visitor.get(&hiwot_check).await;
    assert_eq!(common::verdict(&page.body), Some("valid"), "{}", page.body);
    let log = server.log();
    assert!(!log.contains("panicked"), "{log}");
    server.stop().await;
}

/// A data directory with an organisation, and a good archive of it.
fn data_with_archive(dir: &Path) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    set_up(&data, None);
    let archive = dir.join("gut.tar");
    let out = bin(&data, None).args(["backup", "--out"]).arg(&archive).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    (data, archive)
}

/// An archive's members as (header, bytes).
type Members = Vec<(tar::Header, Vec<u8>)>;

fn members(archive: &Path) -> Members {
    let mut tar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    tar.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut bytes).unwrap();
            (e.header().clone(), bytes)
        })
        .collect()
}

/// An archive of raw members: headers are written as given, so names and kinds that the
/// tar crate's own checks would refuse can be made.
fn write_raw(path: &Path, members: &[(tar::Header, Vec<u8>)]) {
    let mut builder = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (header, bytes) in members {
        builder.append(header, &bytes[..]).unwrap();
    }
    builder.finish().unwrap();
}

fn raw_header(name: &[u8], kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o600);
    h.set_cksum();
    h
}

#[test]
fn hostile_archives_and_existing_data_are_refused_with_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let (data, good) = data_with_archive(dir.path());
    let original = members(&good);
    assert_eq!(original[0].0.path().unwrap().to_str(), Some("manifest.json"));
    let manifest: Value = serde_json::from_slice(&original[0].1).unwrap();
    assert_eq!(manifest["format_version"], 1);
    assert_eq!(manifest["backend"], "sqlite");
    assert_eq!(manifest["database_included"], true);
    let listed: Vec<&str> = manifest["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&"database/mietschulung.sqlite") && listed.contains(&"session.key"));
    assert!(listed.iter().any(|m| m.starts_with("keys/kid-")), "{listed:?}");
    let key_at = original.iter().position(|(h, _)| h.path().unwrap().starts_with("keys")).unwrap();

    let mut cases: Vec<(&str, Members, &str)> = Vec::new();
    let mut tampered = original.clone();
    tampered[key_at].1[0] ^= 1;
    cases.push(("tampered member", tampered, "Prüfsumme"));
    let mut escaping = original.clone();
    escaping.push((raw_header(b"../ausserhalb", tar::EntryType::Regular, 4), b"boom".to_vec()));
    cases.push(("../ path", escaping, "unzulässiger Pfad"));
    let mut absolute = original.clone();
    absolute.push((raw_header(b"/tmp/absolut", tar::EntryType::Regular, 4), b"boom".to_vec()));
    cases.push(("absolute path", absolute, "unzulässiger Pfad"));
    let mut linked = original.clone();
    let mut link = raw_header(b"keys/kid-200.key", tar::EntryType::Symlink, 0);
    link.set_link_name("/etc/passwd").unwrap();
    link.set_cksum();
    linked.insert(1, (link, Vec::new()));
    cases.push(("symlink", linked, "symbolischer Link"));
    cases.push(("missing manifest", original[1..].to_vec(), "manifest.json"));
    let mut oversized = original.clone();
    let mut big: Value = manifest.clone();
    big["members"].as_array_mut().unwrap().push(json!({
        "path": "keys/riesig.key", "size": 1u64 << 40, "sha256": "0".repeat(64)
    }));
    oversized[0].1 = serde_json::to_vec(&big).unwrap();
    let size = oversized[0].1.len() as u64;
    oversized[0].0.set_size(size);
    oversized[0].0.set_cksum();
    cases.push(("oversized member", oversized, "zu groß"));

    let before = snapshot(&data);
    let empty = dir.path().join("leer");
    for (what, members, reason) in &cases {
        let path = dir.path().join(format!("{}.tar", what.replace([' ', '/', '.'], "_")));
        write_raw(&path, members);
        for (target, force) in [(&data, true), (&empty, false)] {
            let out = bin(target, None)
                .arg("restore")
                .arg(&path)
                .args(force.then_some("--force"))
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{what}: {}", text(&out));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("Fehler:") && stderr.contains(reason), "{what}: {stderr}");
        }
        assert_eq!(snapshot(&data), before, "{what}: the data is unchanged");
        assert!(snapshot(&empty).is_empty(), "{what}: nothing written");
    }
    // Cut off in the middle of the database.
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("abgeschnitten.tar");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let out = bin(&empty, None).arg("restore").arg(&truncated).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("abgeschnitten"), "{}", text(&out));
    assert!(snapshot(&empty).is_empty(), "truncated: nothing written");

    // A good archive onto existing data: refused without --force, data unchanged.
    let out = bin(&data, None).arg("restore").arg(&good).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"), "{}", text(&out));
    assert_eq!(snapshot(&data), before);

    // With --force it replaces them and keeps the old data aside.
    let out = bin(&data, None).args(["restore", "--force"]).arg(&good).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let names: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.starts_with("keys.before-restore-")), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("mietschulung.sqlite.before-restore-")),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("restore-tmp") || n == "restore.journal"),
        "{names:?}"
    );
    let check = bin(&data, None).arg("check").output().unwrap();
    assert!(check.status.success(), "{}", text(&check));

    // Interrupted after its checks (the journal written, one rename left): the next
    // `serve` completes it before it starts, so old and new never mix.
    let staged = data.join("session.key.restore-tmp");
    let new_key = "ab".repeat(48);
    std::fs::write(&staged, &new_key).unwrap();
    let journal = json!({"stamp": "20260101T000000Z", "moves": [
        {"staged": staged, "target": data.join("session.key"), "database": false}
    ]});
    std::fs::write(data.join("restore.journal"), journal.to_string()).unwrap();
    let server = serve(&data, free_port());
    assert!(server.log().contains("completed an interrupted restore"), "{}", server.log());
    drop(server);
    assert_eq!(std::fs::read_to_string(data.join("session.key")).unwrap(), new_key);
    assert!(!staged.exists() && !data.join("restore.journal").exists());
    assert!(data.join("session.key.before-restore-20260101T000000Z").exists());

    // A backup never overwrites a file.
    let out = bin(&data, None).args(["backup", "--out"]).arg(&good).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn on_postgresql_the_archive_holds_keys_and_session_key_and_says_pg_dump() {
    if !common::postgres_available() {
        return;
    }
    let (url, _db) = common::pg_database();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    set_up(&data, Some(&url));
    let archive = dir.path().join("pg.tar");
    let out = bin(&data, Some(&url)).args(["backup", "--out"]).arg(&archive).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("pg_dump --format=custom"), "{stdout}");
    assert!(stdout.contains(&format!("'{url}'")), "the configured URL: {stdout}");
    let found = members(&archive);
    let manifest: Value = serde_json::from_slice(&found[0].1).unwrap();
    assert_eq!(manifest["backend"], "postgres");
    assert_eq!(manifest["database_included"], false);
    assert!(manifest["database_note"].as_str().unwrap().contains("pg_dump"), "{manifest}");
    let names: Vec<String> =
        found.iter().map(|(h, _)| h.path().unwrap().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.starts_with("database/")), "{names:?}");
    assert!(names.contains(&"session.key".to_string()), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("keys/kid-")), "{names:?}");

    // Restored into a wiped data directory: keys and session key, and the pg_restore step.
    let key_before = std::fs::read(data.join("session.key")).unwrap();
    std::fs::remove_dir_all(&data).unwrap();
    let out = bin(&data, Some(&url)).arg("restore").arg(&archive).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("pg_restore"), "{}", text(&out));
    assert_eq!(std::fs::read(data.join("session.key")).unwrap(), key_before);
    let check = bin(&data, Some(&url)).arg("check").output().unwrap();
    assert!(check.status.success(), "keys and database fit again: {}", text(&check));

    // A PostgreSQL archive is not restored into a SQLite configuration.
    let other = dir.path().join("sqlite-data");
    let out = bin(&other, None).arg("restore").arg(&archive).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}
