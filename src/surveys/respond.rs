//! Answering a survey: resolving a link, checking answers, drafts, submission.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use super::models::{Question, Survey, MAX_TEXT_CHARS};
use super::repo;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};

/// Answers by question id, as stored (`value_json` per kind, see the domain rules).
pub type Answers = BTreeMap<i32, Value>;

/// Who is answering through which link.
#[derive(Debug, Clone)]
pub struct Respondent {
    pub survey: Survey,
    /// The token in the link: an invitation's, or an open-link respondent's resume token.
    pub token: String,
    pub invitation_id: Option<i32>,
    pub group: String,
    pub language: String,
    /// Day the invitation was answered (then nothing more is accepted).
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
        } else if today > self.survey.closes_on {
            Some(Closed::Over)
        } else {
            None
        }
    }
}

fn unknown_link() -> AppError {
    AppError::NotFound(
        "Diesen Umfrage-Link gibt es nicht. Bitte prüfen Sie, ob er vollständig ist.".into(),
    )
}

/// Tokens are base64url; anything else is not a link of ours and costs no query.
pub fn plausible_token(token: &str) -> bool {
    (16..=64).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn new_token() -> String {
    use rand::RngCore;
    let mut raw = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    data_encoding::BASE64URL_NOPAD.encode(&raw)
}

fn parse_draft(json: &str) -> Answers {
    serde_json::from_str(json).unwrap_or_default()
}

/// The respondent behind a personal or resume link.
pub fn resolve(conn: &mut DbConn, token: &str) -> AppResult<Respondent> {
    if !plausible_token(token) {
        return Err(unknown_link());
    }
    if let Some((inv, group, language)) = repo::invitation_by_token(conn, token)? {
        let survey = repo::by_id(conn, inv.survey_id)?.ok_or_else(unknown_link)?;
        let draft = repo::draft(conn, token)?;
        let (language, draft) = match draft {
            Some((_, _, lang, json)) => (lang, parse_draft(&json)),
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
        draft: parse_draft(&json),
    })
}

/// Starts an answer through the open link of `group`: a resume token with an empty draft
/// (the link to continue later, and what makes a second submission detectable).
pub fn start_open(conn: &mut DbConn, open_token: &str, group: &str) -> AppResult<String> {
    if !plausible_token(open_token) {
        return Err(unknown_link());
    }
    let survey = repo::by_open_token(conn, open_token)?.ok_or_else(unknown_link)?;
    if !survey.open_group_list().iter().any(|g| g == group) {
        return Err(AppError::NotFound(
            "Für diese Gruppe ist die Umfrage nicht über einen offenen Link erreichbar.".into(),
        ));
    }
    let token = new_token();
    repo::save_draft(conn, survey.id, &token, group, "de", "{}")?;
    Ok(token)
}

/// Questions the respondent's group sees, in order.
pub fn visible(questions: &[Question], group: &str) -> Vec<Question> {
    questions
        .iter()
        .filter(|q| q.visible_to(group))
        .cloned()
        .collect()
}

/// A field-level problem: which question, and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub question_id: i32,
    pub message: String,
}

fn err(q: &Question, message: impl Into<String>) -> FieldError {
    FieldError {
        question_id: q.id,
        message: message.into(),
    }
}

/// Checks one answer against its question; `Ok(None)`: not answered.
pub fn check_answer(q: &Question, value: &Value) -> Result<Option<Value>, FieldError> {
    let n_options = q.options().len();
    let index = |v: &Value| -> Option<usize> {
        v.as_u64()
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| *i < n_options)
    };
    match q.kind.as_str() {
        "single" => match value {
            Value::Null => Ok(None),
            v => index(v)
                .map(|i| Some(Value::from(i)))
                .ok_or_else(|| err(q, "Diese Antwortmöglichkeit gibt es nicht.")),
        },
        "multiple" => {
            let Value::Array(items) = value else {
                return if value.is_null() {
                    Ok(None)
                } else {
                    Err(err(
                        q,
                        "Bitte wählen Sie aus den angebotenen Möglichkeiten.",
                    ))
                };
            };
            let mut chosen: Vec<usize> = Vec::new();
            for item in items {
                let i =
                    index(item).ok_or_else(|| err(q, "Diese Antwortmöglichkeit gibt es nicht."))?;
                if !chosen.contains(&i) {
                    chosen.push(i);
                }
            }
            chosen.sort_unstable();
            Ok((!chosen.is_empty()).then(|| Value::from(chosen)))
        }
        "scale" => match value {
            Value::Null => Ok(None),
            v => v
                .as_i64()
                .filter(|n| (1..=5).contains(n))
                .map(|n| Some(Value::from(n)))
                .ok_or_else(|| err(q, "Bitte wählen Sie einen Wert von 1 bis 5.")),
        },
        "number" => match value {
            Value::Null => Ok(None),
            v => {
                let n = v
                    .as_i64()
                    .ok_or_else(|| err(q, "Bitte geben Sie eine ganze Zahl ein."))?;
                let min = i64::from(q.min_value.unwrap_or(i32::MIN));
                let max = i64::from(q.max_value.unwrap_or(i32::MAX));
                if n < min || n > max {
                    return Err(err(
                        q,
                        match (q.min_value, q.max_value) {
                            (Some(a), Some(b)) => format!("Bitte eine Zahl von {a} bis {b}."),
                            (Some(a), None) => format!("Bitte eine Zahl ab {a}."),
                            (None, Some(b)) => format!("Bitte eine Zahl bis {b}."),
                            (None, None) => "Diese Zahl ist zu groß.".to_string(),
                        },
                    ));
                }
                Ok(Some(Value::from(n)))
            }
        },
        "text" => match value {
            Value::Null => Ok(None),
            Value::String(s) => {
                let t = s.trim();
                let max = q.max_length.unwrap_or(MAX_TEXT_CHARS);
                if t.chars().count() > usize::try_from(max).unwrap_or(0) {
                    return Err(err(q, format!("Bitte höchstens {max} Zeichen.")));
                }
                if t.chars()
                    .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                {
                    return Err(err(q, "Der Text enthält unzulässige Steuerzeichen."));
                }
                Ok((!t.is_empty()).then(|| Value::from(t)))
            }
            _ => Err(err(q, "Bitte geben Sie Text ein.")),
        },
        "rank" => {
            let Value::Array(items) = value else {
                return if value.is_null() {
                    Ok(None)
                } else {
                    Err(err(q, "Bitte bringen Sie die Themen in eine Reihenfolge."))
                };
            };
            if items.is_empty() {
                return Ok(None);
            }
            let mut order: Vec<usize> = Vec::new();
            for item in items {
                let i = index(item).ok_or_else(|| err(q, "Dieses Thema gibt es nicht."))?;
                if order.contains(&i) {
                    return Err(err(q, "Jeder Platz darf nur einmal vergeben werden."));
                }
                order.push(i);
            }
            if order.len() != n_options {
                return Err(err(q, "Bitte geben Sie jedem Thema einen Platz."));
            }
            Ok(Some(Value::from(order)))
        }
        _ => Err(err(q, "Unbekannte Frageart.")),
    }
}

/// Checks answers for `questions`: unknown questions (or ones the group does not see)
/// are refused, every answer must fit, and with `complete` every required one must be
/// there. Returns the cleaned answers or every problem at once.
pub fn check_answers(
    all: &[Question],
    group: &str,
    raw: &Answers,
    scope: &[i32],
    complete: bool,
) -> Result<Answers, Vec<FieldError>> {
    let mut out = Answers::new();
    let mut errors = Vec::new();
    for (id, value) in raw {
        let Some(q) = all.iter().find(|q| q.id == *id) else {
            errors.push(FieldError {
                question_id: *id,
                message: "Diese Frage gehört nicht zu dieser Umfrage.".into(),
            });
            continue;
        };
        if !q.visible_to(group) {
            errors.push(err(q, "Diese Frage ist nicht für Ihre Gruppe bestimmt."));
            continue;
        }
        match check_answer(q, value) {
            Ok(Some(v)) => {
                out.insert(*id, v);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if complete {
        for q in all.iter().filter(|q| q.visible_to(group) && q.required) {
            if scope.contains(&q.id)
                && !out.contains_key(&q.id)
                && !errors.iter().any(|e| e.question_id == q.id)
            {
                errors.push(err(q, "Bitte beantworten Sie diese Frage."));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Outcome of a submission attempt.
#[derive(Debug)]
pub enum Submitted {
    Saved,
    Invalid(Vec<FieldError>),
}

/// Saves answers to continue later (merged into the draft; nothing is checked for
/// completeness, but every answer must fit its question among `questions`, the survey's).
pub fn save_draft(
    conn: &mut DbConn,
    who: &Respondent,
    questions: &[Question],
    raw: &Answers,
    replace: &[i32],
) -> AppResult<Result<Answers, Vec<FieldError>>> {
    let checked = match check_answers(questions, &who.group, raw, &[], false) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
    };
    let mut merged = who.draft.clone();
    for id in replace {
        merged.remove(id);
    }
    merged.extend(checked);
    let json = serde_json::to_string(&merged).map_err(|e| AppError::Internal(e.into()))?;
    repo::save_draft(
        conn,
        who.survey.id,
        &who.token,
        &who.group,
        &who.language,
        &json,
    )?;
    Ok(Ok(merged))
}

/// Submits the response once. Anonymous surveys store no invitation on the response.
pub fn submit(
    conn: &mut DbConn,
    who: &Respondent,
    raw: &Answers,
    today: NaiveDate,
) -> AppResult<Submitted> {
    if let Some(closed) = who.closed(today) {
        return Err(closed_error(closed));
    }
    crate::db::write_transaction(conn, |conn| {
        let questions = repo::questions(conn, who.survey.id)?;
        let scope: Vec<i32> = questions.iter().map(|q| q.id).collect();
        let answers = match check_answers(&questions, &who.group, raw, &scope, true) {
            Ok(a) => a,
            Err(e) => return Ok(Submitted::Invalid(e)),
        };
        // Exactly one submission per link: the invitation flips to answered, or the
        // open-link draft disappears; whoever comes second finds nothing to take.
        let first = match who.invitation_id {
            Some(id) => {
                let first = repo::mark_answered(conn, id, today)?;
                repo::delete_draft(conn, &who.token)?;
                first
            }
            None => repo::delete_draft(conn, &who.token)?,
        };
        if !first {
            return Err(closed_error(Closed::Answered));
        }
        let link = if who.survey.anonymous {
            None
        } else {
            who.invitation_id
        };
        let response =
            repo::insert_response(conn, who.survey.id, link, &who.group, &who.language, today)?;
        for (qid, value) in &answers {
            repo::insert_answer(conn, response, *qid, &value.to_string())?;
        }
        Ok(Submitted::Saved)
    })
}

pub fn closed_error(closed: Closed) -> AppError {
    AppError::Conflict(
        match closed {
            Closed::NotYet => {
                "Diese Umfrage beginnt noch nicht. Bitte versuchen Sie es später noch einmal."
            }
            Closed::Over => "Diese Umfrage ist bereits beendet. Vielen Dank für Ihr Interesse!",
            Closed::Answered => "Sie haben diese Umfrage bereits beantwortet. Vielen Dank!",
        }
        .into(),
    )
}
