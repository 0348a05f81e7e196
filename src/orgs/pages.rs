//! Pages of the logged-in UI of orgs: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;
use serde_json::json;

use super::models::NewOrganisation;
use super::{repo, service};
use crate::auth::extract::CurrentUser;
use crate::auth::service::{create_user, NewUser};
use crate::auth::{repo as user_repo, Role};
use crate::db::Db;
use crate::error::PageResult;
use crate::web::{page, page_with_error, redirect, Form};

#[get("/admin/organisations")]
async fn list(session: Session, user: CurrentUser, db: web::Data<Db>) -> PageResult {
    user.0.require(&[Role::Admin])?;
    let orgs = db.run(repo::list).await?;
    page(
        &session,
        Some(&user.0),
        "pages/orgs/list",
        "Organisationen",
        json!({"organisations": orgs, "form": {}}),
    )
}

#[post("/admin/organisations")]
async fn create(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<NewOrganisation>,
) -> PageResult {
    user.0.require(&[Role::Admin])?;
    let actor = user.0.clone();
    let echo = json!({"slug": form.slug, "name": form.name, "issuer_name": form.issuer_name,
        "signatory_name": form.signatory_name, "signatory_title": form.signatory_title});
    match db
        .run(move |conn| {
            crate::db::write_transaction(conn, |c| service::create(c, Some(&actor), form))
        })
        .await
    {
        Ok(org) => Ok(redirect(&format!("/admin/organisations/{}", org.id))),
        Err(e) => {
            let orgs = db.run(repo::list).await?;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/orgs/list",
                "Organisationen",
                json!({"organisations": orgs, "form": echo}),
                e,
            )
        }
    }
}

async fn org_page_data(db: &Db, org_id: i32) -> Result<serde_json::Value, crate::error::AppError> {
    db.run(move |conn| {
        let org = repo::get(conn, org_id)?;
        let users: Vec<_> = user_repo::list_for_organisation(conn, org_id)?
            .into_iter()
            .map(|u| json!({"id": u.id, "display_name": u.display_name, "email": u.email, "role": u.role, "active": u.active}))
            .collect();
        let now = crate::time::now_utc();
        let tokens: Vec<_> = user_repo::tokens_of_organisation(conn, org_id)?
            .into_iter()
            .map(|(t, email)| {
                let info = crate::auth::models::ApiTokenInfo::from_row(t, Some(email), now);
                json!({
                    "id": info.id,
                    "label": info.label,
                    "owner_email": info.owner_email,
                    "expires": crate::time::fmt_datetime(info.expires_at.naive_utc()),
                    "last_used": info.last_used_at.map(|d| crate::time::fmt_datetime(d.naive_utc())),
                    "expired": info.expired,
                })
            })
            .collect();
        Ok(json!({"organisation": org, "users": users, "tokens": tokens}))
    })
    .await
}

#[get("/admin/organisations/{id}")]
async fn show(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    user.0.require(&[Role::Admin])?;
    let mut data = org_page_data(&db, path.into_inner()).await?;
    data["form"] = json!({"role": "coordinator"});
    page(
        &session,
        Some(&user.0),
        "pages/orgs/show",
        "Organisation",
        data,
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
    user.0.require(&[Role::Admin])?;
    let org_id = path.into_inner();
    let actor = user.0.clone();
    let echo = json!({"email": form.email, "display_name": form.display_name, "role": form.role});
    let result = db
        .run(move |conn| {
            repo::get(conn, org_id)?;
            let role = Role::parse(&form.role)?;
            if role == Role::Admin {
                return Err(crate::error::AppError::invalid(
                    "role",
                    "Admins gehören zu keiner Organisation; bitte Koordination oder Training wählen.",
                ));
            }
            create_user(
                conn,
                Some(&actor),
                NewUser {
                    organisation_id: Some(org_id),
                    email: form.email,
                    display_name: form.display_name,
                    password: form.password,
                    role,
                },
            )
        })
        .await;
    match result {
        Ok(_) => Ok(redirect(&format!("/admin/organisations/{org_id}"))),
        Err(e) => {
            let mut data = org_page_data(&db, org_id).await?;
            data["form"] = echo;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/orgs/show",
                "Organisation",
                data,
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
    db.run(move |conn| {
        let target = user_repo::find_by_id(conn, user_id)?
            .filter(|u| u.organisation_id == Some(org_id))
            .ok_or_else(|| crate::error::AppError::not_found("Das Konto"))?;
        crate::auth::service::set_user_active(conn, &actor, target.id, action == "activate")
    })
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
