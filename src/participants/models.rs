use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{consent_events, enrollments, participants};
use crate::ids::{EnrollmentId, OrgId, ParticipantId, RunId, StakeholderId, UserId};

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
    /// The referrer's account ("Vermittlung") that registered the person, if one did: their
    /// mail goes to that account's address while the person has none.
    #[serde(skip)]
    pub referred_by_user_id: Option<UserId>,
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

/// Every field a coordinator may correct (Art. 16 GDPR), as stored; `None` empties an
/// optional field.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = participants)]
#[diesel(treat_none_as_null = true)]
pub struct ParticipantUpdateForm {
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub consent_date: NaiveDate,
    pub referrer_name: Option<String>,
    pub referrer_organisation: Option<String>,
    pub referrer_contact: Option<String>,
}

impl From<&ParticipantInsertForm> for ParticipantUpdateForm {
    fn from(f: &ParticipantInsertForm) -> Self {
        ParticipantUpdateForm {
            given_name: f.given_name.clone(),
            family_name: f.family_name.clone(),
            preferred_language: f.preferred_language.clone(),
            phone: f.phone.clone(),
            email: f.email.clone(),
            consent_date: f.consent_date,
            referrer_name: f.referrer_name.clone(),
            referrer_organisation: f.referrer_organisation.clone(),
            referrer_contact: f.referrer_contact.clone(),
        }
    }
}

impl ParticipantUpdateForm {
    /// The names of the fields whose stored value differs from this form (never the values:
    /// the names go into the audit log).
    pub fn changed_from(&self, p: &Participant) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let mut differs = |name: &'static str, same: bool| {
            if !same {
                changed.push(name);
            }
        };
        differs("given_name", self.given_name == p.given_name);
        differs("family_name", self.family_name == p.family_name);
        differs("preferred_language", self.preferred_language == p.preferred_language);
        differs("phone", self.phone == p.phone);
        differs("email", self.email == p.email);
        differs("consent_date", self.consent_date == p.consent_date);
        differs("referrer_name", self.referrer_name == p.referrer_name);
        differs("referrer_organisation", self.referrer_organisation == p.referrer_organisation);
        differs("referrer_contact", self.referrer_contact == p.referrer_contact);
        changed
    }
}

/// A participant's data as corrected (Art. 16): every field, the same rules as at
/// registration. Optional fields left out are emptied; a left-out consent date stays.
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct ParticipantCorrection {
    pub given_name: String,
    pub family_name: String,
    /// Language code: de, en, ar, fa, uk, ru, tr, ti, ps, or de-simple (German in Leichte
    /// Sprache).
    pub preferred_language: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// The day consent was given; unchanged when omitted. Not in the future.
    #[serde(default)]
    pub consent_date: Option<NaiveDate>,
    #[serde(default)]
    pub referrer_name: Option<String>,
    #[serde(default)]
    pub referrer_organisation: Option<String>,
    /// Email address or phone number of the referrer.
    #[serde(default)]
    pub referrer_contact: Option<String>,
    /// As at registration: a changed name with a word mixing Latin, Greek or Cyrillic
    /// letters is refused (422, field `confirm_mixed_script`) unless this is true.
    #[serde(default)]
    pub confirm_mixed_script: bool,
}

crate::db::text_enum! {
    /// What a person agreed to, in `consent_events`.
    pub enum ConsentKind("consent kind") {
        /// A participant's agreement to the processing of their data for the training.
        Participation = "participation",
        /// A stakeholder contact's agreement to be contacted (invitations, reminders).
        Contact = "contact",
    }
}

/// One line of a person's consent history: given or withdrawn, when, recorded by whom.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = consent_events)]
pub struct ConsentEventInsertForm {
    pub organisation_id: OrgId,
    pub participant_id: Option<ParticipantId>,
    pub stakeholder_id: Option<StakeholderId>,
    pub kind: ConsentKind,
    pub given: bool,
    pub recorded_by: Option<UserId>,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
pub struct NewParticipant {
    /// Exactly as in the ID document; printed on the certificate.
    pub given_name: String,
    pub family_name: String,
    /// Language code: de, en, ar, fa, uk, ru, tr, ti, ps, or de-simple (German in Leichte
    /// Sprache).
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

/// One person (`participant_id`, answered with the enrollment, 201), or many at once
/// (`participant_ids`, answered per person, 200). Exactly one of the two.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewEnrollment {
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub participant_id: Option<ParticipantId>,
    /// Enrolled in this order: once the run is full, the rest join the waiting list in it.
    /// At most 2,000; an id given twice counts once.
    #[serde(default)]
    #[schema(value_type = Option<Vec<i32>>)]
    pub participant_ids: Option<Vec<ParticipantId>>,
}

/// What enrolling one person of many did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentOutcome {
    /// Got a place.
    Enrolled,
    /// Joined the waiting list: the run is full.
    Waiting,
    /// Held a place already; nothing changed.
    AlreadyEnrolled,
    /// Was on the waiting list already; nothing changed.
    AlreadyWaiting,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnrolmentResult {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    pub outcome: EnrolmentOutcome,
    /// The person's enrollment as it is now.
    pub enrollment: Enrollment,
}

/// The answer to enrolling many at once: one result per person, in the order given, and
/// the counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkEnrolment {
    pub enrolled: usize,
    pub waiting: usize,
    /// Already enrolled or waiting before: left as they were.
    pub unchanged: usize,
    pub results: Vec<EnrolmentResult>,
}

impl BulkEnrolment {
    pub fn new(results: Vec<EnrolmentResult>) -> Self {
        let count = |o: EnrolmentOutcome| results.iter().filter(|r| r.outcome == o).count();
        BulkEnrolment {
            enrolled: count(EnrolmentOutcome::Enrolled),
            waiting: count(EnrolmentOutcome::Waiting),
            unchanged: count(EnrolmentOutcome::AlreadyEnrolled)
                + count(EnrolmentOutcome::AlreadyWaiting),
            results,
        }
    }
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

    fn stored() -> Participant {
        Participant {
            id: ParticipantId(7),
            organisation_id: OrgId(1),
            given_name: "Amina".into(),
            family_name: "Haddad".into(),
            preferred_language: "ar".into(),
            phone: Some("+49 170 1".into()),
            email: None,
            consent_date: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            consent_recorded_by: None,
            created_at: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap().and_hms_opt(9, 0, 0).unwrap(),
            referrer_name: None,
            referrer_organisation: Some("Caritas".into()),
            referrer_contact: None,
            card_code: None,
            erased_at: None,
            referred_by_user_id: None,
        }
    }

    fn unchanged(p: &Participant) -> ParticipantUpdateForm {
        ParticipantUpdateForm {
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            preferred_language: p.preferred_language.clone(),
            phone: p.phone.clone(),
            email: p.email.clone(),
            consent_date: p.consent_date,
            referrer_name: p.referrer_name.clone(),
            referrer_organisation: p.referrer_organisation.clone(),
            referrer_contact: p.referrer_contact.clone(),
        }
    }

    proptest::proptest! {
        /// A correction names exactly the fields whose value it changes, in the form's
        /// order (the audit entry lists them).
        #[test]
        fn a_correction_names_exactly_the_fields_it_changes(mask in 0u16..512) {
            let p = stored();
            let mut f = unchanged(&p);
            let names = [
                "given_name", "family_name", "preferred_language", "phone", "email",
                "consent_date", "referrer_name", "referrer_organisation", "referrer_contact",
            ];
            let changes: [&dyn Fn(&mut ParticipantUpdateForm); 9] = [
                &|f| f.given_name.push('a'),
                &|f| f.family_name = "Haddād".into(),
                &|f| f.preferred_language = "fa".into(),
                &|f| f.phone = None,
                &|f| f.email = Some("a@example.org".into()),
                &|f| f.consent_date = f.consent_date.succ_opt().unwrap(),
                &|f| f.referrer_name = Some("Jana".into()),
                &|f| f.referrer_organisation = None,
                &|f| f.referrer_contact = Some("+49 30 1".into()),
            ];
            let mut expected = Vec::new();
            for (i, change) in changes.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    change(&mut f);
                    expected.push(names[i]);
                }
            }
            proptest::prop_assert_eq!(f.changed_from(&p), expected);
        }
    }
}
