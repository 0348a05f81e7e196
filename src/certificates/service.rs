use std::sync::Arc;

use super::keys::KeyRing;
use super::models::*;
use super::pdf::{AttendedModule, CertificateDocument, CertificateRenderer};
use super::{repo, token};
use crate::attendance;
use crate::audit;
use crate::auth::Actor;
use crate::db::{dialect, DbConn};
use crate::error::{AppError, AppResult};
use crate::mail::outbox::{self, Attachment};
use crate::orgs;
use crate::participants;
use crate::planning;
use crate::time;
use crate::validate;

/// Everything needed to sign and render: shared by the web app, the CLI and tests.
pub struct CertificateIssuer {
    pub public_url: String,
    pub keyring: Arc<KeyRing>,
    pub renderer: Arc<CertificateRenderer>,
}

impl CertificateIssuer {
    pub fn view(&self, c: &Certificate) -> CertificateView {
        CertificateView {
            id: c.id,
            participant_id: c.participant_id,
            run_id: c.run_id,
            holder_name: c.holder_name.clone(),
            code: display_code(&c.code),
            course_code: c.course_code.clone(),
            completion_date: c.completion_date,
            issued_at: c.issued_at,
            status: c.status.clone(),
            verification_url: self.url_of(c),
            checks: 0,
            last_checked: None,
        }
    }

    pub fn url_of(&self, c: &Certificate) -> String {
        format!("{}/Z/{}", self.public_url.to_uppercase(), c.token)
    }
}

/// Stored codes are 16 characters; people read them in groups of four.
pub fn display_code(stored: &str) -> String {
    stored
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

fn stored_code(code: &[u8; 10]) -> String {
    token::format_code(code).replace('-', "")
}

/// Issues a certificate for one participant of a run, or returns `None` when a valid one
/// exists already. Runs in its own transaction: a certificate is either complete (row,
/// signed token, queued email) or absent.
pub fn issue_one(
    conn: &mut DbConn,
    issuer: &CertificateIssuer,
    actor: &Actor,
    run_id: i32,
    participant_id: i32,
) -> AppResult<Option<Certificate>> {
    let org_id = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        let run = planning::repo::get_run(conn, org_id, run_id)?;
        let participant = participants::repo::get(conn, org_id, participant_id)?;
        if repo::valid_for(conn, run_id, participant_id)?.is_some() {
            return Ok(None);
        }
        let completion = attendance::service::completion_of(conn, org_id, run_id, participant_id)?
            .ok_or_else(|| {
                AppError::invalid(
                    "participant_id",
                    "Diese Person ist für den Durchgang nicht angemeldet.",
                )
            })?;
        let completion_date = match (completion.completed, completion.completion_date) {
            (true, Some(d)) => d,
            _ => {
                return Err(AppError::Conflict(format!(
                    "{} hat den Kurs noch nicht abgeschlossen (es fehlt: {}).",
                    participant.full_name(),
                    if completion.missing_modules.is_empty() {
                        "Teilnahme an einem Termin".to_string()
                    } else {
                        completion.missing_modules.join(", ")
                    }
                )))
            }
        };
        let course = planning::repo::get_course(conn, org_id, run.course_id)?;
        let org = orgs::repo::get(conn, org_id)?;
        let (kid, signing_key) = issuer.keyring.signing_key_for(conn, org_id)?;
        let code = token::new_code();
        let now = time::now_utc();
        let claims = token::CertificateClaims {
            issued_at: now.and_utc().timestamp(),
            code,
            holder_name: token::normalize_name(&participant.full_name()),
            course_code: course.code.clone(),
            completion_date,
        };
        let signed = token::sign(&claims, kid, &signing_key).map_err(|e| match e {
            token::TokenError::OverBudget => AppError::invalid(
                "holder_name",
                "Der Name ist zu lang für den QR-Code der Bescheinigung. Bitte kürzen Sie ihn (z. B. zweite Vornamen abkürzen).",
            ),
            other => AppError::Internal(anyhow::anyhow!("signing certificate: {other}")),
        })?;
        let url = token::verification_url(&issuer.public_url, &signed).map_err(|_| {
            AppError::invalid(
                "holder_name",
                "Die Prüfadresse wäre zu lang für den QR-Code. Bitte kürzen Sie den Namen oder die öffentliche Adresse.",
            )
        })?;
        let token_text = url.rsplit('/').next().unwrap_or_default().to_string();
        let cert = repo::insert(
            conn,
            &CertificateInsertForm {
                organisation_id: org_id,
                participant_id,
                run_id,
                code: stored_code(&code),
                kid: i32::from(kid),
                token: token_text,
                holder_name: claims.holder_name.clone(),
                course_code: course.code.clone(),
                course_title: course.title.clone(),
                completion_date,
                issued_at: now,
                issued_by: Some(actor.user_id),
                status: VALID.into(),
            },
        )?;
        if let Some(email) = participant.email.as_deref() {
            let pdf = render(conn, issuer, &cert, &org, &run)?;
            outbox::enqueue(
                conn,
                Some(org_id),
                email,
                "certificate_issued",
                &serde_json::json!({
                    "holder_name": cert.holder_name,
                    "course_title": cert.course_title,
                    "issuer_name": org.issuer_name,
                    "verification_url": url,
                    "code": display_code(&cert.code),
                }),
                Some(Attachment {
                    name: pdf_file_name(&cert),
                    mime: "application/pdf".into(),
                    bytes: pdf,
                }),
            )?;
        }
        audit::record(
            conn,
            Some(org_id),
            Some(actor.user_id),
            "certificate.issue",
            "certificate",
            Some(cert.id),
            "",
        )?;
        Ok(Some(cert))
    })
}

/// Issues certificates for everyone who completed the run and has none yet.
pub fn issue_for_run(
    conn: &mut DbConn,
    issuer: &CertificateIssuer,
    actor: &Actor,
    run_id: i32,
) -> AppResult<IssueSummary> {
    let org_id = actor.coordinator_org()?;
    planning::repo::get_run(conn, org_id, run_id)?;
    let mut summary = IssueSummary::default();
    for c in attendance::service::completion_for_run(conn, org_id, run_id)? {
        if !c.completed {
            summary.not_completed += 1;
            continue;
        }
        match issue_one(conn, issuer, actor, run_id, c.participant_id)? {
            Some(cert) => summary.issued.push(issuer.view(&cert)),
            None => summary.already_issued += 1,
        }
    }
    Ok(summary)
}

pub fn revoke(
    conn: &mut DbConn,
    actor: &Actor,
    certificate_id: i32,
    reason: &str,
) -> AppResult<Certificate> {
    let org = actor.coordinator_org()?;
    let reason = validate::required_text("reason", "Grund", reason, 500)?;
    crate::db::write_transaction(conn, |conn| {
        let cert = repo::get(conn, org, certificate_id)?;
        if cert.status != VALID {
            return Err(AppError::Conflict(
                "Diese Bescheinigung ist bereits nicht mehr gültig.".into(),
            ));
        }
        repo::revoke(conn, cert.id, &reason, time::now_utc())?;
        audit::record(
            conn,
            Some(org),
            Some(actor.user_id),
            "certificate.revoke",
            "certificate",
            Some(cert.id),
            "",
        )?;
        repo::get(conn, org, certificate_id)
    })
}

pub fn pdf_file_name(cert: &Certificate) -> String {
    format!("Teilnahmebescheinigung-{}.pdf", display_code(&cert.code))
}

fn render(
    conn: &mut DbConn,
    issuer: &CertificateIssuer,
    cert: &Certificate,
    org: &orgs::Organisation,
    run: &planning::models::CourseRun,
) -> AppResult<Vec<u8>> {
    let modules = attendance::service::attended_modules(conn, org.id, run.id, cert.participant_id)?
        .into_iter()
        .map(|(title, date, duration_minutes)| AttendedModule {
            title,
            date,
            duration_minutes,
        })
        .collect();
    let doc = CertificateDocument {
        holder_name: cert.holder_name.clone(),
        course_title: cert.course_title.clone(),
        course_code: cert.course_code.clone(),
        run_start: run.start_date,
        run_end: run.end_date,
        place: run.place.clone(),
        modules,
        issuer_name: org.issuer_name.clone(),
        signatory_name: org.signatory_name.clone(),
        signatory_title: org.signatory_title.clone(),
        issued_on: time::to_local(cert.issued_at).date_naive(),
        verification_url: issuer.url_of(cert),
        code_display: display_code(&cert.code),
        // A participant erased since issuing leaves no language behind: German only.
        language: crate::participants::repo::get(conn, org.id, cert.participant_id)
            .map(|p| p.preferred_language)
            .unwrap_or_default(),
        logo: None,
        signature_image: None,
    };
    issuer
        .renderer
        .render(&doc)
        .map_err(|e| AppError::Internal(e.context("rendering certificate PDF")))
}

/// The PDF of a certificate of the actor's organisation: (file name, bytes).
pub fn pdf(
    conn: &mut DbConn,
    issuer: &CertificateIssuer,
    actor: &Actor,
    certificate_id: i32,
) -> AppResult<(String, Vec<u8>)> {
    let org_id = actor.coordinator_org()?;
    let cert = repo::get(conn, org_id, certificate_id)?;
    let org = orgs::repo::get(conn, org_id)?;
    let run = planning::repo::get_run(conn, org_id, cert.run_id)?;
    Ok((
        pdf_file_name(&cert),
        render(conn, issuer, &cert, &org, &run)?,
    ))
}

pub fn list_for_run(
    conn: &mut DbConn,
    issuer: &CertificateIssuer,
    org: i32,
    run_id: i32,
) -> AppResult<Vec<CertificateView>> {
    let counts = repo::check_counts_for_run(conn, org, run_id)?;
    Ok(repo::list_for_run(conn, org, run_id)?
        .iter()
        .map(|c| {
            let mut view = issuer.view(c);
            if let Some((_, n, last)) = counts.iter().find(|(id, _, _)| *id == c.id) {
                view.checks = *n;
                view.last_checked = *last;
            }
            view
        })
        .collect())
}
