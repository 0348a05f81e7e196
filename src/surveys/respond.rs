//! Answering a survey, the respondent's use cases: opening a link ([`form`] for the HTML
//! form, [`view`] for an app), answering ([`answer`], the form and the API alike), and
//! starting through an open link ([`start_open`]). Links, drafts and the one submission per
//! link are in [`super::links`]; what counts as an answer in [`super::answers`].

use chrono::NaiveDate;

use super::answers::{check_answers, Answers, FieldError};
use super::links::{
    closed_error, new_token, plausible_token, resolve, save_draft, submit, unknown_link, Closed,
    Submitted,
};
use super::models::{Question, StakeholderGroup};
use super::questionnaire::{
    answers_from_form, MessagePage, Questionnaire, RespondPage, RespondentView,
};
use super::release::PoolKey;
use super::repo;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::ids::QuestionId;

/// What the HTML form shows when a link is opened.
pub enum RespondScreen {
    Form(Box<RespondPage>),
    /// Not open yet, over, or answered.
    Message(MessagePage),
}

/// Opens a link for the HTML form: page `page_no` with the draft filled in, or why the
/// link cannot be answered now.
pub fn form(
    conn: &mut DbConn, key: &PoolKey, token: &str, lang: Option<&str>, page_no: usize, saved: bool,
    today: NaiveDate,
) -> AppResult<RespondScreen> {
    let who = resolve(conn, key, token)?;
    let shown = Questionnaire::load(conn, who, lang)?;
    if let Some(closed) = shown.who.closed(today) {
        return Ok(RespondScreen::Message(MessagePage::new(&shown.words, closed.message_key())));
    }
    let page = RespondPage::new(&shown, page_no, &shown.who.draft, &[], saved);
    Ok(RespondScreen::Form(Box::new(page)))
}

/// Opens a link for an app: the questions and the draft; a closed link is a conflict.
pub fn view(
    conn: &mut DbConn, key: &PoolKey, token: &str, lang: Option<&str>, today: NaiveDate,
) -> AppResult<RespondentView> {
    let who = resolve(conn, key, token)?;
    if let Some(closed) = who.closed(today) {
        return Err(closed_error(closed));
    }
    Ok(RespondentView::new(Questionnaire::load(conn, who, lang)?))
}

/// What the respondent asked for with the answers sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Keep them in the draft, to continue later.
    Save,
    /// Keep them and go back a page.
    Back,
    /// Keep them and go on: the required questions among them must be answered.
    Next,
    /// Hand in the response.
    Submit,
}

/// The answers sent.
pub enum Given {
    /// One page of the HTML form as posted (page counted from 0); its field names depend
    /// on the questions of that page, so it is read here, where they are known.
    Page { page: usize, fields: Vec<(String, String)> },
    /// Answers by question id, as an app sends them. Handed in (`Step::Submit`) they are
    /// the whole response: an app keeps its own state, the draft plays no part.
    Answers(Answers),
}

pub struct Answering {
    /// The language the form was shown in.
    pub lang: Option<String>,
    pub given: Given,
    pub step: Step,
}

/// Where the form goes after answers were kept.
#[derive(Debug)]
pub struct NextPage {
    pub token: String,
    pub page: usize,
    /// The language shown, where it is not the respondent's own.
    pub lang: Option<String>,
    /// Kept to continue later: the page says so.
    pub saved: bool,
}

impl NextPage {
    pub fn url(&self) -> String {
        let lang = self.lang.as_ref().map_or(String::new(), |l| format!("&lang={l}"));
        let saved = if self.saved { "&saved=1" } else { "" };
        format!("/s/{}?page={}{lang}{saved}", self.token, self.page)
    }
}

pub enum RespondOutcome {
    /// The link cannot be answered now (nothing was kept).
    Closed { why: Closed, message: MessagePage },
    /// Kept in the draft.
    Saved(NextPage),
    /// Handed in; the thanks.
    Submitted(MessagePage),
    /// Something does not fit: the form again at the first problem, with the answers given.
    Refused { errors: Vec<FieldError>, form: Box<RespondPage> },
}

/// Answers through a link: keeps them in the draft, moves on, or hands the response in.
/// A second submission through the same link is a conflict.
pub fn answer(
    conn: &mut DbConn, key: &PoolKey, token: &str, input: Answering, today: NaiveDate,
) -> AppResult<RespondOutcome> {
    let who = resolve(conn, key, token)?;
    let shown = Questionnaire::load(conn, who, input.lang.as_deref())?;
    if let Some(why) = shown.who.closed(today) {
        let message = MessagePage::new(&shown.words, why.message_key());
        return Ok(RespondOutcome::Closed { why, message });
    }
    let (page_no, raw, covers, mut errors) = match input.given {
        Given::Answers(answers) if input.step == Step::Submit => {
            return hand_in(conn, key, &shown, answers, today);
        }
        Given::Answers(answers) => {
            let covers: Vec<QuestionId> = answers.keys().copied().collect();
            (0, answers, covers, Vec::new())
        }
        Given::Page { page, fields } => {
            let on_page: Vec<&Question> = shown.on_page(page).map(|s| &s.question).collect();
            let (raw, errors) = answers_from_form(&fields, &on_page);
            (page, raw, on_page.iter().map(|q| q.id).collect(), errors)
        }
    };
    let kept = keep(conn, key, &shown, raw, &covers, &mut errors)?;
    // Moving on needs this page's required answers; saving for later does not.
    if errors.is_empty() && matches!(input.step, Step::Next | Step::Submit) {
        let scope: Vec<QuestionId> = if input.step == Step::Submit {
            shown.all.iter().map(|q| q.id).collect()
        } else {
            covers
        };
        if let Err(e) = check_answers(&shown.all, shown.who.group, &kept, &scope, true) {
            errors.extend(e);
        }
    }
    if !errors.is_empty() {
        return Ok(refused(&shown, kept, errors));
    }
    if input.step == Step::Submit {
        return hand_in(conn, key, &shown, kept, today);
    }
    Ok(RespondOutcome::Saved(next_page(&shown, page_no, input.step)))
}

/// Keeps the fitting answers in the draft, replacing the earlier answers of `covers`;
/// what does not fit is added to `errors`. Returns the answers as they now stand, with
/// the refused ones as given, so the form shows them again.
fn keep(
    conn: &mut DbConn, key: &PoolKey, shown: &Questionnaire, raw: Answers, covers: &[QuestionId],
    errors: &mut Vec<FieldError>,
) -> AppResult<Answers> {
    Ok(match save_draft(conn, key, &shown.who, &shown.all, &raw, covers)? {
        Ok(kept) => kept,
        Err(e) => {
            errors.extend(e);
            let mut shown_again = shown.who.draft.clone();
            shown_again.extend(raw.into_iter().filter(|(_, v)| !v.is_null()));
            shown_again
        }
    })
}

fn hand_in(
    conn: &mut DbConn, key: &PoolKey, shown: &Questionnaire, answers: Answers, today: NaiveDate,
) -> AppResult<RespondOutcome> {
    Ok(match submit(conn, key, &shown.who, &answers, today)? {
        Submitted::Saved => {
            RespondOutcome::Submitted(MessagePage::new(&shown.words, "respond.thanks"))
        }
        Submitted::Invalid(errors) => refused(shown, answers, errors),
    })
}

fn refused(shown: &Questionnaire, answers: Answers, errors: Vec<FieldError>) -> RespondOutcome {
    let page = shown.page_of_first(&errors);
    let form = RespondPage::new(shown, page, &answers, &errors, false);
    RespondOutcome::Refused { errors, form: Box::new(form) }
}

fn next_page(shown: &Questionnaire, page_no: usize, step: Step) -> NextPage {
    NextPage {
        token: shown.who.token.clone(),
        page: match step {
            Step::Next => page_no + 1,
            Step::Back => page_no.saturating_sub(1),
            Step::Save | Step::Submit => page_no,
        },
        lang: (shown.words != shown.who.language).then(|| shown.words.clone()),
        saved: matches!(step, Step::Save | Step::Submit),
    }
}

/// Starts an answer through the open link of `group`: a resume token with an empty draft
/// (the link to continue later, and what makes a second submission detectable).
pub fn start_open(conn: &mut DbConn, open_token: &str, group: &str) -> AppResult<String> {
    if !plausible_token(open_token) {
        return Err(unknown_link());
    }
    let survey = repo::by_open_token(conn, open_token)?.ok_or_else(unknown_link)?;
    let Some(group) = StakeholderGroup::from_code(group).filter(|g| survey.open_groups.contains(g))
    else {
        return Err(AppError::NotFound(Text::key("error.surveys.no_open_link")));
    };
    let token = new_token();
    repo::save_draft(conn, survey.id, &token, group, "de", "{}")?;
    Ok(token)
}
