use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use super::keys::KeyRing;
use super::models::*;
use super::pdf::{AttendedModule, CertificateDocument, DocumentImage, ImageError, LazyRenderer};
use super::{repo, token};
use crate::attendance;
use crate::audit;
use crate::auth::Actor;
use crate::db::{dialect, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{CertificateBatchId, CertificateId, OrgId, ParticipantId, RunId};
use crate::mail::outbox::{self, Attachment};
use crate::orgs;
use crate::orgs::models::ImageKind;
use crate::participants;
use crate::planning;
use crate::time;
use crate::validate;

/// Everything needed to sign and render: shared by the web app, the CLI and tests.
pub struct CertificateIssuer {
    pub public_url: String,
    pub keyring: Arc<KeyRing>,
    pub renderer: Arc<LazyRenderer>,
    /// Decoded organisation images by content hash: a batch decodes a logo once.
    pub images: std::sync::Mutex<std::collections::HashMap<[u8; 32], Arc<DocumentImage>>>,
    /// Signs the links of participants' own pages.
    pub own_page: super::own_page::OwnPageKey,
}

impl CertificateIssuer {
    pub fn view(&self, c: &Certificate) -> CertificateView {
        CertificateView {
            id: c.id,
            participant_id: c.participant_id,
            run_id: c.run_id,
            holder_name: if c.is_erased() {
                crate::i18n::text(crate::i18n::DEFAULT_LANG, "erasure.erased_name")
            } else {
                c.holder_name.clone()
            },
            code: display_code(&c.code),
            course_code: c.course_code.clone(),
            completion_date: c.completion_date,
            issued_at: c.issued_at,
            status: c.status,
            // The token went with the name; the QR code on the paper still carries it.
            verification_url: if c.is_erased() { String::new() } else { self.url_of(c) },
            checks: 0,
            last_checked: None,
            erased: c.is_erased(),
        }
    }

    pub fn url_of(&self, c: &Certificate) -> String {
        self.url_of_token(&c.token)
    }

    fn url_of_token(&self, token: &str) -> String {
        format!("{}/Z/{}", self.public_url.to_uppercase(), token)
    }
}

/// Stored codes are 16 characters; people read them in groups of four with the check
/// character as a fifth group (`token::printed_code`), wherever they are shown.
pub fn display_code(stored: &str) -> String {
    match token::parse_code(stored) {
        Some(code) if stored.len() == 16 => token::printed_code(&code),
        // Not a stored code (never written by this service): shown as it is, grouped.
        _ => stored
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-"),
    }
}

/// The stored form has no check character: it is derived, and old codes lack it.
fn stored_code(code: &[u8; 10]) -> String {
    token::plain_code(code)
}

/// What issuing did for one participant, short of a failure.
#[derive(Debug)]
pub enum Issued {
    /// Boxed: a certificate row is large beside the other outcomes.
    New(Box<Certificate>),
    /// A valid certificate exists already.
    AlreadyHad,
    /// Their certificate was revoked: only [`reissue_revoked`] gives them a new one.
    Revoked,
    /// Completion does not hold (yet), and why, in words.
    NotCompleted(Text),
}

impl Issued {
    /// The certificate issued now, if one was.
    pub fn certificate(self) -> Option<Certificate> {
        match self {
            Issued::New(cert) => Some(*cert),
            _ => None,
        }
    }
}

/// Issues a certificate for one participant of a run, unless they hold a valid one, their
/// certificate was revoked, or they have not completed. Runs in its own transaction: a
/// certificate is either complete (row, signed token, queued email) or absent, so an error
/// leaves nothing behind.
pub fn issue_one(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
    participant_id: ParticipantId,
) -> AppResult<Issued> {
    let org_id = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        let run = planning::service::get_run(conn, org_id, run_id)?;
        let participant = locked_participant(conn, org_id, participant_id)?;
        let held =
            Held::of(&repo::standing_in_run(conn, run_id, &[participant_id])?, participant_id);
        let completion =
            attendance::service::certifiable(conn, org_id, run_id, &[participant_id])?.pop();
        let mut issuing = Issuing::new(run);
        issue_for(conn, issuer, actor, &mut issuing, participant, held, completion, None)
    })
}

/// What a participant's certificates for a run say about issuing another.
#[derive(Debug, Default, Clone, Copy)]
struct Held {
    valid: bool,
    revoked: bool,
}

impl Held {
    /// From (participant, status) rows of the run's valid and revoked certificates.
    fn of(rows: &[(ParticipantId, CertificateStatus)], participant_id: ParticipantId) -> Self {
        let mut held = Held::default();
        for (_, status) in rows.iter().filter(|(p, _)| *p == participant_id) {
            held.valid |= *status == CertificateStatus::Valid;
            held.revoked |= *status == CertificateStatus::Revoked;
        }
        held
    }
}

/// The rule every way of issuing for a run applies to one participant (one certificate,
/// "ausstellen", a batch): none while they hold a valid one or theirs was revoked, none
/// before completion, none for an erased person; otherwise a new one. The caller holds the
/// write transaction, the run's lock and the participant's, and read `participant`, `held`
/// and `completion` under them; `draft` is what was prepared for them before the
/// transaction, if anything.
#[allow(clippy::too_many_arguments)]
fn issue_for(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, issuing: &mut Issuing,
    participant: participants::models::Participant, held: Held,
    completion: Option<(attendance::models::Completion, Vec<ListedModule>)>, draft: Option<Draft>,
) -> AppResult<Issued> {
    if held.valid {
        return Ok(Issued::AlreadyHad);
    }
    // Revocation is final: a batch or a rerun never undoes it.
    if held.revoked {
        return Ok(Issued::Revoked);
    }
    let (completion, listed) = completion.ok_or_else(|| {
        AppError::invalid("participant_id", Text::key("error.not_enrolled_in_run"))
    })?;
    let completion_date =
        match certified_date(&completion, &listed, &participant, time::today_local())? {
            Ok(d) => d,
            Err(why) => return Ok(Issued::NotCompleted(why)),
        };
    // An erased person has no name left to certify (their row stays for the counts).
    if participant.is_erased() {
        return Err(AppError::conflict("erasure.already_erased"));
    }
    let subject = Subject { participant: &participant, completion_date, listed };
    issue_composed(conn, issuer, actor, issuing, subject, draft).map(|c| Issued::New(Box::new(c)))
}

/// The participant read afresh under their lock: erasure takes this lock, so a name read
/// before an erasure committed is never signed after it.
fn locked_participant(
    conn: &mut DbConn, org_id: OrgId, participant_id: ParticipantId,
) -> AppResult<participants::models::Participant> {
    dialect::lock_for_update(conn, "participants", participant_id)?;
    participants::service::get(conn, org_id, participant_id)
}

/// The completion date a certificate issued on `issued_on` may carry, or why the
/// participant has not completed. Completion is the attendance domain's (recorded
/// attendance only); the date is moved up to the last session the certificate lists, so it
/// never precedes what it certifies, and a date after the issue day is refused, so it never
/// follows the issue date.
fn certified_date(
    completion: &attendance::models::Completion, listed: &[ListedModule],
    participant: &participants::models::Participant, issued_on: chrono::NaiveDate,
) -> AppResult<Result<chrono::NaiveDate, Text>> {
    let completed_on = match (completion.completed, completion.completion_date) {
        (true, Some(d)) => d,
        _ => {
            let missing = if completion.missing_modules.is_empty() {
                Text::key("certificates.missing_attendance")
            } else {
                Text::Plain(completion.missing_modules.join(", "))
            };
            return Ok(Err(Text::key("error.certificates.not_completed")
                .arg("name", participant.full_name())
                .arg_text("missing", missing)));
        }
    };
    let last_listed = listed.iter().map(|(_, day, _)| *day).max();
    let date = last_listed.map_or(completed_on, |day| day.max(completed_on));
    if date > issued_on {
        return Err(AppError::Conflict(
            Text::key("error.certificates.completion_in_future")
                .arg("name", participant.full_name())
                .arg("date", time::fmt_date(date)),
        ));
    }
    Ok(Ok(date))
}

/// [`certified_date`] for one participant, read now, for a certificate issued today.
fn certified_completion_date(
    conn: &mut DbConn, org_id: OrgId, run_id: RunId,
    participant: &participants::models::Participant,
) -> AppResult<Result<chrono::NaiveDate, Text>> {
    let (completion, listed) =
        attendance::service::certifiable(conn, org_id, run_id, &[participant.id])?
            .pop()
            .ok_or_else(|| {
                AppError::invalid("participant_id", Text::key("error.not_enrolled_in_run"))
            })?;
    certified_date(&completion, &listed, participant, time::today_local())
}

/// Signs, stores and mails one certificate; the caller holds the write transaction and has
/// checked that the participant completed the run and holds no valid certificate.
fn issue_in_tx(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor,
    run: &planning::models::CourseRun, participant: &participants::models::Participant,
    completion_date: chrono::NaiveDate,
) -> AppResult<Certificate> {
    let org_id = run.organisation_id;
    let participant = &locked_participant(conn, org_id, participant.id)?;
    // An erased person has no name left to certify (their row stays for the counts).
    if participant.is_erased() {
        return Err(AppError::conflict("erasure.already_erased"));
    }
    let listed = attendance::service::attended_modules(conn, org_id, run.id, participant.id)?;
    let mut issuing = Issuing::new(run.clone());
    let subject = Subject { participant, completion_date, listed };
    issue_composed(conn, issuer, actor, &mut issuing, subject, None)
}

/// A module a certificate lists: title, first day attended, length in minutes.
type ListedModule = attendance::service::ListedModule;

/// Who a certificate is for and what it certifies, checked by the caller.
struct Subject<'a> {
    participant: &'a participants::models::Participant,
    completion_date: chrono::NaiveDate,
    listed: Vec<ListedModule>,
}

/// What issuing reads of a run's course, organisation, settings, images and signing key:
/// once for all the certificates one transaction issues, and only once one is issued.
struct Issuing {
    run: planning::models::CourseRun,
    read: Option<IssuingReads>,
}

struct IssuingReads {
    course: planning::models::Course,
    course_modules: Vec<planning::models::CourseModule>,
    letterhead: Letterhead,
    kid: u8,
    signing_key: ed25519_dalek::SigningKey,
    /// The course title per holder language (`printed::title_in`), asked once each.
    titles: HashMap<String, Option<(String, String)>>,
}

/// The organisation as its certificates print it.
struct Letterhead {
    org: orgs::Organisation,
    profile: CertificateProfile,
    logo: Option<Arc<DocumentImage>>,
    signature: Option<Arc<DocumentImage>>,
}

impl Letterhead {
    fn load(
        conn: &mut DbConn, issuer: &CertificateIssuer, org: orgs::Organisation,
    ) -> AppResult<Self> {
        Ok(Letterhead {
            profile: super::profile::profile_of(conn, org.id)?,
            logo: org_image_for_print(conn, issuer, org.id, ImageKind::Logo)?,
            signature: org_image_for_print(conn, issuer, org.id, ImageKind::Signature)?,
            org,
        })
    }
}

impl Issuing {
    fn new(run: planning::models::CourseRun) -> Self {
        Issuing { run, read: None }
    }

    fn reads(
        &mut self, conn: &mut DbConn, issuer: &CertificateIssuer,
    ) -> AppResult<&mut IssuingReads> {
        if self.read.is_none() {
            let org_id = self.run.organisation_id;
            let org = orgs::service::get(conn, org_id)?;
            let (kid, signing_key) = issuer.keyring.signing_key_for(conn, org_id)?;
            self.read = Some(IssuingReads {
                course: planning::service::get_course(conn, org_id, self.run.course_id)?,
                course_modules: planning::service::modules_of(conn, org_id, self.run.course_id)?,
                letterhead: Letterhead::load(conn, issuer, org)?,
                kid,
                signing_key,
                titles: HashMap::new(),
            });
        }
        self.read.as_mut().ok_or_else(|| AppError::Internal(anyhow::anyhow!("issuing reads")))
    }
}

/// A certificate's code, issue time and issuer.
#[derive(Clone, Copy)]
struct Stamp {
    code: [u8; 10],
    issued_at: chrono::NaiveDateTime,
    issued_by: Option<crate::ids::UserId>,
}

/// One certificate as it will be stored, frozen and printed.
struct Composed {
    form: CertificateInsertForm,
    freeze: super::printed::Freeze,
    doc: CertificateDocument,
    url: String,
}

/// Signs the claims and puts together the row, what it freezes and what it prints, from
/// what `issuing` read; the one way a new certificate's content is decided.
fn compose(
    conn: &mut DbConn, issuer: &CertificateIssuer, issuing: &mut Issuing, subject: Subject<'_>,
    stamp: Stamp,
) -> AppResult<Composed> {
    let run = issuing.run.clone();
    let reads = issuing.reads(conn, issuer)?;
    let participant = subject.participant;
    let claims = token::CertificateClaims {
        issued_at: stamp.issued_at.and_utc().timestamp(),
        code: stamp.code,
        holder_name: token::normalize_name(&participant.full_name()),
        course_code: reads.course.code.clone(),
        completion_date: subject.completion_date,
    };
    let url = signed_url(issuer, &claims, reads.kid, &reads.signing_key, participant)?;
    let form = CertificateInsertForm {
        organisation_id: run.organisation_id,
        participant_id: participant.id,
        run_id: run.id,
        code: stored_code(&stamp.code),
        kid: i32::from(reads.kid),
        token: url.rsplit('/').next().unwrap_or_default().to_string(),
        holder_name: claims.holder_name.clone(),
        course_code: reads.course.code.clone(),
        course_title: reads.course.title.clone(),
        completion_date: subject.completion_date,
        issued_at: stamp.issued_at,
        issued_by: stamp.issued_by,
        status: CertificateStatus::Valid,
    };
    let lang = participant.preferred_language.clone();
    let title = match reads.titles.get(&lang) {
        Some(known) => known.clone(),
        None => {
            let title = super::printed::title_in(conn, &run, &lang)?;
            reads.titles.insert(lang.clone(), title.clone());
            title
        }
    };
    let profile = &reads.letterhead.profile;
    let freeze = super::printed::Freeze::new(
        &run,
        &reads.course_modules,
        subject.listed,
        &profile.venue_phrase,
        &profile.issuer_seat,
        title,
    );
    let face = Face {
        holder_name: &form.holder_name,
        course_title: &form.course_title,
        course_code: &form.course_code,
        issued_at: form.issued_at,
        token: &form.token,
        code: &form.code,
    };
    let modules = freeze.printed.modules.clone().unwrap_or_default();
    let doc = document_of(
        issuer,
        &face,
        Some(freeze.printed.clone()),
        modules,
        &run,
        &reads.letterhead,
        lang,
    );
    Ok(Composed { form, freeze, doc, url })
}

/// Signs, stores, freezes and mails one certificate; the caller holds the write
/// transaction and the participant's lock, and has checked completion and that they hold
/// no valid certificate. A draft's PDF is mailed only when the certificate prints exactly
/// what the draft printed.
fn issue_composed(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, issuing: &mut Issuing,
    subject: Subject<'_>, draft: Option<Draft>,
) -> AppResult<Certificate> {
    let participant = subject.participant;
    let stamp = match &draft {
        Some(d) => Stamp { code: d.code, issued_at: d.issued_at, issued_by: Some(actor.user_id) },
        None => Stamp {
            code: token::new_code(),
            issued_at: time::now_utc(),
            issued_by: Some(actor.user_id),
        },
    };
    let composed = compose(conn, issuer, issuing, subject, stamp)?;
    // Nothing is signed that cannot be printed, mailed or not (the refusal names the field).
    crate::certificates::pdf::check_document(&composed.doc)?;
    let cert = repo::insert(conn, &composed.form)?;
    // What it prints of the plan is frozen now: later corrections never change it.
    composed.freeze.store(conn, &cert)?;
    let pdf = draft.filter(|d| d.doc == composed.doc).map(|d| d.pdf);
    let letterhead = &issuing.reads(conn, issuer)?.letterhead;
    mail_certificate(conn, issuer, &cert, letterhead, participant, &composed, pdf)?;
    audit::Entry::new(Some(cert.organisation_id), Some(actor.user_id), "certificate.issue")
        .on("certificate", Some(cert.id.into()))
        .about_participant(participant.id)
        .record(conn)?;
    Ok(cert)
}

/// A certificate prepared before its transaction: its code and issue time, what it prints
/// and its PDF, rendered outside any lock. The transaction composes the certificate again
/// from what it reads under its locks and mails the draft's PDF only when that prints the
/// same; otherwise it renders anew.
struct Draft {
    code: [u8; 10],
    issued_at: chrono::NaiveDateTime,
    doc: CertificateDocument,
    pdf: Vec<u8>,
}

/// Prepares the certificates these participants will likely be issued and renders the PDFs
/// of those who get one by e-mail, side by side on the machine's cores, before the
/// transaction that issues them. Only a saving: whoever has no draft is composed and
/// rendered in the transaction, and whatever fails here is left to it to decide and report.
fn drafts(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
    people: &[ParticipantId],
) -> HashMap<ParticipantId, Draft> {
    let prepared = (|| -> AppResult<Vec<(ParticipantId, Stamp, CertificateDocument)>> {
        let org_id = actor.coordinator_org()?;
        let mut issuing = Issuing::new(planning::service::get_run(conn, org_id, run_id)?);
        let standing = repo::standing_in_run(conn, run_id, people)?;
        let mut read = participants::service::get_many(conn, org_id, people)?;
        let issued_at = time::now_utc();
        let today = time::today_local();
        let mut docs = Vec::new();
        for (completion, listed) in attendance::service::certifiable(conn, org_id, run_id, people)?
        {
            let pid = completion.participant_id;
            let held = Held::of(&standing, pid);
            if held.valid || held.revoked {
                continue;
            }
            let Some(participant) = read.remove(&pid) else {
                continue;
            };
            if participant.is_erased()
                || participants::service::contact_email_in(conn, &participant)?.is_none()
            {
                continue;
            }
            let Ok(Ok(completion_date)) = certified_date(&completion, &listed, &participant, today)
            else {
                continue;
            };
            let stamp =
                Stamp { code: token::new_code(), issued_at, issued_by: Some(actor.user_id) };
            let subject = Subject { participant: &participant, completion_date, listed };
            let Ok(composed) = compose(conn, issuer, &mut issuing, subject, stamp) else {
                continue;
            };
            if crate::certificates::pdf::check_document(&composed.doc).is_ok() {
                docs.push((pid, stamp, composed.doc));
            }
        }
        Ok(docs)
    })();
    let Ok(prepared) = prepared else {
        return HashMap::new();
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    let per_thread = prepared.len().div_ceil(threads).max(1);
    // Built here once, not by the first of the threads while the others wait on it.
    let Ok(renderer) = issuer.renderer.get() else {
        return HashMap::new();
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = prepared
            .chunks(per_thread)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|(pid, stamp, doc)| {
                            let pdf = renderer.render(doc).ok()?;
                            let draft = Draft {
                                code: stamp.code,
                                issued_at: stamp.issued_at,
                                doc: doc.clone(),
                                pdf,
                            };
                            Some((*pid, draft))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    })
}

/// The check address with the signed claims, or why it cannot go into a QR code.
fn signed_url(
    issuer: &CertificateIssuer, claims: &token::CertificateClaims, kid: u8,
    signing_key: &ed25519_dalek::SigningKey, participant: &participants::models::Participant,
) -> AppResult<String> {
    let signed = token::sign(claims, kid, signing_key).map_err(|e| match e {
        token::TokenError::OverBudget => AppError::invalid(
            "holder_name",
            Text::key("error.certificates.name_too_long").arg("name", participant.full_name()),
        ),
        other => AppError::Internal(anyhow::anyhow!("signing certificate: {other}")),
    })?;
    token::verification_url(&issuer.public_url, &signed)
        .map_err(|_| AppError::invalid("holder_name", Text::key("error.certificates.url_too_long")))
}

/// What the certificate mail says.
#[derive(Serialize)]
struct CertificateMail<'a> {
    holder_name: &'a str,
    referrer_name: Option<&'a str>,
    course_title: &'a str,
    issuer_name: &'a str,
    verification_url: &'a str,
    code: String,
    /// The holder's own page (never printed on the certificate).
    own_page_url: Option<String>,
}

/// Queues the certificate with its PDF (the draft's, or rendered now) for the participant's
/// own address first; a referrer (social worker, volunteer) who registered them receives it
/// when they have none.
fn mail_certificate(
    conn: &mut DbConn, issuer: &CertificateIssuer, cert: &Certificate, letterhead: &Letterhead,
    participant: &participants::models::Participant, composed: &Composed, pdf: Option<Vec<u8>>,
) -> AppResult<()> {
    let Some((to, via_referrer)) = participants::service::contact_email_in(conn, participant)?
    else {
        return Ok(());
    };
    let pdf = match pdf {
        Some(pdf) => pdf,
        None => render_document(issuer, &composed.doc)?,
    };
    let org = &letterhead.org;
    let mail = CertificateMail {
        holder_name: &cert.holder_name,
        referrer_name: participant.referrer_name.as_deref().filter(|_| via_referrer),
        course_title: &cert.course_title,
        issuer_name: &org.issuer_name,
        verification_url: &composed.url,
        code: display_code(&cert.code),
        own_page_url: super::own_page::current_link(conn, issuer, org.id, participant.id)?,
    };
    outbox::enqueue_localized(
        conn,
        Some(org.id),
        outbox::About::Participant(participant.id),
        &to,
        "certificate_issued",
        &participant.preferred_language,
        &serde_json::to_value(mail).map_err(|e| AppError::Internal(e.into()))?,
        Some(Attachment { name: pdf_file_name(cert), mime: "application/pdf".into(), bytes: pdf }),
    )?;
    Ok(())
}

/// Corrects the holder's name: the participant record gets the corrected name, the old
/// certificate becomes "replaced" (its QR code then answers "Ungültig – ersetzt" without
/// any personal detail) and a new certificate with a new code is issued and mailed.
pub fn reissue_with_name(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, certificate_id: CertificateId,
    given_name: &str, family_name: &str,
) -> AppResult<Certificate> {
    let org_id = actor.coordinator_org()?;
    let given_name = participants::service::name("given_name", "label.given_name", given_name)?;
    let family_name = participants::service::name("family_name", "label.family_name", family_name)?;
    let result = crate::db::write_transaction(conn, |conn| {
        let old = repo::get(conn, org_id, certificate_id)?;
        dialect::lock_for_update(conn, "course_runs", old.run_id)?;
        // Erasure takes this lock: a correction cannot write the name back after it.
        dialect::lock_for_update(conn, "participants", old.participant_id)?;
        let old = repo::get(conn, org_id, certificate_id)?;
        if old.is_erased() {
            return Err(AppError::conflict("erasure.already_erased"));
        }
        if old.status != CertificateStatus::Valid {
            return Err(AppError::conflict("error.certificates.correct_only_valid"));
        }
        let run = planning::service::get_run(conn, org_id, old.run_id)?;
        participants::service::set_names(
            conn,
            org_id,
            old.participant_id,
            &given_name,
            &family_name,
        )?;
        let participant = participants::service::get(conn, org_id, old.participant_id)?;
        if token::normalize_name(&participant.full_name()) == old.holder_name {
            return Err(AppError::invalid(
                "given_name",
                Text::key("error.certificates.name_unchanged"),
            ));
        }
        let now = time::now_utc();
        // The old one must stop being valid first: one valid certificate per person and run.
        repo::mark_replaced(conn, old.id, now)?;
        crate::certificates::cache::invalidate_all();
        let new = issue_in_tx(conn, issuer, actor, &run, &participant, old.completion_date)?;
        repo::set_replaced_by(conn, old.id, new.id)?;
        audit::Entry::new(Some(org_id), Some(actor.user_id), "certificate.replace")
            .on("certificate", Some(old.id.into()))
            .about_participant(old.participant_id)
            .detail(&format!("replaced_by={}", new.id))
            .record(conn)?;
        Ok(new)
    });
    crate::certificates::cache::invalidate_all();
    result
}

/// How many participants one transaction of issuing for a run takes: their certificates
/// commit together (a batch's progress with them), and each holds the run's lock only as
/// long as these take.
const CHUNK: usize = 50;

/// Issues certificates for everyone of the run who completed and has none yet, each
/// participant all-or-nothing: one who cannot get one (e.g. a name too long for the QR
/// code) is reported with the reason and the others are still issued. Answers with every
/// participant's outcome, never with an error after some were issued.
pub fn issue_for_run(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
) -> AppResult<IssueSummary> {
    let org_id = actor.coordinator_org()?;
    planning::service::get_run(conn, org_id, run_id)?;
    let mut summary = IssueSummary::default();
    let people = attendance::service::completion_for_run(conn, org_id, run_id)?;
    for chunk in people.chunks(CHUNK) {
        let outcomes = match issue_chunk(conn, issuer, actor, run_id, chunk, |_, _| Ok(())) {
            Ok((outcomes, ())) => outcomes,
            Err(e) => one_by_one(conn, issuer, actor, run_id, chunk, &e),
        };
        for outcome in outcomes {
            match outcome.outcome {
                IssueOutcome::Issued => summary.issued.extend(outcome.certificate.clone()),
                IssueOutcome::AlreadyIssued => summary.already_issued += 1,
                IssueOutcome::Revoked => summary.revoked += 1,
                IssueOutcome::NotCompleted => summary.not_completed += 1,
                IssueOutcome::Failed => summary.failed += 1,
            }
            summary.participants.push(outcome);
        }
    }
    Ok(summary)
}

/// Issues for these participants of a run in one write transaction: the run's lock, its
/// course and settings, their completion and their certificates are read once for all of
/// them, and their PDFs were rendered before it ([`drafts`]). Each participant is still
/// all-or-nothing (a savepoint), so one who cannot get a certificate is reported with the
/// reason and the others are issued. `then` runs last in the same transaction with the
/// outcomes: a batch saves its progress there, so progress and certificates commit
/// together.
fn issue_chunk<T>(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
    people: &[attendance::models::Completion],
    then: impl FnOnce(&mut DbConn, &[ParticipantOutcome]) -> AppResult<T>,
) -> AppResult<(Vec<ParticipantOutcome>, T)> {
    let org_id = actor.coordinator_org()?;
    let ids: Vec<ParticipantId> = people.iter().map(|c| c.participant_id).collect();
    let mut drafts = drafts(conn, issuer, actor, run_id, &ids);
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        let mut issuing = Issuing::new(planning::service::get_run(conn, org_id, run_id)?);
        // Erasure takes these locks: no name read here is signed after an erasure.
        let raw: Vec<i32> = ids.iter().map(|id| id.0).collect();
        dialect::lock_all_for_update(conn, "participants", &raw)?;
        let mut read = participants::service::get_many(conn, org_id, &ids)?;
        let standing = repo::standing_in_run(conn, run_id, &ids)?;
        let mut completions: HashMap<ParticipantId, _> =
            attendance::service::certifiable(conn, org_id, run_id, &ids)?
                .into_iter()
                .map(|(c, listed)| (c.participant_id, (c, listed)))
                .collect();
        let today = time::today_local();
        let mut outcomes = Vec::with_capacity(people.len());
        for c in people {
            let pid = c.participant_id;
            // A draft from before midnight would carry yesterday as its issue date.
            let draft =
                drafts.remove(&pid).filter(|d| time::to_local(d.issued_at).date_naive() == today);
            let (held, completion) = (Held::of(&standing, pid), completions.remove(&pid));
            let result = match read.remove(&pid) {
                Some(participant) => crate::db::write_transaction(conn, |conn| {
                    issue_for(
                        conn,
                        issuer,
                        actor,
                        &mut issuing,
                        participant,
                        held,
                        completion,
                        draft,
                    )
                }),
                None => Err(AppError::not_found("thing.participant")),
            };
            outcomes.push(outcome_of(issuer, run_id, c, result));
        }
        let then = then(conn, &outcomes)?;
        Ok((outcomes, then))
    })
}

/// When a chunk's transaction as a whole fails, its participants one by one, each in its
/// own transaction as [`issue_one`] does: every one still gets an outcome.
fn one_by_one(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
    people: &[attendance::models::Completion], why: &AppError,
) -> Vec<ParticipantOutcome> {
    tracing::warn!(run_id = run_id.0, error = ?why, "certificates of a chunk issued one by one");
    people.iter().map(|c| outcome_for(conn, issuer, actor, run_id, c)).collect()
}

/// Tries to issue for one participant and says what happened; a failure is an outcome with
/// its reason in words (a technical one is logged and worded generally).
fn outcome_for(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
    c: &attendance::models::Completion,
) -> ParticipantOutcome {
    let result = issue_one(conn, issuer, actor, run_id, c.participant_id);
    outcome_of(issuer, run_id, c, result)
}

fn outcome_of(
    issuer: &CertificateIssuer, run_id: RunId, c: &attendance::models::Completion,
    result: AppResult<Issued>,
) -> ParticipantOutcome {
    let (outcome, certificate, message) = match result {
        Ok(Issued::New(cert)) => (IssueOutcome::Issued, Some(issuer.view(&cert)), None),
        Ok(Issued::AlreadyHad) => (IssueOutcome::AlreadyIssued, None, None),
        Ok(Issued::Revoked) => (IssueOutcome::Revoked, None, None),
        Ok(Issued::NotCompleted(why)) => (IssueOutcome::NotCompleted, None, Some(why.to_string())),
        Err(e) => {
            let message = match &e {
                AppError::Internal(_) | AppError::Unavailable(_) => {
                    tracing::error!(run_id = run_id.0, participant_id = c.participant_id.0, error = ?e, "certificate not issued");
                    Text::key("error.certificates.batch_technical").to_string()
                }
                other => other.to_string(),
            };
            (IssueOutcome::Failed, None, Some(message))
        }
    };
    ParticipantOutcome {
        participant_id: c.participant_id,
        name: c.name.clone(),
        outcome,
        certificate,
        message,
    }
}

/// "Neu ausstellen": the one way a participant whose certificate was revoked gets a new
/// one. Needs a reason (kept internal, with the record of the reissue) and completion as
/// for any certificate; the revoked certificate stays revoked. Refused (409) when the
/// participant holds a valid certificate or none of theirs for the run was revoked.
pub fn reissue_revoked(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
    participant_id: ParticipantId, reason: &str,
) -> AppResult<Certificate> {
    let org_id = actor.coordinator_org()?;
    let reason = validate::required_text("reason", "label.reason", reason, 500)?;
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        let run = planning::service::get_run(conn, org_id, run_id)?;
        let participant = participants::service::get(conn, org_id, participant_id)?;
        if repo::valid_for(conn, run_id, participant_id)?.is_some() {
            return Err(AppError::conflict("error.certificates.reissue_valid_exists"));
        }
        let revoked = repo::latest_revoked(conn, run_id, participant_id)?
            .ok_or_else(|| AppError::conflict("error.certificates.reissue_nothing_revoked"))?;
        let completion_date = certified_completion_date(conn, org_id, run_id, &participant)?
            .map_err(AppError::Conflict)?;
        let cert = issue_in_tx(conn, issuer, actor, &run, &participant, completion_date)?;
        repo::insert_reissue(
            conn,
            &CertificateReissueInsertForm {
                organisation_id: org_id,
                run_id,
                participant_id,
                revoked_certificate_id: revoked.id,
                certificate_id: cert.id,
                reason: reason.clone(),
                reissued_by: Some(actor.user_id),
                reissued_at: cert.issued_at,
            },
        )?;
        audit::Entry::new(Some(org_id), Some(actor.user_id), "certificate.reissue_revoked")
            .on("certificate", Some(cert.id.into()))
            .about_participant(cert.participant_id)
            .detail(&format!("revoked={}", revoked.id))
            .record(conn)?;
        Ok(cert)
    })
}

pub fn revoke(
    conn: &mut DbConn, actor: &Actor, certificate_id: CertificateId, reason: &str,
) -> AppResult<Certificate> {
    let org = actor.coordinator_org()?;
    let reason = validate::required_text("reason", "label.reason", reason, 500)?;
    let result = crate::db::write_transaction(conn, |conn| {
        let cert = repo::get(conn, org, certificate_id)?;
        if cert.status != CertificateStatus::Valid {
            return Err(AppError::conflict("error.certificates.not_valid_any_more"));
        }
        repo::revoke(conn, cert.id, &reason, time::now_utc())?;
        crate::certificates::cache::invalidate_all();
        audit::Entry::new(Some(org), Some(actor.user_id), "certificate.revoke")
            .on("certificate", Some(cert.id.into()))
            .about_participant(cert.participant_id)
            .record(conn)?;
        repo::get(conn, org, certificate_id)
    });
    // Again after the commit: a check that read the old row meanwhile is not kept.
    crate::certificates::cache::invalidate_all();
    result
}

pub fn pdf_file_name(cert: &Certificate) -> String {
    format!("Teilnahmebescheinigung-{}.pdf", display_code(&cert.code))
}

/// `Nachname_Vorname_CODE.pdf`, the name of a certificate inside a ZIP, so a printout pile
/// sorts by family name. ASCII only (transliterated: `Müller` → `Mueller`, `Олена` →
/// `Olena`), because ZIP tools on office PCs still mangle anything else; the code makes it
/// unique within a ZIP.
pub fn zip_entry_name(family: &str, given: &str, cert: &Certificate) -> String {
    let mut parts: Vec<String> =
        [family, given].into_iter().map(file_name_part).filter(|p| !p.is_empty()).collect();
    parts.push(display_code(&cert.code));
    format!("{}.pdf", parts.join("_"))
}

/// One part of a file name: German umlauts as `ae`, `oe`, `ue`, `ss`, other scripts
/// transliterated, runs of anything but letters and digits as one `-`.
fn file_name_part(text: &str) -> String {
    let german: String = text
        .chars()
        .flat_map(|c| match c {
            'ä' => "ae".chars().collect::<Vec<_>>(),
            'ö' => "oe".chars().collect(),
            'ü' => "ue".chars().collect(),
            'Ä' => "Ae".chars().collect(),
            'Ö' => "Oe".chars().collect(),
            'Ü' => "Ue".chars().collect(),
            'ß' => "ss".chars().collect(),
            c => vec![c],
        })
        .collect();
    let ascii = deunicode::deunicode(&german);
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    // Bounded, so a long double name cannot hit file-system limits.
    out.chars().take(40).collect::<String>().trim_end_matches('-').to_string()
}

/// The family and given name a ZIP entry is named by: the participant's, or for a record
/// without them the printed name, its last word taken as the family name.
fn names_for_file(conn: &mut DbConn, org: OrgId, cert: &Certificate) -> (String, String) {
    if let Ok(p) = crate::participants::service::get(conn, org, cert.participant_id) {
        if !p.family_name.trim().is_empty() {
            return (p.family_name, p.given_name);
        }
    }
    match cert.holder_name.trim().rsplit_once(' ') {
        Some((given, family)) => (family.to_string(), given.to_string()),
        None => (cert.holder_name.clone(), String::new()),
    }
}

/// The PDF of a certificate whose organisation and run the caller has settled.
pub(crate) fn render_pdf(
    conn: &mut DbConn, issuer: &CertificateIssuer, cert: &Certificate, org: &orgs::Organisation,
    run: &planning::models::CourseRun,
) -> AppResult<Vec<u8>> {
    render(conn, issuer, cert, org, run)
}

fn render(
    conn: &mut DbConn, issuer: &CertificateIssuer, cert: &Certificate, org: &orgs::Organisation,
    run: &planning::models::CourseRun,
) -> AppResult<Vec<u8>> {
    let doc = document(conn, issuer, cert, org, run)?;
    render_document(issuer, &doc)
}

fn render_document(issuer: &CertificateIssuer, doc: &CertificateDocument) -> AppResult<Vec<u8>> {
    issuer
        .renderer
        .render(doc)
        .map_err(|e| AppError::Internal(e.context("rendering certificate PDF")))
}

/// What the certificate's PDF shows, read for a stored certificate.
fn document(
    conn: &mut DbConn, issuer: &CertificateIssuer, cert: &Certificate, org: &orgs::Organisation,
    run: &planning::models::CourseRun,
) -> AppResult<CertificateDocument> {
    // As frozen when it was issued; the plan as it is only for what was never frozen.
    let printed = super::printed::of(conn, cert.id)?;
    let modules = match printed.as_ref().and_then(|p| p.modules.clone()) {
        Some(frozen) => frozen,
        None => attendance::service::attended_modules(conn, org.id, run.id, cert.participant_id)?
            .into_iter()
            .map(|(title, date, duration_minutes)| AttendedModule { title, date, duration_minutes })
            .collect(),
    };
    let letterhead = Letterhead::load(conn, issuer, org.clone())?;
    // A participant erased since issuing leaves no language behind: German only.
    let language = crate::participants::service::get(conn, org.id, cert.participant_id)
        .map(|p| p.preferred_language)
        .unwrap_or_default();
    let face = Face {
        holder_name: &cert.holder_name,
        course_title: &cert.course_title,
        course_code: &cert.course_code,
        issued_at: cert.issued_at,
        token: &cert.token,
        code: &cert.code,
    };
    Ok(document_of(issuer, &face, printed, modules, run, &letterhead, language))
}

/// What a certificate states of itself, stored or about to be.
struct Face<'a> {
    holder_name: &'a str,
    course_title: &'a str,
    course_code: &'a str,
    issued_at: chrono::NaiveDateTime,
    token: &'a str,
    /// As stored (without the check character).
    code: &'a str,
}

/// What a certificate's PDF shows, from what was read for it: the one place that decides
/// it, for a certificate being issued and for one printed again.
fn document_of(
    issuer: &CertificateIssuer, face: &Face<'_>, printed: Option<super::printed::Printed>,
    modules: Vec<AttendedModule>, run: &planning::models::CourseRun, letterhead: &Letterhead,
    language: String,
) -> CertificateDocument {
    let org = &letterhead.org;
    // The title as translated at issue, and only while the language is still the one it
    // was translated into.
    let course_title_translated = printed
        .as_ref()
        .and_then(|p| p.title_in_language.clone())
        .filter(|(lang, _)| *lang == language)
        .map(|(_, title)| title);
    CertificateDocument {
        holder_name: face.holder_name.to_string(),
        course_title: face.course_title.to_string(),
        course_code: face.course_code.to_string(),
        run_start: printed.as_ref().map_or(run.start_date, |p| p.run_start),
        run_end: printed.as_ref().map_or(run.end_date, |p| p.run_end),
        // Never the settings as they are now: what was printed at issue (nothing before
        // these settings existed).
        venue_phrase: printed.as_ref().map(|p| p.venue_phrase.clone()).unwrap_or_default(),
        issuer_seat: printed.as_ref().map(|p| p.issuer_seat.clone()).unwrap_or_default(),
        place: printed.map_or_else(|| run.place.clone(), |p| p.place),
        modules,
        issuer_name: org.issuer_name.clone(),
        issuer_lines: super::profile::letterhead_lines(&letterhead.profile),
        signatory_name: org.signatory_name.clone(),
        signatory_title: org.signatory_title.clone(),
        issued_on: time::to_local(face.issued_at).date_naive(),
        verification_url: issuer.url_of_token(face.token),
        code_display: display_code(face.code),
        language,
        course_title_translated,
        logo: letterhead.logo.clone(),
        signature_image: letterhead.signature.clone(),
    }
}

/// The PDF of a certificate of the actor's organisation: (file name, bytes).
pub fn pdf(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, certificate_id: CertificateId,
) -> AppResult<(String, Vec<u8>)> {
    let org_id = actor.coordinator_org()?;
    let cert = repo::get(conn, org_id, certificate_id)?;
    if cert.is_erased() {
        return Err(AppError::Gone(Text::key("erasure.pdf_gone")));
    }
    let org = orgs::service::get(conn, org_id)?;
    let run = planning::service::get_run(conn, org_id, cert.run_id)?;
    Ok((pdf_file_name(&cert), render(conn, issuer, &cert, &org, &run)?))
}

/// Every certificate of a participant (tombstones too), oldest first.
pub fn of_participant(
    conn: &mut DbConn, org: OrgId, participant: ParticipantId,
) -> AppResult<Vec<Certificate>> {
    repo::of_participant(conn, org, participant)
}

pub fn list_for_run(
    conn: &mut DbConn, issuer: &CertificateIssuer, org: OrgId, run_id: RunId,
) -> AppResult<Vec<CertificateView>> {
    let counts: HashMap<CertificateId, (i64, Option<chrono::NaiveDate>)> =
        repo::check_counts_for_run(conn, org, run_id)?
            .into_iter()
            .map(|(id, n, last)| (id, (n, last)))
            .collect();
    Ok(repo::list_for_run(conn, org, run_id)?
        .iter()
        .map(|c| {
            let mut view = issuer.view(c);
            if let Some((n, last)) = counts.get(&c.id) {
                view.checks = *n;
                view.last_checked = *last;
            }
            view
        })
        .collect())
}

/// (holder, status) of every certificate of these runs, by run: what the overview of
/// every run needs, without the views (codes, links) [`list_for_run`] builds.
pub fn statuses_for_runs(
    conn: &mut DbConn, org: OrgId, runs: &[RunId],
) -> AppResult<HashMap<RunId, Vec<(ParticipantId, CertificateStatus)>>> {
    let mut by_run: HashMap<RunId, Vec<(ParticipantId, CertificateStatus)>> = HashMap::new();
    for (run, holder, status) in repo::statuses_for_runs(conn, org, runs)? {
        by_run.entry(run).or_default().push((holder, status));
    }
    Ok(by_run)
}

/// A running batch without a heartbeat for this long has died with its process.
const BATCH_STALE_AFTER_SECS: i64 = 60;
/// How often a live batch's worker says so, well within [`BATCH_STALE_AFTER_SECS`].
pub const BATCH_HEARTBEAT_SECS: u64 = 10;

/// A batch as it stands at `now`: "running" only while its worker's heartbeat is recent, so
/// a page or API read never calls a batch running that nobody runs.
fn as_of(mut batch: CertificateBatch, now: chrono::NaiveDateTime) -> CertificateBatch {
    if batch.state == BatchState::Running
        && (now - batch.heartbeat_at).num_seconds() >= BATCH_STALE_AFTER_SECS
    {
        batch.state = BatchState::Interrupted;
    }
    batch
}

/// Starts issuing for a whole run, or returns the batch already running for it (two clicks
/// on the button, or two coordinators, share one batch). Returns the batch and whether the
/// caller must now process it. A dead batch is never returned: it is marked interrupted.
pub fn start_batch(
    conn: &mut DbConn, actor: &Actor, run_id: RunId,
) -> AppResult<(CertificateBatch, bool)> {
    let org_id = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        planning::service::get_run(conn, org_id, run_id)?;
        if let Some(live) = live_batch(conn, run_id)? {
            return Ok((live, false));
        }
        let total = attendance::service::completion_for_run(conn, org_id, run_id)?.len();
        let now = time::now_utc();
        let batch = repo::insert_batch(
            conn,
            &CertificateBatchInsertForm {
                organisation_id: org_id,
                run_id,
                started_by: Some(actor.user_id),
                started_at: now,
                heartbeat_at: now,
                total: i32::try_from(total).unwrap_or(i32::MAX),
            },
        )?;
        Ok((batch, true))
    })
}

/// The run's batch whose worker is alive, if any; running batches without a recent
/// heartbeat are marked interrupted on the way (what they issued stays). The caller holds
/// the run's lock.
fn live_batch(conn: &mut DbConn, run_id: RunId) -> AppResult<Option<CertificateBatch>> {
    let now = time::now_utc();
    let mut live = None;
    for b in repo::running_batches_for_run(conn, run_id)? {
        let b = as_of(b, now);
        if b.state == BatchState::Running {
            live = Some(b);
        } else {
            repo::set_batch_state(conn, b.id, BatchState::Interrupted)?;
        }
    }
    Ok(live)
}

/// "Fortsetzen": claims an interrupted batch again so that it issues the rest, going on
/// after the last participant it handled. Returns the batch and whether the caller must now
/// process it: not when its worker is still alive, nor when another batch of the run is
/// running (that one is returned). A finished batch cannot be continued (409).
pub fn resume_batch(
    conn: &mut DbConn, actor: &Actor, batch_id: CertificateBatchId,
) -> AppResult<(CertificateBatch, bool)> {
    let org_id = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let run_id = repo::get_batch(conn, org_id, batch_id)?.run_id;
        dialect::lock_for_update(conn, "course_runs", run_id)?;
        let now = time::now_utc();
        let batch = as_of(repo::get_batch(conn, org_id, batch_id)?, now);
        match batch.state {
            BatchState::Done => Err(AppError::conflict("error.certificates.batch_finished")),
            BatchState::Running => Ok((batch, false)),
            BatchState::Interrupted => {
                if let Some(live) = live_batch(conn, run_id)? {
                    return Ok((live, false));
                }
                repo::set_batch_running(conn, batch.id, now)?;
                let batch = repo::get_batch(conn, org_id, batch_id)?;
                Ok((batch, true))
            }
        }
    })
}

/// How many batches of the whole service are running (for monitoring: counts only, no
/// organisation).
pub fn running_batches(conn: &mut DbConn) -> AppResult<i64> {
    repo::count_running_batches(conn)
}

/// The worker of a batch is alive (called every [`BATCH_HEARTBEAT_SECS`] while it works).
pub fn batch_heartbeat(conn: &mut DbConn, batch_id: CertificateBatchId) -> AppResult<()> {
    repo::batch_heartbeat(conn, batch_id, time::now_utc())
}

/// Works through a batch in order of participant id, [`CHUNK`] participants per
/// transaction, saving its progress in the same transaction as their certificates so the
/// page can show it and "fortsetzen" goes on after the last one handled (a crash loses
/// neither a certificate nor the note of it). A person who cannot get a certificate (e.g.
/// a name too long for the QR code) is listed with the reason; the others are still issued.
pub fn process_batch(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, batch_id: CertificateBatchId,
) -> AppResult<CertificateBatch> {
    let org_id = actor.coordinator_org()?;
    let mut batch = repo::get_batch(conn, org_id, batch_id)?;
    let mut people = attendance::service::completion_for_run(conn, org_id, batch.run_id)?;
    people.sort_by_key(|c| c.participant_id);
    people.retain(|c| batch.last_participant_id.is_none_or(|last| c.participant_id > last));
    let left = i32::try_from(people.len()).unwrap_or(i32::MAX);
    batch.total = batch.total.max(batch.done.saturating_add(left));
    for chunk in people.chunks(CHUNK) {
        let saved = issue_chunk(conn, issuer, actor, batch.run_id, chunk, |conn, outcomes| {
            let mut next = batch.clone();
            for (c, outcome) in chunk.iter().zip(outcomes) {
                tally(&mut next, c, outcome);
            }
            repo::update_batch_progress(conn, &next)?;
            Ok(next)
        });
        match saved {
            Ok((_, next)) => batch = next,
            Err(e) => {
                for (c, outcome) in
                    chunk.iter().zip(one_by_one(conn, issuer, actor, batch.run_id, chunk, &e))
                {
                    tally(&mut batch, c, &outcome);
                    repo::update_batch_progress(conn, &batch)?;
                }
            }
        }
    }
    batch.state = BatchState::Done;
    batch.finished_at = Some(time::now_utc());
    repo::update_batch_progress(conn, &batch)?;
    Ok(batch)
}

/// A batch after one more participant's outcome: the counts, the failures with their
/// reasons, the last one handled and the heartbeat.
fn tally(
    batch: &mut CertificateBatch, c: &attendance::models::Completion, outcome: &ParticipantOutcome,
) {
    match outcome.outcome {
        IssueOutcome::Issued => batch.issued += 1,
        IssueOutcome::AlreadyIssued => batch.already_issued += 1,
        IssueOutcome::Revoked => batch.revoked += 1,
        IssueOutcome::NotCompleted => batch.not_completed += 1,
        IssueOutcome::Failed => {
            let mut failures = batch_failures(batch);
            failures.push(BatchFailure {
                participant_id: c.participant_id,
                name: c.name.clone(),
                message: outcome.message.clone().unwrap_or_default(),
            });
            batch.failures = serde_json::to_string(&failures).unwrap_or_else(|_| "[]".into());
        }
    }
    batch.done += 1;
    batch.last_participant_id = Some(c.participant_id);
    batch.heartbeat_at = time::now_utc();
}

/// A batch of the caller's organisation as it stands now (see [`as_of`]).
pub fn batch(
    conn: &mut DbConn, actor: &Actor, batch_id: CertificateBatchId,
) -> AppResult<CertificateBatch> {
    Ok(as_of(repo::get_batch(conn, actor.coordinator_org()?, batch_id)?, time::now_utc()))
}

pub fn batch_failures(batch: &CertificateBatch) -> Vec<BatchFailure> {
    serde_json::from_str(&batch.failures).unwrap_or_default()
}

/// All valid certificates of a run as one ZIP of PDFs: (file name, bytes).
pub fn zip_for_run(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
) -> AppResult<(String, Vec<u8>)> {
    let org_id = actor.coordinator_org()?;
    planning::service::get_run(conn, org_id, run_id)?;
    let certs: Vec<Certificate> = repo::list_for_run(conn, org_id, run_id)?
        .into_iter()
        // A tombstone has no name left to print.
        .filter(|c| c.status == CertificateStatus::Valid && !c.is_erased())
        .collect();
    if certs.is_empty() {
        return Err(AppError::conflict("error.certificates.none_valid"));
    }
    let bytes = zip_of(conn, issuer, actor, run_id, &certs, "certificate.export_zip")?;
    Ok((format!("Teilnahmebescheinigungen-Durchgang-{run_id}.zip"), bytes))
}

/// These certificates of a run (valid, not erased: the caller chose them) as one ZIP of
/// PDFs, audited as `action`.
pub(crate) fn zip_of(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
    certs: &[Certificate], action: &'static str,
) -> AppResult<Vec<u8>> {
    use std::io::Write;
    let org_id = actor.coordinator_org()?;
    let run = planning::service::get_run(conn, org_id, run_id)?;
    let org = orgs::service::get(conn, org_id)?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // PDFs are compressed already; storing them keeps the ZIP fast to build.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for cert in certs {
        let pdf = render(conn, issuer, cert, &org, &run)?;
        let (family, given) = names_for_file(conn, org_id, cert);
        zip.start_file(zip_entry_name(&family, &given, cert), options)
            .and_then(|()| zip.write_all(&pdf).map_err(Into::into))
            .map_err(|e| AppError::Internal(anyhow::anyhow!("writing ZIP: {e}")))?;
    }
    let bytes = zip
        .finish()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing ZIP: {e}")))?
        .into_inner();
    crate::db::write_transaction(conn, |conn| {
        audit::Entry::new(Some(org_id), Some(actor.user_id), action)
            .on("course_run", Some(run_id.into()))
            .detail(&format!("{} certificates", certs.len()))
            .record(conn)
    })?;
    Ok(bytes)
}

/// The run page's line about the last batch.
#[derive(Debug, serde::Serialize)]
pub struct BatchSummary {
    pub id: CertificateBatchId,
    pub issued: i32,
    /// How many could not be issued.
    pub failed: usize,
    /// How many it left alone because their certificate was revoked.
    pub revoked: i32,
    /// Its worker died before it finished: "fortsetzen" on its page.
    pub interrupted: bool,
}

pub fn last_batch_summary(
    conn: &mut DbConn, org: OrgId, run_id: RunId,
) -> AppResult<Option<BatchSummary>> {
    let now = time::now_utc();
    Ok(repo::latest_batch_for_run(conn, org, run_id)?.map(|b| as_of(b, now)).map(|b| {
        BatchSummary {
            id: b.id,
            failed: batch_failures(&b).len(),
            issued: b.issued,
            revoked: b.revoked,
            interrupted: b.state == BatchState::Interrupted,
        }
    }))
}

/// A certificate of the caller's organisation as its revoke confirmation shows it: the
/// view, the course title and how often it was checked.
pub fn certificate_for_revoke(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, certificate_id: CertificateId,
) -> AppResult<(CertificateView, String, i64)> {
    let org = actor.coordinator_org()?;
    let cert = repo::get(conn, org, certificate_id)?;
    let checks = repo::check_counts_for_run(conn, org, cert.run_id)?
        .into_iter()
        .find(|(id, _, _)| *id == cert.id)
        .map_or(0, |(_, n, _)| n);
    Ok((issuer.view(&cert), cert.course_title.clone(), checks))
}

/// The run a certificate of the caller's organisation belongs to.
pub fn run_of(conn: &mut DbConn, actor: &Actor, certificate_id: CertificateId) -> AppResult<RunId> {
    let org = actor.coordinator_org()?;
    Ok(repo::get(conn, org, certificate_id)?.run_id)
}

pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// The image kind named in an address (`logo`, `signature`); any other is not found.
fn image_kind(kind: &str) -> AppResult<ImageKind> {
    ImageKind::from_code(kind).ok_or_else(|| AppError::not_found("thing.image_kind"))
}

/// Stores a logo or signature image after checking that the certificate can print it.
pub fn set_org_image(conn: &mut DbConn, actor: &Actor, kind: &str, bytes: &[u8]) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    let kind = image_kind(kind)?;
    if bytes.is_empty() {
        return Err(AppError::invalid("file", Text::key("error.certificates.choose_image")));
    }
    // The renderer decides by content and accepts only PNG and JPEG.
    check_printable_image(bytes)?;
    let content_type = if bytes.starts_with(b"\x89PNG") { "image/png" } else { "image/jpeg" };
    crate::db::write_transaction(conn, |conn| {
        orgs::service::set_image(conn, org, kind, content_type, bytes)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "organisation.image")
            .on(kind.code(), None)
            .record(conn)
    })
}

pub fn remove_org_image(conn: &mut DbConn, actor: &Actor, kind: &str) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    let kind = image_kind(kind)?;
    crate::db::write_transaction(conn, |conn| {
        orgs::service::delete_image(conn, org, kind)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "organisation.image_removed")
            .on(kind.code(), None)
            .record(conn)
    })
}

pub fn org_image(
    conn: &mut DbConn, actor: &Actor, kind: &str,
) -> AppResult<Option<(String, Vec<u8>)>> {
    let org = actor.coordinator_org()?;
    orgs::service::image(conn, org, image_kind(kind)?)
}

/// A signing key as the settings page (and the API) lists it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyLine {
    pub kid: i32,
    pub fingerprint: String,
    /// None: the deployment's own key (admins).
    #[schema(value_type = Option<i32>)]
    pub organisation_id: Option<OrgId>,
    pub created: String,
    /// `active`, `retired` or `compromised`.
    pub state: &'static str,
    /// How many certificates it signed.
    pub certificates: i64,
}

/// The keys page: every key the person may manage, newest first, with fingerprint, state
/// and how many certificates it signed.
pub fn key_overview(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor,
) -> AppResult<Vec<KeyLine>> {
    let records = super::keys::manageable(conn, actor)?;
    let counts = repo::count_by_kid(conn)?;
    Ok(records
        .iter()
        .rev()
        .map(|r| KeyLine {
            kid: r.kid,
            fingerprint: u8::try_from(r.kid)
                .ok()
                .and_then(|k| issuer.keyring.cached(k))
                .map(|k| token::key_fingerprint(&k.key))
                .unwrap_or_default(),
            organisation_id: r.organisation_id,
            created: crate::time::fmt_datetime(r.created_at),
            state: if r.compromised_at.is_some() {
                "compromised"
            } else if r.retired_at.is_some() {
                "retired"
            } else {
                "active"
            },
            certificates: counts.iter().find(|(k, _)| *k == r.kid).map_or(0, |(_, n)| *n),
        })
        .collect())
}

/// The certificate settings: keys for everyone who manages them, and for coordinators the
/// logo and signature printed on their organisation's certificates.
#[derive(Debug, Serialize)]
pub struct SettingsPage {
    pub admin: bool,
    pub keys: Vec<KeyLine>,
    pub images: Vec<ImageLine>,
    /// Coordinators: address, contact and the checklist before the first issue.
    pub certificate: Option<CertificateSettings>,
}

#[derive(Debug, Serialize)]
pub struct ImageLine {
    pub kind: &'static str,
    pub label: String,
    /// Whether one is uploaded.
    pub present: bool,
}

pub fn settings_page(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor,
) -> AppResult<SettingsPage> {
    actor.require(&[crate::auth::Role::Admin, crate::auth::Role::Coordinator])?;
    let admin = actor.role == crate::auth::Role::Admin;
    let keys = key_overview(conn, issuer, actor)?;
    let mut images = Vec::new();
    let mut certificate = None;
    if !admin {
        certificate = Some(super::profile::settings(conn, actor)?);
        let org = actor.coordinator_org()?;
        for kind in ImageKind::ALL {
            images.push(ImageLine {
                kind: kind.code(),
                label: crate::i18n::text("de", &format!("certsettings.{kind}")),
                present: orgs::service::image(conn, org, kind)?.is_some(),
            });
        }
    }
    Ok(SettingsPage { admin, keys, images, certificate })
}

/// The progress page of a batch.
#[derive(Debug, Serialize)]
pub struct BatchPage {
    pub batch: CertificateBatch,
    pub failures: Vec<BatchFailure>,
    pub running: bool,
    pub interrupted: bool,
    pub finished: bool,
    /// Holders of the run whose certificate is revoked and was not issued again: a batch
    /// leaves them alone.
    pub revoked: Vec<String>,
}

pub fn batch_page(
    conn: &mut DbConn, actor: &Actor, batch_id: CertificateBatchId,
) -> AppResult<BatchPage> {
    let batch = batch(conn, actor, batch_id)?;
    let certificates = repo::list_for_run(conn, batch.organisation_id, batch.run_id)?;
    Ok(BatchPage {
        revoked: revoked_not_reissued(&certificates).map(|c| c.holder_name.clone()).collect(),
        failures: batch_failures(&batch),
        running: batch.state == BatchState::Running,
        interrupted: batch.state == BatchState::Interrupted,
        finished: batch.state == BatchState::Done,
        batch,
    })
}

/// Of a run's certificates, each participant's newest revoked one where they hold no
/// valid one: the people only "neu ausstellen" gives a certificate again.
pub fn revoked_not_reissued(certificates: &[Certificate]) -> impl Iterator<Item = &Certificate> {
    certificates.iter().enumerate().filter_map(|(i, c)| {
        let same = |o: &&Certificate| o.participant_id == c.participant_id;
        let newest_revoked = c.status == CertificateStatus::Revoked
            && !certificates[i + 1..]
                .iter()
                .filter(same)
                .any(|o| o.status == CertificateStatus::Revoked);
        let valid = certificates.iter().filter(same).any(|o| o.status == CertificateStatus::Valid);
        (newest_revoked && !valid).then_some(c)
    })
}

/// The certificates of a run, with how often each was checked.
pub fn certificates_of_run(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor, run_id: RunId,
) -> AppResult<Vec<CertificateView>> {
    let org = actor.coordinator_org()?;
    planning::service::get_run(conn, org, run_id)?;
    list_for_run(conn, issuer, org, run_id)
}

/// Refuses what the certificate could not print (not PNG/JPEG, too large, broken).
fn check_printable_image(bytes: &[u8]) -> AppResult<()> {
    match DocumentImage::from_bytes(bytes) {
        Ok(_) => Ok(()),
        Err(ImageError::Refused(why)) => Err(AppError::invalid("file", why)),
        // A file that decodes but cannot be prepared is as good as unreadable.
        Err(ImageError::Failed(_)) => {
            Err(AppError::invalid("file", Text::key("error.image.unreadable")))
        }
    }
}

/// The organisation's stored image, decoded for printing (cached by content).
fn org_image_for_print(
    conn: &mut DbConn, issuer: &CertificateIssuer, org_id: OrgId, kind: ImageKind,
) -> AppResult<Option<Arc<DocumentImage>>> {
    use sha2::Digest;
    let Some((_, bytes)) = orgs::service::image(conn, org_id, kind)? else {
        return Ok(None);
    };
    let hash: [u8; 32] = sha2::Sha256::digest(&bytes).into();
    if let Some(hit) = issuer.images.lock().ok().and_then(|m| m.get(&hash).cloned()) {
        return Ok(Some(hit));
    }
    match DocumentImage::from_bytes(&bytes) {
        Ok(image) => {
            let image = Arc::new(image);
            if let Ok(mut m) = issuer.images.lock() {
                // A handful of organisations; a bound just in case of many uploads.
                if m.len() > 64 {
                    m.clear();
                }
                m.insert(hash, image.clone());
            }
            Ok(Some(image))
        }
        Err(e) => {
            // Stored images were checked on upload; a bad one must not stop certificates.
            tracing::warn!(org_id = org_id.0, kind = kind.code(), error = %e, "organisation image not printable; left off");
            Ok(None)
        }
    }
}

/// A sample certificate with the organisation's letterhead, to check logo and signature
/// before issuing. Its QR code leads to the check page, which answers "Ungültig".
pub fn sample_pdf(
    conn: &mut DbConn, issuer: &CertificateIssuer, actor: &Actor,
) -> AppResult<Vec<u8>> {
    let org_id = actor.coordinator_org()?;
    let org = orgs::service::get(conn, org_id)?;
    let today = time::today_local();
    let modules = [
        "Wohnungssuche und Besichtigung",
        "Der Mietvertrag",
        "Heizen, Lüften, Energie sparen",
        "Hausordnung und Mülltrennung",
    ]
    .iter()
    .enumerate()
    .map(|(i, title)| AttendedModule {
        title: (*title).to_string(),
        date: today - chrono::Days::new(7 * (4 - i as u64)),
        duration_minutes: 120,
    })
    .collect();
    let profile = super::profile::profile_of(conn, org.id)?;
    let doc = CertificateDocument {
        holder_name: "Maria Mustermann".into(),
        course_title: "Mietschulung (Muster)".into(),
        course_code: "MUSTER".into(),
        run_start: today - chrono::Days::new(28),
        run_end: today - chrono::Days::new(7),
        place: org.name.clone(),
        venue_phrase: profile.venue_phrase.clone(),
        issuer_seat: profile.issuer_seat.clone(),
        modules,
        issuer_name: org.issuer_name.clone(),
        issuer_lines: super::profile::letterhead_lines(&profile),
        signatory_name: org.signatory_name.clone(),
        signatory_title: org.signatory_title.clone(),
        issued_on: today,
        verification_url: format!("{}/Z/MUSTER", issuer.public_url.to_uppercase()),
        code_display: "0000-0000-0000-0000".into(),
        language: "en".into(),
        course_title_translated: Some("Tenant training (sample)".into()),
        logo: org_image_for_print(conn, issuer, org_id, ImageKind::Logo)?,
        signature_image: org_image_for_print(conn, issuer, org_id, ImageKind::Signature)?,
    };
    issuer
        .renderer
        .render(&doc)
        .map_err(|e| AppError::Internal(e.context("rendering sample certificate")))
}

/// Where stored certificates break the issuing rules, over every organisation (for
/// `mietschulung check`): a valid certificate issued after a revocation that no explicit
/// reissue answered, one whose completion date precedes the last session it lists or
/// follows its issue date, and a second valid certificate for one person and run.
pub fn certificate_violations(conn: &mut DbConn) -> AppResult<Vec<CertificateViolation>> {
    let certificates = repo::all(conn)?;
    let reissued: HashSet<CertificateId> = repo::reissued_revocations(conn)?.into_iter().collect();
    let mut last_listed = HashMap::new();
    for c in certificates.iter().filter(|c| c.status == CertificateStatus::Valid) {
        let listed = attendance::service::attended_modules(
            conn,
            c.organisation_id,
            c.run_id,
            c.participant_id,
        )?;
        last_listed.insert(c.id, listed.into_iter().map(|(_, day, _)| day).max());
    }
    let mut found =
        violations_in(&certificates, &reissued, |c| last_listed.get(&c.id).copied().flatten());
    for c in repo::naming_erased_holders(conn)? {
        found.push(CertificateViolation {
            organisation_id: c.organisation_id,
            run_id: c.run_id,
            participant_id: c.participant_id,
            certificate_id: c.id,
            kind: ViolationKind::NamesErasedHolder,
        });
    }
    Ok(found)
}

/// The rules of [`certificate_violations`] over certificates ordered by id, given the
/// revocations a reissue answered and the last session day each certificate lists.
fn violations_in(
    certificates: &[Certificate], reissued: &HashSet<CertificateId>,
    last_listed: impl Fn(&Certificate) -> Option<chrono::NaiveDate>,
) -> Vec<CertificateViolation> {
    let mut out = Vec::new();
    for c in certificates.iter().filter(|c| c.status == CertificateStatus::Valid) {
        let earlier: Vec<&Certificate> = certificates
            .iter()
            .filter(|o| o.id < c.id && o.run_id == c.run_id && o.participant_id == c.participant_id)
            .collect();
        let mut found = |kind| {
            out.push(CertificateViolation {
                organisation_id: c.organisation_id,
                run_id: c.run_id,
                participant_id: c.participant_id,
                certificate_id: c.id,
                kind,
            })
        };
        if earlier.iter().any(|o| o.status == CertificateStatus::Valid) {
            found(ViolationKind::SecondValid);
        }
        if earlier
            .iter()
            .any(|o| o.status == CertificateStatus::Revoked && !reissued.contains(&o.id))
        {
            found(ViolationKind::IssuedAfterRevocation);
        }
        if last_listed(c).is_some_and(|day| c.completion_date < day) {
            found(ViolationKind::CompletedBeforeLastSession);
        }
        if c.completion_date > time::to_local(c.issued_at).date_naive() {
            found(ViolationKind::CompletedAfterIssue);
        }
    }
    out
}

/// Stored texts that a certificate prints and the fonts cannot draw, for `mietschulung
/// check`: the names and course titles of valid certificates (their PDF is drawn again on
/// every download) and the organisations' issuer lines (printed on every new one).
pub fn printing_violations(conn: &mut DbConn) -> AppResult<Vec<(OrgId, Text)>> {
    let mut found = Vec::new();
    // A tombstone prints nothing any more (its PDF answers 410).
    let printed = |c: &Certificate| c.status == CertificateStatus::Valid && !c.is_erased();
    for c in repo::all(conn)?.into_iter().filter(printed) {
        for (field, text, name) in
            [("holder_name", &c.holder_name, true), ("course_title", &c.course_title, false)]
        {
            if !crate::certificates::pdf::is_printable(text, name) {
                found.push((
                    c.organisation_id,
                    Text::key("check.certificates.unprintable")
                        .arg("certificate", c.id)
                        .arg("field", field),
                ));
            }
        }
    }
    for o in orgs::service::all(conn)? {
        for (field, text) in [
            ("issuer_name", &o.issuer_name),
            ("signatory_name", &o.signatory_name),
            ("signatory_title", &o.signatory_title),
        ] {
            if !crate::certificates::pdf::is_printable(text, false) {
                found.push((o.id, Text::key("check.orgs.unprintable").arg("field", field)));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zip_entries_are_family_given_code_in_ascii() {
        let mut cert = certificate(1, CertificateStatus::Valid);
        cert.code = "8A13F00042990F01".into();
        let code = display_code(&cert.code);
        let name = |family: &str, given: &str| zip_entry_name(family, given, &cert);
        assert_eq!(name("Müller", "Jürgen"), format!("Mueller_Juergen_{code}.pdf"));
        assert_eq!(
            name("Groß-Überländer", "Anna Lena"),
            format!("Gross-Ueberlaender_Anna-Lena_{code}.pdf")
        );
        assert_eq!(name("Шевченко", "Олена"), format!("Shevchenko_Olena_{code}.pdf"));
        assert_eq!(name("O'Brien", ""), format!("O-Brien_{code}.pdf"));
        assert_eq!(name("../..", "/etc"), format!("etc_{code}.pdf"));
        let arabic = name("حداد", "أمير");
        assert!(arabic.is_ascii() && arabic.ends_with(&format!("_{code}.pdf")), "{arabic}");
        assert!(name(&"Lang".repeat(40), "X").len() < 80);
        // Same name, different codes: unique within a ZIP.
        let mut other = cert.clone();
        other.code = "8A13F00042990F02".into();
        assert_ne!(zip_entry_name("Müller", "Jürgen", &other), name("Müller", "Jürgen"));
    }

    /// What can happen to one person's certificates for one run.
    #[derive(Debug, Clone, Copy)]
    enum Step {
        /// A batch or "ausstellen": refused while revoked, harmless while valid.
        Issue,
        Revoke,
        /// "Neu ausstellen" after a revocation, with its record.
        Reissue,
        /// Name corrected: the valid one becomes replaced, a new one is valid.
        Replace,
        /// Issuing that ignores a revocation (what the rules forbid).
        Unchecked,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::Issue),
            Just(Step::Revoke),
            Just(Step::Reissue),
            Just(Step::Replace),
            Just(Step::Unchecked)
        ]
    }

    fn certificate(id: i32, status: CertificateStatus) -> Certificate {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap_or_default();
        Certificate {
            id: CertificateId(id),
            organisation_id: OrgId(1),
            participant_id: ParticipantId(7),
            run_id: RunId(3),
            code: format!("C{id}"),
            kid: 1,
            token: String::new(),
            holder_name: "Olena Shevchenko".into(),
            course_code: "MS".into(),
            course_title: "Mietschulung".into(),
            completion_date: day,
            issued_at: day.and_hms_opt(12, 0, 0).unwrap_or_default(),
            issued_by: None,
            status,
            revoked_at: None,
            revocation_reason: None,
            replaced_by_id: None,
            name_hmac: None,
            erased_at: None,
        }
    }

    /// Plays the steps; returns the certificates, the answered revocations and whether an
    /// unchecked issue happened while a revocation stood unanswered.
    fn play(steps: &[Step]) -> (Vec<Certificate>, HashSet<CertificateId>, bool) {
        use CertificateStatus::{Replaced, Revoked, Valid};
        let (mut certs, mut reissued, mut broke) =
            (Vec::<Certificate>::new(), HashSet::new(), false);
        for s in steps {
            let next = i32::try_from(certs.len()).unwrap_or(0) + 1;
            let valid = certs.iter().position(|c| c.status == Valid);
            let unanswered = certs.iter().any(|c| c.status == Revoked && !reissued.contains(&c.id));
            let latest_revoked = certs.iter().rev().find(|c| c.status == Revoked).map(|c| c.id);
            match (s, valid) {
                (Step::Issue, None) if latest_revoked.is_none() => {
                    certs.push(certificate(next, Valid))
                }
                (Step::Revoke, Some(i)) => certs[i].status = Revoked,
                (Step::Replace, Some(i)) => {
                    certs[i].status = Replaced;
                    certs.push(certificate(next, Valid));
                }
                (Step::Reissue, None) => {
                    if let Some(r) = latest_revoked.filter(|r| !reissued.contains(r)) {
                        reissued.insert(r);
                        certs.push(certificate(next, Valid));
                    }
                }
                (Step::Unchecked, None) => {
                    broke |= unanswered;
                    certs.push(certificate(next, Valid));
                }
                _ => {}
            }
        }
        (certs, reissued, broke)
    }

    proptest! {
        /// Whatever coordinators do through the use cases, the check finds nothing; a
        /// certificate issued past an unanswered revocation is found as long as a valid
        /// certificate stands.
        #[test]
        fn only_issuing_past_a_revocation_is_found(steps in prop::collection::vec(step(), 0..12)) {
            let (certs, reissued, broke) = play(&steps);
            let found = violations_in(&certs, &reissued, |_| None);
            let valid = certs.iter().any(|c| c.status == CertificateStatus::Valid);
            prop_assert!(found.iter().all(|v| v.kind == ViolationKind::IssuedAfterRevocation), "{found:?}");
            prop_assert_eq!(!found.is_empty(), broke && valid, "{:?} {:?}", steps, found);
        }
    }

    #[test]
    fn dates_and_doubles_are_found() {
        let mut late = certificate(1, CertificateStatus::Valid);
        late.completion_date = late.issued_at.date() + chrono::Days::new(2);
        let second = certificate(2, CertificateStatus::Valid);
        let found = violations_in(&[late, second], &HashSet::new(), |c| {
            (c.id == CertificateId(2)).then(|| c.completion_date + chrono::Days::new(1))
        });
        let kinds: Vec<ViolationKind> = found.iter().map(|v| v.kind).collect();
        assert_eq!(
            kinds,
            [
                ViolationKind::CompletedAfterIssue,
                ViolationKind::SecondValid,
                ViolationKind::CompletedBeforeLastSession
            ]
        );
    }

    #[test]
    fn a_running_batch_without_heartbeat_reads_as_interrupted() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .and_then(|d| d.and_hms_opt(7, 0, 0))
            .unwrap_or_default();
        let batch = |secs_ago: i64, state| CertificateBatch {
            id: CertificateBatchId(1),
            organisation_id: OrgId(1),
            run_id: RunId(1),
            started_by: None,
            started_at: now,
            heartbeat_at: now - chrono::Duration::seconds(secs_ago),
            finished_at: None,
            total: 1,
            done: 0,
            issued: 0,
            already_issued: 0,
            not_completed: 0,
            failures: "[]".into(),
            state,
            revoked: 0,
            last_participant_id: None,
        };
        assert_eq!(as_of(batch(59, BatchState::Running), now).state, BatchState::Running);
        assert_eq!(as_of(batch(60, BatchState::Running), now).state, BatchState::Interrupted);
        assert_eq!(as_of(batch(600, BatchState::Done), now).state, BatchState::Done);
        assert!(BATCH_HEARTBEAT_SECS * 3 < BATCH_STALE_AFTER_SECS as u64);
    }
}
