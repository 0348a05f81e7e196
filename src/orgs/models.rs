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
