use diesel::prelude::*;

use super::models::*;
use crate::db::schema::{certificates, organisations};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

pub fn insert(conn: &mut DbConn, form: &CertificateInsertForm) -> AppResult<Certificate> {
    Ok(diesel::insert_into(certificates::table)
        .values(form)
        .get_result(conn)?)
}

pub fn valid_for(
    conn: &mut DbConn,
    run_id: i32,
    participant_id: i32,
) -> AppResult<Option<Certificate>> {
    Ok(certificates::table
        .filter(certificates::run_id.eq(run_id))
        .filter(certificates::participant_id.eq(participant_id))
        .filter(certificates::status.eq(VALID))
        .select(Certificate::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, org: i32, id: i32) -> AppResult<Certificate> {
    certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::id.eq(id))
        .select(Certificate::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("Die Bescheinigung"))
}

pub fn list_for_run(conn: &mut DbConn, org: i32, run_id: i32) -> AppResult<Vec<Certificate>> {
    Ok(certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::run_id.eq(run_id))
        .order(certificates::id.asc())
        .select(Certificate::as_select())
        .load(conn)?)
}

/// The certificate with a code and its issuer's public name (verification, no org scope:
/// anyone holding the code may check it).
pub fn find_by_code(conn: &mut DbConn, code: &str) -> AppResult<Option<(Certificate, String)>> {
    Ok(certificates::table
        .inner_join(organisations::table)
        .filter(certificates::code.eq(code))
        .select((Certificate::as_select(), organisations::issuer_name))
        .first(conn)
        .optional()?)
}

pub fn revoke(
    conn: &mut DbConn,
    id: i32,
    reason: &str,
    now: chrono::NaiveDateTime,
) -> AppResult<()> {
    diesel::update(certificates::table.find(id))
        .set((
            certificates::status.eq(REVOKED),
            certificates::revoked_at.eq(Some(now)),
            certificates::revocation_reason.eq(Some(reason)),
        ))
        .execute(conn)?;
    Ok(())
}
