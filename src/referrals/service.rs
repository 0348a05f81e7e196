//! The referrer's use cases: their people, the open runs, registering a person for one, and
//! the certificates of people without an e-mail address.

use serde::Serialize;

use super::models::*;
use super::repo;
use crate::audit;
use crate::auth::Actor;
use crate::certificates::models::CertificateStatus;
use crate::certificates::service::CertificateIssuer;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Text};
use crate::ids::{CertificateId, OrgId, ParticipantId, RunId};
use crate::participants::models::{EnrollmentStatus, NewParticipant};
use crate::{attendance, certificates, orgs, participants, planning, time};

/// Everyone the referrer registered (not erased), with their standing in each run.
pub fn my_referrals(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Referral>> {
    let org = actor.referrer_org()?;
    let people = repo::people_of(conn, org, actor.user_id)?;
    let ids: Vec<ParticipantId> = people.iter().map(|p| p.id).collect();
    let enrolments = repo::enrolments_of(conn, org, &ids)?;
    let mut out = Vec::with_capacity(people.len());
    for person in people {
        let certs = certificates::service::of_participant(conn, org, person.id)?;
        let has_email = person.email.is_some();
        let mut runs = Vec::new();
        for e in enrolments.iter().filter(|e| e.participant_id == person.id) {
            let run_certs: Vec<ReferralCertificate> = certs
                .iter()
                .filter(|c| c.run_id == e.run_id && !c.is_erased())
                .map(|c| ReferralCertificate {
                    id: c.id,
                    code: certificates::service::display_code(&c.code),
                    downloadable: !has_email && c.status == CertificateStatus::Valid,
                })
                .collect();
            let certified =
                certs.iter().any(|c| c.run_id == e.run_id && c.status == CertificateStatus::Valid);
            let status = match e.status {
                EnrollmentStatus::Cancelled => ReferralStatus::Cancelled,
                EnrollmentStatus::Waiting => ReferralStatus::Waiting,
                EnrollmentStatus::Enrolled if certified => ReferralStatus::Certified,
                EnrollmentStatus::Enrolled => {
                    let done = attendance::service::completion_of(conn, org, e.run_id, person.id)?
                        .is_some_and(|c| c.completed);
                    if done {
                        ReferralStatus::Completed
                    } else {
                        ReferralStatus::Enrolled
                    }
                }
            };
            runs.push(ReferralRun {
                run_id: e.run_id,
                course_title: e.course_title.clone(),
                start_date: e.start_date,
                end_date: e.end_date,
                place: e.place.clone(),
                status,
                certificates: run_certs,
            });
        }
        out.push(Referral {
            participant_id: person.id,
            given_name: person.given_name,
            family_name: person.family_name,
            preferred_language: person.preferred_language,
            has_email,
            runs,
        });
    }
    Ok(out)
}

fn open_runs_of(conn: &mut DbConn, org: OrgId) -> AppResult<Vec<OpenRun>> {
    let rows = repo::open_runs(conn, org, time::today_local())?;
    let ids: Vec<RunId> = rows.iter().map(|r| r.run_id).collect();
    let standings = repo::standings(conn, org, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let count = |s: EnrollmentStatus| {
                standings.iter().filter(|(run, st)| *run == r.run_id && *st == s).count()
            };
            let enrolled = i64::try_from(count(EnrollmentStatus::Enrolled)).unwrap_or(i64::MAX);
            let free = participants::service::free_places(r.capacity, enrolled);
            OpenRun {
                run_id: r.run_id,
                course_title: r.course_title,
                course_code: r.course_code,
                start_date: r.start_date,
                end_date: r.end_date,
                place: r.place,
                capacity: r.capacity,
                places_left: i64::try_from(free).unwrap_or(i64::MAX),
                waiting: i64::try_from(count(EnrollmentStatus::Waiting)).unwrap_or(i64::MAX),
            }
        })
        .collect())
}

/// The organisation's runs a referrer can register people for: those not yet ended.
pub fn open_runs(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<OpenRun>> {
    let org = actor.referrer_org()?;
    open_runs_of(conn, org)
}

/// Registers a person on the referrer's behalf and enrols them in an open run (a place,
/// or the waiting list when the run is full), in one transaction: the person's consent is
/// required, the referrer's account becomes their referrer.
pub fn refer(conn: &mut DbConn, actor: &Actor, input: NewReferral) -> AppResult<Referred> {
    let org = actor.referrer_org()?;
    let new = NewParticipant {
        given_name: input.given_name,
        family_name: input.family_name,
        preferred_language: input.preferred_language,
        phone: input.phone,
        email: input.email,
        consent: input.consent,
        consent_date: None,
        referrer_name: Some(actor.display_name.clone()),
        referrer_organisation: None,
        referrer_contact: Some(actor.email.clone()),
        confirm_mixed_script: input.confirm_mixed_script,
    };
    let form = participants::service::check_new_participant(org, actor.user_id, &new)?;
    let run_id = input.run_id;
    crate::db::write_transaction(conn, |conn| {
        // Another organisation's run is not found, like every id of theirs.
        let run = planning::service::get_run(conn, org, run_id)?;
        if run.end_date < time::today_local() {
            return Err(AppError::invalid("run_id", Text::key("error.ref.run_over")));
        }
        let person = participants::service::insert_checked(conn, actor, &form)?;
        repo::set_referrer(conn, org, person.id, actor.user_id)?;
        let enrolment = participants::service::enroll_in(conn, actor, org, run_id, person.id)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "referral.create")
            .on("participant", Some(person.id.into()))
            .about_participant(person.id)
            .detail(enrolment.status.code())
            .record(conn)?;
        let status = if enrolment.status == EnrollmentStatus::Waiting {
            ReferralStatus::Waiting
        } else {
            ReferralStatus::Enrolled
        };
        Ok(Referred { participant_id: person.id, run_id, status })
    })
}

/// The PDF of a valid certificate of a person the referrer registered who has no e-mail
/// address: (file name, bytes). Anyone else's, or another organisation's: not found.
pub fn certificate_pdf(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, id: CertificateId,
) -> AppResult<(String, Vec<u8>)> {
    let org = actor.referrer_org()?;
    let not_found = || AppError::not_found("thing.certificate");
    let people = repo::people_of(conn, org, actor.user_id)?;
    for person in people.iter().filter(|p| p.email.is_none()) {
        let cert = certificates::service::of_participant(conn, org, person.id)?
            .into_iter()
            .find(|c| c.id == id && c.status == CertificateStatus::Valid && !c.is_erased());
        if let Some(cert) = cert {
            let organisation = orgs::service::get(conn, org)?;
            let run = planning::service::get_run(conn, org, cert.run_id)?;
            let bytes =
                certificates::service::render_pdf(conn, issuer, &cert, &organisation, &run)?;
            return Ok((certificates::service::pdf_file_name(&cert), bytes));
        }
    }
    Err(not_found())
}

/// One person's line on the referrer's page, in words.
#[derive(Debug, Serialize)]
pub struct ReferralLine {
    pub participant_id: ParticipantId,
    /// "Family, Given".
    pub name: String,
    pub language: String,
    pub has_email: bool,
    pub runs: Vec<ReferralRunLine>,
}

#[derive(Debug, Serialize)]
pub struct ReferralRunLine {
    pub course_title: String,
    pub period: String,
    pub place: String,
    /// The status code (a hook for tests and styles) and its name.
    pub status: ReferralStatus,
    pub status_label: String,
    pub certificates: Vec<ReferralCertificate>,
}

/// "Meine Vermittlungen".
#[derive(Debug, Serialize)]
pub struct ReferralsPage {
    pub people: Vec<ReferralLine>,
    pub can_register: bool,
}

fn period(start: chrono::NaiveDate, end: chrono::NaiveDate) -> String {
    format!("{} – {}", time::fmt_date(start), time::fmt_date(end))
}

pub fn referrals_page(conn: &mut DbConn, actor: &Actor) -> AppResult<ReferralsPage> {
    let lang = i18n::DEFAULT_LANG;
    let people = my_referrals(conn, actor)?
        .into_iter()
        .map(|r| ReferralLine {
            participant_id: r.participant_id,
            name: format!("{}, {}", r.family_name, r.given_name),
            language: i18n::participant_language_name(&r.preferred_language).to_string(),
            has_email: r.has_email,
            runs: r
                .runs
                .into_iter()
                .map(|run| ReferralRunLine {
                    course_title: run.course_title,
                    period: period(run.start_date, run.end_date),
                    place: run.place,
                    status: run.status,
                    status_label: i18n::text(lang, run.status.label_key()),
                    certificates: run.certificates,
                })
                .collect(),
        })
        .collect();
    let can_register = !open_runs(conn, actor)?.is_empty();
    Ok(ReferralsPage { people, can_register })
}

/// An open run as the registration form offers it.
#[derive(Debug, Serialize)]
pub struct RunChoice {
    pub run_id: RunId,
    pub course_title: String,
    pub course_code: String,
    pub period: String,
    pub place: String,
    /// "3 Plätze frei" or "ausgebucht – Warteliste".
    pub places: String,
    pub full: bool,
}

/// What the registration form shows: a fresh form, or the input that was refused.
#[derive(Debug, Default, Serialize)]
pub struct ReferralFields {
    pub run_id: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub email: String,
    pub phone: String,
    pub consent: bool,
    pub confirm_mixed_script: bool,
}

/// "Person anmelden".
#[derive(Debug, Serialize)]
pub struct RegisterPage {
    pub runs: Vec<RunChoice>,
    pub languages: Vec<i18n::LanguageOption>,
    pub form: ReferralFields,
}

pub fn register_page(conn: &mut DbConn, actor: &Actor) -> AppResult<RegisterPage> {
    let lang = i18n::DEFAULT_LANG;
    let runs = open_runs(conn, actor)?
        .into_iter()
        .map(|r| RunChoice {
            run_id: r.run_id,
            course_title: r.course_title,
            course_code: r.course_code,
            period: period(r.start_date, r.end_date),
            place: r.place,
            places: if r.places_left > 0 {
                Text::key("ref.places_left").arg("count", r.places_left).render(lang)
            } else {
                Text::key("ref.full").arg("waiting", r.waiting).render(lang)
            },
            full: r.places_left == 0,
        })
        .collect();
    Ok(RegisterPage {
        runs,
        languages: i18n::language_options(&[]),
        form: ReferralFields { preferred_language: "ar".into(), ..ReferralFields::default() },
    })
}
