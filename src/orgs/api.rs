//! The JSON API (`/api/v1`) of orgs: each handler parses the request, calls one use case and answers.

use actix_web::{get, web};
use serde::Deserialize;

use crate::api::{Answer, Caller, Json};
use crate::ids::{OrgId, TokenId, UserId};

/// Admins: the API tokens of an organisation's users (never the tokens themselves).
#[utoipa::path(get, path = "/api/v1/admin/organisations/{id}/tokens", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id")),
    responses((status = 200, body = [crate::auth::models::ApiTokenInfo]),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 403, description = "not an admin", body = crate::api::ErrorSchema)))]
#[get("/api/v1/admin/organisations/{id}/tokens")]
pub async fn api_org_tokens(caller: Caller, id: web::Path<OrgId>) -> Answer {
    caller.ok(move |conn, actor| crate::auth::service::organisation_tokens(conn, actor, *id)).await
}

/// Admins: revoke a token of one of an organisation's users.
#[utoipa::path(delete, path = "/api/v1/admin/organisations/{id}/tokens/{token_id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id"), ("token_id" = i32, Path, description = "token id")),
    responses((status = 204, description = "revoked"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 403, description = "not an admin", body = crate::api::ErrorSchema),
        (status = 404, description = "no such token in the organisation", body = crate::api::ErrorSchema)))]
#[actix_web::delete("/api/v1/admin/organisations/{id}/tokens/{token_id}")]
pub async fn api_revoke_org_token(caller: Caller, path: web::Path<(OrgId, TokenId)>) -> Answer {
    let (org_id, token_id) = path.into_inner();
    caller
        .no_content(move |conn, actor| {
            crate::auth::service::revoke_organisation_token(conn, actor, org_id, token_id)
        })
        .await
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveChange {
    /// `false` deactivates the account and ends its sessions and API tokens.
    pub active: bool,
}

/// Admins: activate or deactivate an account.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/active", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "user id")),
    request_body = ActiveChange,
    responses((status = 204, description = "changed"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 403, description = "not an admin", body = crate::api::ErrorSchema),
        (status = 404, description = "no such user", body = crate::api::ErrorSchema),
        (status = 409, description = "an admin cannot deactivate themselves", body = crate::api::ErrorSchema),
        (status = 422, description = "invalid input", body = crate::api::ErrorSchema)))]
#[actix_web::put("/api/v1/admin/users/{id}/active")]
pub async fn api_set_user_active(
    caller: Caller, id: web::Path<UserId>, body: Json<ActiveChange>,
) -> Answer {
    let active = body.active;
    caller
        .no_content(move |c, actor| crate::auth::service::set_user_active(c, actor, *id, active))
        .await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_org_tokens, api_revoke_org_token, api_set_user_active,))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_org_tokens).service(api_revoke_org_token).service(api_set_user_active);
}
