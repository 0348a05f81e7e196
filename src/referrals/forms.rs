//! The registration form of a referrer, read into a `NewReferral`; a refused form is shown
//! again with what was typed.

use serde::Deserialize;

use super::models::NewReferral;
use super::service::ReferralFields;
use crate::error::AppResult;
use crate::validate;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferralForm {
    pub run_id: String,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub email: String,
    pub phone: String,
    pub consent: Option<String>,
    pub confirm_mixed_script: Option<String>,
}

impl ReferralForm {
    pub fn echo(&self) -> ReferralFields {
        ReferralFields {
            run_id: self.run_id.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            preferred_language: self.preferred_language.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            consent: self.consent.is_some(),
            confirm_mixed_script: self.confirm_mixed_script.is_some(),
        }
    }

    pub fn parse(self) -> AppResult<NewReferral> {
        let run_id = validate::id("run_id", "ref.label.run", self.run_id.trim())?;
        Ok(NewReferral {
            run_id,
            given_name: self.given_name,
            family_name: self.family_name,
            preferred_language: self.preferred_language,
            email: Some(self.email),
            phone: Some(self.phone),
            consent: self.consent.is_some(),
            confirm_mixed_script: self.confirm_mixed_script.is_some(),
        })
    }
}
