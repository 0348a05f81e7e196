//! The registration form of the browser UI, read into a `NewParticipant`; a refused form is
//! shown again with what was typed.

use serde::Deserialize;

use super::models::NewParticipant;
use super::service::ParticipantFields;
use crate::error::AppResult;
use crate::validate;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ParticipantForm {
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub phone: String,
    pub email: String,
    pub consent: Option<String>,
    pub consent_date: String,
    pub referrer_name: String,
    pub referrer_organisation: String,
    pub referrer_contact: String,
    /// "trotzdem speichern" under the mixed-script warning.
    pub confirm_mixed_script: Option<String>,
}

impl ParticipantForm {
    pub fn echo(&self) -> ParticipantFields {
        ParticipantFields {
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            preferred_language: self.preferred_language.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            consent: self.consent.is_some(),
            consent_date: self.consent_date.clone(),
            referrer_name: self.referrer_name.clone(),
            referrer_organisation: self.referrer_organisation.clone(),
            referrer_contact: self.referrer_contact.clone(),
            confirm_mixed_script: self.confirm_mixed_script.is_some(),
        }
    }

    /// The form's fields as checked input ("Angemeldet durch" included; the use case checks
    /// them with the rules of the API).
    pub fn parse(self) -> AppResult<NewParticipant> {
        let consent_date = match self.consent_date.trim() {
            "" => None,
            v => Some(validate::date("consent_date", "label.consent_date", v)?),
        };
        Ok(NewParticipant {
            given_name: self.given_name,
            family_name: self.family_name,
            preferred_language: self.preferred_language,
            phone: Some(self.phone),
            email: Some(self.email),
            consent: self.consent.is_some(),
            consent_date,
            referrer_name: Some(self.referrer_name),
            referrer_organisation: Some(self.referrer_organisation),
            referrer_contact: Some(self.referrer_contact),
            confirm_mixed_script: self.confirm_mixed_script.is_some(),
        })
    }
}
