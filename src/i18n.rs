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
];

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
        .map(|(code, name)| LanguageOption {
            code,
            name,
            selected: selected.contains(code),
        })
        .collect()
}

pub fn is_rtl(lang: &str) -> bool {
    matches!(lang, "ar" | "fa" | "ps")
}

pub fn is_participant_language(code: &str) -> bool {
    PARTICIPANT_LANGUAGES.iter().any(|(c, _)| *c == code)
}

pub fn participant_language_name(code: &str) -> &'static str {
    PARTICIPANT_LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
        .unwrap_or("")
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
