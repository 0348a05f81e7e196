//! Pages of the logged-in UI of surveys: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;

use super::forms::{self, ExportQuery, PreviewQuery, QuestionFormInput, SurveyFormInput};
use super::public::public_html;
use super::{invite, overview, questionnaire, questions, results, service, translations};
use crate::auth::extract::CurrentUser;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{AppError, AppResult, HtmlError, PageResult};
use crate::templates;
use crate::web::{context, page, page_with_error, redirect, Form};

const LIST: &str = "pages/surveys/list";
const DETAIL: &str = "pages/surveys/detail";
const QUESTION: &str = "pages/surveys/question";
const TRANSLATION: &str = "pages/surveys/translation";

#[get("/surveys")]
async fn list_page(session: Session, user: CurrentUser, db: web::Data<Db>) -> PageResult {
    let actor = user.0.clone();
    let data = db
        .run(move |conn| overview::list_page(conn, &actor, &overview::blank_survey()))
        .await?;
    page(&session, Some(&user.0), LIST, "Umfragen", context(&data)?)
}

#[post("/surveys")]
async fn create(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<SurveyFormInput>,
) -> PageResult {
    let actor = user.0.clone();
    let input = form.into_new();
    let echo = input
        .as_ref()
        .ok()
        .cloned()
        .unwrap_or_else(overview::blank_survey);
    let result = match input {
        Ok(input) => {
            db.run(move |conn| service::create(conn, &actor, &input))
                .await
        }
        Err(e) => Err(e),
    };
    let e = match result {
        Ok(s) => return Ok(redirect(&format!("/surveys/{}", s.id))),
        Err(e) => e,
    };
    let actor = user.0.clone();
    let data = db
        .run(move |conn| overview::list_page(conn, &actor, &echo))
        .await?;
    page_with_error(
        &session,
        Some(&user.0),
        LIST,
        "Umfragen",
        context(&data)?,
        e,
    )
}

async fn survey_page(
    db: &Db,
    user: &CurrentUser,
    settings: &Settings,
    id: i32,
) -> AppResult<overview::SurveyPage> {
    let actor = user.0.clone();
    let public_url = settings.public_url.clone();
    db.run(move |conn| overview::survey_page(conn, &actor, id, &public_url))
        .await
}

#[get("/surveys/{id}")]
async fn detail_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<i32>,
) -> PageResult {
    let data = survey_page(&db, &user, &settings, path.into_inner()).await?;
    page(&session, Some(&user.0), DETAIL, "Umfrage", context(&data)?)
}

/// The survey page again with the message of a refused form on it.
async fn detail_with_error(
    session: &Session,
    user: &CurrentUser,
    db: &Db,
    settings: &Settings,
    id: i32,
    e: AppError,
) -> PageResult {
    let data = survey_page(db, user, settings, id).await?;
    page_with_error(
        session,
        Some(&user.0),
        DETAIL,
        "Umfrage",
        context(&data)?,
        e,
    )
}

#[post("/surveys/{id}")]
async fn update(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<i32>,
    Form(form): Form<SurveyFormInput>,
) -> PageResult {
    let id = path.into_inner();
    let actor = user.0.clone();
    let result = match form.into_new() {
        Ok(input) => {
            db.run(move |conn| service::update(conn, &actor, id, &input))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/surveys/{id}"))),
        Err(e) => detail_with_error(&session, &user, &db, &settings, id, e).await,
    }
}

#[post("/surveys/{id}/questions")]
async fn add_question(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<i32>,
    Form(form): Form<QuestionFormInput>,
) -> PageResult {
    let id = path.into_inner();
    let actor = user.0.clone();
    let result = match form.into_new() {
        Ok(input) => {
            db.run(move |conn| questions::add(conn, &actor, id, &input))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/surveys/{id}#questions"))),
        Err(e) => detail_with_error(&session, &user, &db, &settings, id, e).await,
    }
}

#[derive(Deserialize)]
struct EmptyForm {}

#[post("/surveys/{id}/questions/{qid}/delete")]
async fn remove_question(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<(i32, i32)>,
    _f: Form<EmptyForm>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    let actor = user.0.clone();
    match db
        .run(move |conn| questions::delete(conn, &actor, id, qid))
        .await
    {
        Ok(()) => Ok(redirect(&format!("/surveys/{id}#questions"))),
        Err(e) => detail_with_error(&session, &user, &db, &settings, id, e).await,
    }
}

#[get("/surveys/{id}/questions/{qid}")]
async fn question_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    let actor = user.0.clone();
    let data = db
        .run(move |conn| questions::edit_page(conn, &actor, id, qid))
        .await?;
    page(
        &session,
        Some(&user.0),
        QUESTION,
        "Frage bearbeiten",
        context(&data)?,
    )
}

#[post("/surveys/{id}/questions/{qid}")]
async fn question_update(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
    Form(form): Form<QuestionFormInput>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    let actor = user.0.clone();
    let input = form.into_new();
    // Unreadable numbers: the form starts over empty.
    let echo = input.as_ref().ok().cloned().unwrap_or_default();
    let result = match input {
        Ok(input) => {
            db.run(move |conn| questions::update(conn, &actor, id, qid, &input))
                .await
        }
        Err(e) => Err(e),
    };
    let e = match result {
        Ok(_) => return Ok(redirect(&format!("/surveys/{id}#questions"))),
        Err(e) => e,
    };
    let actor = user.0.clone();
    let data = db
        .run(move |conn| questions::edit_page_again(conn, &actor, id, qid, &echo))
        .await?;
    page_with_error(
        &session,
        Some(&user.0),
        QUESTION,
        "Frage bearbeiten",
        context(&data)?,
        e,
    )
}

#[get("/surveys/{id}/translations/{lang}")]
async fn translation_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, String)>,
) -> PageResult {
    let (id, lang) = path.into_inner();
    let actor = user.0.clone();
    let data = db
        .run(move |conn| translations::page(conn, &actor, id, &lang))
        .await?;
    page(
        &session,
        Some(&user.0),
        TRANSLATION,
        "Übersetzung",
        context(&data)?,
    )
}

#[post("/surveys/{id}/translations/{lang}")]
async fn translation_save(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, String)>,
    body: web::Bytes,
) -> PageResult {
    let (id, lang) = path.into_inner();
    let pairs = forms::pairs(&body)?;
    crate::web::verify_csrf(&session, forms::field(&pairs, "csrf_token").as_deref())?;
    let input = forms::translation(&pairs);
    let actor = user.0.clone();
    let target = lang.clone();
    let e = match db
        .run(move |conn| translations::set(conn, &actor, id, &target, &input))
        .await
    {
        Ok(()) => return Ok(redirect(&format!("/surveys/{id}#translations"))),
        Err(e) => e,
    };
    let actor = user.0.clone();
    let data = db
        .run(move |conn| translations::page(conn, &actor, id, &lang))
        .await?;
    page_with_error(
        &session,
        Some(&user.0),
        TRANSLATION,
        "Übersetzung",
        context(&data)?,
        e,
    )
}

/// The form as a group's respondents see it, without saving anything.
#[get("/surveys/{id}/preview")]
async fn preview(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    q: web::Query<PreviewQuery>,
) -> Result<HttpResponse, HtmlError> {
    let id = path.into_inner();
    let actor = user.0.clone();
    let q = q.into_inner();
    let data = db
        .run(move |conn| {
            let page_no = q.page.unwrap_or(0);
            questionnaire::preview(conn, &actor, id, q.group, page_no, q.lang.as_deref())
        })
        .await?;
    let body = templates::render("pages/surveys/respond", &context(&data)?)?;
    Ok(public_html(actix_web::http::StatusCode::OK, body))
}

#[post("/surveys/{id}/questions/{qid}/up")]
async fn question_up(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, i32)>,
    _f: Form<EmptyForm>,
) -> PageResult {
    let (id, qid) = path.into_inner();
    let actor = user.0.clone();
    db.run(move |conn| questions::move_up(conn, &actor, id, qid))
        .await?;
    Ok(redirect(&format!("/surveys/{id}#questions")))
}

#[post("/surveys/{id}/invite")]
async fn invite_contacts(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<i32>,
    _f: Form<EmptyForm>,
) -> PageResult {
    let id = path.into_inner();
    let actor = user.0.clone();
    let url = settings.public_url.clone();
    match db
        .run(move |conn| invite::invite(conn, &actor, id, &url))
        .await
    {
        Ok(_) => Ok(redirect(&format!("/surveys/{id}#invitations"))),
        Err(e) => detail_with_error(&session, &user, &db, &settings, id, e).await,
    }
}

#[post("/surveys/{id}/copy")]
async fn copy(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    _f: Form<EmptyForm>,
) -> PageResult {
    let id = path.into_inner();
    let actor = user.0.clone();
    let s = db.run(move |conn| service::copy(conn, &actor, id)).await?;
    Ok(redirect(&format!("/surveys/{}", s.id)))
}

/// Printable sheet: one card per contact reached on paper, with the personal QR code.
#[get("/surveys/{id}/sheet")]
async fn sheet(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    path: web::Path<i32>,
) -> PageResult {
    let id = path.into_inner();
    let actor = user.0.clone();
    let public_url = settings.public_url.clone();
    let data = db
        .run(move |conn| invite::paper_sheet(conn, &actor, id, &public_url))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/surveys/sheet",
        "Einladungen zum Ausdrucken",
        context(&data)?,
    )
}

#[get("/surveys/{id}/results")]
async fn results_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let id = path.into_inner();
    let actor = user.0.clone();
    let data = db
        .run(move |conn| results::results_page(conn, &actor, id))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/surveys/results",
        "Ergebnisse",
        context(&data)?,
    )
}

#[get("/surveys/{id}/results.{format}")]
async fn export(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, String)>,
    q: web::Query<ExportQuery>,
) -> PageResult {
    let (id, format) = path.into_inner();
    let actor = user.0.clone();
    let raw = q.part.as_deref() == Some("raw");
    let export = db
        .run(move |conn| results::export(conn, &actor, id, raw))
        .await?;
    Ok(crate::web::download(&export.table, &export.name, &format)?)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(create)
        .service(export)
        .service(results_page)
        .service(sheet)
        .service(invite_contacts)
        .service(copy)
        .service(add_question)
        .service(remove_question)
        .service(question_up)
        .service(question_page)
        .service(question_update)
        .service(preview)
        .service(translation_page)
        .service(translation_save)
        .service(detail_page)
        .service(update);
}
