//! The accounts of an organisation, as an admin (any organisation) or the organisation's
//! coordinators (the "Team" page) manage them: invitations by mail, name and role,
//! deactivation and reactivation.
//!
//! Rules:
//! - Coordinators invite coordinators, trainers and referrers into their own
//!   organisation; admins do the same for any organisation. Nobody becomes an admin here
//!   (the operator's `user create` makes the first one).
//! - An invitation creates the account without a password and mails a link valid 7 days
//!   (`auth::links`); inviting again sends a new link and ends the old one.
//! - An account of another organisation is not found (404) whoever asks; trainers and
//!   referrers are refused (403).
//! - A coordinator cannot leave the organisation without an active coordinator by
//!   deactivating or demoting themselves (409).
//! - Deactivating ends the account's sessions, API tokens and links at once; a new role
//!   applies from the account's next request on. Every change is in the audit log.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::models::{AccountChange, NewAccount, Organisation};
use super::repo;
use crate::auth::models::{AccountStatus, LinkPurpose, User};
use crate::auth::{self, links, Actor, Role};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{OrgId, UserId};
use crate::mail::outbox::{self, About};
use crate::validate;

/// Whose accounts: the caller's own organisation (a coordinator), or the organisation an
/// admin names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Own,
    Organisation(OrgId),
}

/// The organisation of the team, once the caller may manage it.
fn team_org(conn: &mut DbConn, actor: &Actor, scope: Scope) -> AppResult<Organisation> {
    match scope {
        Scope::Own => {
            let org = actor.coordinator_org()?;
            repo::get(conn, org)
        }
        Scope::Organisation(org) => {
            actor.require(&[Role::Admin])?;
            repo::get(conn, org)
        }
    }
}

/// The roles an account of an organisation can have, in the order forms offer them.
pub const ROLES: [Role; 3] = [Role::Coordinator, Role::Trainer, Role::Referrer];

/// A role an organisation's account can have ([`ROLES`]); admins and programme accounts
/// belong to no organisation.
fn organisation_role(code: &str) -> AppResult<Role> {
    match Role::parse(code)? {
        Role::Admin | Role::Programme => {
            Err(AppError::invalid("role", Text::key("error.orgs.admin_in_org")))
        }
        role => Ok(role),
    }
}

/// The locale key of a role's name.
pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "account.role.admin",
        Role::Coordinator => "account.role.coordinator",
        Role::Trainer => "account.role.trainer",
        Role::Referrer => "account.role.referrer",
        Role::Programme => "account.role.programme",
    }
}

fn status_key(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Active => "account.status.active",
        AccountStatus::Invited => "account.status.invited",
        AccountStatus::Deactivated => "account.status.deactivated",
    }
}

/// An account as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Account {
    #[schema(value_type = i32)]
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// `active`, `invited` (no password chosen yet) or `deactivated`.
    pub status: AccountStatus,
    #[serde(serialize_with = "crate::time::utc")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    /// Until when the invitation's link works; only while the account is invited and
    /// the link has not expired.
    #[serde(serialize_with = "crate::time::utc_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub invitation_expires_at: Option<NaiveDateTime>,
}

fn account(user: User, invitation: Option<NaiveDateTime>) -> Account {
    let status = user.status();
    Account {
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        role: user.role,
        status,
        created_at: user.created_at,
        invitation_expires_at: invitation.filter(|_| status == AccountStatus::Invited),
    }
}

fn account_of(conn: &mut DbConn, org: OrgId, id: UserId) -> AppResult<Account> {
    let user = auth::service::account_in(conn, org, id)?;
    let invitation = auth::service::open_invitations(conn, org)?.get(&id).copied();
    Ok(account(user, invitation))
}

/// The accounts of the team, by name.
pub fn list(conn: &mut DbConn, actor: &Actor, scope: Scope) -> AppResult<Vec<Account>> {
    let org = team_org(conn, actor, scope)?;
    let invitations = auth::service::open_invitations(conn, org.id)?;
    Ok(auth::service::accounts_in(conn, org.id)?
        .into_iter()
        .map(|u| {
            let until = invitations.get(&u.id).copied();
            account(u, until)
        })
        .collect())
}

/// One account of the team.
pub fn get(conn: &mut DbConn, actor: &Actor, scope: Scope, id: UserId) -> AppResult<Account> {
    let org = team_org(conn, actor, scope)?;
    account_of(conn, org.id, id)
}

/// Mails the invitation with a new link (the account's earlier invitation links end).
fn send_invitation(
    conn: &mut DbConn, actor: &Actor, org: &Organisation, user: &User, public_url: &str,
) -> AppResult<NaiveDateTime> {
    let purpose = LinkPurpose::Invitation;
    let (secret, expires) = links::issue(conn, user, purpose)?;
    let lang = crate::i18n::DEFAULT_LANG;
    let ctx = json!({
        "name": user.display_name,
        "organisation": org.name,
        "inviter": actor.display_name,
        "role": crate::i18n::text(lang, role_key(user.role)),
        "link": links::url(public_url, purpose, &secret),
        "days": purpose.valid_for().num_days(),
        "expires": crate::time::fmt_datetime(expires),
    });
    outbox::enqueue(
        conn,
        Some(org.id),
        About::Nobody,
        &user.email,
        "account_invitation",
        &ctx,
        None,
    )?;
    Ok(expires)
}

/// Invites a person: the account (without a password) and the mail with its link.
pub fn invite(
    conn: &mut DbConn, actor: &Actor, scope: Scope, input: NewAccount, public_url: &str,
) -> AppResult<Account> {
    let org = team_org(conn, actor, scope)?;
    let role = organisation_role(&input.role)?;
    crate::db::write_transaction(conn, |conn| {
        let user = auth::service::create_invited(
            conn,
            actor,
            org.id,
            &input.email,
            &input.display_name,
            role,
        )?;
        let expires = send_invitation(conn, actor, &org, &user, public_url)?;
        Ok(account(user, Some(expires)))
    })
}

/// Sends an invited person a new link; the old one ends. Only for accounts whose person
/// has not chosen a password yet (409 otherwise: they use "Passwort vergessen?").
pub fn invite_again(
    conn: &mut DbConn, actor: &Actor, scope: Scope, id: UserId, public_url: &str,
) -> AppResult<Account> {
    let org = team_org(conn, actor, scope)?;
    crate::db::write_transaction(conn, |conn| {
        let user = auth::service::account_in(conn, org.id, id)?;
        match user.status() {
            AccountStatus::Invited => {}
            AccountStatus::Active => {
                return Err(AppError::conflict("error.account.already_set_up"))
            }
            AccountStatus::Deactivated => {
                return Err(AppError::conflict("error.account.invite_deactivated"))
            }
        }
        let expires = send_invitation(conn, actor, &org, &user, public_url)?;
        crate::audit::Entry::new(Some(org.id), Some(actor.user_id), "user.invite_again")
            .on("user", Some(user.id.into()))
            .record(conn)?;
        Ok(account(user, Some(expires)))
    })
}

/// Refuses what would leave the organisation without an active coordinator because its
/// coordinator deactivates or demotes themselves.
fn keep_a_coordinator(conn: &mut DbConn, actor: &Actor, org: OrgId, user: &User) -> AppResult<()> {
    if actor.user_id == user.id
        && user.role == Role::Coordinator
        && user.active
        && auth::service::other_coordinators(conn, org, user.id)? == 0
    {
        return Err(AppError::conflict("error.account.last_coordinator"));
    }
    Ok(())
}

/// The name and role a change leads to, checked.
fn checked(
    conn: &mut DbConn, actor: &Actor, org: OrgId, user: &User, change: &AccountChange,
) -> AppResult<(String, Role)> {
    let name = match &change.display_name {
        Some(n) => validate::required_text("display_name", "label.name", n, 120)?,
        None => user.display_name.clone(),
    };
    let role = match &change.role {
        Some(r) => organisation_role(r)?,
        None => user.role,
    };
    if role == Role::Admin && user.role != Role::Admin {
        return Err(AppError::invalid("role", Text::key("error.orgs.admin_in_org")));
    }
    if role != Role::Coordinator {
        keep_a_coordinator(conn, actor, org, user)?;
    }
    Ok((name, role))
}

/// What a change of name and role will do, checked but not saved (the page before it).
#[derive(Debug, Serialize)]
pub struct ChangePreview {
    pub account: Account,
    pub display_name: String,
    pub role: Role,
}

impl ChangePreview {
    pub fn renames(&self) -> bool {
        self.display_name != self.account.display_name
    }

    pub fn changes_role(&self) -> bool {
        self.role != self.account.role
    }
}

pub fn preview_change(
    conn: &mut DbConn, actor: &Actor, scope: Scope, id: UserId, change: &AccountChange,
) -> AppResult<ChangePreview> {
    let org = team_org(conn, actor, scope)?;
    let user = auth::service::account_in(conn, org.id, id)?;
    let (display_name, role) = checked(conn, actor, org.id, &user, change)?;
    Ok(ChangePreview { account: account_of(conn, org.id, id)?, display_name, role })
}

/// Changes an account's name and role.
pub fn update(
    conn: &mut DbConn, actor: &Actor, scope: Scope, id: UserId, change: AccountChange,
) -> AppResult<Account> {
    let org = team_org(conn, actor, scope)?;
    crate::db::write_transaction(conn, |conn| {
        // One change of an organisation's accounts at a time: two coordinators demoting
        // themselves at once cannot both see the other one staying.
        crate::db::dialect::lock_for_update(conn, "organisations", org.id)?;
        let user = auth::service::account_in(conn, org.id, id)?;
        let (name, role) = checked(conn, actor, org.id, &user, &change)?;
        if name != user.display_name {
            auth::service::rename(conn, actor, &user, &name)?;
        }
        if role != user.role {
            auth::service::change_role(conn, actor, &user, role)?;
        }
        account_of(conn, org.id, id)
    })
}

/// What (de)activating an account will do: the sessions and API tokens it ends, and
/// whether it is refused (the last coordinator deactivating themselves).
#[derive(Debug, Serialize)]
pub struct ActivePreview {
    pub account: Account,
    pub active: bool,
    pub sessions: i64,
    pub tokens: i64,
    pub last_coordinator: bool,
}

pub fn preview_active(
    conn: &mut DbConn, actor: &Actor, scope: Scope, id: UserId, active: bool,
) -> AppResult<ActivePreview> {
    let org = team_org(conn, actor, scope)?;
    let user = auth::service::account_in(conn, org.id, id)?;
    let (sessions, tokens) = auth::service::live_access_of(conn, id)?;
    let last_coordinator = !active && keep_a_coordinator(conn, actor, org.id, &user).is_err();
    Ok(ActivePreview {
        account: account_of(conn, org.id, id)?,
        active,
        sessions,
        tokens,
        last_coordinator,
    })
}

/// Deactivates (ending its sessions, API tokens and links at once) or reactivates an
/// account. Doing it again changes nothing.
pub fn set_active(
    conn: &mut DbConn, actor: &Actor, scope: Scope, id: UserId, active: bool,
) -> AppResult<Account> {
    let org = team_org(conn, actor, scope)?;
    crate::db::write_transaction(conn, |conn| {
        crate::db::dialect::lock_for_update(conn, "organisations", org.id)?;
        let user = auth::service::account_in(conn, org.id, id)?;
        if !active {
            keep_a_coordinator(conn, actor, org.id, &user)?;
        }
        if user.active != active {
            auth::service::change_active(conn, actor, &user, active)?;
        }
        account_of(conn, org.id, id)
    })
}

// What the pages show.

/// A role as a form offers it.
#[derive(Debug, Serialize)]
pub struct RoleChoice {
    pub code: Role,
    pub key: &'static str,
    pub selected: bool,
}

pub fn role_choices(selected: &str) -> Vec<RoleChoice> {
    ROLES
        .iter()
        .map(|r| RoleChoice { code: *r, key: role_key(*r), selected: r.code() == selected.trim() })
        .collect()
}

/// An account as a list on a page shows it.
#[derive(Debug, Serialize)]
pub struct AccountLine {
    #[serde(flatten)]
    pub account: Account,
    pub role_key: &'static str,
    pub status_key: &'static str,
    pub invitation_until: Option<String>,
    pub is_self: bool,
}

pub fn line(actor: &Actor, account: Account) -> AccountLine {
    AccountLine {
        role_key: role_key(account.role),
        status_key: status_key(account.status),
        invitation_until: account.invitation_expires_at.map(crate::time::fmt_datetime),
        is_self: account.id == actor.user_id,
        account,
    }
}

/// The team page: the organisation's accounts and the invitation form.
#[derive(Debug, Serialize)]
pub struct TeamPage {
    pub organisation: Organisation,
    pub accounts: Vec<AccountLine>,
    pub form: NewAccount,
    pub roles: Vec<RoleChoice>,
}

pub fn team_page(conn: &mut DbConn, actor: &Actor, scope: Scope) -> AppResult<TeamPage> {
    let organisation = team_org(conn, actor, scope)?;
    let accounts = list(conn, actor, scope)?.into_iter().map(|a| line(actor, a)).collect();
    let form = NewAccount::default();
    Ok(TeamPage { organisation, accounts, roles: role_choices(&form.role), form })
}

/// The page of one account: its name and role to change, and what else can be done.
#[derive(Debug, Serialize)]
pub struct AccountPage {
    pub organisation: Organisation,
    pub account: AccountLine,
    pub form: AccountFields,
    pub roles: Vec<RoleChoice>,
}

/// What the change form shows: the account's, or what was typed.
#[derive(Debug, Serialize)]
pub struct AccountFields {
    pub display_name: String,
    pub role: String,
}

pub fn account_page(
    conn: &mut DbConn, actor: &Actor, scope: Scope, id: UserId, typed: Option<AccountChange>,
) -> AppResult<AccountPage> {
    let organisation = team_org(conn, actor, scope)?;
    let account = account_of(conn, organisation.id, id)?;
    let typed = typed.unwrap_or_default();
    let form = AccountFields {
        display_name: typed.display_name.unwrap_or_else(|| account.display_name.clone()),
        role: typed.role.unwrap_or_else(|| account.role.code().to_string()),
    };
    Ok(AccountPage {
        organisation,
        account: line(actor, account),
        roles: role_choices(&form.role),
        form,
    })
}
