//! The JSON API (`/api/v1`) of verification: each handler parses the request, calls one use case and answers.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};

use super::public::Checker;
use super::service::Verification;
use crate::api::Answer;
use crate::web::client_ip;

/// JSON form of the check, for apps that scan codes.
#[utoipa::path(get, path = "/api/v1/verify/{token}", tag = "verification",
    params(("token" = String, Path, description = "base32 token from the QR URL")),
    responses((status = 200, body = Verification),
        (status = 429, description = "too many checks from this client; see Retry-After", body = crate::api::ErrorSchema)))]
#[get("/api/v1/verify/{token}")]
pub async fn api_verify(req: HttpRequest, checker: Checker, token: web::Path<String>) -> Answer {
    if let Err(wait) = checker.limits.token.check(client_ip(&req)) {
        return Err(crate::error::AppError::RateLimited { retry_after_secs: wait });
    }
    let v = checker.token(&token).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(v))
}

/// The check of a code typed from a printed certificate, with or without its check
/// character (`0MRE-09HP-XPXF-H1GG-A` or, issued earlier, `0MRE-09HP-XPXF-H1GG`); spaces,
/// dashes and lower case are ignored. Text that cannot be a code (a check character that
/// does not fit, too short, too long) is a 422 and never reaches the database; a code we
/// never issued is `invalid`.
#[utoipa::path(get, path = "/api/v1/verify/code/{code}", tag = "verification",
    params(("code" = String, Path, description = "the printed code")),
    responses((status = 200, body = Verification),
        (status = 422, description = "not a code: mistyped (its check character does not fit), too short or too long", body = crate::api::ErrorSchema),
        (status = 429, description = "too many checks from this client; see Retry-After", body = crate::api::ErrorSchema)))]
#[get("/api/v1/verify/code/{code}")]
pub async fn api_verify_code(
    req: HttpRequest, checker: Checker, code: web::Path<String>,
) -> Answer {
    if let Err(wait) = checker.limits.code_form.check(client_ip(&req)) {
        return Err(crate::error::AppError::RateLimited { retry_after_secs: wait });
    }
    let v = checker.code(&code).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(v))
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_verify, api_verify_code))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_verify_code).service(api_verify);
}
