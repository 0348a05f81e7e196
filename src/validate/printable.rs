//! Which text the certificate can print, decided from the certificate fonts themselves.
//!
//! Every field printed on a certificate (names, course and module titles, place, issuer,
//! signatory) is checked here when it is entered, so issuing never meets a character it
//! cannot draw. The renderer (`certificates::pdf`) checks documents with the same function,
//! and a property test there holds the two together. The fonts live here rather than in
//! `certificates::pdf` because organisations, which sit below printing, check their
//! issuer and signatory with it.
//!
//! A character is printable when it is no line break, control, bidi or invisible character
//! and the font it is drawn with has a glyph for it: Noto Sans regular and bold for every
//! field; in names also Noto Sans Arabic for Arabic-script letters (names are shaped).

use std::sync::OnceLock;

use printpdf::ParsedFont;
use unicode_normalization::UnicodeNormalization;

use super::{is_bidi_control, is_invisible};
use crate::error::AppError;
use crate::i18n::Text;

pub const FONT_REGULAR: &[u8] = include_bytes!("../../fonts/NotoSans-Regular.ttf");
pub const FONT_BOLD: &[u8] = include_bytes!("../../fonts/NotoSans-Bold.ttf");
pub const FONT_ARABIC: &[u8] = include_bytes!("../../fonts/NotoSansArabic-Regular.ttf");

/// How a field is printed: plain text in the Latin faces, or a name, shaped, so Arabic
/// script prints too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Printed {
    Text,
    Name,
}

/// Why a character cannot be printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    LineBreak,
    /// Control, bidi and invisible characters: nothing to see, but they change the text.
    Control,
    /// The fonts have no glyph: it would print as an empty box.
    NoGlyph,
}

/// The first character of a text that cannot be printed, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unprintable {
    pub c: char,
    pub flaw: Flaw,
}

impl Unprintable {
    /// `U+202E RIGHT-TO-LEFT OVERRIDE` for what cannot be seen, `„😀“ (U+1F600)` else.
    pub fn describe(&self) -> String {
        let code = format!("U+{:04X}", u32::from(self.c));
        match (self.flaw, control_name(self.c)) {
            (Flaw::NoGlyph, _) => format!("„{}“ ({code})", self.c),
            (_, Some(name)) => format!("{code} {name}"),
            (_, None) => code,
        }
    }

    /// The refusal of field `field` (label key `label`), naming the character.
    pub fn error(&self, field: &'static str, label: &'static str) -> AppError {
        let key = match self.flaw {
            Flaw::LineBreak => "error.printed.line_break",
            Flaw::Control => "error.printed.control",
            Flaw::NoGlyph => "error.printed.no_glyph",
        };
        AppError::invalid(
            field,
            Text::key(key).arg_key("label", label).arg("char", self.describe()),
        )
    }
}

/// The first character of `text` (after NFC normalisation, as printed) that cannot be
/// printed as `kind`.
pub fn first_unprintable(text: &str, kind: Printed) -> Option<Unprintable> {
    let faces = faces();
    let arabic_text = kind == Printed::Name && text.chars().any(is_arabic_script);
    text.nfc().find_map(|c| {
        let flaw = if matches!(
            c,
            '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        ) {
            Flaw::LineBreak
        } else if c.is_control() || is_bidi_control(c) || is_invisible(c) {
            Flaw::Control
        } else if faces.is_some_and(|f| f.draws(c, kind, arabic_text)) {
            return None;
        } else {
            Flaw::NoGlyph
        };
        Some(Unprintable { c, flaw })
    })
}

/// Whether a stored text prints as it is (for reports over stored data).
pub fn is_printable(text: &str, kind: Printed) -> bool {
    first_unprintable(text, kind).is_none()
}

/// A printed field as entered: trimmed, required, at most `max_chars`, NFC, and printable
/// as `kind`; the refusal names the field and the first character that is not.
pub fn printed_text(
    field: &'static str, label: &'static str, value: &str, max_chars: usize, kind: Printed,
) -> Result<String, AppError> {
    let v = super::required_within(field, label, value, max_chars)?;
    if let Some(bad) = first_unprintable(v, kind) {
        return Err(bad.error(field, label));
    }
    Ok(v.nfc().collect())
}

/// [`printed_text`] for a field that may be left empty.
pub fn optional_printed_text(
    field: &'static str, label: &'static str, value: Option<&str>, max_chars: usize, kind: Printed,
) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => printed_text(field, label, v, max_chars, kind).map(Some),
    }
}

/// Arabic letters and marks, which names print with the Arabic face.
pub fn is_arabic_script(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{08A0}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}')
}

/// Joiners steer Arabic and Persian letter forms and print as nothing.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

struct Faces {
    regular: ParsedFont,
    bold: ParsedFont,
    arabic: ParsedFont,
}

impl Faces {
    fn draws(&self, c: char, kind: Printed, arabic_text: bool) -> bool {
        let has = |f: &ParsedFont| f.lookup_glyph_index(u32::from(c)).is_some_and(|g| g != 0);
        if kind == Printed::Name && is_arabic_script(c) {
            return has(&self.arabic);
        }
        if arabic_text && is_joiner(c) {
            return true;
        }
        has(&self.regular) && has(&self.bold)
    }
}

/// The fonts, parsed once; `None` only if the embedded files were damaged, and then
/// nothing counts as printable.
fn faces() -> Option<&'static Faces> {
    static FACES: OnceLock<Option<Faces>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            let parse = |bytes| ParsedFont::from_bytes(bytes, 0, &mut Vec::new());
            Some(Faces {
                regular: parse(FONT_REGULAR)?,
                bold: parse(FONT_BOLD)?,
                arabic: parse(FONT_ARABIC)?,
            })
        })
        .as_ref()
}

/// Unicode names of the characters a person cannot see, so a message can name them.
fn control_name(c: char) -> Option<&'static str> {
    const C0: [&str; 32] = [
        "NULL",
        "START OF HEADING",
        "START OF TEXT",
        "END OF TEXT",
        "END OF TRANSMISSION",
        "ENQUIRY",
        "ACKNOWLEDGE",
        "BELL",
        "BACKSPACE",
        "CHARACTER TABULATION",
        "LINE FEED",
        "LINE TABULATION",
        "FORM FEED",
        "CARRIAGE RETURN",
        "SHIFT OUT",
        "SHIFT IN",
        "DATA LINK ESCAPE",
        "DEVICE CONTROL ONE",
        "DEVICE CONTROL TWO",
        "DEVICE CONTROL THREE",
        "DEVICE CONTROL FOUR",
        "NEGATIVE ACKNOWLEDGE",
        "SYNCHRONOUS IDLE",
        "END OF TRANSMISSION BLOCK",
        "CANCEL",
        "END OF MEDIUM",
        "SUBSTITUTE",
        "ESCAPE",
        "INFORMATION SEPARATOR FOUR",
        "INFORMATION SEPARATOR THREE",
        "INFORMATION SEPARATOR TWO",
        "INFORMATION SEPARATOR ONE",
    ];
    if let Some(name) = C0.get(c as usize) {
        return Some(name);
    }
    Some(match c {
        '\u{7F}' => "DELETE",
        '\u{85}' => "NEXT LINE",
        '\u{061C}' => "ARABIC LETTER MARK",
        '\u{115F}' => "HANGUL CHOSEONG FILLER",
        '\u{1160}' => "HANGUL JUNGSEONG FILLER",
        '\u{180E}' => "MONGOLIAN VOWEL SEPARATOR",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2061}' => "FUNCTION APPLICATION",
        '\u{2062}' => "INVISIBLE TIMES",
        '\u{2063}' => "INVISIBLE SEPARATOR",
        '\u{2064}' => "INVISIBLE PLUS",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{3164}' => "HANGUL FILLER",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        '\u{FFA0}' => "HALFWIDTH HANGUL FILLER",
        _ => return None,
    })
}

/// Letters of the scripts whose look-alikes pass for each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookAlike {
    Latin,
    Greek,
    Cyrillic,
}

impl LookAlike {
    fn of(c: char) -> Option<Self> {
        if !c.is_alphabetic() {
            return None;
        }
        match u32::from(c) {
            0x41..=0x5A | 0x61..=0x7A | 0xAA | 0xBA | 0xC0..=0x24F | 0x1E00..=0x1EFF => {
                Some(Self::Latin)
            }
            0x370..=0x3FF | 0x1F00..=0x1FFF => Some(Self::Greek),
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => {
                Some(Self::Cyrillic)
            }
            _ => None,
        }
    }

    /// The key of the script's adjective (`script.cyrillic`: "kyrillische").
    pub fn key(self) -> &'static str {
        match self {
            Self::Latin => "script.latin",
            Self::Greek => "script.greek",
            Self::Cyrillic => "script.cyrillic",
        }
    }
}

/// A word of a name whose letters come from two look-alike scripts ("Mаria" with a
/// Cyrillic "а"): the word, its main script, the other script and the letters in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixedWord {
    pub word: String,
    pub main: LookAlike,
    pub other: LookAlike,
    pub letters: Vec<char>,
}

/// The first word of `name` that mixes Latin, Greek or Cyrillic letters. A name wholly in
/// one script, or with words in different scripts, is not mixed; Arabic is no look-alike.
pub fn mixed_script_word(name: &str) -> Option<MixedWord> {
    name.split_whitespace().find_map(|word| {
        let scripts: Vec<(char, LookAlike)> =
            word.chars().filter_map(|c| LookAlike::of(c).map(|s| (c, s))).collect();
        let count = |s: LookAlike| scripts.iter().filter(|(_, t)| *t == s).count();
        let mut present: Vec<LookAlike> = [LookAlike::Latin, LookAlike::Greek, LookAlike::Cyrillic]
            .into_iter()
            .filter(|s| count(*s) > 0)
            .collect();
        if present.len() < 2 {
            return None;
        }
        // The script most letters are in is what the word was meant to be.
        present.sort_by_key(|s| std::cmp::Reverse(count(*s)));
        let (main, other) = (present[0], present[1]);
        let mut letters: Vec<char> =
            scripts.iter().filter(|(_, s)| *s != main).map(|(c, _)| *c).collect();
        letters.dedup();
        Some(MixedWord { word: word.to_string(), main, other, letters })
    })
}

impl MixedWord {
    /// The warning a coordinator confirms: which word, which scripts, which letters.
    pub fn warning(&self) -> Text {
        let letters: Vec<String> =
            self.letters.iter().map(|c| format!("„{c}“ (U+{:04X})", u32::from(*c))).collect();
        Text::key("warning.mixed_script")
            .arg("word", &self.word)
            .arg_key("main", self.main.key())
            .arg_key("other", self.other.key())
            .arg("letters", letters.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_the_character_and_why() {
        let bad = |s: &str, k| first_unprintable(s, k).map(|u| (u.flaw, u.describe()));
        assert_eq!(
            bad("Anna\nBerg", Printed::Text),
            Some((Flaw::LineBreak, "U+000A LINE FEED".into()))
        );
        assert_eq!(
            bad("abc\u{202E}fdp", Printed::Name),
            Some((Flaw::Control, "U+202E RIGHT-TO-LEFT OVERRIDE".into()))
        );
        assert_eq!(bad("a\u{7}b", Printed::Text), Some((Flaw::Control, "U+0007 BELL".into())));
        assert_eq!(bad("Anna 😀", Printed::Name), Some((Flaw::NoGlyph, "„😀“ (U+1F600)".into())));
        assert_eq!(bad("王芳", Printed::Name).map(|b| b.0), Some(Flaw::NoGlyph));
        // Arabic prints in names only: the other fields use the Latin faces.
        assert_eq!(bad("محمد", Printed::Text).map(|b| b.0), Some(Flaw::NoGlyph));
        assert_eq!(bad("محمد الأحمد", Printed::Name), None);
        assert_eq!(bad("Олена Шевченко-Ґалаґан", Printed::Name), None);
        assert_eq!(bad("Jürgen Müller „x“ – ß Ωμέγα", Printed::Text), None);
    }

    #[test]
    fn mixed_scripts_are_found_in_one_word_only() {
        let w = mixed_script_word("Mаria Berg").expect("Cyrillic а in Maria");
        assert_eq!(
            (w.word.as_str(), w.main, w.other),
            ("Mаria", LookAlike::Latin, LookAlike::Cyrillic)
        );
        assert_eq!(w.letters, vec!['а']);
        assert!(mixed_script_word("Олена Шевченко").is_none());
        assert!(mixed_script_word("محمد علي").is_none());
        assert!(mixed_script_word("Anna Олена").is_none());
        assert!(mixed_script_word("Αlexis").is_some(), "Greek capital alpha");
    }

    proptest! {
        /// Nothing a line break, control, bidi or invisible character is ever printable,
        /// wherever it stands.
        #[test]
        fn controls_are_never_printable(
            a in "\\PC{0,12}", b in "\\PC{0,12}",
            c in "[\u{0}-\u{1f}\u{7f}-\u{9f}\u{202A}-\u{202E}\u{2066}-\u{2069}\u{200B}\u{200E}\u{200F}\u{061C}\u{2028}\u{2029}\u{FEFF}]",
        ) {
            let s = format!("{a}{c}{b}");
            prop_assert!(!is_printable(&s, Printed::Name));
            prop_assert!(!is_printable(&s, Printed::Text));
        }
    }
}
