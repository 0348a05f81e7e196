use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::stakeholders;
use crate::ids::{OrgId, StakeholderId};

crate::db::text_enum! {
    /// The groups a municipality asks.
    pub enum StakeholderGroup("stakeholder group") {
        Landlord = "landlord",
        SocialWorker = "social_worker",
        HousingCompany = "housing_company",
        Vhs = "vhs",
        Volunteer = "volunteer",
        TargetGroup = "target_group",
        Other = "other",
    }
}

impl StakeholderGroup {
    /// The key of the group's name in `locales/`.
    fn name_key(self) -> &'static str {
        match self {
            StakeholderGroup::Landlord => "group.landlord",
            StakeholderGroup::SocialWorker => "group.social_worker",
            StakeholderGroup::HousingCompany => "group.housing_company",
            StakeholderGroup::Vhs => "group.vhs",
            StakeholderGroup::Volunteer => "group.volunteer",
            StakeholderGroup::TargetGroup => "group.target_group",
            StakeholderGroup::Other => "group.other",
        }
    }

    /// As shown on the coordinator's pages.
    pub fn name(self) -> String {
        self.name_in(crate::i18n::DEFAULT_LANG)
    }

    /// In a language of the UI (an imported list may name the group in English).
    pub fn name_in(self, lang: &str) -> String {
        crate::i18n::text(lang, self.name_key())
    }
}

/// The name of a group code that may be unknown (an imported row): "Sonstige" then.
pub fn group_name(code: &str) -> String {
    StakeholderGroup::from_code(code).unwrap_or(StakeholderGroup::Other).name()
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = stakeholders)]
pub struct Stakeholder {
    #[schema(value_type = i32)]
    pub id: StakeholderId,
    #[serde(skip)]
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    pub stakeholder_group: StakeholderGroup,
    pub name: String,
    /// The contact's own organisation (a housing company, a counselling service).
    pub organisation_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_language: String,
    /// Agreed to be contacted (invitations and reminders by email need it).
    pub contact_consent: bool,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = stakeholders)]
#[diesel(treat_none_as_null = true)]
pub struct StakeholderForm {
    pub stakeholder_group: StakeholderGroup,
    pub name: String,
    pub organisation_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_language: String,
    pub contact_consent: bool,
}

/// A contact as entered in the form, the API or one import row (not yet checked).
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewStakeholder {
    #[schema(schema_with = StakeholderGroup::schema_ref)]
    pub stakeholder_group: String,
    pub name: String,
    pub organisation_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Language code: de, en, ar, fa, uk, ru, tr, ti, ps, or de-simple (German in Leichte
    /// Sprache); German when empty.
    pub preferred_language: String,
    pub contact_consent: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read_as_entered_and_named() {
        for g in StakeholderGroup::ALL {
            assert_eq!(StakeholderGroup::from_entered(g.code()), Some(g));
            assert_eq!(
                StakeholderGroup::from_entered(&format!(" {} ", g.code().to_uppercase())),
                Some(g)
            );
            assert_eq!(group_name(g.code()), g.name());
        }
        assert_eq!(StakeholderGroup::from_entered("mayor"), None);
        assert_eq!(group_name("mayor"), "Sonstige", "an unknown code of an import row");
        let mut names: Vec<String> = StakeholderGroup::ALL.iter().map(|g| g.name()).collect();
        names.extend(StakeholderGroup::ALL.iter().map(|g| g.name_in("en")));
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "an import names each group in one way only");
    }
}
