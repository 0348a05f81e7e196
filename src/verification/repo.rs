//! The SQL of verification: what the offline check needs beyond the certificates' own
//! tables.

use diesel::prelude::*;

use crate::db::schema::courses;
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
