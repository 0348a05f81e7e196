//! Pages of the logged-in UI of the audit log: the filterable list and its CSV download.

use actix_web::{get, web};

use super::api::within_for;
use super::service::{self, AuditQuery};
use crate::error::PageResult;
use crate::i18n::Text;
use crate::web::Ui;

const AUDIT: &str = "pages/audit/list";

fn title() -> Text {
    Text::key("audit.title")
}

#[get("/audit")]
async fn audit_page(ui: Ui, q: web::Query<AuditQuery>) -> PageResult {
    let q = q.into_inner();
    let typed = q.clone();
    let shown = ui
        .run(move |conn, actor| {
            let within = within_for(actor.is_admin(), actor.coordinator_org())?;
            service::page(conn, within, q)
        })
        .await;
    match shown {
        Ok(page) => ui.page(AUDIT, title(), &page),
        Err(refused @ crate::error::AppError::Validation { .. }) => {
            let form = ui
                .run(move |conn, actor| {
                    let within = within_for(actor.is_admin(), actor.coordinator_org())?;
                    service::refused_page(conn, within, typed)
                })
                .await?;
            ui.page_with_error(AUDIT, title(), &form, refused)
        }
        Err(other) => Err(other.into()),
    }
}

/// "Als CSV herunterladen": every entry of the filter, itself recorded in the log.
#[get("/audit.csv")]
async fn audit_csv(ui: Ui, q: web::Query<AuditQuery>) -> PageResult {
    let q = q.into_inner();
    let rows = ui
        .run(move |conn, actor| {
            let within = within_for(actor.is_admin(), actor.coordinator_org())?;
            service::export(conn, within, actor.user_id, &q)
        })
        .await?;
    let cells = rows.iter().map(service::csv_cells).collect();
    let name = format!("audit-log-{}", crate::time::today_local());
    Ok(crate::web::csv_download(service::csv_headings(), cells, &name)?)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(audit_csv).service(audit_page);
}
