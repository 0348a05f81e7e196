//! Certificate benchmarks: `cargo bench --bench certificates` (release profile).
//!
//! Measures, single-threaded and with fonts loaded once:
//! - PDF rendering (median, p90) and PDF size,
//! - token signing and verification,
//! - issuing one certificate end to end (completion check, signing, row, PDF for the
//!   email, outbox row, audit) on a temp-file SQLite, and on PostgreSQL when
//!   `TEST_DATABASE_URL` is set.
//!
//! It prints numbers; it asserts nothing about time. `CERT_BENCH_PDF_ONLY=1` measures
//! only rendering and tokens.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use mietschulung::attendance::models::AttendanceStatus;
use mietschulung::auth::{self, Actor, Role};
use mietschulung::certificates::pdf::{AttendedModule, CertificateDocument};
use mietschulung::certificates::token;
use mietschulung::config::Settings;
use mietschulung::planning::models::{NewCourse, NewModule, NewRun, NewSession};
use mietschulung::startup::AppState;

fn stats(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let median = samples[samples.len() / 2];
    let p90 = samples[samples.len() * 9 / 10];
    (median, p90)
}

fn document(url: &str) -> CertificateDocument {
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
    CertificateDocument {
        holder_name: "Jürgen Größmann".into(),
        course_title: "Mietführerschein – Gut wohnen in Deutschland".into(),
        course_code: "MS-2026".into(),
        run_start: d(10, 5),
        run_end: d(11, 20),
        place: "Volkshochschule Altenburg".into(),
        venue_phrase: String::new(),
        issuer_seat: String::new(),
        modules: [
            "Mietvertrag",
            "Rechte und Pflichten",
            "Heizen und Lüften",
            "Energie und Wasser sparen",
            "Mülltrennung und Hausordnung",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| AttendedModule {
            title: (*t).into(),
            date: d(10, 5 + i as u32 * 7),
            duration_minutes: 90,
        })
        .collect(),
        issuer_name: "Landratsamt Altenburger Land – Integrationsmanagement".into(),
        issuer_lines: Vec::new(),
        signatory_name: "Dr. Sabine Müller".into(),
        signatory_title: "Leiterin Integrationsmanagement".into(),
        issued_on: d(11, 21),
        verification_url: url.into(),
        code_display: "8A13-F000-4299-FF01".into(),
        language: "de".into(),
        course_title_translated: None,
        logo: None,
        signature_image: None,
    }
}

fn bench_pdf_and_token() {
    let start = Instant::now();
    let renderer = mietschulung::certificates::pdf::CertificateRenderer::new().expect("fonts");
    let font_load = start.elapsed();
    let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let claims = token::CertificateClaims {
        issued_at: 1_790_000_000,
        code: token::new_code(),
        holder_name: "Jürgen Größmann".into(),
        course_code: "MS-2026".into(),
        completion_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default(),
    };
    let signed = token::sign(&claims, 3, &key).expect("sign");
    let url =
        token::verification_url("https://mietschulung.altenburgerland.de", &signed).expect("url");
    for language in ["de", "ar"] {
        let mut doc = document(&url);
        doc.language = language.into();
        // The first render of a glyph set makes and caches its font subsets.
        let t = Instant::now();
        let first = renderer.render(&doc).expect("render");
        let cold = t.elapsed();
        let mut times = Vec::new();
        let mut size = first.len();
        for _ in 0..200 {
            let t = Instant::now();
            let pdf = renderer.render(&doc).expect("render");
            times.push(t.elapsed());
            size = pdf.len();
        }
        let (median, p90) = stats(times);
        println!("[{language}] first render:       {:>9.3} ms", cold.as_secs_f64() * 1e3);
        println!(
            "[{language}] PDF render median / p90: {:>6.3} ms / {:.3} ms (200 runs)",
            median.as_secs_f64() * 1e3,
            p90.as_secs_f64() * 1e3
        );
        println!("[{language}] PDF size:           {:>9} bytes", size);
    }
    println!("fonts loaded once:        {:>9.3} ms", font_load.as_secs_f64() * 1e3);
    println!("token / URL length:       {:>9} bytes / {} chars", signed.len(), url.len());

    let vk = key.verifying_key();
    let mut sign_times = Vec::new();
    let mut verify_times = Vec::new();
    for _ in 0..5000 {
        let t = Instant::now();
        let s = token::sign(&claims, 3, &key).expect("sign");
        sign_times.push(t.elapsed());
        let t = Instant::now();
        let v = token::verify(&s, |kid| (kid == 3).then_some(vk));
        verify_times.push(t.elapsed());
        assert!(v.is_ok());
    }
    let (sign_median, _) = stats(sign_times);
    let (verify_median, verify_p90) = stats(verify_times);
    println!("token sign median:        {:>9.1} µs", sign_median.as_secs_f64() * 1e6);
    println!(
        "token verify median/p90:  {:>9.1} µs / {:.1} µs",
        verify_median.as_secs_f64() * 1e6,
        verify_p90.as_secs_f64() * 1e6
    );
}

fn bench_issue(label: &str, database_url: Option<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings =
        Settings::with_data_dir(dir.path().to_path_buf(), database_url, None).expect("settings");
    let state = AppState::new(&settings).expect("state");
    const PEOPLE: usize = 100;
    let (coord, run_id, people) = fixture(&state, PEOPLE);
    let mut times = Vec::new();
    let mut codes = Vec::new();
    for pid in &people {
        let t = Instant::now();
        let issued = state
            .db
            .run_blocking(|conn| {
                mietschulung::certificates::service::issue_one(
                    conn,
                    &state.issuer,
                    &coord,
                    run_id,
                    *pid,
                )
            })
            .expect("issue");
        times.push(t.elapsed());
        codes.push(issued.certificate().expect("issued").code);
    }
    let (median, p90) = stats(times);
    println!("issue one certificate ({label}, with emailed PDF), median / p90 over {PEOPLE}: {:.2} ms / {:.2} ms", median.as_secs_f64() * 1e3, p90.as_secs_f64() * 1e3);
    // What the public check page's one-second memory saves: the database lookup of a code
    // (certificate joined with its issuer), each code once, on a pooled connection.
    let mut times = Vec::new();
    for code in &codes {
        let code = code.clone();
        let t = Instant::now();
        let found = state
            .db
            .run_blocking(move |conn| mietschulung::certificates::repo::find_by_code(conn, &code))
            .expect("lookup");
        times.push(t.elapsed());
        assert!(found.is_some());
    }
    let (median, p90) = stats(times);
    println!(
        "check lookup by code, uncached ({label}), median / p90: {:.1} µs / {:.1} µs",
        median.as_secs_f64() * 1e6,
        p90.as_secs_f64() * 1e6
    );
    let t = Instant::now();
    let again = state
        .db
        .run_blocking(|conn| {
            mietschulung::certificates::service::issue_for_run(conn, &state.issuer, &coord, run_id)
        })
        .expect("rerun");
    println!(
        "rerun of the batch for {PEOPLE} already issued ({label}): {:.1} ms, issued {}",
        t.elapsed().as_secs_f64() * 1e3,
        again.issued.len()
    );
    // The issue's target: one batch of 500 fresh certificates (what "Zertifikate ausstellen"
    // on the run page does), timed as a whole.
    const BATCH: usize = 500;
    let (coord, run_id, _) = fixture(&state, BATCH);
    let t = Instant::now();
    let batch = state
        .db
        .run_blocking(|conn| {
            mietschulung::certificates::service::issue_for_run(conn, &state.issuer, &coord, run_id)
        })
        .expect("batch");
    println!(
        "batch of {BATCH} fresh certificates ({label}, with emailed PDFs): {:.0} ms, issued {}",
        t.elapsed().as_secs_f64() * 1e3,
        batch.issued.len()
    );
}

/// A run of `n` people who all attended its one session (each with an email address, so
/// each certificate's PDF is rendered for the mail).
fn fixture(
    state: &AppState, n: usize,
) -> (Actor, mietschulung::ids::RunId, Vec<mietschulung::ids::ParticipantId>) {
    state
        .db
        .run_blocking(|conn| {
            let slug = format!("bench-{}", rand::random::<u32>());
            let org = mietschulung::orgs::service::create(
                conn,
                None,
                mietschulung::orgs::models::NewOrganisation {
                    slug: slug.clone(),
                    name: "Bench".into(),
                    issuer_name: "Landratsamt Bench".into(),
                    signatory_name: "Dr. B".into(),
                    signatory_title: String::new(),
                },
            )?;
            let user = auth::service::create_user(
                conn,
                None,
                auth::service::NewUser {
                    organisation_id: Some(org.id),
                    email: format!("k@{slug}.example.org"),
                    display_name: "K".into(),
                    password: "bench-password-123".into(),
                    role: Role::Coordinator,
                },
            )?;
            let coord = Actor::from_user(&user)?;
            let course = mietschulung::planning::service::create_course(
                conn,
                &coord,
                NewCourse {
                    code: "MS-B".into(),
                    title: "Mietführerschein".into(),
                    description: String::new(),
                },
            )?;
            let mut module_ids = Vec::new();
            for t in ["Mietvertrag", "Heizen und Lüften", "Mülltrennung"] {
                module_ids.push(
                    mietschulung::planning::service::add_module(
                        conn,
                        &coord,
                        course.id,
                        NewModule {
                            description: String::new(),
                            title: t.into(),
                            duration_minutes: 60,
                            mandatory: true,
                        },
                    )?
                    .id,
                );
            }
            let start = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
            let run = mietschulung::planning::service::create_run(
                conn,
                &coord,
                course.id,
                NewRun {
                    start_date: start,
                    end_date: start,
                    place: "VHS".into(),
                    capacity: 500,
                    interpreter_languages: vec![],
                },
            )?;
            let at = |h| start.and_hms_opt(h, 0, 0).unwrap_or_default();
            let session = mietschulung::planning::service::create_session(
                conn,
                &coord,
                run.id,
                NewSession {
                    starts_at: at(9),
                    ends_at: at(12),
                    location_id: None,
                    location: "Raum 1".into(),
                    trainer_id: None,
                    trainer_ids: vec![],
                    interpreter_languages: vec![],
                    module_ids,
                },
            )?;
            let mut people = Vec::new();
            for i in 0..n {
                let p = mietschulung::participants::service::register(
                    conn,
                    &coord,
                    mietschulung::participants::models::NewParticipant {
                        given_name: "Olena".into(),
                        family_name: format!(
                            "Kovalenko {}",
                            "ABCDEFGHIJ".chars().nth(i % 10).unwrap_or('A')
                        ),
                        preferred_language: "uk".into(),
                        phone: None,
                        email: Some(format!("p{i}@example.org")),
                        consent: true,
                        consent_date: None,
                        referrer_name: None,
                        referrer_organisation: None,
                        referrer_contact: None,
                        confirm_mixed_script: false,
                    },
                )?;
                mietschulung::participants::service::enroll(conn, &coord, run.id, p.id)?;
                mietschulung::attendance::service::mark(
                    conn,
                    &coord,
                    session.id,
                    p.id,
                    AttendanceStatus::Present,
                    false,
                )?;
                people.push(p.id);
            }
            Ok((coord, run.id, people))
        })
        .expect("fixture")
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing we need.
    bench_pdf_and_token();
    // CERT_BENCH_PDF_ONLY=1 skips the database part (slow to set up, not about the PDF).
    if std::env::var_os("CERT_BENCH_PDF_ONLY").is_some() {
        return;
    }
    bench_issue("SQLite", None);
    if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
        use diesel::{Connection, RunQueryDsl};
        let name = format!("ms_bench_{}", rand::random::<u32>());
        if let Ok(mut c) = diesel::PgConnection::establish(&admin) {
            if diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut c).is_ok() {
                let base =
                    admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
                bench_issue("PostgreSQL", Some(format!("{base}/{name}")));
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c);
            }
        }
    }
}
