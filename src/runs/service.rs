//! The run page's one use case: everything the page shows, typed.

use std::collections::HashMap;

use serde::Serialize;

use crate::attendance::models::TestResult;
use crate::auth::{self, Actor};
use crate::certificates::models::{CertificateStatus, CertificateView};
use crate::certificates::service::{self as certs, CertificateIssuer};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::i18n;
use crate::ids::{ParticipantId, RunId};
use crate::participants::models::Participant;
use crate::planning::models::{Course, CourseModule, CourseRun, Location, SessionView};
use crate::planning::{self};
use crate::templates::pagination::{self, Pagination};
use crate::time::fmt_date;

#[derive(Debug, Serialize)]
pub struct RunPage {
    pub run: RunSummary,
    pub course: Course,
    pub modules: Vec<CourseModule>,
    pub sessions: Vec<SessionView>,
    pub trainers: Vec<Choice>,
    pub locations: Vec<Location>,
    /// The places the new-session form offers.
    pub location_choices: Vec<crate::planning::views::LocationChoice>,
    /// Archived: gone from lists; the page says so and offers to restore it.
    pub archived: bool,
    /// People of the organisation who neither hold a place nor wait, for the checkbox list
    /// "Ausgewählte anmelden" (filtered by the page's `?q=`).
    pub enrol: crate::participants::service::EnrolChoices,
    pub completion: Vec<CompletionRow>,
    pub waiting: Vec<WaitingEntry>,
    pub session_languages: Vec<i18n::LanguageOption>,
    pub run_languages: Vec<i18n::LanguageOption>,
    pub calendar_url: Option<String>,
    /// Completed, no certificate, and none of theirs revoked: what a batch would issue.
    pub completed_without_certificate: usize,
    /// People whose certificate was revoked and not issued again.
    pub revoked_without_certificate: usize,
    pub certificates: Vec<CertificateView>,
    pub last_batch: Option<certs::BatchSummary>,
    /// What the new-session form starts with (or the input that was refused).
    pub session_form: serde_json::Value,
    /// The navigation of each list longer than a page ([`RunPage::show_pages`]).
    pub pages: ListPages,
}

/// The navigation of the run page's lists that grow with its people; `None` where a list
/// fits on one page.
#[derive(Debug, Default, Serialize)]
pub struct ListPages {
    pub participants: Option<Pagination>,
    pub waiting: Option<Pagination>,
    pub certificates: Option<Pagination>,
    pub enrol: Option<Pagination>,
}

/// Which page of each long list the run page shows, from its query: `?page=` (the
/// participants), `?waiting_page=`, `?certificates_page=`, `?enrol_page=`, with the enrol
/// filter `?q=`. Each list's links keep the others' pages and the filter.
#[derive(Debug, Default, Clone)]
pub struct PagesAsked {
    pub q: String,
    pub page: String,
    pub waiting_page: String,
    pub certificates_page: String,
    pub enrol_page: String,
}

impl PagesAsked {
    /// The run page at `anchor`, with `key` set to page `n` and everything else as asked.
    fn href(&self, run_id: RunId, key: &str, n: usize, anchor: &str) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.q.trim().is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        for (k, v) in [
            ("page", &self.page),
            ("waiting_page", &self.waiting_page),
            ("certificates_page", &self.certificates_page),
            ("enrol_page", &self.enrol_page),
        ] {
            if k == key {
                if n > 1 {
                    pairs.push((k, n.to_string()));
                }
            } else if pagination::wanted(v) > 1 {
                pairs.push((k, pagination::wanted(v).to_string()));
            }
        }
        let query = serde_html_form::to_string(&pairs).unwrap_or_default();
        let query = if query.is_empty() { query } else { format!("?{query}") };
        format!("/runs/{run_id}{query}#{anchor}")
    }
}

impl RunPage {
    /// Keeps the page asked for of each list that grows with the run's people (who holds a
    /// place, who waits, the certificates, who could be enrolled), with its navigation: a
    /// run of 500 people is ten pages of 50, not one page of 500 rows with their forms.
    /// The counts above the lists stay those of the whole run.
    pub fn show_pages(&mut self, asked: &PagesAsked) {
        let id = self.run.id;
        // The pages shown (past the end: the last), so every link names a page that exists.
        let at = |raw: &str, len: usize| pagination::current(pagination::wanted(raw), len);
        let asked = &PagesAsked {
            q: asked.q.clone(),
            page: at(&asked.page, self.completion.len()).to_string(),
            waiting_page: at(&asked.waiting_page, self.waiting.len()).to_string(),
            certificates_page: at(&asked.certificates_page, self.certificates.len()).to_string(),
            enrol_page: at(&asked.enrol_page, self.enrol.candidates.len()).to_string(),
        };
        let link = |key: &'static str, anchor: &'static str| {
            let asked = asked.clone();
            move |n: usize| asked.href(id, key, n, anchor)
        };
        self.pages = ListPages {
            participants: pagination::page(
                &mut self.completion,
                pagination::wanted(&asked.page),
                "pagination.participants",
                link("page", "participants"),
            ),
            waiting: pagination::page(
                &mut self.waiting,
                pagination::wanted(&asked.waiting_page),
                "pagination.waiting",
                link("waiting_page", "waiting"),
            ),
            certificates: pagination::page(
                &mut self.certificates,
                pagination::wanted(&asked.certificates_page),
                "pagination.certificates",
                link("certificates_page", "certificates"),
            ),
            enrol: pagination::page(
                &mut self.enrol.candidates,
                pagination::wanted(&asked.enrol_page),
                "pagination.enrol",
                link("enrol_page", "enrol"),
            ),
        };
    }
}

#[derive(Debug, Serialize)]
pub struct RunSummary {
    pub id: RunId,
    pub start: String,
    pub end: String,
    pub start_iso: String,
    pub end_iso: String,
    pub place: String,
    pub capacity: i32,
    /// Interpreter languages, by name.
    pub languages: String,
    pub enrolled: usize,
    pub free: usize,
}

#[derive(Debug, Serialize)]
pub struct Choice {
    pub id: i32,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct WaitingEntry {
    pub position: usize,
    pub participant_id: ParticipantId,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct CompletionRow {
    pub participant_id: ParticipantId,
    pub name: String,
    pub completed: bool,
    /// Why not completed yet, in words.
    pub missing: String,
    pub sessions_attended: usize,
    pub attendance_percent: u32,
    pub test: Option<TestResult>,
    pub completion_date: Option<String>,
    /// The participant's valid certificate, if any.
    pub certificate: Option<CertificateView>,
    /// Without a valid one: their newest revoked certificate. Only "neu ausstellen" (with a
    /// reason) gives them a certificate again.
    pub revoked: Option<CertificateView>,
}

/// Everything the run page shows: sessions, enrollments, completion, certificates.
pub fn run_page(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
) -> AppResult<RunPage> {
    let org = actor.coordinator_org()?;
    let plan = planning::service::run_plan(conn, org, run_id)?;
    let people = crate::participants::service::run_people(conn, org, run_id)?;
    let certificates = certs::list_for_run(conn, issuer, org, run_id)?;
    let completion = completion_rows(
        crate::attendance::service::completion_for_run(conn, org, run_id)?,
        &certificates,
    );
    let trainers = auth::service::trainers_of(conn, org)?
        .into_iter()
        .map(|u| Choice { id: u.id.into(), name: u.display_name })
        .collect();
    let run = &plan.run;
    let run_language_codes: Vec<&str> =
        run.interpreter_languages.iter().map(String::as_str).collect();
    Ok(RunPage {
        run: summary(run, &run_language_codes, people.enrolled.len()),
        waiting: waiting_entries(&people.waiting),
        enrol: crate::participants::service::EnrolChoices::new(&people.others),
        completed_without_certificate: completion
            .iter()
            .filter(|c| c.completed && c.certificate.is_none() && c.revoked.is_none())
            .count(),
        revoked_without_certificate: completion.iter().filter(|c| c.revoked.is_some()).count(),
        completion,
        trainers,
        session_languages: i18n::language_options(&[]),
        run_languages: i18n::language_options(&run_language_codes),
        calendar_url: run
            .calendar_token
            .as_ref()
            .map(|t| format!("{}/calendar/run/{t}.ics", issuer.public_url)),
        certificates,
        last_batch: certs::last_batch_summary(conn, org, run_id)?,
        session_form: serde_json::json!({
            "date": run.start_date.to_string(), "start": "09:00", "end": "11:00",
            "location": run.place, "open": false,
            "trainer_ids": [], "module_ids": [], "interpreter_languages": [],
            // The registered place of the run's name, if there is one.
            "location_id": plan.locations.iter()
                .find(|l| planning::correct::normalised_name(&l.name)
                    == planning::correct::normalised_name(&run.place))
                .map(|l| l.id.to_string())
                .unwrap_or_default(),
        }),
        location_choices: crate::planning::views::choices(&plan.locations),
        archived: run.archived_at.is_some(),
        pages: ListPages::default(),
        course: plan.course,
        modules: plan.modules,
        sessions: plan.sessions,
        locations: plan.locations,
    })
}

fn summary(run: &CourseRun, language_codes: &[&str], enrolled: usize) -> RunSummary {
    let languages: Vec<&str> = language_codes
        .iter()
        .filter(|s| !s.is_empty())
        .map(|c| i18n::participant_language_name(c))
        .collect();
    RunSummary {
        id: run.id,
        start: fmt_date(run.start_date),
        end: fmt_date(run.end_date),
        start_iso: run.start_date.to_string(),
        end_iso: run.end_date.to_string(),
        place: run.place.clone(),
        capacity: run.capacity,
        languages: languages.join(", "),
        enrolled,
        free: usize::try_from(run.capacity).unwrap_or(0).saturating_sub(enrolled),
    }
}

fn waiting_entries(waiting: &[Participant]) -> Vec<WaitingEntry> {
    waiting
        .iter()
        .enumerate()
        .map(|(i, p)| WaitingEntry { position: i + 1, participant_id: p.id, name: p.sorted_name() })
        .collect()
}

/// Completion per participant, with the valid certificate where there is one, or else the
/// newest revoked one.
fn completion_rows(
    completion: Vec<crate::attendance::models::Completion>, certificates: &[CertificateView],
) -> Vec<CompletionRow> {
    // Each person's newest valid and newest revoked certificate, found once for the run.
    let mut newest: HashMap<(ParticipantId, CertificateStatus), &CertificateView> = HashMap::new();
    for c in certificates {
        let slot = newest.entry((c.participant_id, c.status)).or_insert(c);
        if c.id > slot.id {
            *slot = c;
        }
    }
    let theirs = |pid: ParticipantId, status: CertificateStatus| {
        newest.get(&(pid, status)).map(|c| (*c).clone())
    };
    completion
        .into_iter()
        .map(|c| {
            let certificate = theirs(c.participant_id, CertificateStatus::Valid);
            CompletionRow {
                revoked: if certificate.is_none() {
                    theirs(c.participant_id, CertificateStatus::Revoked)
                } else {
                    None
                },
                certificate,
                participant_id: c.participant_id,
                name: c.name,
                completed: c.completed,
                missing: c.reasons.join("; "),
                sessions_attended: c.sessions_attended,
                attendance_percent: c.attendance_percent,
                test: c.test,
                completion_date: c.completion_date.map(fmt_date),
            }
        })
        .collect()
}
