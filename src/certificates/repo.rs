use diesel::prelude::*;

use super::models::*;
use crate::db::schema::{certificate_checks, certificates, organisations};
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

/// (certificate id, total checks, last day checked) for a run's certificates.
pub fn check_counts_for_run(
    conn: &mut DbConn,
    org: i32,
    run_id: i32,
) -> AppResult<Vec<(i32, i64, Option<chrono::NaiveDate>)>> {
    let rows: Vec<(i32, chrono::NaiveDate, i32)> = certificate_checks::table
        .inner_join(certificates::table)
        .filter(certificate_checks::organisation_id.eq(org))
        .filter(certificates::run_id.eq(run_id))
        .select((
            certificate_checks::certificate_id,
            certificate_checks::day,
            certificate_checks::checks,
        ))
        .load(conn)?;
    let mut out: Vec<(i32, i64, Option<chrono::NaiveDate>)> = Vec::new();
    for (id, day, n) in rows {
        match out.iter_mut().find(|(c, _, _)| *c == id) {
            Some(entry) => {
                entry.1 += i64::from(n);
                entry.2 = entry.2.max(Some(day));
            }
            None => out.push((id, i64::from(n), Some(day))),
        }
    }
    Ok(out)
}
