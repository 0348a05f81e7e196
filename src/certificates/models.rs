use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{certificate_batches, certificate_reissues, certificates};
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
    /// Erased certificates (tombstones) keep only a keyed hash of the name
    /// (`keys::KeyRing::name_hmac`); `holder_name` and `token` are empty then.
    pub name_hmac: Option<String>,
    pub erased_at: Option<NaiveDateTime>,
}

impl Certificate {
    /// A tombstone: the holder was erased; code, status, course and dates stay.
    pub fn is_erased(&self) -> bool {
        self.erased_at.is_some()
    }
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
    /// The holder was erased: a tombstone (no name, no PDF; `verification_url` empty).
    pub erased: bool,
}

/// What issuing for a whole run did. Each participant's issuing is all-or-nothing (row,
/// signed token, queued mail), so a failure for one leaves the others issued.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct IssueSummary {
    /// The certificates issued now.
    pub issued: Vec<CertificateView>,
    pub already_issued: usize,
    pub not_completed: usize,
    /// People whose certificate was revoked and not reissued: left alone.
    pub revoked: usize,
    /// People a certificate could not be issued for (see `participants` for why).
    pub failed: usize,
    /// Every enrolled participant with what happened to them.
    pub participants: Vec<ParticipantOutcome>,
}

/// What issuing did for one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IssueOutcome {
    Issued,
    /// A valid certificate existed already.
    AlreadyIssued,
    /// Their certificate was revoked; only an explicit reissue gives them a new one.
    Revoked,
    NotCompleted,
    Failed,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantOutcome {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    pub name: String,
    pub outcome: IssueOutcome,
    /// The certificate issued now (only with `issued`).
    pub certificate: Option<CertificateView>,
    /// Why no certificate, in words (with `not_completed` and `failed`).
    pub message: Option<String>,
}

/// The record of an explicit "neu ausstellen" after a revocation.
#[derive(Insertable)]
#[diesel(table_name = certificate_reissues)]
pub struct CertificateReissueInsertForm {
    pub organisation_id: OrgId,
    pub run_id: RunId,
    pub participant_id: ParticipantId,
    pub revoked_certificate_id: CertificateId,
    pub certificate_id: CertificateId,
    pub reason: String,
    pub reissued_by: Option<UserId>,
    pub reissued_at: NaiveDateTime,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReissueRevokedInput {
    /// Why the person gets a certificate again; kept internal.
    pub reason: String,
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
    /// Read as `interrupted` once a running batch's heartbeat is older than a minute.
    pub state: BatchState,
    /// People left alone because their certificate was revoked.
    pub revoked: i32,
    /// Where "fortsetzen" goes on: participants are worked through by id.
    #[serde(skip)]
    #[schema(value_type = Option<i32>)]
    pub last_participant_id: Option<ParticipantId>,
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

/// A rule of issued certificates that stored data breaks (for `mietschulung check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateViolation {
    pub organisation_id: OrgId,
    pub run_id: RunId,
    pub participant_id: ParticipantId,
    /// The valid certificate that should not be as it is.
    pub certificate_id: CertificateId,
    pub kind: ViolationKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// An earlier certificate of the same person and run was revoked, and no explicit
    /// reissue answered that revocation.
    IssuedAfterRevocation,
    /// The completion date is before the last attended session the certificate lists.
    CompletedBeforeLastSession,
    /// The completion date is after the day it was issued.
    CompletedAfterIssue,
    /// Another valid certificate for the same person and run exists (an older one).
    SecondValid,
    /// The holder was erased, but the certificate still carries their name or token
    /// instead of being a tombstone.
    NamesErasedHolder,
}

impl CertificateViolation {
    /// The violation in the operator's words (`check.certificates.…`).
    pub fn text(&self) -> crate::i18n::Text {
        let key = match self.kind {
            ViolationKind::IssuedAfterRevocation => "check.certificates.issued_after_revocation",
            ViolationKind::CompletedBeforeLastSession => {
                "check.certificates.completed_before_last_session"
            }
            ViolationKind::CompletedAfterIssue => "check.certificates.completed_after_issue",
            ViolationKind::SecondValid => "check.certificates.second_valid",
            ViolationKind::NamesErasedHolder => "check.certificates.names_erased_holder",
        };
        crate::i18n::Text::key(key)
            .arg("certificate", self.certificate_id)
            .arg("run", self.run_id)
            .arg("participant", self.participant_id)
    }
}

impl ViolationKind {
    /// A stable name for reports.
    pub fn code(self) -> &'static str {
        match self {
            ViolationKind::IssuedAfterRevocation => "issued_after_revocation",
            ViolationKind::CompletedBeforeLastSession => "completed_before_last_session",
            ViolationKind::CompletedAfterIssue => "completed_after_issue",
            ViolationKind::SecondValid => "second_valid",
            ViolationKind::NamesErasedHolder => "names_erased_holder",
        }
    }
}

/// What an organisation prints on its certificates besides its name and images, and the
/// approval of the sample certificate (a fingerprint of every printed setting it saw).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::db::schema::certificate_profiles, treat_none_as_null = true)]
pub struct CertificateProfile {
    pub organisation_id: OrgId,
    pub issuer_address: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub contact_website: String,
    pub approved_fingerprint: Option<String>,
    pub approved_at: Option<NaiveDateTime>,
    pub approved_by: Option<UserId>,
    pub updated_at: NaiveDateTime,
    /// The issuer's seat, printed before the date ("Altenburg, den …").
    pub issuer_seat: String,
    /// How the course line names the venue ("an der Volkshochschule Altenburg").
    pub venue_phrase: String,
}

/// The issuer's address and contact as a form or the API sends them; empty means none.
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct CertificateProfileInput {
    /// One line: street, postcode and town.
    pub issuer_address: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub contact_website: String,
    /// The town printed before the date ("Altenburg, den …"); empty: the run's place.
    pub issuer_seat: String,
    /// The venue with the preposition it takes, as the course line prints it ("an der
    /// Volkshochschule Altenburg", "im Rathaus Schmölln"); empty: "in" and the run's place.
    pub venue_phrase: String,
}

crate::db::text_enum! {
    /// An item of the checklist before the first issue.
    pub enum ChecklistItemKind("checklist item") {
        Logo = "logo",
        Signature = "signature",
        Address = "address",
        Contact = "contact",
        Approval = "approval",
    }
}

/// One item of the checklist: done or not, and where to fix it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChecklistItem {
    pub item: ChecklistItemKind,
    pub done: bool,
    /// The item in words.
    pub label: String,
    /// The page (and part) where it is set.
    pub fix: String,
}

/// The certificate settings of an organisation with the checklist before the first issue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateSettings {
    pub issuer_address: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub contact_website: String,
    pub issuer_seat: String,
    pub venue_phrase: String,
    pub logo: bool,
    pub signature: bool,
    /// The sample was approved and nothing it shows changed since.
    pub approved: bool,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub approved_at: Option<NaiveDateTime>,
    /// When, as people read it (Europe/Berlin).
    pub approved_when: Option<String>,
    /// Who approved it (their display name).
    pub approved_by: Option<String>,
    /// An approval exists but a setting changed after it: it no longer holds.
    pub approval_withdrawn: bool,
    pub checklist: Vec<ChecklistItem>,
    /// Every item is done.
    pub complete: bool,
}

/// Why a certificate did not reach anyone by e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Undelivered {
    /// Neither the participant nor a referrer has an e-mail address: nothing was sent.
    NoAddress,
    /// The mail server refused the mail for good.
    MailFailed,
}

/// A valid certificate that must be handed over on paper.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UndeliveredCertificate {
    #[schema(value_type = i32)]
    pub certificate_id: CertificateId,
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    #[schema(value_type = i32)]
    pub run_id: RunId,
    pub holder_name: String,
    pub code: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub issued_at: NaiveDateTime,
    pub reason: Undelivered,
    /// The address the failed mail went to.
    pub recipient: Option<String>,
    /// The PDF (the page's address; the API's is `/api/v1/certificates/{id}/pdf`).
    pub pdf: String,
}

/// Someone a certificate will reach, and how.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedRecipient {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    pub name: String,
    /// The address the certificate goes to; none: it must be printed.
    pub email: Option<String>,
}

/// What issuing for a run would do now (the check-your-answers page and its API).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuePreview {
    #[schema(value_type = i32)]
    pub run_id: RunId,
    pub course_title: String,
    /// Completed and no certificate yet: each gets one.
    pub to_issue: usize,
    /// Mailed to the participant's own address.
    pub by_mail: Vec<PlannedRecipient>,
    /// Mailed to the referrer (social worker, volunteer) who registered them.
    pub via_referrer: Vec<PlannedRecipient>,
    /// No address at all: to be printed and handed over.
    pub to_print: Vec<PlannedRecipient>,
    pub already_issued: usize,
    pub not_completed: usize,
    /// Revoked and not reissued: left alone.
    pub revoked: usize,
    /// The certificate settings and what is missing of them.
    pub settings: CertificateSettings,
}

/// A line of the organisation's list of certificates.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateListItem {
    #[schema(value_type = i32)]
    pub id: CertificateId,
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    #[schema(value_type = i32)]
    pub run_id: RunId,
    pub holder_name: String,
    pub code: String,
    pub course_title: String,
    pub completion_date: NaiveDate,
    /// The completion date as people read it (`03.03.2026`).
    pub completed_on: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub issued_at: NaiveDateTime,
    pub status: CertificateStatus,
    /// The holder was erased: a tombstone without name or PDF.
    pub erased: bool,
}

/// The search of the organisation's certificates as the address carries it; every field is
/// optional text, checked by the use case (the API answers 422 naming the field).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct CertificateQuery {
    /// A part of the holder's name, or of the code (dashes and case do not matter).
    pub q: Option<String>,
    /// Id of a run.
    pub run: Option<String>,
    /// `valid`, `revoked` or `replaced`.
    pub status: Option<String>,
    /// Page number, from 1 (50 a page).
    pub page: Option<String>,
}

/// One page of the organisation's certificates.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateList {
    pub items: Vec<CertificateListItem>,
    /// How many match the search in all.
    pub total: usize,
    pub page: usize,
    pub pages: usize,
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
