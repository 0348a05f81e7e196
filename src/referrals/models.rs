//! What a referrer reads and sends: their people with each one's standing per run, the open
//! runs they can register people for, and a registration.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{CertificateId, ParticipantId, RunId};

crate::db::text_enum! {
    /// Where a referred person stands in one run, as the referrer follows it.
    pub enum ReferralStatus("referral status") {
        /// Holds a place ("angemeldet").
        Enrolled = "enrolled",
        /// On the waiting list.
        Waiting = "waiting",
        /// Met the run's completion rules ("abgeschlossen"), no certificate yet.
        Completed = "completed",
        /// A valid certificate was issued ("Bescheinigung ausgestellt").
        Certified = "certified",
        /// The place or waiting-list entry was cancelled.
        Cancelled = "cancelled",
    }
}

impl ReferralStatus {
    /// The locale key of the status's name.
    pub fn label_key(self) -> &'static str {
        match self {
            ReferralStatus::Enrolled => "ref.status.enrolled",
            ReferralStatus::Waiting => "ref.status.waiting",
            ReferralStatus::Completed => "ref.status.completed",
            ReferralStatus::Certified => "ref.status.certified",
            ReferralStatus::Cancelled => "ref.status.cancelled",
        }
    }
}

/// A registration by a referrer: the person and the open run they are registered for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewReferral {
    /// One of the open runs (`GET /api/v1/referrals/open-runs`).
    #[schema(value_type = i32)]
    pub run_id: RunId,
    /// Exactly as in the ID document; printed on the certificate.
    pub given_name: String,
    pub family_name: String,
    /// Language code: de, en, ar, fa, uk, ru, tr, ti, ps, or de-simple (German in Leichte
    /// Sprache).
    pub preferred_language: String,
    /// The person's own address, if they have one (else their mail goes to the referrer).
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Must be true: the person agreed to be registered and to the processing of their data.
    pub consent: bool,
    /// As at every registration: a name with a word mixing Latin, Greek or Cyrillic
    /// letters is refused (422, field `confirm_mixed_script`) unless this is true.
    #[serde(default)]
    pub confirm_mixed_script: bool,
}

/// What a registration did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Referred {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    #[schema(value_type = i32)]
    pub run_id: RunId,
    /// `enrolled` (a place) or `waiting` (the run was full).
    pub status: ReferralStatus,
}

/// A run of the organisation that has not ended, with its free places.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenRun {
    #[schema(value_type = i32)]
    pub run_id: RunId,
    pub course_title: String,
    pub course_code: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub place: String,
    pub capacity: i32,
    /// Places nobody holds yet; 0: a registration goes to the waiting list.
    pub places_left: i64,
    /// People on the waiting list.
    pub waiting: i64,
}

/// A certificate of a referred person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralCertificate {
    #[schema(value_type = i32)]
    pub id: CertificateId,
    /// The printed code.
    pub code: String,
    /// Whether the referrer may download it (a valid certificate of a person without an
    /// e-mail address): `GET /api/v1/referrals/certificates/{id}/pdf`.
    pub downloadable: bool,
}

/// One run of a referred person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralRun {
    #[schema(value_type = i32)]
    pub run_id: RunId,
    pub course_title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub place: String,
    pub status: ReferralStatus,
    pub certificates: Vec<ReferralCertificate>,
}

/// A person the referrer registered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Referral {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    /// Whether the person has an e-mail address of their own (else their mail goes to the
    /// referrer, and the referrer may download their certificates).
    pub has_email: bool,
    pub runs: Vec<ReferralRun>,
}
