//! The use cases of erasure and retention: erasing one participant on request, the
//! retention settings, what is due, and erasing it (the daily job and the CLI).

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::repo::{self, ErasureInsertForm};
use super::rules::{self, Retention};
use crate::auth::Actor;
use crate::certificates::keys::KeyRing;
use crate::certificates::models::CertificateStatus;
use crate::db::{dialect, Db, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::{OrgId, ParticipantId, UserId};
use crate::mail::outbox;
use crate::surveys::retention::DueAnswers;
use crate::time;

crate::db::text_enum! {
    /// Why personal data was erased. The first three are a coordinator's choice under
    /// Art. 17 GDPR; `retention` is the daily job's.
    pub enum ErasureReason("erasure reason") {
        /// The person asked for it (Art. 17 GDPR).
        Request = "request",
        ConsentWithdrawn = "consent_withdrawn",
        RecordedInError = "recorded_in_error",
        /// The organisation's retention period ended.
        Retention = "retention",
    }
}

/// The reasons a coordinator may choose (the job's own is not among them).
pub const REQUEST_REASONS: [ErasureReason; 3] =
    [ErasureReason::Request, ErasureReason::ConsentWithdrawn, ErasureReason::RecordedInError];

impl ErasureReason {
    pub fn label_key(self) -> &'static str {
        match self {
            ErasureReason::Request => "erasure.reason.request",
            ErasureReason::ConsentWithdrawn => "erasure.reason.consent_withdrawn",
            ErasureReason::RecordedInError => "erasure.reason.recorded_in_error",
            ErasureReason::Retention => "erasure.reason.retention",
        }
    }
}

/// The subject of an `erasures` row.
const SUBJECT_PARTICIPANT: &str = "participant";
const SUBJECT_SURVEY: &str = "survey_answers";
const SUBJECT_MAIL: &str = "mail";
const SUBJECT_AUDIT: &str = "audit";
const SUBJECT_IMPORTS: &str = "import_lists";

/// What erasing one participant removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErasedCounts {
    /// Certificates turned into tombstones.
    pub certificates: usize,
    /// Mails about the person (sent and waiting) deleted from the outbox.
    pub mails: usize,
    pub reminders: usize,
    pub consent_events: usize,
    pub reissue_reasons: usize,
}

/// What is kept of an erased certificate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tombstone {
    pub code: String,
    pub status: CertificateStatus,
    pub course_code: String,
    pub course_title: String,
    pub completion_date: NaiveDate,
}

/// What stays of a person after erasure: certificate tombstones and counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Kept {
    pub certificates: Vec<Tombstone>,
    /// Attendance marks, kept without a name so run and report figures stay right.
    pub attendance_marks: i64,
    pub enrolments: i64,
}

/// The answer of an erasure on request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantErasure {
    #[schema(value_type = i32)]
    pub participant_id: ParticipantId,
    pub reason: ErasureReason,
    pub erased: ErasedCounts,
    pub kept: Kept,
}

/// The confirmation page before an erasure on request.
#[derive(Debug, Serialize)]
pub struct ErasePage {
    pub participant_id: ParticipantId,
    pub name: String,
    pub has_contact: bool,
    pub has_referrer: bool,
    pub has_card: bool,
    pub mails: i64,
    pub kept: Kept,
    /// The tombstones as the page shows them.
    pub tombstones: Vec<TombstoneLine>,
    pub reasons: Vec<ReasonOption>,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct TombstoneLine {
    pub code: String,
    pub status_key: &'static str,
    pub course_title: String,
    pub course_code: String,
    pub completion_date: String,
}

fn status_key(status: CertificateStatus) -> &'static str {
    match status {
        CertificateStatus::Valid => "erasure.status.valid",
        CertificateStatus::Revoked => "erasure.status.revoked",
        CertificateStatus::Replaced => "erasure.status.replaced",
    }
}

#[derive(Debug, Serialize)]
pub struct ReasonOption {
    pub code: &'static str,
    pub label_key: &'static str,
}

fn reason_options() -> Vec<ReasonOption> {
    REQUEST_REASONS
        .iter()
        .map(|r| ReasonOption { code: r.code(), label_key: r.label_key() })
        .collect()
}

fn kept(conn: &mut DbConn, org: OrgId, p: ParticipantId) -> AppResult<Kept> {
    let certificates = crate::certificates::service::of_participant(conn, org, p)?
        .into_iter()
        .map(|c| Tombstone {
            code: crate::certificates::service::display_code(&c.code),
            status: c.status,
            course_code: c.course_code,
            course_title: c.course_title,
            completion_date: c.completion_date,
        })
        .collect();
    Ok(Kept {
        certificates,
        attendance_marks: repo::count_attendance(conn, org, p)?,
        enrolments: repo::count_enrolments(conn, org, p)?,
    })
}

/// The participant of the coordinator's organisation, refused when erased already.
fn live_participant(
    conn: &mut DbConn, org: OrgId, p: ParticipantId,
) -> AppResult<crate::participants::models::Participant> {
    let erased =
        repo::erased_at(conn, org, p).map_err(|_| AppError::not_found("thing.participant"))?;
    if erased.is_some() {
        return Err(AppError::conflict("erasure.already_erased"));
    }
    crate::participants::service::get(conn, org, p)
}

pub fn erase_page(conn: &mut DbConn, actor: &Actor, p: ParticipantId) -> AppResult<ErasePage> {
    let org = actor.coordinator_org()?;
    let person = live_participant(conn, org, p)?;
    let kept = kept(conn, org, p)?;
    let tombstones = kept
        .certificates
        .iter()
        .map(|t| TombstoneLine {
            code: t.code.clone(),
            status_key: status_key(t.status),
            course_title: t.course_title.clone(),
            course_code: t.course_code.clone(),
            completion_date: time::fmt_date(t.completion_date),
        })
        .collect();
    Ok(ErasePage {
        participant_id: p,
        name: person.full_name(),
        has_contact: person.email.is_some() || person.phone.is_some(),
        has_referrer: person.referrer_name.is_some() || person.referrer_contact.is_some(),
        has_card: person.card_code.is_some(),
        mails: repo::count_mail_of(conn, org, p)?,
        kept,
        tombstones,
        reasons: reason_options(),
        reason: String::new(),
    })
}

/// Reads a reason a coordinator chose; 422 naming `reason` for anything else.
pub fn request_reason(code: &str) -> AppResult<ErasureReason> {
    code.parse::<ErasureReason>()
        .ok()
        .filter(|r| REQUEST_REASONS.contains(r))
        .ok_or_else(|| AppError::invalid("reason", Text::key("erasure.reason_required")))
}

/// Erasure on request (Art. 17): a coordinator erases one participant of their
/// organisation now. 409 when erased already (by this request's twin, too).
pub fn erase_on_request(
    conn: &mut DbConn, keyring: &KeyRing, actor: &Actor, p: ParticipantId, reason: &str,
) -> AppResult<ParticipantErasure> {
    let org = actor.coordinator_org()?;
    let reason = request_reason(reason)?;
    live_participant(conn, org, p)?;
    let erased = erase_participant(conn, keyring, org, p, reason, Some(actor.user_id))?
        .ok_or_else(|| AppError::conflict("erasure.already_erased"))?;
    dialect::checkpoint_after_erasure(conn)?;
    Ok(ParticipantErasure { participant_id: p, reason, erased, kept: kept(conn, org, p)? })
}

/// Erases one participant in one write transaction; `None` when they were erased already
/// (a concurrent request or job got there first), so the effects happen once.
pub fn erase_participant(
    conn: &mut DbConn, keyring: &KeyRing, org: OrgId, p: ParticipantId, reason: ErasureReason,
    erased_by: Option<UserId>,
) -> AppResult<Option<ErasedCounts>> {
    keyring.ensure_name_secret(org)?;
    crate::db::write_transaction(conn, |conn| {
        dialect::lock_for_update(conn, "participants", p)?;
        if repo::erased_at(conn, org, p)?.is_some() {
            return Ok(None);
        }
        let now = time::now_utc();
        let mut counts = ErasedCounts::default();
        for (id, name) in repo::live_certificates_of(conn, org, p)? {
            let hmac = keyring.name_hmac(org, &name)?;
            repo::tombstone_certificate(conn, id, &hmac, now)?;
            counts.certificates += 1;
        }
        counts.mails = outbox::delete_about(conn, org, outbox::About::Participant(p))?;
        counts.reminders = repo::blank_reminders_of(conn, org, p)?;
        counts.reissue_reasons = repo::blank_reissue_reasons_of(conn, org, p)?;
        counts.consent_events = repo::delete_consent_events_of(conn, org, p)?;
        forget_in_batch_failures(conn, org, p)?;
        repo::blank_participant(conn, org, p, now)?;
        repo::insert_erasure(
            conn,
            &ErasureInsertForm {
                organisation_id: org,
                subject: SUBJECT_PARTICIPANT,
                subject_id: Some(p.0),
                reason: reason.code(),
                erased_by,
                erased_at: now,
                counts: serde_json::to_string(&counts).unwrap_or_else(|_| "{}".into()),
            },
        )?;
        crate::audit::Entry::new(Some(org), erased_by, "participant.erase")
            .on("participant", Some(p.0))
            .about_participant(p)
            .detail(reason.code())
            .record(conn)?;
        Ok(Some(counts))
    })
    .inspect(|_| crate::certificates::cache::invalidate_all())
}

/// Certificate batches list the people they failed for by name: the name goes.
fn forget_in_batch_failures(conn: &mut DbConn, org: OrgId, p: ParticipantId) -> AppResult<()> {
    for (id, text) in repo::batch_failures(conn, org)? {
        let Ok(mut failures) = serde_json::from_str::<Vec<serde_json::Value>>(&text) else {
            continue;
        };
        let mut changed = false;
        for f in
            failures.iter_mut().filter(|f| f["participant_id"].as_i64() == Some(i64::from(p.0)))
        {
            f["name"] = serde_json::Value::String(String::new());
            changed = true;
        }
        if changed {
            let text = serde_json::to_string(&failures).unwrap_or_else(|_| "[]".into());
            repo::set_batch_failures(conn, id, &text)?;
        }
    }
    Ok(())
}

// ---------- retention settings ----------

pub fn retention(conn: &mut DbConn, actor: &Actor) -> AppResult<Retention> {
    repo::retention(conn, actor.coordinator_org()?)
}

pub fn set_retention(conn: &mut DbConn, actor: &Actor, input: Retention) -> AppResult<Retention> {
    let org = actor.coordinator_org()?;
    if let Some((field, min, max)) = input.out_of_bounds() {
        return Err(AppError::invalid(
            field,
            Text::key("erasure.period_out_of_bounds").arg("min", min).arg("max", max),
        ));
    }
    crate::db::write_transaction(conn, |conn| {
        repo::set_retention(conn, org, &input)?;
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "retention.update")
            .on("organisation", Some(org.0))
            .record(conn)
    })?;
    Ok(input)
}

// ---------- what is due ----------

/// What retention makes due in one organisation now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueInOrganisation {
    #[schema(value_type = i32)]
    pub organisation_id: OrgId,
    pub organisation_slug: String,
    pub retention: Retention,
    /// Participants whose personal data is due.
    #[schema(value_type = Vec<i32>)]
    pub participants: Vec<ParticipantId>,
    /// Surveys whose raw answers are due, with their number of responses.
    pub surveys: Vec<DueSurvey>,
    /// Sent mails past their period.
    pub mails: usize,
    pub audit_entries: i64,
    /// Kept import lists older than a day.
    pub import_lists: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueSurvey {
    pub survey_id: i32,
    pub responses: i64,
}

impl DueInOrganisation {
    pub fn is_empty(&self) -> bool {
        self.participants.is_empty()
            && self.surveys.is_empty()
            && self.mails == 0
            && self.audit_entries == 0
            && self.import_lists == 0
    }
}

/// Import lists are kept for their confirmation step only.
fn imports_before(now: NaiveDateTime) -> NaiveDateTime {
    now - chrono::Duration::days(1)
}

/// The participants of `org` whose period has ended on `today`.
fn due_participants(
    conn: &mut DbConn, org: OrgId, months: i32, today: NaiveDate,
) -> AppResult<Vec<ParticipantId>> {
    let ends: std::collections::HashMap<ParticipantId, Option<NaiveDate>> =
        repo::last_run_ends(conn, org)?.into_iter().collect();
    Ok(repo::live_participants(conn, org)?
        .into_iter()
        .filter(|(p, created)| {
            let registered = time::to_local(*created).date_naive();
            let last_end = ends.get(p).copied().flatten();
            rules::participant_due_on(last_end, registered, months) <= today
        })
        .map(|(p, _)| p)
        .collect())
}

/// What is due in `org` now (reads only).
pub fn due_in(conn: &mut DbConn, org: &crate::orgs::Organisation) -> AppResult<DueInOrganisation> {
    let (now, today) = (time::now_utc(), time::today_local());
    let retention = repo::retention(conn, org.id)?;
    let closed_before = rules::first_not_due(today, retention.survey_months);
    let surveys = crate::surveys::retention::due(conn, org.id, closed_before)?
        .into_iter()
        .map(|DueAnswers { survey_id, responses }| DueSurvey { survey_id: survey_id.0, responses })
        .collect();
    Ok(DueInOrganisation {
        organisation_id: org.id,
        organisation_slug: org.slug.clone(),
        retention,
        participants: due_participants(conn, org.id, retention.participant_months, today)?,
        surveys,
        mails: repo::sent_mail_before(
            conn,
            org.id,
            rules::mail_sent_before(now, retention.mail_days),
        )?
        .len(),
        audit_entries: repo::count_audit_before(
            conn,
            org.id,
            rules::audit_written_before(now, retention.audit_years),
        )?,
        import_lists: repo::count_import_batches_before(conn, org.id, imports_before(now))?,
    })
}

/// The dry run for the coordinator's organisation.
pub fn due_for_actor(conn: &mut DbConn, actor: &Actor) -> AppResult<DueInOrganisation> {
    let org = crate::orgs::service::get(conn, actor.coordinator_org()?)?;
    due_in(conn, &org)
}

/// Mails deleted per transaction: a crash leaves each chunk deleted or not.
const MAIL_CHUNK: usize = 500;

/// Erases what retention makes due in `org`, each participant, survey and mail chunk in
/// its own transaction (so a crash mid-way leaves each item erased or not, and the next
/// run finishes the rest). Returns what was due when it started; anything a concurrent
/// run erased first is skipped, so two runs erase everything once.
pub fn erase_due_in(
    conn: &mut DbConn, keyring: &KeyRing, org: &crate::orgs::Organisation,
) -> AppResult<DueInOrganisation> {
    let due = due_in(conn, org)?;
    let now = time::now_utc();
    let record = |conn: &mut DbConn, subject: &str, subject_id: Option<i32>, counts: String| {
        repo::insert_erasure(
            conn,
            &ErasureInsertForm {
                organisation_id: org.id,
                subject,
                subject_id,
                reason: ErasureReason::Retention.code(),
                erased_by: None,
                erased_at: now,
                counts,
            },
        )
    };
    for p in &due.participants {
        erase_participant(conn, keyring, org.id, *p, ErasureReason::Retention, None)?;
    }
    for s in &due.surveys {
        crate::db::write_transaction(conn, |conn| {
            let survey = crate::ids::SurveyId(s.survey_id);
            let n = crate::surveys::retention::erase_raw_answers(conn, survey)?;
            if n > 0 {
                record(conn, SUBJECT_SURVEY, Some(s.survey_id), format!("{{\"rows\":{n}}}"))?;
            }
            Ok(())
        })?;
    }
    let mail_before = rules::mail_sent_before(now, due.retention.mail_days);
    let ids = repo::sent_mail_before(conn, org.id, mail_before)?;
    for chunk in ids.chunks(MAIL_CHUNK) {
        crate::db::write_transaction(conn, |conn| {
            let n = repo::delete_sent_mail(conn, org.id, chunk, mail_before)?;
            if n > 0 {
                record(conn, SUBJECT_MAIL, None, format!("{{\"mails\":{n}}}"))?;
            }
            Ok(())
        })?;
    }
    let audit_before = rules::audit_written_before(now, due.retention.audit_years);
    crate::db::write_transaction(conn, |conn| {
        let n = repo::delete_audit_before(conn, org.id, audit_before)?;
        if n > 0 {
            record(conn, SUBJECT_AUDIT, None, format!("{{\"entries\":{n}}}"))?;
        }
        let n = repo::delete_import_batches_before(conn, org.id, imports_before(now))?;
        if n > 0 {
            record(conn, SUBJECT_IMPORTS, None, format!("{{\"lists\":{n}}}"))?;
        }
        Ok(())
    })?;
    if !due.is_empty() {
        dialect::checkpoint_after_erasure(conn)?;
    }
    Ok(due)
}

/// What is due (`dry_run`) or erases it, in every organisation or the one named.
pub fn run_due(
    conn: &mut DbConn, keyring: &KeyRing, only: Option<OrgId>, dry_run: bool,
) -> AppResult<Vec<DueInOrganisation>> {
    let mut out = Vec::new();
    for org in
        crate::orgs::service::all(conn)?.into_iter().filter(|o| only.is_none_or(|id| id == o.id))
    {
        out.push(if dry_run { due_in(conn, &org)? } else { erase_due_in(conn, keyring, &org)? });
    }
    Ok(out)
}

/// The name of the daily job in `job_runs`.
pub const JOB_NAME: &str = "retention";

/// The local hour from which the day's run may start (a quiet time).
const JOB_HOUR: u32 = 3;

/// One tick of the daily job: from 03:00 local time, the first replica to claim today's
/// run erases what is due; the others (and later ticks) do nothing. True when this call
/// ran it.
pub fn daily_tick(conn: &mut DbConn, keyring: &KeyRing) -> AppResult<bool> {
    use chrono::Timelike;
    let now = time::now_utc();
    let local = time::to_local(now);
    if local.hour() < JOB_HOUR {
        return Ok(false);
    }
    let day = local.date_naive();
    if !dialect::claim_job_run(conn, JOB_NAME, day, now)? {
        return Ok(false);
    }
    run_due(conn, keyring, None, false)?;
    repo::finish_job_run(conn, JOB_NAME, day, time::now_utc())?;
    Ok(true)
}

/// The runs of the daily job so far: day and when it finished.
pub fn job_runs(conn: &mut DbConn) -> AppResult<Vec<(NaiveDate, Option<NaiveDateTime>)>> {
    repo::job_runs_of(conn, JOB_NAME)
}

/// The daily retention job, ticking hourly in every replica.
pub fn job(db: Db, keyring: Arc<KeyRing>) -> crate::jobs::Job {
    crate::jobs::Job::every("retention", std::time::Duration::from_secs(3600), move || {
        let (db, keyring) = (db.clone(), keyring.clone());
        async move { db.run(move |conn| daily_tick(conn, &keyring)).await.map(|_| ()) }
    })
}

// ---------- the settings page and the log ----------

/// One line of the erasure log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErasureView {
    pub id: i32,
    /// `participant`, `survey_answers`, `mail`, `audit`, `import_lists`.
    pub subject: String,
    pub subject_id: Option<i32>,
    pub reason: String,
    /// Who erased (none: the retention job).
    pub erased_by: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub erased_at: NaiveDateTime,
    /// What was erased, as counts.
    #[schema(value_type = Object)]
    pub counts: serde_json::Value,
}

/// The organisation's erasures, newest first.
pub fn erasure_log(conn: &mut DbConn, actor: &Actor, limit: i64) -> AppResult<Vec<ErasureView>> {
    let org = actor.coordinator_org()?;
    let mut names: std::collections::HashMap<UserId, String> = Default::default();
    let mut out = Vec::new();
    for row in repo::erasures(conn, org, limit)? {
        let erased_by = match row.erased_by {
            None => None,
            Some(id) => {
                if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id) {
                    let name = crate::auth::service::user(conn, id)?.map(|u| u.display_name);
                    e.insert(name.unwrap_or_default());
                }
                names.get(&id).cloned()
            }
        };
        out.push(ErasureView {
            id: row.id,
            subject: row.subject,
            subject_id: row.subject_id,
            reason: row.reason,
            erased_by,
            erased_at: row.erased_at,
            counts: serde_json::from_str(&row.counts).unwrap_or(serde_json::Value::Null),
        });
    }
    Ok(out)
}

/// `/settings/privacy`: the periods, what is due now, the last erasures.
#[derive(Debug, Serialize)]
pub struct PrivacyPage {
    pub form: RetentionFields,
    pub fields: Vec<PeriodField>,
    pub due: DueSummary,
    pub erasures: Vec<ErasureLine>,
}

/// One period's input: its value as typed, its default and bounds.
#[derive(Debug, Serialize)]
pub struct PeriodField {
    pub name: &'static str,
    pub label_key: &'static str,
    pub hint_key: &'static str,
    pub value: String,
    pub default: i32,
    pub min: i32,
    pub max: i32,
}

#[derive(Debug, Serialize)]
pub struct DueSummary {
    pub participant_count: usize,
    pub survey_count: usize,
    pub mails: usize,
    pub audit_entries: i64,
}

impl PrivacyPage {
    /// The inputs, from the values in `form` (after a refusal: what was typed).
    pub fn with_form(mut self, form: RetentionFields) -> PrivacyPage {
        let defaults = Retention::default().values();
        let values = [
            form.participant_months.clone(),
            form.survey_months.clone(),
            form.mail_days.clone(),
            form.audit_years.clone(),
        ];
        self.fields = rules::BOUNDS
            .iter()
            .zip(values)
            .zip(defaults)
            .map(|((&(name, min, max), value), default)| PeriodField {
                name,
                label_key: match name {
                    "participant_months" => "erasure.field.participant_months",
                    "survey_months" => "erasure.field.survey_months",
                    "mail_days" => "erasure.field.mail_days",
                    _ => "erasure.field.audit_years",
                },
                hint_key: "erasure.default",
                value,
                default,
                min,
                max,
            })
            .collect();
        self.form = form;
        self
    }
}

/// The form's values as typed (a refused form shows them again).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RetentionFields {
    pub participant_months: String,
    pub survey_months: String,
    pub mail_days: String,
    pub audit_years: String,
}

impl From<Retention> for RetentionFields {
    fn from(r: Retention) -> Self {
        RetentionFields {
            participant_months: r.participant_months.to_string(),
            survey_months: r.survey_months.to_string(),
            mail_days: r.mail_days.to_string(),
            audit_years: r.audit_years.to_string(),
        }
    }
}

impl RetentionFields {
    /// Whole numbers, each within its bounds; 422 naming the first field that is not.
    pub fn parse(&self) -> AppResult<Retention> {
        let read = |field: &'static str, text: &str| -> AppResult<i32> {
            let (_, min, max) =
                rules::BOUNDS.iter().find(|(f, _, _)| *f == field).copied().unwrap_or(("", 1, 1));
            text.trim().parse::<i32>().ok().filter(|v| (min..=max).contains(v)).ok_or_else(|| {
                AppError::invalid(
                    field,
                    Text::key("erasure.period_out_of_bounds").arg("min", min).arg("max", max),
                )
            })
        };
        Ok(Retention {
            participant_months: read("participant_months", &self.participant_months)?,
            survey_months: read("survey_months", &self.survey_months)?,
            mail_days: read("mail_days", &self.mail_days)?,
            audit_years: read("audit_years", &self.audit_years)?,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct ErasureLine {
    pub when: String,
    pub subject_key: &'static str,
    pub subject_id: Option<i32>,
    pub reason_key: &'static str,
    pub erased_by: Option<String>,
}

fn subject_key(subject: &str) -> &'static str {
    match subject {
        SUBJECT_PARTICIPANT => "erasure.subject.participant",
        SUBJECT_SURVEY => "erasure.subject.survey_answers",
        SUBJECT_MAIL => "erasure.subject.mail",
        SUBJECT_AUDIT => "erasure.subject.audit",
        _ => "erasure.subject.import_lists",
    }
}

pub fn privacy_page(conn: &mut DbConn, actor: &Actor) -> AppResult<PrivacyPage> {
    let erasures = erasure_log(conn, actor, 20)?
        .into_iter()
        .map(|e| ErasureLine {
            when: time::fmt_datetime(e.erased_at),
            subject_key: subject_key(&e.subject),
            subject_id: e.subject_id,
            reason_key: e
                .reason
                .parse::<ErasureReason>()
                .map(ErasureReason::label_key)
                .unwrap_or("erasure.reason.retention"),
            erased_by: e.erased_by,
        })
        .collect();
    let due = due_for_actor(conn, actor)?;
    let page = PrivacyPage {
        form: RetentionFields::default(),
        fields: Vec::new(),
        due: DueSummary {
            participant_count: due.participants.len(),
            survey_count: due.surveys.len(),
            mails: due.mails,
            audit_entries: due.audit_entries,
        },
        erasures,
    };
    Ok(page.with_form(retention(conn, actor)?.into()))
}
