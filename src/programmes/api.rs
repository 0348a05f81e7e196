//! The JSON API (`/api/v1`) of programmes: each handler parses the request, calls one use case and answers.

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::export;
use super::models::{NewPeriod, Period, Sharing};
use super::service::{self, Dashboard, Decision, Membership, ProgrammeDetail};
use crate::api::{Answer, Caller, ErrorSchema, Json};
use crate::error::AppResult;
use crate::ids::{OrgId, ProgrammeId};
use crate::web::{download, PublicUrl};

/// A programme with its periods and members (what each shares): admins, and the
/// programme's own office.
#[utoipa::path(get, path = "/api/v1/programmes/{id}", tag = "programmes", security(("bearer" = [])),
    params(("id" = i32, Path, description = "programme id")),
    responses((status = 200, body = ProgrammeDetail),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema)))]
#[get("/api/v1/programmes/{id}")]
async fn api_programme(caller: Caller, id: web::Path<ProgrammeId>) -> Answer {
    caller.ok(move |conn, actor| service::detail(conn, actor, *id)).await
}

/// Admins: add a reporting period.
#[utoipa::path(post, path = "/api/v1/admin/programmes/{id}/periods", tag = "programmes", security(("bearer" = [])),
    params(("id" = i32, Path, description = "programme id")),
    request_body = NewPeriod,
    responses((status = 201, body = [Period]),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema),
        (status = 422, body = ErrorSchema)))]
#[post("/api/v1/admin/programmes/{id}/periods")]
async fn api_add_period(
    caller: Caller, id: web::Path<ProgrammeId>, body: Json<NewPeriod>,
) -> Answer {
    let input = body.into_inner();
    caller.created(move |conn, actor| service::create_period(conn, actor, *id, input)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteOrganisation {
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
}

/// Admins: invite an organisation (again, after it declined or left); its coordinators
/// get a mail.
#[utoipa::path(post, path = "/api/v1/admin/programmes/{id}/members", tag = "programmes", security(("bearer" = [])),
    params(("id" = i32, Path, description = "programme id")),
    request_body = InviteOrganisation,
    responses((status = 201, body = ProgrammeDetail),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema),
        (status = 409, description = "already invited or a member", body = ErrorSchema)))]
#[post("/api/v1/admin/programmes/{id}/members")]
async fn api_invite(
    caller: Caller, id: web::Path<ProgrammeId>, body: Json<InviteOrganisation>,
) -> Answer {
    let org = body.organisation_id;
    caller.created(move |conn, actor| service::invite(conn, actor, *id, org)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteOffice {
    pub email: String,
    pub display_name: String,
}

#[derive(serde::Serialize, ToSchema)]
pub struct Invited {
    pub user_id: i32,
}

/// Admins: invite a person into the programme's office (role `programme`); they get a mail
/// with a link to choose a password.
#[utoipa::path(post, path = "/api/v1/admin/programmes/{id}/accounts", tag = "programmes", security(("bearer" = [])),
    params(("id" = i32, Path, description = "programme id")),
    request_body = InviteOffice,
    responses((status = 201, body = Invited),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema),
        (status = 422, body = ErrorSchema)))]
#[post("/api/v1/admin/programmes/{id}/accounts")]
async fn api_invite_office(
    caller: Caller, id: web::Path<ProgrammeId>, body: Json<InviteOffice>, public: PublicUrl,
) -> Answer {
    let body = body.into_inner();
    let url = public.0.clone();
    caller
        .created(move |conn, actor| {
            service::invite_office(conn, actor, *id, &body.email, &body.display_name, &url)
                .map(|u| Invited { user_id: u.0 })
        })
        .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// A reporting period's id; none: the one of today. Another programme's or no number
    /// finds no period (404).
    pub period: Option<String>,
}

impl PeriodQuery {
    fn id(&self) -> Option<i32> {
        self.period
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().unwrap_or(-1))
    }
}

/// The programme's figures for a period, per member sharing them and in total, per quarter
/// and for the period: counts of people from 1 to 4 read `"< 5"`, and counts hidden so
/// that none of those can be computed back read `"x"`.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/figures", tag = "programmes", security(("bearer" = [])),
    params(("id" = i32, Path, description = "programme id"), PeriodQuery),
    responses((status = 200, body = Dashboard),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema)))]
#[get("/api/v1/programmes/{id}/figures")]
async fn api_figures(
    caller: Caller, id: web::Path<ProgrammeId>, q: web::Query<PeriodQuery>,
) -> Answer {
    let period = q.id();
    caller.ok(move |conn, actor| service::dashboard(conn, actor, *id, period)).await
}

/// The programme's figures as a file for a funding report: `csv` (semicolons, UTF-8 with
/// byte order mark), `xlsx` or `pdf`, with the same figures held back.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/figures.{format}", tag = "programmes", security(("bearer" = [])),
    params(("id" = i32, Path, description = "programme id"),
        ("format" = String, Path, description = "`csv`, `xlsx` or `pdf`"), PeriodQuery),
    responses((status = 200, content_type = "text/csv", description = "the figures as a file: text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/pdf"),
        (status = 403, body = ErrorSchema), (status = 404, description = "no such programme or period, or another format", body = ErrorSchema)))]
#[get("/api/v1/programmes/{id}/figures.{format}")]
async fn api_figures_export(
    caller: Caller, path: web::Path<(ProgrammeId, String)>, q: web::Query<PeriodQuery>,
) -> Answer {
    let (id, format) = path.into_inner();
    let period = q.id();
    let code = format.clone();
    let file = caller
        .run(move |conn, actor| {
            let d = service::dashboard(conn, actor, id, period)?;
            let file = export::file(&d, &code)?;
            service::record_export(conn, actor, id, &code)?;
            Ok(file)
        })
        .await?;
    respond(file, &format)
}

/// Coordinators: the programmes the organisation was invited to, and what it shares.
#[utoipa::path(get, path = "/api/v1/programmes", tag = "programmes", security(("bearer" = [])),
    responses((status = 200, body = [Membership]), (status = 403, body = ErrorSchema)))]
#[get("/api/v1/programmes")]
async fn api_memberships(caller: Caller) -> Answer {
    caller.ok(service::memberships).await
}

/// Coordinators: accept the invitation, or change what the organisation shares.
#[utoipa::path(put, path = "/api/v1/programmes/{id}/membership", tag = "programmes", security(("bearer" = [])),
    params(("id" = i32, Path, description = "programme id")),
    request_body = Sharing,
    responses((status = 200, body = Membership),
        (status = 403, body = ErrorSchema), (status = 404, description = "never invited", body = ErrorSchema),
        (status = 409, description = "declined or left: an admin invites again", body = ErrorSchema)))]
#[put("/api/v1/programmes/{id}/membership")]
async fn api_share(caller: Caller, id: web::Path<ProgrammeId>, body: Json<Sharing>) -> Answer {
    let sharing = body.into_inner();
    caller.ok(move |conn, actor| service::decide(conn, actor, *id, Decision::Share(sharing))).await
}

/// Coordinators: decline the invitation.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/membership/decline", tag = "programmes", security(("bearer" = [])),
    params(("id" = i32, Path, description = "programme id")),
    responses((status = 200, body = Membership),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema),
        (status = 409, description = "not an open invitation", body = ErrorSchema)))]
#[post("/api/v1/programmes/{id}/membership/decline")]
async fn api_decline(caller: Caller, id: web::Path<ProgrammeId>) -> Answer {
    caller.ok(move |conn, actor| service::decide(conn, actor, *id, Decision::Decline)).await
}

/// Coordinators: leave the programme; from then on it sees none of the organisation's
/// figures or templates.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/membership/leave", tag = "programmes", security(("bearer" = [])),
    params(("id" = i32, Path, description = "programme id")),
    responses((status = 200, body = Membership),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema),
        (status = 409, description = "not a member", body = ErrorSchema)))]
#[post("/api/v1/programmes/{id}/membership/leave")]
async fn api_leave(caller: Caller, id: web::Path<ProgrammeId>) -> Answer {
    caller.ok(move |conn, actor| service::decide(conn, actor, *id, Decision::Leave)).await
}

/// Coordinators: the organisation's own figures as they enter the programme's (nothing
/// held back: they are its own).
#[utoipa::path(get, path = "/api/v1/programmes/{id}/own-figures", tag = "programmes", security(("bearer" = [])),
    params(("id" = i32, Path, description = "programme id"), PeriodQuery),
    responses((status = 200, body = Dashboard),
        (status = 403, body = ErrorSchema), (status = 404, body = ErrorSchema)))]
#[get("/api/v1/programmes/{id}/own-figures")]
async fn api_own_figures(
    caller: Caller, id: web::Path<ProgrammeId>, q: web::Query<PeriodQuery>,
) -> Answer {
    let period = q.id();
    caller.ok(move |conn, actor| service::own_figures(conn, actor, *id, period)).await
}

/// The file as the answer: a spreadsheet, or the PDF report.
pub(super) fn respond(file: export::File, format: &str) -> AppResult<HttpResponse> {
    let (bytes, name) = match file {
        export::File::Sheet(table, name) => return download(&table, &name, format),
        export::File::Pdf(bytes, name) => (bytes, name),
    };
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.pdf\""),
        ))
        .body(bytes))
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_programme,
    api_add_period,
    api_invite,
    api_invite_office,
    api_figures,
    api_figures_export,
    api_memberships,
    api_share,
    api_decline,
    api_leave,
    api_own_figures
))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_add_period)
        .service(api_invite)
        .service(api_invite_office)
        .service(api_figures_export)
        .service(api_figures)
        .service(api_memberships)
        .service(api_share)
        .service(api_decline)
        .service(api_leave)
        .service(api_own_figures)
        .service(api_programme);
}
