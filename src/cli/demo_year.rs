//! `demo --scale year`: one Landkreis's year of tenant trainings in a new organisation
//! (slug `jahr`, or `jahr-2`, `jahr-3`, … when taken), for trying the service at the
//! volume it is built for and for the benchmarks in `benches/year.sh`.
//!
//! Rules:
//! - Deterministic: the same data on every run, from a fixed seed; dates are relative to
//!   the current date (the year ends today), because attendance may only describe the past
//!   and certificates only certify a completion up to today. Only the dates move.
//! - Everything goes through the same service functions as the web pages, with the
//!   coordinator and trainers as acting users, so every rule (capacity and waiting list,
//!   marks only for sessions that took place, completion before a certificate, one valid
//!   certificate per person and run, anonymous answers) holds as it would in real use;
//!   `mietschulung check` finds nothing afterwards.
//! - Fast: the steps of one run go into one transaction (the services nest theirs as
//!   savepoints); survey answers do not, since the anonymous path keeps the answer and the
//!   "answered" mark in separate transactions on purpose.
//! - Nobody gets mail: participants and contacts have no email address (invitations are
//!   on paper), so starting the service afterwards sends nothing.
//!
//! What it makes: 4 courses of 5 modules, 40 runs (10 per course) of 4 weekly sessions
//! (160, of which 150 took place and have marks), 600 participants in ten languages
//! with names in Latin, Arabic and Cyrillic script (Ge'ez is refused until the
//! certificate fonts print it), 30 enrolled per run for 28
//! places (2 waiting), the certificates of everyone who completed, some revoked (some
//! of those reissued) and some replaced after a name correction (1,000 in all), 180
//! contacts and 2 anonymous surveys with 150 answers each.

use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

use super::user_error;
use crate::attendance::models::AttendanceStatus;
use crate::auth::{self, Actor, Role};
use crate::certificates::service::CertificateIssuer;
use crate::config::Settings;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{CertificateId, CourseId, ModuleId, OrgId, ParticipantId, RunId, SessionId};
use crate::planning::models::{NewCourse, NewModule, NewRun, NewSession};
use crate::surveys::release::PoolKey;

/// Printed with the logins; demo data only, never a real account.
const PASSWORD: &str = "demo-passwort-2026";
const SEED: u64 = 0x4d69_6574_4a61_6872;
const RUNS: usize = 40;
const SESSIONS_PER_RUN: usize = 4;
const PARTICIPANTS: usize = 600;
const PER_RUN: usize = 30;
const CAPACITY: i32 = 28;
const CERTIFICATES: usize = 1000;
const CONTACTS: usize = 180;
const ANSWERS_PER_SURVEY: usize = 150;

/// What was made, for the operator's report (and the test that counts it).
#[derive(Default)]
struct Made {
    slug: String,
    logins: Vec<(String, &'static str)>,
    courses: usize,
    runs: usize,
    sessions: usize,
    sessions_marked: usize,
    marks: usize,
    participants: usize,
    enrolled: usize,
    waiting: usize,
    certificates: usize,
    revoked: usize,
    reissued: usize,
    replaced: usize,
    contacts: usize,
    surveys: usize,
    answers: usize,
}

pub(super) fn run(settings: &Settings) -> anyhow::Result<()> {
    let started = Instant::now();
    let state = crate::startup::AppState::new(settings)?;
    let today = crate::time::today_local();
    let key = PoolKey::from_settings(settings);
    let public_url = settings.public_url.clone();
    let made = state
        .db
        .run_blocking(|conn| create_year(conn, &state.issuer, &key, &public_url, today))
        .map_err(user_error)
        .context("demo --scale year")?;
    report(&made, started.elapsed());
    Ok(())
}

/// A small deterministic generator (SplitMix64): the same data on every machine and
/// every version of the `rand` crate.
struct Seq(u64);

impl Seq {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The staff acting in the demo.
struct Staff {
    coordinator: Actor,
    trainers: Vec<Actor>,
}

struct Course {
    id: CourseId,
    modules: Vec<ModuleId>,
}

fn create_year(
    conn: &mut DbConn, issuer: &CertificateIssuer, key: &PoolKey, public_url: &str,
    today: NaiveDate,
) -> Result<Made, AppError> {
    let mut seq = Seq(SEED);
    let mut made = Made { slug: super::demo::free_slug(conn, "jahr"), ..Made::default() };
    let name = "Landkreis Altenburger Land (Demo-Jahr)";
    let org = super::demo::create_org(conn, issuer, &made.slug, name, "Altenburger Land")?;
    let slug = made.slug.clone();
    let staff = create_staff(conn, org.id, &slug, &mut made)?;
    let courses = plan_courses(conn, &staff.coordinator)?;
    made.courses = courses.len();
    let first_start = today - Duration::days(343);
    let people = register_people(conn, &staff.coordinator, &mut seq, first_start)?;
    made.participants = people.len();
    let mut issued: Vec<(CertificateId, RunId, ParticipantId)> = Vec::new();
    for i in 0..RUNS {
        let course = &courses[i % courses.len()];
        // Every run has its block of 30 people; the second half of the year takes the
        // blocks again shifted by one, so nobody repeats a course.
        let block = if i < RUNS / 2 { i } else { (i - RUNS / 2 + 1) % (RUNS / 2) };
        let group: Vec<ParticipantId> = people[block * PER_RUN..(block + 1) * PER_RUN].to_vec();
        let start = first_start + Duration::days(9 * i as i64);
        let certs = crate::db::write_transaction(conn, |conn| {
            one_run(conn, issuer, &staff, course, i, start, today, &group, &mut made)
        })?;
        issued.extend(certs);
    }
    change_some(conn, issuer, &staff.coordinator, &issued, &mut made)?;
    surveys(conn, &staff.coordinator, key, public_url, &courses, today, &mut seq, &mut made)?;
    Ok(made)
}

fn create_staff(
    conn: &mut DbConn, org_id: OrgId, slug: &str, made: &mut Made,
) -> Result<Staff, AppError> {
    let mut create = |prefix: &str, name: &str, role: Role| {
        let email = format!("{prefix}@{slug}.example.org");
        made.logins.push((
            email.clone(),
            if role == Role::Coordinator { "Koordination" } else { "Training" },
        ));
        auth::service::create_user(
            conn,
            None,
            auth::service::NewUser {
                organisation_id: Some(org_id),
                email,
                display_name: name.into(),
                password: PASSWORD.into(),
                role,
            },
        )
        .and_then(|u| Actor::from_user(&u))
    };
    let coordinator = create("koordination", "Katrin Koordinatorin", Role::Coordinator)?;
    let trainers = vec![
        create("training", "Tarek Trainer", Role::Trainer)?,
        create("training2", "Olena Trainerin", Role::Trainer)?,
        create("training3", "Jonas Trainer", Role::Trainer)?,
    ];
    Ok(Staff { coordinator, trainers })
}

/// Four courses of five modules; the fourth module of each is optional.
fn plan_courses(conn: &mut DbConn, coordinator: &Actor) -> Result<Vec<Course>, AppError> {
    let specs: [(&str, &str, [&str; 5]); 4] = [
        (
            "MF-A",
            "Mietführerschein – Gut wohnen in Deutschland",
            [
                "Mietvertrag",
                "Rechte und Pflichten",
                "Heizen und Lüften",
                "Energie und Wasser sparen",
                "Mülltrennung und Hausordnung",
            ],
        ),
        (
            "MF-B",
            "Mietführerschein kompakt für Familien",
            [
                "Wohnungssuche",
                "Nebenkosten verstehen",
                "Schimmel vermeiden",
                "Nachbarschaft",
                "Kündigung und Auszug",
            ],
        ),
        (
            "MF-C",
            "Wohnführerschein für junge Erwachsene",
            [
                "Die erste eigene Wohnung",
                "Kaution und Übergabe",
                "Strom und Internet",
                "Geld einteilen",
                "Hilfe bei Problemen",
            ],
        ),
        (
            "MF-D",
            "Gut wohnen – Auffrischung",
            [
                "Hausordnung heute",
                "Heizen und Lüften im Winter",
                "Mieterhöhung und Modernisierung",
                "Reparaturen melden",
                "Beratungsstellen vor Ort",
            ],
        ),
    ];
    let mut courses = Vec::new();
    for (code, title, modules) in specs {
        let course = crate::planning::service::create_course(
            conn,
            coordinator,
            NewCourse {
                code: code.into(),
                title: title.into(),
                description: "Fünf Module mit Dolmetschung, kurzer Test am Ende.".into(),
            },
        )?;
        let mut ids = Vec::new();
        for (n, title) in modules.iter().enumerate() {
            let module = crate::planning::service::add_module(
                conn,
                coordinator,
                course.id,
                NewModule {
                    description: String::new(),
                    title: (*title).into(),
                    duration_minutes: [90, 60, 45, 45, 60][n],
                    mandatory: n != 3,
                },
            )?;
            ids.push(module.id);
        }
        courses.push(Course { id: course.id, modules: ids });
    }
    Ok(courses)
}

/// Names by origin, each in its own script (a name mixing scripts needs a confirmation
/// in the form): given names, family names, and the languages their holders prefer.
const ORIGINS: &[(&[&str], &[&str], &[&str])] = &[
    (
        &[
            "Jürgen",
            "Anna-Lena",
            "Karl-Heinz",
            "Sabine",
            "Lukas",
            "Marie-Sophie",
            "Maria-Magdalena",
        ],
        &["Größmann", "Schmidt-Lüdenscheidt", "Müller", "Weiß", "von Bülow-Hohenstein", "Becker"],
        &["de", "de-simple"],
    ),
    (
        &["أحمد", "فاطمة", "محمد", "ليلى", "عمر", "نور الهدى"],
        &["الحداد", "الخطيب", "عبد الرحمن", "المصري", "حسن", "الشامي"],
        &["ar"],
    ),
    (
        &["Mohammed Abdelrahman", "Fatima Zahra", "Yousef", "Rania"],
        &["Al-Khatib", "Abu-Bakr El-Sayed", "Haddad", "Ben Youssef"],
        &["de", "ar", "en"],
    ),
    (
        &["مریم", "رضا", "زهرا", "علی", "سارا", "حسین"],
        &["محمدی", "حسینی", "رضایی", "کریمی", "احمدی", "نوری"],
        &["fa"],
    ),
    (
        &["احمد شاه", "ملالی", "زرمینه", "نجیب الله"],
        &["یوسفزی", "احمدزی", "وردک", "پوپلزی"],
        &["ps"],
    ),
    (
        &["Олена", "Андрій", "Оксана", "Тарас", "Юлія", "Богдан"],
        &["Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравчук-Мельник"],
        &["uk"],
    ),
    (
        &["Наталья", "Дмитрий", "Светлана", "Алексей"],
        &["Иванова", "Смирнов", "Кузнецова", "Попов"],
        &["ru"],
    ),
    (
        &["Ayşe", "Mehmet", "Zeynep", "Emre", "Gülşen"],
        &["Yılmaz", "Öztürk", "Çelik", "Şahin", "Doğan"],
        &["tr", "de"],
    ),
    // Tigrinya speakers with their names as the German papers spell them: the certificate
    // fonts cannot print Ge'ez yet, and registration refuses what cannot be printed.
    (
        &["Selam", "Yonas", "Helen", "Tesfay", "Berhane"],
        &["Gebremichael", "Tekle", "Abraha", "Haile Woldu"],
        &["ti"],
    ),
    (
        &["John", "Grace", "Chinedu", "Amina", "Samuel"],
        &["Okafor", "Mensah", "Smith-Johnson", "Adeyemi"],
        &["en"],
    ),
];

/// 600 people registered with consent a week before their first run; returns their ids
/// in block order (block `b` is enrolled from run `b` on).
fn register_people(
    conn: &mut DbConn, coordinator: &Actor, seq: &mut Seq, first_start: NaiveDate,
) -> Result<Vec<ParticipantId>, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let mut ids = Vec::with_capacity(PARTICIPANTS);
        for n in 0..PARTICIPANTS {
            let (given, family, languages) = ORIGINS[seq.below(ORIGINS.len())];
            let block = (n / PER_RUN) as i64;
            let p = crate::participants::service::register(
                conn,
                coordinator,
                crate::participants::models::NewParticipant {
                    given_name: seq.pick(given).into(),
                    family_name: seq.pick(family).into(),
                    preferred_language: seq.pick(languages).into(),
                    phone: (n % 3 == 0).then(|| format!("+49 3447 {:06}", 100_000 + n)),
                    email: None,
                    consent: true,
                    consent_date: Some(first_start + Duration::days(9 * block - 7)),
                    referrer_name: None,
                    referrer_organisation: None,
                    referrer_contact: None,
                    confirm_mixed_script: false,
                },
            )?;
            ids.push(p.id);
        }
        Ok(ids)
    })
}

/// One run: sessions, enrolment (the last two on the waiting list), the marks of the
/// sessions that took place, and the certificates once the run is over. Returns the
/// certificates issued.
#[allow(clippy::too_many_arguments)]
fn one_run(
    conn: &mut DbConn, issuer: &CertificateIssuer, staff: &Staff, course: &Course, i: usize,
    start: NaiveDate, today: NaiveDate, group: &[ParticipantId], made: &mut Made,
) -> Result<Vec<(CertificateId, RunId, ParticipantId)>, AppError> {
    let coordinator = &staff.coordinator;
    let trainer = &staff.trainers[i % staff.trainers.len()];
    let last_day = start + Duration::days(7 * (SESSIONS_PER_RUN as i64 - 1));
    let places = ["Volkshochschule Altenburg", "Bürgerhaus Schmölln", "Stadtbibliothek Meuselwitz"];
    let run = crate::planning::service::create_run(
        conn,
        coordinator,
        course.id,
        NewRun {
            start_date: start,
            end_date: last_day,
            place: places[i % places.len()].into(),
            capacity: CAPACITY,
            interpreter_languages: vec![["ar", "uk", "fa", "ti"][i % 4].into()],
        },
    )?;
    made.runs += 1;
    // Modules 1+2, then one a week.
    let parts: [&[ModuleId]; SESSIONS_PER_RUN] =
        [&course.modules[..2], &course.modules[2..3], &course.modules[3..4], &course.modules[4..]];
    let mut sessions: Vec<(SessionId, NaiveDate)> = Vec::new();
    for (w, modules) in parts.iter().enumerate() {
        let day = start + Duration::days(7 * w as i64);
        let s = crate::planning::service::create_session(
            conn,
            coordinator,
            run.id,
            NewSession {
                starts_at: at(day, 9),
                ends_at: at(day, 12),
                location_id: None,
                location: format!("Raum {}", 1 + i % 3),
                trainer_id: Some(trainer.user_id),
                trainer_ids: vec![],
                interpreter_languages: vec![],
                module_ids: modules.to_vec(),
            },
        )?;
        sessions.push((s.id, day));
        made.sessions += 1;
    }
    let bulk = crate::participants::service::enroll_many(conn, coordinator, run.id, group)?;
    made.enrolled += bulk.enrolled;
    made.waiting += bulk.waiting;
    let placed: Vec<ParticipantId> = bulk
        .results
        .iter()
        .filter(|r| r.enrollment.status == crate::participants::models::EnrollmentStatus::Enrolled)
        .map(|r| r.participant_id)
        .collect();
    // Marks only for sessions of days before today: attendance describes the past.
    for (w, &(session, day)) in sessions.iter().enumerate() {
        if day >= today {
            continue;
        }
        made.sessions_marked += 1;
        for (j, &p) in placed.iter().enumerate() {
            let status = match (j * 7 + i) % 29 {
                3 if w == (j + i) % SESSIONS_PER_RUN => AttendanceStatus::Absent,
                11 if w == 1 => AttendanceStatus::Excused,
                5 | 17 => AttendanceStatus::Late,
                _ => AttendanceStatus::Present,
            };
            let left_early = status == AttendanceStatus::Present && j % 23 == 4;
            crate::attendance::service::mark(conn, trainer, session, p, status, left_early)?;
            made.marks += 1;
        }
    }
    if last_day >= today {
        return Ok(Vec::new());
    }
    let summary = crate::certificates::service::issue_for_run(conn, issuer, coordinator, run.id)?;
    made.certificates += summary.issued.len();
    Ok(summary.issued.iter().map(|c| (c.id, c.run_id, c.participant_id)).collect())
}

fn at(day: NaiveDate, hour: u32) -> NaiveDateTime {
    day.and_hms_opt(hour, 0, 0).unwrap_or_default()
}

/// Corrections of the year: some certificates revoked (a part of those reissued with a
/// reason), and as many replaced after a name correction as make 1,000 certificates.
fn change_some(
    conn: &mut DbConn, issuer: &CertificateIssuer, coordinator: &Actor,
    issued: &[(CertificateId, RunId, ParticipantId)], made: &mut Made,
) -> Result<(), AppError> {
    use crate::certificates::service;
    crate::db::write_transaction(conn, |conn| {
        let revoke: Vec<_> = issued.iter().step_by(31).collect();
        for (n, &&(id, run, participant)) in revoke.iter().enumerate() {
            service::revoke(conn, coordinator, id, "Teilnahme nachträglich nicht bestätigt")?;
            made.revoked += 1;
            if n % 3 != 0 {
                service::reissue_revoked(
                    conn,
                    issuer,
                    coordinator,
                    run,
                    participant,
                    "Nachweis der Teilnahme nachgereicht",
                )?;
                made.reissued += 1;
            }
        }
        let replace = CERTIFICATES.saturating_sub(made.certificates + made.reissued);
        let candidates = issued.iter().enumerate().filter(|(n, _)| n % 31 != 0).map(|(_, c)| c);
        for &(id, _, participant) in candidates.step_by(7).take(replace) {
            let person = crate::participants::service::get(
                conn,
                coordinator.coordinator_org()?,
                participant,
            )?;
            // The spelling as on the passport: the same script, one more name part.
            let family = corrected(&person.family_name);
            service::reissue_with_name(conn, issuer, coordinator, id, &person.given_name, &family)?;
            made.replaced += 1;
        }
        Ok(())
    })
}

/// A family name as corrected: a second part in the name's own script.
fn corrected(family: &str) -> String {
    let second = if family.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)) {
        "زاده"
    } else if family.chars().any(|c| ('\u{0400}'..='\u{04ff}').contains(&c)) {
        "Мельник"
    } else {
        "Neumann"
    };
    format!("{family} {second}")
}

/// 180 contacts who agreed to be asked (no email: invited on paper) and two anonymous
/// surveys, each answered through 150 personal links as a respondent would.
#[allow(clippy::too_many_arguments)]
fn surveys(
    conn: &mut DbConn, coordinator: &Actor, key: &PoolKey, public_url: &str, courses: &[Course],
    today: NaiveDate, seq: &mut Seq, made: &mut Made,
) -> Result<(), AppError> {
    use crate::surveys::{invite, models::NewQuestion, models::NewSurvey, questions, respond};
    let groups =
        ["landlord", "social_worker", "housing_company", "vhs", "volunteer", "target_group"];
    let languages = ["de", "ar", "uk", "fa", "tr", "ti", "ru", "en", "ps", "de-simple"];
    crate::db::write_transaction(conn, |conn| {
        for n in 0..CONTACTS {
            let group = groups[n % groups.len()];
            // Target-group contacts in their languages, two per cell at least.
            let language = if group == "target_group" { languages[(n / 6) % 4] } else { "de" };
            crate::stakeholders::service::create(
                conn,
                coordinator,
                &crate::stakeholders::models::NewStakeholder {
                    stakeholder_group: group.into(),
                    name: format!("Kontakt {:03}", n + 1),
                    organisation_name: (group != "target_group")
                        .then(|| format!("Einrichtung {}", 1 + n % 17)),
                    email: None,
                    phone: None,
                    preferred_language: language.into(),
                    contact_consent: true,
                },
            )?;
            made.contacts += 1;
        }
        Ok(())
    })?;
    let specs = [
        ("Was soll die Schulung stärker betonen?", 0usize),
        ("Rückmeldung zum Mietführerschein", 1usize),
    ];
    for (title, course) in specs {
        let survey = crate::surveys::service::create(
            conn,
            coordinator,
            &NewSurvey {
                title: title.into(),
                introduction: "Ihre Antworten werden anonym ausgewertet.".into(),
                opens_on: (today - Duration::days(21)).to_string(),
                closes_on: (today + Duration::days(14)).to_string(),
                audience: groups.iter().map(|g| (*g).to_string()).collect(),
                anonymous: true,
                course_id: Some(courses[course].id),
                reminder_max: Some(2),
                reminder_interval_days: Some(7),
                open_groups: vec![],
            },
        )?;
        made.surveys += 1;
        let asked = [
            NewQuestion {
                kind: "single".into(),
                text: "Wie wichtig ist das Thema Heizen und Lüften?".into(),
                required: true,
                options: vec!["sehr wichtig".into(), "wichtig".into(), "weniger wichtig".into()],
                ..NewQuestion::default()
            },
            NewQuestion {
                kind: "scale".into(),
                text: "Wie zufrieden sind Sie mit dem Angebot?".into(),
                required: true,
                options: vec!["gar nicht".into(), "sehr".into()],
                ..NewQuestion::default()
            },
            NewQuestion {
                kind: "multiple".into(),
                text: "Welche Themen fehlen?".into(),
                options: vec!["Nebenkosten".into(), "Schimmel".into(), "Nachbarschaft".into()],
                ..NewQuestion::default()
            },
        ];
        let mut ids = Vec::new();
        for q in &asked {
            ids.push(questions::add(conn, coordinator, survey.id, q)?.id);
        }
        invite::invite(conn, coordinator, survey.id, public_url)?;
        let sheet = invite::paper_sheet(conn, coordinator, survey.id, public_url)?;
        for card in sheet.cards.iter().take(ANSWERS_PER_SURVEY) {
            let token = card.url.rsplit('/').next().unwrap_or_default();
            let mut answers = crate::surveys::answers::Answers::new();
            answers.insert(ids[0], json!(seq.below(3)));
            answers.insert(ids[1], json!(1 + seq.below(5)));
            let chosen: Vec<Value> =
                (0..3).filter(|_| seq.below(2) == 1).map(Value::from).collect();
            if !chosen.is_empty() {
                answers.insert(ids[2], Value::from(chosen));
            }
            let input = respond::Answering {
                lang: None,
                given: respond::Given::Answers(answers),
                step: respond::Step::Submit,
            };
            match respond::answer(conn, key, token, input, today)? {
                respond::RespondOutcome::Submitted(_) => made.answers += 1,
                _ => {
                    return Err(AppError::Internal(anyhow::anyhow!(
                        "a demo survey answer was not taken"
                    )))
                }
            }
        }
    }
    Ok(())
}

/// What the operator reads: counts and the logins.
fn report(made: &Made, took: std::time::Duration) {
    println!("Demo-Organisation: {} (ein Jahr, bis heute)", made.slug);
    println!("Kurse: {}", made.courses);
    println!("Durchgänge: {}", made.runs);
    println!("Termine: {} (davon {} mit Anwesenheit)", made.sessions, made.sessions_marked);
    println!("Anwesenheitseinträge: {}", made.marks);
    println!("Teilnehmende: {}", made.participants);
    println!("Anmeldungen: {} (Warteliste: {})", made.enrolled, made.waiting);
    let total = made.certificates + made.reissued + made.replaced;
    println!(
        "Zertifikate: {total} (widerrufen: {}, neu ausgestellt: {}, ersetzt: {})",
        made.revoked, made.reissued, made.replaced
    );
    println!("Kontakte: {}", made.contacts);
    println!("Umfragen: {} (Antworten: {})", made.surveys, made.answers);
    for (email, role) in &made.logins {
        println!("Anmeldung {role}: {email} / {PASSWORD}");
    }
    println!("Dauer: {:.1} s", took.as_secs_f64());
}
