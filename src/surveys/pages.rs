//! Pages of the logged-in UI of surveys: each handler parses the request, calls one use case and answers.

use std::collections::BTreeMap;

use actix_session::Session;
use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::models::*;
use super::respond::{self, Answers, FieldError, Respondent};
use super::{repo, results, service};
use crate::auth::extract::CurrentUser;
use crate::auth::Actor;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{AppError, AppResult, HtmlError, PageResult};
use crate::i18n;
use crate::stakeholders::models::{group_name, GROUPS};
use crate::templates;
use crate::time::fmt_date;
use crate::web::{page, page_with_error, redirect, Form};

const KIND_NAMES: &[(&str, &str)] = &[
    ("single", "Einfachauswahl"),
    ("multiple", "Mehrfachauswahl"),
    ("scale", "Skala 1–5"),
    ("text", "Freitext"),
    ("number", "Zahl"),
    ("rank", "Themen ordnen (Module des Kurses)"),
];

fn kind_name(kind: &str) -> &'static str {
    KIND_NAMES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("", |(_, n)| n)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SurveyFormInput {
    title: String,
    introduction: String,
    opens_on: String,
    closes_on: String,
    audience: Vec<String>,
    anonymous: Option<String>,
    course_id: String,
    reminder_max: String,
    reminder_interval_days: String,
    open_groups: Vec<String>,
}

impl SurveyFormInput {
    fn into_new(self) -> AppResult<NewSurvey> {
        let num = |field: &'static str, label: &str, v: &str| -> AppResult<Option<i32>> {
            match v.trim() {
                "" => Ok(None),
                t => t.parse().map(Some).map_err(|_| {
                    AppError::invalid(field, format!("„{label}“ muss eine Zahl sein."))
                }),
            }
        };
        Ok(NewSurvey {
            title: self.title,
            introduction: self.introduction,
            opens_on: self.opens_on,
            closes_on: self.closes_on,
            audience: self.audience,
            anonymous: self.anonymous.is_some(),
            course_id: num("course_id", "Kurs", &self.course_id)?,
            reminder_max: num("reminder_max", "Erinnerungen", &self.reminder_max)?,
            reminder_interval_days: num(
                "reminder_interval_days",
                "Abstand",
                &self.reminder_interval_days,
            )?,
            open_groups: self.open_groups,
        })
    }
}

fn survey_form_json(s: &NewSurvey) -> Value {
    json!({"title": s.title, "introduction": s.introduction, "opens_on": s.opens_on,
           "closes_on": s.closes_on, "anonymous": s.anonymous,
           "course_id": s.course_id, "reminder_max": s.reminder_max.unwrap_or(2),
           "reminder_interval_days": s.reminder_interval_days.unwrap_or(7)})
}

fn groups_json(audience: &[String], open: &[String]) -> Vec<Value> {
    GROUPS
        .iter()
        .map(|(code, de, _)| {
            json!({"code": code, "name": de, "checked": audience.iter().any(|g| g == code),
                   "open": open.iter().any(|g| g == code)})
        })
        .collect()
}

fn courses_json(
    conn: &mut crate::db::DbConn,
    org: i32,
    selected: Option<i32>,
) -> AppResult<Vec<Value>> {
    Ok(crate::planning::repo::list_courses(conn, org)?
        .into_iter()
        .map(|c| json!({"id": c.id, "title": c.title, "selected": Some(c.id) == selected}))
        .collect())
}

async fn list_data(db: &Db, actor: &Actor, form: NewSurvey) -> AppResult<Value> {
    let actor = actor.clone();
    db.run(move |conn| {
        let org = actor.coordinator_org()?;
        let today = crate::time::today_local();
        let mut surveys = Vec::new();
        let counts = repo::response_counts(conn, org)?;
        for s in repo::list(conn, org)? {
            let n = counts.get(&s.id).copied().unwrap_or(0);
            let state = if today < s.opens_on { "geplant" } else if today > s.closes_on { "beendet" } else { "läuft" };
            surveys.push(json!({"id": s.id, "title": s.title, "period": format!("{} – {}", fmt_date(s.opens_on), fmt_date(s.closes_on)),
                "state": state, "responses": n, "anonymous": s.anonymous,
                "audience": s.audience_groups().iter().map(|g| group_name(g)).collect::<Vec<_>>().join(", ")}));
        }
        Ok(json!({"surveys": surveys, "form": survey_form_json(&form),
                  "groups": groups_json(&form.audience, &form.open_groups),
                  "courses": courses_json(conn, org, form.course_id)?}))
    })
    .await
}

fn empty_form() -> NewSurvey {
    let today = crate::time::today_local();
    NewSurvey {
        opens_on: today.to_string(),
        closes_on: (today + chrono::Duration::days(21)).to_string(),
        ..Default::default()
    }
}

#[get("/surveys")]
async fn list_page(session: Session, user: CurrentUser, db: web::Data<Db>) -> PageResult {
    let data = list_data(&db, &user.0, empty_form()).await?;
    page(
        &session,
        Some(&user.0),
        "pages/surveys/list",
        "Umfragen",
        data,
    )
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
        .map(Clone::clone)
        .unwrap_or_else(|_| empty_form());
    let result = match input {
        Ok(input) => {
            db.run(move |conn| service::create(conn, &actor, &input))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => Ok(redirect(&format!("/surveys/{}", s.id))),
        Err(e) => {
            let data = list_data(&db, &user.0, echo).await?;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/surveys/list",
                "Umfragen",
                data,
                e,
            )
        }
    }
}

async fn detail_data(db: &Db, actor: &Actor, id: i32, settings: &Settings) -> AppResult<Value> {
    let actor = actor.clone();
    let public_url = settings.public_url.clone();
    db.run(move |conn| {
        let org = actor.coordinator_org()?;
        let d = service::detail(conn, &actor, id)?;
        let s = &d.survey;
        let questions: Vec<Value> = d
            .questions
            .iter()
            .map(|q| {
                json!({"id": q.question.id, "text": q.question.text, "kind": kind_name(&q.question.kind),
                       "required": q.question.required, "answered": q.answered,
                       "groups": split_groups(&q.question.groups).iter().map(|g| group_name(g)).collect::<Vec<_>>().join(", "),
                       "options": q.options.iter().map(|o| o.label.clone()).collect::<Vec<_>>()})
            })
            .collect();
        let invitations = repo::invitations(conn, id)?;
        let mut by_group: BTreeMap<String, (usize, usize, Vec<Value>)> = BTreeMap::new();
        for (inv, st) in &invitations {
            let e = by_group.entry(st.stakeholder_group.clone()).or_default();
            e.0 += 1;
            if inv.answered_on.is_some() {
                e.1 += 1;
            }
            e.2.push(json!({"name": st.name, "answered": inv.answered_on.is_some(),
                            "how": if inv.sent_at.is_some() { "E-Mail" } else { "Papier" },
                            "reminders": inv.reminders_sent}));
        }
        let groups: Vec<Value> = by_group
            .into_iter()
            .map(|(g, (n, answered, people))| json!({"name": group_name(&g), "invited": n, "answered": answered, "people": people}))
            .collect();
        let open_links: Vec<Value> = s
            .open_group_list()
            .iter()
            .map(|g| json!({"group": group_name(g), "url": format!("{}/s/o/{}/{g}", public_url.trim_end_matches('/'), s.open_token)}))
            .collect();
        let form = NewSurvey {
            title: s.title.clone(),
            introduction: s.introduction.clone(),
            opens_on: s.opens_on.to_string(),
            closes_on: s.closes_on.to_string(),
            audience: s.audience_groups(),
            anonymous: s.anonymous,
            course_id: s.course_id,
            reminder_max: Some(s.reminder_max),
            reminder_interval_days: Some(s.reminder_interval_days),
            open_groups: s.open_group_list(),
        };
        let translated = repo::translation_languages(conn, id)?;
        let audience: Vec<Value> = s.audience_groups().iter().map(|g| json!({"code": g, "name": group_name(g)})).collect();
        Ok(json!({"id": id, "survey": {"title": s.title, "anonymous": s.anonymous,
                   "period": format!("{} – {}", fmt_date(s.opens_on), fmt_date(s.closes_on)),
                   "responses": d.responses},
                  "questions": questions, "invitation_groups": groups, "invited": invitations.len(),
                  "open_links": open_links, "form": survey_form_json(&form),
                  "groups": groups_json(&form.audience, &form.open_groups), "audience": audience,
                  "courses": courses_json(conn, org, s.course_id)?,
                  "translations": TRANSLATABLE.iter().map(|l| json!({"code": l, "name": i18n::participant_language_name(l), "done": translated.contains(&l.to_string())})).collect::<Vec<_>>(),
                  "kinds": KIND_NAMES.iter().map(|(k, n)| json!({"code": k, "name": n})).collect::<Vec<_>>()}))
    })
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
    let data = detail_data(&db, &user.0, path.into_inner(), &settings).await?;
    page(
        &session,
        Some(&user.0),
        "pages/surveys/detail",
        "Umfrage",
        data,
    )
}

async fn detail_with_error(
    session: &Session,
    user: &CurrentUser,
    db: &Db,
    settings: &Settings,
    id: i32,
    e: AppError,
) -> PageResult {
    let data = detail_data(db, &user.0, id, settings).await?;
    page_with_error(
        session,
        Some(&user.0),
        "pages/surveys/detail",
        "Umfrage",
        data,
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct QuestionFormInput {
    kind: String,
    text: String,
    help: String,
    required: Option<String>,
    groups: Vec<String>,
    options: String,
    min_value: String,
    max_value: String,
    max_length: String,
}

impl QuestionFormInput {
    fn into_new(self) -> AppResult<NewQuestion> {
        let num = |field: &'static str, v: &str| -> AppResult<Option<i32>> {
            match v.trim() {
                "" => Ok(None),
                t => t
                    .parse()
                    .map(Some)
                    .map_err(|_| AppError::invalid(field, "Bitte eine ganze Zahl.")),
            }
        };
        Ok(NewQuestion {
            kind: self.kind,
            text: self.text,
            help: self.help,
            required: self.required.is_some(),
            groups: self.groups,
            options: self.options.lines().map(str::to_string).collect(),
            min_value: num("min_value", &self.min_value)?,
            max_value: num("max_value", &self.max_value)?,
            max_length: num("max_length", &self.max_length)?,
        })
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
            db.run(move |conn| service::add_question(conn, &actor, id, &input))
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
        .run(move |conn| service::delete_question(conn, &actor, id, qid))
        .await
    {
        Ok(()) => Ok(redirect(&format!("/surveys/{id}#questions"))),
        Err(e) => detail_with_error(&session, &user, &db, &settings, id, e).await,
    }
}

fn question_page_data(
    id: i32,
    qid: i32,
    form: &NewQuestion,
    answered: bool,
    audience: &[String],
) -> Value {
    json!({"id": id, "qid": qid, "answered": answered,
           "form": {"text": form.text, "help": form.help, "required": form.required,
                    "options": form.options.join("\n"),
                    "min_value": form.min_value, "max_value": form.max_value, "max_length": form.max_length},
           "kinds": KIND_NAMES.iter().map(|(k, n)| json!({"code": k, "name": n, "selected": *k == form.kind})).collect::<Vec<_>>(),
           "audience": audience.iter().map(|g| json!({"code": g, "name": group_name(g), "checked": form.groups.contains(g)})).collect::<Vec<_>>()})
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
        .run(move |conn| {
            let survey = service::get(conn, &actor, id)?;
            let q =
                repo::question(conn, id, qid)?.ok_or_else(|| AppError::not_found("Die Frage"))?;
            let answered = repo::answered_question_ids(conn, id)?.contains(&qid);
            let form = NewQuestion {
                kind: q.kind.clone(),
                text: q.text.clone(),
                help: q.help.clone(),
                required: q.required,
                groups: split_groups(&q.groups),
                options: if q.kind == "rank" {
                    Vec::new()
                } else {
                    q.options().into_iter().map(|o| o.label).collect()
                },
                min_value: q.min_value,
                max_value: q.max_value,
                max_length: q.max_length,
            };
            Ok::<_, AppError>(question_page_data(
                id,
                qid,
                &form,
                answered,
                &survey.audience_groups(),
            ))
        })
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/surveys/question",
        "Frage bearbeiten",
        data,
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
    let echo = input.as_ref().ok().cloned();
    let result = match input {
        Ok(input) => {
            db.run(move |conn| service::update_question(conn, &actor, id, qid, &input))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/surveys/{id}#questions"))),
        Err(e) => {
            let actor = user.0.clone();
            let (audience, answered) = db
                .run(move |conn| {
                    let s = service::get(conn, &actor, id)?;
                    Ok::<_, AppError>((
                        s.audience_groups(),
                        repo::answered_question_ids(conn, id)?.contains(&qid),
                    ))
                })
                .await?;
            let data = question_page_data(id, qid, &echo.unwrap_or_default(), answered, &audience);
            page_with_error(
                &session,
                Some(&user.0),
                "pages/surveys/question",
                "Frage bearbeiten",
                data,
                e,
            )
        }
    }
}

const TRANSLATABLE: &[&str] = &["en", "ar", "fa", "uk", "ru", "tr", "ti", "ps"];

async fn translation_data(db: &Db, actor: &Actor, id: i32, lang: String) -> AppResult<Value> {
    let actor = actor.clone();
    db.run(move |conn| {
        let s = service::get(conn, &actor, id)?;
        if !TRANSLATABLE.contains(&lang.as_str()) {
            return Err(AppError::not_found("Diese Sprache"));
        }
        let (title, intro) = repo::translation(conn, id, &lang)?.unwrap_or_default();
        let done: BTreeMap<i32, (String, String)> = repo::question_translations(conn, id, &lang)?
            .into_iter()
            .map(|(q, t, o)| (q, (t, o)))
            .collect();
        let questions: Vec<Value> = repo::questions(conn, id)?
            .iter()
            .map(|q| {
                let (text, options) = match done.get(&q.id) {
                    Some((t, o)) => (t.clone(), serde_json::from_str::<Vec<QuestionOption>>(o).unwrap_or_default()),
                    None => (String::new(), Vec::new()),
                };
                json!({"id": q.id, "german": q.text,
                       "german_options": q.options().iter().map(|o| o.label.clone()).collect::<Vec<_>>().join(" / "),
                       "has_options": !q.options().is_empty(),
                       "text": text, "options": options.iter().map(|o| o.label.clone()).collect::<Vec<_>>().join("\n")})
            })
            .collect();
        Ok(json!({"id": id, "survey_title": s.title, "survey_introduction": s.introduction,
                  "lang": "de", "target": lang.clone(), "target_name": i18n::participant_language_name(&lang),
                  "target_dir": rtl(&lang), "title_t": title, "introduction_t": intro, "questions": questions}))
    })
    .await
}

#[get("/surveys/{id}/translations/{lang}")]
async fn translation_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, String)>,
) -> PageResult {
    let (id, lang) = path.into_inner();
    let data = translation_data(&db, &user.0, id, lang).await?;
    page(
        &session,
        Some(&user.0),
        "pages/surveys/translation",
        "Übersetzung",
        data,
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
    let pairs: Vec<(String, String)> = serde_html_form::from_bytes(&body)
        .map_err(|_| AppError::invalid("form", "Das Formular konnte nicht gelesen werden."))?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    crate::web::verify_csrf(&session, field("csrf_token").as_deref())?;
    let mut input = service::NewTranslation {
        title: field("title").unwrap_or_default(),
        introduction: field("introduction").unwrap_or_default(),
        ..Default::default()
    };
    for (k, v) in &pairs {
        if let Some(id) = k.strip_prefix("text_").and_then(|i| i.parse::<i32>().ok()) {
            if v.trim().is_empty() {
                continue;
            }
            let options = field(&format!("options_{id}"))
                .map(|o| {
                    o.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            input.questions.insert(
                id,
                service::TranslatedQuestion {
                    text: v.clone(),
                    options,
                },
            );
        }
    }
    let actor = user.0.clone();
    let target = lang.clone();
    match db
        .run(move |conn| service::set_translation(conn, &actor, id, &target, &input))
        .await
    {
        Ok(()) => Ok(redirect(&format!("/surveys/{id}#translations"))),
        Err(e) => {
            let data = translation_data(&db, &user.0, id, lang).await?;
            page_with_error(
                &session,
                Some(&user.0),
                "pages/surveys/translation",
                "Übersetzung",
                data,
                e,
            )
        }
    }
}

#[derive(Deserialize)]
struct PreviewQuery {
    group: Option<String>,
    page: Option<usize>,
    lang: Option<String>,
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
    let (ctx, groups) = db
        .run(move |conn| {
            let survey = service::get(conn, &actor, id)?;
            let groups = survey.audience_groups();
            let group = q
                .group
                .filter(|g| groups.contains(g))
                .or_else(|| groups.first().cloned())
                .unwrap_or_default();
            let who = Respondent {
                survey,
                token: String::new(),
                invitation_id: None,
                group: group.clone(),
                language: "de".into(),
                answered_on: None,
                draft: Answers::new(),
            };
            let shown = shown(conn, &who, q.lang.as_deref())?;
            let mut ctx = form_context(
                &who,
                &shown,
                q.page.unwrap_or(0),
                &Answers::new(),
                &[],
                false,
            );
            ctx["preview"] = json!(true);
            ctx["preview_group"] = json!(group);
            ctx["survey_id"] = json!(id);
            Ok::<_, AppError>((ctx, groups))
        })
        .await?;
    let mut ctx = ctx;
    ctx["preview_groups"] = json!(groups
        .iter()
        .map(|g| json!({"code": g, "name": group_name(g), "current": ctx["preview_group"] == json!(g)}))
        .collect::<Vec<_>>());
    let body = templates::render("pages/surveys/respond", &ctx)?;
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
    db.run(move |conn| service::move_question_up(conn, &actor, id, qid))
        .await?;
    Ok(redirect(&format!("/surveys/{id}#questions")))
}

#[post("/surveys/{id}/invite")]
async fn invite(
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
        .run(move |conn| service::invite(conn, &actor, id, &url))
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
        .run(move |conn| {
            let s = service::get(conn, &actor, id)?;
            let mut cards = Vec::new();
            for (inv, st) in repo::invitations(conn, id)? {
                if inv.sent_at.is_some() || inv.answered_on.is_some() {
                    continue;
                }
                let url = service::survey_url(&public_url, &inv.token);
                let qr = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("QR: {e}")))?
                    .render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(160, 160)
                    .quiet_zone(true)
                    .build();
                cards.push(json!({"name": st.name, "group": group_name(&st.stakeholder_group), "url": url, "qr_svg": qr}));
            }
            Ok::<_, AppError>(json!({"id": id, "title": s.title, "closes_on": fmt_date(s.closes_on), "cards": cards}))
        })
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/surveys/sheet",
        "Einladungen zum Ausdrucken",
        data,
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
        .run(move |conn| {
            let s = service::get(conn, &actor, id)?;
            let r = results::results(conn, &s, true)?;
            let withheld: Vec<&str> = r.withheld_groups.iter().map(|g| group_name(g)).collect();
            Ok::<_, AppError>(
                json!({"id": id, "title": s.title, "results": r, "withheld": withheld.join(", ")}),
            )
        })
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/surveys/results",
        "Ergebnisse",
        data,
    )
}

#[derive(Deserialize)]
pub(crate) struct ExportQuery {
    #[serde(default)]
    pub(crate) part: Option<String>,
}

#[get("/surveys/{id}/results.{format}")]
async fn export(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, String)>,
    q: web::Query<ExportQuery>,
) -> PageResult {
    Ok(export_response(&db, user.0.clone(), path.into_inner(), q.into_inner()).await?)
}

pub(crate) async fn export_response(
    db: &Db,
    actor: Actor,
    (id, format): (i32, String),
    q: ExportQuery,
) -> AppResult<HttpResponse> {
    let raw = q.part.as_deref() == Some("raw");
    let table = db
        .run(move |conn| {
            let s = service::get(conn, &actor, id)?;
            if raw {
                results::raw_table(conn, &s)
            } else {
                results::summary_table(conn, &s)
            }
        })
        .await?;
    let name = if raw {
        format!("umfrage-{id}-antworten")
    } else {
        format!("umfrage-{id}-zusammenfassung")
    };
    crate::web::download(&table, &name, &format)
}

pub(crate) fn rtl(lang: &str) -> &'static str {
    if i18n::is_rtl(lang) {
        "rtl"
    } else {
        "ltr"
    }
}

pub(crate) fn public_html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

pub(crate) const PAGE_SIZE: usize = 5;

/// What the respondent sees: texts in their language where the survey has them.
pub(crate) struct Shown {
    pub(crate) title: String,
    pub(crate) introduction: String,
    pub(crate) lang: String,
    pub(crate) questions: Vec<(Question, String, Vec<QuestionOption>)>,
    pub(crate) languages: Vec<String>,
    /// Every question of the survey (also those of other groups), for checking answers.
    pub(crate) all: Vec<Question>,
}

pub(crate) fn shown(
    conn: &mut crate::db::DbConn,
    who: &Respondent,
    lang: Option<&str>,
) -> AppResult<Shown> {
    let mut languages = vec!["de".to_string()];
    languages.extend(repo::translation_languages(conn, who.survey.id)?);
    let wanted = lang.unwrap_or(&who.language);
    let lang = if languages.iter().any(|l| l == wanted) {
        wanted.to_string()
    } else {
        "de".to_string()
    };
    let (title, introduction) = if lang == "de" {
        (who.survey.title.clone(), who.survey.introduction.clone())
    } else {
        repo::translation(conn, who.survey.id, &lang)?
            .unwrap_or((who.survey.title.clone(), who.survey.introduction.clone()))
    };
    let translated: BTreeMap<i32, (String, String)> = if lang == "de" {
        BTreeMap::new()
    } else {
        repo::question_translations(conn, who.survey.id, &lang)?
            .into_iter()
            .map(|(id, t, o)| (id, (t, o)))
            .collect()
    };
    let all = repo::questions(conn, who.survey.id)?;
    let questions = respond::visible(&all, &who.group)
        .into_iter()
        .map(|q| {
            let (text, options) = match translated.get(&q.id) {
                Some((t, o)) => (
                    t.clone(),
                    serde_json::from_str(o).unwrap_or_else(|_| q.options()),
                ),
                None => (q.text.clone(), q.options()),
            };
            (q, text, options)
        })
        .collect();
    Ok(Shown {
        title,
        introduction,
        lang,
        questions,
        languages,
        all,
    })
}

fn question_json(
    q: &Question,
    text: &str,
    options: &[QuestionOption],
    value: Option<&Value>,
    error: Option<&str>,
    lang: &str,
) -> Value {
    let chosen: Vec<u64> = match value {
        Some(Value::Array(a)) if q.kind == "multiple" => {
            a.iter().filter_map(Value::as_u64).collect()
        }
        Some(v) => v.as_u64().into_iter().collect(),
        None => Vec::new(),
    };
    let ranks: BTreeMap<usize, usize> = match (q.kind.as_str(), value) {
        ("rank", Some(Value::Array(order))) => order
            .iter()
            .enumerate()
            .filter_map(|(place, i)| Some((usize::try_from(i.as_u64()?).ok()?, place + 1)))
            .collect(),
        _ => BTreeMap::new(),
    };
    let n = options.len();
    let opts: Vec<Value> = options
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let places: Vec<Value> = (1..=n).map(|p| json!({"n": p, "selected": ranks.get(&i) == Some(&p)})).collect();
            json!({"index": i, "label": o.label, "checked": chosen.contains(&(i as u64)), "places": places})
        })
        .collect();
    let scale: Vec<Value> = (1..=5)
        .map(|v| json!({"value": v, "checked": value.and_then(Value::as_i64) == Some(v)}))
        .collect();
    json!({"id": q.id, "kind": q.kind, "text": text, "help": q.help, "required": q.required,
           "options": opts, "scale": scale,
           "low": options.first().map(|o| o.label.clone()), "high": options.get(1).map(|o| o.label.clone()),
           "is_single": q.kind == "single", "is_multiple": q.kind == "multiple", "is_scale": q.kind == "scale",
           "is_text": q.kind == "text", "is_number": q.kind == "number", "is_rank": q.kind == "rank",
           "value": match value { Some(Value::String(s)) => json!(s), Some(Value::Number(n)) if q.kind == "number" => json!(n.to_string()), _ => json!("") },
           "max_length": q.max_length, "min": q.min_value, "max": q.max_value,
           "error": error, "required_text": i18n::text(lang, "respond.required")})
}

pub(crate) fn form_context(
    who: &Respondent,
    shown: &Shown,
    page_no: usize,
    answers: &Answers,
    errors: &[FieldError],
    saved: bool,
) -> Value {
    let pages = shown.questions.len().div_ceil(PAGE_SIZE).max(1);
    let page_no = page_no.min(pages - 1);
    let on_page: Vec<Value> = shown
        .questions
        .iter()
        .skip(page_no * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|(q, text, options)| {
            let err = errors
                .iter()
                .find(|e| e.question_id == q.id)
                .map(|e| e.message.as_str());
            let mut v = question_json(q, text, options, answers.get(&q.id), err, &shown.lang);
            // Not translated: the German text keeps its own direction on an RTL page.
            v["german"] = json!(shown.lang != "de" && *text == q.text);
            v
        })
        .collect();
    let answered = shown
        .questions
        .iter()
        .filter(|(q, _, _)| answers.contains_key(&q.id))
        .count();
    let lang = &shown.lang;
    let languages: Vec<Value> = shown
        .languages
        .iter()
        .map(|l| json!({"code": l, "name": i18n::participant_language_name(l), "current": l == lang}))
        .collect();
    json!({
        "lang": lang, "dir": rtl(lang), "title": shown.title, "introduction": shown.introduction,
        "token": who.token, "questions": on_page, "page": page_no, "pages": pages, "page_number": page_no + 1,
        "first": page_no == 0, "last": page_no + 1 == pages, "answered": answered, "total": shown.questions.len(),
        "anonymous": who.survey.anonymous, "closes_on": fmt_date(who.survey.closes_on),
        "languages": languages, "has_languages": shown.languages.len() > 1, "saved": saved,
        "errors": errors
            .iter()
            .map(|e| {
                let text = shown.questions.iter().find(|(q, _, _)| q.id == e.question_id).map(|(_, t, _)| t.as_str()).unwrap_or("");
                json!({"id": e.question_id, "question": text, "message": e.message})
            })
            .collect::<Vec<_>>(),
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page)
        .service(create)
        .service(export)
        .service(results_page)
        .service(sheet)
        .service(invite)
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
