//! Pages of the logged-in UI of orgs: each handler parses the request, calls one use case and answers.
//!
//! The accounts of an organisation have the same pages in two places: `/team` for the
//! organisation's coordinators, `/admin/organisations/{id}/users` for admins.

use actix_web::{get, post, web};
use serde::{Deserialize, Serialize};

use super::models::{AccountChange, NewAccount, NewOrganisation, OrganisationChange};
use super::service;
use super::team::{self, Scope};
use crate::error::{AppError, PageResult};
use crate::i18n::{self, Text};
use crate::ids::{OrgId, TokenId, UserId};
use crate::web::{confirm, Confirmation, EmptyForm, Form, Id, PublicUrl, Ui};

const LIST: &str = "pages/orgs/list";
const SHOW: &str = "pages/orgs/show";
const TEAM: &str = "pages/orgs/team";
const ACCOUNT: &str = "pages/orgs/account";

#[get("/admin/organisations")]
async fn list(ui: Ui) -> PageResult {
    ui.show(LIST, "title.organisations", service::organisations_page).await
}

#[post("/admin/organisations")]
async fn create(
    ui: Ui, setup: web::Data<service::OrganisationSetup>, Form(form): Form<NewOrganisation>,
) -> PageResult {
    let echo = form.clone();
    let setup = setup.get_ref().clone();
    match ui.run(move |conn, actor| service::add(conn, actor, form, &setup)).await {
        Ok(org) => ui.done(
            &format!("/admin/organisations/{}", org.id),
            &Text::key("done.organisation_created"),
        ),
        Err(e) => {
            let mut data = ui.run(service::organisations_page).await?;
            data.form = echo;
            ui.page_with_error(LIST, "title.organisations", &data, e)
        }
    }
}

#[get("/admin/organisations/{id}")]
async fn show(ui: Ui, id: Id<OrgId>) -> PageResult {
    let org = *id;
    let data = ui.run(move |conn, actor| service::organisation_page(conn, actor, org)).await?;
    ui.page(SHOW, "title.organisation", &here(admin(org), &data))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NamesForm {
    name: String,
    issuer_name: String,
    signatory_name: String,
    signatory_title: String,
}

/// An admin corrects the organisation's names.
#[post("/admin/organisations/{id}")]
async fn update_organisation(ui: Ui, id: Id<OrgId>, Form(form): Form<NamesForm>) -> PageResult {
    let org_id = *id;
    let change = OrganisationChange {
        name: Some(form.name),
        issuer_name: Some(form.issuer_name),
        signatory_name: Some(form.signatory_name),
        signatory_title: Some(form.signatory_title),
    };
    let echo = change.clone();
    match ui.run(move |conn, actor| service::update(conn, actor, org_id, change)).await {
        Ok(_) => back_to_organisation(&ui, org_id, "done.account_organisation_saved"),
        Err(e) => {
            let mut data =
                ui.run(move |conn, actor| service::organisation_page(conn, actor, org_id)).await?;
            data.names.name = echo.name.unwrap_or_default();
            data.names.issuer_name = echo.issuer_name.unwrap_or_default();
            data.names.signatory_name = echo.signatory_name.unwrap_or_default();
            data.names.signatory_title = echo.signatory_title.unwrap_or_default();
            ui.page_with_error(SHOW, "title.organisation", &here(admin(org_id), &data), e)
        }
    }
}

/// Back to the organisation's page, confirming `done`.
fn back_to_organisation(ui: &Ui, org_id: OrgId, done: &'static str) -> PageResult {
    ui.done(&format!("/admin/organisations/{org_id}"), &Text::key(done))
}

#[post("/admin/organisations/{id}/tokens/{token_id}/revoke")]
async fn revoke_token_page(
    ui: Ui, path: web::Path<(OrgId, TokenId)>, _form: Form<EmptyForm>,
) -> PageResult {
    let (org_id, token_id) = path.into_inner();
    ui.run(move |conn, actor| {
        crate::auth::service::revoke_organisation_token(conn, actor, org_id, token_id)
    })
    .await?;
    back_to_organisation(&ui, org_id, "done.token_revoked")
}

// The accounts of an organisation: the same pages for the coordinators (`/team`) and for
// admins (below the organisation's page).

/// Where a team's pages are.
#[derive(Debug, Clone, Copy)]
struct Place(Scope);

impl Place {
    /// The page that lists the accounts (and that every action returns to).
    fn home(self) -> String {
        match self.0 {
            Scope::Own => "/team".to_string(),
            Scope::Organisation(org) => format!("/admin/organisations/{org}"),
        }
    }

    /// The address below which each account has its pages.
    fn base(self) -> String {
        match self.0 {
            Scope::Own => "/team".to_string(),
            Scope::Organisation(org) => format!("/admin/organisations/{org}/users"),
        }
    }
}

/// A page's data with the addresses of its team's pages.
#[derive(Serialize)]
struct Here<'a, T: Serialize> {
    #[serde(flatten)]
    page: &'a T,
    home: String,
    base: String,
}

fn here<T: Serialize>(place: Place, page: &T) -> Here<'_, T> {
    Here { page, home: place.home(), base: place.base() }
}

/// The list of accounts again (the team page, or the organisation's page for an admin)
/// with what was typed into the invitation form and the refusal.
async fn team_refused(ui: &Ui, place: Place, echo: NewAccount, error: AppError) -> PageResult {
    match place.0 {
        Scope::Own => {
            let mut data = ui.run(move |c, a| team::team_page(c, a, Scope::Own)).await?;
            data.roles = team::role_choices(&echo.role);
            data.form = echo;
            ui.page_with_error(TEAM, "title.account_team", &here(place, &data), error)
        }
        Scope::Organisation(org) => {
            let mut data = ui.run(move |c, a| service::organisation_page(c, a, org)).await?;
            data.roles = team::role_choices(&echo.role);
            data.form = echo;
            ui.page_with_error(SHOW, "title.organisation", &here(place, &data), error)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    email: String,
    display_name: String,
    role: String,
}

async fn invite(ui: Ui, place: Place, public_url: PublicUrl, form: InviteForm) -> PageResult {
    let input = NewAccount { email: form.email, display_name: form.display_name, role: form.role };
    let echo = input.clone();
    let url = public_url.0;
    match ui.run(move |c, a| team::invite(c, a, place.0, input, &url)).await {
        Ok(account) => {
            ui.done(&place.home(), &Text::key("done.account_invited").arg("email", account.email))
        }
        Err(e) => team_refused(&ui, place, echo, e).await,
    }
}

async fn account_page(
    ui: &Ui, place: Place, id: UserId, typed: Option<AccountChange>, refused: Option<AppError>,
) -> PageResult {
    let data = ui.run(move |c, a| team::account_page(c, a, place.0, id, typed)).await?;
    let title = Text::key("title.account_person").arg("name", &data.account.account.display_name);
    match refused {
        None => ui.page(ACCOUNT, title, &here(place, &data)),
        Some(e) => ui.page_with_error(ACCOUNT, title, &here(place, &data), e),
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ChangeForm {
    display_name: String,
    role: String,
}

impl ChangeForm {
    fn change(self) -> AccountChange {
        AccountChange { display_name: Some(self.display_name), role: Some(self.role) }
    }
}

fn words(key: &'static str) -> String {
    i18n::text(i18n::DEFAULT_LANG, key)
}

/// The page before a change of name or role: what it will be, with the way back to change
/// it. Nothing is saved here.
async fn check_change(ui: Ui, place: Place, id: UserId, form: ChangeForm) -> PageResult {
    let change = form.change();
    let asked = change.clone();
    let preview = match ui.run(move |c, a| team::preview_change(c, a, place.0, id, &asked)).await {
        Ok(p) => p,
        Err(e @ (AppError::Validation { .. } | AppError::Conflict(_))) => {
            return account_page(&ui, place, id, Some(change), Some(e)).await
        }
        Err(e) => return Err(e.into()),
    };
    let account_url = format!("{}/{id}", place.base());
    let name = preview.account.display_name.clone();
    let mut page = Confirmation::new(
        Text::key("account.confirm.change_heading").arg("name", &name),
        account_url.clone(),
        Text::key("account.confirm.change_button"),
        account_url.clone(),
    )
    .row(Text::key("account.field.name"), preview.display_name.clone(), Some(account_url.clone()))
    .row(Text::key("account.field.email"), preview.account.email.clone(), None)
    .row(Text::key("account.field.role"), words(team::role_key(preview.role)), Some(account_url))
    .hidden("display_name", preview.display_name.clone())
    .hidden("role", preview.role.code());
    if preview.renames() {
        page = page.goes(Text::key("account.confirm.renames").arg("name", &name));
    }
    if preview.changes_role() {
        page = page.goes(
            Text::key("account.confirm.role_applies")
                .arg("name", &name)
                .arg_key("before", team::role_key(preview.account.role))
                .arg_key("after", team::role_key(preview.role)),
        );
    }
    if !preview.renames() && !preview.changes_role() {
        page = page.blocked(Text::key("account.confirm.nothing_changes"));
    }
    page = page.stays(Text::key("account.confirm.change_keeps"));
    ui.page(confirm::TEMPLATE, "title.account_change", &page)
}

async fn update(ui: Ui, place: Place, id: UserId, form: ChangeForm) -> PageResult {
    let change = form.change();
    let echo = change.clone();
    match ui.run(move |c, a| team::update(c, a, place.0, id, change)).await {
        Ok(account) => ui.done(
            &place.home(),
            &Text::key("done.account_changed").arg("name", account.display_name),
        ),
        Err(e @ (AppError::Validation { .. } | AppError::Conflict(_))) => {
            account_page(&ui, place, id, Some(echo), Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The page before deactivating or reactivating: whose account, what ends with it, and
/// why it cannot be done when the coordinator would leave the organisation without one.
async fn check_active(ui: Ui, place: Place, id: UserId, active: bool) -> PageResult {
    let p = ui.run(move |c, a| team::preview_active(c, a, place.0, id, active)).await?;
    let name = p.account.display_name.clone();
    let action =
        format!("{}/{id}/{}", place.base(), if active { "activate" } else { "deactivate" });
    let back = format!("{}/{id}", place.base());
    let mut page = if active {
        Confirmation::new(
            Text::key("account.confirm.activate_heading").arg("name", &name),
            action,
            Text::key("account.confirm.activate_button"),
            back,
        )
        .goes(Text::key("account.confirm.can_log_in_again").arg("name", &name))
        .stays(Text::key("account.confirm.tokens_stay_ended"))
    } else {
        Confirmation::new(
            Text::key("account.confirm.deactivate_heading").arg("name", &name),
            action,
            Text::key("account.confirm.deactivate_button"),
            back,
        )
        .destructive()
        .goes(
            Text::key("account.confirm.ends_access")
                .arg("sessions", p.sessions)
                .arg("tokens", p.tokens),
        )
        .goes(Text::key("account.confirm.no_login").arg("name", &name))
        .stays(Text::key("account.confirm.history_stays"))
        .warning(Text::key("account.confirm.deactivate_warning"))
    };
    page = page
        .row(Text::key("account.field.name"), name.clone(), None)
        .row(Text::key("account.field.email"), p.account.email.clone(), None)
        .row(Text::key("account.field.role"), words(team::role_key(p.account.role)), None);
    if p.last_coordinator {
        page = page.blocked(Text::key("error.account.last_coordinator"));
    }
    let title = if active { "title.account_activate" } else { "title.account_deactivate" };
    ui.page(confirm::TEMPLATE, title, &page)
}

async fn set_active(ui: Ui, place: Place, id: UserId, active: bool) -> PageResult {
    ui.run(move |c, a| team::set_active(c, a, place.0, id, active)).await?;
    let done = if active { "done.account_activated" } else { "done.account_deactivated" };
    if !active && id == ui.actor.user_id {
        // Their own sessions ended with the account: the next page is the login.
        return Ok(crate::web::redirect("/login"));
    }
    ui.done(&place.home(), &Text::key(done))
}

async fn invite_again(ui: Ui, place: Place, id: UserId, public_url: PublicUrl) -> PageResult {
    let url = public_url.0;
    let account = ui.run(move |c, a| team::invite_again(c, a, place.0, id, &url)).await?;
    ui.done(&place.home(), &Text::key("done.account_invited").arg("email", account.email))
}

fn is_activate(action: &str) -> bool {
    action == "activate"
}

// The coordinator's team.

#[get("/team")]
async fn team_list(ui: Ui) -> PageResult {
    let data = ui.run(|c, a| team::team_page(c, a, Scope::Own)).await?;
    ui.page(TEAM, "title.account_team", &here(Place(Scope::Own), &data))
}

#[post("/team")]
async fn team_invite(ui: Ui, url: PublicUrl, Form(form): Form<InviteForm>) -> PageResult {
    invite(ui, Place(Scope::Own), url, form).await
}

#[get("/team/{user_id}")]
async fn team_account(ui: Ui, id: Id<UserId>) -> PageResult {
    account_page(&ui, Place(Scope::Own), *id, None, None).await
}

#[get("/team/{user_id}/check")]
async fn team_check(ui: Ui, id: Id<UserId>, form: web::Query<ChangeForm>) -> PageResult {
    check_change(ui, Place(Scope::Own), *id, form.into_inner()).await
}

#[post("/team/{user_id}")]
async fn team_update(ui: Ui, id: Id<UserId>, Form(form): Form<ChangeForm>) -> PageResult {
    update(ui, Place(Scope::Own), *id, form).await
}

#[get("/team/{user_id}/{action:activate|deactivate}")]
async fn team_check_active(ui: Ui, path: web::Path<(UserId, String)>) -> PageResult {
    let (id, action) = path.into_inner();
    check_active(ui, Place(Scope::Own), id, is_activate(&action)).await
}

#[post("/team/{user_id}/{action:activate|deactivate}")]
async fn team_set_active(
    ui: Ui, path: web::Path<(UserId, String)>, _form: Form<EmptyForm>,
) -> PageResult {
    let (id, action) = path.into_inner();
    set_active(ui, Place(Scope::Own), id, is_activate(&action)).await
}

#[post("/team/{user_id}/invitation")]
async fn team_invite_again(
    ui: Ui, id: Id<UserId>, url: PublicUrl, _form: Form<EmptyForm>,
) -> PageResult {
    invite_again(ui, Place(Scope::Own), *id, url).await
}

// An admin's pages of an organisation's accounts.

fn admin(org: OrgId) -> Place {
    Place(Scope::Organisation(org))
}

#[post("/admin/organisations/{id}/users")]
async fn org_invite(
    ui: Ui, id: Id<OrgId>, url: PublicUrl, Form(form): Form<InviteForm>,
) -> PageResult {
    invite(ui, admin(*id), url, form).await
}

#[get("/admin/organisations/{id}/users/{user_id}")]
async fn org_account(ui: Ui, path: web::Path<(OrgId, UserId)>) -> PageResult {
    let (org, id) = path.into_inner();
    account_page(&ui, admin(org), id, None, None).await
}

#[get("/admin/organisations/{id}/users/{user_id}/check")]
async fn org_check(
    ui: Ui, path: web::Path<(OrgId, UserId)>, form: web::Query<ChangeForm>,
) -> PageResult {
    let (org, id) = path.into_inner();
    check_change(ui, admin(org), id, form.into_inner()).await
}

#[post("/admin/organisations/{id}/users/{user_id}")]
async fn org_update(
    ui: Ui, path: web::Path<(OrgId, UserId)>, Form(form): Form<ChangeForm>,
) -> PageResult {
    let (org, id) = path.into_inner();
    update(ui, admin(org), id, form).await
}

#[get("/admin/organisations/{id}/users/{user_id}/{action:activate|deactivate}")]
async fn org_check_active(ui: Ui, path: web::Path<(OrgId, UserId, String)>) -> PageResult {
    let (org, id, action) = path.into_inner();
    check_active(ui, admin(org), id, is_activate(&action)).await
}

/// Deactivating ends the user's sessions and API tokens at once.
#[post("/admin/organisations/{id}/users/{user_id}/{action:activate|deactivate}")]
async fn org_set_active(
    ui: Ui, path: web::Path<(OrgId, UserId, String)>, _form: Form<EmptyForm>,
) -> PageResult {
    let (org, id, action) = path.into_inner();
    set_active(ui, admin(org), id, is_activate(&action)).await
}

#[post("/admin/organisations/{id}/users/{user_id}/invitation")]
async fn org_invite_again(
    ui: Ui, path: web::Path<(OrgId, UserId)>, url: PublicUrl, _form: Form<EmptyForm>,
) -> PageResult {
    let (org, id) = path.into_inner();
    invite_again(ui, admin(org), id, url).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(update_organisation)
        .service(revoke_token_page)
        .service(team_list)
        .service(team_invite)
        .service(team_check)
        .service(team_check_active)
        .service(team_set_active)
        .service(team_invite_again)
        .service(team_account)
        .service(team_update)
        .service(org_invite)
        .service(org_check)
        .service(org_check_active)
        .service(org_set_active)
        .service(org_invite_again)
        .service(org_account)
        .service(org_update);
}
