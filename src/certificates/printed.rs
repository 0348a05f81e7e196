//! What an issued certificate prints of its run and course, frozen when it is issued: the
//! run's dates and place, the venue phrase and seat of the settings, and the modules it lists
//! (title, first day attended, length). A
//! later correction of the plan (a typo in a module title, a moved place) never changes an
//! issued certificate's PDF; replacing the certificate prints the corrected text.
//!
//! Certificates issued before the freeze existed kept their run's dates and place (the
//! migration copied them); their modules are frozen by [`freeze_runs`] before the first
//! correction that could change them.

use super::repo;
use crate::attendance;
use crate::certificates::models::Certificate;
use crate::certificates::pdf::AttendedModule;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{CertificateId, ModuleId, OrgId, RunId};
use crate::planning::{self, models::Course, models::CourseModule, models::CourseRun};

/// What a certificate prints of its run, as frozen.
#[derive(Debug, Clone)]
pub struct Printed {
    pub run_start: chrono::NaiveDate,
    pub run_end: chrono::NaiveDate,
    pub place: String,
    /// `None` for a certificate issued before modules were frozen and not frozen since:
    /// its modules are read from the plan as it is.
    pub modules: Option<Vec<AttendedModule>>,
    /// The venue phrase and the issuer's seat of the settings at issue; empty for one issued
    /// before they existed (it prints "in <place>" as it did).
    pub venue_phrase: String,
    pub issuer_seat: String,
    /// The participant's language at issue and the course title in it, where the
    /// coordinator had translated it: the certificate's participant-language panel prints
    /// it while the participant's language is still that one.
    pub title_in_language: Option<(String, String)>,
}

/// The modules the holder attended as the plan says now, each with the module it came from.
fn modules_now(
    conn: &mut DbConn, org: OrgId, cert: &Certificate, modules: &[CourseModule],
) -> AppResult<Vec<(ModuleId, AttendedModule)>> {
    let attended =
        attendance::service::attended_modules(conn, org, cert.run_id, cert.participant_id)?;
    Ok(with_module_ids(attended, modules))
}

/// Each listed module with the course module it came from (by title and length, as read
/// from the course's modules in the caller's transaction).
fn with_module_ids(
    listed: Vec<attendance::service::ListedModule>, modules: &[CourseModule],
) -> Vec<(ModuleId, AttendedModule)> {
    listed
        .into_iter()
        .map(|(title, date, duration_minutes)| {
            let id = modules
                .iter()
                .find(|m| m.title == title && m.duration_minutes == duration_minutes)
                .map_or(ModuleId::from(0), |m| m.id);
            (id, AttendedModule { title, date, duration_minutes })
        })
        .collect()
}

/// What a certificate issued now prints of its run: the run's dates and place, the listed
/// modules (each with the course module it came from), the settings' venue phrase and seat,
/// and the holder's language with the course title in it where translated.
pub(crate) struct Freeze {
    pub printed: Printed,
    module_ids: Vec<ModuleId>,
}

impl Freeze {
    pub(crate) fn new(
        run: &CourseRun, course_modules: &[CourseModule],
        listed: Vec<attendance::service::ListedModule>, venue_phrase: &str, issuer_seat: &str,
        title_in_language: Option<(String, String)>,
    ) -> Self {
        let (module_ids, modules) = with_module_ids(listed, course_modules).into_iter().unzip();
        Freeze {
            printed: Printed {
                run_start: run.start_date,
                run_end: run.end_date,
                place: run.place.clone(),
                modules: Some(modules),
                venue_phrase: venue_phrase.to_string(),
                issuer_seat: issuer_seat.to_string(),
                title_in_language,
            },
            module_ids,
        }
    }

    /// Stores it for a certificate just inserted (inside the issuing transaction).
    pub(crate) fn store(&self, conn: &mut DbConn, cert: &Certificate) -> AppResult<()> {
        let p = &self.printed;
        let form = repo::PrintInsertForm {
            run_start: p.run_start,
            run_end: p.run_end,
            place: &p.place,
            venue: Some((p.venue_phrase.as_str(), p.issuer_seat.as_str())),
            title_in_language: p.title_in_language.as_ref().map(|(l, t)| (l.as_str(), t.as_str())),
        };
        let modules: Vec<(ModuleId, AttendedModule)> =
            self.module_ids.iter().copied().zip(p.modules.iter().flatten().cloned()).collect();
        repo::insert_print(conn, cert, &form, &modules)
    }
}

/// The course title in the holder's language, if the coordinator translated it (German is
/// the certificate's own language: nothing to add).
pub(crate) fn title_in(
    conn: &mut DbConn, run: &CourseRun, lang: &str,
) -> AppResult<Option<(String, String)>> {
    if lang.is_empty() || lang == crate::i18n::DEFAULT_LANG {
        return Ok(None);
    }
    let title =
        planning::titles::service::course_title_in(conn, run.organisation_id, run.course_id, lang)?;
    Ok(title.map(|t| (lang.to_string(), t)))
}

/// What the certificate prints, if it was frozen.
pub fn of(conn: &mut DbConn, certificate_id: CertificateId) -> AppResult<Option<Printed>> {
    repo::print_of(conn, certificate_id)
}

/// Freezes the modules of every certificate of these runs issued before modules were
/// frozen, before a correction of the plan could change what they print. Harmless twice.
pub fn freeze_runs(conn: &mut DbConn, org: OrgId, run_ids: &[RunId]) -> AppResult<usize> {
    let mut frozen = 0;
    for run_id in run_ids {
        let run = planning::service::get_run(conn, org, *run_id)?;
        let course_modules = planning::service::modules_of(conn, org, run.course_id)?;
        for cert in repo::not_frozen_of_run(conn, org, *run_id)? {
            let modules = modules_now(conn, org, &cert, &course_modules)?;
            // Issued before the freeze: it printed no venue phrase, seat or translated
            // title then.
            let form = repo::PrintInsertForm {
                run_start: run.start_date,
                run_end: run.end_date,
                place: &run.place,
                venue: None,
                title_in_language: None,
            };
            repo::store_print(conn, &cert, &form, &modules)?;
            frozen += 1;
        }
    }
    Ok(frozen)
}

/// Valid certificates of a run that print a course title or module text the plan no
/// longer has: they stay as issued; replacing them prints the corrected text.
pub fn printing_older_text(
    conn: &mut DbConn, org: OrgId, run_id: RunId, course: &Course, modules: &[CourseModule],
) -> AppResult<usize> {
    let mut n = 0;
    for (cert, printed) in repo::valid_prints_of_run(conn, org, run_id)? {
        let title_changed = cert.course_title != course.title || cert.course_code != course.code;
        let module_changed = printed.iter().any(|(module_id, title, duration)| {
            !modules
                .iter()
                .any(|m| m.id == *module_id && m.title == *title && m.duration_minutes == *duration)
        });
        if title_changed || module_changed {
            n += 1;
        }
    }
    Ok(n)
}
