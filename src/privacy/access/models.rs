//! What an access request answers (Art. 15/20 GDPR), as typed data: the JSON export is
//! these structs as they are, the readable page is made from them.
//!
//! Field names are the words of the columns they come from, so a data protection officer
//! can match each line to the processing record. Times are RFC 3339 in UTC.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::ids::{CertificateId, ParticipantId, RunId, SessionId, StakeholderId, SurveyId};

/// Everything stored about one participant.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantDisclosure {
    /// The organisation that holds the data (the controller).
    pub organisation: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub generated_at: NaiveDateTime,
    pub person: ParticipantRecord,
    /// Places in runs and on waiting lists, cancelled ones included.
    pub enrollments: Vec<EnrollmentLine>,
    /// The current mark of each session.
    pub attendance: Vec<AttendanceLine>,
    /// Every mark ever recorded, corrections included.
    pub attendance_history: Vec<AttendanceLine>,
    pub test_results: Vec<TestResultLine>,
    /// With how often each was checked, per day (counts only, nothing about who checked).
    pub certificates: Vec<CertificateLine>,
    pub certificate_reissues: Vec<ReissueLine>,
    /// Session reminders sent to the person or their referrer.
    pub reminders: Vec<ReminderLine>,
    /// Mails about the person (to them or their referrer); the attachments are not repeated.
    pub mails: Vec<MailLine>,
    pub consent_events: Vec<ConsentLine>,
    /// What staff did with the person's data (ids and short codes).
    pub audit_entries: Vec<AuditLine>,
    pub erasures: Vec<ErasureLine>,
}

/// The participant's own row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantRecord {
    #[schema(value_type = i32)]
    pub id: ParticipantId,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub consent_date: NaiveDate,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    pub referrer_name: Option<String>,
    pub referrer_organisation: Option<String>,
    pub referrer_contact: Option<String>,
    /// Whether a check-in card was printed for the person (its code is a key, not shown).
    pub has_attendance_card: bool,
    /// Set when the person's data was erased.
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub erased_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnrollmentLine {
    #[schema(value_type = i32)]
    pub run_id: RunId,
    pub course_code: String,
    pub course_title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub place: String,
    /// `enrolled`, `waiting` or `cancelled`.
    pub status: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub cancelled_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub promoted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceLine {
    #[schema(value_type = i32)]
    pub session_id: SessionId,
    #[serde(serialize_with = "crate::time::utc")]
    pub session_starts_at: NaiveDateTime,
    /// `present`, `late`, `excused` or `absent`.
    pub status: String,
    pub left_early: bool,
    #[serde(serialize_with = "crate::time::utc")]
    pub marked_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestResultLine {
    #[schema(value_type = i32)]
    pub run_id: RunId,
    pub course_title: String,
    pub points: i32,
    pub must_pass_correct: i32,
    #[serde(serialize_with = "crate::time::utc")]
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateLine {
    #[schema(value_type = i32)]
    pub id: CertificateId,
    #[schema(value_type = i32)]
    pub run_id: RunId,
    /// The code printed on the certificate.
    pub code: String,
    /// The name as printed (it may differ from a corrected name).
    pub holder_name: String,
    pub course_code: String,
    pub course_title: String,
    pub completion_date: NaiveDate,
    #[serde(serialize_with = "crate::time::utc")]
    pub issued_at: NaiveDateTime,
    /// `valid`, `revoked` or `replaced`.
    pub status: String,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub revoked_at: Option<NaiveDateTime>,
    pub revocation_reason: Option<String>,
    #[schema(value_type = Option<i32>)]
    pub replaced_by_id: Option<CertificateId>,
    pub checks: Vec<CheckDay>,
    /// The modules the certificate lists, as printed (frozen at issue).
    pub modules: Vec<PrintedModule>,
}

/// A module as an issued certificate prints it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrintedModule {
    pub title: String,
    pub first_day: NaiveDate,
    pub duration_minutes: i32,
}

/// How often a certificate was checked on one day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckDay {
    pub day: NaiveDate,
    pub checks: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReissueLine {
    #[schema(value_type = i32)]
    pub run_id: RunId,
    #[schema(value_type = i32)]
    pub revoked_certificate_id: CertificateId,
    #[schema(value_type = i32)]
    pub certificate_id: CertificateId,
    pub reason: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub reissued_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReminderLine {
    #[schema(value_type = i32)]
    pub session_id: SessionId,
    #[serde(serialize_with = "crate::time::utc")]
    pub session_starts_at: NaiveDateTime,
    /// Which reminder (e.g. the day before).
    pub kind: String,
    /// Where it went (the person's or the referrer's address), if it was mailed.
    pub recipient: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    /// When the person sent an apology through the reminder's link.
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub apologised_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MailLine {
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub sent_at: Option<NaiveDateTime>,
    /// The attached file's name (the certificate PDF), if any.
    pub attachment_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentLine {
    /// `participation` (the training's processing) or `contact` (being contacted).
    pub kind: String,
    pub given: bool,
    #[serde(serialize_with = "crate::time::utc")]
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditLine {
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    /// What was done, e.g. `participant.correct`.
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i32>,
    /// A short code or the names of changed fields.
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErasureLine {
    /// Why (chosen from a list): e.g. the retention period ended, or the person asked.
    pub reason: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub erased_at: NaiveDateTime,
    /// What was erased, as counts per kind (JSON).
    pub counts: String,
}

/// Everything stored about one stakeholder contact. The answers of anonymous surveys are
/// not part of it: they are linked to nobody.
#[derive(Debug, Serialize, ToSchema)]
pub struct StakeholderDisclosure {
    pub organisation: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub generated_at: NaiveDateTime,
    pub person: StakeholderRecord,
    pub survey_invitations: Vec<InvitationLine>,
    /// Answers given through the contact's personal link to surveys that are not anonymous.
    pub survey_responses: Vec<ResponseLine>,
    /// Answers saved to continue later (surveys that are not anonymous).
    pub survey_drafts: Vec<DraftLine>,
    pub mails: Vec<MailLine>,
    pub consent_events: Vec<ConsentLine>,
    pub audit_entries: Vec<AuditLine>,
    pub erasures: Vec<ErasureLine>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StakeholderRecord {
    #[schema(value_type = i32)]
    pub id: StakeholderId,
    /// The group's code (`landlord`, `social_worker` …).
    pub stakeholder_group: String,
    pub name: String,
    pub organisation_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_language: String,
    pub contact_consent: bool,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub erased_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvitationLine {
    #[schema(value_type = i32)]
    pub survey_id: SurveyId,
    pub survey_title: String,
    pub anonymous: bool,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub sent_at: Option<NaiveDateTime>,
    pub reminders_sent: i32,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub last_sent_at: Option<NaiveDateTime>,
    pub answered: bool,
    /// The day of the answer; never for an anonymous survey, where even the day could
    /// point to the answer.
    pub answered_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponseLine {
    #[schema(value_type = i32)]
    pub survey_id: SurveyId,
    pub survey_title: String,
    pub submitted_on: NaiveDate,
    pub language: String,
    pub answers: Vec<AnswerLine>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerLine {
    pub question: String,
    /// The answer as stored (text, number, chosen options).
    pub answer: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftLine {
    #[schema(value_type = i32)]
    pub survey_id: SurveyId,
    pub survey_title: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
    pub answers: Vec<AnswerLine>,
}
