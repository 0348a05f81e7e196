//! The reads of an access request: every table that holds a participant's or a stakeholder
//! contact's data, each query scoped by the organisation.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::*;
use crate::db::schema::{
    attendance, attendance_marks, audit_log, certificate_checks, certificate_modules,
    certificate_reissues, certificates, consent_events, course_runs, courses, enrollments,
    erasures, mail_outbox, organisations, participants, session_reminders, stakeholders,
    survey_answers, survey_drafts, survey_invitations, survey_questions, survey_responses, surveys,
    test_results, training_sessions,
};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::ids::{CertificateId, OrgId, ParticipantId, RunId, SessionId, StakeholderId, SurveyId};

/// Whose data: the rows that name a person carry one of these ids.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Participant(ParticipantId),
    Stakeholder(StakeholderId),
}

impl Subject {
    /// As `erasures.subject` names it.
    fn code(self) -> &'static str {
        match self {
            Subject::Participant(_) => "participant",
            Subject::Stakeholder(_) => "stakeholder",
        }
    }

    fn id(self) -> i32 {
        match self {
            Subject::Participant(p) => p.0,
            Subject::Stakeholder(s) => s.0,
        }
    }
}

pub fn organisation_name(conn: &mut DbConn, org: OrgId) -> AppResult<String> {
    Ok(organisations::table.find(org).select(organisations::name).first(conn)?)
}

type ParticipantRow = (
    ParticipantId,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    NaiveDate,
    NaiveDateTime,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    Option<NaiveDateTime>,
);

pub fn participant(
    conn: &mut DbConn, org: OrgId, id: ParticipantId,
) -> AppResult<Option<ParticipantRecord>> {
    let row: Option<ParticipantRow> = participants::table
        .filter(participants::organisation_id.eq(org))
        .filter(participants::id.eq(id))
        .select((
            participants::id,
            participants::given_name,
            participants::family_name,
            participants::preferred_language,
            participants::phone,
            participants::email,
            participants::consent_date,
            participants::created_at,
            participants::referrer_name,
            participants::referrer_organisation,
            participants::referrer_contact,
            participants::card_code.is_not_null(),
            participants::erased_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|r| ParticipantRecord {
        id: r.0,
        given_name: r.1,
        family_name: r.2,
        preferred_language: r.3,
        phone: r.4,
        email: r.5,
        consent_date: r.6,
        created_at: r.7,
        referrer_name: r.8,
        referrer_organisation: r.9,
        referrer_contact: r.10,
        has_attendance_card: r.11,
        erased_at: r.12,
    }))
}

type EnrollmentRow = (
    i32,
    RunId,
    String,
    String,
    NaiveDate,
    NaiveDate,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// The person's enrollments with their runs, and the enrollments' ids (audit entries name
/// them).
pub fn enrollments(
    conn: &mut DbConn, org: OrgId, pid: ParticipantId,
) -> AppResult<(Vec<i32>, Vec<EnrollmentLine>)> {
    let rows: Vec<EnrollmentRow> = enrollments::table
        .inner_join(course_runs::table.inner_join(courses::table))
        .filter(enrollments::organisation_id.eq(org))
        .filter(enrollments::participant_id.eq(pid))
        .order((course_runs::start_date, enrollments::id))
        .select((
            enrollments::id,
            enrollments::run_id,
            courses::code,
            courses::title,
            course_runs::start_date,
            course_runs::end_date,
            course_runs::place,
            enrollments::status,
            enrollments::created_at,
            enrollments::cancelled_at,
            enrollments::promoted_at,
        ))
        .load(conn)?;
    let ids = rows.iter().map(|r| r.0).collect();
    let lines = rows
        .into_iter()
        .map(|r| EnrollmentLine {
            run_id: r.1,
            course_code: r.2,
            course_title: r.3,
            start_date: r.4,
            end_date: r.5,
            place: r.6,
            status: r.7,
            created_at: r.8,
            cancelled_at: r.9,
            promoted_at: r.10,
        })
        .collect();
    Ok((ids, lines))
}

type MarkRow = (SessionId, NaiveDateTime, String, bool, NaiveDateTime);

fn mark_line(r: MarkRow) -> AttendanceLine {
    AttendanceLine {
        session_id: r.0,
        session_starts_at: r.1,
        status: r.2,
        left_early: r.3,
        marked_at: r.4,
    }
}

pub fn attendance(
    conn: &mut DbConn, org: OrgId, pid: ParticipantId,
) -> AppResult<Vec<AttendanceLine>> {
    let rows: Vec<MarkRow> = attendance::table
        .inner_join(training_sessions::table)
        .filter(attendance::organisation_id.eq(org))
        .filter(attendance::participant_id.eq(pid))
        .order((training_sessions::starts_at, attendance::id))
        .select((
            attendance::session_id,
            training_sessions::starts_at,
            attendance::status,
            attendance::left_early,
            attendance::marked_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(mark_line).collect())
}

pub fn attendance_history(
    conn: &mut DbConn, org: OrgId, pid: ParticipantId,
) -> AppResult<Vec<AttendanceLine>> {
    let rows: Vec<MarkRow> = attendance_marks::table
        .inner_join(
            training_sessions::table.on(training_sessions::id.eq(attendance_marks::session_id)),
        )
        .filter(attendance_marks::organisation_id.eq(org))
        .filter(attendance_marks::participant_id.eq(pid))
        .order((training_sessions::starts_at, attendance_marks::marked_at, attendance_marks::id))
        .select((
            attendance_marks::session_id,
            training_sessions::starts_at,
            attendance_marks::status,
            attendance_marks::left_early,
            attendance_marks::marked_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(mark_line).collect())
}

pub fn test_results(
    conn: &mut DbConn, org: OrgId, pid: ParticipantId,
) -> AppResult<Vec<TestResultLine>> {
    let rows: Vec<(RunId, String, i32, i32, NaiveDateTime)> = test_results::table
        .inner_join(course_runs::table.on(course_runs::id.eq(test_results::run_id)))
        .inner_join(courses::table.on(courses::id.eq(course_runs::course_id)))
        .filter(test_results::organisation_id.eq(org))
        .filter(test_results::participant_id.eq(pid))
        .order(test_results::recorded_at)
        .select((
            test_results::run_id,
            courses::title,
            test_results::points,
            test_results::must_pass_correct,
            test_results::recorded_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| TestResultLine {
            run_id: r.0,
            course_title: r.1,
            points: r.2,
            must_pass_correct: r.3,
            recorded_at: r.4,
        })
        .collect())
}

type CertificateRow = (
    CertificateId,
    RunId,
    String,
    String,
    String,
    String,
    NaiveDate,
    NaiveDateTime,
    String,
    Option<NaiveDateTime>,
    Option<String>,
    Option<CertificateId>,
);

/// The person's certificates (the stored code, to be formatted for reading), each with its
/// checks per day.
pub fn certificates(
    conn: &mut DbConn, org: OrgId, pid: ParticipantId,
) -> AppResult<Vec<CertificateLine>> {
    let rows: Vec<CertificateRow> = certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::participant_id.eq(pid))
        .order((certificates::issued_at, certificates::id))
        .select((
            certificates::id,
            certificates::run_id,
            certificates::code,
            certificates::holder_name,
            certificates::course_code,
            certificates::course_title,
            certificates::completion_date,
            certificates::issued_at,
            certificates::status,
            certificates::revoked_at,
            certificates::revocation_reason,
            certificates::replaced_by_id,
        ))
        .load(conn)?;
    let ids: Vec<CertificateId> = rows.iter().map(|r| r.0).collect();
    let mut checks: HashMap<CertificateId, Vec<CheckDay>> = HashMap::new();
    let days: Vec<(CertificateId, NaiveDate, i32)> = certificate_checks::table
        .filter(certificate_checks::organisation_id.eq(org))
        .filter(certificate_checks::certificate_id.eq_any(&ids))
        .order((certificate_checks::certificate_id, certificate_checks::day))
        .select((
            certificate_checks::certificate_id,
            certificate_checks::day,
            certificate_checks::checks,
        ))
        .load(conn)?;
    for (id, day, n) in days {
        checks.entry(id).or_default().push(CheckDay { day, checks: n });
    }
    let mut modules: HashMap<CertificateId, Vec<PrintedModule>> = HashMap::new();
    let printed: Vec<(CertificateId, String, NaiveDate, i32)> = certificate_modules::table
        .filter(certificate_modules::organisation_id.eq(org))
        .filter(certificate_modules::certificate_id.eq_any(&ids))
        .order((certificate_modules::certificate_id, certificate_modules::position))
        .select((
            certificate_modules::certificate_id,
            certificate_modules::title,
            certificate_modules::first_day,
            certificate_modules::duration_minutes,
        ))
        .load(conn)?;
    for (id, title, first_day, duration_minutes) in printed {
        modules.entry(id).or_default().push(PrintedModule { title, first_day, duration_minutes });
    }
    Ok(rows
        .into_iter()
        .map(|r| CertificateLine {
            checks: checks.remove(&r.0).unwrap_or_default(),
            modules: modules.remove(&r.0).unwrap_or_default(),
            id: r.0,
            run_id: r.1,
            code: r.2,
            holder_name: r.3,
            course_code: r.4,
            course_title: r.5,
            completion_date: r.6,
            issued_at: r.7,
            status: r.8,
            revoked_at: r.9,
            revocation_reason: r.10,
            replaced_by_id: r.11,
        })
        .collect())
}

/// (id, printed name) of the person's valid certificates.
pub fn valid_certificate_names(
    conn: &mut DbConn, org: OrgId, pid: ParticipantId,
) -> AppResult<Vec<(CertificateId, String)>> {
    Ok(certificates::table
        .filter(certificates::organisation_id.eq(org))
        .filter(certificates::participant_id.eq(pid))
        // `certificates::models::CertificateStatus::Valid`.
        .filter(certificates::status.eq("valid"))
        .order(certificates::id)
        .select((certificates::id, certificates::holder_name))
        .load(conn)?)
}

pub fn reissues(conn: &mut DbConn, org: OrgId, pid: ParticipantId) -> AppResult<Vec<ReissueLine>> {
    let rows: Vec<(RunId, CertificateId, CertificateId, String, NaiveDateTime)> =
        certificate_reissues::table
            .filter(certificate_reissues::organisation_id.eq(org))
            .filter(certificate_reissues::participant_id.eq(pid))
            .order(certificate_reissues::reissued_at)
            .select((
                certificate_reissues::run_id,
                certificate_reissues::revoked_certificate_id,
                certificate_reissues::certificate_id,
                certificate_reissues::reason,
                certificate_reissues::reissued_at,
            ))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ReissueLine {
            run_id: r.0,
            revoked_certificate_id: r.1,
            certificate_id: r.2,
            reason: r.3,
            reissued_at: r.4,
        })
        .collect())
}

/// The reminders, without their apology links (a link is a key, not data about the person).
pub fn reminders(
    conn: &mut DbConn, org: OrgId, pid: ParticipantId,
) -> AppResult<Vec<ReminderLine>> {
    type Row =
        (SessionId, NaiveDateTime, String, Option<String>, NaiveDateTime, Option<NaiveDateTime>);
    let rows: Vec<Row> = session_reminders::table
        .inner_join(
            training_sessions::table.on(training_sessions::id.eq(session_reminders::session_id)),
        )
        .filter(session_reminders::organisation_id.eq(org))
        .filter(session_reminders::participant_id.eq(pid))
        .order((training_sessions::starts_at, session_reminders::id))
        .select((
            session_reminders::session_id,
            training_sessions::starts_at,
            session_reminders::kind,
            session_reminders::recipient,
            session_reminders::created_at,
            session_reminders::apologised_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ReminderLine {
            session_id: r.0,
            session_starts_at: r.1,
            kind: r.2,
            recipient: r.3,
            created_at: r.4,
            apologised_at: r.5,
        })
        .collect())
}

pub fn mails(conn: &mut DbConn, org: OrgId, subject: Subject) -> AppResult<Vec<MailLine>> {
    type Row = (String, String, String, NaiveDateTime, Option<NaiveDateTime>, Option<String>);
    let mut q = mail_outbox::table.filter(mail_outbox::organisation_id.eq(org)).into_boxed();
    q = match subject {
        Subject::Participant(p) => q.filter(mail_outbox::participant_id.eq(p)),
        Subject::Stakeholder(s) => q.filter(mail_outbox::stakeholder_id.eq(s)),
    };
    let rows: Vec<Row> = q
        .order((mail_outbox::created_at, mail_outbox::id))
        .select((
            mail_outbox::recipient,
            mail_outbox::subject,
            mail_outbox::status,
            mail_outbox::created_at,
            mail_outbox::sent_at,
            mail_outbox::attachment_name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| MailLine {
            recipient: r.0,
            subject: r.1,
            status: r.2,
            created_at: r.3,
            sent_at: r.4,
            attachment_name: r.5,
        })
        .collect())
}

pub fn consent_events(
    conn: &mut DbConn, org: OrgId, subject: Subject,
) -> AppResult<Vec<ConsentLine>> {
    let mut q = consent_events::table.filter(consent_events::organisation_id.eq(org)).into_boxed();
    q = match subject {
        Subject::Participant(p) => q.filter(consent_events::participant_id.eq(p)),
        Subject::Stakeholder(s) => q.filter(consent_events::stakeholder_id.eq(s)),
    };
    let rows: Vec<(String, bool, NaiveDateTime)> = q
        .order((consent_events::recorded_at, consent_events::id))
        .select((consent_events::kind, consent_events::given, consent_events::recorded_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(kind, given, recorded_at)| ConsentLine { kind, given, recorded_at })
        .collect())
}

/// Entries about the person: marked as such, or done to their own row; for a participant
/// also those done to their enrollments and certificates (`related`).
pub fn audit_entries(
    conn: &mut DbConn, org: OrgId, subject: Subject, enrollment_ids: &[i32],
    certificate_ids: &[i32],
) -> AppResult<Vec<AuditLine>> {
    let q = audit_log::table.filter(audit_log::organisation_id.eq(org)).into_boxed();
    let q = match subject {
        Subject::Participant(p) => q.filter(
            audit_log::participant_id
                .eq(p)
                .or(audit_log::entity.eq("participant").and(audit_log::entity_id.eq(p.0)))
                .or(audit_log::entity
                    .eq("enrollment")
                    .and(audit_log::entity_id.eq_any(enrollment_ids)))
                .or(audit_log::entity
                    .eq("certificate")
                    .and(audit_log::entity_id.eq_any(certificate_ids))),
        ),
        Subject::Stakeholder(s) => q.filter(
            audit_log::stakeholder_id
                .eq(s)
                .or(audit_log::entity.eq("stakeholder").and(audit_log::entity_id.eq(s.0))),
        ),
    };
    let rows: Vec<(NaiveDateTime, String, String, Option<i32>, String)> = q
        .order((audit_log::created_at, audit_log::id))
        .select((
            audit_log::created_at,
            audit_log::action,
            audit_log::entity,
            audit_log::entity_id,
            audit_log::detail,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| AuditLine {
            created_at: r.0,
            action: r.1,
            entity: r.2,
            entity_id: r.3,
            detail: r.4,
        })
        .collect())
}

pub fn erasures(conn: &mut DbConn, org: OrgId, subject: Subject) -> AppResult<Vec<ErasureLine>> {
    let rows: Vec<(String, NaiveDateTime, String)> = erasures::table
        .filter(erasures::organisation_id.eq(org))
        .filter(erasures::subject.eq(subject.code()))
        .filter(erasures::subject_id.eq(subject.id()))
        .order((erasures::erased_at, erasures::id))
        .select((erasures::reason, erasures::erased_at, erasures::counts))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(reason, erased_at, counts)| ErasureLine { reason, erased_at, counts })
        .collect())
}

type StakeholderRow = (
    StakeholderId,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    bool,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

pub fn stakeholder(
    conn: &mut DbConn, org: OrgId, id: StakeholderId,
) -> AppResult<Option<StakeholderRecord>> {
    let row: Option<StakeholderRow> = stakeholders::table
        .filter(stakeholders::organisation_id.eq(org))
        .filter(stakeholders::id.eq(id))
        .select((
            stakeholders::id,
            stakeholders::stakeholder_group,
            stakeholders::name,
            stakeholders::organisation_name,
            stakeholders::email,
            stakeholders::phone,
            stakeholders::preferred_language,
            stakeholders::contact_consent,
            stakeholders::created_at,
            stakeholders::updated_at,
            stakeholders::erased_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|r| StakeholderRecord {
        id: r.0,
        stakeholder_group: r.1,
        name: r.2,
        organisation_name: r.3,
        email: r.4,
        phone: r.5,
        preferred_language: r.6,
        contact_consent: r.7,
        created_at: r.8,
        updated_at: r.9,
        erased_at: r.10,
    }))
}

/// A stakeholder's part in the organisation's surveys.
pub struct SurveyPart {
    pub invitations: Vec<InvitationLine>,
    pub responses: Vec<ResponseLine>,
    pub drafts: Vec<DraftLine>,
}

/// The contact's invitations; the answers given through them and the drafts kept for them,
/// only for surveys that are not anonymous (an anonymous survey's answer is nobody's).
pub fn survey_part(conn: &mut DbConn, org: OrgId, sid: StakeholderId) -> AppResult<SurveyPart> {
    type InvitationRow = (
        i32,
        SurveyId,
        String,
        String,
        bool,
        NaiveDateTime,
        Option<NaiveDateTime>,
        i32,
        Option<NaiveDateTime>,
        Option<NaiveDate>,
    );
    let rows: Vec<InvitationRow> = survey_invitations::table
        .inner_join(surveys::table)
        .filter(surveys::organisation_id.eq(org))
        .filter(survey_invitations::stakeholder_id.eq(sid))
        .order((survey_invitations::created_at, survey_invitations::id))
        .select((
            survey_invitations::id,
            survey_invitations::survey_id,
            survey_invitations::token,
            surveys::title,
            surveys::anonymous,
            survey_invitations::created_at,
            survey_invitations::sent_at,
            survey_invitations::reminders_sent,
            survey_invitations::last_sent_at,
            survey_invitations::answered_on,
        ))
        .load(conn)?;
    let named: Vec<&InvitationRow> = rows.iter().filter(|r| !r.4).collect();
    let titles: HashMap<SurveyId, String> = named.iter().map(|r| (r.1, r.3.clone())).collect();
    let invitation_ids: Vec<i32> = named.iter().map(|r| r.0).collect();
    let tokens: Vec<String> = named.iter().map(|r| r.2.clone()).collect();

    let responses: Vec<(i32, SurveyId, NaiveDate, String)> = survey_responses::table
        .filter(survey_responses::invitation_id.eq_any(&invitation_ids))
        .order(survey_responses::id)
        .select((
            survey_responses::id,
            survey_responses::survey_id,
            survey_responses::submitted_on,
            survey_responses::language,
        ))
        .load(conn)?;
    let response_ids: Vec<i32> = responses.iter().map(|r| r.0).collect();
    let answers: Vec<(i32, String, String)> = survey_answers::table
        .inner_join(
            survey_questions::table.on(survey_questions::id.eq(survey_answers::question_id)),
        )
        .filter(survey_answers::response_id.eq_any(&response_ids))
        .order((survey_answers::response_id, survey_questions::position, survey_answers::id))
        .select((survey_answers::response_id, survey_questions::text, survey_answers::value_json))
        .load(conn)?;
    let mut by_response: HashMap<i32, Vec<AnswerLine>> = HashMap::new();
    for (response, question, value) in answers {
        by_response
            .entry(response)
            .or_default()
            .push(AnswerLine { question, answer: json(&value) });
    }
    let title_of = |id: SurveyId| titles.get(&id).cloned().unwrap_or_default();
    let responses = responses
        .into_iter()
        .map(|(id, survey_id, submitted_on, language)| ResponseLine {
            survey_id,
            survey_title: title_of(survey_id),
            submitted_on,
            language,
            answers: by_response.remove(&id).unwrap_or_default(),
        })
        .collect();

    let drafts: Vec<(SurveyId, NaiveDateTime, String)> = survey_drafts::table
        .filter(survey_drafts::token.eq_any(&tokens))
        .order(survey_drafts::id)
        .select((survey_drafts::survey_id, survey_drafts::updated_at, survey_drafts::answers_json))
        .load(conn)?;
    // A draft keeps question id → answer; the page names the question instead.
    let drafts: Vec<(SurveyId, NaiveDateTime, DraftAnswers)> = drafts
        .into_iter()
        .map(|(survey, at, stored)| (survey, at, draft_answers(&stored)))
        .collect();
    let question_ids: Vec<i32> =
        drafts.iter().flat_map(|d| d.2.iter().filter_map(|(q, _)| *q)).collect();
    let questions: HashMap<i32, (SurveyId, String)> = survey_questions::table
        .filter(survey_questions::id.eq_any(&question_ids))
        .select((survey_questions::id, survey_questions::survey_id, survey_questions::text))
        .load::<(i32, SurveyId, String)>(conn)?
        .into_iter()
        .map(|(id, survey, text)| (id, (survey, text)))
        .collect();
    let drafts = drafts
        .into_iter()
        .map(|(survey_id, updated_at, answers)| DraftLine {
            survey_id,
            survey_title: title_of(survey_id),
            updated_at,
            answers: answers
                .into_iter()
                .map(|(question, answer)| AnswerLine {
                    question: question
                        .and_then(|q| questions.get(&q))
                        .filter(|(survey, _)| *survey == survey_id)
                        .map(|(_, text)| text.clone())
                        .unwrap_or_default(),
                    answer,
                })
                .collect(),
        })
        .collect();

    let invitations = rows
        .into_iter()
        .map(|r| InvitationLine {
            survey_id: r.1,
            survey_title: r.3,
            anonymous: r.4,
            created_at: r.5,
            sent_at: r.6,
            reminders_sent: r.7,
            last_sent_at: r.8,
            answered: r.9.is_some(),
            answered_on: r.9.filter(|_| !r.4),
        })
        .collect();
    Ok(SurveyPart { invitations, responses, drafts })
}

/// (question id, answer) of a draft.
type DraftAnswers = Vec<(Option<i32>, serde_json::Value)>;

/// The answers of a draft (question id → answer); anything else is kept as one answer.
fn draft_answers(stored: &str) -> DraftAnswers {
    match json(stored) {
        serde_json::Value::Object(map) => {
            map.into_iter().map(|(question, answer)| (question.parse().ok(), answer)).collect()
        }
        other => vec![(None, other)],
    }
}

/// Stored JSON as a value; text that is not JSON stays text.
fn json(stored: &str) -> serde_json::Value {
    serde_json::from_str(stored).unwrap_or_else(|_| serde_json::Value::String(stored.to_string()))
}
