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
    /// The group of a code as entered: case and surrounding blanks do not matter.
    pub fn parse(code: &str) -> Option<StakeholderGroup> {
        StakeholderGroup::from_code(&code.trim().to_lowercase())
    }

    /// As shown (German).
    pub fn name(self) -> &'static str {
        match self {
            StakeholderGroup::Landlord => "Vermieter/in",
            StakeholderGroup::SocialWorker => "Sozialarbeit",
            StakeholderGroup::HousingCompany => "Wohnungsunternehmen / Genossenschaft",
            StakeholderGroup::Vhs => "Volkshochschule (VHS)",
            StakeholderGroup::Volunteer => "Ehrenamt",
            StakeholderGroup::TargetGroup => "Zielgruppe (Neuzugewanderte)",
            StakeholderGroup::Other => "Sonstige",
        }
    }

    /// In English (an imported list may name the group so).
    pub fn name_en(self) -> &'static str {
        match self {
            StakeholderGroup::Landlord => "Landlord",
            StakeholderGroup::SocialWorker => "Social worker",
            StakeholderGroup::HousingCompany => "Housing company or cooperative",
            StakeholderGroup::Vhs => "Adult education centre (VHS)",
            StakeholderGroup::Volunteer => "Volunteer",
            StakeholderGroup::TargetGroup => "Target group",
            StakeholderGroup::Other => "Other",
        }
    }
}

/// The name of a group code that may be unknown (an imported row): "Sonstige" then.
pub fn group_name(code: &str) -> &'static str {
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
    /// Language code, e.g. "de", "ar", "uk"; German when empty.
    pub preferred_language: String,
    pub contact_consent: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read_as_entered_and_named() {
        for g in StakeholderGroup::ALL {
            assert_eq!(StakeholderGroup::parse(g.code()), Some(g));
            assert_eq!(StakeholderGroup::parse(&format!(" {} ", g.code().to_uppercase())), Some(g));
            assert_eq!(group_name(g.code()), g.name());
        }
        assert_eq!(StakeholderGroup::parse("mayor"), None);
        assert_eq!(group_name("mayor"), "Sonstige", "an unknown code of an import row");
        let mut names: Vec<&str> = StakeholderGroup::ALL.iter().map(|g| g.name()).collect();
        names.extend(StakeholderGroup::ALL.iter().map(|g| g.name_en()));
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "an import names each group in one way only");
    }
}
