//! The retention job for 10,000 participants: `cargo bench --bench erasure` (release).
//!
//! Seeds one organisation with `ERASURE_BENCH_PEOPLE` (10,000) participants whose last run
//! ended three years ago, each with an enrolment, an attendance mark, a certificate and
//! two mails (one with a 30 kB PDF attachment), in bulk through SQL (issuing 10,000 real
//! certificates would measure the PDF renderer, not erasure); then times what `mietschulung
//! erase --due` runs (`privacy::erasure::service::run_due`): the dry run, the erasure
//! itself (one transaction per participant, the SQLite WAL checkpoint), and a second run
//! that finds nothing. On a temp-file SQLite, and on PostgreSQL when `TEST_DATABASE_URL`
//! is set. Prints numbers; asserts only that everything due was erased.

use std::time::Instant;

use chrono::Duration;
use diesel::prelude::*;
use mietschulung::auth::{self, Actor, Role};
use mietschulung::config::Settings;
use mietschulung::db::schema::{
    attendance, certificates, course_runs, courses, enrollments, mail_outbox, participants,
    training_sessions,
};
use mietschulung::db::DbConn;
use mietschulung::ids::{OrgId, ParticipantId};
use mietschulung::privacy::erasure::service::run_due;
use mietschulung::startup::AppState;

const CHUNK: usize = 500;

/// A multi-row insert: diesel's `MultiConnection` cannot batch, so each backend's own
/// connection runs it.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            DbConn::Sqlite($c) => $body,
            DbConn::Pg($c) => $body,
        }
    };
}

fn seed(state: &AppState, people: usize) -> OrgId {
    state
        .db
        .run_blocking(|conn| {
            let slug = format!("bench-{}", rand::random::<u32>());
            let org = mietschulung::certificates::keys::create_organisation(
                conn,
                &state.keyring,
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
            let now = mietschulung::time::now_utc();
            let long_ago = now - Duration::days(3 * 365);
            let day = long_ago.date();
            let kid = state.keyring.signing_key_for(conn, org.id)?.0;
            mietschulung::db::write_transaction(conn, |conn| {
                let course: i32 = diesel::insert_into(courses::table)
                    .values((
                        courses::organisation_id.eq(org.id),
                        courses::code.eq("MS-B"),
                        courses::title.eq("Mietführerschein"),
                        courses::description.eq(""),
                        courses::created_at.eq(long_ago),
                        courses::test_must_pass_questions.eq(0),
                    ))
                    .returning(courses::id)
                    .get_result(conn)?;
                let run: i32 = diesel::insert_into(course_runs::table)
                    .values((
                        course_runs::organisation_id.eq(org.id),
                        course_runs::course_id.eq(course),
                        course_runs::start_date.eq(day),
                        course_runs::end_date.eq(day),
                        course_runs::place.eq("VHS"),
                        course_runs::capacity.eq(i32::try_from(people).unwrap_or(i32::MAX)),
                        course_runs::created_at.eq(long_ago),
                    ))
                    .returning(course_runs::id)
                    .get_result(conn)?;
                let session: i32 = diesel::insert_into(training_sessions::table)
                    .values((
                        training_sessions::organisation_id.eq(org.id),
                        training_sessions::run_id.eq(run),
                        training_sessions::starts_at.eq(long_ago),
                        training_sessions::ends_at.eq(long_ago + Duration::hours(2)),
                        training_sessions::cancelled.eq(false),
                        training_sessions::created_at.eq(long_ago),
                    ))
                    .returning(training_sessions::id)
                    .get_result(conn)?;
                let pdf = vec![0x25u8; 30 * 1024];
                for start in (0..people).step_by(CHUNK) {
                    let end = (start + CHUNK).min(people);
                    let rows: Vec<_> = (start..end)
                        .map(|i| {
                            (
                                participants::organisation_id.eq(org.id),
                                participants::given_name.eq(format!("Olena{i}")),
                                participants::family_name.eq(format!("Kovalenko{i}")),
                                participants::preferred_language.eq("uk"),
                                participants::email.eq(Some(format!("p{i}@example.org"))),
                                participants::phone.eq(Some(format!("+49 170 {i:07}"))),
                                participants::consent_date.eq(day),
                                participants::created_at.eq(long_ago),
                            )
                        })
                        .collect();
                    let ids: Vec<ParticipantId> = on_backend!(conn, |c| {
                        diesel::insert_into(participants::table)
                            .values(&rows)
                            .returning(participants::id)
                            .get_results(c)?
                    });
                    let enrol: Vec<_> = ids
                        .iter()
                        .map(|p| {
                            (
                                enrollments::organisation_id.eq(org.id),
                                enrollments::run_id.eq(run),
                                enrollments::participant_id.eq(*p),
                                enrollments::status.eq("enrolled"),
                                enrollments::created_at.eq(long_ago),
                            )
                        })
                        .collect();
                    on_backend!(conn, |c| diesel::insert_into(enrollments::table)
                        .values(&enrol)
                        .execute(c)?);
                    let marks: Vec<_> = ids
                        .iter()
                        .map(|p| {
                            (
                                attendance::organisation_id.eq(org.id),
                                attendance::session_id.eq(session),
                                attendance::participant_id.eq(*p),
                                attendance::status.eq("present"),
                                attendance::marked_by.eq(coord.user_id),
                                attendance::marked_at.eq(long_ago),
                                attendance::left_early.eq(false),
                                attendance::revision.eq(1),
                            )
                        })
                        .collect();
                    on_backend!(conn, |c| diesel::insert_into(attendance::table)
                        .values(&marks)
                        .execute(c)?);
                    let certs: Vec<_> = ids
                        .iter()
                        .zip(start..end)
                        .map(|(p, i)| {
                            (
                                certificates::organisation_id.eq(org.id),
                                certificates::participant_id.eq(*p),
                                certificates::run_id.eq(run),
                                certificates::code.eq(format!("B{:015}", i)),
                                certificates::kid.eq(i32::from(kid)),
                                certificates::token.eq(format!("TOKEN{i:0>60}")),
                                certificates::holder_name.eq(format!("Olena{i} Kovalenko{i}")),
                                certificates::course_code.eq("MS-B"),
                                certificates::course_title.eq("Mietführerschein"),
                                certificates::completion_date.eq(day),
                                certificates::issued_at.eq(long_ago),
                                certificates::status.eq("valid"),
                            )
                        })
                        .collect();
                    on_backend!(conn, |c| diesel::insert_into(certificates::table)
                        .values(&certs)
                        .execute(c)?);
                    for (p, i) in ids.iter().zip(start..end) {
                        for attachment in [Some(pdf.clone()), None] {
                            diesel::insert_into(mail_outbox::table)
                                .values((
                                    mail_outbox::organisation_id.eq(Some(org.id)),
                                    mail_outbox::participant_id.eq(Some(*p)),
                                    mail_outbox::recipient.eq(format!("p{i}@example.org")),
                                    mail_outbox::subject.eq("Ihre Teilnahmebescheinigung"),
                                    mail_outbox::body_text.eq("Guten Tag"),
                                    mail_outbox::body_html.eq("<p>Guten Tag</p>"),
                                    mail_outbox::attachment_name
                                        .eq(attachment.as_ref().map(|_| "Bescheinigung.pdf")),
                                    mail_outbox::attachment.eq(attachment),
                                    mail_outbox::status.eq("sent"),
                                    mail_outbox::attempts.eq(1),
                                    mail_outbox::next_attempt_at.eq(long_ago),
                                    mail_outbox::created_at.eq(long_ago),
                                    mail_outbox::sent_at.eq(Some(long_ago)),
                                    mail_outbox::message_id
                                        .eq(format!("<{}-{i}@bench>", rand::random::<u64>())),
                                ))
                                .execute(conn)?;
                        }
                    }
                }
                Ok(())
            })?;
            Ok(org.id)
        })
        .expect("seed")
}

fn bench(label: &str, database_url: Option<String>, people: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings =
        Settings::with_data_dir(dir.path().to_path_buf(), database_url, None).expect("settings");
    let state = AppState::new(&settings).expect("state");
    let t = Instant::now();
    let org = seed(&state, people);
    println!("[{label}] seeded {people} participants in {:.1} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let due = state
        .db
        .run_blocking(|conn| run_due(conn, &state.keyring, Some(org), true))
        .expect("dry run");
    let dry = t.elapsed();
    let n = due.iter().map(|o| o.participants.len()).sum::<usize>();
    assert_eq!(n, people, "every seeded participant is due");

    let t = Instant::now();
    let done = state
        .db
        .run_blocking(|conn| run_due(conn, &state.keyring, Some(org), false))
        .expect("erase");
    let erase = t.elapsed();
    let erased = done.iter().map(|o| o.participants.len()).sum::<usize>();
    let left: i64 = state
        .db
        .run_blocking(|conn| {
            Ok(participants::table
                .filter(participants::erased_at.is_null())
                .count()
                .get_result(conn)?)
        })
        .expect("count");
    assert_eq!((erased, left), (people, 0));

    let t = Instant::now();
    let again = state
        .db
        .run_blocking(|conn| run_due(conn, &state.keyring, Some(org), false))
        .expect("second run");
    let second = t.elapsed();
    assert!(again.iter().all(|o| o.participants.is_empty()));

    println!("[{label}] dry run (what is due):          {:>8.2} s", dry.as_secs_f64());
    println!(
        "[{label}] erase --due, {people} participants: {:>8.2} s ({:.2} ms per participant)",
        erase.as_secs_f64(),
        erase.as_secs_f64() * 1e3 / people as f64
    );
    println!("[{label}] second run (nothing left):      {:>8.2} s", second.as_secs_f64());
}

fn main() {
    let people =
        std::env::var("ERASURE_BENCH_PEOPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    bench("SQLite", None, people);
    if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
        use diesel::Connection;
        let name = format!("ms_bench_{}", rand::random::<u32>());
        if let Ok(mut c) = diesel::PgConnection::establish(&admin) {
            if diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut c).is_ok() {
                let base =
                    admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
                bench("PostgreSQL", Some(format!("{base}/{name}")), people);
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c);
            }
        }
    }
}
