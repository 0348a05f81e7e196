//! The OpenAPI document of `/api/v1`: the operations each domain's `api.rs` declares,
//! merged into one document with the shared schemes and error answers.

use actix_web::{get, HttpResponse};
use utoipa::OpenApi;

pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = crate::api::ApiDoc::openapi();
    for part in [
        crate::auth::api::Doc::openapi(),
        crate::orgs::api::Doc::openapi(),
        crate::programmes::api::Doc::openapi(),
        crate::library::api::Doc::openapi(),
        crate::accessibility::api::Doc::openapi(),
        crate::planning::api::Doc::openapi(),
        crate::planning::titles::api::Doc::openapi(),
        crate::runs::api::Doc::openapi(),
        crate::participants::api::Doc::openapi(),
        crate::stakeholders::api::Doc::openapi(),
        crate::surveys::api::Doc::openapi(),
        crate::attendance::api::Doc::openapi(),
        crate::certificates::api::Doc::openapi(),
        crate::verification::api::Doc::openapi(),
        crate::reports::api::Doc::openapi(),
        crate::referrals::api::Doc::openapi(),
        crate::mail::api::Doc::openapi(),
        crate::audit::api::Doc::openapi(),
        crate::privacy::erasure::api::Doc::openapi(),
        crate::privacy::access::api::Doc::openapi(),
    ] {
        doc.merge(part);
    }
    crate::api::finish(&mut doc);
    doc
}

#[get("/api/v1/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
