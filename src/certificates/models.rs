use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{certificate_batches, certificates};

/// Whether a certificate holds. Stored as its lower-case name (`valid` …), which is also
/// what the API writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CertificateStatus {
    Valid,
    /// Withdrawn by the organisation; the check page says "Widerrufen".
    Revoked,
    /// Superseded by a corrected certificate (e.g. the name spelled as in the passport).
    Replaced,
}

impl CertificateStatus {
    pub const ALL: [CertificateStatus; 3] = [
        CertificateStatus::Valid,
        CertificateStatus::Revoked,
        CertificateStatus::Replaced,
    ];

    /// The text in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Revoked => "revoked",
            CertificateStatus::Replaced => "replaced",
        }
    }
}

/// Reading a stored row: any other text is a broken row, not user input.
impl TryFrom<String> for CertificateStatus {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        CertificateStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("unknown certificate status {text:?}"))
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: i32,
    pub organisation_id: i32,
    pub participant_id: i32,
    pub run_id: i32,
    pub code: String,
    pub kid: i32,
    pub token: String,
    pub holder_name: String,
    pub course_code: String,
    pub course_title: String,
    pub completion_date: NaiveDate,
    pub issued_at: NaiveDateTime,
    pub issued_by: Option<i32>,
    #[diesel(deserialize_as = String)]
    pub status: CertificateStatus,
    pub revoked_at: Option<NaiveDateTime>,
    pub revocation_reason: Option<String>,
    pub replaced_by_id: Option<i32>,
}

#[derive(Insertable)]
#[diesel(table_name = certificates)]
pub struct CertificateInsertForm {
    pub organisation_id: i32,
    pub participant_id: i32,
    pub run_id: i32,
    pub code: String,
    pub kid: i32,
    pub token: String,
    pub holder_name: String,
    pub course_code: String,
    pub course_title: String,
    pub completion_date: NaiveDate,
    pub issued_at: NaiveDateTime,
    pub issued_by: Option<i32>,
    /// [`CertificateStatus::as_str`].
    pub status: &'static str,
}

/// What a coordinator sees of a certificate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateView {
    pub id: i32,
    pub participant_id: i32,
    pub run_id: i32,
    pub holder_name: String,
    pub code: String,
    pub course_code: String,
    pub completion_date: NaiveDate,
    #[serde(serialize_with = "crate::time::utc")]
    pub issued_at: NaiveDateTime,
    pub status: CertificateStatus,
    pub verification_url: String,
    /// How often the certificate was checked (counts only, nobody's identity).
    pub checks: i64,
    pub last_checked: Option<NaiveDate>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct IssueSummary {
    pub issued: Vec<CertificateView>,
    pub already_issued: usize,
    pub not_completed: usize,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeInput {
    /// Kept internal; never shown on the public page.
    pub reason: String,
}

/// Where a batch of certificates stands. Stored as its lower-case name, which is also what
/// the API writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BatchState {
    Running,
    Done,
    /// Stopped without finishing (process crash or restart); rerunning is safe.
    Interrupted,
}

impl BatchState {
    pub const ALL: [BatchState; 3] = [
        BatchState::Running,
        BatchState::Done,
        BatchState::Interrupted,
    ];

    /// The text in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Running => "running",
            BatchState::Done => "done",
            BatchState::Interrupted => "interrupted",
        }
    }
}

impl TryFrom<String> for BatchState {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        BatchState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("unknown batch state {text:?}"))
    }
}

/// One "issue certificates for this run" action and its progress.
#[derive(Debug, Clone, Serialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = certificate_batches)]
pub struct CertificateBatch {
    pub id: i32,
    #[serde(skip)]
    pub organisation_id: i32,
    pub run_id: i32,
    #[serde(skip)]
    pub started_by: Option<i32>,
    #[serde(serialize_with = "crate::time::utc")]
    pub started_at: NaiveDateTime,
    #[serde(skip)]
    #[serde(serialize_with = "crate::time::utc")]
    pub heartbeat_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub finished_at: Option<NaiveDateTime>,
    /// People enrolled in the run when the batch started.
    pub total: i32,
    /// People looked at so far.
    pub done: i32,
    pub issued: i32,
    pub already_issued: i32,
    pub not_completed: i32,
    /// JSON list of `{participant_id, name, message}`.
    pub failures: String,
    #[diesel(deserialize_as = String)]
    pub state: BatchState,
}

#[derive(Insertable)]
#[diesel(table_name = certificate_batches)]
pub struct CertificateBatchInsertForm {
    pub organisation_id: i32,
    pub run_id: i32,
    pub started_by: Option<i32>,
    pub started_at: NaiveDateTime,
    pub heartbeat_at: NaiveDateTime,
    pub total: i32,
}

/// Someone the batch could not issue a certificate for, and why (in words).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchFailure {
    pub participant_id: i32,
    pub name: String,
    pub message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReissueInput {
    /// The corrected given name, as in the participant's ID.
    pub given_name: String,
    pub family_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_as_written() {
        for s in CertificateStatus::ALL {
            assert_eq!(CertificateStatus::try_from(s.as_str().to_string()), Ok(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        for s in BatchState::ALL {
            assert_eq!(BatchState::try_from(s.as_str().to_string()), Ok(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        assert!(CertificateStatus::try_from("VALID".to_string()).is_err());
    }
}
