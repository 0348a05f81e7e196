use diesel::prelude::*;

use super::models::{Stakeholder, StakeholderForm, StakeholderGroup};
use crate::db::schema::{consent_events, stakeholders};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{OrgId, StakeholderId};

pub fn list(
    conn: &mut DbConn, org: OrgId, group: Option<StakeholderGroup>,
) -> AppResult<Vec<Stakeholder>> {
    let mut q = stakeholders::table
        .filter(stakeholders::organisation_id.eq(org))
        .select(Stakeholder::as_select())
        .into_boxed();
    if let Some(g) = group {
        q = q.filter(stakeholders::stakeholder_group.eq(g));
    }
    Ok(q.order((stakeholders::stakeholder_group, stakeholders::name, stakeholders::id))
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, org: OrgId, id: StakeholderId) -> AppResult<Option<Stakeholder>> {
    Ok(stakeholders::table
        .filter(stakeholders::id.eq(id))
        .filter(stakeholders::organisation_id.eq(org))
        .select(Stakeholder::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_email(conn: &mut DbConn, org: OrgId, email: &str) -> AppResult<Option<Stakeholder>> {
    Ok(stakeholders::table
        .filter(stakeholders::organisation_id.eq(org))
        .filter(stakeholders::email.eq(email))
        .select(Stakeholder::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, org: OrgId, form: &StakeholderForm) -> AppResult<Stakeholder> {
    let now = crate::time::now_utc();
    Ok(diesel::insert_into(stakeholders::table)
        .values((
            form,
            stakeholders::organisation_id.eq(org),
            stakeholders::created_at.eq(now),
            stakeholders::updated_at.eq(now),
        ))
        .returning(stakeholders::id)
        .get_result::<i32>(conn)
        .and_then(|id| stakeholders::table.find(id).select(Stakeholder::as_select()).first(conn))?)
}

pub fn update(
    conn: &mut DbConn, org: OrgId, id: StakeholderId, form: &StakeholderForm,
) -> AppResult<usize> {
    Ok(diesel::update(
        stakeholders::table
            .filter(stakeholders::id.eq(id))
            .filter(stakeholders::organisation_id.eq(org)),
    )
    .set((form, stakeholders::updated_at.eq(crate::time::now_utc())))
    .execute(conn)?)
}

/// Removes the contact and their consent history (which refers to the row).
pub fn delete(conn: &mut DbConn, org: OrgId, id: StakeholderId) -> AppResult<usize> {
    diesel::delete(
        consent_events::table
            .filter(consent_events::organisation_id.eq(org))
            .filter(consent_events::stakeholder_id.eq(id)),
    )
    .execute(conn)?;
    Ok(diesel::delete(
        stakeholders::table
            .filter(stakeholders::id.eq(id))
            .filter(stakeholders::organisation_id.eq(org)),
    )
    .execute(conn)?)
}

/// What refers to a contact, counted: (invitations not yet answered, invitations answered,
/// mails about them, lines of consent history).
pub fn traces(conn: &mut DbConn, org: OrgId, id: StakeholderId) -> AppResult<(i64, i64, i64, i64)> {
    use crate::db::schema::{mail_outbox, survey_invitations};
    let invitations = survey_invitations::table.filter(survey_invitations::stakeholder_id.eq(id));
    let open: i64 =
        invitations.filter(survey_invitations::answered_on.is_null()).count().get_result(conn)?;
    let answered: i64 = invitations
        .filter(survey_invitations::answered_on.is_not_null())
        .count()
        .get_result(conn)?;
    let mails: i64 = mail_outbox::table
        .filter(mail_outbox::organisation_id.eq(org))
        .filter(mail_outbox::stakeholder_id.eq(id))
        .count()
        .get_result(conn)?;
    let consent: i64 = consent_events::table
        .filter(consent_events::organisation_id.eq(org))
        .filter(consent_events::stakeholder_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok((open, answered, mails, consent))
}
