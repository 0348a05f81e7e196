//! `mietschulung demo --scale year` as an operator runs it: a year of one Landkreis on
//! each backend, with the counts it promises, within its time budget, and nothing for
//! `mietschulung check` to find afterwards.

use std::process::Command;

use crate::common::{self, Backend};

fn bin(data: &std::path::Path, url: Option<&str>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mietschulung"));
    c.env_remove("MIETSCHULUNG_CONFIG").env("MIETSCHULUNG_DATA_DIR", data).env("RUST_LOG", "warn");
    match url {
        Some(url) => c.env("DATABASE_URL", url),
        None => c.env_remove("DATABASE_URL"),
    };
    c
}

/// The number after `label` in the report.
fn count(report: &str, label: &str) -> usize {
    report
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).find(|s| !s.is_empty()))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {label:?} in {report}"))
}

async fn year_demo(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _pg) = match backend {
        Backend::Sqlite => (None, None),
        Backend::Postgres => {
            let (url, db) = common::pg_database();
            (Some(url), Some(db))
        }
    };
    let started = std::time::Instant::now();
    let out = bin(dir.path(), url.as_deref()).args(["demo", "--scale", "year"]).output().unwrap();
    let took = started.elapsed();
    common::assert_succeeded(&out);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{backend:?}: {took:?}\n{report}");
    assert!(report.contains("Demo-Organisation: jahr "), "{report}");
    assert_eq!(count(&report, "Durchgänge: "), 40, "{report}");
    assert_eq!(count(&report, "Kurse: "), 4, "{report}");
    assert_eq!(count(&report, "Teilnehmende: "), 600, "{report}");
    assert!((145..=160).contains(&count(&report, "Termine: ")), "{report}");
    let marked = report.lines().find(|l| l.starts_with("Termine: ")).unwrap_or_default();
    assert!(marked.contains("davon 150 mit Anwesenheit"), "{report}");
    assert_eq!(count(&report, "Zertifikate: "), 1000, "{report}");
    assert!(report.contains("Umfragen: 2 (Antworten: 300)"), "{report}");
    assert!(report.contains("(Warteliste: 80)"), "{report}");
    assert!(report.contains("koordination@jahr.example.org"), "{report}");
    // The budget is for a debug build on SQLite, as the tests run it.
    if backend == Backend::Sqlite {
        assert!(took.as_secs() < 60, "took {took:?}");
    }

    let check = bin(dir.path(), url.as_deref()).arg("check").output().unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    // A second year goes into a new organisation beside the first.
    if backend == Backend::Sqlite {
        let again = bin(dir.path(), None).args(["demo", "--scale", "year"]).output().unwrap();
        common::assert_succeeded(&again);
        assert!(String::from_utf8_lossy(&again.stdout).contains("Demo-Organisation: jahr-2 "));
    }
    // `--out` and `--scale` exclude each other; one of them is needed.
    let neither = bin(dir.path(), None).arg("demo").output().unwrap();
    assert_eq!(neither.status.code(), Some(2));
}

crate::both_backends!(demo_scale_year_counts_and_passes_check, year_demo);
