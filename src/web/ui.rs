//! What a logged-in page handler works with.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest};
use serde::Serialize;

use super::{context, page_at, redirect_with, Title};
use crate::auth::extract::{db_of, CurrentUser};
use crate::auth::Actor;
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult, HtmlError, PageResult};
use crate::i18n::Text;

/// Who is asking (loaded like [`CurrentUser`]: without a live session the browser is sent
/// to the login form), the session for CSRF and confirmations, and the database.
pub struct Ui {
    pub actor: Actor,
    pub session: Session,
    pub db: Db,
    /// The request's path, for the navigation's current item.
    pub path: String,
}

impl FromRequest for Ui {
    type Error = HtmlError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, HtmlError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        let (session, db, path) = (req.get_session(), db_of(req), req.path().to_string());
        Box::pin(async move {
            let (actor, db) = (user.await?.0, db?);
            Ok(Ui { actor, session, db, path })
        })
    }
}

/// Runs a use case for `actor` on a pooled connection (a blocking thread); the actor is
/// cloned into it.
pub(crate) async fn run_as<T, F>(db: &Db, actor: &Actor, use_case: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConn, &Actor) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let actor = actor.clone();
    db.run(move |conn| use_case(conn, &actor)).await
}

impl Ui {
    /// Runs a use case for the user.
    pub async fn run<T, F>(&self, use_case: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConn, &Actor) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        run_as(&self.db, &self.actor, use_case).await
    }

    /// A page of typed data in the site's layout.
    pub fn page<T: Serialize>(
        &self, template: &str, title: impl Into<Title>, data: &T,
    ) -> PageResult {
        self.render(template, title, data, None)
    }

    /// The page the use case's data makes: the body of most GET handlers.
    pub async fn show<T, F>(
        &self, template: &str, title: impl Into<Title>, use_case: F,
    ) -> PageResult
    where
        F: FnOnce(&mut DbConn, &Actor) -> AppResult<T> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        let data = self.run(use_case).await?;
        self.page(template, title, &data)
    }

    /// A form's page again, with what was typed and the message of the refusal.
    pub fn page_with_error<T: Serialize>(
        &self, template: &str, title: impl Into<Title>, data: &T, error: AppError,
    ) -> PageResult {
        self.render(template, title, data, Some(error))
    }

    fn render<T: Serialize>(
        &self, template: &str, title: impl Into<Title>, data: &T, refused: Option<AppError>,
    ) -> PageResult {
        let (session, actor, path) = (&self.session, Some(&self.actor), Some(self.path.as_str()));
        page_at(session, actor, path, template, title, context(data)?, refused)
    }

    /// After a successful form: to `location`, which then confirms `what` once.
    pub fn done(&self, location: &str, what: &Text) -> PageResult {
        Ok(redirect_with(&self.session, location, what))
    }
}
