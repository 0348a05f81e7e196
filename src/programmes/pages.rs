//! Pages of the logged-in UI of programmes: each handler parses the request, calls one use case and answers.
//!
//! Admins set programmes up under `/admin/programme`; the programme's office reads its
//! figures under `/programm`; an organisation's coordinators answer and choose what they
//! share under `/programme` (their settings).

use actix_web::{get, post, web};
use serde::Deserialize;

use super::models::{NewPeriod, Sharing};
use super::service::{self, Decision};
use super::views;
use crate::error::PageResult;
use crate::i18n::Text;
use crate::ids::{OrgId, ProgrammeId};
use crate::web::{confirm, Confirmation, EmptyForm, Form, Id, PublicUrl, Ui};

const ADMIN_LIST: &str = "pages/programmes/admin_list";
const ADMIN_SHOW: &str = "pages/programmes/admin_show";
const FIGURES: &str = "pages/programmes/figures";
const OFFICE: &str = "pages/programmes/office";
const MEMBERSHIPS: &str = "pages/programmes/memberships";

#[get("/admin/programme")]
async fn admin_list(ui: Ui) -> PageResult {
    ui.show(ADMIN_LIST, "title.programmes", views::admin_list).await
}

#[get("/admin/programme/{id}")]
async fn admin_show(ui: Ui, id: Id<ProgrammeId>) -> PageResult {
    let id = *id;
    ui.show(ADMIN_SHOW, "title.programme", move |conn, actor| views::admin_show(conn, actor, id))
        .await
}

/// Shows the admin's page again with the refusal.
async fn admin_show_again(ui: &Ui, id: ProgrammeId, e: crate::error::AppError) -> PageResult {
    let data = ui.run(move |conn, actor| views::admin_show(conn, actor, id)).await?;
    ui.page_with_error(ADMIN_SHOW, "title.programme", &data, e)
}

#[post("/admin/programme/{id}/perioden")]
async fn admin_add_period(ui: Ui, id: Id<ProgrammeId>, Form(form): Form<NewPeriod>) -> PageResult {
    let id = *id;
    match ui.run(move |conn, actor| service::create_period(conn, actor, id, form)).await {
        Ok(_) => ui.done(&format!("/admin/programme/{id}"), &Text::key("done.programme_period")),
        Err(e) => admin_show_again(&ui, id, e).await,
    }
}

#[derive(Deserialize)]
struct InviteForm {
    organisation_id: OrgId,
}

#[post("/admin/programme/{id}/mitglieder")]
async fn admin_invite(ui: Ui, id: Id<ProgrammeId>, Form(form): Form<InviteForm>) -> PageResult {
    let id = *id;
    let org = form.organisation_id;
    match ui.run(move |conn, actor| service::invite(conn, actor, id, org)).await {
        Ok(_) => ui.done(&format!("/admin/programme/{id}"), &Text::key("done.programme_invited")),
        Err(e) => admin_show_again(&ui, id, e).await,
    }
}

#[derive(Deserialize)]
struct OfficeForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
}

#[post("/admin/programme/{id}/konten")]
async fn admin_invite_office(
    ui: Ui, id: Id<ProgrammeId>, url: PublicUrl, Form(form): Form<OfficeForm>,
) -> PageResult {
    let id = *id;
    let link = url.0;
    let result = ui
        .run(move |conn, actor| {
            service::invite_office(conn, actor, id, &form.email, &form.display_name, &link)
        })
        .await;
    match result {
        Ok(_) => ui.done(&format!("/admin/programme/{id}"), &Text::key("done.account_invited")),
        Err(e) => admin_show_again(&ui, id, e).await,
    }
}

/// The programme office's start page.
#[get("/programm")]
async fn office(ui: Ui) -> PageResult {
    ui.show(OFFICE, "title.programme", views::office).await
}

#[derive(Debug, Deserialize)]
struct FiguresQuery {
    period: Option<String>,
    quarter: Option<String>,
}

impl FiguresQuery {
    /// A period id that is no number finds no period (404), like an unknown one.
    fn period(&self) -> Option<i32> {
        self.period.as_deref().filter(|p| !p.is_empty()).map(|p| p.trim().parse().unwrap_or(-1))
    }
}

/// The programme's figures (its office and admins).
#[get("/programm/{id}/zahlen")]
async fn figures(ui: Ui, id: Id<ProgrammeId>, q: web::Query<FiguresQuery>) -> PageResult {
    let (id, period) = (*id, q.period());
    let d = ui.run(move |conn, actor| service::dashboard(conn, actor, id, period)).await?;
    let page = views::figures_page(d, &format!("/programm/{id}/zahlen"), q.quarter.as_deref());
    ui.page(FIGURES, "title.programme_figures", &page)
}

#[get("/programm/{id}/zahlen.{format}")]
async fn figures_export(
    ui: Ui, path: web::Path<(ProgrammeId, String)>, q: web::Query<FiguresQuery>,
) -> PageResult {
    let (id, format) = path.into_inner();
    let period = q.period();
    let code = format.clone();
    let file = ui
        .run(move |conn, actor| {
            let d = service::dashboard(conn, actor, id, period)?;
            let file = super::export::file(&d, &code)?;
            service::record_export(conn, actor, id, &code)?;
            Ok(file)
        })
        .await?;
    Ok(super::api::respond(file, &format)?)
}

/// A coordinator's programmes: invitations to answer, what the organisation shares.
#[get("/programme")]
async fn memberships(ui: Ui) -> PageResult {
    ui.show(MEMBERSHIPS, "title.programmes", views::memberships).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SharingForm {
    figures: Option<String>,
    templates: Option<String>,
}

async fn decided(ui: &Ui, id: ProgrammeId, decision: Decision, done: &'static str) -> PageResult {
    match ui.run(move |conn, actor| service::decide(conn, actor, id, decision)).await {
        Ok(_) => ui.done("/programme", &Text::key(done)),
        Err(e) => {
            let data = ui.run(views::memberships).await?;
            ui.page_with_error(MEMBERSHIPS, "title.programmes", &data, e)
        }
    }
}

/// Accept an invitation, or change what is shared.
#[post("/programme/{id}/teilen")]
async fn share(ui: Ui, id: Id<ProgrammeId>, Form(form): Form<SharingForm>) -> PageResult {
    let sharing = Sharing { figures: form.figures.is_some(), templates: form.templates.is_some() };
    decided(&ui, *id, Decision::Share(sharing), "done.programme_sharing").await
}

#[post("/programme/{id}/ablehnen")]
async fn decline(ui: Ui, id: Id<ProgrammeId>, _f: Form<EmptyForm>) -> PageResult {
    decided(&ui, *id, Decision::Decline, "done.programme_declined").await
}

/// Before leaving: what stops and what stays.
#[get("/programme/{id}/austreten")]
async fn leave_confirm(ui: Ui, id: Id<ProgrammeId>) -> PageResult {
    let id = *id;
    let m = ui.run(move |conn, actor| service::membership_of(conn, actor, id)).await?;
    let page = Confirmation::new(
        Text::key("programmes.leave_heading").arg("programme", m.programme.name.clone()),
        format!("/programme/{id}/austreten"),
        Text::key("programmes.leave_button"),
        "/programme",
    )
    .destructive()
    .goes(Text::key("programmes.leave_goes_figures"))
    .goes(Text::key("programmes.leave_goes_templates"))
    .stays(Text::key("programmes.leave_stays_copies"))
    .stays(Text::key("programmes.leave_stays_reports"));
    ui.page(confirm::TEMPLATE, "title.programmes", &page)
}

#[post("/programme/{id}/austreten")]
async fn leave(ui: Ui, id: Id<ProgrammeId>, _f: Form<EmptyForm>) -> PageResult {
    decided(&ui, *id, Decision::Leave, "done.programme_left").await
}

/// The organisation's own figures as the programme receives them (nothing held back).
#[get("/programme/{id}/zahlen")]
async fn own_figures(ui: Ui, id: Id<ProgrammeId>, q: web::Query<FiguresQuery>) -> PageResult {
    let (id, period) = (*id, q.period());
    let d = ui.run(move |conn, actor| service::own_figures(conn, actor, id, period)).await?;
    let page = views::figures_page(d, &format!("/programme/{id}/zahlen"), q.quarter.as_deref());
    ui.page(FIGURES, "title.programme_own_figures", &page)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(admin_list)
        .service(admin_show)
        .service(admin_add_period)
        .service(admin_invite)
        .service(admin_invite_office)
        .service(office)
        .service(figures_export)
        .service(figures)
        .service(memberships)
        .service(share)
        .service(decline)
        .service(leave_confirm)
        .service(leave)
        .service(own_figures);
}
