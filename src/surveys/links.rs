//! Who answers through which link: personal links (one per invitation), open links (one
//! per survey and group, each visit getting its own resume token), drafts kept to continue
//! later, and the one submission per link.
//!
//! Rules: tokens are unguessable; a link answers once (the second submission is refused,
//! not counted twice); no draft outlives the submission, whatever races it; an anonymous
//! survey's answer is kept apart from its link (see [`submit`] and [`super::release`]).

use chrono::NaiveDate;

use super::answers::{check_answers, Answers, FieldError};
use super::models::{Question, StakeholderGroup, Survey};
use super::release::{self, PendingAnswer, PoolKey, Take};
use super::repo;
use crate::db::{dialect, DbConn};
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::QuestionId;

/// Who is answering through which link.
#[derive(Debug, Clone)]
pub struct Respondent {
    pub survey: Survey,
    /// The token in the link: an invitation's, or an open-link respondent's resume token.
    pub token: String,
    pub invitation_id: Option<i32>,
    pub group: StakeholderGroup,
    pub language: String,
    /// Day the invitation was answered (then nothing more is accepted); for an anonymous
    /// survey the Monday of that week.
    pub answered_on: Option<NaiveDate>,
    pub draft: Answers,
}

/// Why a link cannot be answered now; shown politely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    NotYet,
    Over,
    Answered,
}

impl Closed {
    /// The locale key of the polite page (its title is the same key with `_title`).
    pub fn message_key(self) -> &'static str {
        match self {
            Closed::NotYet => "respond.not_yet",
            Closed::Over => "respond.over",
            Closed::Answered => "respond.answered",
        }
    }
}

impl Respondent {
    pub fn closed(&self, today: NaiveDate) -> Option<Closed> {
        if self.answered_on.is_some() {
            Some(Closed::Answered)
        } else if today < self.survey.opens_on {
            Some(Closed::NotYet)
        } else if today > self.survey.closes_on || self.survey.is_archived() {
            Some(Closed::Over)
        } else {
            None
        }
    }
}

pub fn unknown_link() -> AppError {
    AppError::NotFound(Text::key("error.surveys.unknown_link"))
}

/// Tokens are base64url; anything else is not a link of ours and costs no query.
pub fn plausible_token(token: &str) -> bool {
    (16..=64).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn new_token() -> String {
    use rand::RngCore;
    let mut raw = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    data_encoding::BASE64URL_NOPAD.encode(&raw)
}

/// A draft that cannot be read (a replaced session key) starts empty again.
fn parse_draft(key: &PoolKey, token: &str, stored: &str) -> Answers {
    key.open_draft(token, stored)
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// The respondent behind a personal or resume link.
pub fn resolve(conn: &mut DbConn, key: &PoolKey, token: &str) -> AppResult<Respondent> {
    if !plausible_token(token) {
        return Err(unknown_link());
    }
    if let Some((inv, group, language)) = repo::invitation_by_token(conn, token)? {
        let survey = repo::by_id(conn, inv.survey_id)?.ok_or_else(unknown_link)?;
        let draft = repo::draft(conn, token)?;
        let (language, draft) = match draft {
            Some((_, _, lang, json)) => (lang, parse_draft(key, token, &json)),
            None => (language, Answers::new()),
        };
        return Ok(Respondent {
            survey,
            token: token.to_string(),
            invitation_id: Some(inv.id),
            group,
            language,
            answered_on: inv.answered_on,
            draft,
        });
    }
    let (survey_id, group, language, json) = repo::draft(conn, token)?.ok_or_else(unknown_link)?;
    let survey = repo::by_id(conn, survey_id)?.ok_or_else(unknown_link)?;
    Ok(Respondent {
        survey,
        token: token.to_string(),
        invitation_id: None,
        group,
        language,
        answered_on: None,
        draft: parse_draft(key, token, &json),
    })
}

/// Questions the respondent's group sees, in order.
pub fn visible(questions: &[Question], group: StakeholderGroup) -> Vec<Question> {
    questions.iter().filter(|q| q.visible_to(group)).cloned().collect()
}

/// Outcome of a submission attempt.
#[derive(Debug)]
pub enum Submitted {
    Saved,
    Invalid(Vec<FieldError>),
}

/// Saves answers to continue later (merged into the draft; nothing is checked for
/// completeness, but every answer must fit its question among `questions`, the survey's).
///
/// A personal link's draft is written under the invitation's row lock and refused once the
/// invitation is answered; an open link's draft is only ever replaced, never created again
/// once handed in. So "save for later" racing "submit" never leaves a draft behind.
pub fn save_draft(
    conn: &mut DbConn, key: &PoolKey, who: &Respondent, questions: &[Question], raw: &Answers,
    replace: &[QuestionId],
) -> AppResult<Result<Answers, Vec<FieldError>>> {
    let checked = match check_answers(questions, who.group, raw, &[], false) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
    };
    let mut merged = who.draft.clone();
    for id in replace {
        merged.remove(id);
    }
    merged.extend(checked);
    let mut json = serde_json::to_string(&merged).map_err(|e| AppError::Internal(e.into()))?;
    if who.survey.anonymous {
        json = key.seal_draft(&who.token, &json)?;
    }
    crate::db::write_transaction(conn, |conn| {
        let kept = match who.invitation_id {
            Some(id) => {
                dialect::lock_for_update(conn, "survey_invitations", id)?;
                let open = !repo::invitation_answered(conn, id)?;
                if open {
                    let (survey, group) = (who.survey.id, who.group);
                    repo::save_draft(conn, survey, &who.token, group, &who.language, &json)?;
                }
                open
            }
            None => repo::update_draft(conn, &who.token, &who.language, &json)?,
        };
        if kept {
            Ok(())
        } else {
            Err(closed_error(Closed::Answered))
        }
    })?;
    Ok(Ok(merged))
}

/// Submits the response once.
///
/// A survey with names: one transaction marks the link answered, deletes its draft and
/// writes the response with its invitation.
///
/// An anonymous survey: transaction A takes the invitation's row lock, marks it answered
/// (with the Monday of the week only) and deletes its draft; then, in a transaction of its
/// own, the answer goes sealed into the pool ([`release::hold`]) and full cells are
/// released in a shuffled batch. The answer and the mark therefore never share a
/// transaction. If keeping the answer fails, the mark is taken back so the link can answer
/// again. A crash of the process between A and the pool loses that one answer and leaves
/// the link "already answered": chosen over the other order, which after a crash could
/// count an answer whose link can still answer a second time.
pub fn submit(
    conn: &mut DbConn, key: &PoolKey, who: &Respondent, raw: &Answers, today: NaiveDate,
) -> AppResult<Submitted> {
    if let Some(closed) = who.closed(today) {
        return Err(closed_error(closed));
    }
    let anonymous = who.survey.anonymous;
    let marked_on = if anonymous { release::monday_of(today) } else { today };
    let taken = crate::db::write_transaction(conn, |conn| {
        let questions = repo::questions(conn, who.survey.id)?;
        let scope: Vec<QuestionId> = questions.iter().map(|q| q.id).collect();
        let answers = match check_answers(&questions, who.group, raw, &scope, true) {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
        take_link(conn, who, marked_on)?;
        if !anonymous {
            let response = repo::insert_response(
                conn,
                who.survey.id,
                who.invitation_id,
                who.group,
                &who.language,
                today,
            )?;
            for (qid, value) in &answers {
                repo::insert_answer(conn, response, *qid, &value.to_string())?;
            }
        }
        Ok(Ok(answers))
    })?;
    let answers = match taken {
        Ok(answers) => answers,
        Err(e) => return Ok(Submitted::Invalid(e)),
    };
    if anonymous {
        let pending = PendingAnswer { group: who.group, language: who.language.clone(), answers };
        if let Err(e) = release::hold(conn, key, who.survey.id, &pending) {
            give_back_link(conn, who)?;
            return Err(e);
        }
        let mut rng = rand::thread_rng();
        if let Err(e) = release::release(conn, key, &who.survey, Take::FullCells, &mut rng) {
            // The answer is safe in the pool; the survey job releases it later.
            tracing::warn!(survey_id = who.survey.id.0, error = e.code(), "survey batch deferred");
        }
    }
    Ok(Submitted::Saved)
}

/// Exactly one submission per link: the invitation flips to answered (under its row lock,
/// which saving a draft takes too), or the open-link draft disappears; whoever comes second
/// finds nothing to take. Every draft of the link goes with it.
fn take_link(conn: &mut DbConn, who: &Respondent, day: NaiveDate) -> AppResult<()> {
    let first = match who.invitation_id {
        Some(id) => {
            dialect::lock_for_update(conn, "survey_invitations", id)?;
            let first = repo::mark_answered(conn, id, day)?;
            repo::delete_draft(conn, &who.token)?;
            first
        }
        None => repo::delete_draft(conn, &who.token)?,
    };
    if first {
        Ok(())
    } else {
        Err(closed_error(Closed::Answered))
    }
}

/// Takes back [`take_link`] when the answer could not be kept: the link answers again.
fn give_back_link(conn: &mut DbConn, who: &Respondent) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| match who.invitation_id {
        Some(id) => repo::unmark_answered(conn, id),
        None => repo::save_draft(conn, who.survey.id, &who.token, who.group, &who.language, "{}"),
    })
}

pub fn closed_error(closed: Closed) -> AppError {
    AppError::conflict(closed.message_key())
}
