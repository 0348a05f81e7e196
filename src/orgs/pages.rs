//! Pages of the logged-in UI of orgs: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;

use super::models::NewOrganisation;
use super::service::{self, AccountFields, NewAccount, OrganisationPage, OrganisationsPage};
use crate::auth::extract::CurrentUser;
use crate::auth::Actor;
use crate::db::Db;
use crate::error::{AppResult, PageResult};
use crate::web::{context, page, page_with_error, redirect, Form};

async fn list_data(db: &Db, actor: &Actor) -> AppResult<OrganisationsPage> {
    let actor = actor.clone();
    db.run(move |conn| service::organisations_page(conn, &actor))
        .await
}

#[get("/admin/organisations")]
async fn list(session: Session, user: CurrentUser, db: web::Data<Db>) -> PageResult {
    let data = list_data(&db, &user.0).await?;
    page(
        &session,
        Some(&user.0),
        "pages/orgs/list",
        "Organisationen",
        context(&data)?,
    )
}

#[post("/admin/organisations")]
async fn create(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<NewOrganisation>,
) -> PageResult {
    let actor = user.0.clone();
    let echo = form.clone();
    match db.run(move |conn| service::add(conn, &actor, form)).await {
        Ok(org) => Ok(redirect(&format!("/admin/organisations/{}", org.id))),
        Err(e) => {
            let mut data = list_data(&db, &user.0).await?;
            data.form = echo;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/orgs/list",
                "Organisationen",
                context(&data)?,
                e,
            )
        }
    }
}

async fn org_page_data(db: &Db, actor: &Actor, org_id: i32) -> AppResult<OrganisationPage> {
    let actor = actor.clone();
    db.run(move |conn| service::organisation_page(conn, &actor, org_id))
        .await
}

#[get("/admin/organisations/{id}")]
async fn show(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let data = org_page_data(&db, &user.0, path.into_inner()).await?;
    page(
        &session,
        Some(&user.0),
        "pages/orgs/show",
        "Organisation",
        context(&data)?,
    )
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
async fn create_org_user(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    Form(form): Form<NewUserForm>,
) -> PageResult {
    let org_id = path.into_inner();
    let actor = user.0.clone();
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
    let result = db
        .run(move |conn| service::add_account(conn, &actor, org_id, input))
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!("/admin/organisations/{org_id}"))),
        Err(e) => {
            let mut data = org_page_data(&db, &user.0, org_id).await?;
            data.form = echo;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/orgs/show",
                "Organisation",
                context(&data)?,
                e,
            )
        }
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

/// Deactivating ends the user's sessions and API tokens at once.
#[post("/admin/organisations/{id}/users/{user_id}/{action:activate|deactivate}")]
async fn set_user_active_page(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32, String)>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let (org_id, user_id, action) = path.into_inner();
    let actor = user.0;
    let active = action == "activate";
    db.run(move |conn| crate::auth::service::set_active_in(conn, &actor, org_id, user_id, active))
        .await?;
    Ok(redirect(&format!("/admin/organisations/{org_id}")))
}

#[post("/admin/organisations/{id}/tokens/{token_id}/revoke")]
async fn revoke_token_page(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let (org_id, token_id) = path.into_inner();
    let actor = user.0;
    db.run(move |conn| {
        crate::auth::service::revoke_organisation_token(conn, &actor, org_id, token_id)
    })
    .await?;
    Ok(redirect(&format!("/admin/organisations/{org_id}")))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(show)
        .service(create_org_user)
        .service(set_user_active_page)
        .service(revoke_token_page);
}
