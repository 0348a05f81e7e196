//! Pages of the logged-in UI of referrals ("Vermittlung"): each handler parses the request,
//! calls one use case and answers.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};

use super::forms::ReferralForm;
use super::models::ReferralStatus;
use super::service;
use crate::certificates::service::CertificateIssuer;
use crate::error::PageResult;
use crate::i18n::Text;
use crate::ids::CertificateId;
use crate::web::{Form, Id, Ui};

const LIST: &str = "pages/referrals/list";
const REGISTER: &str = "pages/referrals/register";

#[get("/vermittlung")]
async fn list_page(ui: Ui) -> PageResult {
    ui.show(LIST, "title.ref_list", service::referrals_page).await
}

#[get("/vermittlung/anmelden")]
async fn register_page(ui: Ui) -> PageResult {
    ui.show(REGISTER, "title.ref_register", service::register_page).await
}

#[post("/vermittlung/anmelden")]
async fn register(ui: Ui, Form(form): Form<ReferralForm>) -> PageResult {
    let echo = form.echo();
    let name = format!("{} {}", form.given_name.trim(), form.family_name.trim());
    match ui.run(move |conn, actor| service::refer(conn, actor, form.parse()?)).await {
        Ok(done) => {
            let key = if done.status == ReferralStatus::Waiting {
                "done.ref_waiting"
            } else {
                "done.ref_enrolled"
            };
            ui.done("/vermittlung", &Text::key(key).arg("name", name))
        }
        Err(e) => {
            let mut data = ui.run(service::register_page).await?;
            data.form = echo;
            ui.page_with_error(REGISTER, "title.ref_register", &data, e)
        }
    }
}

#[get("/vermittlung/bescheinigungen/{id}.pdf")]
async fn certificate_pdf(
    ui: Ui, issuer: web::Data<Arc<CertificateIssuer>>, id: Id<CertificateId>,
) -> PageResult {
    let (issuer, id) = (issuer.get_ref().clone(), *id);
    let (name, bytes) =
        ui.run(move |conn, actor| service::certificate_pdf(conn, &issuer, actor, id)).await?;
    Ok(pdf(&name, bytes))
}

/// A PDF to save, never kept in a cache.
fn pdf(name: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(bytes)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_page).service(register_page).service(register).service(certificate_pdf);
}
