use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::organisations;
use crate::ids::OrgId;

crate::db::text_enum! {
    /// An image an organisation may print on its certificates.
    pub enum ImageKind("organisation image kind") {
        /// The letterhead.
        Logo = "logo",
        Signature = "signature",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    #[schema(value_type = i32)]
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    pub issuer_name: String,
    pub signatory_name: String,
    pub signatory_title: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = organisations)]
pub struct OrganisationInsertForm {
    pub slug: String,
    pub name: String,
    pub issuer_name: String,
    pub signatory_name: String,
    pub signatory_title: String,
    pub created_at: NaiveDateTime,
}

/// Input for a new organisation (and what the form shows again).
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewOrganisation {
    pub slug: String,
    pub name: String,
    pub issuer_name: String,
    pub signatory_name: String,
    pub signatory_title: String,
}

/// A change of an organisation's names (fields left out stay as they are). Certificates
/// issued before keep what they print.
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct OrganisationChange {
    pub name: Option<String>,
    pub issuer_name: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_title: Option<String>,
}

/// A person to invite, as entered (and what the form shows again).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    /// `coordinator`, `trainer` or `referrer`.
    #[schema(schema_with = crate::auth::Role::schema_ref)]
    pub role: String,
}

impl Default for NewAccount {
    fn default() -> Self {
        NewAccount {
            email: String::new(),
            display_name: String::new(),
            role: crate::auth::Role::Trainer.code().into(),
        }
    }
}

/// A change of an account's name or role (fields left out stay as they are).
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    /// `coordinator`, `trainer` or `referrer`.
    #[schema(schema_with = crate::auth::Role::schema_ref)]
    pub role: Option<String>,
}
