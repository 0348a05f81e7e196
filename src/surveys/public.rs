//! Pages and feeds that need no login of surveys: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, web, HttpResponse};
use serde_json::{json, Value};

use super::api::{OpenLinkLimit, RespondQuery};
use super::models::*;
use super::pages::{form_context, public_html, rtl, shown, Shown, PAGE_SIZE};
use super::respond::{self, Answers, FieldError, Respondent, Submitted};
use crate::db::Db;
use crate::error::{AppError, HtmlError};
use crate::i18n;
use crate::templates;
use crate::web::redirect;

fn render_form(
    who: &Respondent,
    shown: &Shown,
    page_no: usize,
    answers: &Answers,
    errors: &[FieldError],
) -> Result<HttpResponse, HtmlError> {
    render_form_with(who, shown, page_no, answers, errors, false)
}

fn render_form_with(
    who: &Respondent,
    shown: &Shown,
    page_no: usize,
    answers: &Answers,
    errors: &[FieldError],
    saved: bool,
) -> Result<HttpResponse, HtmlError> {
    let ctx = form_context(who, shown, page_no, answers, errors, saved);
    let body = templates::render("pages/surveys/respond", &ctx)?;
    let status = if errors.is_empty() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(public_html(status, body))
}

fn render_message(
    lang: &str,
    key: &str,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, HtmlError> {
    let ctx = json!({"lang": lang, "dir": rtl(lang), "title": i18n::text(lang, &format!("{key}_title")),
                     "message": i18n::text(lang, key)});
    Ok(public_html(
        status,
        templates::render("pages/surveys/message", &ctx)?,
    ))
}

#[get("/s/{token}")]
async fn respond_page(
    db: web::Data<Db>,
    path: web::Path<String>,
    q: web::Query<RespondQuery>,
) -> Result<HttpResponse, HtmlError> {
    let token = path.into_inner();
    let lang = q.lang.clone();
    let (who, shown) = db
        .run(move |conn| {
            let who = respond::resolve(conn, &token)?;
            let shown = shown(conn, &who, lang.as_deref())?;
            Ok((who, shown))
        })
        .await?;
    if let Some(closed) = who.closed(crate::time::today_local()) {
        return render_message(
            &shown.lang,
            closed.message_key(),
            actix_web::http::StatusCode::OK,
        );
    }
    render_form_with(
        &who,
        &shown,
        q.page.unwrap_or(0),
        &who.draft,
        &[],
        q.saved.is_some(),
    )
}

/// Reads the posted answers of the questions on one page (no JavaScript: checkboxes repeat
/// their name, a rank question sends one place per topic).
fn answers_from_form(
    pairs: &[(String, String)],
    questions: &[&Question],
) -> (Answers, Vec<FieldError>) {
    let mut answers = Answers::new();
    let mut errors = Vec::new();
    for q in questions {
        let key = format!("q{}", q.id);
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .collect();
        let first = values.first().map(|v| v.trim()).unwrap_or("");
        let value = match q.kind.as_str() {
            "multiple" => Value::from(
                values
                    .iter()
                    .filter_map(|v| v.parse::<u64>().ok())
                    .collect::<Vec<_>>(),
            ),
            "single" | "scale" if first.is_empty() => Value::Null,
            "single" | "scale" => first
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::from(-1)),
            "number" if first.is_empty() => Value::Null,
            "number" => match first.replace([' ', '.'], "").parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    errors.push(FieldError {
                        question_id: q.id,
                        message: "Bitte geben Sie eine ganze Zahl ein.".into(),
                    });
                    continue;
                }
            },
            "text" => Value::from(first),
            "rank" => {
                let n = q.options().len();
                let mut places: Vec<(usize, usize)> = Vec::new();
                for i in 0..n {
                    let k = format!("q{}_{i}", q.id);
                    if let Some(p) = pairs
                        .iter()
                        .find(|(name, _)| *name == k)
                        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    {
                        places.push((p, i));
                    }
                }
                if places.is_empty() {
                    Value::Null
                } else if places.len() != n || {
                    let mut ps: Vec<usize> = places.iter().map(|(p, _)| *p).collect();
                    ps.sort_unstable();
                    ps != (1..=n).collect::<Vec<_>>()
                } {
                    errors.push(FieldError {
                        question_id: q.id,
                        message:
                            "Bitte geben Sie jedem Thema einen anderen Platz (1 = am wichtigsten)."
                                .into(),
                    });
                    continue;
                } else {
                    places.sort_unstable();
                    Value::from(places.into_iter().map(|(_, i)| i).collect::<Vec<_>>())
                }
            }
            _ => Value::Null,
        };
        answers.insert(q.id, value);
    }
    (answers, errors)
}

#[post("/s/{token}")]
async fn respond_post(
    db: web::Data<Db>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, HtmlError> {
    if body.len() > 64 * 1024 {
        return Err(AppError::invalid("form", "Das Formular ist zu groß.").into());
    }
    let pairs: Vec<(String, String)> = serde_html_form::from_bytes(&body)
        .map_err(|_| AppError::invalid("form", "Das Formular konnte nicht gelesen werden."))?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let action = field("action").unwrap_or_default();
    let chosen = action.clone();
    let page_no: usize = field("page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let lang = field("lang");
    let token = path.into_inner();
    let today = crate::time::today_local();
    let outcome = db
        .run(move |conn| {
            let who = respond::resolve(conn, &token)?;
            let shown = shown(conn, &who, lang.as_deref())?;
            if let Some(closed) = who.closed(today) {
                return Ok((who, shown, Err(closed)));
            }
            let on_page: Vec<&Question> = shown
                .questions
                .iter()
                .skip(page_no * PAGE_SIZE)
                .take(PAGE_SIZE)
                .map(|(q, _, _)| q)
                .collect();
            let ids: Vec<i32> = on_page.iter().map(|q| q.id).collect();
            let (raw, mut errors) = answers_from_form(&pairs, &on_page);
            let saved = respond::save_draft(conn, &who, &shown.all, &raw, &ids)?;
            let merged = match saved {
                Ok(m) => m,
                Err(e) => {
                    errors.extend(e);
                    let mut m = who.draft.clone();
                    m.extend(raw.into_iter().filter(|(_, v)| !v.is_null()));
                    m
                }
            };
            // Moving on needs this page's required answers; saving for later does not.
            if errors.is_empty() && matches!(action.as_str(), "next" | "submit") {
                let scope: Vec<i32> = if action == "submit" {
                    shown.all.iter().map(|q| q.id).collect()
                } else {
                    ids.clone()
                };
                if let Err(e) =
                    respond::check_answers(&shown.all, &who.group, &merged, &scope, true)
                {
                    errors.extend(e);
                }
            }
            if !errors.is_empty() || !matches!(action.as_str(), "submit") {
                return Ok((who, shown, Ok((merged, errors, false))));
            }
            match respond::submit(conn, &who, &merged, today)? {
                Submitted::Saved => Ok((who, shown, Ok((merged, Vec::new(), true)))),
                Submitted::Invalid(e) => Ok((who, shown, Ok((merged, e, false)))),
            }
        })
        .await;
    let (who, shown, result) = match outcome {
        Ok(o) => o,
        Err(AppError::Conflict(_)) => {
            return render_message(
                "de",
                "respond.answered",
                actix_web::http::StatusCode::CONFLICT,
            )
        }
        Err(e) => return Err(e.into()),
    };
    let (merged, errors, done) = match result {
        Err(closed) => {
            return render_message(
                &shown.lang,
                closed.message_key(),
                actix_web::http::StatusCode::CONFLICT,
            );
        }
        Ok(r) => r,
    };
    if done {
        return render_message(
            &shown.lang,
            "respond.thanks",
            actix_web::http::StatusCode::OK,
        );
    }
    if !errors.is_empty() {
        // Show the page with the first problem.
        let first_bad = shown
            .questions
            .iter()
            .position(|(q, _, _)| errors.iter().any(|e| e.question_id == q.id))
            .unwrap_or(0);
        return render_form(&who, &shown, first_bad / PAGE_SIZE, &merged, &errors);
    }
    let lang_q = if shown.lang == who.language {
        String::new()
    } else {
        format!("&lang={}", shown.lang)
    };
    let target = match chosen.as_str() {
        "next" => format!("/s/{}?page={}{lang_q}", who.token, page_no + 1),
        "back" => format!(
            "/s/{}?page={}{lang_q}",
            who.token,
            page_no.saturating_sub(1)
        ),
        _ => format!("/s/{}?page={page_no}{lang_q}&saved=1", who.token),
    };
    Ok(redirect(&target))
}

#[get("/s/o/{open_token}/{group}")]
async fn open_link(
    req: actix_web::HttpRequest,
    limit: web::Data<OpenLinkLimit>,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, HtmlError> {
    limit.check(&req)?;
    let (open, group) = path.into_inner();
    let token = db
        .run(move |conn| respond::start_open(conn, &open, &group))
        .await?;
    Ok(redirect(&format!("/s/{token}")))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(open_link)
        .service(respond_page)
        .service(respond_post);
}
