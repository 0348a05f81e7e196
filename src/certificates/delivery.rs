//! Who a run's certificates reach and how (issue 14): what issuing would do (the
//! check-your-answers page), what it did (the sentence after a batch), the certificates
//! that must be printed, and the organisation's list of certificates.
//!
//! Rules:
//! - A certificate goes by e-mail to the participant's own address, else to the e-mail of
//!   the referrer who registered them (`participants::service::contact_email`, the same
//!   choice `service::issue_in_tx` makes); with neither it must be printed.
//! - A valid certificate is "undelivered" when no mail carried it (there was no address) or
//!   its mail failed for good; the mail is found by the PDF's file name, which holds the
//!   certificate's unique code. A mail still being tried is not undelivered (yet).
//! - Tombstones (erased holders) and certificates no longer valid are never printed.

use std::collections::{HashMap, HashSet};

use super::models::*;
use super::service::{self, CertificateIssuer};
use super::{profile, repo};
use crate::attendance;
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{OrgId, RunId};
use crate::mail::outbox::MailStatus;
use crate::participants;
use crate::planning;

/// What issuing for the run would do now; issues nothing.
pub fn issue_preview(conn: &mut DbConn, actor: &Actor, run_id: RunId) -> AppResult<IssuePreview> {
    let org = actor.coordinator_org()?;
    let run = planning::service::get_run(conn, org, run_id)?;
    let course = planning::service::get_course(conn, org, run.course_id)?;
    let certificates = repo::list_for_run(conn, org, run_id)?;
    let mut preview = IssuePreview {
        run_id,
        course_title: course.title,
        to_issue: 0,
        by_mail: Vec::new(),
        via_referrer: Vec::new(),
        to_print: Vec::new(),
        already_issued: 0,
        not_completed: 0,
        revoked: 0,
        settings: profile::settings_of(conn, org)?,
    };
    for c in attendance::service::completion_for_run(conn, org, run_id)? {
        let theirs = |status| {
            certificates.iter().any(|x| x.participant_id == c.participant_id && x.status == status)
        };
        if theirs(CertificateStatus::Valid) {
            preview.already_issued += 1;
            continue;
        }
        if theirs(CertificateStatus::Revoked) {
            preview.revoked += 1;
            continue;
        }
        let participant = participants::service::get(conn, org, c.participant_id)?;
        if !c.completed || participant.is_erased() {
            preview.not_completed += 1;
            continue;
        }
        preview.to_issue += 1;
        let recipient = |email| PlannedRecipient {
            participant_id: c.participant_id,
            name: participant.full_name(),
            email,
        };
        match participants::service::contact_email(&participant) {
            Some((to, false)) => preview.by_mail.push(recipient(Some(to))),
            Some((to, true)) => preview.via_referrer.push(recipient(Some(to))),
            None => preview.to_print.push(recipient(None)),
        }
    }
    Ok(preview)
}

/// How each of these certificates was delivered: undelivered ones with the reason.
fn undelivered_of(
    conn: &mut DbConn, org: OrgId, certificates: &[Certificate],
) -> AppResult<Vec<UndeliveredCertificate>> {
    let printable: Vec<&Certificate> = certificates
        .iter()
        .filter(|c| c.status == CertificateStatus::Valid && !c.is_erased())
        .collect();
    let names: Vec<String> = printable.iter().map(|c| service::pdf_file_name(c)).collect();
    // Per file name: whether any mail with it was sent or is still tried, and a failed one.
    let mut alive: HashSet<String> = HashSet::new();
    let mut failed: HashMap<String, String> = HashMap::new();
    for (name, status, to) in repo::certificate_mails(conn, org, &names)? {
        match status {
            MailStatus::Failed => {
                failed.insert(name, to);
            }
            MailStatus::Sent | MailStatus::Pending => {
                alive.insert(name);
            }
        }
    }
    let mut out = Vec::new();
    for (c, name) in printable.into_iter().zip(names) {
        let (reason, recipient) = if alive.contains(&name) {
            continue;
        } else if let Some(to) = failed.remove(&name) {
            (Undelivered::MailFailed, Some(to))
        } else {
            (Undelivered::NoAddress, None)
        };
        out.push(UndeliveredCertificate {
            certificate_id: c.id,
            participant_id: c.participant_id,
            run_id: c.run_id,
            holder_name: c.holder_name.clone(),
            code: service::display_code(&c.code),
            issued_at: c.issued_at,
            reason,
            recipient,
            pdf: format!("/certificates/{}/pdf", c.id),
        });
    }
    out.sort_by(|a, b| {
        a.holder_name.cmp(&b.holder_name).then(a.certificate_id.cmp(&b.certificate_id))
    });
    Ok(out)
}

/// The run's valid certificates that reached nobody by e-mail: to print and hand over.
pub fn undelivered(
    conn: &mut DbConn, actor: &Actor, run_id: RunId,
) -> AppResult<Vec<UndeliveredCertificate>> {
    let org = actor.coordinator_org()?;
    planning::service::get_run(conn, org, run_id)?;
    let certificates = repo::list_for_run(conn, org, run_id)?;
    undelivered_of(conn, org, &certificates)
}

/// The print list page: the run and its undelivered certificates.
#[derive(Debug, serde::Serialize)]
pub struct PrintList {
    pub run_id: RunId,
    pub course_title: String,
    pub period: String,
    pub items: Vec<UndeliveredCertificate>,
}

pub fn print_list(conn: &mut DbConn, actor: &Actor, run_id: RunId) -> AppResult<PrintList> {
    let org = actor.coordinator_org()?;
    let run = planning::service::get_run(conn, org, run_id)?;
    let course = planning::service::get_course(conn, org, run.course_id)?;
    Ok(PrintList {
        run_id,
        course_title: course.title,
        period: format!(
            "{} – {}",
            crate::time::fmt_date(run.start_date),
            crate::time::fmt_date(run.end_date)
        ),
        items: undelivered(conn, actor, run_id)?,
    })
}

/// The undelivered certificates of a run as one ZIP of PDFs: (file name, bytes).
pub fn print_zip(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
) -> AppResult<(String, Vec<u8>)> {
    let org = actor.coordinator_org()?;
    let ids: HashSet<_> =
        undelivered(conn, actor, run_id)?.into_iter().map(|u| u.certificate_id).collect();
    if ids.is_empty() {
        return Err(AppError::conflict("error.certs.nothing_to_print"));
    }
    let certs: Vec<Certificate> = repo::list_for_run(conn, org, run_id)?
        .into_iter()
        .filter(|c| ids.contains(&c.id))
        .collect();
    let bytes = service::zip_of(conn, issuer, actor, run_id, &certs, "certificate.export_print")?;
    Ok((format!("Bescheinigungen-zum-Ausdrucken-Durchgang-{run_id}.zip"), bytes))
}

/// What a finished batch did, in one sentence: how many it issued, and who of them must
/// get theirs on paper. None while it runs.
pub fn batch_outcome(
    conn: &mut DbConn, actor: &Actor, batch: &CertificateBatch,
) -> AppResult<Option<Text>> {
    let org = actor.coordinator_org()?;
    let Some(finished) = batch.finished_at else {
        return Ok(None);
    };
    let issued_now: Vec<Certificate> = repo::list_for_run(conn, org, batch.run_id)?
        .into_iter()
        .filter(|c| c.issued_at >= batch.started_at && c.issued_at <= finished)
        .collect();
    let to_print: Vec<Text> = undelivered_of(conn, org, &issued_now)?
        .into_iter()
        .map(|u| Text::Plain(u.holder_name))
        .collect();
    Ok(Some(outcome_sentence(batch.issued, to_print, service::batch_failures(batch).len())))
}

/// "3 Bescheinigungen ausgestellt, 1 nicht zugestellt – bitte ausdrucken: …"
fn outcome_sentence(issued: i32, to_print: Vec<Text>, failed: usize) -> Text {
    let sentence = match (issued, to_print.len()) {
        (0, _) => Text::key("done.certs_none_issued"),
        (n, 0) => Text::key("done.certs_issued_all_mailed").arg("issued", n),
        (n, k) => Text::key("done.certs_issued_to_print")
            .arg("issued", n)
            .arg("undelivered", k)
            .arg_list("names", to_print),
    };
    if failed == 0 {
        sentence
    } else {
        Text::key("done.certs_with_failures").arg_text("sentence", sentence).arg("failed", failed)
    }
}

/// What the list of the organisation's certificates is narrowed to.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    /// A part of the holder's name or of the code.
    pub q: String,
    pub run: Option<RunId>,
    pub status: Option<CertificateStatus>,
    /// From 1.
    pub page: usize,
}

pub const PAGE_SIZE: usize = 50;

impl ListQuery {
    /// The query as the API reads it: a run, status or page it cannot read is a 422 naming
    /// the field.
    pub fn strict(q: &CertificateQuery) -> AppResult<ListQuery> {
        let blank = |v: &Option<String>| {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
        };
        let run = match blank(&q.run) {
            None => None,
            Some(r) => Some(RunId(crate::validate::id::<i32>("run", "certs.label_run", &r)?)),
        };
        let status = match blank(&q.status) {
            None => None,
            Some(s) => Some(
                s.parse::<CertificateStatus>()
                    .map_err(|_| AppError::invalid("status", Text::key("error.certs.status")))?,
            ),
        };
        let page = match blank(&q.page) {
            None => 1,
            Some(p) => p
                .parse::<usize>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| AppError::invalid("page", Text::key("error.certs.page")))?,
        };
        let text = q.q.clone().unwrap_or_default();
        if text.chars().count() > 200 {
            return Err(AppError::invalid("q", Text::key("error.certs.search_too_long")));
        }
        Ok(ListQuery { q: text, run, status, page })
    }

    /// The query as a page address carries it: what cannot be read is no filter (a page
    /// address is typed and shared).
    pub fn lenient(q: &CertificateQuery) -> ListQuery {
        ListQuery {
            q: q.q.clone().unwrap_or_default().chars().take(200).collect(),
            run: q.run.as_deref().and_then(|r| r.trim().parse().ok()).map(RunId),
            status: q.status.as_deref().and_then(|s| s.trim().parse().ok()),
            page: q.page.as_deref().and_then(|p| p.trim().parse().ok()).unwrap_or(1),
        }
    }
}

/// Whether a certificate matches the search: a part of the name (any case), or of the code
/// (without its dashes and spaces, any case).
fn matches(c: &Certificate, q: &str) -> bool {
    let q = q.trim();
    if q.is_empty() {
        return true;
    }
    let name = c.holder_name.to_lowercase();
    if q.to_lowercase().split_whitespace().all(|word| name.contains(word)) {
        return true;
    }
    let code: String = q
        .chars()
        .filter(|ch| ch.is_ascii_alphanumeric())
        .map(|ch| ch.to_ascii_uppercase())
        .collect();
    // The printed code's fifth group is a check character the stored code does not have.
    let stored = c.code.to_ascii_uppercase();
    !code.is_empty() && (stored.contains(&code) || (code.len() == 17 && stored == code[..16]))
}

/// The organisation's certificates, newest first, searched and filtered, one page of them.
pub fn list(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, query: &ListQuery,
) -> AppResult<CertificateList> {
    let org = actor.coordinator_org()?;
    if let Some(run) = query.run {
        planning::service::get_run(conn, org, run)?;
    }
    let found: Vec<Certificate> = repo::list_for_org(conn, org, query.run, query.status)?
        .into_iter()
        .filter(|c| matches(c, &query.q))
        .collect();
    let total = found.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = query.page.clamp(1, pages);
    let items = found
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|c| {
            let view = issuer.view(c);
            CertificateListItem {
                id: c.id,
                participant_id: c.participant_id,
                run_id: c.run_id,
                holder_name: view.holder_name,
                code: view.code,
                course_title: c.course_title.clone(),
                completion_date: c.completion_date,
                completed_on: crate::time::fmt_date(c.completion_date),
                issued_at: c.issued_at,
                status: c.status,
                erased: c.is_erased(),
            }
        })
        .collect();
    Ok(CertificateList { items, total, page, pages })
}

/// A run to filter the list by.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunChoice {
    pub id: RunId,
    pub label: String,
    pub selected: bool,
}

/// The runs of the organisation that have certificates, newest first.
pub fn runs_with_certificates(
    conn: &mut DbConn, actor: &Actor, selected: Option<RunId>,
) -> AppResult<Vec<RunChoice>> {
    let org = actor.coordinator_org()?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in repo::list_for_org(conn, org, None, None)? {
        if !seen.insert(c.run_id) {
            continue;
        }
        let run = planning::service::get_run(conn, org, c.run_id)?;
        out.push((
            run.start_date,
            RunChoice {
                id: run.id,
                label: format!("{} ({})", c.course_title, crate::time::fmt_date(run.start_date)),
                selected: selected == Some(run.id),
            },
        ));
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.id.cmp(&a.1.id)));
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cert(name: &str, code: &str) -> Certificate {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap_or_default();
        Certificate {
            id: crate::ids::CertificateId(1),
            organisation_id: OrgId(1),
            participant_id: crate::ids::ParticipantId(1),
            run_id: RunId(1),
            code: code.into(),
            kid: 1,
            token: String::new(),
            holder_name: name.into(),
            course_code: "MS".into(),
            course_title: "Mietschulung".into(),
            completion_date: day,
            issued_at: day.and_hms_opt(9, 0, 0).unwrap_or_default(),
            issued_by: None,
            status: CertificateStatus::Valid,
            revoked_at: None,
            revocation_reason: None,
            replaced_by_id: None,
            name_hmac: None,
            erased_at: None,
        }
    }

    #[test]
    fn search_finds_names_in_any_case_and_codes_as_printed() {
        let c = cert("Olena Shevchenko", "0MRE09HPXPXFH1GG");
        for q in [
            "",
            "olena",
            "SHEV",
            "shevchenko olena",
            "0mre-09hp",
            "09HP XPXF",
            "0MRE-09HP-XPXF-H1GG-K",
        ] {
            assert!(matches(&c, q), "{q}");
        }
        for q in ["amir", "0MRE-0000", "-", "olena amir"] {
            assert!(!matches(&c, q), "{q}");
        }
    }

    #[test]
    fn the_sentence_names_who_to_print() {
        let names = vec![Text::Plain("Samir Haddad".into())];
        let said = outcome_sentence(3, names, 0).to_string();
        assert!(said.contains('3') && said.contains("Samir Haddad"), "{said}");
        assert!(!outcome_sentence(2, Vec::new(), 0).to_string().contains("Samir"));
        let with_failure = outcome_sentence(2, Vec::new(), 1).to_string();
        assert!(with_failure.contains('1'), "{with_failure}");
    }

    proptest! {
        /// Every certificate is found by its own code, printed or stored, and by its name.
        #[test]
        fn a_certificate_is_found_by_its_code_and_name(
            code in "[0-9A-HJKMNP-TV-Z]{16}", given in "[A-Za-zäöü]{1,12}", family in "[A-Za-z]{1,12}",
        ) {
            let c = cert(&format!("{given} {family}"), &code);
            let printed = service::display_code(&code);
            prop_assert!(matches(&c, &printed), "{}", printed);
            prop_assert!(matches(&c, &code.to_lowercase()));
            prop_assert!(matches(&c, &family.to_uppercase()));
        }
    }
}
