//! The SQL of verification: what the offline check needs beyond the certificates' own
//! tables.

use diesel::prelude::*;

use crate::db::schema::{certificate_profiles, courses};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::OrgId;

/// Every course's organisation, code and title, archived ones too: an old certificate
/// names an archived course.
pub fn course_titles(conn: &mut DbConn) -> AppResult<Vec<(OrgId, String, String)>> {
    Ok(courses::table
        .order((courses::organisation_id.asc(), courses::id.asc()))
        .select((courses::organisation_id, courses::code, courses::title))
        .load(conn)?)
}

/// Every organisation's address, phone and e-mail from its certificate settings (an
/// organisation without settings has no row).
pub fn issuer_contacts(conn: &mut DbConn) -> AppResult<Vec<(OrgId, String, String, String)>> {
    Ok(certificate_profiles::table
        .select((
            certificate_profiles::organisation_id,
            certificate_profiles::issuer_address,
            certificate_profiles::contact_phone,
            certificate_profiles::contact_email,
        ))
        .load(conn)?)
}
