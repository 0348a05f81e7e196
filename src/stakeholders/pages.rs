//! Pages of the logged-in UI of stakeholders: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;

use super::models::NewStakeholder;
use super::service::{ContactEditPage, ContactsPage};
use super::{import, service};
use crate::auth::extract::CurrentUser;
use crate::auth::Actor;
use crate::db::Db;
use crate::error::{AppError, AppResult, PageResult};
use crate::i18n::Text;
use crate::web::{context, page, page_with_error, redirect, redirect_with, Form};

const TITLE: &str = "Kontakte für Umfragen";
const LIST: &str = "pages/stakeholders/list";
const EDIT: &str = "pages/stakeholders/edit";

#[derive(Deserialize, Default)]
struct ListQuery {
    group: Option<String>,
}

async fn list_data(db: &Db, actor: &Actor, group: Option<String>) -> AppResult<ContactsPage> {
    let actor = actor.clone();
    db.run(move |conn| service::contacts_page(conn, &actor, group))
        .await
}

#[get("/stakeholders")]
async fn list_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    q: web::Query<ListQuery>,
) -> PageResult {
    let q = q.into_inner();
    let data = list_data(&db, &user.0, q.group).await?;
    page(&session, Some(&user.0), LIST, TITLE, context(&data)?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StakeholderFormInput {
    stakeholder_group: String,
    name: String,
    organisation_name: String,
    email: String,
    phone: String,
    preferred_language: String,
    contact_consent: Option<String>,
}

impl StakeholderFormInput {
    fn into_new(self) -> NewStakeholder {
        NewStakeholder {
            stakeholder_group: self.stakeholder_group,
            name: self.name,
            organisation_name: Some(self.organisation_name),
            email: Some(self.email),
            phone: Some(self.phone),
            preferred_language: self.preferred_language,
            contact_consent: self.contact_consent.is_some(),
        }
    }
}

#[post("/stakeholders")]
async fn create(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<StakeholderFormInput>,
) -> PageResult {
    let actor = user.0.clone();
    let input = form.into_new();
    let echo = input.clone();
    match db
        .run(move |conn| service::create(conn, &actor, &input))
        .await
    {
        Ok(_) => Ok(redirect("/stakeholders")),
        Err(e) => {
            let mut data = list_data(&db, &user.0, None).await?;
            data.form = (&echo).into();
            data.groups = service::group_choices(&echo.stakeholder_group);
            page_with_error(&session, Some(&user.0), LIST, TITLE, context(&data)?, e)
        }
    }
}

#[get("/stakeholders/{id}")]
async fn edit_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let data = db
        .run(move |conn| service::contact_edit_page(conn, &actor, id))
        .await?;
    page(
        &session,
        Some(&user.0),
        EDIT,
        "Kontakt bearbeiten",
        context(&data)?,
    )
}

#[post("/stakeholders/{id}")]
async fn update(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    Form(form): Form<StakeholderFormInput>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let input = form.into_new();
    let echo = input.clone();
    match db
        .run(move |conn| service::update(conn, &actor, id, &input))
        .await
    {
        Ok(_) => Ok(redirect("/stakeholders")),
        Err(e @ AppError::NotFound(_)) => Err(e.into()),
        Err(e) => page_with_error(
            &session,
            Some(&user.0),
            EDIT,
            "Kontakt bearbeiten",
            context(&ContactEditPage::new(id, &echo))?,
            e,
        ),
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

#[post("/stakeholders/{id}/delete")]
async fn remove(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    db.run(move |conn| service::delete(conn, &actor, id))
        .await?;
    Ok(redirect("/stakeholders"))
}

#[post("/stakeholders/import")]
async fn upload(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    payload: actix_multipart::Multipart,
) -> PageResult {
    // Who may import is settled before a byte of the file is read.
    user.0.coordinator_org()?;
    let bytes = crate::web::read_form_file(&session, payload, import::MAX_FILE_BYTES).await?;
    let actor = user.0.clone();
    let result = db
        .run(move |conn| import::upload(conn, &actor, &bytes))
        .await;
    match result {
        Ok(batch) => Ok(redirect(&format!("/stakeholders/import/{batch}"))),
        Err(e) => {
            let data = list_data(&db, &user.0, None).await?;
            page_with_error(&session, Some(&user.0), LIST, TITLE, context(&data)?, e)
        }
    }
}

#[get("/stakeholders/import/{id}")]
async fn import_preview(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let preview = db
        .run(move |conn| import::preview_batch(conn, &actor, id))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/stakeholders/import",
        "Import prüfen",
        context(&preview)?,
    )
}

#[post("/stakeholders/import/{id}")]
async fn import_confirm(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let outcome = db
        .run(move |conn| import::import_batch(conn, &actor, id))
        .await?;
    Ok(redirect_with(
        &session,
        "/stakeholders",
        &Text::key("done.imported_contacts").arg("count", outcome.imported),
    ))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(create)
        .service(upload)
        .service(import_preview)
        .service(import_confirm)
        .service(edit_page)
        .service(update)
        .service(remove);
}
