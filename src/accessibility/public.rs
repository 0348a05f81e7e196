//! The public statement pages and their feedback form: each handler parses the request,
//! calls one use case and answers.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{get, middleware::from_fn, post, web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;
use serde_json::json;

use super::models::FeedbackInput;
use super::service::{self, PublicStatement};
use crate::db::Db;
use crate::error::{AppError, HtmlError, PageResult};
use crate::i18n;
use crate::ids::OrgId;
use crate::rate_limit::ClientLimiter;
use crate::templates;
use crate::web::{
    client_ip, csrf_token, in_readers_language, page_language, participant_codes, Form,
};

const TEMPLATE: &str = "pages/accessibility/statement";

/// The statement itself is a legal text written in German and English (BITV asks for
/// German; English for the many readers who read no German): its keys are in those two
/// files only. The page around it, the feedback form and its refusals speak every
/// participant language; a reader of another one gets the German text, marked as German,
/// with a note in their language saying why.
fn statement_language(lang: &str) -> &'static str {
    if lang == "en" {
        "en"
    } else {
        "de"
    }
}

/// Per-client allowance of feedback posts (the rate of the manual code form).
pub struct FeedbackLimit(pub ClientLimiter);

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

struct Shown<'a> {
    lang: &'static str,
    statement: &'a PublicStatement,
    form: &'a FeedbackInput,
    error: Option<AppError>,
    sent: bool,
}

fn render(session: &Session, shown: Shown) -> PageResult {
    let Shown { lang, statement, form, error, sent } = shown;
    let status = error.as_ref().map_or(StatusCode::OK, ResponseError::status_code);
    let retry_after = error.as_ref().and_then(AppError::retry_after_secs);
    let other = if lang == "en" { "de" } else { "en" };
    let ctx = json!({
        "lang": lang,
        "dir": i18n::direction(lang),
        "title": i18n::text(lang, "statement.title"),
        "csrf": csrf_token(session),
        "statement": statement,
        "statement_org": statement.organisation_id,
        "conformity_text": i18n::text(
            statement_language(lang),
            &format!("statement.conformity_{}_text", statement.conformity)
        ),
        "form": form,
        "max_message": service::MAX_MESSAGE,
        "error": error.as_ref().map(|e| json!({"field": e.field(), "message": e.message(lang)})),
        "sent": sent,
        "body_lang": statement_language(lang),
        "legal_note": !matches!(lang, "de" | "en"),
        "other_lang": other,
        "other_lang_name": if other == "en" { "English" } else { "Deutsch" },
    });
    let body = templates::render(TEMPLATE, &ctx)?;
    let mut resp = HttpResponse::build(status);
    if let Some(secs) = retry_after {
        resp.insert_header(("Retry-After", secs.to_string()));
    }
    Ok(resp
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// The statement for pages of no organisation (login, errors).
#[get("/barrierefreiheit", wrap = "from_fn(in_readers_language)")]
async fn general(
    req: HttpRequest, session: Session, db: web::Data<Db>, q: web::Query<LangQuery>,
) -> PageResult {
    let lang = page_language(&req, q.lang.as_deref(), &participant_codes());
    let statement = db.run(|conn| service::public_statement(conn, None)).await?;
    let form = FeedbackInput::default();
    render(&session, Shown { lang, statement: &statement, form: &form, error: None, sent: false })
}

#[get("/barrierefreiheit/{org}", wrap = "from_fn(in_readers_language)")]
async fn of_organisation(
    req: HttpRequest, session: Session, db: web::Data<Db>, org: web::Path<OrgId>,
    q: web::Query<LangQuery>,
) -> PageResult {
    let lang = page_language(&req, q.lang.as_deref(), &participant_codes());
    let org = *org;
    let statement = db.run(move |conn| service::public_statement(conn, Some(org))).await?;
    let form = FeedbackInput::default();
    render(&session, Shown { lang, statement: &statement, form: &form, error: None, sent: false })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FeedbackForm {
    name: String,
    email: String,
    message: String,
    lang: String,
}

#[post("/barrierefreiheit/{org}", wrap = "from_fn(in_readers_language)")]
async fn send_feedback(
    req: HttpRequest, session: Session, db: web::Data<Db>, limit: web::Data<FeedbackLimit>,
    org: web::Path<OrgId>, Form(form): Form<FeedbackForm>,
) -> PageResult {
    let lang = page_language(&req, Some(&form.lang), &participant_codes());
    let org = *org;
    let statement = db.run(move |conn| service::public_statement(conn, Some(org))).await?;
    let input = FeedbackInput { name: form.name, email: form.email, message: form.message };
    if let Err(wait) = limit.0.check(client_ip(&req)) {
        let error = AppError::RateLimited { retry_after_secs: wait };
        return render(
            &session,
            Shown { lang, statement: &statement, form: &input, error: Some(error), sent: false },
        );
    }
    let sent = input.clone();
    match db.run(move |conn| service::send_feedback(conn, org, &sent)).await {
        Ok(_) => {
            let empty = FeedbackInput::default();
            render(
                &session,
                Shown { lang, statement: &statement, form: &empty, error: None, sent: true },
            )
        }
        Err(e @ AppError::Validation { .. }) => render(
            &session,
            Shown { lang, statement: &statement, form: &input, error: Some(e), sent: false },
        ),
        Err(e) => Err(HtmlError(e)),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(general).service(of_organisation).service(send_feedback);
}
