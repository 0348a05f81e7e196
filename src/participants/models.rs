use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{enrollments, participants};
use crate::ids::{EnrollmentId, OrgId, ParticipantId, RunId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = participants)]
pub struct Participant {
    #[schema(value_type = i32)]
    pub id: ParticipantId,
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub consent_date: NaiveDate,
    #[schema(value_type = Option<i32>)]
    pub consent_recorded_by: Option<UserId>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    /// Who registered the person on their behalf (social worker, volunteer).
    pub referrer_name: Option<String>,
    pub referrer_organisation: Option<String>,
    /// Email address or phone number of the referrer.
    pub referrer_contact: Option<String>,
    /// Code on the personal check-in card, once a card was printed.
    #[serde(skip)]
    pub card_code: Option<String>,
    /// Set when the person's data was erased (Art. 17 or retention): the row stays, empty,
    /// so attendance and reports still count them.
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub erased_at: Option<NaiveDateTime>,
}

impl Participant {
    pub fn is_erased(&self) -> bool {
        self.erased_at.is_some()
    }

    /// "Given Family"; an erased person is shown as erased (no name is left).
    pub fn full_name(&self) -> String {
        if self.is_erased() {
            return crate::i18n::text(crate::i18n::DEFAULT_LANG, "erasure.erased_name");
        }
        format!("{} {}", self.given_name, self.family_name)
    }

    /// "Family, Given", as lists are sorted; an erased person as erased.
    pub fn sorted_name(&self) -> String {
        if self.is_erased() {
            return crate::i18n::text(crate::i18n::DEFAULT_LANG, "erasure.erased_name");
        }
        format!("{}, {}", self.family_name, self.given_name)
    }
}

#[derive(Debug, Clone, Insertable, Serialize, Deserialize)]
#[diesel(table_name = participants)]
pub struct ParticipantInsertForm {
    pub organisation_id: OrgId,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub consent_date: NaiveDate,
    pub consent_recorded_by: Option<UserId>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    pub referrer_name: Option<String>,
    pub referrer_organisation: Option<String>,
    pub referrer_contact: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct NewParticipant {
    /// Exactly as in the ID document; printed on the certificate.
    pub given_name: String,
    pub family_name: String,
    /// Language code, e.g. "ar", "fa", "uk".
    pub preferred_language: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Must be true: the participant agreed to the processing of their data.
    pub consent: bool,
    /// The day consent was given; today when omitted.
    #[serde(default)]
    pub consent_date: Option<NaiveDate>,
    /// Social worker or volunteer who registers the person (reminders go to them when the
    /// participant has no email address).
    #[serde(default)]
    pub referrer_name: Option<String>,
    #[serde(default)]
    pub referrer_organisation: Option<String>,
    /// Email address or phone number of the referrer.
    #[serde(default)]
    pub referrer_contact: Option<String>,
    /// A name with a word mixing Latin, Greek or Cyrillic letters ("Mаria" with a
    /// Cyrillic "а") is refused (422, field `confirm_mixed_script`) unless this is true:
    /// the coordinator checked it against the ID document.
    #[serde(default)]
    pub confirm_mixed_script: bool,
}

crate::db::text_enum! {
    /// Where a person stands in a run. Stored as its lower-case name (`enrolled` …), which is
    /// also what the API writes.
    pub enum EnrollmentStatus("enrollment status") {
        /// Holds one of the run's places.
        Enrolled = "enrolled",
        /// On the waiting list, served in the order people joined it.
        Waiting = "waiting",
        Cancelled = "cancelled",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = enrollments)]
pub struct Enrollment {
    #[schema(value_type = i32)]
    pub id: EnrollmentId,
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    #[schema(value_type = i32)]
    pub run_id: RunId,
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    pub status: EnrollmentStatus,
    /// When the person joined the run or the waiting list; the waiting list is in this order.
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub cancelled_at: Option<NaiveDateTime>,
    /// When the person moved up from the waiting list.
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub promoted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEnrollment {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_as_written() {
        for s in EnrollmentStatus::ALL {
            assert_eq!(s.code().parse::<EnrollmentStatus>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), serde_json::json!(s.code()));
        }
        assert!("Enrolled".parse::<EnrollmentStatus>().is_err());
    }
}
