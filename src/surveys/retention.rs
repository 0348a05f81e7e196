//! Erasing raw answers when an organisation's retention period for surveys has passed.
//!
//! Rules: the raw answers (every response, every free text, every draft, every answer of an
//! anonymous survey still pending in the pool) of a survey closed more than the retention
//! period ago are deleted, all of a survey at once; the survey, its questions and its
//! invitations (who was asked, not what they said) stay. Before they go, the figures of
//! the results are kept as shown (small groups of an anonymous survey withheld) but without
//! the free texts, so the results page still shows them, marked "raw answers erased on …".

use chrono::NaiveDate;

use super::{repo, results};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, SurveyId};

/// A survey whose raw answers are due, with how many responses it holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DueAnswers {
    pub survey_id: SurveyId,
    pub responses: i64,
}

/// The surveys of `org` closed before `closed_before` whose raw answers (responses, or
/// answers still pending release) are still stored.
pub fn due(conn: &mut DbConn, org: OrgId, closed_before: NaiveDate) -> AppResult<Vec<DueAnswers>> {
    let mut due: Vec<DueAnswers> = repo::closed_with_answers(conn, org, closed_before)?
        .into_iter()
        .map(|(survey_id, responses)| DueAnswers { survey_id, responses })
        .collect();
    for survey_id in repo::surveys_pending_closed_before(conn, org, closed_before)? {
        if !due.iter().any(|d| d.survey_id == survey_id) {
            due.push(DueAnswers { survey_id, responses: 0 });
        }
    }
    due.sort_by_key(|d| d.survey_id);
    Ok(due)
}

/// Erases the raw answers of one survey, in the caller's transaction, after keeping the
/// figures of its results; returns how many answers were erased.
pub fn erase_raw_answers(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<usize> {
    results::keep_summary(conn, survey_id, crate::time::today_local())?;
    repo::delete_raw_answers(conn, survey_id)
}
