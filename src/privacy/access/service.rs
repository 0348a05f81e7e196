//! The use cases of access requests and corrections: build a person's disclosure (typed,
//! the JSON export as it is), put it into words for the readable page, and correct a
//! participant's data.

use serde::Serialize;
use utoipa::ToSchema;

use super::models::*;
use super::repo::{self, Subject};
use crate::audit;
use crate::auth::Actor;
use crate::certificates::service::display_code;
use crate::certificates::token::normalize_name;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Text, DEFAULT_LANG};
use crate::ids::{CertificateId, OrgId, ParticipantId, RunId, StakeholderId};
use crate::participants::models::{Participant, ParticipantCorrection};
use crate::time::{fmt_date, fmt_datetime};

fn erased() -> AppError {
    AppError::Gone(Text::key("access.error.erased"))
}

/// Everything stored about a participant of `org`, for whoever the caller has checked
/// (the coordinator's export below, or the participant's own page). Not found in another
/// organisation; gone once erased.
pub fn participant_disclosure(
    conn: &mut DbConn, org: OrgId, participant_id: ParticipantId,
) -> AppResult<ParticipantDisclosure> {
    let person = repo::participant(conn, org, participant_id)?
        .ok_or_else(|| AppError::not_found("thing.participant"))?;
    if person.erased_at.is_some() {
        return Err(erased());
    }
    let subject = Subject::Participant(participant_id);
    let (enrollment_ids, enrollments) = repo::enrollments(conn, org, participant_id)?;
    let mut certificates = repo::certificates(conn, org, participant_id)?;
    let certificate_ids: Vec<i32> = certificates.iter().map(|c| c.id.0).collect();
    for c in &mut certificates {
        c.code = display_code(&c.code);
    }
    Ok(ParticipantDisclosure {
        organisation: repo::organisation_name(conn, org)?,
        generated_at: crate::time::now_utc(),
        person,
        enrollments,
        attendance: repo::attendance(conn, org, participant_id)?,
        attendance_history: repo::attendance_history(conn, org, participant_id)?,
        test_results: repo::test_results(conn, org, participant_id)?,
        certificates,
        certificate_reissues: repo::reissues(conn, org, participant_id)?,
        reminders: repo::reminders(conn, org, participant_id)?,
        mails: repo::mails(conn, org, subject)?,
        consent_events: repo::consent_events(conn, org, subject)?,
        audit_entries: repo::audit_entries(conn, org, subject, &enrollment_ids, &certificate_ids)?,
        erasures: repo::erasures(conn, org, subject)?,
    })
}

/// The coordinator's access request for a participant: the disclosure, recorded as an
/// audit entry about the person in the same transaction.
pub fn export_participant(
    conn: &mut DbConn, actor: &Actor, participant_id: ParticipantId,
) -> AppResult<ParticipantDisclosure> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let disclosure = participant_disclosure(conn, org, participant_id)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "participant.export")
            .on("participant", Some(participant_id.into()))
            .about_participant(participant_id)
            .record(conn)?;
        Ok(disclosure)
    })
}

/// Everything stored about a stakeholder contact of `org`.
pub fn stakeholder_disclosure(
    conn: &mut DbConn, org: OrgId, stakeholder_id: StakeholderId,
) -> AppResult<StakeholderDisclosure> {
    let person = repo::stakeholder(conn, org, stakeholder_id)?
        .ok_or_else(|| AppError::not_found("thing.contact"))?;
    if person.erased_at.is_some() {
        return Err(erased());
    }
    let subject = Subject::Stakeholder(stakeholder_id);
    let surveys = repo::survey_part(conn, org, stakeholder_id)?;
    Ok(StakeholderDisclosure {
        organisation: repo::organisation_name(conn, org)?,
        generated_at: crate::time::now_utc(),
        person,
        survey_invitations: surveys.invitations,
        survey_responses: surveys.responses,
        survey_drafts: surveys.drafts,
        mails: repo::mails(conn, org, subject)?,
        consent_events: repo::consent_events(conn, org, subject)?,
        audit_entries: repo::audit_entries(conn, org, subject, &[], &[])?,
        erasures: repo::erasures(conn, org, subject)?,
    })
}

/// The coordinator's access request for a stakeholder contact, audited.
pub fn export_stakeholder(
    conn: &mut DbConn, actor: &Actor, stakeholder_id: StakeholderId,
) -> AppResult<StakeholderDisclosure> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let disclosure = stakeholder_disclosure(conn, org, stakeholder_id)?;
        audit::Entry::new(Some(org), Some(actor.user_id), "stakeholder.export")
            .on("stakeholder", Some(stakeholder_id.into()))
            .about_stakeholder(stakeholder_id)
            .record(conn)?;
        Ok(disclosure)
    })
}

// ---- the readable page ----

/// Words in German, and in the person's language where the service has them.
#[derive(Debug, Serialize)]
pub struct Words {
    pub de: String,
    pub own: Option<String>,
}

/// One part of the readable page: a list of fields, or a table (one row per entry).
#[derive(Debug, Serialize)]
pub struct Section {
    /// The JSON export's part of the same name (`data-section`).
    pub id: &'static str,
    pub heading: Words,
    pub note: Option<Words>,
    pub fields: Vec<Cell>,
    pub columns: Vec<Words>,
    pub rows: Vec<Vec<Cell>>,
    pub empty: bool,
}

/// A value with what it is (the column's German label, for phones that show rows as cards).
#[derive(Debug, Serialize)]
pub struct Cell {
    pub label: Words,
    pub value: String,
}

/// The readable page of a disclosure, in German with the person's language beside the
/// headings.
#[derive(Debug, Serialize)]
pub struct Readable {
    /// The person's language (for `lang` and `dir` of the words in it).
    pub own_lang: String,
    pub own_dir: &'static str,
    pub title: Words,
    pub intro: Words,
    pub name: String,
    pub organisation: String,
    pub generated_at: String,
    pub json_href: Option<String>,
    pub back_href: Option<String>,
    pub sections: Vec<Section>,
}

/// Puts keys into words for a person whose language is `lang`.
struct Writer {
    lang: String,
}

impl Writer {
    fn new(lang: &str) -> Self {
        Writer { lang: lang.to_string() }
    }

    fn words(&self, key: &'static str) -> Words {
        self.text(Text::key(key))
    }

    fn text(&self, text: Text) -> Words {
        let translated = self.lang != DEFAULT_LANG
            && text.key_name().is_some_and(|k| i18n::translated(&self.lang, k).is_some());
        Words { de: text.render(DEFAULT_LANG), own: translated.then(|| text.render(&self.lang)) }
    }

    fn yes_no(&self, yes: bool) -> String {
        i18n::text(DEFAULT_LANG, if yes { "common.yes" } else { "common.no" })
    }

    fn section(&self, id: &'static str) -> Section {
        Section {
            id,
            heading: self.words(section_key(id)),
            note: None,
            fields: Vec::new(),
            columns: Vec::new(),
            rows: Vec::new(),
            empty: true,
        }
    }

    fn fields(&self, id: &'static str, fields: Vec<(&'static str, String)>) -> Section {
        let fields: Vec<Cell> =
            fields.into_iter().map(|(key, value)| Cell { label: self.words(key), value }).collect();
        Section { empty: fields.is_empty(), fields, ..self.section(id) }
    }

    /// A table of `rows`, each a value per column of `columns` (label keys).
    fn table(&self, id: &'static str, columns: &[&'static str], rows: Vec<Vec<String>>) -> Section {
        let rows: Vec<Vec<Cell>> = rows
            .into_iter()
            .map(|row| {
                columns
                    .iter()
                    .zip(row)
                    .map(|(key, value)| Cell { label: self.words(key), value })
                    .collect()
            })
            .collect();
        Section {
            empty: rows.is_empty(),
            columns: columns.iter().map(|k| self.words(k)).collect(),
            rows,
            ..self.section(id)
        }
    }
}

fn section_key(id: &str) -> &'static str {
    match id {
        "person" => "access.section.person",
        "enrollments" => "access.section.enrollments",
        "attendance" => "access.section.attendance",
        "attendance_history" => "access.section.attendance_history",
        "test_results" => "access.section.test_results",
        "certificates" => "access.section.certificates",
        "certificate_reissues" => "access.section.certificate_reissues",
        "reminders" => "access.section.reminders",
        "mails" => "access.section.mails",
        "consent_events" => "access.section.consent_events",
        "audit_entries" => "access.section.audit_entries",
        "erasures" => "access.section.erasures",
        "survey_invitations" => "access.section.survey_invitations",
        "survey_responses" => "access.section.survey_responses",
        "survey_drafts" => "access.section.survey_drafts",
        _ => "access.section.other",
    }
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

fn opt_time(value: Option<chrono::NaiveDateTime>) -> String {
    value.map(fmt_datetime).unwrap_or_default()
}

fn language(code: &str) -> String {
    match i18n::participant_language_name(code) {
        "" => code.to_string(),
        name => name.to_string(),
    }
}

/// A stored code (a status, a kind) in words where the service has words for it.
fn status_words(code: &str) -> String {
    let key = match code {
        "present" => "attendance.status.present",
        "late" => "attendance.status.late",
        "excused" => "attendance.status.excused",
        "absent" => "attendance.status.absent",
        "valid" => "certificates.valid",
        "revoked" => "certificates.revoked",
        "replaced" => "certificates.replaced",
        "enrolled" => "access.status.enrolled",
        "waiting" => "access.status.waiting",
        "cancelled" => "access.status.cancelled",
        "pending" => "access.status.pending",
        "sent" => "access.status.sent",
        "failed" => "access.status.failed",
        "participation" => "access.consent.participation",
        "contact" => "access.consent.contact",
        other => return other.to_string(),
    };
    i18n::text(DEFAULT_LANG, key)
}

fn shared_sections(
    w: &Writer, mails: &[MailLine], consent: &[ConsentLine], audit: &[AuditLine],
    erasures: &[ErasureLine],
) -> Vec<Section> {
    vec![
        w.table(
            "mails",
            &[
                "access.col.created_at",
                "access.col.recipient",
                "access.col.subject",
                "access.col.status",
                "access.col.sent_at",
                "access.col.attachment",
            ],
            mails
                .iter()
                .map(|m| {
                    vec![
                        fmt_datetime(m.created_at),
                        m.recipient.clone(),
                        m.subject.clone(),
                        status_words(&m.status),
                        opt_time(m.sent_at),
                        opt(&m.attachment_name),
                    ]
                })
                .collect(),
        ),
        w.table(
            "consent_events",
            &["access.col.recorded_at", "access.col.kind", "access.col.given"],
            consent
                .iter()
                .map(|c| {
                    vec![fmt_datetime(c.recorded_at), status_words(&c.kind), w.yes_no(c.given)]
                })
                .collect(),
        ),
        w.table(
            "audit_entries",
            &["access.col.when", "access.col.action", "access.col.entity", "access.col.detail"],
            audit
                .iter()
                .map(|a| {
                    let entity = match a.entity_id {
                        Some(id) => format!("{} {id}", a.entity),
                        None => a.entity.clone(),
                    };
                    vec![fmt_datetime(a.created_at), a.action.clone(), entity, a.detail.clone()]
                })
                .collect(),
        ),
        w.table(
            "erasures",
            &["access.col.erased_at", "access.col.reason", "access.col.counts"],
            erasures
                .iter()
                .map(|e| vec![fmt_datetime(e.erased_at), e.reason.clone(), e.counts.clone()])
                .collect(),
        ),
    ]
}

/// The readable page of a participant's disclosure.
pub fn participant_readable(d: &ParticipantDisclosure) -> Readable {
    let p = &d.person;
    let w = Writer::new(&p.preferred_language);
    let mut sections = vec![w.fields(
        "person",
        vec![
            ("access.col.given_name", p.given_name.clone()),
            ("access.col.family_name", p.family_name.clone()),
            ("access.col.language", language(&p.preferred_language)),
            ("access.col.phone", opt(&p.phone)),
            ("access.col.email", opt(&p.email)),
            ("access.col.consent_date", fmt_date(p.consent_date)),
            ("access.col.created_at", fmt_datetime(p.created_at)),
            ("access.col.referrer_name", opt(&p.referrer_name)),
            ("access.col.referrer_organisation", opt(&p.referrer_organisation)),
            ("access.col.referrer_contact", opt(&p.referrer_contact)),
            ("access.col.attendance_card", w.yes_no(p.has_attendance_card)),
        ],
    )];
    sections.push(
        w.table(
            "enrollments",
            &[
                "access.col.course",
                "access.col.period",
                "access.col.place",
                "access.col.status",
                "access.col.created_at",
                "access.col.cancelled_at",
                "access.col.promoted_at",
            ],
            d.enrollments
                .iter()
                .map(|e| {
                    vec![
                        format!("{} ({})", e.course_title, e.course_code),
                        format!("{} – {}", fmt_date(e.start_date), fmt_date(e.end_date)),
                        e.place.clone(),
                        status_words(&e.status),
                        fmt_datetime(e.created_at),
                        opt_time(e.cancelled_at),
                        opt_time(e.promoted_at),
                    ]
                })
                .collect(),
        ),
    );
    let marks = |lines: &[AttendanceLine]| -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|m| {
                vec![
                    fmt_datetime(m.session_starts_at),
                    status_words(&m.status),
                    w.yes_no(m.left_early),
                    fmt_datetime(m.marked_at),
                ]
            })
            .collect()
    };
    let mark_columns = [
        "access.col.session",
        "access.col.status",
        "access.col.left_early",
        "access.col.marked_at",
    ];
    sections.push(w.table("attendance", &mark_columns, marks(&d.attendance)));
    sections.push(w.table("attendance_history", &mark_columns, marks(&d.attendance_history)));
    sections.push(
        w.table(
            "test_results",
            &[
                "access.col.course",
                "access.col.points",
                "access.col.must_pass",
                "access.col.recorded_at",
            ],
            d.test_results
                .iter()
                .map(|t| {
                    vec![
                        t.course_title.clone(),
                        t.points.to_string(),
                        t.must_pass_correct.to_string(),
                        fmt_datetime(t.recorded_at),
                    ]
                })
                .collect(),
        ),
    );
    sections.push(
        w.table(
            "certificates",
            &[
                "access.col.code",
                "access.col.holder_name",
                "access.col.course",
                "access.col.completion_date",
                "access.col.issued_at",
                "access.col.status",
                "access.col.revoked_at",
                "access.col.reason",
                "access.col.checks",
            ],
            d.certificates
                .iter()
                .map(|c| {
                    let checks: Vec<String> = c
                        .checks
                        .iter()
                        .map(|k| format!("{}: {}", fmt_date(k.day), k.checks))
                        .collect();
                    vec![
                        c.code.clone(),
                        c.holder_name.clone(),
                        format!("{} ({})", c.course_title, c.course_code),
                        fmt_date(c.completion_date),
                        fmt_datetime(c.issued_at),
                        status_words(&c.status),
                        opt_time(c.revoked_at),
                        opt(&c.revocation_reason),
                        checks.join(", "),
                    ]
                })
                .collect(),
        ),
    );
    sections.push(
        w.table(
            "certificate_reissues",
            &["access.col.reissued_at", "access.col.reason", "access.col.certificates"],
            d.certificate_reissues
                .iter()
                .map(|r| {
                    vec![
                        fmt_datetime(r.reissued_at),
                        r.reason.clone(),
                        format!("{} → {}", r.revoked_certificate_id, r.certificate_id),
                    ]
                })
                .collect(),
        ),
    );
    sections.push(
        w.table(
            "reminders",
            &[
                "access.col.session",
                "access.col.kind",
                "access.col.recipient",
                "access.col.created_at",
                "access.col.apologised_at",
            ],
            d.reminders
                .iter()
                .map(|r| {
                    vec![
                        fmt_datetime(r.session_starts_at),
                        r.kind.clone(),
                        opt(&r.recipient),
                        fmt_datetime(r.created_at),
                        opt_time(r.apologised_at),
                    ]
                })
                .collect(),
        ),
    );
    sections.extend(shared_sections(
        &w,
        &d.mails,
        &d.consent_events,
        &d.audit_entries,
        &d.erasures,
    ));
    Readable {
        own_dir: if i18n::is_rtl(&w.lang) { "rtl" } else { "ltr" },
        title: w.words("access.title.export"),
        intro: w.text(Text::key("access.intro").arg("organisation", &d.organisation)),
        name: format!("{} {}", p.given_name, p.family_name),
        organisation: d.organisation.clone(),
        generated_at: fmt_datetime(d.generated_at),
        json_href: None,
        back_href: None,
        sections,
        own_lang: w.lang,
    }
}

/// The readable page of a stakeholder contact's disclosure.
pub fn stakeholder_readable(d: &StakeholderDisclosure) -> Readable {
    let p = &d.person;
    let w = Writer::new(&p.preferred_language);
    let group = crate::stakeholders::models::group_name(&p.stakeholder_group);
    let mut sections = vec![w.fields(
        "person",
        vec![
            ("access.col.name", p.name.clone()),
            ("access.col.group", group),
            ("access.col.organisation", opt(&p.organisation_name)),
            ("access.col.email", opt(&p.email)),
            ("access.col.phone", opt(&p.phone)),
            ("access.col.language", language(&p.preferred_language)),
            ("access.col.contact_consent", w.yes_no(p.contact_consent)),
            ("access.col.created_at", fmt_datetime(p.created_at)),
            ("access.col.updated_at", fmt_datetime(p.updated_at)),
        ],
    )];
    let mut invitations = w.table(
        "survey_invitations",
        &[
            "access.col.survey",
            "access.col.anonymous",
            "access.col.sent_at",
            "access.col.reminders_sent",
            "access.col.answered",
        ],
        d.survey_invitations
            .iter()
            .map(|i| {
                let answered = match i.answered_on {
                    Some(day) => format!("{} ({})", w.yes_no(true), fmt_date(day)),
                    None => w.yes_no(i.answered),
                };
                vec![
                    i.survey_title.clone(),
                    w.yes_no(i.anonymous),
                    opt_time(i.sent_at),
                    i.reminders_sent.to_string(),
                    answered,
                ]
            })
            .collect(),
    );
    invitations.note = Some(w.words("access.anonymous_note"));
    sections.push(invitations);
    let answers = |lines: &[AnswerLine]| -> String {
        let lines: Vec<String> =
            lines.iter().map(|a| format!("{}: {}", a.question, answer_text(&a.answer))).collect();
        lines.join("\n")
    };
    sections.push(
        w.table(
            "survey_responses",
            &["access.col.survey", "access.col.submitted_on", "access.col.answers"],
            d.survey_responses
                .iter()
                .map(|r| {
                    vec![r.survey_title.clone(), fmt_date(r.submitted_on), answers(&r.answers)]
                })
                .collect(),
        ),
    );
    sections.push(
        w.table(
            "survey_drafts",
            &["access.col.survey", "access.col.updated_at", "access.col.answers"],
            d.survey_drafts
                .iter()
                .map(|r| {
                    vec![r.survey_title.clone(), fmt_datetime(r.updated_at), answers(&r.answers)]
                })
                .collect(),
        ),
    );
    sections.extend(shared_sections(
        &w,
        &d.mails,
        &d.consent_events,
        &d.audit_entries,
        &d.erasures,
    ));
    Readable {
        own_dir: if i18n::is_rtl(&w.lang) { "rtl" } else { "ltr" },
        title: w.words("access.title.export"),
        intro: w.text(Text::key("access.intro").arg("organisation", &d.organisation)),
        name: p.name.clone(),
        organisation: d.organisation.clone(),
        generated_at: fmt_datetime(d.generated_at),
        json_href: None,
        back_href: None,
        sections,
        own_lang: w.lang,
    }
}

/// An answer as a person reads it: text as it is, anything else as compact JSON.
fn answer_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The readable page as a whole HTML document (print-friendly, no navigation), for the
/// coordinator's export and the participant's own page alike. User text is escaped and
/// isolated by the template.
pub fn render_html(readable: &Readable) -> AppResult<String> {
    let ctx = serde_json::to_value(readable).map_err(|e| AppError::Internal(e.into()))?;
    crate::templates::render("pages/privacy/disclosure", &ctx)
}

// ---- the participant's page and its correction ----

/// The participant as the API answers: the stored row, and whether it was erased.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantRecordView {
    #[serde(flatten)]
    pub participant: Participant,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub erased_at: Option<chrono::NaiveDateTime>,
}

pub fn participant(
    conn: &mut DbConn, actor: &Actor, id: ParticipantId,
) -> AppResult<ParticipantRecordView> {
    let org = actor.coordinator_org()?;
    let participant = crate::participants::service::get(conn, org, id)?;
    let erased_at = crate::participants::service::erased_at(conn, org, id)?;
    Ok(ParticipantRecordView { participant, erased_at })
}

/// What a correction answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionOutcome {
    pub participant: Participant,
    /// The fields that changed (none: nothing was saved).
    pub changed: Vec<String>,
    /// Valid certificates that still show another name: replace them (`POST
    /// /api/v1/certificates/{id}/reissue` with the corrected name) to print the new one.
    #[schema(value_type = Vec<i32>)]
    pub certificates_with_old_name: Vec<CertificateId>,
}

/// Corrects a participant's data (Art. 16) and names the valid certificates that still
/// show another name.
pub fn correct(
    conn: &mut DbConn, actor: &Actor, id: ParticipantId, input: &ParticipantCorrection,
) -> AppResult<CorrectionOutcome> {
    let org = actor.coordinator_org()?;
    crate::db::write_transaction(conn, |conn| {
        let done = crate::participants::service::correct_in(conn, actor, org, id, input)?;
        let old_name = certificates_with_old_name(conn, org, &done.participant)?;
        Ok(CorrectionOutcome {
            changed: done.changed.iter().map(|f| f.to_string()).collect(),
            participant: done.participant,
            certificates_with_old_name: old_name.into_iter().map(|(id, _)| id).collect(),
        })
    })
}

/// (id, printed name) of the participant's valid certificates whose name is not theirs now.
fn certificates_with_old_name(
    conn: &mut DbConn, org: OrgId, p: &Participant,
) -> AppResult<Vec<(CertificateId, String)>> {
    let current = normalize_name(&p.full_name());
    Ok(repo::valid_certificate_names(conn, org, p.id)?
        .into_iter()
        .filter(|(_, printed)| *printed != current)
        .collect())
}

/// The participant's page: every field with a link to change it, their runs and
/// certificates, and what may be done (correct, export, erase).
#[derive(Debug, Serialize)]
pub struct ParticipantPage {
    pub id: ParticipantId,
    pub name: String,
    /// The names as stored, for replacing a certificate that shows an older one.
    pub given_name: String,
    pub family_name: String,
    /// "Gelöscht am …" once erased; then nothing else is shown.
    pub erased_on: Option<String>,
    pub fields: Vec<SummaryRow>,
    pub enrollments: Vec<EnrollmentRow>,
    pub certificates: Vec<CertificateRow>,
}

#[derive(Debug, Serialize)]
pub struct SummaryRow {
    pub label: String,
    pub value: String,
    /// The form field "Ändern" leads to.
    pub field: &'static str,
}

#[derive(Debug, Serialize)]
pub struct EnrollmentRow {
    pub run_id: RunId,
    pub course: String,
    pub period: String,
    pub status: String,
}

#[derive(Debug, Serialize)]
pub struct CertificateRow {
    pub id: CertificateId,
    pub run_id: RunId,
    pub code: String,
    pub holder_name: String,
    pub status: String,
    pub valid: bool,
    /// Valid, but printed with a name that is not the person's now.
    pub old_name: bool,
}

pub fn participant_page(
    conn: &mut DbConn, actor: &Actor, id: ParticipantId,
) -> AppResult<ParticipantPage> {
    let org = actor.coordinator_org()?;
    let person = repo::participant(conn, org, id)?
        .ok_or_else(|| AppError::not_found("thing.participant"))?;
    if let Some(at) = person.erased_at {
        return Ok(ParticipantPage {
            id,
            name: String::new(),
            given_name: String::new(),
            family_name: String::new(),
            erased_on: Some(fmt_datetime(at)),
            fields: Vec::new(),
            enrollments: Vec::new(),
            certificates: Vec::new(),
        });
    }
    let t = |key: &str| i18n::text(DEFAULT_LANG, key);
    let row = |key: &'static str, value: String, field| SummaryRow { label: t(key), value, field };
    let fields = vec![
        row("access.col.given_name", person.given_name.clone(), "given_name"),
        row("access.col.family_name", person.family_name.clone(), "family_name"),
        row("access.col.language", language(&person.preferred_language), "preferred_language"),
        row("access.col.phone", opt(&person.phone), "phone"),
        row("access.col.email", opt(&person.email), "email"),
        row("access.col.consent_date", fmt_date(person.consent_date), "consent_date"),
        row("access.col.referrer_name", opt(&person.referrer_name), "referrer_name"),
        row(
            "access.col.referrer_organisation",
            opt(&person.referrer_organisation),
            "referrer_organisation",
        ),
        row("access.col.referrer_contact", opt(&person.referrer_contact), "referrer_contact"),
    ];
    let (_, enrollments) = repo::enrollments(conn, org, id)?;
    let current = normalize_name(&format!("{} {}", person.given_name, person.family_name));
    let certificates = repo::certificates(conn, org, id)?
        .into_iter()
        .map(|c| {
            let valid = c.status == "valid";
            CertificateRow {
                id: c.id,
                run_id: c.run_id,
                code: display_code(&c.code),
                old_name: valid && c.holder_name != current,
                holder_name: c.holder_name,
                status: status_words(&c.status),
                valid,
            }
        })
        .collect();
    Ok(ParticipantPage {
        id,
        name: format!("{} {}", person.given_name, person.family_name),
        given_name: person.given_name.clone(),
        family_name: person.family_name.clone(),
        erased_on: None,
        fields,
        enrollments: enrollments
            .into_iter()
            .map(|e| EnrollmentRow {
                run_id: e.run_id,
                course: format!("{} ({})", e.course_title, e.course_code),
                period: format!("{} – {}", fmt_date(e.start_date), fmt_date(e.end_date)),
                status: status_words(&e.status),
            })
            .collect(),
        certificates,
    })
}

/// The correction form: every field, as stored or as typed.
#[derive(Debug, Default, Serialize)]
pub struct CorrectionFields {
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub phone: String,
    pub email: String,
    pub consent_date: String,
    pub referrer_name: String,
    pub referrer_organisation: String,
    pub referrer_contact: String,
    pub confirm_mixed_script: bool,
}

#[derive(Debug, Serialize)]
pub struct CorrectionPage {
    pub id: ParticipantId,
    pub form: CorrectionFields,
    pub languages: Vec<i18n::LanguageOption>,
}

pub fn correction_page(
    conn: &mut DbConn, actor: &Actor, id: ParticipantId,
) -> AppResult<CorrectionPage> {
    let org = actor.coordinator_org()?;
    let p = repo::participant(conn, org, id)?
        .ok_or_else(|| AppError::not_found("thing.participant"))?;
    if p.erased_at.is_some() {
        return Err(erased());
    }
    let form = CorrectionFields {
        given_name: p.given_name,
        family_name: p.family_name,
        preferred_language: p.preferred_language,
        phone: p.phone.unwrap_or_default(),
        email: p.email.unwrap_or_default(),
        consent_date: p.consent_date.to_string(),
        referrer_name: p.referrer_name.unwrap_or_default(),
        referrer_organisation: p.referrer_organisation.unwrap_or_default(),
        referrer_contact: p.referrer_contact.unwrap_or_default(),
        confirm_mixed_script: false,
    };
    Ok(CorrectionPage::new(id, form))
}

impl CorrectionPage {
    pub fn new(id: ParticipantId, form: CorrectionFields) -> Self {
        let languages = i18n::language_options(&[form.preferred_language.as_str()]);
        CorrectionPage { id, form, languages }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::access::{Holds, PERSONAL_TABLES};
    use chrono::NaiveDate;

    fn at() -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 3).unwrap().and_hms_opt(9, 0, 0).unwrap()
    }

    fn participant(lang: &str) -> ParticipantDisclosure {
        ParticipantDisclosure {
            organisation: "Landkreis".into(),
            generated_at: at(),
            person: ParticipantRecord {
                id: ParticipantId(1),
                given_name: "Amina".into(),
                family_name: "Haddad".into(),
                preferred_language: lang.into(),
                phone: None,
                email: None,
                consent_date: at().date(),
                created_at: at(),
                referrer_name: None,
                referrer_organisation: None,
                referrer_contact: None,
                has_attendance_card: false,
                erased_at: None,
            },
            enrollments: vec![],
            attendance: vec![],
            attendance_history: vec![],
            test_results: vec![],
            certificates: vec![],
            certificate_reissues: vec![],
            reminders: vec![],
            mails: vec![],
            consent_events: vec![],
            audit_entries: vec![],
            erasures: vec![],
        }
    }

    fn stakeholder() -> StakeholderDisclosure {
        StakeholderDisclosure {
            organisation: "Landkreis".into(),
            generated_at: at(),
            person: StakeholderRecord {
                id: StakeholderId(1),
                stakeholder_group: "landlord".into(),
                name: "Jana".into(),
                organisation_name: None,
                email: None,
                phone: None,
                preferred_language: "uk".into(),
                contact_consent: true,
                created_at: at(),
                updated_at: at(),
                erased_at: None,
            },
            survey_invitations: vec![],
            survey_responses: vec![],
            survey_drafts: vec![],
            mails: vec![],
            consent_events: vec![],
            audit_entries: vec![],
            erasures: vec![],
        }
    }

    fn head(pointer: &str) -> &str {
        pointer.trim_start_matches('/').split('/').next().unwrap_or_default()
    }

    /// Each table of a person's has its part in the JSON (a key of the disclosure) and on
    /// the readable page (a section of the same name), even when it holds nothing yet.
    #[test]
    fn every_table_of_a_person_has_its_part_in_the_json_and_on_the_page() {
        let (p, s) = (participant("ar"), stakeholder());
        let (p_json, s_json) =
            (serde_json::to_value(&p).unwrap(), serde_json::to_value(&s).unwrap());
        let (p_page, s_page) = (participant_readable(&p), stakeholder_readable(&s));
        let shown = |page: &Readable, id: &str| page.sections.iter().any(|x| x.id == id);
        for (table, holds) in PERSONAL_TABLES {
            let (in_participant, in_stakeholder) = match holds {
                Holds::Participant(at) => (Some(*at), None),
                Holds::Stakeholder(at) => (None, Some(*at)),
                Holds::Both(at) => (Some(*at), Some(*at)),
                Holds::Nobody(_) => (None, None),
            };
            if let Some(at) = in_participant {
                assert!(p_json.get(head(at)).is_some(), "{table}: {at} in the JSON");
                assert!(shown(&p_page, head(at)), "{table}: {at} on the page");
            }
            if let Some(at) = in_stakeholder {
                assert!(s_json.get(head(at)).is_some(), "{table}: {at} in the JSON");
                assert!(shown(&s_page, head(at)), "{table}: {at} on the page");
            }
        }
        assert!(p_page.sections.iter().skip(1).all(|x| x.empty && x.rows.is_empty()));
    }

    #[test]
    fn headings_are_also_in_the_persons_language_where_the_service_has_it() {
        let arabic = participant_readable(&participant("ar"));
        assert_eq!(arabic.own_dir, "rtl");
        assert!(arabic.title.own.is_some());
        assert!(arabic.sections.iter().all(|s| s.heading.own.is_some()), "all headings in ar");
        assert!(arabic.intro.own.as_deref().is_some_and(|t| t.contains("Landkreis")));
        // Tigrinya has its texts now (issue 15); German needs none beside itself.
        let tigrinya = participant_readable(&participant("ti"));
        assert!(tigrinya.title.own.is_some(), "ti");
        let german = participant_readable(&participant("de"));
        assert!(
            german.title.own.is_none() && german.sections.iter().all(|s| s.heading.own.is_none())
        );
    }

    #[test]
    fn an_anonymous_invitation_says_neither_the_answer_nor_its_day() {
        let mut s = stakeholder();
        s.survey_invitations.push(InvitationLine {
            survey_id: crate::ids::SurveyId(1),
            survey_title: "Umfrage".into(),
            anonymous: true,
            created_at: at(),
            sent_at: Some(at()),
            reminders_sent: 1,
            last_sent_at: None,
            answered: true,
            answered_on: None,
        });
        let page = stakeholder_readable(&s);
        let invitations = page.sections.iter().find(|x| x.id == "survey_invitations").unwrap();
        let answered = &invitations.rows[0][4].value;
        assert_eq!(answered, &i18n::text(DEFAULT_LANG, "common.yes"), "yes, and no day");
        assert!(invitations.note.is_some(), "the page says why the answers are not here");
    }
}
