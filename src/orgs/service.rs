//! The organisations' use cases: an admin creates and corrects organisations and sees their
//! accounts and API tokens (the accounts themselves: [`super::team`]); the command line
//! finds an organisation by its short name.

use serde::Serialize;

use super::models::{
    ImageKind, NewAccount, NewOrganisation, Organisation, OrganisationChange,
    OrganisationInsertForm,
};
use super::repo;
use super::team::{self, AccountLine, RoleChoice, Scope};
use crate::audit;
use crate::auth::service::TokenLine;
use crate::auth::{self, Actor, Role};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::OrgId;
use crate::validate::printable::{self, Printed};

pub fn create(
    conn: &mut DbConn, actor: Option<&Actor>, input: NewOrganisation,
) -> AppResult<Organisation> {
    if let Some(a) = actor {
        a.require(&[Role::Admin])?;
    }
    let slug = input.slug.trim().to_lowercase();
    if slug.is_empty()
        || slug.len() > 40
        || !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(AppError::invalid("slug", Text::key("error.orgs.slug")));
    }
    let form = OrganisationInsertForm {
        slug,
        // The name prints as the place of the sample certificate.
        name: printable::printed_text("name", "label.name", &input.name, 200, Printed::Text)?,
        issuer_name: printable::printed_text(
            "issuer_name",
            "label.issuer_name",
            &input.issuer_name,
            200,
            Printed::Text,
        )?,
        signatory_name: printable::printed_text(
            "signatory_name",
            "label.signatory_name",
            &input.signatory_name,
            120,
            Printed::Text,
        )?,
        signatory_title: printable::optional_printed_text(
            "signatory_title",
            "label.signatory_title",
            Some(&input.signatory_title),
            120,
            Printed::Text,
        )?
        .unwrap_or_default(),
        created_at: crate::time::now_utc(),
    };
    if repo::find_by_slug(conn, &form.slug)?.is_some() {
        return Err(AppError::conflict("error.orgs.slug_taken"));
    }
    let org = repo::insert(conn, &form)?;
    audit::Entry::new(Some(org.id), actor.map(|a| a.user_id), "organisation.create")
        .on("organisation", Some(org.id.into()))
        .record(conn)?;
    Ok(org)
}

/// The organisation with this short name (for the operator's command line, which acts
/// without a logged-in user).
pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> AppResult<Option<Organisation>> {
    repo::find_by_slug(conn, slug)
}

/// Every organisation of the deployment, by name (admins only).
pub fn organisations(conn: &mut DbConn, actor: &Actor) -> AppResult<Vec<Organisation>> {
    actor.require(&[Role::Admin])?;
    repo::list(conn)
}

/// Every organisation, for the operator's `mietschulung check` (no actor: the CLI).
pub fn all(conn: &mut DbConn) -> AppResult<Vec<Organisation>> {
    repo::list(conn)
}

/// What a new organisation needs from the moment it exists, made in its creation's
/// transaction: its certificate signing key, so the key is published before the first
/// certificate. The certificates domain (a layer above) provides it through start-up.
#[allow(clippy::type_complexity)]
#[derive(Clone)]
pub struct OrganisationSetup(
    pub std::sync::Arc<dyn Fn(&mut DbConn, OrgId, &Actor) -> AppResult<()> + Send + Sync>,
);

/// An admin creates an organisation from the browser.
pub fn add(
    conn: &mut DbConn, actor: &Actor, input: NewOrganisation, setup: &OrganisationSetup,
) -> AppResult<Organisation> {
    actor.require(&[Role::Admin])?;
    crate::db::write_transaction(conn, |c| {
        let org = create(c, Some(actor), input)?;
        (setup.0)(c, org.id, actor)?;
        Ok(org)
    })
}

#[derive(Debug, Serialize)]
pub struct OrganisationsPage {
    pub organisations: Vec<Organisation>,
    /// What the new-organisation form shows: empty, or the input that was refused.
    pub form: NewOrganisation,
}

pub fn organisations_page(conn: &mut DbConn, actor: &Actor) -> AppResult<OrganisationsPage> {
    Ok(OrganisationsPage {
        organisations: organisations(conn, actor)?,
        form: NewOrganisation::default(),
    })
}

/// One organisation for its admin: its names, its accounts, their API tokens, and the
/// invitation form.
#[derive(Debug, Serialize)]
pub struct OrganisationPage {
    pub organisation: Organisation,
    pub accounts: Vec<AccountLine>,
    pub tokens: Vec<TokenLine>,
    pub form: NewAccount,
    pub roles: Vec<RoleChoice>,
    /// What the form for the organisation's names shows.
    pub names: NewOrganisation,
}

pub fn organisation_page(
    conn: &mut DbConn, actor: &Actor, org_id: OrgId,
) -> AppResult<OrganisationPage> {
    actor.require(&[Role::Admin])?;
    let organisation = repo::get(conn, org_id)?;
    let accounts = team::list(conn, actor, Scope::Organisation(org_id))?
        .into_iter()
        .map(|a| team::line(actor, a))
        .collect();
    let tokens = auth::service::organisation_tokens(conn, actor, org_id)?
        .iter()
        .map(TokenLine::from)
        .collect();
    let form = NewAccount::default();
    let names = NewOrganisation {
        slug: organisation.slug.clone(),
        name: organisation.name.clone(),
        issuer_name: organisation.issuer_name.clone(),
        signatory_name: organisation.signatory_name.clone(),
        signatory_title: organisation.signatory_title.clone(),
    };
    Ok(OrganisationPage {
        organisation,
        accounts,
        tokens,
        roles: team::role_choices(&form.role),
        form,
        names,
    })
}

/// One organisation, for an admin.
pub fn organisation(conn: &mut DbConn, actor: &Actor, org_id: OrgId) -> AppResult<Organisation> {
    actor.require(&[Role::Admin])?;
    repo::get(conn, org_id)
}

/// An admin corrects an organisation's names (the short name stays: the command line
/// knows the organisation by it). Certificates issued before keep what they print.
pub fn update(
    conn: &mut DbConn, actor: &Actor, org_id: OrgId, change: OrganisationChange,
) -> AppResult<Organisation> {
    actor.require(&[Role::Admin])?;
    let current = repo::get(conn, org_id)?;
    let printed =
        |field: &'static str, label: &'static str, value: Option<String>, now: &str, max| {
            match value {
                Some(v) => printable::printed_text(field, label, &v, max, Printed::Text),
                None => Ok(now.to_string()),
            }
        };
    let name = printed("name", "label.name", change.name, &current.name, 200)?;
    let issuer_name =
        printed("issuer_name", "label.issuer_name", change.issuer_name, &current.issuer_name, 200)?;
    let signatory_name = printed(
        "signatory_name",
        "label.signatory_name",
        change.signatory_name,
        &current.signatory_name,
        120,
    )?;
    let signatory_title = match change.signatory_title {
        Some(t) => printable::optional_printed_text(
            "signatory_title",
            "label.signatory_title",
            Some(&t),
            120,
            Printed::Text,
        )?
        .unwrap_or_default(),
        None => current.signatory_title.clone(),
    };
    crate::db::write_transaction(conn, |conn| {
        repo::update_names(conn, org_id, &name, &issuer_name, &signatory_name, &signatory_title)?;
        audit::Entry::new(Some(org_id), Some(actor.user_id), "organisation.update")
            .on("organisation", Some(org_id.into()))
            .record(conn)?;
        repo::get(conn, org_id)
    })
}

// Lookups and image storage for the use cases of the domains above, which have checked
// the caller's organisation already.

/// The organisation (its issuer name and signatory are printed on certificates).
pub fn get(conn: &mut DbConn, org_id: OrgId) -> AppResult<Organisation> {
    repo::get(conn, org_id)
}

/// The organisation's logo or signature image as stored: (content type, bytes).
pub fn image(
    conn: &mut DbConn, org_id: OrgId, kind: ImageKind,
) -> AppResult<Option<(String, Vec<u8>)>> {
    repo::image(conn, org_id, kind)
}

pub fn set_image(
    conn: &mut DbConn, org_id: OrgId, kind: ImageKind, content_type: &str, bytes: &[u8],
) -> AppResult<()> {
    repo::set_image(conn, org_id, kind, content_type, bytes, crate::time::now_utc())
}

pub fn delete_image(conn: &mut DbConn, org_id: OrgId, kind: ImageKind) -> AppResult<()> {
    repo::delete_image(conn, org_id, kind)
}
