use super::models::{NewOrganisation, Organisation, OrganisationInsertForm};
use super::repo;
use crate::audit;
use crate::auth::{Actor, Role};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::validate;

pub fn create(
    conn: &mut DbConn,
    actor: Option<&Actor>,
    input: NewOrganisation,
) -> AppResult<Organisation> {
    if let Some(a) = actor {
        a.require(&[Role::Admin])?;
    }
    let slug = input.slug.trim().to_lowercase();
    if slug.is_empty()
        || slug.len() > 40
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(AppError::invalid(
            "slug",
            "Das Kürzel darf nur Kleinbuchstaben, Ziffern und Bindestriche enthalten (höchstens 40 Zeichen).",
        ));
    }
    let form = OrganisationInsertForm {
        slug,
        name: validate::required_text("name", "Name", &input.name, 200)?,
        issuer_name: validate::required_text(
            "issuer_name",
            "Ausstellende Stelle",
            &input.issuer_name,
            200,
        )?,
        signatory_name: validate::required_text(
            "signatory_name",
            "Unterzeichnende Person",
            &input.signatory_name,
            120,
        )?,
        signatory_title: validate::optional_text(
            "signatory_title",
            "Funktion",
            Some(&input.signatory_title),
            120,
        )?
        .unwrap_or_default(),
        created_at: crate::time::now_utc(),
    };
    if repo::find_by_slug(conn, &form.slug)?.is_some() {
        return Err(AppError::Conflict(
            "Eine Organisation mit diesem Kürzel gibt es schon.".into(),
        ));
    }
    let org = repo::insert(conn, &form)?;
    audit::record(
        conn,
        Some(org.id),
        actor.map(|a| a.user_id),
        "organisation.create",
        "organisation",
        Some(org.id),
        "",
    )?;
    Ok(org)
}

/// The organisation with this short name (for the operator's command line, which acts
/// without a logged-in user).
pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> AppResult<Option<Organisation>> {
    repo::find_by_slug(conn, slug)
}
