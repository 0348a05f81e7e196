//! Correcting a course or its modules where certificates are concerned: before the plan
//! changes, what the run's certificates print is frozen (`certificates::printed`), so an
//! issued certificate never changes; after it, the valid certificates that now print older
//! text are counted per run, so the save's banner and the course page can say so and lead
//! to the runs' certificates, where they can be replaced.

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Actor;
use crate::certificates::printed;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::i18n::Text;
use crate::ids::{CourseId, ModuleId, OrgId, RunId};
use crate::planning::models::{Course, CourseModule, NewCourse, NewModule};
use crate::planning::views::{self, CoursePage, OlderText};
use crate::planning::{self, correct::ShowArchived};
use crate::time::fmt_date;

/// A saved course and the runs whose valid certificates print its older text.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseSaved {
    pub course: Course,
    pub certificates_with_older_text: Vec<OlderText>,
}

/// A saved module and the runs whose valid certificates print its older text.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleSaved {
    pub module: CourseModule,
    pub certificates_with_older_text: Vec<OlderText>,
}

fn run_ids(conn: &mut DbConn, org: OrgId, course_id: CourseId) -> AppResult<Vec<RunId>> {
    Ok(planning::correct::runs_of_course(conn, org, course_id)?.into_iter().map(|r| r.id).collect())
}

/// The course's runs whose valid certificates print a title or module text it no longer has.
fn older_text(conn: &mut DbConn, org: OrgId, course: &Course) -> AppResult<Vec<OlderText>> {
    let modules = planning::service::modules_of(conn, org, course.id)?;
    let mut out = Vec::new();
    for run in planning::correct::runs_of_course(conn, org, course.id)? {
        let n = printed::printing_older_text(conn, org, run.id, course, &modules)?;
        if n > 0 {
            out.push(OlderText {
                run_id: run.id,
                start: fmt_date(run.start_date),
                certificates: n,
            });
        }
    }
    Ok(out)
}

/// Corrects a course's code, title and description; issued certificates keep theirs.
pub fn update_course(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, input: NewCourse,
) -> AppResult<CourseSaved> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        planning::service::get_course(conn, org, course_id)?;
        let runs = run_ids(conn, org, course_id)?;
        printed::freeze_runs(conn, org, &runs)?;
        let (_, course) =
            planning::correct::apply_course_update(conn, actor, org, course_id, &input)?;
        let certificates_with_older_text = older_text(conn, org, &course)?;
        Ok(CourseSaved { course, certificates_with_older_text })
    })
}

/// Corrects a module; issued certificates keep what they print.
pub fn update_module(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, module_id: ModuleId, input: NewModule,
) -> AppResult<ModuleSaved> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let course = planning::service::get_course(conn, org, course_id)?;
        let runs = run_ids(conn, org, course_id)?;
        printed::freeze_runs(conn, org, &runs)?;
        let module =
            planning::correct::apply_module_update(conn, actor, org, course_id, module_id, &input)?;
        let certificates_with_older_text = older_text(conn, org, &course)?;
        Ok(ModuleSaved { module, certificates_with_older_text })
    })
}

/// Deletes a module (see `planning::correct`); issued certificates keep listing it.
pub fn delete_module(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, module_id: ModuleId,
) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        planning::service::get_course(conn, org, course_id)?;
        let runs = run_ids(conn, org, course_id)?;
        printed::freeze_runs(conn, org, &runs)?;
        planning::correct::delete_module(conn, actor, course_id, module_id)
    })
}

/// The course page, with the runs whose certificates print older text.
pub fn course_page(
    conn: &mut DbConn, actor: &Actor, course_id: CourseId, show: ShowArchived,
) -> AppResult<CoursePage> {
    let org = actor.coordinator_org()?;
    let mut page = views::course_page_with(conn, actor, course_id, show)?;
    page.older_text = older_text(conn, org, &page.course)?;
    Ok(page)
}

/// The banner after a save: what was saved, and how many certificates print older text.
pub fn saved_banner(done: &'static str, older: &[OlderText]) -> Text {
    let n: usize = older.iter().map(|o| o.certificates).sum();
    if n == 0 {
        Text::key(done)
    } else {
        Text::key("done.plan_saved_older_text").arg_key("saved", done).arg("count", n)
    }
}
