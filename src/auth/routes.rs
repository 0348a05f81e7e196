use actix_session::Session;
use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::extract::{CurrentUser, SESSION_USER_KEY};
use super::models::{Actor, Role};
use super::service;
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

#[get("/")]
async fn index(session: Session, db: web::Data<Db>) -> PageResult {
    let Some(user_id) = session.get::<i32>(SESSION_USER_KEY).ok().flatten() else {
        return Ok(redirect("/login"));
    };
    match db
        .run(move |conn| service::actor_for_user_id(conn, user_id))
        .await?
    {
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
async fn login(session: Session, db: web::Data<Db>, Form(form): Form<LoginForm>) -> PageResult {
    let email = form.email.clone();
    let result = db
        .run(move |conn| service::authenticate(conn, &form.email, &form.password))
        .await;
    match result {
        Ok(actor) => {
            // A new session id on login prevents session fixation.
            session.renew();
            session.remove("csrf");
            session
                .insert(SESSION_USER_KEY, actor.user_id)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
            Ok(redirect(home_of(&actor)))
        }
        Err(e) => {
            let mut resp = page_with_error(
                &session,
                None,
                "pages/auth/login",
                "Anmelden",
                json!({"email": email}),
                e,
            )?;
            // A wrong password is an authentication failure, not malformed input.
            *resp.status_mut() = actix_web::http::StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
    }
}

#[derive(Deserialize)]
pub struct EmptyForm {}

#[post("/logout")]
async fn logout(session: Session, _user: CurrentUser, _form: Form<EmptyForm>) -> HttpResponse {
    session.purge();
    redirect("/login")
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    pub email: String,
    pub password: String,
    /// A name for the token, e.g. the device or script using it.
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    pub role: Role,
    pub organisation_id: Option<i32>,
}

/// Exchange email and password for a bearer token (valid 90 days).
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth",
    request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 422, description = "wrong credentials")))]
#[post("/api/v1/auth/token")]
pub async fn api_token(
    db: web::Data<Db>,
    body: web::Json<TokenRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let (token, actor) = db
        .run(move |conn| {
            let actor = service::authenticate(conn, &body.email, &body.password)?;
            let token =
                service::issue_api_token(conn, &actor, body.label.as_deref().unwrap_or("API"))?;
            Ok((token, actor))
        })
        .await?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        token,
        role: actor.role,
        organisation_id: actor.organisation_id,
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(index)
        .service(login_page)
        .service(login)
        .service(logout)
        .service(api_token);
}
