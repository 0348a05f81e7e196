//! Pages of the logged-in UI of orgs: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web};
use serde::Deserialize;

use super::models::NewOrganisation;
use super::service::{self, AccountFields, NewAccount};
use crate::error::{AppError, PageResult};
use crate::i18n::Text;
use crate::ids::{OrgId, TokenId, UserId};
use crate::web::{EmptyForm, Form, Id, Ui};

const LIST: &str = "pages/orgs/list";
const SHOW: &str = "pages/orgs/show";

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
    ui.show(SHOW, "title.organisation", move |conn, actor| {
        service::organisation_page(conn, actor, *id)
    })
    .await
}

/// Back to the organisation's page, confirming `done`.
fn back_to_organisation(ui: &Ui, org_id: OrgId, done: &'static str) -> PageResult {
    ui.done(&format!("/admin/organisations/{org_id}"), &Text::key(done))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewUserForm {
    email: String,
    display_name: String,
    password: String,
    role: String,
}

#[post("/admin/organisations/{id}/users")]
async fn create_org_user(ui: Ui, id: Id<OrgId>, Form(form): Form<NewUserForm>) -> PageResult {
    let org_id = *id;
    let echo = AccountFields {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        role: form.role.clone(),
    };
    let input = NewAccount {
        email: form.email,
        display_name: form.display_name,
        password: form.password,
        role: form.role,
    };
    let result = ui.run(move |conn, actor| service::add_account(conn, actor, org_id, input)).await;
    match result {
        Ok(_) => back_to_organisation(&ui, org_id, "done.account_created"),
        Err(e) => organisation_refused(&ui, org_id, echo, e).await,
    }
}

/// The organisation's page again with the message and what was typed.
async fn organisation_refused(
    ui: &Ui, org_id: OrgId, echo: AccountFields, error: AppError,
) -> PageResult {
    let mut data =
        ui.run(move |conn, actor| service::organisation_page(conn, actor, org_id)).await?;
    data.form = echo;
    ui.page_with_error(SHOW, "title.organisation", &data, error)
}

/// Deactivating ends the user's sessions and API tokens at once.
#[post("/admin/organisations/{id}/users/{user_id}/{action:activate|deactivate}")]
async fn set_user_active_page(
    ui: Ui, path: web::Path<(OrgId, UserId, String)>, _form: Form<EmptyForm>,
) -> PageResult {
    let (org_id, user_id, action) = path.into_inner();
    let active = action == "activate";
    ui.run(move |c, actor| crate::auth::service::set_active_in(c, actor, org_id, user_id, active))
        .await?;
    let done = if active { "done.account_activated" } else { "done.account_deactivated" };
    back_to_organisation(&ui, org_id, done)
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(create_org_user)
        .service(set_user_active_page)
        .service(revoke_token_page);
}
