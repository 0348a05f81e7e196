//! The binary's demo and offline verify commands, as an operator would run them.

use std::process::Command;

use crate::common;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mietschulung"));
    c.env_remove("DATABASE_URL").env_remove("MIETSCHULUNG_CONFIG").env("RUST_LOG", "warn");
    c
}

/// Runs `demo` into `dir`: (data directory, PDF directory, verification URLs printed).
fn run_demo(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, Vec<String>) {
    let data = dir.join("data");
    let out = dir.join("pdfs");
    let result = bin()
        .env("MIETSCHULUNG_DATA_DIR", &data)
        .args(["demo", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    common::assert_succeeded(&result);
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(stdout.contains("koordination@demo.example.org"), "{stdout}");
    let urls: Vec<String> =
        stdout.lines().filter_map(|l| l.split(" -> ").nth(1)).map(str::to_string).collect();
    assert_eq!(urls.len(), 3, "{stdout}");
    (data, out, urls)
}

#[test]
fn demo_writes_scannable_certificates_and_verify_checks_them_offline() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out, urls) = run_demo(dir.path());
    let pdfs: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(pdfs.len(), 3);
    for pdf in &pdfs {
        let bytes = std::fs::read(pdf).unwrap();
        let url = common::pdf_qr::decode_qr_from_pdf(&bytes).unwrap();
        assert!(urls.contains(&url), "QR of {} holds a printed URL", pdf.display());
        if common::tool_available("pdftoppm") && common::tool_available("zbarimg") {
            let prefix = dir.path().join("page");
            assert!(Command::new("pdftoppm")
                .args(["-r", "100", "-png", "-singlefile"])
                .arg(pdf)
                .arg(&prefix)
                .status()
                .unwrap()
                .success());
            let scan = Command::new("zbarimg")
                .args(["-q", "--raw"])
                .arg(prefix.with_extension("png"))
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&scan.stdout).trim(),
                url,
                "an ordinary QR decoder reads the URL"
            );
        }
        common::qpdf_check(pdf);
    }
    // A second demo run works on the same database.
    let again = bin()
        .env("MIETSCHULUNG_DATA_DIR", &data)
        .args(["demo", "--out"])
        .arg(dir.path().join("pdfs2"))
        .output()
        .unwrap();
    common::assert_succeeded(&again);

    // Offline verification against a JWKS file built from the same database.
    let settings = mietschulung::config::Settings::with_data_dir(data.clone(), None, None).unwrap();
    let db = mietschulung::db::Db::connect(&settings.database_url, 1, true).unwrap();
    let records = db.run_blocking(mietschulung::certificates::keys::all_records).unwrap();
    let jwks_path = dir.path().join("jwks.json");
    std::fs::write(&jwks_path, mietschulung::certificates::keys::jwks(&records).to_string())
        .unwrap();
    let ok = bin()
        .args(["verify", &urls[0], "--revoked", "none", "--jwks"])
        .arg(&jwks_path)
        .output()
        .unwrap();
    common::assert_succeeded(&ok);
    assert!(String::from_utf8_lossy(&ok.stdout).contains("GÜLTIGE SIGNATUR"));
    let mut tampered = urls[0].clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let bad = bin()
        .args(["verify", &tampered, "--revoked", "none", "--jwks"])
        .arg(&jwks_path)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("UNGÜLTIG"));
}

#[test]
fn user_create_reads_the_password_from_stdin() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin()
        .env("MIETSCHULUNG_DATA_DIR", dir.path())
        .args(["user", "create", "--email", "admin@example.org", "--role", "admin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"ein-sehr-langes-passwort\n").unwrap();
    let out = child.wait_with_output().unwrap();
    common::assert_succeeded(&out);
    let short = bin()
        .env("MIETSCHULUNG_DATA_DIR", dir.path())
        .args(["user", "create", "--email", "x@example.org", "--role", "trainer", "--org", "nope"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!short.status.success());
}

#[test]
fn keys_rotate_retire_and_compromise() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _, urls) = run_demo(dir.path());
    let url = urls[0].clone();
    let settings = mietschulung::config::Settings::with_data_dir(data.clone(), None, None).unwrap();
    let db = mietschulung::db::Db::connect(&settings.database_url, 1, true).unwrap();
    let keys_now = || db.run_blocking(mietschulung::certificates::keys::all_records).unwrap();
    // The demo organisation's key (the deployment's own signs revocation lists).
    let org_keys = |keys: Vec<mietschulung::certificates::keys::SigningKeyRecord>| -> Vec<_> {
        keys.into_iter().filter(|k| k.organisation_id.is_some()).collect()
    };
    let first = org_keys(keys_now())[0].kid;
    let rotate = bin()
        .env("MIETSCHULUNG_DATA_DIR", &data)
        .args(["keys", "rotate", "--org", "demo"])
        .output()
        .unwrap();
    common::assert_succeeded(&rotate);
    let keys = keys_now();
    assert_eq!(org_keys(keys.clone()).len(), 2);
    assert!(
        keys.iter().find(|k| k.kid == first).unwrap().retired_at.is_some(),
        "the old key is retired"
    );
    // The old certificate still verifies offline against the JWKS (retired keys stay in it).
    let jwks_path = dir.path().join("jwks.json");
    std::fs::write(&jwks_path, mietschulung::certificates::keys::jwks(&keys).to_string()).unwrap();
    let ok = bin()
        .args(["verify", &url, "--revoked", "none", "--jwks"])
        .arg(&jwks_path)
        .output()
        .unwrap();
    common::assert_succeeded(&ok);
    // Compromised: out of the JWKS, so an offline check fails.
    let c = bin()
        .env("MIETSCHULUNG_DATA_DIR", &data)
        .args(["keys", "compromise", "--kid", &first.to_string()])
        .output()
        .unwrap();
    common::assert_succeeded(&c);
    let keys = keys_now();
    assert!(keys.iter().find(|k| k.kid == first).unwrap().compromised_at.is_some());
    std::fs::write(&jwks_path, mietschulung::certificates::keys::jwks(&keys).to_string()).unwrap();
    let bad = bin()
        .args(["verify", &url, "--revoked", "none", "--jwks"])
        .arg(&jwks_path)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let unknown = bin()
        .env("MIETSCHULUNG_DATA_DIR", &data)
        .args(["keys", "retire", "--kid", "250"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
}
