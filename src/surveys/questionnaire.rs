//! What a respondent sees: the survey's texts in their language (German where a text is
//! not translated), the questions of their group in pages of [`PAGE_SIZE`], and the
//! answers so far — as the HTML form ([`RespondPage`]), as the API's view
//! ([`RespondentView`]), or as a polite message ([`MessagePage`]). The coordinator's
//! preview is the same form without a link behind it. The form's fields are read back
//! here too ([`answers_from_form`]), since they are named after its questions.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use super::answers::{Answers, FieldError};
use super::links::{self, Respondent};
use super::models::{Question, QuestionKind, QuestionOption, StakeholderGroup};
use super::{repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n;
use crate::ids::{QuestionId, SurveyId};
use crate::time::fmt_date;

/// Questions per page of the HTML form: short pages work on a phone without JavaScript.
pub const PAGE_SIZE: usize = 5;

/// The writing direction of a language, for `dir` attributes.
pub fn direction(lang: &str) -> &'static str {
    if i18n::is_rtl(lang) {
        "rtl"
    } else {
        "ltr"
    }
}

/// One question as the respondent reads it.
#[derive(Debug, Clone)]
pub struct ShownQuestion {
    pub question: Question,
    pub text: String,
    pub options: Vec<QuestionOption>,
}

/// The survey as one respondent sees it, in the language chosen.
#[derive(Debug, Clone)]
pub struct Questionnaire {
    pub who: Respondent,
    pub title: String,
    pub introduction: String,
    /// The language of the questions: the one asked for where the survey has it, German
    /// otherwise.
    pub lang: String,
    /// The language of the form's own words (buttons, hints, messages about answers): the
    /// one asked for, or the respondent's, even where the survey's own texts are not
    /// translated into it; those then stay German and are marked so.
    pub words: String,
    /// The questions of the respondent's group, in order.
    pub questions: Vec<ShownQuestion>,
    /// German and every language the survey is translated into.
    pub languages: Vec<String>,
    /// Every question of the survey (also those of other groups), for checking answers.
    pub all: Vec<Question>,
}

/// `wanted` where the survey has it, German otherwise.
fn pick_language(languages: &[String], wanted: &str) -> String {
    if languages.iter().any(|l| l == wanted) {
        wanted.to_string()
    } else {
        "de".to_string()
    }
}

impl Questionnaire {
    /// The survey for `who`, in `lang` (or the respondent's own language) where translated.
    pub fn load(conn: &mut DbConn, who: Respondent, lang: Option<&str>) -> AppResult<Self> {
        let survey_id = who.survey.id;
        let mut languages = vec!["de".to_string()];
        languages.extend(repo::translation_languages(conn, survey_id)?);
        let wanted = lang.unwrap_or(&who.language);
        let words = if i18n::is_participant_language(wanted) { wanted } else { "de" }.to_string();
        let lang = pick_language(&languages, wanted);
        let german = (who.survey.title.clone(), who.survey.introduction.clone());
        let (title, introduction, translated) = if lang == "de" {
            (german.0, german.1, BTreeMap::new())
        } else {
            let (title, introduction) =
                repo::translation(conn, survey_id, &lang)?.unwrap_or(german);
            let translated: BTreeMap<QuestionId, (String, String)> =
                repo::question_translations(conn, survey_id, &lang)?
                    .into_iter()
                    .map(|(id, t, o)| (id, (t, o)))
                    .collect();
            (title, introduction, translated)
        };
        let all = repo::questions(conn, survey_id)?;
        // "Rank these topics" lists modules: in the respondent's language where the
        // coordinator translated the module's title (issue 15).
        let module_ids: Vec<_> =
            all.iter().flat_map(|q| q.options()).filter_map(|o| o.module_id).collect();
        let module_titles = crate::planning::titles::service::module_titles_in(
            conn,
            who.survey.organisation_id,
            &module_ids,
            &lang,
        )?;
        let questions = links::visible(&all, who.group)
            .into_iter()
            .map(|q| {
                let (text, mut options) = match translated.get(&q.id) {
                    Some((t, o)) => {
                        (t.clone(), serde_json::from_str(o).unwrap_or_else(|_| q.options()))
                    }
                    None => (q.text.clone(), q.options()),
                };
                for o in options.iter_mut() {
                    if let Some(title) = o.module_id.and_then(|id| module_titles.get(&id)) {
                        o.label = title.clone();
                    }
                }
                ShownQuestion { question: q, text, options }
            })
            .collect();
        Ok(Questionnaire { who, title, introduction, lang, words, questions, languages, all })
    }

    pub fn pages(&self) -> usize {
        self.questions.len().div_ceil(PAGE_SIZE).max(1)
    }

    /// The questions on page `page_no` (counted from 0).
    pub fn on_page(&self, page_no: usize) -> impl Iterator<Item = &ShownQuestion> {
        self.questions.iter().skip(page_no * PAGE_SIZE).take(PAGE_SIZE)
    }

    /// The page holding the first question with a problem (the first page if none is shown).
    pub fn page_of_first(&self, errors: &[FieldError]) -> usize {
        self.questions
            .iter()
            .position(|s| errors.iter().any(|e| e.question_id == s.question.id))
            .unwrap_or(0)
            / PAGE_SIZE
    }
}

/// A polite page instead of the form: not open yet, over, answered, thanks.
#[derive(Debug, Serialize)]
pub struct MessagePage {
    pub lang: String,
    pub dir: &'static str,
    pub title: String,
    pub message: String,
}

impl MessagePage {
    /// The message of locale key `key` (its title is the same key with `_title`).
    pub fn new(lang: &str, key: &str) -> MessagePage {
        MessagePage {
            lang: lang.to_string(),
            dir: direction(lang),
            title: i18n::text(lang, &format!("{key}_title")),
            message: i18n::text(lang, key),
        }
    }
}

/// One page of the HTML form (`pages/surveys/respond`).
#[derive(Debug, Serialize)]
pub struct RespondPage {
    pub lang: String,
    pub dir: &'static str,
    /// Whose accessibility statement the footer links to.
    pub statement_org: i32,
    pub title: String,
    pub introduction: String,
    pub token: String,
    pub questions: Vec<FormQuestion>,
    /// Counted from 0 (the form posts it back); `page_number` from 1.
    pub page: usize,
    pub pages: usize,
    pub page_number: usize,
    pub first: bool,
    pub last: bool,
    /// Questions of the respondent's group answered so far, of `total`.
    pub answered: usize,
    pub total: usize,
    pub anonymous: bool,
    pub closes_on: String,
    pub languages: Vec<LanguageChoice>,
    pub has_languages: bool,
    pub saved: bool,
    pub errors: Vec<ProblemLine>,
    /// Only on the coordinator's preview.
    #[serde(flatten)]
    pub preview: Option<PreviewBar>,
}

#[derive(Debug, Serialize)]
pub struct LanguageChoice {
    pub code: String,
    pub name: &'static str,
    pub current: bool,
}

/// A line of the summary of problems above the form.
#[derive(Debug, Serialize)]
pub struct ProblemLine {
    pub id: QuestionId,
    pub question: String,
    pub message: String,
}

/// A question of the form with what was answered (and what is wrong with it).
#[derive(Debug, Serialize)]
pub struct FormQuestion {
    pub id: QuestionId,
    pub kind: QuestionKind,
    pub text: String,
    pub help: String,
    pub required: bool,
    pub options: Vec<FormOption>,
    pub scale: Vec<ScalePoint>,
    /// Labels of 1 and 5 on a scale.
    pub low: Option<String>,
    pub high: Option<String>,
    pub is_single: bool,
    pub is_multiple: bool,
    pub is_scale: bool,
    pub is_text: bool,
    pub is_number: bool,
    pub is_rank: bool,
    /// What a text or number field holds.
    pub value: String,
    pub max_length: Option<i32>,
    pub min: Option<i32>,
    pub max: Option<i32>,
    pub error: Option<String>,
    pub required_text: String,
    /// Not translated: the German text keeps its own direction on an RTL page.
    pub german: bool,
}

#[derive(Debug, Serialize)]
pub struct FormOption {
    pub index: usize,
    pub label: String,
    pub checked: bool,
    /// The places a rank question offers for this topic.
    pub places: Vec<Place>,
}

#[derive(Debug, Serialize)]
pub struct Place {
    pub n: usize,
    pub selected: bool,
}

#[derive(Debug, Serialize)]
pub struct ScalePoint {
    pub value: i64,
    pub checked: bool,
}

/// The preview's bar: whose form it is and which other groups' forms there are.
#[derive(Debug, Serialize)]
pub struct PreviewBar {
    pub preview: bool,
    pub preview_group: String,
    pub survey_id: SurveyId,
    pub preview_groups: Vec<PreviewGroup>,
}

#[derive(Debug, Serialize)]
pub struct PreviewGroup {
    pub code: String,
    pub name: String,
    pub current: bool,
}

/// The options chosen in an answer (one for single choice, any for multiple choice).
fn chosen(kind: QuestionKind, value: Option<&Value>) -> Vec<u64> {
    match value {
        Some(Value::Array(a)) if kind == QuestionKind::Multiple => {
            a.iter().filter_map(Value::as_u64).collect()
        }
        Some(v) => v.as_u64().into_iter().collect(),
        None => Vec::new(),
    }
}

/// Option index → place (from 1) in a ranking.
fn places(kind: QuestionKind, value: Option<&Value>) -> BTreeMap<usize, usize> {
    match (kind, value) {
        (QuestionKind::Rank, Some(Value::Array(order))) => order
            .iter()
            .enumerate()
            .filter_map(|(place, i)| Some((usize::try_from(i.as_u64()?).ok()?, place + 1)))
            .collect(),
        _ => BTreeMap::new(),
    }
}

impl FormQuestion {
    fn new(shown: &ShownQuestion, value: Option<&Value>, error: Option<&str>, lang: &str) -> Self {
        let q = &shown.question;
        let chosen = chosen(q.kind, value);
        let ranks = places(q.kind, value);
        let n = shown.options.len();
        let options = shown
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| FormOption {
                index: i,
                label: o.label.clone(),
                checked: chosen.contains(&(i as u64)),
                places: (1..=n)
                    .map(|p| Place { n: p, selected: ranks.get(&i) == Some(&p) })
                    .collect(),
            })
            .collect();
        let scale = (1..=5)
            .map(|v| ScalePoint { value: v, checked: value.and_then(Value::as_i64) == Some(v) })
            .collect();
        FormQuestion {
            id: q.id,
            kind: q.kind,
            text: shown.text.clone(),
            help: q.help.clone(),
            required: q.required,
            options,
            scale,
            low: shown.options.first().map(|o| o.label.clone()),
            high: shown.options.get(1).map(|o| o.label.clone()),
            is_single: q.kind == QuestionKind::Single,
            is_multiple: q.kind == QuestionKind::Multiple,
            is_scale: q.kind == QuestionKind::Scale,
            is_text: q.kind == QuestionKind::Text,
            is_number: q.kind == QuestionKind::Number,
            is_rank: q.kind == QuestionKind::Rank,
            value: match value {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) if q.kind == QuestionKind::Number => n.to_string(),
                _ => String::new(),
            },
            max_length: q.max_length,
            min: q.min_value,
            max: q.max_value,
            error: error.map(str::to_string),
            required_text: i18n::text(lang, "respond.required"),
            german: lang != "de" && shown.text == q.text,
        }
    }
}

/// Reading the form back. Its field names are the ones `pages/surveys/respond` gives the
/// questions of [`RespondPage`]: `q<id>` (repeated for checkboxes), and for a ranking
/// `q<id>_<option>` holding the place.
/// Reads the posted answers of the questions on one page (no JavaScript: checkboxes repeat
/// their name, a rank question sends one place per topic). An answer that cannot be read
/// is left out and reported.
pub fn answers_from_form(
    pairs: &[(String, String)], questions: &[&Question],
) -> (Answers, Vec<FieldError>) {
    let mut answers = Answers::new();
    let mut errors = Vec::new();
    for q in questions {
        match read_answer(pairs, q) {
            Ok(value) => {
                answers.insert(q.id, value);
            }
            Err(message) => errors
                .push(FieldError { question_id: q.id, message: crate::i18n::Text::key(message) }),
        }
    }
    (answers, errors)
}

/// The form's value for a question, or the key of what is wrong with it.
fn read_answer(pairs: &[(String, String)], q: &Question) -> Result<Value, &'static str> {
    let key = format!("q{}", q.id);
    let values: Vec<&str> =
        pairs.iter().filter(|(k, _)| *k == key).map(|(_, v)| v.as_str()).collect();
    let first = values.first().map(|v| v.trim()).unwrap_or("");
    Ok(match q.kind {
        QuestionKind::Multiple => {
            Value::from(values.iter().filter_map(|v| v.parse::<u64>().ok()).collect::<Vec<_>>())
        }
        QuestionKind::Single | QuestionKind::Scale if first.is_empty() => Value::Null,
        // Not a number: an index no option has, which the check then refuses.
        QuestionKind::Single | QuestionKind::Scale => {
            first.parse::<i64>().map(Value::from).unwrap_or(Value::from(-1))
        }
        QuestionKind::Number if first.is_empty() => Value::Null,
        QuestionKind::Number => first
            .replace([' ', '.'], "")
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "survey.answer.integer")?,
        QuestionKind::Text => Value::from(first),
        QuestionKind::Rank => read_ranking(pairs, q)?,
    })
}

/// A ranking from one place per topic (`q<id>_<option>` = place, 1 = most important), as
/// the list of option indexes from first place to last.
fn read_ranking(pairs: &[(String, String)], q: &Question) -> Result<Value, &'static str> {
    let n = q.options().len();
    let mut places: Vec<(usize, usize)> = (0..n)
        .filter_map(|i| {
            let key = format!("q{}_{i}", q.id);
            let (_, place) = pairs.iter().find(|(k, _)| *k == key)?;
            Some((place.trim().parse().ok()?, i))
        })
        .collect();
    if places.is_empty() {
        return Ok(Value::Null);
    }
    let mut taken: Vec<usize> = places.iter().map(|(p, _)| *p).collect();
    taken.sort_unstable();
    if taken != (1..=n).collect::<Vec<_>>() {
        return Err("survey.answer.distinct_places");
    }
    places.sort_unstable();
    Ok(Value::from(places.into_iter().map(|(_, i)| i).collect::<Vec<_>>()))
}

impl RespondPage {
    /// Page `page_no` of the form (the last one if there are fewer), with `answers` filled
    /// in and `errors` shown at their questions.
    pub fn new(
        shown: &Questionnaire, page_no: usize, answers: &Answers, errors: &[FieldError],
        saved: bool,
    ) -> RespondPage {
        let pages = shown.pages();
        let page_no = page_no.min(pages - 1);
        let lang = &shown.words;
        let questions = shown
            .on_page(page_no)
            .map(|s| {
                let error = errors
                    .iter()
                    .find(|e| e.question_id == s.question.id)
                    .map(|e| e.message.render(lang));
                FormQuestion::new(s, answers.get(&s.question.id), error.as_deref(), lang)
            })
            .collect();
        let languages = shown
            .languages
            .iter()
            .map(|l| LanguageChoice {
                code: l.clone(),
                name: i18n::participant_language_name(l),
                current: *l == shown.lang,
            })
            .collect();
        RespondPage {
            lang: lang.clone(),
            dir: direction(lang),
            statement_org: shown.who.survey.organisation_id.0,
            title: shown.title.clone(),
            introduction: shown.introduction.clone(),
            token: shown.who.token.clone(),
            questions,
            page: page_no,
            pages,
            page_number: page_no + 1,
            first: page_no == 0,
            last: page_no + 1 == pages,
            answered: shown
                .questions
                .iter()
                .filter(|s| answers.contains_key(&s.question.id))
                .count(),
            total: shown.questions.len(),
            anonymous: shown.who.survey.anonymous,
            closes_on: fmt_date(shown.who.survey.closes_on),
            languages,
            has_languages: shown.languages.len() > 1,
            saved,
            errors: problem_lines(shown, errors),
            preview: None,
        }
    }
}

fn problem_lines(shown: &Questionnaire, errors: &[FieldError]) -> Vec<ProblemLine> {
    errors
        .iter()
        .map(|e| ProblemLine {
            id: e.question_id,
            question: shown
                .questions
                .iter()
                .find(|s| s.question.id == e.question_id)
                .map(|s| s.text.clone())
                .unwrap_or_default(),
            message: e.message.render(&shown.words),
        })
        .collect()
}

/// The survey as a group's respondents in language `lang` see it (the first group asked
/// and German where not given or not translated): the API's preview, without a link.
pub fn preview_view(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, group: Option<String>,
    lang: Option<&str>,
) -> AppResult<RespondentView> {
    let survey = service::get(conn, actor, survey_id)?;
    let group = match group {
        Some(g) => StakeholderGroup::from_entered(&g)
            .filter(|g| survey.audience.contains(g))
            .ok_or_else(|| {
                AppError::invalid(
                    "group",
                    crate::i18n::Text::key("error.surveys.group_outside_audience"),
                )
            })?,
        None => {
            survey.audience.first().copied().ok_or_else(|| AppError::not_found("thing.survey"))?
        }
    };
    let who = Respondent {
        survey,
        token: String::new(),
        invitation_id: None,
        group,
        language: "de".into(),
        answered_on: None,
        draft: Answers::new(),
    };
    Ok(RespondentView::new(Questionnaire::load(conn, who, lang)?))
}

/// The form as a group's respondents see it, without a link and without saving anything.
pub fn preview(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, group: Option<String>, page_no: usize,
    lang: Option<&str>,
) -> AppResult<RespondPage> {
    let survey = service::get(conn, actor, survey_id)?;
    let groups = survey.audience.clone();
    let group = group
        .and_then(|g| StakeholderGroup::from_code(&g))
        .filter(|g| groups.contains(g))
        .or_else(|| groups.first().copied())
        // A survey always asks at least one group; without any there is nothing to show.
        .ok_or_else(|| AppError::not_found("thing.survey"))?;
    let who = Respondent {
        survey,
        token: String::new(),
        invitation_id: None,
        group,
        language: "de".into(),
        answered_on: None,
        draft: Answers::new(),
    };
    let shown = Questionnaire::load(conn, who, lang)?;
    let mut page = RespondPage::new(&shown, page_no, &Answers::new(), &[], false);
    page.preview = Some(PreviewBar {
        preview: true,
        preview_groups: groups
            .iter()
            .map(|g| PreviewGroup {
                code: g.code().to_string(),
                name: g.name(),
                current: *g == group,
            })
            .collect(),
        preview_group: group.code().to_string(),
        survey_id,
    });
    Ok(page)
}

/// What a respondent app shows: the questions the link's group sees, in the language
/// asked for where the survey has it, and the answers saved so far.
#[derive(Debug, Serialize)]
pub struct RespondentView {
    pub title: String,
    pub introduction: String,
    pub language: String,
    pub languages: Vec<String>,
    pub anonymous: bool,
    pub closes_on: NaiveDate,
    pub group: StakeholderGroup,
    pub questions: Vec<ViewQuestion>,
    pub answers: Answers,
}

#[derive(Debug, Serialize)]
pub struct ViewQuestion {
    pub id: QuestionId,
    pub kind: QuestionKind,
    pub text: String,
    pub help: String,
    pub required: bool,
    /// The option labels in the language shown.
    pub options: Vec<String>,
    pub min_value: Option<i32>,
    pub max_value: Option<i32>,
    pub max_length: Option<i32>,
}

impl RespondentView {
    pub fn new(shown: Questionnaire) -> RespondentView {
        let questions = shown
            .questions
            .iter()
            .map(|s| ViewQuestion {
                id: s.question.id,
                kind: s.question.kind,
                text: s.text.clone(),
                help: s.question.help.clone(),
                required: s.question.required,
                options: s.options.iter().map(|o| o.label.clone()).collect(),
                min_value: s.question.min_value,
                max_value: s.question.max_value,
                max_length: s.question.max_length,
            })
            .collect();
        RespondentView {
            title: shown.title,
            introduction: shown.introduction,
            language: shown.lang,
            languages: shown.languages,
            anonymous: shown.who.survey.anonymous,
            closes_on: shown.who.survey.closes_on,
            group: shown.who.group,
            questions,
            answers: shown.who.draft,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_back_per_kind() {
        use crate::surveys::answers::tests::question;
        let fields: Vec<(String, String)> = [
            ("q1", "2"),
            ("q2", "0"),
            ("q2", "2"),
            ("q3", " 1.000 "),
            ("q4", "  Text "),
            ("q5_0", "2"),
            ("q5_1", "3"),
            ("q5_2", "1"),
            ("q6", "viele"),
            ("q7_0", "1"),
            ("q7_1", "1"),
            ("q8", "x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let questions = [
            question(1, QuestionKind::Single, 3),
            question(2, QuestionKind::Multiple, 3),
            question(3, QuestionKind::Number, 0),
            question(4, QuestionKind::Text, 0),
            question(5, QuestionKind::Rank, 3),
            question(6, QuestionKind::Number, 0),
            question(7, QuestionKind::Rank, 2),
            question(8, QuestionKind::Scale, 0),
            question(9, QuestionKind::Single, 2),
        ];
        let on_page: Vec<&Question> = questions.iter().collect();
        let (answers, errors) = answers_from_form(&fields, &on_page);
        let want = serde_json::json!({"1": 2, "2": [0, 2], "3": 1000, "4": "Text",
                                      "5": [2, 0, 1], "8": -1, "9": null});
        assert_eq!(serde_json::to_value(&answers).unwrap(), want);
        let wrong: Vec<QuestionId> = errors.iter().map(|e| e.question_id).collect();
        assert_eq!(wrong, [QuestionId(6), QuestionId(7)], "not a number; two topics on one place");
    }

    #[test]
    fn a_language_is_shown_only_where_the_survey_has_it() {
        let languages = vec!["de".to_string(), "ar".to_string()];
        assert_eq!(pick_language(&languages, "ar"), "ar");
        assert_eq!(pick_language(&languages, "uk"), "de");
        assert_eq!(pick_language(&languages, "de"), "de");
    }

    #[test]
    fn a_ranking_is_shown_as_places_per_topic() {
        let order = serde_json::json!([2, 0, 1]);
        let got = places(QuestionKind::Rank, Some(&order));
        assert_eq!(got, BTreeMap::from([(2, 1), (0, 2), (1, 3)]));
        assert!(places(QuestionKind::Multiple, Some(&order)).is_empty());
        assert_eq!(chosen(QuestionKind::Multiple, Some(&order)), [2, 0, 1]);
        assert_eq!(chosen(QuestionKind::Single, Some(&serde_json::json!(1))), [1]);
        assert!(chosen(QuestionKind::Rank, Some(&order)).is_empty());
    }
}
