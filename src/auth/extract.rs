use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::models::Actor;
use super::service;
use crate::db::Db;
use crate::error::{AppError, HtmlError};

pub const SESSION_USER_KEY: &str = "uid";

fn db_of(req: &HttpRequest) -> Result<Db, AppError> {
    req.app_data::<web::Data<Db>>()
        .map(|d| d.get_ref().clone())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("database not configured")))
}

/// The logged-in browser user; pages redirect to the login form without one.
pub struct CurrentUser(pub Actor);

impl FromRequest for CurrentUser {
    type Error = HtmlError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, HtmlError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let session = req.get_session();
        let db = db_of(req);
        Box::pin(async move {
            let db = db?;
            let user_id = session
                .get::<i32>(SESSION_USER_KEY)
                .ok()
                .flatten()
                .ok_or(AppError::Unauthenticated)?;
            // Re-read the user on every request so a deactivated account loses access at once.
            match db
                .run(move |conn| service::actor_for_user_id(conn, user_id))
                .await?
            {
                Some(actor) => Ok(CurrentUser(actor)),
                None => {
                    session.purge();
                    Err(AppError::Unauthenticated.into())
                }
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
