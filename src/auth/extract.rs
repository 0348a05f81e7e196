use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::models::Actor;
use super::service;
use crate::db::Db;
use crate::error::{AppError, HtmlError};

/// The cookie session holds only this secret; the session itself is a database row.
pub const SESSION_SECRET_KEY: &str = "sid";

/// The app's database, for extractors that load who is asking.
pub(crate) fn db_of(req: &HttpRequest) -> Result<Db, AppError> {
    req.app_data::<web::Data<Db>>()
        .map(|d| d.get_ref().clone())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("database not configured")))
}

pub(crate) fn auth_settings_of(req: &HttpRequest) -> Result<service::AuthSettings, AppError> {
    req.app_data::<web::Data<service::AuthSettings>>()
        .map(|d| d.get_ref().clone())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("auth settings not configured")))
}

/// The user of the request's live session, if any; a cookie whose session has ended is
/// cleared.
pub async fn session_actor(
    session: &actix_session::Session, db: &Db, auth: service::AuthSettings,
) -> Result<Option<Actor>, AppError> {
    let Some(secret) = session.get::<String>(SESSION_SECRET_KEY).ok().flatten() else {
        return Ok(None);
    };
    let actor = db.run(move |conn| service::actor_for_session(conn, &auth, &secret)).await?;
    if actor.is_none() {
        session.purge();
    }
    Ok(actor)
}

/// The logged-in browser user; pages redirect to the login form without one.
pub struct CurrentUser(pub Actor);

impl FromRequest for CurrentUser {
    type Error = HtmlError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, HtmlError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let session = req.get_session();
        let db = db_of(req);
        let auth = auth_settings_of(req);
        Box::pin(async move {
            // Re-read on every request: a logout, a timeout, a password change or a
            // deactivation ends access at once, on every replica.
            match session_actor(&session, &db?, auth?).await? {
                Some(actor) => Ok(CurrentUser(actor)),
                None => Err(AppError::Unauthenticated.into()),
            }
        })
    }
}

/// An API client authenticated by `Authorization: Bearer <token>`.
pub struct ApiUser(pub Actor);

impl FromRequest for ApiUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let db = db_of(req);
        Box::pin(async move {
            let db = db?;
            let token = token
                .filter(|t| !t.is_empty() && t.len() < 200)
                .ok_or(AppError::Unauthenticated)?;
            db.run(move |conn| service::actor_for_api_token(conn, &token))
                .await?
                .map(ApiUser)
                .ok_or(AppError::Unauthenticated)
        })
    }
}
