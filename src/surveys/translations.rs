//! The coordinator translates a survey: its title, introduction, question texts and option
//! labels, per participant language. Respondents whose language it is then see it; German
//! is always there. A translated question keeps the German question's options (the same
//! number, the same modules), only their labels change.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::models::{Question, QuestionOption};
use super::questionnaire::direction;
use super::{repo, service};
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Text};
use crate::ids::{QuestionId, SurveyId};
use crate::validate;

/// The languages a survey can be translated into (German is the original).
pub const TRANSLATABLE: &[&str] = &["en", "ar", "fa", "uk", "ru", "tr", "ti", "ps"];

/// A survey's texts in another language, as entered.
#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewTranslation {
    pub title: String,
    pub introduction: String,
    /// Question id → its text and option labels (as many as the German options).
    #[schema(value_type = BTreeMap<i32, TranslatedQuestion>)]
    pub questions: BTreeMap<QuestionId, TranslatedQuestion>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct TranslatedQuestion {
    pub text: String,
    pub options: Vec<String>,
}

/// A translated question as stored: id, text, options JSON.
type TranslatedRow = (QuestionId, String, String);

/// Checks the translated questions against the survey's `questions`.
fn translated_rows(
    questions: &[Question], input: &BTreeMap<QuestionId, TranslatedQuestion>,
) -> AppResult<Vec<TranslatedRow>> {
    let mut rows = Vec::new();
    for (id, t) in input {
        let q = questions.iter().find(|q| q.id == *id).ok_or_else(|| {
            AppError::invalid(
                "questions",
                Text::key("error.surveys.foreign_question").arg("id", id),
            )
        })?;
        let text = validate::required_text("questions", "label.question", &t.text, 500)?;
        let options = translated_options(q.options(), &t.options).ok_or_else(|| {
            let n = q.options().len();
            AppError::invalid(
                "questions",
                Text::key("error.surveys.translate_options").arg("id", id).arg("n", n),
            )
        })?;
        let options = serde_json::to_string(&options).map_err(|e| AppError::Internal(e.into()))?;
        rows.push((*id, text, options));
    }
    Ok(rows)
}

/// The German options with translated labels: none given keeps the German ones; otherwise
/// exactly one label per option (`None` if not).
fn translated_options(
    german: Vec<QuestionOption>, labels: &[String],
) -> Option<Vec<QuestionOption>> {
    if labels.is_empty() {
        return Some(german);
    }
    if labels.len() != german.len() {
        return None;
    }
    Some(
        german
            .into_iter()
            .zip(labels)
            .map(|(o, l)| QuestionOption { label: l.trim().to_string(), module_id: o.module_id })
            .collect(),
    )
}

/// Stores (replaces) the survey's texts in `language`; respondents whose language it is
/// then see it, with German always available.
pub fn set(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, language: &str, input: &NewTranslation,
) -> AppResult<()> {
    let org = actor.coordinator_org()?;
    if language == "de" || !i18n::is_participant_language(language) {
        return Err(AppError::invalid(
            "language",
            Text::key("error.surveys.translation_languages"),
        ));
    }
    crate::db::write_transaction(conn, |conn| {
        service::find(conn, org, survey_id)?;
        let title = validate::required_text("title", "label.title", &input.title, 200)?;
        let intro = validate::optional_text(
            "introduction",
            "label.introduction",
            Some(&input.introduction),
            4000,
        )?
        .unwrap_or_default();
        let questions = repo::questions(conn, survey_id)?;
        let rows = translated_rows(&questions, &input.questions)?;
        repo::replace_translation(conn, survey_id, language, &title, &intro, &rows)?;
        crate::audit::Entry::new(Some(org), Some(actor.user_id), "survey.translate")
            .on("survey", Some(survey_id.into()))
            .detail(language)
            .record(conn)
    })
}

/// The translation page (`pages/surveys/translation`): the German texts beside what is
/// translated so far.
#[derive(Debug, Serialize)]
pub struct TranslationPage {
    pub id: SurveyId,
    pub survey_title: String,
    pub survey_introduction: String,
    /// The page itself is German.
    pub lang: &'static str,
    pub target: String,
    pub target_name: &'static str,
    pub target_dir: &'static str,
    pub title_t: String,
    pub introduction_t: String,
    pub questions: Vec<TranslationRow>,
}

#[derive(Debug, Serialize)]
pub struct TranslationRow {
    pub id: QuestionId,
    pub german: String,
    /// The German labels, separated by " / ".
    pub german_options: String,
    pub has_options: bool,
    pub text: String,
    /// The translated labels, one per line.
    pub options: String,
}

fn labels(options: &[QuestionOption], separator: &str) -> String {
    options.iter().map(|o| o.label.as_str()).collect::<Vec<_>>().join(separator)
}

pub fn page(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, lang: &str,
) -> AppResult<TranslationPage> {
    page_with(conn, actor, survey_id, lang, None)
}

/// The translation page; with `typed` (the posted form's name–value pairs) it shows what
/// was typed instead of what is stored, after a refusal.
pub fn page_with(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, lang: &str,
    typed: Option<&[(String, String)]>,
) -> AppResult<TranslationPage> {
    let survey = service::get(conn, actor, survey_id)?;
    if !TRANSLATABLE.contains(&lang) {
        return Err(AppError::not_found("thing.language"));
    }
    let (mut title, mut intro) = repo::translation(conn, survey_id, lang)?.unwrap_or_default();
    let done: BTreeMap<QuestionId, (String, String)> =
        repo::question_translations(conn, survey_id, lang)?
            .into_iter()
            .map(|(q, t, o)| (q, (t, o)))
            .collect();
    let typed_field = |name: &str| {
        typed.map(|pairs| {
            pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
        })
    };
    if let Some(t) = typed_field("title") {
        title = t;
    }
    if let Some(i) = typed_field("introduction") {
        intro = i;
    }
    let questions = repo::questions(conn, survey_id)?
        .iter()
        .map(|q| {
            let (mut text, mut options) = match done.get(&q.id) {
                Some((t, o)) => (
                    t.clone(),
                    labels(
                        &serde_json::from_str::<Vec<QuestionOption>>(o).unwrap_or_default(),
                        "\n",
                    ),
                ),
                None => (String::new(), String::new()),
            };
            if let Some(t) = typed_field(&format!("text_{}", q.id)) {
                text = t;
            }
            if let Some(o) = typed_field(&format!("options_{}", q.id)) {
                options = o;
            }
            let german = q.options();
            TranslationRow {
                id: q.id,
                german: q.text.clone(),
                german_options: labels(&german, " / "),
                has_options: !german.is_empty(),
                text,
                options,
            }
        })
        .collect();
    Ok(TranslationPage {
        id: survey_id,
        survey_title: survey.title,
        survey_introduction: survey.introduction,
        lang: "de",
        target: lang.to_string(),
        target_name: i18n::participant_language_name(lang),
        target_dir: direction(lang),
        title_t: title,
        introduction_t: intro,
        questions,
    })
}

/// How far a survey is translated into one language: its title, its introduction (if it
/// has one), and per question its text and (if it has any) its options, each one part.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Completeness {
    pub language: String,
    pub name: &'static str,
    /// Parts translated, of `total`.
    pub done: usize,
    pub total: usize,
    pub complete: bool,
    /// What is still missing, in the survey's order.
    pub missing: Vec<MissingPart>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissingPart {
    /// The part, worded for the coordinator ("Frage 3: Antwortmöglichkeiten").
    pub part: String,
    /// The field of the translation page that takes it (`title`, `text_12`, `options_12`).
    pub field: String,
}

/// Counts the parts of a survey translated: `german` (title, introduction) and its
/// `questions` against the translation's title and introduction and its translated
/// questions (id → text, options JSON). Options count as translated once a label differs
/// from the German one (a translation without labels keeps the German ones).
pub fn completeness_of(
    language: &str, german_intro: &str, questions: &[Question],
    translation: Option<&(String, String)>, translated: &BTreeMap<QuestionId, (String, String)>,
) -> Completeness {
    let mut parts: Vec<(bool, Text, String)> = Vec::new();
    let (title, intro) = translation.cloned().unwrap_or_default();
    parts.push((!title.trim().is_empty(), Text::key("svy.part.title"), "title".into()));
    if !german_intro.trim().is_empty() {
        parts.push((
            !intro.trim().is_empty(),
            Text::key("svy.part.introduction"),
            "introduction".into(),
        ));
    }
    for (n, q) in (1..).zip(questions) {
        let t = translated.get(&q.id);
        let text_done = t.is_some_and(|(text, _)| !text.trim().is_empty());
        parts.push((
            text_done,
            Text::key("svy.part.question").arg("n", n),
            format!("text_{}", q.id),
        ));
        let german = q.options();
        if !german.is_empty() {
            let labels: Vec<QuestionOption> =
                t.and_then(|(_, o)| serde_json::from_str(o).ok()).unwrap_or_default();
            let relabelled = labels.len() == german.len()
                && labels.iter().zip(&german).any(|(l, g)| l.label != g.label);
            parts.push((
                relabelled,
                Text::key("svy.part.options").arg("n", n),
                format!("options_{}", q.id),
            ));
        }
    }
    let done = parts.iter().filter(|(d, _, _)| *d).count();
    Completeness {
        language: language.to_string(),
        name: i18n::participant_language_name(language),
        done,
        total: parts.len(),
        complete: done == parts.len(),
        missing: parts
            .into_iter()
            .filter(|(d, _, _)| !*d)
            .map(|(_, part, field)| MissingPart { part: part.render(i18n::DEFAULT_LANG), field })
            .collect(),
    }
}

/// The survey's completeness in `language`.
fn completeness(
    conn: &mut DbConn, survey: &super::models::Survey, questions: &[Question], language: &str,
) -> AppResult<Completeness> {
    let translation = repo::translation(conn, survey.id, language)?;
    let translated: BTreeMap<QuestionId, (String, String)> =
        repo::question_translations(conn, survey.id, language)?
            .into_iter()
            .map(|(q, t, o)| (q, (t, o)))
            .collect();
    Ok(completeness_of(
        language,
        &survey.introduction,
        questions,
        translation.as_ref(),
        &translated,
    ))
}

/// The survey's completeness in every language it can be translated into.
pub fn completeness_all(
    conn: &mut DbConn, survey: &super::models::Survey,
) -> AppResult<Vec<Completeness>> {
    let questions = repo::questions(conn, survey.id)?;
    TRANSLATABLE.iter().map(|l| completeness(conn, survey, &questions, l)).collect()
}

/// The survey's completeness per language, for the API.
pub fn completeness_list(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId,
) -> AppResult<Vec<Completeness>> {
    let survey = service::get(conn, actor, survey_id)?;
    completeness_all(conn, &survey)
}

/// A survey's texts in one language as stored, read back (the API's counterpart of the
/// translation page), with how complete they are.
#[derive(Debug, Serialize, ToSchema)]
pub struct TranslationView {
    pub language: String,
    pub title: String,
    pub introduction: String,
    pub questions: Vec<TranslatedView>,
    pub completeness: Completeness,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TranslatedView {
    #[schema(value_type = i32)]
    pub question_id: QuestionId,
    pub german: String,
    /// Empty: not translated yet.
    pub text: String,
    pub options: Vec<String>,
}

pub fn view(
    conn: &mut DbConn, actor: &Actor, survey_id: SurveyId, lang: &str,
) -> AppResult<TranslationView> {
    let survey = service::get(conn, actor, survey_id)?;
    if !TRANSLATABLE.contains(&lang) {
        return Err(AppError::not_found("thing.language"));
    }
    let questions = repo::questions(conn, survey_id)?;
    let (title, introduction) = repo::translation(conn, survey_id, lang)?.unwrap_or_default();
    let done: BTreeMap<QuestionId, (String, String)> =
        repo::question_translations(conn, survey_id, lang)?
            .into_iter()
            .map(|(q, t, o)| (q, (t, o)))
            .collect();
    let completeness = completeness(conn, &survey, &questions, lang)?;
    Ok(TranslationView {
        language: lang.to_string(),
        title,
        introduction,
        questions: questions
            .iter()
            .map(|q| {
                let (text, options) = done.get(&q.id).cloned().unwrap_or_default();
                let options: Vec<QuestionOption> =
                    serde_json::from_str(&options).unwrap_or_default();
                TranslatedView {
                    question_id: q.id,
                    german: q.text.clone(),
                    text,
                    options: options.into_iter().map(|o| o.label).collect(),
                }
            })
            .collect(),
        completeness,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::QuestionId;
    use crate::surveys::answers::tests::question;
    use crate::surveys::models::QuestionKind;

    #[test]
    fn a_translation_relabels_the_options_it_has() {
        let questions = [question(1, QuestionKind::Single, 2), question(2, QuestionKind::Text, 0)];
        let t = |text: &str, options: &[&str]| TranslatedQuestion {
            text: text.into(),
            options: options.iter().map(|o| o.to_string()).collect(),
        };
        let input = BTreeMap::from([
            (QuestionId(1), t("Question", &[" yes ", "no"])),
            (QuestionId(2), t("Text", &[])),
        ]);
        let rows = translated_rows(&questions, &input).unwrap();
        assert_eq!(
            rows[0],
            (QuestionId(1), "Question".into(), r#"[{"label":"yes"},{"label":"no"}]"#.into())
        );
        assert_eq!(rows[1], (QuestionId(2), "Text".into(), "[]".into()));
        let untranslated = BTreeMap::from([(QuestionId(1), t("Question", &[]))]);
        let rows = translated_rows(&questions, &untranslated).unwrap();
        assert!(rows[0].2.contains("Option 0"), "German labels kept");
        for bad in [
            BTreeMap::from([(QuestionId(1), t("Question", &["only one"]))]),
            BTreeMap::from([(QuestionId(1), t("", &[]))]),
            BTreeMap::from([(QuestionId(3), t("Foreign", &[]))]),
        ] {
            let e = translated_rows(&questions, &bad).unwrap_err();
            assert_eq!(e.field(), Some("questions"));
        }
    }

    proptest::proptest! {
        /// Whatever is translated: the parts add up, the missing ones are named, and a
        /// survey is complete exactly when nothing is missing.
        #[test]
        fn completeness_adds_up(
            kinds in proptest::collection::vec((0usize..4, proptest::bool::ANY, proptest::bool::ANY), 0..8),
            title in proptest::bool::ANY, intro in proptest::bool::ANY, has_intro in proptest::bool::ANY,
        ) {
            let questions: Vec<Question> = (1..)
                .zip(&kinds)
                .map(|(id, (options, _, _))| {
                    let kind = if *options == 0 { QuestionKind::Text } else { QuestionKind::Single };
                    question(id, kind, if *options == 0 { 0 } else { options + 1 })
                })
                .collect();
            let mut translated = BTreeMap::new();
            for (q, (_, text, relabel)) in questions.iter().zip(&kinds) {
                let mut options = q.options();
                if *relabel {
                    for o in &mut options {
                        o.label = format!("{} (ar)", o.label);
                    }
                }
                if *text || *relabel {
                    let t = if *text { "نص".to_string() } else { String::new() };
                    translated.insert(q.id, (t, serde_json::to_string(&options).unwrap()));
                }
            }
            let translation = (if title { "عنوان" } else { "" }.to_string(), if intro { "مقدمة" } else { "" }.to_string());
            let german_intro = if has_intro { "Einleitung" } else { "" };
            let c = completeness_of("ar", german_intro, &questions, Some(&translation), &translated);
            let with_options = kinds.iter().filter(|(o, _, _)| *o > 0).count();
            proptest::prop_assert_eq!(c.total, 1 + usize::from(has_intro) + kinds.len() + with_options);
            let expected = usize::from(title)
                + usize::from(has_intro && intro)
                + kinds.iter().filter(|(_, t, _)| *t).count()
                + kinds.iter().filter(|(o, _, r)| *o > 0 && *r).count();
            proptest::prop_assert_eq!(c.done, expected);
            proptest::prop_assert_eq!(c.done + c.missing.len(), c.total);
            proptest::prop_assert_eq!(c.complete, c.missing.is_empty());
        }
    }
}
