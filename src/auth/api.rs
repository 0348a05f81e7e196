//! The JSON API (`/api/v1`) of auth: each handler parses the request, calls one use case and answers.

use actix_web::cookie::{CookieJar, Key};
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::models::{Actor, ApiTokenInfo, Role};
use super::service::{self, AuthSettings, LoginAttempt};
use crate::api::{Answer, Caller, Json};
use crate::config::Settings;
use crate::db::Db;
use crate::ids::{OrgId, TokenId, UserId};

pub(crate) const DEVICE_COOKIE: &str = "mietschulung_device";

pub(crate) fn device_key(settings: &Settings) -> Key {
    let mut material = settings.session_key_bytes();
    material.extend_from_slice(b"\0device-cookie");
    Key::derive_from(&material)
}

/// The account this browser has logged in to before, from its signed device cookie.
pub(crate) fn known_device_user(req: &HttpRequest, settings: &Settings) -> Option<UserId> {
    let cookie = req.cookie(DEVICE_COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    jar.signed(&device_key(settings)).get(DEVICE_COOKIE)?.value().parse().ok()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
    /// A name for the token, e.g. the device or script using it.
    #[serde(default)]
    pub label: Option<String>,
    /// Days until the token expires: 1 to 365, default 90.
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// The bearer token. Shown only in this answer; only its hash is stored.
    pub token: String,
    pub role: Role,
    #[schema(value_type = Option<i32>)]
    pub organisation_id: Option<OrgId>,
    #[serde(flatten)]
    pub info: ApiTokenInfo,
}

/// Exchange email and password for a bearer token (valid 90 days unless chosen otherwise).
/// Failed attempts are throttled per account and per client address (429 with Retry-After).
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth",
    request_body = TokenRequest,
    responses((status = 200, body = TokenResponse),
        (status = 422, description = "wrong credentials or invalid input", body = crate::api::ErrorSchema),
        (status = 429, description = "too many failed attempts; see Retry-After", body = crate::api::ErrorSchema)))]
#[post("/api/v1/auth/token")]
pub async fn api_token(
    req: HttpRequest, db: web::Data<Db>, auth: web::Data<AuthSettings>, body: Json<TokenRequest>,
) -> Answer {
    let body = body.into_inner();
    let client = crate::web::client_ip(&req);
    let auth = auth.get_ref().clone();
    let (token, actor, info) = db
        .run(move |conn| {
            let actor = service::login(
                conn,
                &auth,
                LoginAttempt {
                    email: &body.email,
                    password: &body.password,
                    client,
                    known_device_user: None,
                },
            )?;
            let (token, info) = service::issue_api_token(
                conn,
                &actor,
                body.label.as_deref().unwrap_or("API"),
                body.expires_in_days,
            )?;
            Ok((token, actor, info))
        })
        .await?;
    Ok(token_answer(HttpResponse::Ok(), token, &actor, info))
}

/// A new token, in this answer only: never kept in a cache.
fn token_answer(
    mut answer: actix_web::HttpResponseBuilder, token: String, actor: &Actor, info: ApiTokenInfo,
) -> HttpResponse {
    answer.insert_header(("Cache-Control", "no-store")).json(TokenResponse {
        token,
        role: actor.role,
        organisation_id: actor.organisation_id,
        info,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// A name for the token, e.g. the device or script using it.
    pub label: String,
    /// Days until the token expires: 1 to 365, default 90.
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

/// Make another named token for the caller (the new token is in the answer only).
#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth", security(("bearer" = [])),
    request_body = NewTokenRequest,
    responses((status = 201, body = TokenResponse),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 422, description = "invalid input", body = crate::api::ErrorSchema)))]
#[post("/api/v1/auth/tokens")]
async fn api_create_token(caller: Caller, body: Json<NewTokenRequest>) -> Answer {
    let (token, info) = caller
        .run(move |c, actor| service::issue_api_token(c, actor, &body.label, body.expires_in_days))
        .await?;
    Ok(token_answer(HttpResponse::Created(), token, &caller.actor, info))
}

/// The caller's API tokens (names, dates, last use; never the tokens themselves).
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = [ApiTokenInfo]),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema)))]
#[get("/api/v1/auth/tokens")]
async fn api_list_tokens(caller: Caller) -> Answer {
    caller.ok(service::my_tokens).await
}

/// Revoke one of the caller's tokens (also the one in use).
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i32, Path, description = "token id")),
    responses((status = 204, description = "revoked"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 404, description = "no such token of the caller", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/auth/tokens/{id}")]
async fn api_revoke_token(caller: Caller, id: web::Path<TokenId>) -> Answer {
    caller.no_content(move |conn, actor| service::revoke_my_token(conn, actor, *id)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 10 characters.
    pub new_password: String,
}

/// Change the caller's password. Ends all their browser sessions and API tokens, this one
/// included.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChange,
    responses((status = 204, description = "changed; every session and token of the user has ended"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 422, description = "wrong current password or too short a new one", body = crate::api::ErrorSchema)))]
#[post("/api/v1/auth/password")]
async fn api_change_password(caller: Caller, body: Json<PasswordChange>) -> Answer {
    caller
        .no_content(move |conn, actor| {
            let (current, new) = (&body.current_password, &body.new_password);
            service::change_password(conn, actor, current, new)
        })
        .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub email: String,
}

/// "Passwort vergessen?": if an active account has this address, a mail with a one-time
/// link (valid 1 hour) to choose a new password goes to it. The answer is the same
/// whether the account exists or not. Requests are throttled per client address (429
/// with Retry-After) and per address asked for (beyond that: the same answer, no mail).
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth",
    request_body = PasswordResetRequest,
    responses((status = 202, description = "accepted; a mail goes out if an active account has this address"),
        (status = 422, description = "not an e-mail address", body = crate::api::ErrorSchema),
        (status = 429, description = "too many requests from this client; see Retry-After", body = crate::api::ErrorSchema)))]
#[post("/api/v1/auth/password-reset")]
pub async fn api_password_reset(
    req: HttpRequest, db: web::Data<Db>, auth: web::Data<AuthSettings>,
    public_url: crate::web::PublicUrl, body: Json<PasswordResetRequest>,
) -> Answer {
    let client = crate::web::client_ip(&req);
    let auth = auth.get_ref().clone();
    let url = public_url.0;
    let email = body.into_inner().email;
    db.run(move |conn| super::links::request_password_reset(conn, &auth, &url, &email, client))
        .await?;
    Ok(HttpResponse::Accepted().finish())
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_token,
    api_create_token,
    api_list_tokens,
    api_revoke_token,
    api_change_password,
    api_password_reset,
))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_token)
        .service(api_create_token)
        .service(api_list_tokens)
        .service(api_revoke_token)
        .service(api_change_password)
        .service(api_password_reset);
}
