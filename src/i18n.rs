//! UI texts from `locales/<lang>.json`, embedded in the binary. German is complete and the
//! fallback; other languages may translate any subset.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(rust_embed::Embed)]
#[folder = "locales/"]
#[include = "*.json"]
// Certificate texts have their own shape and loader (certificates::pdf).
#[exclude = "certificate.json"]
struct LocaleFiles;

pub const DEFAULT_LANG: &str = "de";

/// Languages the UI ships texts for, with their writing direction.
pub const UI_LANGUAGES: &[(&str, &str)] = &[("de", "Deutsch"), ("en", "English")];

/// Languages a participant may prefer (interpreter and future translations).
pub const PARTICIPANT_LANGUAGES: &[(&str, &str)] = &[
    ("de", "Deutsch"),
    ("en", "English"),
    ("ar", "العربية"),
    ("fa", "فارسی / دری"),
    ("uk", "Українська"),
    ("ru", "Русский"),
    ("tr", "Türkçe"),
    ("ti", "ትግርኛ"),
    ("ps", "پښتو"),
    (EASY_GERMAN, "Leichte Sprache"),
];

/// German in Leichte Sprache: chosen like a language, its texts in `locales/de-simple.json`
/// (the code the design names; no real language's code has this form); pages in it say
/// `lang="de"`, which is what screen readers and hyphenation need.
pub const EASY_GERMAN: &str = "de-simple";

/// What a participant or respondent reads: every key of `locales/de.json` named here (an
/// entry ending in `.` names every key that starts with it) must be in every participant
/// language, with the same `{places}` (`participant_texts_incomplete`, checked in CI). The
/// `own.renew*` keys are the coordinator's and excluded below.
pub const PARTICIPANT_KEYS: &[&str] = &[
    // The generic error page of the public pages (`web::in_readers_language`): its frame
    // and what a link without login can be answered.
    "error.form_expired",
    "error.form_invalid",
    "error.form_too_large",
    "error.form_unreadable",
    "error.home",
    "error.internal",
    "error.no_such_address",
    "error.no_such_entry",
    "error.no_such_page",
    "error.not_found",
    "error.query_invalid",
    "error.rate_limited",
    "error.reminders.link_invalid",
    "error.title",
    "error.unavailable",
    "footer.statement",
    "footer.text",
    "nav.skip",
    "thing.organisation",
    "thing.session",
    // The accessibility statement's page and feedback form (the statement itself is a
    // legal text in German and English only: `accessibility::public`).
    "error.email",
    "error.invisible",
    "error.one_line",
    "error.required",
    "error.too_long",
    "form.error_heading",
    "statement.email_hint",
    "statement.feedback_heading",
    "statement.feedback_sent",
    "statement.heading",
    "statement.label_message",
    "statement.label_sender_email",
    "statement.label_sender_name",
    "statement.legal_text_note",
    "statement.message_hint",
    "statement.optional",
    "statement.privacy",
    "statement.send",
    "statement.title",
    "access.anonymous_note",
    // The columns of the person's own data; the other columns of the disclosure stay German
    // beside the translated section headings.
    "access.col.consent_date",
    "access.col.created_at",
    "access.col.email",
    "access.col.family_name",
    "access.col.given_name",
    "access.col.language",
    "access.col.phone",
    "access.intro",
    "access.section.",
    "access.title.export",
    "apology.",
    "calendar.ics.",
    "error.surveys.no_open_link",
    "error.surveys.unknown_link",
    "mail.participant.",
    "own.",
    "respond.",
    "survey.answer.",
    "svy.sheet.",
];

/// Keys under [`PARTICIPANT_KEYS`] that only staff read.
const STAFF_KEYS: &[&str] = &["own.renew", "own.thing"];

static CATALOG: LazyLock<HashMap<String, HashMap<String, String>>> = LazyLock::new(|| {
    let mut all = HashMap::new();
    for file in LocaleFiles::iter() {
        let Some(lang) = file.strip_suffix(".json") else {
            continue;
        };
        let Some(content) = LocaleFiles::get(&file) else {
            continue;
        };
        match serde_json::from_slice::<HashMap<String, String>>(&content.data) {
            Ok(map) => {
                all.insert(lang.to_string(), map);
            }
            Err(e) => tracing::error!(%file, error = %e, "locale file is not a flat JSON map"),
        }
    }
    all
});

pub fn text(lang: &str, key: &str) -> String {
    CATALOG
        .get(lang)
        .and_then(|m| m.get(key))
        .or_else(|| CATALOG.get(DEFAULT_LANG).and_then(|m| m.get(key)))
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

/// Whether `lang` has its own words for `key` (not the German fallback).
pub fn has_text(lang: &str, key: &str) -> bool {
    CATALOG.get(lang).is_some_and(|m| m.contains_key(key))
}

/// The text in `lang` only where that language has it (no German fallback): for words
/// shown beside the German ones, which would otherwise repeat them.
pub fn translated(lang: &str, key: &str) -> Option<String> {
    CATALOG.get(lang).and_then(|m| m.get(key)).cloned()
}

/// A participant language as a form option.
#[derive(Debug, serde::Serialize)]
pub struct LanguageOption {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

/// The participant languages as form options, with the given ones selected.
pub fn language_options(selected: &[&str]) -> Vec<LanguageOption> {
    PARTICIPANT_LANGUAGES
        .iter()
        .map(|(code, name)| LanguageOption { code, name, selected: selected.contains(code) })
        .collect()
}

/// A sentence for a person: a key into `locales/` with named arguments, put into words in
/// the reader's language when shown (German when no language is known). `Plain` is for
/// what a person typed (a survey's title, a name), never for a sentence of the service.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    Key { key: &'static str, args: Vec<(&'static str, Arg)> },
    Plain(String),
}

/// What fills a sentence's `{name}`: a value as it is (a number, a name a person typed),
/// or words of its own, put into the same language as the sentence.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Value(String),
    Words(Text),
    /// Several sentences or words, joined by the language's `list.separator`.
    List(Vec<Text>),
}

impl Text {
    pub fn key(key: &'static str) -> Text {
        Text::Key { key, args: Vec::new() }
    }

    /// Adds the argument `{name}` of the sentence, as it is.
    pub fn arg(self, name: &'static str, value: impl ToString) -> Text {
        self.with(name, Arg::Value(value.to_string()))
    }

    /// Adds the argument `{name}` as words of its own (a field's label, a reason), put
    /// into the reader's language with the sentence.
    pub fn arg_text(self, name: &'static str, words: Text) -> Text {
        self.with(name, Arg::Words(words))
    }

    /// Adds the argument `{name}` as the words of a key (a field's label).
    pub fn arg_key(self, name: &'static str, key: &'static str) -> Text {
        self.arg_text(name, Text::key(key))
    }

    /// Adds the argument `{name}` as a list of words, each in the reader's language.
    pub fn arg_list(self, name: &'static str, items: Vec<Text>) -> Text {
        self.with(name, Arg::List(items))
    }

    fn with(mut self, name: &'static str, value: Arg) -> Text {
        if let Text::Key { args, .. } = &mut self {
            args.push((name, value));
        }
        self
    }

    /// The locale key, unless the text is what a person typed.
    pub fn key_name(&self) -> Option<&'static str> {
        match self {
            Text::Key { key, .. } => Some(key),
            Text::Plain(_) => None,
        }
    }

    pub fn render(&self, lang: &str) -> String {
        match self {
            Text::Key { key, args } => {
                let args: Vec<(&'static str, String)> =
                    args.iter().map(|(name, value)| (*name, value.render(lang))).collect();
                fill(&text(lang, key), &args)
            }
            Text::Plain(s) => s.clone(),
        }
    }
}

impl Arg {
    fn render(&self, lang: &str) -> String {
        match self {
            Arg::Value(v) => v.clone(),
            Arg::Words(t) => t.render(lang),
            Arg::List(items) => items
                .iter()
                .map(|t| t.render(lang))
                .collect::<Vec<_>>()
                .join(&text(lang, "list.separator")),
        }
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(DEFAULT_LANG))
    }
}

// TODO(merge): files other helpers own right now still build errors from German strings
// (`AppError::invalid(field, "…")`, `NotFound("…".into())`); remove these two impls once
// they use keys, so a sentence in code no longer compiles into a `Text`.
/// Puts the arguments into a sentence's `{name}` places; an argument never is read as a
/// place itself, so user text in it stays as typed.
pub fn fill<N: AsRef<str>>(template: &str, args: &[(N, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| n.as_ref() == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn is_rtl(lang: &str) -> bool {
    matches!(lang, "ar" | "fa" | "ps")
}

/// `rtl` or `ltr`, for `dir` attributes.
pub fn direction(lang: &str) -> &'static str {
    if is_rtl(lang) {
        "rtl"
    } else {
        "ltr"
    }
}

/// The `lang` attribute of a page or mail in `code`: Leichte Sprache is German.
pub fn html_lang(code: &str) -> &str {
    if code == EASY_GERMAN {
        DEFAULT_LANG
    } else {
        code
    }
}

/// The keys a participant or respondent reads, from `locales/de.json`, sorted.
pub fn participant_keys() -> Vec<&'static str> {
    let Some(de) = CATALOG.get(DEFAULT_LANG) else {
        return Vec::new();
    };
    let mut keys: Vec<&'static str> = de
        .keys()
        .filter(|k| {
            PARTICIPANT_KEYS.iter().any(|p| {
                if p.ends_with('.') {
                    k.starts_with(p)
                } else {
                    k.as_str() == *p
                }
            })
        })
        .filter(|k| !STAFF_KEYS.iter().any(|p| k.starts_with(p)))
        .map(|k| -> &'static str { k.as_str() })
        .collect();
    keys.sort_unstable();
    keys
}

/// The `{places}` of a sentence, sorted, each once.
pub fn places(sentence: &str) -> Vec<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut rest = sentence;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        found.insert(after[..close].to_string());
        rest = &after[close + 1..];
    }
    found.into_iter().collect()
}

/// What keeps the participant texts from being complete: `lang: key missing` or
/// `lang: key has {a} where German has {b}`, for every participant language.
pub fn participant_texts_incomplete() -> Vec<String> {
    let mut problems = Vec::new();
    for (lang, _) in PARTICIPANT_LANGUAGES.iter().filter(|(l, _)| *l != DEFAULT_LANG) {
        for key in participant_keys() {
            let german = places(&text(DEFAULT_LANG, key));
            match CATALOG.get(*lang).and_then(|m| m.get(key)) {
                None => problems.push(format!("{lang}: {key} missing")),
                Some(t) if t.trim().is_empty() => problems.push(format!("{lang}: {key} empty")),
                Some(t) if places(t) != german => problems.push(format!(
                    "{lang}: {key} has {{{}}} where German has {{{}}}",
                    places(t).join("}, {"),
                    german.join("}, {")
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

pub fn is_participant_language(code: &str) -> bool {
    PARTICIPANT_LANGUAGES.iter().any(|(c, _)| *c == code)
}

pub fn participant_language_name(code: &str) -> &'static str {
    PARTICIPANT_LANGUAGES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n).unwrap_or("")
}

/// Every key in German must exist; other languages may omit keys but not invent them.
pub fn missing_keys() -> Vec<String> {
    let Some(de) = CATALOG.get(DEFAULT_LANG) else {
        return vec!["locales/de.json".into()];
    };
    let mut missing = Vec::new();
    for (lang, map) in CATALOG.iter() {
        for key in map.keys() {
            if !de.contains_key(key) {
                missing.push(format!("{lang}:{key}"));
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_fills_its_places_in_the_readers_language() {
        let t = Text::key("error.required").arg("label", "Titel");
        assert_eq!(t.render("de"), "Bitte geben Sie „Titel“ an.");
        assert_eq!(t.render("en"), "Please enter “Titel”.");
        // A language without the key (a coordinator's sentence) falls back to German.
        let staff = Text::key("error.date").arg("label", "Beginn");
        assert_eq!(staff.render("ti"), staff.render("de"));
        assert_eq!(staff.render("de"), "„Beginn“ ist kein gültiges Datum (TT.MM.JJJJ).");
    }

    #[test]
    fn an_argument_is_never_read_as_a_place() {
        let t = Text::key("error.required").arg("label", "{label} {max}");
        assert_eq!(t.render("de"), "Bitte geben Sie „{label} {max}“ an.");
        assert_eq!(fill("{a}{b", &[("a", "x".into())]), "x{b");
        assert_eq!(fill::<&str>("{unknown}", &[]), "{unknown}");
    }
}
