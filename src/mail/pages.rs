//! Pages of the logged-in UI of mail: the organisation's mail that could not be delivered,
//! each with "erneut senden".

use actix_web::{get, post, web};

use super::service;
use crate::error::PageResult;
use crate::i18n::Text;
use crate::web::{EmptyForm, Form, Id, Ui};

const FAILED: &str = "pages/mail/failed";

#[get("/mail/failed")]
async fn failed_page(ui: Ui) -> PageResult {
    ui.show(FAILED, "title.mail_failed", |conn, actor| {
        service::failed_mail_page(conn, actor.coordinator_org()?)
    })
    .await
}

#[post("/mail/failed/{id}/resend")]
async fn resend(ui: Ui, id: Id<i32>, _form: Form<EmptyForm>) -> PageResult {
    let id = *id;
    let resent = ui
        .run(move |conn, actor| service::resend(conn, actor.coordinator_org()?, actor.user_id, id))
        .await;
    match resent {
        Ok(_) => ui.done("/mail/failed", &Text::key("done.mail_resent")),
        // The list again, as it is now, with why this one was not queued.
        Err(refused) => {
            let list = ui
                .run(|conn, actor| service::failed_mail_page(conn, actor.coordinator_org()?))
                .await?;
            ui.page_with_error(FAILED, "title.mail_failed", &list, refused)
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(failed_page).service(resend);
}
