//! The JSON API (`/api/v1`) of the audit log: one page of entries with the page's filter.
//! Each handler parses the request, calls one use case and answers.

use actix_web::{get, web};

use super::service::{self, AuditList, AuditQuery, Within};
use crate::api::{Answer, Caller};
use crate::error::{AppError, AppResult};

/// Whose entries the caller may read: a coordinator their organisation's, an admin every
/// organisation's; everyone else is refused (403).
pub(crate) fn within_for(
    actor_is_admin: bool, coordinator_org: AppResult<crate::ids::OrgId>,
) -> AppResult<Within> {
    if actor_is_admin {
        return Ok(Within::Service(None));
    }
    coordinator_org.map(Within::Organisation).map_err(|_| AppError::forbidden())
}

/// The audit log, newest first, 50 entries a page. Coordinators read their organisation's
/// entries; admins every organisation's (narrow with `organisation`). Trainers and
/// referrers are refused.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditList),
        (status = 403, description = "not a coordinator or admin", body = crate::api::ErrorSchema),
        (status = 422, description = "a filter value is wrong (the field is named)", body = crate::api::ErrorSchema)))]
#[get("/api/v1/audit")]
async fn api_audit(caller: Caller, q: web::Query<AuditQuery>) -> Answer {
    let q = q.into_inner();
    caller
        .ok(move |conn, actor| {
            let within = within_for(actor.is_admin(), actor.coordinator_org())?;
            service::list(conn, within, &q)
        })
        .await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_audit))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_audit);
}
