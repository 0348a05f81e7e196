//! Spreadsheet bombs against every import endpoint, as coordinator and as trainer, on the
//! real binary: each is refused with a 4xx and a message, the process stays up, and its
//! peak memory (VmHWM) stays under 200 MB.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common;

const PASSWORD: &str = "ein-langes-passwort";

fn zip_parts(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in parts {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A minimal workbook whose first sheet is `sheet` and whose shared strings are `strings`.
fn workbook(sheet: &str, strings: Vec<u8>) -> Vec<u8> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Liste" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let wb_rels = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    zip_parts(&[
        ("[Content_Types].xml", content_types.as_bytes().to_vec()),
        ("_rels/.rels", rels.as_bytes().to_vec()),
        ("xl/workbook.xml", workbook.as_bytes().to_vec()),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes().to_vec()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes().to_vec()),
        ("xl/sharedStrings.xml", strings),
    ])
}

fn sheet(dimension: Option<&str>, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{}<sheetData>{body}</sheetData></worksheet>"#,
        dimension.map(|d| format!(r#"<dimension ref="{d}"/>"#)).unwrap_or_default()
    )
}

fn no_strings() -> Vec<u8> {
    br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#.to_vec()
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// The files an attacker sends, each small on the wire.
fn bombs() -> Vec<(&'static str, Vec<u8>)> {
    let corners = format!(
        r#"<row r="1">{}</row><row r="1048576">{}</row>"#,
        inline("A1", "Vorname"),
        inline("XFD1048576", "x")
    );
    let mut many_rows = String::new();
    for r in 1..=60_000 {
        many_rows.push_str(&format!(r#"<row r="{r}">{}</row>"#, inline(&format!("A{r}"), "a")));
    }
    let mut wide = String::from(r#"<row r="1">"#);
    for c in 0..5000 {
        let col = {
            let mut n = c + 1;
            let mut s = String::new();
            while n > 0 {
                s.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
                n = (n - 1) / 26;
            }
            s
        };
        wide.push_str(&format!(r#"<c r="{col}1"><v>1</v></c>"#));
    }
    wide.push_str("</row>");
    // Shared strings that unpack to 300 MB from a few hundred KB.
    let mut huge_strings = Vec::with_capacity(300 * 1024 * 1024 + 200);
    huge_strings.extend_from_slice(br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>"#);
    huge_strings.resize(huge_strings.len() + 300 * 1024 * 1024, b'a');
    huge_strings.extend_from_slice(b"</t></si></sst>");
    let mut csv_wide = String::from("Vorname;Nachname\n");
    csv_wide.push_str(&";".repeat(1_500_000));
    let csv_long = "Vorname;Nachname\n".to_string() + &"a;b\n".repeat(530_000);
    vec![
        (
            "dimension A1:XFD1048576",
            workbook(&sheet(Some("A1:XFD1048576"), &corners), no_strings()),
        ),
        ("cells in A1 and XFD1048576", workbook(&sheet(None, &corners), no_strings())),
        ("60,000 rows", workbook(&sheet(None, &many_rows), no_strings())),
        ("5,000 columns", workbook(&sheet(Some("A1:A1"), &wide), no_strings())),
        (
            "300 MB of shared strings",
            workbook(&sheet(None, &inline("A1", "Vorname")), huge_strings),
        ),
        ("CSV with 1.5 million columns", csv_wide.into_bytes()),
        ("CSV with 300,000 rows", csv_long.into_bytes()[..2 * 1024 * 1024 - 10].to_vec()),
    ]
}

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
    _pg: Option<common::PgDatabase>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Peak resident memory of the server process in MB.
    fn peak_mb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("server process is alive");
        let kb: u64 = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .expect("VmHWM");
        kb / 1024
    }
}

fn bin(dir: &std::path::Path, database_url: &Option<String>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mietschulung"));
    c.env_remove("MIETSCHULUNG_CONFIG")
        .env("MIETSCHULUNG_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .env("MIETSCHULUNG_DB_POOL_SIZE", "4");
    match database_url {
        Some(url) => c.env("DATABASE_URL", url),
        None => c.env_remove("DATABASE_URL"),
    };
    c
}

fn run_ok(mut c: Command, stdin: &str) {
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    common::assert_succeeded(&out);
}

async fn start(backend: common::Backend) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let (url, pg) = match backend {
        common::Backend::Sqlite => (None, None),
        common::Backend::Postgres => {
            let (url, db) = common::pg_database();
            (Some(url), Some(db))
        }
    };
    let mut c = bin(dir.path(), &url);
    c.args([
        "org",
        "create",
        "--slug",
        "bomben",
        "--name",
        "Stadt Bomben",
        "--issuer",
        "Stadt Bomben",
        "--signatory",
        "Erika Muster",
    ]);
    run_ok(c, "");
    for (email, role) in
        [("koordination@bomben.example", "coordinator"), ("training@bomben.example", "trainer")]
    {
        let mut c = bin(dir.path(), &url);
        c.args(["user", "create", "--org", "bomben", "--email", email, "--role", role]);
        run_ok(c, &format!("{PASSWORD}\n"));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut c = bin(dir.path(), &url);
    c.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = c.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server { child, base, _dir: dir, _pg: pg };
    let client = reqwest::Client::new();
    common::wait_until("server up", Duration::from_secs(60), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
    assert!(client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap()
        .status()
        .is_success());
    server
}

async fn api_token(base: &str, email: &str) -> String {
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD, "label": "Bombentest"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    common::logs::secret(body["token"].as_str().unwrap())
}

/// A logged-in browser and a CSRF token from one of its pages.
async fn browser(base: &str, email: &str, page: &str) -> (common::Browser, String) {
    let b = common::Browser {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        base: base.to_string(),
    };
    let page_login = b.get("/login").await;
    let csrf = page_login.csrf();
    let resp = b
        .post_form("/login", &[("csrf_token", &csrf), ("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(resp.status, 303, "{}", resp.body);
    let csrf = b.get(page).await.csrf();
    (b, csrf)
}

async fn bombs_are_refused(backend: common::Backend) {
    let server = start(backend).await;
    let base = server.base.clone();
    let coordinator = api_token(&base, "koordination@bomben.example").await;
    let trainer = api_token(&base, "training@bomben.example").await;
    let (coord_browser, coord_csrf) =
        browser(&base, "koordination@bomben.example", "/participants").await;
    let (trainer_browser, trainer_csrf) =
        browser(&base, "training@bomben.example", "/my/sessions").await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    for (what, bytes) in bombs() {
        assert!(bytes.len() <= 2 * 1024 * 1024, "{what} fits the upload limit");
        for endpoint in ["/api/v1/participants/import", "/api/v1/stakeholders/import"] {
            for (role, token) in [("coordinator", &coordinator), ("trainer", &trainer)] {
                let started = std::time::Instant::now();
                let resp = client
                    .post(format!("{base}{endpoint}?dry_run=true"))
                    .bearer_auth(token)
                    .header("content-type", "application/octet-stream")
                    .body(bytes.clone())
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{what} to {endpoint} as {role}: {e}"));
                let status = resp.status().as_u16();
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                let expected = if role == "trainer" { 403 } else { 422 };
                assert_eq!(status, expected, "{what} to {endpoint} as {role}: {body}");
                eprintln!(
                    "{what} ({} KB) to {endpoint} as {role}: {status} in {} ms",
                    bytes.len() / 1024,
                    started.elapsed().as_millis()
                );
                assert!(
                    body["message"].as_str().is_some_and(|m| m.len() > 10),
                    "{what}: a message: {body}"
                );
            }
        }
        for endpoint in ["/participants/import", "/stakeholders/import"] {
            for (role, b, csrf) in [
                ("coordinator", &coord_browser, &coord_csrf),
                ("trainer", &trainer_browser, &trainer_csrf),
            ] {
                let form = reqwest::multipart::Form::new().text("csrf_token", csrf.clone()).part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes.clone()).file_name("liste.xlsx"),
                );
                let resp = b
                    .client
                    .post(format!("{base}{endpoint}"))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{what} to {endpoint} as {role}: {e}"));
                let status = resp.status().as_u16();
                let body = resp.text().await.unwrap();
                let expected = if role == "trainer" { 403 } else { 422 };
                assert_eq!(status, expected, "{what} to {endpoint} as {role}");
                if role == "coordinator" {
                    assert!(
                        body.contains("Tabelle")
                            || body.contains("Datei")
                            || body.contains("Zelle"),
                        "{what}: the page says why"
                    );
                }
            }
        }
        let alive = client.get(format!("{base}/healthz")).send().await;
        assert!(alive.is_ok_and(|r| r.status().is_success()), "the server lives after {what}");
    }
    let peak = server.peak_mb();
    eprintln!("peak memory of the server while refusing the bombs: {peak} MB");
    assert!(peak < 200, "peak memory {peak} MB while refusing the bombs");
    // An honest list still goes through after all that.
    let resp = client
        .post(format!("{base}/api/v1/participants/import?dry_run=true"))
        .bearer_auth(&coordinator)
        .body("Vorname;Nachname;Einwilligung\nAnna;Berg;ja\n")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

crate::both_backends!(spreadsheet_bombs_are_refused, bombs_are_refused);
