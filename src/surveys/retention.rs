//! Erasing raw answers when an organisation's retention period for surveys has passed.
//!
//! Rules: the raw answers (every response, every free text, every draft) of a survey closed
//! more than the retention period ago are deleted, all of a survey at once; the survey,
//! its questions and its invitations (who was asked, not what they said) stay.

use chrono::NaiveDate;

use super::repo;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, SurveyId};

/// A survey whose raw answers are due, with how many responses it holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DueAnswers {
    pub survey_id: SurveyId,
    pub responses: i64,
}

/// The surveys of `org` closed before `closed_before` whose raw answers are still stored.
pub fn due(conn: &mut DbConn, org: OrgId, closed_before: NaiveDate) -> AppResult<Vec<DueAnswers>> {
    Ok(repo::closed_with_answers(conn, org, closed_before)?
        .into_iter()
        .map(|(survey_id, responses)| DueAnswers { survey_id, responses })
        .collect())
}

/// Erases the raw answers of one survey, in the caller's transaction.
pub fn erase_raw_answers(conn: &mut DbConn, survey_id: SurveyId) -> AppResult<usize> {
    repo::delete_raw_answers(conn, survey_id)
}
