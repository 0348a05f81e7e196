//! Pages of the logged-in UI of reports: each handler parses the request, calls one use case and answers.

use actix_session::Session;
use actix_web::{get, web};

use super::export::{Cell, Table};
use super::service::{self, OrganisationReport, RunReport};
use crate::auth::extract::CurrentUser;
use crate::db::Db;
use crate::error::PageResult;
use crate::web::context;
use crate::web::page;

fn run_table(r: &RunReport) -> Table {
    let mut headers = vec!["Name".to_string()];
    headers.extend(r.sessions.iter().map(|s| {
        if s.cancelled {
            format!("{} (abgesagt)", s.label)
        } else {
            s.label.clone()
        }
    }));
    headers.extend(
        [
            "Anwesenheit %",
            "Testpunkte",
            "Test bestanden",
            "Abgeschlossen",
            "Offen weil",
        ]
        .map(String::from),
    );
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let mut cells: Vec<Cell> = vec![row.name.clone().into()];
            cells.extend(row.marks.iter().map(|m| Cell::from(m.clone())));
            cells.push(Cell::Number(f64::from(row.attendance_percent)));
            cells.push(row.test_points.into());
            cells.push(row.test_passed.map_or(Cell::Empty, |p| {
                if p {
                    "ja".into()
                } else {
                    "nein".into()
                }
            }));
            cells.push(if row.completed {
                "ja".into()
            } else {
                "nein".into()
            });
            cells.push(row.reasons.join("; ").into());
            cells
        })
        .collect();
    Table {
        sheet: format!("{} {}", r.course_code, r.period),
        headers,
        rows,
    }
}

fn organisation_table(r: &OrganisationReport) -> Table {
    Table {
        sheet: "Monate".into(),
        headers: [
            "Monat",
            "Einträge",
            "anwesend",
            "nicht erschienen",
            "Anwesenheit %",
            "Nicht erschienen %",
        ]
        .map(String::from)
        .to_vec(),
        rows: r
            .months
            .iter()
            .map(|m| {
                vec![
                    m.month.clone().into(),
                    Cell::Number(f64::from(m.marks)),
                    Cell::Number(f64::from(m.attended)),
                    Cell::Number(f64::from(m.no_shows)),
                    Cell::Number(f64::from(m.attendance_percent)),
                    Cell::Number(f64::from(m.no_show_percent)),
                ]
            })
            .collect(),
    }
}

#[get("/runs/{id}/report")]
async fn run_page(
    session: Session,
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<i32>,
) -> PageResult {
    let actor = user.0.clone();
    let id = path.into_inner();
    let data = db
        .run(move |conn| service::run_report_page(conn, &actor, id))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/reports/run",
        "Bericht",
        context(&data)?,
    )
}

#[get("/runs/{id}/report.{format}")]
async fn run_export(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<(i32, String)>,
) -> PageResult {
    let actor = user.0.clone();
    let (id, format) = path.into_inner();
    let report = db
        .run(move |conn| service::run_report(conn, &actor, id))
        .await?;
    Ok(crate::web::download(
        &run_table(&report),
        &format!("bericht-durchgang-{id}"),
        &format,
    )?)
}

#[get("/reports")]
async fn organisation_page(session: Session, user: CurrentUser, db: web::Data<Db>) -> PageResult {
    let actor = user.0.clone();
    let data = db
        .run(move |conn| service::organisation_report_page(conn, &actor))
        .await?;
    page(
        &session,
        Some(&user.0),
        "pages/reports/organisation",
        "Berichte",
        context(&data)?,
    )
}

#[get("/reports/organisation.{format}")]
async fn organisation_export(
    user: CurrentUser,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> PageResult {
    let actor = user.0.clone();
    let report = db
        .run(move |conn| service::organisation_report(conn, &actor))
        .await?;
    Ok(crate::web::download(
        &organisation_table(&report),
        "bericht-organisation",
        &path.into_inner(),
    )?)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(run_export)
        .service(run_page)
        .service(organisation_export)
        .service(organisation_page);
}
