//! The organisations' use cases: an admin creates organisations and their accounts, and
//! sees their API tokens; the command line finds an organisation by its short name.

use serde::Serialize;

use super::models::{ImageKind, NewOrganisation, Organisation, OrganisationInsertForm};
use super::repo;
use crate::audit;
use crate::auth::service::{NewUser, TokenLine};
use crate::auth::{self, Actor, Role};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{OrgId, UserId};
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

/// One organisation for its admin: its accounts, their API tokens, and the form for a new
/// account.
#[derive(Debug, Serialize)]
pub struct OrganisationPage {
    pub organisation: Organisation,
    pub users: Vec<AccountLine>,
    pub tokens: Vec<TokenLine>,
    pub form: AccountFields,
}

#[derive(Debug, Serialize)]
pub struct AccountLine {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub active: bool,
}

/// What the new-account form shows (never the password).
#[derive(Debug, Serialize)]
pub struct AccountFields {
    pub email: String,
    pub display_name: String,
    pub role: String,
}

impl Default for AccountFields {
    fn default() -> Self {
        AccountFields {
            email: String::new(),
            display_name: String::new(),
            role: Role::Coordinator.code().into(),
        }
    }
}

pub fn organisation_page(
    conn: &mut DbConn, actor: &Actor, org_id: OrgId,
) -> AppResult<OrganisationPage> {
    actor.require(&[Role::Admin])?;
    let organisation = repo::get(conn, org_id)?;
    let users = auth::service::accounts_of(conn, actor, org_id)?
        .into_iter()
        .map(|u| AccountLine {
            id: u.id,
            display_name: u.display_name,
            email: u.email,
            role: u.role,
            active: u.active,
        })
        .collect();
    let tokens = auth::service::organisation_tokens(conn, actor, org_id)?
        .iter()
        .map(TokenLine::from)
        .collect();
    Ok(OrganisationPage { organisation, users, tokens, form: AccountFields::default() })
}

/// A new account of an organisation, as an admin enters it.
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: String,
}

/// An admin adds a coordinator or trainer to an organisation.
pub fn add_account(
    conn: &mut DbConn, actor: &Actor, org_id: OrgId, input: NewAccount,
) -> AppResult<auth::models::User> {
    actor.require(&[Role::Admin])?;
    repo::get(conn, org_id)?;
    let role = Role::parse(&input.role)?;
    if role == Role::Admin {
        return Err(AppError::invalid("role", Text::key("error.orgs.admin_in_org")));
    }
    auth::service::create_user(
        conn,
        Some(actor),
        NewUser {
            organisation_id: Some(org_id),
            email: input.email,
            display_name: input.display_name,
            password: input.password,
            role,
        },
    )
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
