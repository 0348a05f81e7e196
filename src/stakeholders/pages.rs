//! Pages of the logged-in UI of stakeholders: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web};
use serde::Deserialize;
use serde_json::{json, Value};

use super::models::{group_name, NewStakeholder, Stakeholder, GROUPS};
use super::{import, repo, service};
use crate::auth::extract::CurrentUser;
use crate::auth::Actor;
use crate::db::Db;
use crate::error::{AppError, AppResult, PageResult};
use crate::i18n;
use crate::web::{page, page_with_error, redirect, Form};

const TITLE: &str = "Kontakte für Umfragen";

fn groups_json(selected: &str) -> Vec<Value> {
    GROUPS
        .iter()
        .map(|(code, de, _)| json!({"code": code, "name": de, "selected": *code == selected}))
        .collect()
}

fn languages_json() -> Vec<Value> {
    i18n::PARTICIPANT_LANGUAGES
        .iter()
        .map(|(c, n)| json!({"code": c, "name": n}))
        .collect()
}

fn row_json(s: &Stakeholder) -> Value {
    let contact: Vec<String> = [s.email.clone(), s.phone.clone()]
        .into_iter()
        .flatten()
        .collect();
    json!({"id": s.id, "name": s.name, "group": group_name(&s.stakeholder_group),
           "organisation": s.organisation_name.clone().unwrap_or_default(),
           "contact": contact.join(", "),
           "language": i18n::participant_language_name(&s.preferred_language),
           "consent": s.contact_consent})
}

fn form_json(s: &NewStakeholder) -> Value {
    json!({"stakeholder_group": s.stakeholder_group, "name": s.name,
           "organisation_name": s.organisation_name.clone().unwrap_or_default(),
           "email": s.email.clone().unwrap_or_default(), "phone": s.phone.clone().unwrap_or_default(),
           "preferred_language": s.preferred_language, "contact_consent": s.contact_consent})
}

#[derive(Deserialize, Default)]
struct ListQuery {
    group: Option<String>,
    imported: Option<usize>,
}

async fn list_data(db: &Db, actor: &Actor, group: Option<String>) -> AppResult<Value> {
    let actor = actor.clone();
    db.run(move |conn| {
        let org = actor.coordinator_org()?;
        let group = group.filter(|g| super::models::is_group(g));
        let all = repo::list(conn, org, None)?;
        let counts: Vec<Value> = GROUPS
            .iter()
            .map(|(code, de, _)| {
                let n = all.iter().filter(|s| s.stakeholder_group == *code).count();
                json!({"code": code, "name": de, "count": n,
                       "current": group.as_deref() == Some(*code)})
            })
            .collect();
        let shown: Vec<Value> = all
            .iter()
            .filter(|s| group.as_deref().is_none_or(|g| s.stakeholder_group == g))
            .map(row_json)
            .collect();
        Ok(json!({"stakeholders": shown, "total": all.len(), "counts": counts,
                  "filtered": group.is_some(),
                  "groups": groups_json(""), "languages": languages_json(),
                  "form": form_json(&NewStakeholder { preferred_language: "de".into(), ..Default::default() })}))
    })
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
    let mut data = list_data(&db, &user.0, q.group).await?;
    if let Some(n) = q.imported {
        data["notice"] = json!(format!("{n} Kontakt(e) importiert."));
    }
    page(
        &session,
        Some(&user.0),
        "pages/stakeholders/list",
        TITLE,
        data,
    )
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
            data["form"] = form_json(&echo);
            data["groups"] = json!(groups_json(&echo.stakeholder_group));
            page_with_error(
                &session,
                Some(&user.0),
                "pages/stakeholders/list",
                TITLE,
                data,
                e,
            )
        }
    }
}

fn edit_data(id: i32, form: &NewStakeholder) -> Value {
    json!({"id": id, "form": form_json(form), "groups": groups_json(&form.stakeholder_group),
           "languages": languages_json()})
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
    let s = db.run(move |conn| service::get(conn, &actor, id)).await?;
    let form = NewStakeholder {
        stakeholder_group: s.stakeholder_group,
        name: s.name,
        organisation_name: s.organisation_name,
        email: s.email,
        phone: s.phone,
        preferred_language: s.preferred_language,
        contact_consent: s.contact_consent,
    };
    page(
        &session,
        Some(&user.0),
        "pages/stakeholders/edit",
        "Kontakt bearbeiten",
        edit_data(id, &form),
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
            "pages/stakeholders/edit",
            "Kontakt bearbeiten",
            edit_data(id, &echo),
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
    let (csrf, bytes) = crate::web::read_upload(payload, "file", import::MAX_FILE_BYTES).await?;
    crate::web::verify_csrf(&session, csrf.as_deref())?;
    let actor = user.0.clone();
    let result = db
        .run(move |conn| {
            let rows = import::parse_rows(crate::spreadsheet::read_table(&bytes)?)?;
            import::store_batch(conn, &actor, &rows)
        })
        .await;
    match result {
        Ok(batch) => Ok(redirect(&format!("/stakeholders/import/{batch}"))),
        Err(e) => {
            let data = list_data(&db, &user.0, None).await?;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/stakeholders/list",
                TITLE,
                data,
                e,
            )
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
    let outcome = db
        .run(move |conn| {
            let rows = import::load_batch(conn, &actor, id)?;
            import::preview(conn, &actor, &rows)
        })
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/stakeholders/import",
        "Import prüfen",
        json!({"batch": id, "outcome": outcome}),
    )
}

#[post("/stakeholders/import/{id}")]
async fn import_confirm(
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
    Ok(redirect(&format!(
        "/stakeholders?imported={}",
        outcome.imported
    )))
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
