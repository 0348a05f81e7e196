use actix_session::Session;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::extract::{session_actor, ApiUser, CurrentUser, SESSION_SECRET_KEY};
use super::models::{Actor, ApiTokenInfo, Role};
use super::service::{self, AuthSettings, LoginAttempt};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{AppError, AppResult, PageResult};
use crate::web::{page, page_with_error, redirect, Form};

pub fn home_of(actor: &Actor) -> &'static str {
    match actor.role {
        Role::Admin => "/admin/organisations",
        Role::Coordinator => "/courses",
        Role::Trainer => "/my/sessions",
    }
}

const DEVICE_COOKIE: &str = "mietschulung_device";
/// A token just made, kept in the session until the account page has shown it once.
const NEW_TOKEN_KEY: &str = "new_token";
const DEVICE_DAYS: i64 = 180;

fn device_key(settings: &Settings) -> Key {
    let mut material = settings.session_key_bytes();
    material.extend_from_slice(b"\0device-cookie");
    Key::derive_from(&material)
}

/// The account this browser has logged in to before, from its signed device cookie.
fn known_device_user(req: &HttpRequest, settings: &Settings) -> Option<i32> {
    let cookie = req.cookie(DEVICE_COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    jar.signed(&device_key(settings))
        .get(DEVICE_COOKIE)?
        .value()
        .parse()
        .ok()
}

fn device_cookie(settings: &Settings, user_id: i32) -> Option<Cookie<'static>> {
    let mut jar = CookieJar::new();
    let mut cookie = Cookie::new(DEVICE_COOKIE, user_id.to_string());
    cookie.set_http_only(true);
    cookie.set_secure(settings.cookie_secure());
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/login");
    cookie.set_max_age(actix_web::cookie::time::Duration::days(DEVICE_DAYS));
    jar.signed_mut(&device_key(settings)).add(cookie);
    jar.get(DEVICE_COOKIE).cloned()
}

/// Puts a new session's secret into a fresh cookie (a new cookie on login prevents session
/// fixation) with a fresh CSRF token.
fn begin_browser_session(session: &Session, secret: String) -> Result<(), AppError> {
    session.renew();
    session.remove("csrf");
    session
        .insert(SESSION_SECRET_KEY, secret)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))
}

#[get("/")]
async fn index(session: Session, req: HttpRequest, db: web::Data<Db>) -> PageResult {
    let auth = super::extract::auth_settings_of(&req)?;
    match session_actor(&session, &db, auth).await? {
        Some(actor) => Ok(redirect(home_of(&actor))),
        None => Ok(redirect("/login")),
    }
}

#[get("/login")]
async fn login_page(session: Session) -> PageResult {
    page(
        &session,
        None,
        "pages/auth/login",
        "Anmelden",
        json!({"email": ""}),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
}

#[post("/login")]
async fn login(
    session: Session,
    req: HttpRequest,
    db: web::Data<Db>,
    auth: web::Data<AuthSettings>,
    settings: web::Data<Settings>,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let email = form.email.clone();
    let client = crate::verification::routes::client_ip(&req);
    let known = known_device_user(&req, &settings);
    let auth = auth.get_ref().clone();
    let result = db
        .run(move |conn| {
            let actor = service::login(
                conn,
                &auth,
                LoginAttempt {
                    email: &form.email,
                    password: &form.password,
                    client,
                    known_device_user: known,
                },
            )?;
            let secret = service::start_session(conn, actor.user_id)?;
            Ok((actor, secret))
        })
        .await;
    match result {
        Ok((actor, secret)) => {
            begin_browser_session(&session, secret)?;
            let mut resp = redirect(home_of(&actor));
            if let Some(cookie) = device_cookie(&settings, actor.user_id) {
                let _ = resp.add_cookie(&cookie);
            }
            Ok(resp)
        }
        Err(e) => {
            let status = match &e {
                AppError::Throttled { .. } => actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                // A wrong password is an authentication failure, not malformed input.
                _ => actix_web::http::StatusCode::UNAUTHORIZED,
            };
            let retry = e.retry_after_secs();
            let e = match e {
                AppError::Throttled { message, .. } => AppError::invalid("email", message),
                other => other,
            };
            let mut resp = page_with_error(
                &session,
                None,
                "pages/auth/login",
                "Anmelden",
                json!({"email": email}),
                e,
            )?;
            *resp.status_mut() = status;
            if let Some(secs) = retry {
                resp.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from(secs),
                );
            }
            Ok(resp)
        }
    }
}

#[derive(Deserialize)]
pub struct EmptyForm {}

#[post("/logout")]
async fn logout(
    session: Session,
    db: web::Data<Db>,
    _user: CurrentUser,
    _form: Form<EmptyForm>,
) -> PageResult {
    if let Some(secret) = session.get::<String>(SESSION_SECRET_KEY).ok().flatten() {
        db.run(move |conn| service::end_session(conn, &secret))
            .await?;
    }
    session.purge();
    Ok(redirect("/login"))
}

// ---------- the user's own account: password, API tokens ----------

#[derive(Deserialize, Default)]
struct AccountQuery {
    saved: Option<String>,
}

async fn account_data(db: &Db, actor: &Actor) -> AppResult<serde_json::Value> {
    let a = actor.clone();
    let tokens = db.run(move |conn| service::my_tokens(conn, &a)).await?;
    Ok(json!({
        "account": {"name": actor.display_name, "email": actor.email, "role": actor.role},
        "tokens": tokens.iter().map(token_view).collect::<Vec<_>>(),
        "max_days": service::API_TOKEN_MAX_DAYS,
        "default_days": service::API_TOKEN_DAYS,
    }))
}

fn token_view(t: &ApiTokenInfo) -> serde_json::Value {
    json!({
        "id": t.id,
        "label": t.label,
        "owner_email": t.owner_email,
        "created": crate::web::fmt_datetime(t.created_at.naive_utc()),
        "expires": crate::web::fmt_datetime(t.expires_at.naive_utc()),
        "last_used": t.last_used_at.map(|d| crate::web::fmt_datetime(d.naive_utc())),
        "expired": t.expired,
    })
}

#[get("/account")]
async fn account_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    q: web::Query<AccountQuery>,
) -> PageResult {
    let mut data = account_data(&db, &user.0).await?;
    if let Some(Ok(new_token)) = session.remove_as::<serde_json::Value>(NEW_TOKEN_KEY) {
        data["new_token"] = new_token;
    }
    data["notice"] = match q.saved.as_deref() {
        Some("password") => json!("Das Passwort ist geändert. Alle anderen Anmeldungen und alle API-Tokens wurden beendet."),
        Some("revoked") => json!("Das Token ist widerrufen."),
        Some("token") => json!("Das Token ist erstellt."),
        _ => serde_json::Value::Null,
    };
    page(
        &session,
        Some(&user.0),
        "pages/auth/account",
        "Mein Konto",
        data,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_again: String,
}

#[post("/account/password")]
async fn change_password(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let actor = user.0.clone();
    let result = db
        .run(move |conn| {
            if form.new_password != form.new_password_again {
                return Err(AppError::invalid(
                    "new_password_again",
                    "Die beiden neuen Passwörter stimmen nicht überein.",
                ));
            }
            service::change_password(conn, &actor, &form.current_password, &form.new_password)?;
            service::start_session(conn, actor.user_id)
        })
        .await;
    match result {
        Ok(secret) => {
            begin_browser_session(&session, secret)?;
            Ok(redirect("/account?saved=password"))
        }
        Err(e) => account_page_with_error(&session, &user.0, &db, e).await,
    }
}

/// The account page again, with the error next to its field.
async fn account_page_with_error(
    session: &Session,
    actor: &Actor,
    db: &Db,
    error: AppError,
) -> PageResult {
    let data = account_data(db, actor).await?;
    page_with_error(
        session,
        Some(actor),
        "pages/auth/account",
        "Mein Konto",
        data,
        error,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewTokenForm {
    label: String,
    expires_in_days: String,
}

#[post("/account/tokens")]
async fn create_token_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    Form(form): Form<NewTokenForm>,
) -> PageResult {
    let actor = user.0.clone();
    let result = db
        .run(move |conn| {
            let days = match form.expires_in_days.trim() {
                "" => None,
                d => Some(d.parse::<i64>().map_err(|_| {
                    AppError::invalid(
                        "expires_in_days",
                        "Bitte geben Sie die Gültigkeit in ganzen Tagen an.",
                    )
                })?),
            };
            service::issue_api_token(conn, &actor, &form.label, days)
        })
        .await;
    match result {
        Ok((token, info)) => {
            // Shown once, on the page this redirects to: it travels in the encrypted cookie
            // for that one request, is not stored, and a reload does not make another.
            session
                .insert(NEW_TOKEN_KEY, json!({"token": token, "label": info.label}))
                .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
            Ok(redirect("/account?saved=token#tokens"))
        }
        Err(e) => account_page_with_error(&session, &user.0, &db, e).await,
    }
}

#[post("/account/tokens/{id}/revoke")]
async fn revoke_token_page(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
    _form: Form<EmptyForm>,
) -> PageResult {
    let actor = user.0;
    let id = path.into_inner();
    db.run(move |conn| service::revoke_my_token(conn, &actor, id))
        .await?;
    Ok(redirect("/account?saved=revoked"))
}

// ---------- JSON API ----------

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
    pub organisation_id: Option<i32>,
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
    req: HttpRequest,
    db: web::Data<Db>,
    auth: web::Data<AuthSettings>,
    body: crate::api::Json<TokenRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let client = crate::verification::routes::client_ip(&req);
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
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            token,
            role: actor.role,
            organisation_id: actor.organisation_id,
            info,
        }))
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
async fn api_create_token(
    user: ApiUser,
    db: web::Data<Db>,
    body: crate::api::Json<NewTokenRequest>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let body = body.into_inner();
    let a = actor.clone();
    let (token, info) = db
        .run(move |conn| service::issue_api_token(conn, &a, &body.label, body.expires_in_days))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            token,
            role: actor.role,
            organisation_id: actor.organisation_id,
            info,
        }))
}

/// The caller's API tokens (names, dates, last use; never the tokens themselves).
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = [ApiTokenInfo]),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema)))]
#[get("/api/v1/auth/tokens")]
async fn api_list_tokens(user: ApiUser, db: web::Data<Db>) -> AppResult<HttpResponse> {
    let actor = user.0;
    let list = db.run(move |conn| service::my_tokens(conn, &actor)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Revoke one of the caller's tokens (also the one in use).
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i32, Path, description = "token id")),
    responses((status = 204, description = "revoked"),
        (status = 401, description = "no or an invalid token", body = crate::api::ErrorSchema),
        (status = 404, description = "no such token of the caller", body = crate::api::ErrorSchema)))]
#[delete("/api/v1/auth/tokens/{id}")]
async fn api_revoke_token(
    user: ApiUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let id = path.into_inner();
    db.run(move |conn| service::revoke_my_token(conn, &actor, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
async fn api_change_password(
    user: ApiUser,
    db: web::Data<Db>,
    body: crate::api::Json<PasswordChange>,
) -> AppResult<HttpResponse> {
    let actor = user.0;
    let body = body.into_inner();
    db.run(move |conn| {
        service::change_password(conn, &actor, &body.current_password, &body.new_password)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(index)
        .service(login_page)
        .service(login)
        .service(logout)
        .service(account_page)
        .service(change_password)
        .service(create_token_page)
        .service(revoke_token_page)
        .service(api_token)
        .service(api_create_token)
        .service(api_list_tokens)
        .service(api_revoke_token)
        .service(api_change_password);
}
