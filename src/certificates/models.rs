use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{certificate_batches, certificates};
use crate::ids::{CertificateBatchId, CertificateId, OrgId, ParticipantId, RunId, UserId};

crate::db::text_enum! {
    /// Whether a certificate holds. Stored as its lower-case name (`valid` …), which is also
    /// what the API writes.
    pub enum CertificateStatus("certificate status") {
        Valid = "valid",
        /// Withdrawn by the organisation; the check page says "Widerrufen".
        Revoked = "revoked",
        /// Superseded by a corrected certificate (e.g. the name spelled as in the passport).
        Replaced = "replaced",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: CertificateId,
    pub organisation_id: OrgId,
    pub participant_id: ParticipantId,
    pub run_id: RunId,
    pub code: String,
    pub kid: i32,
    pub token: String,
    pub holder_name: String,
    pub course_code: String,
    pub course_title: String,
    pub completion_date: NaiveDate,
    pub issued_at: NaiveDateTime,
    pub issued_by: Option<UserId>,
    pub status: CertificateStatus,
    pub revoked_at: Option<NaiveDateTime>,
    pub revocation_reason: Option<String>,
    pub replaced_by_id: Option<CertificateId>,
}

#[derive(Insertable)]
#[diesel(table_name = certificates)]
pub struct CertificateInsertForm {
    pub organisation_id: OrgId,
    pub participant_id: ParticipantId,
    pub run_id: RunId,
    pub code: String,
    pub kid: i32,
    pub token: String,
    pub holder_name: String,
    pub course_code: String,
    pub course_title: String,
    pub completion_date: NaiveDate,
    pub issued_at: NaiveDateTime,
    pub issued_by: Option<UserId>,
    pub status: CertificateStatus,
}

/// What a coordinator sees of a certificate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateView {
    #[schema(value_type = i32)]
    pub id: CertificateId,
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    #[schema(value_type = i32)]
    pub run_id: RunId,
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

crate::db::text_enum! {
    /// Where a batch of certificates stands. Stored as its lower-case name, which is also what
    /// the API writes.
    pub enum BatchState("batch state") {
        Running = "running",
        Done = "done",
        /// Stopped without finishing (process crash or restart); rerunning is safe.
        Interrupted = "interrupted",
    }
}

/// One "issue certificates for this run" action and its progress.
#[derive(Debug, Clone, Serialize, Queryable, Selectable, ToSchema)]
#[diesel(table_name = certificate_batches)]
pub struct CertificateBatch {
    #[schema(value_type = i32)]
    pub id: CertificateBatchId,
    #[serde(skip)]
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    #[schema(value_type = i32)]
    pub run_id: RunId,
    #[serde(skip)]
    #[schema(value_type = Option<i32>)]
    pub started_by: Option<UserId>,
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
    pub state: BatchState,
}

#[derive(Insertable)]
#[diesel(table_name = certificate_batches)]
pub struct CertificateBatchInsertForm {
    pub organisation_id: OrgId,
    pub run_id: RunId,
    pub started_by: Option<UserId>,
    pub started_at: NaiveDateTime,
    pub heartbeat_at: NaiveDateTime,
    pub total: i32,
}

/// Someone the batch could not issue a certificate for, and why (in words).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchFailure {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
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
            assert_eq!(s.code().parse::<CertificateStatus>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.code()));
        }
        for s in BatchState::ALL {
            assert_eq!(s.code().parse::<BatchState>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.code()));
        }
        assert!("VALID".parse::<CertificateStatus>().is_err());
    }
}
