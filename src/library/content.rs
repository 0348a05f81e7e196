//! What a template holds: a course (modules with descriptions and translations, the
//! completion rule) or a survey (questions, groups, translations), as stored JSON of one
//! version; and the differences between two versions, in words a coordinator reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A module's title and description in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TitleText {
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModuleContent {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub duration_minutes: i32,
    #[serde(default)]
    pub mandatory: bool,
    /// Language code → title and description.
    #[serde(default)]
    pub translations: BTreeMap<String, TitleText>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CourseContent {
    /// The code the copy gets if it is free in the organisation (`MS-5`).
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The completion rule: the share of sessions to attend (none: the mandatory modules).
    pub min_attendance_percent: Option<i32>,
    /// The final test: its points (none: no test), the points to pass, and how many
    /// questions must be answered correctly.
    pub test_max_points: Option<i32>,
    pub test_pass_points: Option<i32>,
    #[serde(default)]
    pub test_must_pass_questions: i32,
    /// Language code → the course title.
    #[serde(default)]
    pub title_translations: BTreeMap<String, String>,
    pub modules: Vec<ModuleContent>,
}

/// The survey's title and introduction in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct SurveyText {
    pub title: String,
    pub introduction: String,
}

/// A question's text and option labels in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct QuestionText {
    pub text: String,
    pub options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuestionContent {
    /// `single`, `multiple`, `scale`, `text`, `number` (`rank` becomes `multiple` with the
    /// modules as options: a copy has no course of the publisher).
    pub kind: String,
    pub text: String,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub required: bool,
    /// Stakeholder groups that see it; empty: the whole audience.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub min_value: Option<i32>,
    #[serde(default)]
    pub max_value: Option<i32>,
    #[serde(default)]
    pub max_length: Option<i32>,
    /// Language code → text and options.
    #[serde(default)]
    pub translations: BTreeMap<String, QuestionText>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SurveyContent {
    pub title: String,
    #[serde(default)]
    pub introduction: String,
    #[serde(default)]
    pub anonymous: bool,
    pub audience: Vec<String>,
    #[serde(default)]
    pub open_groups: Vec<String>,
    /// Language code → title and introduction.
    #[serde(default)]
    pub translations: BTreeMap<String, SurveyText>,
    pub questions: Vec<QuestionContent>,
}

/// One version's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    Course(CourseContent),
    Survey(SurveyContent),
}

impl Content {
    pub fn title(&self) -> &str {
        match self {
            Content::Course(c) => &c.title,
            Content::Survey(s) => &s.title,
        }
    }
}

/// One difference between two versions: what changed, in German.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Difference {
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    /// What it is about: "Modul 2 „Rechte und Pflichten“".
    pub what: String,
    /// The old and new value where it is one text.
    pub before: Option<String>,
    pub after: Option<String>,
}

fn changed(out: &mut Vec<Difference>, what: &str, before: &str, after: &str) {
    if before != after {
        out.push(Difference {
            change: "changed",
            what: what.to_string(),
            before: Some(before.to_string()),
            after: Some(after.to_string()),
        });
    }
}

fn words(key: &'static str) -> String {
    crate::i18n::text(crate::i18n::DEFAULT_LANG, key)
}

/// "Modul 2 „Lüften“: Übersetzung ar"
fn translation(what: &str, lang: &str) -> String {
    crate::i18n::Text::key("library.diff.translation")
        .arg("what", what)
        .arg("lang", lang)
        .render(crate::i18n::DEFAULT_LANG)
}

fn opt(v: Option<i32>) -> String {
    v.map_or_else(|| "–".to_string(), |n| n.to_string())
}

fn languages<T: PartialEq>(
    out: &mut Vec<Difference>, what: &str, a: &BTreeMap<String, T>, b: &BTreeMap<String, T>,
) {
    for (lang, text) in b {
        match a.get(lang) {
            None => out.push(Difference {
                change: "added",
                what: translation(what, lang),
                before: None,
                after: None,
            }),
            Some(old) if old != text => out.push(Difference {
                change: "changed",
                what: translation(what, lang),
                before: None,
                after: None,
            }),
            Some(_) => {}
        }
    }
    for lang in a.keys().filter(|l| !b.contains_key(*l)) {
        out.push(Difference {
            change: "removed",
            what: translation(what, lang),
            before: None,
            after: None,
        });
    }
}

/// Lists matched by position: the n-th of the old and the n-th of the new are the same
/// item; the rest were added or removed.
fn listed<T>(
    out: &mut Vec<Difference>, a: &[T], b: &[T], name: impl Fn(usize, &T) -> String,
    each: impl Fn(&mut Vec<Difference>, &str, &T, &T),
) {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        each(out, &name(i, y), x, y);
    }
    for (i, y) in b.iter().enumerate().skip(a.len()) {
        out.push(Difference { change: "added", what: name(i, y), before: None, after: None });
    }
    for (i, x) in a.iter().enumerate().skip(b.len()) {
        out.push(Difference { change: "removed", what: name(i, x), before: None, after: None });
    }
}

/// What changed from `a` to `b` (two versions of one template).
pub fn differences(a: &Content, b: &Content) -> Vec<Difference> {
    let mut out = Vec::new();
    match (a, b) {
        (Content::Course(a), Content::Course(b)) => {
            changed(&mut out, "Titel", &a.title, &b.title);
            changed(&mut out, "Beschreibung", &a.description, &b.description);
            changed(
                &mut out,
                "Mindestanwesenheit (%)",
                &opt(a.min_attendance_percent),
                &opt(b.min_attendance_percent),
            );
            changed(
                &mut out,
                "Abschlusstest: Punkte",
                &opt(a.test_max_points),
                &opt(b.test_max_points),
            );
            changed(
                &mut out,
                "Abschlusstest: zum Bestehen",
                &opt(a.test_pass_points),
                &opt(b.test_pass_points),
            );
            changed(
                &mut out,
                "Abschlusstest: Pflichtfragen",
                &a.test_must_pass_questions.to_string(),
                &b.test_must_pass_questions.to_string(),
            );
            languages(&mut out, "Titel", &a.title_translations, &b.title_translations);
            listed(
                &mut out,
                &a.modules,
                &b.modules,
                |i, m| format!("Modul {} „{}“", i + 1, m.title),
                |out, what, x, y| {
                    changed(out, &format!("{what}: Titel"), &x.title, &y.title);
                    changed(out, &format!("{what}: Beschreibung"), &x.description, &y.description);
                    changed(
                        out,
                        &format!("{what}: Dauer (Minuten)"),
                        &x.duration_minutes.to_string(),
                        &y.duration_minutes.to_string(),
                    );
                    changed(
                        out,
                        &format!("{what}: Pflichtmodul"),
                        if x.mandatory { "ja" } else { "nein" },
                        if y.mandatory { "ja" } else { "nein" },
                    );
                    languages(out, what, &x.translations, &y.translations);
                },
            );
        }
        (Content::Survey(a), Content::Survey(b)) => {
            changed(&mut out, "Titel", &a.title, &b.title);
            changed(&mut out, "Einleitung", &a.introduction, &b.introduction);
            changed(&mut out, "Anonym", &a.anonymous.to_string(), &b.anonymous.to_string());
            changed(&mut out, "Befragte Gruppen", &a.audience.join(", "), &b.audience.join(", "));
            languages(
                &mut out,
                &words("library.diff.title_intro"),
                &a.translations,
                &b.translations,
            );
            listed(
                &mut out,
                &a.questions,
                &b.questions,
                |i, q| format!("Frage {} „{}“", i + 1, q.text),
                |out, what, x, y| {
                    changed(out, &format!("{what}: Text"), &x.text, &y.text);
                    changed(out, &format!("{what}: Art"), &x.kind, &y.kind);
                    changed(out, &format!("{what}: Hilfetext"), &x.help, &y.help);
                    changed(
                        out,
                        &format!("{what}: Antworten"),
                        &x.options.join(" | "),
                        &y.options.join(" | "),
                    );
                    changed(
                        out,
                        &format!("{what}: Gruppen"),
                        &x.groups.join(", "),
                        &y.groups.join(", "),
                    );
                    changed(
                        out,
                        &format!("{what}: Pflichtfrage"),
                        if x.required { "ja" } else { "nein" },
                        if y.required { "ja" } else { "nein" },
                    );
                    languages(out, what, &x.translations, &y.translations);
                },
            );
        }
        _ => out.push(Difference {
            change: "changed",
            what: words("library.diff.kind"),
            before: None,
            after: None,
        }),
    }
    out
}

/// The programme's starter set, shipped with the service.
pub fn starter_course() -> CourseContent {
    serde_json::from_str(include_str!("starter/course.json")).expect("starter course")
}

pub fn starter_survey() -> SurveyContent {
    serde_json::from_str(include_str!("starter/survey.json")).expect("starter survey")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(title: &str) -> ModuleContent {
        ModuleContent {
            title: title.into(),
            description: String::new(),
            duration_minutes: 90,
            mandatory: true,
            translations: BTreeMap::new(),
        }
    }

    fn course(modules: &[&str]) -> Content {
        Content::Course(CourseContent {
            code: "MS".into(),
            title: "Mietschulung".into(),
            description: String::new(),
            min_attendance_percent: None,
            test_max_points: None,
            test_pass_points: None,
            test_must_pass_questions: 0,
            title_translations: BTreeMap::new(),
            modules: modules.iter().map(|m| module(m)).collect(),
        })
    }

    #[test]
    fn the_same_version_has_no_differences() {
        let c = course(&["A", "B"]);
        assert!(differences(&c, &c).is_empty());
    }

    #[test]
    fn an_added_module_and_a_changed_title_are_named() {
        let d = differences(&course(&["A", "B"]), &course(&["A", "B2", "C"]));
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].change, "changed");
        assert_eq!(d[0].before.as_deref(), Some("B"));
        assert_eq!(d[1].change, "added");
        assert!(d[1].what.contains("Modul 3 „C“"), "{d:?}");
        let back = differences(&course(&["A", "B2", "C"]), &course(&["A"]));
        assert_eq!(back.iter().filter(|x| x.change == "removed").count(), 2);
    }

    #[test]
    fn a_new_translation_is_a_difference() {
        let a = course(&["A"]);
        let mut b = a.clone();
        if let Content::Course(c) = &mut b {
            c.modules[0].translations.insert("ar".into(), TitleText::default());
        }
        let d = differences(&a, &b);
        assert_eq!(d.len(), 1);
        assert!(d[0].what.contains("Übersetzung ar"));
    }

    #[test]
    fn the_starter_set_reads() {
        let c = starter_course();
        assert_eq!(c.modules.len(), 5);
        let s = starter_survey();
        assert!(s.questions.len() >= 10);
        assert_eq!(
            s.questions[0].options,
            crate::programmes::figures::MODULE_TOPICS.map(String::from).to_vec(),
            "the programme counts the answers to the topics question by these words"
        );
        let titles: Vec<&str> = c.modules.iter().map(|m| m.title.as_str()).collect();
        assert_eq!(titles, crate::programmes::figures::MODULE_TOPICS);
    }
}
