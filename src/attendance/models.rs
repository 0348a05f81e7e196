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

    /// The key of the mark's words in `locales/`.
    pub fn label_key(self) -> &'static str {
        match self {
            AttendanceStatus::Present => "attendance.status.present",
            AttendanceStatus::Late => "attendance.status.late",
            AttendanceStatus::Excused => "attendance.status.excused",
            AttendanceStatus::Absent => "attendance.status.absent",
        }
    }

    /// The mark in words, as the roster and the report show it.
    pub fn label(self) -> String {
        crate::i18n::text(crate::i18n::DEFAULT_LANG, self.label_key())
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
    /// How often the current mark changed: 1 for the first mark.
    pub revision: i32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkInput {
    pub status: AttendanceStatus,
    /// Present or late, but left before the end.
    #[serde(default)]
    pub left_early: bool,
    /// The `revision` of the participant's mark the client last saw (0 or omitted: no mark
    /// yet). When the mark has changed since, nothing is saved and the answer is 409 with
    /// the current mark, so a delayed retry never overwrites a newer mark; sending the
    /// mark that is current already is always fine.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub expected_revision: Option<i32>,
}

/// A mark to set, with the revision the client saw (`None`: the client does not say).
#[derive(Debug, Clone, Copy)]
pub struct MarkRequest {
    pub status: AttendanceStatus,
    pub left_early: bool,
    pub expected_revision: Option<i32>,
}

/// What became of a mark: saved (or already current), or refused because the client saw
/// an older revision; both carry the participant's current entry.
#[derive(Debug)]
pub enum Marked {
    Saved(RosterEntry),
    Stale(RosterEntry),
}

/// The 409 answer to a mark sent with an outdated `expected_revision`: the error answer
/// with the current mark.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaleMark {
    /// Always `conflict`.
    pub code: &'static str,
    /// What happened, in words for a person (German).
    pub message: String,
    /// The participant's mark as it is now, with its revision. Absent when the conflict
    /// is not about the revision (a cancelled session answers the plain error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<RosterEntry>,
}

/// A stored fact that breaks an attendance rule, for `mietschulung check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub organisation_id: OrgId,
    pub session_id: SessionId,
    pub participant_id: ParticipantId,
    pub what: ViolationKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// The current mark was made more than the check-in hour before the session started.
    MarkBeforeStart,
    /// A mark of the history was made more than the check-in hour before the start.
    HistoryMarkBeforeStart,
    /// A mark of the history is older than the mark before it.
    HistoryOutOfOrder,
    /// A test result was recorded before the run's first session started (results do
    /// not name their session, so the first one is the earliest it could have been).
    TestBeforeSession,
}

impl Violation {
    /// The violation in the operator's words (`check.attendance.…`).
    pub fn text(&self) -> crate::i18n::Text {
        let key = match self.what {
            ViolationKind::MarkBeforeStart => "check.attendance.mark_before_start",
            ViolationKind::HistoryMarkBeforeStart => "check.attendance.history_mark_before_start",
            ViolationKind::HistoryOutOfOrder => "check.attendance.history_out_of_order",
            ViolationKind::TestBeforeSession => "check.attendance.test_before_session",
        };
        crate::i18n::Text::key(key)
            .arg("session", self.session_id)
            .arg("participant", self.participant_id)
    }
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
    /// The mark's revision, to send back as `expected_revision` (0: no mark yet).
    pub revision: i32,
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
