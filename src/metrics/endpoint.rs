//! `GET /metrics`, registered only when a token is configured (see the module's rules).

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::registry::{Metrics, CONTENT_TYPE};
use super::service::{self, MetricsAccess};
use crate::db::Db;
use crate::verification::service::PublicChecks;

async fn metrics(
    req: HttpRequest, access: web::Data<MetricsAccess>, metrics: web::Data<Arc<Metrics>>,
    db: web::Data<Db>, checks: web::Data<Arc<PublicChecks>>,
) -> HttpResponse {
    let authorization = req.headers().get(header::AUTHORIZATION).map(|v| v.as_bytes());
    if !access.allows(authorization) {
        // Nothing about why: a missing and a wrong token look the same.
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .finish();
    }
    let body = service::scrape(&db, &metrics, &checks).await;
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// Adds `/metrics` with what it needs; the caller adds it only when a token is set.
pub fn configure(cfg: &mut web::ServiceConfig, access: MetricsAccess, metrics: Arc<Metrics>) {
    cfg.service(
        web::resource("/metrics")
            .app_data(web::Data::new(access))
            .app_data(web::Data::new(metrics))
            .route(web::get().to(self::metrics)),
    );
}
