//! Two-page A4 certificate ("Teilnahmebescheinigung") as PDF, with printpdf 0.12, and the
//! participants' check-in cards.
//!
//! Page 1 is the certificate, page 2 explains it to landlords ("Hinweise für Vermieter").
//! The certificate is a German document (PDF `/Lang` `de-DE`); where the participant's
//! language has a shipped translation, its title, a short explanation and the course
//! title as the coordinator translated it (frozen at issue) are printed on page 1, and a
//! short version of the landlord notes closes page 2: a courtesy, German first and
//! authoritative.
//!
//! Rules the document keeps:
//! - Texts are printed as given after NFC normalisation; a character the fonts cannot show
//!   is refused ([`check_document`], the same rule as the input checks in
//!   `validate::printable`) rather than printed as an empty box, as a refusal naming the
//!   field. The holder's name may also be in Arabic script: it is shaped like the
//!   translated lines, with the Arabic face.
//! - Nothing overflows: texts shrink and wrap within set limits, long module lists are
//!   summarised, and what cannot fit is an error.
//! - The only personal detail is the holder's name; page 2 does not repeat it.
//! - Re-rendering one certificate gives the same file: the PDF is dated by its issue date.
//!
//! The parts:
//! - [`content`]: which words are printed. Every sentence on the certificate and the
//!   cards, German or translated, lives in `locales/certificate.json`; the Rust code holds
//!   none (its error messages are for the log, not the page).
//! - [`layout`]: where things go on page 1, page 2 and the cards.
//! - [`drawing`]: the painter that puts text, lines, images and QR codes on a page.
//! - [`assembly`]: the PDF file, on the printpdf and lopdf level.
//! - [`tagged`]: the logical structure (tagged PDF) for screen readers.
//! - [`text`]: fonts, shaping of right-to-left lines, cached subsets; [`image`]: logo and
//!   signature images.
//!
//! German, Latin and Cyrillic text goes in as Unicode strings; printpdf maps them to glyph
//! ids of the embedded subset and writes a ToUnicode map, so copying text and `pdftotext`
//! work for umlauts, ß and Cyrillic. The participant's language line is shaped once at
//! start-up ([`text`]); Arabic, Persian and Pashto get contextual letter forms and
//! right-to-left order and are printed as glyph ids that carry their characters; Tigrinya
//! (Ge'ez, one glyph per character) is printed as text through a Noto Sans Ethiopic subset.
//!
//! The document is tagged ([`tagged`]): every text run is marked content that a structure
//! element owns, so screen readers read headings, paragraphs, the module table and the
//! QR code's alternative text in order; rules and images are artifacts.
//!
//! The QR code is drawn as filled vector rectangles, one per horizontal run of dark
//! modules, so it stays sharp at any zoom and prints at the exact size.

#[cfg(test)]
mod accessibility_tests;
mod assembly;
mod content;
mod drawing;
mod image;
mod layout;
#[cfg(test)]
mod layout_tests;
mod tagged;
mod text;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{bail, Context};
use chrono::{NaiveDate, NaiveTime};
use printpdf::{OffsetDateTime, XObjectId};

use self::assembly::Meta;
use self::content::{DisplayTexts, Locales, Words};
use self::drawing::Painter;
pub use self::image::{DocumentImage, ImageError, MAX_IMAGE_BYTES, MAX_IMAGE_SIDE};
pub use self::layout::QR_SIZE_MM;
use self::layout::{PageContext, Participant, ShapedName, Translation};
use self::text::{FaceId, Fonts, ShapedLine, Subset};
use super::qr;
use crate::error::AppError;
use crate::validate::printable::{self, Printed};

/// Longest text accepted for any single field.
const MAX_FIELD_CHARS: usize = 1000;

/// One module the participant attended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendedModule {
    pub title: String,
    pub date: NaiveDate,
    pub duration_minutes: i32,
}

/// Everything printed on a certificate. Texts are printed as given (after NFC
/// normalisation); `holder_name` must be the name signed into the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateDocument {
    pub holder_name: String,
    pub course_title: String,
    pub course_code: String,
    pub run_start: NaiveDate,
    pub run_end: NaiveDate,
    pub place: String,
    /// The venue with its preposition for the course line ("an der Volkshochschule
    /// Altenburg"); empty: "in" and `place`.
    pub venue_phrase: String,
    /// The issuer's seat for the line before the date; empty: `place`.
    pub issuer_seat: String,
    pub modules: Vec<AttendedModule>,
    pub issuer_name: String,
    /// Printed small under the issuer's name where the letterhead has room: the issuer's
    /// address, then its contact (see `certificates::profile`).
    pub issuer_lines: Vec<String>,
    pub signatory_name: String,
    pub signatory_title: String,
    pub issued_on: NaiveDate,
    /// The exact URL put into the QR code (`token::verification_url`).
    pub verification_url: String,
    /// The certificate code as printed, `XXXX-XXXX-XXXX-XXXX` (`token::format_code`).
    pub code_display: String,
    /// The participant's preferred language (`de`, `en`, `ar`, `fa-AF`, ...). Where a
    /// translation ships, the title and a short explanation are also printed in it;
    /// German or unknown codes print German only.
    pub language: String,
    /// The course title in the participant's language as the coordinator translated it,
    /// frozen at issue; printed in the participant-language panel under the explanation.
    pub course_title_translated: Option<String>,
    /// The issuing organisation's logo for the letterhead.
    pub logo: Option<Arc<DocumentImage>>,
    /// A scanned signature, printed above the signature line.
    pub signature_image: Option<Arc<DocumentImage>>,
}

/// A participant's personal check-in card: the QR code opens the check-in page on the
/// trainer's phone.
#[derive(Debug, Clone)]
pub struct ParticipantCard {
    pub name: String,
    pub course: String,
    pub period: String,
    pub url: String,
    pub code: String,
}

/// The renderer, built when the first PDF is asked for.
///
/// Parsing the fonts and shaping every translation costs about 100 ms and 10 MB that
/// stay for the life of the process. Most processes never render (a replica that only
/// answers checks, the CLI's `verify`), so start-up does not pay for it; the first batch
/// or download does, once. Building cannot fail on shipped data (the fonts and texts are
/// compiled in and unit-tested), so a failure is kept and reported to every caller.
#[derive(Default)]
pub struct LazyRenderer(std::sync::OnceLock<Result<CertificateRenderer, String>>);

impl LazyRenderer {
    pub fn get(&self) -> anyhow::Result<&CertificateRenderer> {
        self.0
            .get_or_init(|| CertificateRenderer::new().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("building the certificate renderer: {e}"))
    }

    pub fn render(&self, doc: &CertificateDocument) -> anyhow::Result<Vec<u8>> {
        self.get()?.render(doc)
    }

    pub fn render_cards(&self, issuer: &str, cards: &[ParticipantCard]) -> anyhow::Result<Vec<u8>> {
        self.get()?.render_cards(issuer, cards)
    }
}

/// Renders certificates. Parsing the fonts and shaping the translations costs
/// milliseconds, so build one renderer and share it (it is `Send + Sync`).
pub struct CertificateRenderer {
    fonts: Fonts,
    words: Words,
    translations: HashMap<String, Translation>,
    /// Shaped course lines by language and title: shaping costs about a millisecond, and a
    /// batch prints one course's title for many people of one language.
    course_lines: std::sync::Mutex<HashMap<(String, String), CourseLines>>,
}

/// A course line as shaped, shared by the certificates that print it.
type CourseLines = Arc<Vec<ShapedLine>>;

/// Distinct course lines kept shaped; more are shaped again (a year has a few dozen).
const COURSE_LINES_KEPT: usize = 256;

/// The logo and signature of one document with the names its pages use for them.
struct DocumentImages<'a> {
    logo: Option<(XObjectId, &'a DocumentImage)>,
    signature: Option<(XObjectId, &'a DocumentImage)>,
    /// In naming order, `Im1`, `Im2`.
    embedded: Vec<(String, Arc<DocumentImage>)>,
}

impl<'a> DocumentImages<'a> {
    fn new(doc: &'a CertificateDocument) -> Self {
        let mut embedded = Vec::new();
        let mut name = |img: &'a Arc<DocumentImage>| {
            embedded.push((format!("Im{}", embedded.len() + 1), Arc::clone(img)));
            (XObjectId(format!("Im{}", embedded.len())), img.as_ref())
        };
        let logo = doc.logo.as_ref().map(&mut name);
        let signature = doc.signature_image.as_ref().map(&mut name);
        Self { logo, signature, embedded }
    }
}

impl CertificateRenderer {
    pub fn new() -> anyhow::Result<Self> {
        let fonts = Fonts::load()?;
        let locales = Locales::load()?;
        let mut translations = HashMap::new();
        for words in locales.translations {
            let rtl = content::is_right_to_left(&words.lang);
            let shaped = Translation::shape(&fonts, &words, rtl)?;
            translations.insert(words.lang, shaped);
        }
        Ok(Self { fonts, words: locales.german, translations, course_lines: Default::default() })
    }

    /// Languages with a shipped translation of the certificate texts (besides German).
    pub fn languages(&self) -> Vec<String> {
        let mut langs: Vec<String> = self.translations.keys().cloned().collect();
        langs.sort();
        langs
    }

    /// `ar`, `AR`, `fa-AF`, `prs` (Dari) → the translation to print, if any.
    fn translation(&self, language: &str) -> Option<&Translation> {
        let primary = language.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        let primary = match primary.as_str() {
            // Dari is written like Persian and its readers read Persian.
            "prs" | "pes" => "fa",
            other => other,
        };
        if primary == "de" {
            return None;
        }
        self.translations.get(primary)
    }

    /// The course line of `title` in the translation's language, shaped once.
    fn course_line(&self, shipped: &Translation, title: Option<&str>) -> CourseLines {
        let Some(title) = title else { return Arc::default() };
        let key = (shipped.lang.clone(), title.to_string());
        let cached = self.course_lines.lock().ok().and_then(|c| c.get(&key).cloned());
        if let Some(lines) = cached {
            return lines;
        }
        let lines = Arc::new(shipped.course_line(&self.fonts, title));
        if let Ok(mut cache) = self.course_lines.lock() {
            if cache.len() >= COURSE_LINES_KEPT {
                cache.clear();
            }
            cache.insert(key, Arc::clone(&lines));
        }
        lines
    }

    /// Characters of `text` the Latin faces of the certificate cannot show (e.g. Arabic
    /// script, emoji, control characters). Input is checked with
    /// `validate::printable`, which knows that names are shaped and may be Arabic.
    pub fn unsupported_chars(&self, text: &str) -> Vec<char> {
        self.fonts.unsupported_chars(text)
    }

    /// Renders the certificate as a two-page PDF: the certificate and the notes for
    /// landlords.
    ///
    /// A field that cannot be printed is an [`AppError`] naming it (422) inside the error,
    /// so stored data from before the input checks never ends in a 500.
    pub fn render(&self, doc: &CertificateDocument) -> anyhow::Result<Vec<u8>> {
        check_document(doc)?;
        let texts = DisplayTexts::new(doc, &self.words);
        self.check_printable(&texts)?;
        let qr = qr::encode(&doc.verification_url).context("QR code for the verification URL")?;
        let translation = self.translation(&doc.language);
        let participant = translation.map(|shipped| Participant {
            shipped,
            course: self.course_line(shipped, doc.course_title_translated.as_deref()),
        });
        let holder = layout::shape_holder(&self.fonts, &texts.holder)?;
        let mut arabic_glyphs =
            participant.as_ref().map(Participant::arabic_glyphs).unwrap_or_default();
        arabic_glyphs.extend(holder.iter().flat_map(ShapedName::arabic_glyphs));
        let arabic = self.arabic_subset(arabic_glyphs)?;
        let mut p = Painter::new(&self.fonts, arabic.as_deref());
        let images = DocumentImages::new(doc);
        let ctx = PageContext {
            words: &self.words,
            texts: &texts,
            holder: holder.as_ref(),
            logo: images.logo.as_ref().map(|(id, img)| (id, *img)),
        };
        let signature = images.signature.as_ref().map(|(id, img)| (id, *img));
        layout::certificate_page(&mut p, &ctx, &qr, participant.as_ref(), signature)?;
        let first = p.take_page();
        layout::landlord_page(&mut p, &ctx, translation)?;
        let second = p.take_page();

        let (title, subject) = self.words.document_title(&texts);
        let issued = doc.issued_on.and_time(NaiveTime::MIN).and_utc().timestamp();
        let meta = Meta {
            title: &title,
            author: &texts.issuer,
            subject: &subject,
            // Dating the file by its issue date keeps re-renders of one certificate stable.
            date: OffsetDateTime::from_unix_timestamp(issued).ok(),
        };
        assembly::finish(&self.fonts, p, vec![first, second], &meta, &images.embedded)
    }

    /// Refuses empty names, absurdly long fields and characters the fonts lack in what the
    /// service itself fills in (code, check address).
    fn check_printable(&self, texts: &DisplayTexts) -> anyhow::Result<()> {
        if texts.holder.is_empty() {
            bail!("holder_name is empty");
        }
        for (field, text) in texts.all() {
            // Far beyond anything that fits on the page; refusing early bounds the
            // layout work for absurd input.
            if text.chars().count() > MAX_FIELD_CHARS {
                bail!("{field} is too long for the certificate");
            }
        }
        for (field, text) in
            [("code_display", &texts.code), ("verification_url", &texts.check_hint)]
        {
            let missing = self.unsupported_chars(text);
            if !missing.is_empty() {
                bail!("{field}: characters not available in the certificate font: {missing:?}");
            }
        }
        Ok(())
    }

    /// The Arabic-face subset the document prints with, if it has Arabic script.
    fn arabic_subset(&self, mut gids: Vec<u16>) -> anyhow::Result<Option<Arc<Subset>>> {
        gids.sort_unstable();
        gids.dedup();
        gids.retain(|g| *g != 0);
        if gids.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.fonts.subset(FaceId::Arabic, gids)?))
    }

    /// Check-in cards in credit-card size, ten per A4 page (two columns, five rows), with
    /// cutting lines.
    pub fn render_cards(&self, issuer: &str, cards: &[ParticipantCard]) -> anyhow::Result<Vec<u8>> {
        if cards.is_empty() {
            bail!("no cards to print");
        }
        let mut names = Vec::with_capacity(cards.len());
        for card in cards {
            check_card(card)?;
            names.push(layout::shape_card_name(&self.fonts, &card.name)?);
        }
        let gids = names.iter().flatten().flat_map(ShapedName::arabic_glyphs).collect();
        let arabic = self.arabic_subset(gids)?;
        let mut p = Painter::new(&self.fonts, arabic.as_deref());
        let pages = layout::card_pages(&mut p, &self.words, issuer, cards, &names)?;
        let meta = Meta {
            title: &self.words.cards_document_title,
            author: issuer,
            subject: "",
            date: None,
        };
        assembly::finish(&self.fonts, p, pages, &meta, &[])
    }
}

/// The fields a person entered, each printable as it is printed; the refusal names the
/// field and the character (see [`crate::validate::printable`]).
pub fn check_document(doc: &CertificateDocument) -> Result<(), AppError> {
    let fields = [
        ("holder_name", "label.holder_name", &doc.holder_name, Printed::Name),
        ("course_title", "label.course_title", &doc.course_title, Printed::Text),
        ("course_code", "label.course_code", &doc.course_code, Printed::Text),
        ("place", "label.place", &doc.place, Printed::Text),
        ("venue_phrase", "certs.label_venue", &doc.venue_phrase, Printed::Text),
        ("issuer_seat", "certs.label_seat", &doc.issuer_seat, Printed::Text),
        ("issuer_name", "label.issuer_name", &doc.issuer_name, Printed::Text),
        ("signatory_name", "label.signatory_name", &doc.signatory_name, Printed::Text),
        ("signatory_title", "label.signatory_title", &doc.signatory_title, Printed::Text),
    ];
    let modules =
        doc.modules.iter().map(|m| ("module_title", "label.module_title", &m.title, Printed::Text));
    let lines = doc
        .issuer_lines
        .iter()
        .map(|l| ("issuer_address", "certs.label_address", l, Printed::Text));
    for (field, label, text, kind) in fields.into_iter().chain(modules).chain(lines) {
        if let Some(bad) = printable::first_unprintable(text, kind) {
            return Err(bad.error(field, label));
        }
    }
    Ok(())
}

/// A card prints the participant's name and the course title.
fn check_card(card: &ParticipantCard) -> Result<(), AppError> {
    for (field, label, text, kind) in [
        ("holder_name", "label.holder_name", &card.name, Printed::Name),
        ("course_title", "label.course_title", &card.course, Printed::Text),
    ] {
        if let Some(bad) = printable::first_unprintable(text, kind) {
            return Err(bad.error(field, label));
        }
    }
    Ok(())
}

/// Whether a stored text prints on a certificate: `name` for a participant's name, which
/// may be in Arabic script, else a title, place, issuer or signatory. For reports over
/// stored data; input is checked with [`crate::validate::printable::printed_text`].
pub fn is_printable(text: &str, name: bool) -> bool {
    printable::is_printable(text, if name { Printed::Name } else { Printed::Text })
}

#[cfg(test)]
mod tests {
    use super::drawing::{PAGE_H_MM, PAGE_W_MM, PT_PER_MM};
    use super::*;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::Instant;
    use unicode_normalization::UnicodeNormalization;

    const URL: &str = "HTTP://127.0.0.1:8080/Z/";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    pub(super) fn sample(holder: &str) -> CertificateDocument {
        // 240 base32 characters: the size of a real 150-byte token.
        let token: String = (0..240)
            .map(|i| char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(i * 11 + i / 5) % 32]))
            .collect();
        CertificateDocument {
            holder_name: holder.to_string(),
            course_title: "Wohnen in Deutschland: Größe, Heizung, Mülltrennung".to_string(),
            course_code: "MS-2026-07".to_string(),
            run_start: date(2026, 10, 5),
            run_end: date(2026, 11, 20),
            place: "Altenburg".to_string(),
            venue_phrase: String::new(),
            issuer_seat: String::new(),
            modules: vec![
                AttendedModule {
                    title: "Hausordnung und Ruhezeiten".to_string(),
                    date: date(2026, 10, 5),
                    duration_minutes: 90,
                },
                AttendedModule {
                    title: "Mülltrennung und Recycling".to_string(),
                    date: date(2026, 10, 19),
                    duration_minutes: 120,
                },
                AttendedModule {
                    title: "Heizen, Lüften und Energie sparen".to_string(),
                    date: date(2026, 11, 2),
                    duration_minutes: 90,
                },
                AttendedModule {
                    title: "Mietvertrag, Rechte und Pflichten".to_string(),
                    date: date(2026, 11, 20),
                    duration_minutes: 120,
                },
            ],
            issuer_name: "Landratsamt Altenburger Land – Integrationsmanagement".to_string(),
            issuer_lines: Vec::new(),
            signatory_name: "Sabine Groß".to_string(),
            signatory_title: "Koordinatorin Integrationsmanagement".to_string(),
            issued_on: date(2026, 11, 21),
            verification_url: format!("{URL}{token}"),
            code_display: "8A13-F000-4299-FF01".to_string(),
            language: "de".to_string(),
            course_title_translated: None,
            logo: None,
            signature_image: None,
        }
    }

    pub(super) fn tool(name: &str) -> Option<PathBuf> {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file())
        })
    }

    pub(super) fn write_temp(bytes: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    fn pdftotext(path: &Path) -> Option<String> {
        pdftotext_args(path, &["-layout"])
    }

    pub(super) fn pdftotext_args(path: &Path, args: &[&str]) -> Option<String> {
        tool("pdftotext")?;
        let out = Command::new("pdftotext")
            .args(args)
            .args(["-enc", "UTF-8"])
            .arg(path)
            .arg("-")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Some(String::from_utf8(out.stdout).unwrap())
    }

    fn page_count(pdf: &[u8]) -> usize {
        lopdf::Document::load_mem(pdf).unwrap().get_pages().len()
    }

    #[test]
    fn renderer_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CertificateRenderer>();
    }

    #[test]
    fn renders_two_pages_with_extractable_text() {
        let r = CertificateRenderer::new().unwrap();
        for holder in ["Jürgen Müller", "Олена Шевченко"] {
            let doc = sample(holder);
            let pdf = r.render(&doc).unwrap();
            assert!(pdf.starts_with(b"%PDF"));
            assert_eq!(page_count(&pdf), 2);

            let (_dir, path) = write_temp(&pdf, "cert.pdf");
            let Some(text) = pdftotext(&path) else {
                eprintln!("pdftotext not installed: text extraction not checked");
                continue;
            };
            for needle in [
                holder,
                "Teilnahmebescheinigung",
                "Hiermit wird bestätigt, dass",
                "Größe",
                "Mülltrennung",
                "8A13-F000-4299-FF01",
                "05.10.2026",
                "20.11.2026",
                "90 Min.",
                "Sabine Groß",
                "Altenburg, den 21.11.2026",
                "127.0.0.1:8080/z",
            ] {
                assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
            }
            // The course title may wrap; check it word by word.
            for word in doc.course_title.split_whitespace() {
                assert!(text.contains(word), "{word:?} missing in:\n{text}");
            }
        }
    }

    #[test]
    fn metadata_title_and_author() {
        let r = CertificateRenderer::new().unwrap();
        let pdf = r.render(&sample("Олена Шевченко")).unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let info_ref = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let info = doc.get_dictionary(info_ref).unwrap();
        let text = |key: &[u8]| {
            let bytes = info.get(key).unwrap().as_str().unwrap();
            let utf16: Vec<u16> =
                bytes[2..].chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            assert_eq!(&bytes[..2], &[0xFE, 0xFF]);
            String::from_utf16(&utf16).unwrap()
        };
        assert_eq!(text(b"Title"), "Teilnahmebescheinigung – Олена Шевченко");
        assert_eq!(text(b"Author"), "Landratsamt Altenburger Land – Integrationsmanagement");
        assert_eq!(text(b"Creator"), "Landratsamt Altenburger Land – Integrationsmanagement");
    }

    #[test]
    fn long_texts_stay_on_the_page() {
        let r = CertificateRenderer::new().unwrap();
        let mut doc = sample(
            "Maximilian-Alexander Jürgen-Friedrich von Großmann-Überländer zu Lüdenscheidt-Öhringen",
        );
        doc.course_title = "Mietführerschein für Neuzugewanderte: Wohnen, Heizen, Lüften, Energie und Wasser sparen, Mülltrennung, Hausordnung, Mietvertrag, Rechte und Pflichten als Mieterin und Mieter".to_string();
        doc.modules = (1..=25)
            .map(|i| AttendedModule {
                title: format!("Modul {i}: Rechte und Pflichten im Mietverhältnis, Nebenkostenabrechnung und Kaution"),
                date: date(2026, 10, 1 + (i % 28)),
                duration_minutes: 90,
            })
            .collect();
        let pdf = r.render(&doc).unwrap();
        assert_eq!(page_count(&pdf), 2);
        let (_dir, path) = write_temp(&pdf, "long.pdf");
        if let Some(text) = pdftotext(&path) {
            assert!(text.contains("weitere Module"), "{text}");
            assert!(text.contains("Lüdenscheidt"), "{text}");
        }
        assert_all_text_inside_page(&pdf);
    }

    /// Every text cursor (`Td`) on every page must start inside the page margins; where
    /// pdftotext is installed, every word's box must also end inside them.
    pub(super) fn assert_all_text_inside_page(pdf: &[u8]) {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let page_w = PAGE_W_MM * PT_PER_MM;
        let page_h = PAGE_H_MM * PT_PER_MM;
        for page in doc.get_pages().values() {
            let content = lopdf::content::Content::decode(&doc.get_page_content(*page)).unwrap();
            for op in content.operations.iter().filter(|o| o.operator == "Td") {
                let x = op.operands[0].as_float().unwrap();
                let y = op.operands[1].as_float().unwrap();
                assert!((10.0..page_w - 10.0).contains(&x), "x {x}");
                assert!((10.0..page_h - 10.0).contains(&y), "y {y}");
            }
        }
        let (_dir, path) = write_temp(pdf, "bbox.pdf");
        let Some(html) = pdftotext_args(&path, &["-bbox"]) else {
            return;
        };
        let attr = |line: &str, name: &str| -> f32 {
            let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            let end = start + line[start..].find('"').unwrap();
            line[start..end].parse().unwrap()
        };
        let mut words = 0;
        for line in html.lines().filter(|l| l.trim_start().starts_with("<word ")) {
            words += 1;
            let (x0, y0) = (attr(line, "xMin"), attr(line, "yMin"));
            let (x1, y1) = (attr(line, "xMax"), attr(line, "yMax"));
            // 15 mm from the left and right edges: the margin is 25 mm.
            assert!(x0 >= 42.0 && x1 <= page_w - 42.0, "word outside the margins: {line}");
            assert!(y0 >= 10.0 && y1 <= page_h - 10.0, "word outside the page: {line}");
        }
        assert!(words > 50, "{html}");
    }

    #[test]
    fn unsupported_characters_are_refused() {
        let r = CertificateRenderer::new().unwrap();
        assert_eq!(r.unsupported_chars("Jürgen Müller Олена ß „x“ –"), Vec::<char>::new());
        assert_eq!(r.unsupported_chars("محمد"), vec!['\u{062D}', '\u{062F}', '\u{0645}']);
        assert_eq!(r.unsupported_chars("a\u{0007}b"), vec!['\u{0007}']);
        // Stored text the fonts cannot draw is a refusal naming the field, for a 422.
        let refusal = |doc: &CertificateDocument| {
            let err = r.render(doc).unwrap_err();
            let refusal = err.downcast_ref::<AppError>().expect("a refusal, not a failure");
            (refusal.field(), refusal.to_string())
        };
        let (field, message) = refusal(&sample("Anna 😀"));
        assert_eq!(field, Some("holder_name"));
        assert!(message.contains("U+1F600"), "{message}");
        let mut doc = sample("Anna Schmidt");
        doc.course_title = "Kurs\u{202E}gnirpsuA".into();
        let (field, message) = refusal(&doc);
        assert_eq!(field, Some("course_title"));
        assert!(message.contains("U+202E RIGHT-TO-LEFT OVERRIDE"), "{message}");
        let mut doc = sample("Anna Schmidt");
        doc.signatory_name = "Dr. 王".into();
        assert_eq!(refusal(&doc).0, Some("signatory_name"));
        // Arabic prints in names (shaped), not in the other fields.
        let mut doc = sample("Anna Schmidt");
        doc.place = "حلب".into();
        assert_eq!(refusal(&doc).0, Some("place"));
    }

    #[test]
    fn arabic_names_print_shaped_on_certificates_and_cards() {
        let r = CertificateRenderer::new().unwrap();
        for name in ["محمد الأحمد", "Amira حداد", "مریم احمدی\u{200C}نژاد", &"سارا ".repeat(30)]
        {
            let pdf = r.render(&sample(name)).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert!(pdf.starts_with(b"%PDF"));
            let doc = lopdf::Document::load_mem(&pdf).expect("a PDF lopdf reads");
            assert_eq!(doc.get_pages().len(), 2);
        }
        let card = ParticipantCard {
            name: "محمد الأحمد".into(),
            course: "Mietführerschein".into(),
            period: "02.03.–31.03.2026".into(),
            url: "HTTP://127.0.0.1:8080/C/ABCD".into(),
            code: "ABCD".into(),
        };
        let latin = ParticipantCard { name: "Jürgen Müller".into(), ..card.clone() };
        assert!(r.render_cards("Landkreis", &[card, latin]).is_ok());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// The input check and the renderer agree: whatever the check accepts as a name
        /// or a course title renders into a certificate, and text with a line break,
        /// control, bidi or glyphless character is refused by the check.
        #[test]
        fn accepted_input_renders(
            s in "[a-zA-ZäöüßÄÖÜéç \\-'.Ѐ-ӿΑ-ωء-يً-ْ\u{200C}😀王\u{7}\u{202E}\u{2067}\n\t\u{200B}]{1,60}"
        ) {
            let r = renderer();
            // Whitespace around the text is dropped on input, as a person would expect.
            let bad = s.trim().chars().any(|c| {
                matches!(c, '😀' | '王' | '\u{7}' | '\u{202E}' | '\u{2067}' | '\n' | '\t' | '\u{200B}')
            });
            let name = printable::printed_text("given_name", "label.given_name", &s, 80, Printed::Name);
            let title = printable::printed_text("title", "label.title", &s, 160, Printed::Text);
            if bad {
                proptest::prop_assert!(name.is_err() && title.is_err(), "{s:?} accepted");
            }
            if let Ok(name) = name {
                let rendered = r.render(&sample(&name));
                proptest::prop_assert!(rendered.is_ok(), "{name:?}: {:#}", rendered.unwrap_err());
            }
            if let Ok(title) = title {
                let mut doc = sample("Anna Schmidt");
                doc.course_title = title.clone();
                doc.modules[0].title = title.clone();
                doc.place = title.clone();
                doc.signatory_name = title.clone();
                let rendered = r.render(&doc);
                proptest::prop_assert!(rendered.is_ok(), "{title:?}: {:#}", rendered.unwrap_err());
            }
        }
    }

    /// One renderer for the property test's many cases.
    fn renderer() -> &'static CertificateRenderer {
        static R: std::sync::OnceLock<CertificateRenderer> = std::sync::OnceLock::new();
        R.get_or_init(|| CertificateRenderer::new().unwrap())
    }

    #[test]
    fn absurd_input_is_an_error() {
        let r = CertificateRenderer::new().unwrap();
        assert!(r.render(&sample("  ")).is_err());
        let mut doc = sample("Anna Schmidt");
        doc.course_title = "Wohnen ".repeat(400);
        assert!(r.render(&doc).is_err());
        let mut doc = sample("Anna Schmidt");
        doc.holder_name = "Ä".repeat(900);
        let err = r.render(&doc).unwrap_err();
        assert!(err.to_string().contains("holder name"), "{err}");
    }

    #[test]
    fn too_long_url_is_an_error() {
        let r = CertificateRenderer::new().unwrap();
        let mut doc = sample("Anna Schmidt");
        doc.verification_url = format!("{URL}{}", "A".repeat(600));
        assert!(r.render(&doc).is_err());
    }

    #[test]
    fn qpdf_check_passes() {
        let pdf = CertificateRenderer::new().unwrap().render(&sample("Jürgen Müller")).unwrap();
        qpdf_check(&pdf);
    }

    /// `qpdf --check` must pass; skipped where qpdf is not installed.
    pub(super) fn qpdf_check(pdf: &[u8]) {
        if tool("qpdf").is_none() {
            eprintln!("qpdf not installed: structure not checked");
            return;
        }
        let (_dir, path) = write_temp(pdf, "cert.pdf");
        let out = Command::new("qpdf").arg("--check").arg(&path).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "qpdf --check failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("No syntax or stream encoding errors"), "{stdout}");
    }

    #[test]
    fn qr_scans_from_raster_at_100_and_150_dpi() {
        if tool("pdftoppm").is_none() || tool("zbarimg").is_none() {
            eprintln!("pdftoppm/zbarimg not installed: printed QR not checked");
            return;
        }
        // A typical URL (version 12) and the longest one allowed (version 13, printed larger).
        let mut long = sample("Олександра Шевченко-Коваленко");
        let base = long.verification_url[..URL.len()].to_string();
        let filler: String = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .chars()
            .cycle()
            .take(super::super::token::MAX_URL_CHARS - base.len())
            .collect();
        long.verification_url = format!("{base}{filler}");
        assert_eq!(qr::encode(&long.verification_url).unwrap().version(), 13);
        for doc in [sample("Олена Шевченко"), long] {
            scan_at_100_and_150_dpi(&doc);
        }
    }

    fn scan_at_100_and_150_dpi(doc: &CertificateDocument) {
        let pdf = CertificateRenderer::new().unwrap().render(doc).unwrap();
        scan_pdf_at_100_and_150_dpi(&pdf, &doc.verification_url);
    }

    pub(super) fn scan_pdf_at_100_and_150_dpi(pdf: &[u8], url: &str) {
        if tool("pdftoppm").is_none() || tool("zbarimg").is_none() {
            eprintln!("pdftoppm/zbarimg not installed: printed QR not checked");
            return;
        }
        let (dir, path) = write_temp(pdf, "cert.pdf");
        for dpi in ["100", "150"] {
            let prefix = dir.path().join(format!("page{dpi}"));
            let status = Command::new("pdftoppm")
                .args(["-r", dpi, "-gray", "-png", "-singlefile"])
                .arg(&path)
                .arg(&prefix)
                .status()
                .unwrap();
            assert!(status.success());
            let out = Command::new("zbarimg")
                .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
                .arg(prefix.with_extension("png"))
                .output()
                .unwrap();
            let decoded = String::from_utf8_lossy(&out.stdout);
            assert_eq!(decoded.trim_end_matches('\n'), url, "at {dpi} dpi");
        }
    }

    const TITLES: &[(&str, &str)] = &[
        ("en", "Certificate of participation"),
        ("ar", "شهادة مشاركة"),
        ("fa", "گواهی شرکت در دوره"),
        ("uk", "Сертифікат про участь"),
        ("ru", "Сертификат об участии"),
        ("tr", "Katılım belgesi"),
        ("ti", "ምስክር ወረቐት ተሳትፎ"),
        ("ps", "د ګډون سند"),
    ];

    /// pdftotext may return Arabic presentation forms and drops or keeps zero-width
    /// joiners depending on the version; compare letters, in order, with single spaces.
    pub(super) fn normalise(text: &str) -> String {
        text.nfkc()
            // Zero-width joiners and the bidi embedding marks pdftotext adds.
            .filter(|&c| !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn every_shipped_language_renders_with_german_first() {
        let r = CertificateRenderer::new().unwrap();
        let mut langs = r.languages();
        for lang in ["en", "ar", "fa", "uk", "ru"] {
            assert!(langs.iter().any(|l| l == lang), "{lang} not shipped");
        }
        for (lang, _) in TITLES {
            assert!(langs.iter().any(|l| l == lang), "{lang} has no expected title here");
        }
        langs.insert(0, "de".to_string());
        for lang in &langs {
            let mut doc = sample("Olena Kovalenko");
            doc.language = lang.clone();
            let pdf = r.render(&doc).unwrap();
            assert_eq!(page_count(&pdf), 2, "{lang}");
            assert_all_text_inside_page(&pdf);
            qpdf_check(&pdf);
            scan_pdf_at_100_and_150_dpi(&pdf, &doc.verification_url);
            let (_dir, path) = write_temp(&pdf, "cert.pdf");
            let Some(text) = pdftotext(&path) else {
                eprintln!("pdftotext not installed: texts not checked");
                continue;
            };
            let text = normalise(&text);
            assert!(text.contains("Teilnahmebescheinigung"), "{lang}: {text}");
            assert!(text.contains("Hinweise für Vermieter"), "{lang}: {text}");
            let german_title = text.find("Teilnahmebescheinigung").unwrap();
            match TITLES.iter().find(|(l, _)| l == lang) {
                Some((_, title)) => {
                    let at = text
                        .find(&normalise(title))
                        .unwrap_or_else(|| panic!("{lang}: {title:?} missing in:\n{text}"));
                    assert!(german_title < at, "{lang}: German must come first");
                }
                None => {
                    for (_, title) in TITLES {
                        assert!(!text.contains(&normalise(title)), "{lang}: {text}");
                    }
                }
            }
        }
    }

    /// The explanation lines in Arabic and Persian extract as the right letters in
    /// logical order, i.e. they were shaped and laid out right to left (a left-to-right
    /// layout would extract reversed).
    #[test]
    fn arabic_and_persian_extract_in_logical_order() {
        let r = CertificateRenderer::new().unwrap();
        let all: HashMap<String, HashMap<String, String>> =
            serde_json::from_str(content::LOCALES_JSON).unwrap();
        for lang in ["ar", "fa"] {
            let mut doc = sample("Jürgen Müller");
            doc.language = lang.to_string();
            let pdf = r.render(&doc).unwrap();
            let (_dir, path) = write_temp(&pdf, "cert.pdf");
            let Some(text) = pdftotext_args(&path, &[]) else {
                eprintln!("pdftotext not installed: Arabic extraction not checked");
                return;
            };
            let text = normalise(&text);
            let explanation = normalise(&all[lang]["explanation"]);
            // Lines wrap; every Arabic-script word must appear, and consecutive
            // words of one line in order.
            for sentence in explanation.split(['.', '،', ',']) {
                let words: Vec<&str> = sentence
                    .split_whitespace()
                    .filter(|w| w.chars().all(text::is_arabic_script))
                    .collect();
                for pair in words.windows(2) {
                    let joined = pair.join(" ");
                    let reversed = format!("{} {}", pair[1], pair[0]);
                    assert!(
                        text.contains(&joined) || !text.contains(&reversed),
                        "{lang}: {joined:?} extracted in the wrong order:\n{text}"
                    );
                }
                for w in words {
                    assert!(text.contains(w), "{lang}: {w:?} missing in:\n{text}");
                }
            }
            let title = normalise(&all[lang]["title"]);
            assert!(text.contains(&title), "{lang}: {title:?} missing in:\n{text}");
        }
    }

    #[test]
    fn arabic_is_shaped_with_contextual_forms_right_to_left() {
        let r = CertificateRenderer::new().unwrap();
        let line = r.translation("ar").unwrap().title.clone();
        let arabic = r.fonts.face(FaceId::Arabic);
        let glyphs: Vec<&text::ShapedGlyph> =
            line.runs.iter().flat_map(|run| run.glyphs.iter()).collect();
        // "شهادة مشاركة": the isolated form of ش (from the cmap) must not appear in
        // the initial position; visual order puts the last letter (ة) first.
        let isolated_sheen = arabic.glyph('ش').unwrap();
        assert!(glyphs.iter().all(|g| g.gid != isolated_sheen), "{glyphs:?}");
        assert_eq!(glyphs.first().unwrap().text, "ة");
        assert_eq!(glyphs.last().unwrap().text, "ش");
        assert!(glyphs.iter().all(|g| g.gid != 0));
        // Mixed text keeps the Latin run left to right inside the right-to-left line.
        let mixed = r.fonts.shape_line("امسح رمز QR للتحقق", FaceId::Regular, true).unwrap();
        let visual: String =
            mixed.runs.iter().flat_map(|run| run.glyphs.iter().map(|g| g.text.as_str())).collect();
        assert!(visual.contains("QR"), "{visual}");
        assert!(visual.starts_with("ق"), "{visual}");
    }

    #[test]
    fn language_codes_are_normalised() {
        let r = CertificateRenderer::new().unwrap();
        assert!(r.translation("de").is_none());
        assert!(r.translation("").is_none());
        assert!(r.translation("xx").is_none());
        assert!(r.translation("de-AT").is_none());
        assert!(r.translation("AR").unwrap().rtl);
        assert!(r.translation("fa-AF").unwrap().rtl);
        assert!(r.translation("prs").unwrap().rtl);
        assert!(!r.translation("uk_UA").unwrap().rtl);
    }

    #[test]
    fn landlord_page_explains_and_lists_modules() {
        let r = CertificateRenderer::new().unwrap();
        let pdf = r.render(&sample("Jürgen Müller")).unwrap();
        let (dir, path) = write_temp(&pdf, "cert.pdf");
        if tool("pdftotext").is_none() {
            eprintln!("pdftotext not installed: landlord page not checked");
            return;
        }
        let out = Command::new("pdftotext")
            .args(["-f", "2", "-l", "2", "-layout", "-enc", "UTF-8"])
            .arg(&path)
            .arg(dir.path().join("p2.txt"))
            .status()
            .unwrap();
        assert!(out.success());
        let text = normalise(&std::fs::read_to_string(dir.path().join("p2.txt")).unwrap());
        for needle in [
            "Hinweise für Vermieter",
            "keine Garantie für die Zahlung der Miete",
            "QR-Code",
            "127.0.0.1:8080/z",
            "8A13-F000-4299-FF01",
            "„Gültig“",
            "amtlichen Ausweis",
            "„Widerrufen“ oder „Ungültig“",
            "keine Daten über Sie gespeichert",
            "Hausordnung und Ruhezeiten",
            "Mietvertrag, Rechte und Pflichten",
            "Wohnen in Deutschland",
        ] {
            assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
        }
        // Nothing personal beyond the name (which is not even repeated here).
        assert!(!text.contains("Jürgen"), "{text}");
    }

    #[test]
    fn document_language_and_metadata() {
        let r = CertificateRenderer::new().unwrap();
        let pdf = r.render(&sample("Jürgen Müller")).unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let lang = doc.catalog().unwrap().get(b"Lang").unwrap().as_str().unwrap();
        assert_eq!(lang, b"de-DE");
        if tool("pdfinfo").is_none() {
            return;
        }
        let (_dir, path) = write_temp(&pdf, "cert.pdf");
        let out = Command::new("pdfinfo").arg(&path).output().unwrap();
        let info = String::from_utf8_lossy(&out.stdout);
        assert!(info.contains("Teilnahmebescheinigung – Jürgen Müller"), "{info}");
        assert!(info.contains("Landratsamt Altenburger Land"), "{info}");
        assert!(info.contains("Pages:           2"), "{info}");
    }

    #[test]
    fn fonts_are_embedded_subsets() {
        let r = CertificateRenderer::new().unwrap();
        let mut doc = sample("Jürgen Müller");
        doc.language = "ar".into();
        let pdf = r.render(&doc).unwrap();
        if tool("pdffonts").is_none() {
            eprintln!("pdffonts not installed: fonts not checked");
            return;
        }
        let (_dir, path) = write_temp(&pdf, "cert.pdf");
        let out = Command::new("pdffonts").arg(&path).output().unwrap();
        let list = String::from_utf8_lossy(&out.stdout);
        let fonts: Vec<&str> = list.lines().skip(2).collect();
        assert_eq!(fonts.len(), 3, "{list}");
        for line in fonts {
            let cols: Vec<&str> = line.split_whitespace().collect();
            assert!(cols[0].len() > 7 && cols[0].as_bytes()[6] == b'+', "{line}");
            // emb, sub, uni
            assert_eq!(&cols[cols.len() - 5..cols.len() - 2], &["yes", "yes", "yes"], "{line}");
        }
    }

    pub(super) fn png(w: u32, h: u32) -> Vec<u8> {
        let img = ::image::RgbaImage::from_fn(w, h, |x, y| {
            if (x / 8 + y / 8) % 2 == 0 {
                ::image::Rgba([20, 60, 140, 255])
            } else {
                ::image::Rgba([255, 255, 255, 0])
            }
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, ::image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    pub(super) fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = ::image::RgbImage::from_fn(w, h, |x, _| ::image::Rgb([(x % 256) as u8, 30, 30]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, ::image::ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    #[test]
    fn logo_and_signature_images_are_placed() {
        let r = CertificateRenderer::new().unwrap();
        let logo = Arc::new(DocumentImage::from_bytes(&png(240, 120)).unwrap());
        let signature = Arc::new(DocumentImage::from_bytes(&jpeg(300, 80)).unwrap());
        // Scaled down once to what prints at 300 dpi, whatever was uploaded.
        let big = DocumentImage::from_bytes(&png(3000, 3000)).unwrap();
        assert_eq!(big.dimensions(), (400, 400));
        for lang in ["de", "ar"] {
            let mut doc = sample("Jürgen Müller");
            doc.language = lang.into();
            doc.logo = Some(Arc::clone(&logo));
            doc.signature_image = Some(Arc::clone(&signature));
            let pdf = r.render(&doc).unwrap();
            assert_eq!(page_count(&pdf), 2);
            let lo = lopdf::Document::load_mem(&pdf).unwrap();
            let images: Vec<&lopdf::Dictionary> = lo
                .objects
                .values()
                .filter_map(|o| o.as_stream().ok())
                .map(|s| &s.dict)
                .filter(|d| d.get(b"Subtype").and_then(|v| v.as_name()).ok() == Some(b"Image"))
                .collect();
            // Logo, its transparency mask, signature.
            assert_eq!(images.len(), 3);
            assert!(images.iter().any(|d| d.has(b"SMask")));
            // The logo is on both pages (letterhead), the signature on the first.
            for (n, page) in lo.get_pages() {
                let content = String::from_utf8_lossy(&lo.get_page_content(page)).to_string();
                let expected = if n == 1 { 2 } else { 1 };
                assert_eq!(content.matches(" Do").count(), expected, "page {n}");
            }
            assert_all_text_inside_page(&pdf);
            qpdf_check(&pdf);
            scan_pdf_at_100_and_150_dpi(&pdf, &doc.verification_url);
            let (_dir, path) = write_temp(&pdf, "cert.pdf");
            if let Some(text) = pdftotext(&path) {
                assert!(text.contains("Landratsamt Altenburger Land"), "{text}");
                assert!(text.contains("Sabine Groß"), "{text}");
            }
        }
    }

    #[test]
    fn bad_images_are_refused() {
        let msg = |bytes: &[u8]| DocumentImage::from_bytes(bytes).unwrap_err().to_string();
        assert!(msg(b"GIF89a\x01\x00\x01\x00").contains("PNG- oder JPEG-Bild"));
        assert!(msg(b"<svg xmlns='http://www.w3.org/2000/svg'/>").contains("PNG- oder JPEG-Bild"));
        assert!(msg(b"").contains("PNG- oder JPEG-Bild"));
        let mut truncated = png(64, 64);
        truncated.truncate(60);
        assert!(msg(&truncated).contains("nicht gelesen"), "{}", msg(&truncated));
        assert!(msg(&png(4001, 8)).contains("höchstens 4000"), "{}", msg(&png(4001, 8)));
        let mut huge = png(8, 8);
        huge.resize(MAX_IMAGE_BYTES + 1, 0);
        assert!(msg(&huge).contains("2 MB"), "{}", msg(&huge));
        assert!(DocumentImage::from_bytes(&png(4000, 4)).is_ok());
    }

    /// Size and speed; run with `--ignored --nocapture render_timing` (prefer --release).
    #[test]
    #[ignore]
    fn render_timing() {
        let start = Instant::now();
        let r = CertificateRenderer::new().unwrap();
        let load = start.elapsed();
        let german = sample("Jürgen Müller");
        let mut arabic = sample("Jürgen Müller");
        arabic.language = "ar".into();
        let mut titled = arabic.clone();
        titled.course_title_translated = Some("السكن في ألمانيا: الإيجار والتدفئة".into());
        println!("fonts loaded in {:.1} ms", load.as_secs_f64() * 1000.0);
        for (what, doc) in
            [("German", &german), ("Arabic", &arabic), ("Arabic, translated title", &titled)]
        {
            let mut times = Vec::new();
            let mut size = 0;
            for _ in 0..30 {
                let t = Instant::now();
                size = r.render(doc).unwrap().len();
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            println!(
                "{what}: PDF {size} bytes; median render {:.2} ms (min {:.2}, max {:.2})",
                times[times.len() / 2],
                times[0],
                times[times.len() - 1]
            );
        }
    }

    /// Writes a sample to /tmp for looking at it; `--ignored write_sample`.
    #[test]
    #[ignore]
    fn write_sample() {
        let r = CertificateRenderer::new().unwrap();
        std::fs::write("/tmp/certificate-sample.pdf", r.render(&sample("Jürgen Müller")).unwrap())
            .unwrap();
        let mut long = sample("Олена Шевченко-Коваленко Олександрівна");
        long.modules.truncate(2);
        long.run_end = long.run_start;
        std::fs::write("/tmp/certificate-sample-2.pdf", r.render(&long).unwrap()).unwrap();
        let mut many = sample("Maximilian-Alexander Jürgen-Friedrich von Großmann-Überländer zu Lüdenscheidt-Öhringen");
        many.course_title = "Mietführerschein für Neuzugewanderte: Wohnen, Heizen, Lüften, Energie und Wasser sparen, Mülltrennung, Hausordnung, Mietvertrag, Rechte und Pflichten als Mieterin und Mieter".to_string();
        many.modules = (1..=25)
            .map(|i| AttendedModule {
                title: format!("Modul {i}: Rechte und Pflichten im Mietverhältnis, Nebenkostenabrechnung und Kaution"),
                date: date(2026, 10, 1 + (i % 28)),
                duration_minutes: 90,
            })
            .collect();
        std::fs::write("/tmp/certificate-sample-3.pdf", r.render(&many).unwrap()).unwrap();
        for lang in r.languages() {
            let mut doc = sample("Jürgen Müller");
            doc.language = lang.clone();
            doc.course_title_translated = Some(match lang.as_str() {
                "ar" => "السكن في ألمانيا".to_string(),
                "ti" => "ኣብ ጀርመን ገዛ ምክራይ".to_string(),
                _ => "Wohnen in Deutschland (translated)".to_string(),
            });
            let path = format!("/tmp/certificate-sample-{lang}.pdf");
            std::fs::write(path, r.render(&doc).unwrap()).unwrap();
        }
        let mut doc = sample("Jürgen Müller");
        doc.language = "fa".into();
        doc.logo = Some(Arc::new(DocumentImage::from_bytes(&png(240, 120)).unwrap()));
        doc.signature_image = Some(Arc::new(DocumentImage::from_bytes(&jpeg(300, 80)).unwrap()));
        std::fs::write("/tmp/certificate-sample-images.pdf", r.render(&doc).unwrap()).unwrap();
    }
}
