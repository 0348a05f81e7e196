//! `demo --out DIR`: a demo organisation with a complete, finished training, so the
//! service can be shown without typing data in. It creates the organisation (slug
//! `demo`, or `demo-2`, `demo-3`, … when taken), a coordinator and a trainer, a course
//! of five modules with a run that started two weeks ago, three participants who
//! attended both sessions, issues their certificates and writes the PDFs to DIR.
//! Everything goes through the same service functions as the web pages, with the
//! coordinator and trainer as acting users. Exits 1 when any step fails.

use std::path::Path;

use anyhow::Context;
use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::{find_org, user_error};
use crate::attendance::models::AttendanceStatus;
use crate::auth::{self, Actor, Role};
use crate::certificates::service::CertificateIssuer;
use crate::config::Settings;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{CourseId, ModuleId, OrgId, ParticipantId, RunId, SessionId};
use crate::orgs;
use crate::planning::models::{NewCourse, NewModule, NewRun, NewSession};

/// Printed with the logins; demo data only, never a real account.
const DEMO_PASSWORD: &str = "demo-passwort-2026";

/// What the demo prints: where to log in and which certificates it wrote.
struct DemoData {
    slug: String,
    coordinator_email: String,
    trainer_email: String,
    certificates: Vec<DemoCertificate>,
}

struct DemoCertificate {
    file_name: String,
    pdf: Vec<u8>,
    holder_name: String,
    verification_url: String,
}

/// The demo's coordinator and trainer as acting users.
struct Staff {
    coordinator: Actor,
    trainer: Actor,
}

pub(super) fn run(settings: &Settings, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let state = crate::startup::AppState::new(settings)?;
    let today = crate::time::today_local();
    let data = state
        .db
        .run_blocking(|conn| create_demo(conn, &state.issuer, today))
        .map_err(user_error)?;
    write_pdfs(out, data)
}

/// The steps in the order a coordinator would take them in the web interface.
fn create_demo(
    conn: &mut DbConn, issuer: &CertificateIssuer, today: NaiveDate,
) -> Result<DemoData, AppError> {
    let slug = free_slug(conn, "demo");
    let org = create_org(conn, issuer, &slug, "Landkreis Musterland (Demo)", "Musterland")?;
    let staff = create_staff(conn, org.id, &slug)?;
    let (course_id, module_ids) = plan_course(conn, &staff.coordinator)?;
    let start = today - Duration::days(14);
    let (run_id, sessions) = schedule_run(conn, &staff, course_id, &module_ids, start)?;
    let participants = enrol_participants(conn, &staff.coordinator, run_id, start)?;
    mark_attendance(conn, &staff.trainer, sessions, &participants)?;
    let certificates = issue_certificates(conn, issuer, &staff.coordinator, run_id)?;
    Ok(DemoData {
        slug,
        coordinator_email: staff.coordinator.email,
        trainer_email: staff.trainer.email,
        certificates,
    })
}

/// `base`, else the first of `base-2` … `base-999` not taken, so a demo can run again.
pub(super) fn free_slug(conn: &mut DbConn, base: &str) -> String {
    (1..1000)
        .map(|n| if n == 1 { base.to_string() } else { format!("{base}-{n}") })
        .find(|s| find_org(conn, s).ok().flatten().is_none())
        .unwrap_or_else(|| format!("{base}-x"))
}

/// A demo organisation (with its signing key) of a made-up Landkreis, named `land`.
pub(super) fn create_org(
    conn: &mut DbConn, issuer: &CertificateIssuer, slug: &str, name: &str, land: &str,
) -> Result<orgs::Organisation, AppError> {
    crate::certificates::keys::create_organisation(
        conn,
        &issuer.keyring,
        None,
        orgs::models::NewOrganisation {
            slug: slug.to_string(),
            name: name.into(),
            issuer_name: format!("Landratsamt {land} – Integrationsmanagement"),
            signatory_name: "Dr. Sabine Müller".into(),
            signatory_title: "Leiterin Integrationsmanagement".into(),
        },
    )
}

fn create_staff(conn: &mut DbConn, org_id: OrgId, slug: &str) -> Result<Staff, AppError> {
    let mut create = |prefix: &str, name: &str, role: Role| {
        auth::service::create_user(
            conn,
            None,
            auth::service::NewUser {
                organisation_id: Some(org_id),
                email: format!("{prefix}@{slug}.example.org"),
                display_name: name.into(),
                password: DEMO_PASSWORD.into(),
                role,
            },
        )
    };
    let coordinator = create("koordination", "Katrin Koordinatorin", Role::Coordinator)?;
    let trainer = create("training", "Tarek Trainer", Role::Trainer)?;
    Ok(Staff { coordinator: Actor::from_user(&coordinator)?, trainer: Actor::from_user(&trainer)? })
}

/// The course and its modules; returns the course id and the module ids in course order.
fn plan_course(
    conn: &mut DbConn, coordinator: &Actor,
) -> Result<(CourseId, Vec<ModuleId>), AppError> {
    let course = crate::planning::service::create_course(
        conn,
        coordinator,
        NewCourse {
            code: "MS-DEMO".into(),
            title: "Mietführerschein – Gut wohnen in Deutschland".into(),
            description: "Fünf Module mit Dolmetschung, kurzer Test am Ende.".into(),
        },
    )?;
    let module_specs = [
        ("Mietvertrag", 90, true),
        ("Rechte und Pflichten", 60, true),
        ("Heizen und Lüften", 45, true),
        ("Energie und Wasser sparen", 45, false),
        ("Mülltrennung und Hausordnung", 60, true),
    ];
    let mut module_ids = Vec::new();
    for (title, minutes, mandatory) in module_specs {
        let module = crate::planning::service::add_module(
            conn,
            coordinator,
            course.id,
            NewModule {
                description: String::new(),
                title: title.into(),
                duration_minutes: minutes,
                mandatory,
            },
        )?;
        module_ids.push(module.id);
    }
    Ok((course.id, module_ids))
}

/// A one-week run from `start` with two sessions (first three modules, then the rest);
/// returns the run id and the two session ids.
fn schedule_run(
    conn: &mut DbConn, staff: &Staff, course_id: CourseId, module_ids: &[ModuleId],
    start: NaiveDate,
) -> Result<(RunId, [SessionId; 2]), AppError> {
    let run = crate::planning::service::create_run(
        conn,
        &staff.coordinator,
        course_id,
        NewRun {
            start_date: start,
            end_date: start + Duration::days(7),
            place: "Volkshochschule Musterstadt".into(),
            capacity: 12,
            interpreter_languages: vec!["ar".into(), "uk".into()],
        },
    )?;
    let end = start + Duration::days(7);
    let mut session = |starts_at: NaiveDateTime, ends_at: NaiveDateTime, modules: &[ModuleId]| {
        crate::planning::service::create_session(
            conn,
            &staff.coordinator,
            run.id,
            NewSession {
                starts_at,
                ends_at,
                location_id: None,
                location: "VHS Raum 1.12".into(),
                trainer_id: Some(staff.trainer.user_id),
                trainer_ids: vec![],
                interpreter_languages: vec![],
                module_ids: modules.to_vec(),
            },
        )
        .map(|s| s.id)
    };
    let first = session(at(start, 9), at(start, 12), &module_ids[..3])?;
    let second = session(at(end, 9), at(end, 11), &module_ids[3..])?;
    Ok((run.id, [first, second]))
}

fn at(day: NaiveDate, hour: u32) -> NaiveDateTime {
    day.and_hms_opt(hour, 0, 0).unwrap_or_default()
}

/// Three participants in different languages, registered with consent and enrolled in
/// the run; returns their ids.
fn enrol_participants(
    conn: &mut DbConn, coordinator: &Actor, run_id: RunId, start: NaiveDate,
) -> Result<Vec<ParticipantId>, AppError> {
    let people = [
        ("Amira", "Haddad", "ar", Some("amira.haddad@example.org")),
        ("Олена", "Шевченко", "uk", None),
        ("Jürgen", "Größmann", "de", None),
    ];
    let mut participant_ids = Vec::new();
    for (given, family, lang, email) in people {
        let p = crate::participants::service::register(
            conn,
            coordinator,
            crate::participants::models::NewParticipant {
                given_name: given.into(),
                family_name: family.into(),
                preferred_language: lang.into(),
                phone: None,
                email: email.map(Into::into),
                consent: true,
                consent_date: Some(start - Duration::days(3)),
                referrer_name: None,
                referrer_organisation: None,
                referrer_contact: None,
                confirm_mixed_script: false,
            },
        )?;
        crate::participants::service::enroll(conn, coordinator, run_id, p.id)?;
        participant_ids.push(p.id);
    }
    Ok(participant_ids)
}

/// Everyone at both sessions; one late arrival so the demo's attendance lists show that
/// state too (it still counts: all three get certificates).
fn mark_attendance(
    conn: &mut DbConn, trainer: &Actor, [first, second]: [SessionId; 2],
    participant_ids: &[ParticipantId],
) -> Result<(), AppError> {
    use crate::attendance::service::mark;
    for (i, &participant) in participant_ids.iter().enumerate() {
        mark(conn, trainer, first, participant, AttendanceStatus::Present, false)?;
        let status = if i == 1 { AttendanceStatus::Late } else { AttendanceStatus::Present };
        mark(conn, trainer, second, participant, status, false)?;
    }
    Ok(())
}

/// Issues the run's certificates and renders each one's PDF.
fn issue_certificates(
    conn: &mut DbConn, issuer: &CertificateIssuer, coordinator: &Actor, run_id: RunId,
) -> Result<Vec<DemoCertificate>, AppError> {
    use crate::certificates::service;
    let summary = service::issue_for_run(conn, issuer, coordinator, run_id)?;
    let mut certificates = Vec::new();
    for view in &summary.issued {
        let (file_name, pdf) = service::pdf(conn, issuer, coordinator, view.id)?;
        certificates.push(DemoCertificate {
            file_name,
            pdf,
            holder_name: view.holder_name.clone(),
            verification_url: view.verification_url.clone(),
        });
    }
    Ok(certificates)
}

/// Writes the PDFs and prints each holder's verification URL and the logins.
fn write_pdfs(out: &Path, data: DemoData) -> anyhow::Result<()> {
    println!("Demo-Organisation: {}", data.slug);
    for cert in data.certificates {
        let path = out.join(&cert.file_name);
        std::fs::write(&path, cert.pdf).with_context(|| format!("writing {}", path.display()))?;
        println!("{}: {} -> {}", cert.holder_name, path.display(), cert.verification_url);
    }
    println!("Anmeldung Koordination: {} / {DEMO_PASSWORD}", data.coordinator_email);
    println!("Anmeldung Training:     {} / {DEMO_PASSWORD}", data.trainer_email);
    Ok(())
}
