//! The JSON API (`/api/v1`) of orgs: each handler parses the request, calls one use case and answers.

use actix_web::{get, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::models::{AccountChange, NewAccount, NewOrganisation, Organisation, OrganisationChange};
use super::service::{self, OrganisationSetup};
use super::team::{self, Account, Scope};
use crate::api::{Answer, Caller, Json};
use crate::ids::{OrgId, TokenId, UserId};
use crate::web::PublicUrl;

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

// Organisations (admins).

/// A new organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRequest {
    /// The short name the command line knows it by: lower-case letters, digits and `-`.
    pub slug: String,
    pub name: String,
    /// Printed on its certificates as the issuer.
    pub issuer_name: String,
    pub signatory_name: String,
    #[serde(default)]
    pub signatory_title: String,
}

/// A correction of an organisation's names; fields left out stay as they are. The short
/// name cannot change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub issuer_name: Option<String>,
    #[serde(default)]
    pub signatory_name: Option<String>,
    #[serde(default)]
    pub signatory_title: Option<String>,
}

/// Admins: every organisation, by name.
#[utoipa::path(get, path = "/api/v1/admin/organisations", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [Organisation])))]
#[get("/api/v1/admin/organisations")]
pub async fn api_organisations(caller: Caller) -> Answer {
    caller.ok(service::organisations).await
}

/// Admins: create an organisation (with its certificate signing key).
#[utoipa::path(post, path = "/api/v1/admin/organisations", tag = "admin", security(("bearer" = [])),
    request_body = OrganisationRequest,
    responses((status = 201, body = Organisation),
        (status = 409, description = "the short name is taken", body = crate::api::ErrorSchema)))]
#[post("/api/v1/admin/organisations")]
pub async fn api_create_organisation(
    caller: Caller, setup: web::Data<OrganisationSetup>, body: Json<OrganisationRequest>,
) -> Answer {
    let body = body.into_inner();
    let input = NewOrganisation {
        slug: body.slug,
        name: body.name,
        issuer_name: body.issuer_name,
        signatory_name: body.signatory_name,
        signatory_title: body.signatory_title,
    };
    let setup = setup.get_ref().clone();
    caller.created(move |conn, actor| service::add(conn, actor, input, &setup)).await
}

/// Admins: one organisation.
#[utoipa::path(get, path = "/api/v1/admin/organisations/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id")),
    responses((status = 200, body = Organisation)))]
#[get("/api/v1/admin/organisations/{id}")]
pub async fn api_organisation(caller: Caller, id: web::Path<OrgId>) -> Answer {
    caller.ok(move |conn, actor| service::organisation(conn, actor, *id)).await
}

/// Admins: correct an organisation's names. Certificates issued before keep what they print.
#[utoipa::path(put, path = "/api/v1/admin/organisations/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id")),
    request_body = OrganisationUpdate,
    responses((status = 200, body = Organisation)))]
#[put("/api/v1/admin/organisations/{id}")]
pub async fn api_update_organisation(
    caller: Caller, id: web::Path<OrgId>, body: Json<OrganisationUpdate>,
) -> Answer {
    let body = body.into_inner();
    let change = OrganisationChange {
        name: body.name,
        issuer_name: body.issuer_name,
        signatory_name: body.signatory_name,
        signatory_title: body.signatory_title,
    };
    caller.ok(move |conn, actor| service::update(conn, actor, *id, change)).await
}

// Accounts: the same operations for admins (any organisation) and coordinators (their own).

/// A person to invite: the account is created without a password and a mail with a link
/// (valid 7 days) lets them choose it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub email: String,
    pub display_name: String,
    /// `coordinator`, `trainer` or `referrer`.
    #[schema(schema_with = crate::auth::Role::schema_ref)]
    pub role: String,
}

impl From<InviteRequest> for NewAccount {
    fn from(r: InviteRequest) -> Self {
        NewAccount { email: r.email, display_name: r.display_name, role: r.role }
    }
}

/// A change of an account's name or role; fields left out stay as they are. A new role
/// applies from the account's next request on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountUpdate {
    #[serde(default)]
    pub display_name: Option<String>,
    /// `coordinator`, `trainer` or `referrer`.
    #[serde(default)]
    #[schema(schema_with = crate::auth::Role::schema_ref)]
    pub role: Option<String>,
}

impl From<AccountUpdate> for AccountChange {
    fn from(r: AccountUpdate) -> Self {
        AccountChange { display_name: r.display_name, role: r.role }
    }
}

async fn list_accounts(caller: Caller, scope: Scope) -> Answer {
    caller.ok(move |conn, actor| team::list(conn, actor, scope)).await
}

async fn invite(caller: Caller, scope: Scope, url: PublicUrl, body: InviteRequest) -> Answer {
    let url = url.0;
    caller.created(move |conn, actor| team::invite(conn, actor, scope, body.into(), &url)).await
}

async fn get_account(caller: Caller, scope: Scope, id: UserId) -> Answer {
    caller.ok(move |conn, actor| team::get(conn, actor, scope, id)).await
}

async fn update_account(caller: Caller, scope: Scope, id: UserId, body: AccountUpdate) -> Answer {
    caller.ok(move |conn, actor| team::update(conn, actor, scope, id, body.into())).await
}

async fn set_active(caller: Caller, scope: Scope, id: UserId, active: bool) -> Answer {
    caller.ok(move |conn, actor| team::set_active(conn, actor, scope, id, active)).await
}

async fn invite_again(caller: Caller, scope: Scope, id: UserId, url: PublicUrl) -> Answer {
    let url = url.0;
    caller.ok(move |conn, actor| team::invite_again(conn, actor, scope, id, &url)).await
}

/// Admins: the accounts of an organisation, by name.
#[utoipa::path(get, path = "/api/v1/admin/organisations/{id}/users", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id")),
    responses((status = 200, body = [Account])))]
#[get("/api/v1/admin/organisations/{id}/users")]
pub async fn api_org_users(caller: Caller, id: web::Path<OrgId>) -> Answer {
    list_accounts(caller, Scope::Organisation(*id)).await
}

/// Admins: invite a person into an organisation (the mail goes out through the outbox).
#[utoipa::path(post, path = "/api/v1/admin/organisations/{id}/users", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id")),
    request_body = InviteRequest,
    responses((status = 201, body = Account)))]
#[post("/api/v1/admin/organisations/{id}/users")]
pub async fn api_org_invite(
    caller: Caller, id: web::Path<OrgId>, url: PublicUrl, body: Json<InviteRequest>,
) -> Answer {
    invite(caller, Scope::Organisation(*id), url, body.into_inner()).await
}

/// Admins: one account of an organisation.
#[utoipa::path(get, path = "/api/v1/admin/organisations/{id}/users/{user_id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id"), ("user_id" = i32, Path, description = "user id")),
    responses((status = 200, body = Account)))]
#[get("/api/v1/admin/organisations/{id}/users/{user_id}")]
pub async fn api_org_user(caller: Caller, path: web::Path<(OrgId, UserId)>) -> Answer {
    let (org, id) = path.into_inner();
    get_account(caller, Scope::Organisation(org), id).await
}

/// Admins: change the name or role of an account of an organisation.
#[utoipa::path(put, path = "/api/v1/admin/organisations/{id}/users/{user_id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id"), ("user_id" = i32, Path, description = "user id")),
    request_body = AccountUpdate,
    responses((status = 200, body = Account)))]
#[put("/api/v1/admin/organisations/{id}/users/{user_id}")]
pub async fn api_org_update_user(
    caller: Caller, path: web::Path<(OrgId, UserId)>, body: Json<AccountUpdate>,
) -> Answer {
    let (org, id) = path.into_inner();
    update_account(caller, Scope::Organisation(org), id, body.into_inner()).await
}

/// Admins: deactivate an account of an organisation; its sessions, API tokens and links
/// end at once.
#[utoipa::path(post, path = "/api/v1/admin/organisations/{id}/users/{user_id}/deactivate", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id"), ("user_id" = i32, Path, description = "user id")),
    responses((status = 200, body = Account)))]
#[post("/api/v1/admin/organisations/{id}/users/{user_id}/deactivate")]
pub async fn api_org_deactivate(caller: Caller, path: web::Path<(OrgId, UserId)>) -> Answer {
    let (org, id) = path.into_inner();
    set_active(caller, Scope::Organisation(org), id, false).await
}

/// Admins: reactivate an account of an organisation (ended API tokens stay ended).
#[utoipa::path(post, path = "/api/v1/admin/organisations/{id}/users/{user_id}/activate", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id"), ("user_id" = i32, Path, description = "user id")),
    responses((status = 200, body = Account)))]
#[post("/api/v1/admin/organisations/{id}/users/{user_id}/activate")]
pub async fn api_org_activate(caller: Caller, path: web::Path<(OrgId, UserId)>) -> Answer {
    let (org, id) = path.into_inner();
    set_active(caller, Scope::Organisation(org), id, true).await
}

/// Admins: send an invited person a new link (the old one ends).
#[utoipa::path(post, path = "/api/v1/admin/organisations/{id}/users/{user_id}/invitation", tag = "admin", security(("bearer" = [])),
    params(("id" = i32, Path, description = "organisation id"), ("user_id" = i32, Path, description = "user id")),
    responses((status = 200, body = Account),
        (status = 409, description = "the person has chosen a password already, or the account is deactivated", body = crate::api::ErrorSchema)))]
#[post("/api/v1/admin/organisations/{id}/users/{user_id}/invitation")]
pub async fn api_org_invite_again(
    caller: Caller, path: web::Path<(OrgId, UserId)>, url: PublicUrl,
) -> Answer {
    let (org, id) = path.into_inner();
    invite_again(caller, Scope::Organisation(org), id, url).await
}

/// Coordinators: the accounts of their organisation, by name.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [Account])))]
#[get("/api/v1/users")]
pub async fn api_users(caller: Caller) -> Answer {
    list_accounts(caller, Scope::Own).await
}

/// Coordinators: invite a coordinator, trainer or referrer into their organisation.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    request_body = InviteRequest,
    responses((status = 201, body = Account)))]
#[post("/api/v1/users")]
pub async fn api_invite(caller: Caller, url: PublicUrl, body: Json<InviteRequest>) -> Answer {
    invite(caller, Scope::Own, url, body.into_inner()).await
}

/// Coordinators: one account of their organisation.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i32, Path, description = "user id")),
    responses((status = 200, body = Account)))]
#[get("/api/v1/users/{id}")]
pub async fn api_user(caller: Caller, id: web::Path<UserId>) -> Answer {
    get_account(caller, Scope::Own, *id).await
}

/// Coordinators: change an account's name or role. The last active coordinator cannot
/// demote themselves (409).
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i32, Path, description = "user id")),
    request_body = AccountUpdate,
    responses((status = 200, body = Account),
        (status = 409, description = "the organisation would have no active coordinator left", body = crate::api::ErrorSchema)))]
#[put("/api/v1/users/{id}")]
pub async fn api_update_user(
    caller: Caller, id: web::Path<UserId>, body: Json<AccountUpdate>,
) -> Answer {
    update_account(caller, Scope::Own, *id, body.into_inner()).await
}

/// Coordinators: deactivate an account; its sessions, API tokens and links end at once.
/// The last active coordinator cannot deactivate themselves (409).
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", security(("bearer" = [])),
    params(("id" = i32, Path, description = "user id")),
    responses((status = 200, body = Account),
        (status = 409, description = "the organisation would have no active coordinator left", body = crate::api::ErrorSchema)))]
#[post("/api/v1/users/{id}/deactivate")]
pub async fn api_deactivate_user(caller: Caller, id: web::Path<UserId>) -> Answer {
    set_active(caller, Scope::Own, *id, false).await
}

/// Coordinators: reactivate an account (ended API tokens stay ended).
#[utoipa::path(post, path = "/api/v1/users/{id}/activate", tag = "users", security(("bearer" = [])),
    params(("id" = i32, Path, description = "user id")),
    responses((status = 200, body = Account)))]
#[post("/api/v1/users/{id}/activate")]
pub async fn api_activate_user(caller: Caller, id: web::Path<UserId>) -> Answer {
    set_active(caller, Scope::Own, *id, true).await
}

/// Coordinators: send an invited person a new link (the old one ends).
#[utoipa::path(post, path = "/api/v1/users/{id}/invitation", tag = "users", security(("bearer" = [])),
    params(("id" = i32, Path, description = "user id")),
    responses((status = 200, body = Account),
        (status = 409, description = "the person has chosen a password already, or the account is deactivated", body = crate::api::ErrorSchema)))]
#[post("/api/v1/users/{id}/invitation")]
pub async fn api_invite_again(caller: Caller, id: web::Path<UserId>, url: PublicUrl) -> Answer {
    invite_again(caller, Scope::Own, *id, url).await
}

/// The operations of this file in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_org_tokens,
    api_revoke_org_token,
    api_set_user_active,
    api_organisations,
    api_create_organisation,
    api_organisation,
    api_update_organisation,
    api_org_users,
    api_org_invite,
    api_org_user,
    api_org_update_user,
    api_org_deactivate,
    api_org_activate,
    api_org_invite_again,
    api_users,
    api_invite,
    api_user,
    api_update_user,
    api_deactivate_user,
    api_activate_user,
    api_invite_again,
))]
pub struct Doc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_org_tokens)
        .service(api_revoke_org_token)
        .service(api_set_user_active)
        .service(api_organisations)
        .service(api_create_organisation)
        .service(api_organisation)
        .service(api_update_organisation)
        .service(api_org_users)
        .service(api_org_invite)
        .service(api_org_user)
        .service(api_org_update_user)
        .service(api_org_deactivate)
        .service(api_org_activate)
        .service(api_org_invite_again)
        .service(api_users)
        .service(api_invite)
        .service(api_user)
        .service(api_update_user)
        .service(api_deactivate_user)
        .service(api_activate_user)
        .service(api_invite_again);
}
