use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::attendance;
use crate::error::{AppError, AppResult};
use crate::ids::{OrgId, ParticipantId, SessionId, UserId};

crate::db::text_enum! {
    /// How a participant attended a session.
    pub enum AttendanceStatus("attendance status") {
        Present = "present",
        Late = "late",
        Excused = "excused",
        Absent = "absent",
    }
}

impl AttendanceStatus {
    pub fn parse(s: &str) -> AppResult<AttendanceStatus> {
        AttendanceStatus::from_code(s.trim()).ok_or_else(|| {
            AppError::invalid("status", crate::i18n::Text::key("error.attendance.status"))
        })
    }

    /// The mark in words, as the roster and the report show it.
    pub fn label(self) -> String {
        let key = match self {
            AttendanceStatus::Present => "attendance.status.present",
            AttendanceStatus::Late => "attendance.status.late",
            AttendanceStatus::Excused => "attendance.status.excused",
            AttendanceStatus::Absent => "attendance.status.absent",
        };
        crate::i18n::text(crate::i18n::DEFAULT_LANG, key)
    }

    /// Counts towards completion.
    pub fn attended(self) -> bool {
        matches!(self, AttendanceStatus::Present | AttendanceStatus::Late)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = attendance)]
pub struct AttendanceMark {
    pub id: i32,
    pub organisation_id: OrgId,
    pub session_id: SessionId,
    pub participant_id: ParticipantId,
    pub status: AttendanceStatus,
    pub marked_by: UserId,
    #[serde(serialize_with = "crate::time::utc")]
    pub marked_at: NaiveDateTime,
    pub left_early: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkInput {
    pub status: AttendanceStatus,
    /// Present or late, but left before the end.
    #[serde(default)]
    pub left_early: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TestResultInput {
    pub points: i32,
    /// How many of the must-pass questions were answered correctly.
    #[serde(default)]
    pub must_pass_correct: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestResult {
    pub points: i32,
    pub must_pass_correct: i32,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterEntry {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    pub name: String,
    pub preferred_language: String,
    pub status: Option<AttendanceStatus>,
    pub marked_by: Option<String>,
    pub marked_at_local: Option<String>,
    pub left_early: bool,
    pub test: Option<TestResult>,
    /// When the participant or their referrer sent an apology through the reminder link.
    pub apologised_at_local: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Completion {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    pub name: String,
    pub completed: bool,
    /// Titles of mandatory modules not yet attended.
    pub missing_modules: Vec<String>,
    pub completion_date: Option<NaiveDate>,
    pub sessions_attended: usize,
    /// Share of the run's sessions attended, in percent.
    pub attendance_percent: u32,
    pub test: Option<TestResult>,
    /// Why the participant has not completed yet, in words.
    pub reasons: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::AttendanceStatus::{self, Absent, Excused, Late, Present};

    #[test]
    fn present_and_late_count_as_attended() {
        for status in AttendanceStatus::ALL {
            assert_eq!(status.attended(), matches!(status, Present | Late), "{status}");
        }
        assert!(!Excused.attended() && !Absent.attended());
    }

    #[test]
    fn marks_are_read_as_their_codes_and_unknown_ones_refused() {
        for status in AttendanceStatus::ALL {
            assert_eq!(AttendanceStatus::parse(status.code()).unwrap(), status);
            assert_eq!(AttendanceStatus::parse(&format!(" {status} ")).unwrap(), status);
        }
        let refused = AttendanceStatus::parse("sleeping").unwrap_err();
        assert_eq!(refused.field(), Some("status"));
        let labels: Vec<String> = AttendanceStatus::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(labels, ["anwesend", "verspätet", "entschuldigt", "abwesend"]);
    }
}
