//! Two-page A4 certificate ("Teilnahmebescheinigung") as PDF, with printpdf 0.12.
//!
//! Page 1 is the certificate, page 2 explains it to landlords ("Hinweise für Vermieter").
//!
//! Everything is positioned by hand: printpdf 0.12 has no text measuring helper, so
//! widths are the sum of glyph advances (no kerning is applied when printing either, so
//! the sum is exact). German, Latin and Cyrillic text goes in as Unicode strings; printpdf
//! maps them to glyph ids of the embedded subset and writes a ToUnicode map, so copying
//! text and `pdftotext` work for umlauts, ß and Cyrillic. The participant's language line
//! is shaped once at start-up ([`text`]); Arabic and Persian get contextual letter forms
//! and right-to-left order and are printed as glyph ids that carry their characters.
//!
//! The QR code is drawn as filled vector rectangles, one per horizontal run of dark
//! modules, so it stays sharp at any zoom and prints at the exact size.
//!
//! printpdf builds the document structure; fonts (cached subsets, see [`text`]), images,
//! the document language and the final compression are filled in on the lopdf level,
//! which is where the milliseconds went.

mod image;
mod text;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context};
use chrono::{NaiveDate, NaiveTime};
use printpdf::{
    Codepoint, Color, CurTransMat, FontId, Greyscale, Line, LinePoint, Mm, OffsetDateTime, Op,
    PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point, Pt,
    TextItem, XObjectId, XObjectTransform,
};
use unicode_normalization::UnicodeNormalization;

pub use self::image::{DocumentImage, MAX_IMAGE_BYTES, MAX_IMAGE_SIDE};
use self::text::{CharSet, FaceId, FontFace, Fonts, ShapedLine, Subset};
use super::qr::{self, QUIET_ZONE_MODULES};

const PT_PER_MM: f32 = 72.0 / 25.4;
const PAGE_W_MM: f32 = 210.0;
const PAGE_H_MM: f32 = 297.0;
const MARGIN_X_MM: f32 = 25.0;
const CONTENT_W_MM: f32 = PAGE_W_MM - 2.0 * MARGIN_X_MM;
const RIGHT_MM: f32 = PAGE_W_MM - MARGIN_X_MM;

/// Printed QR size including the quiet zone. At least 30 mm, 35 mm by default;
/// at 35 mm a version-12 module is about 0.48 mm, which phone cameras read easily.
pub const QR_SIZE_MM: f32 = 35.0;
/// Modules across a version-12 code with its quiet zone; larger codes (long names) grow
/// so every module keeps the size that reads well at 35 mm.
const QR_REFERENCE_MODULES: f32 = 73.0;

fn qr_size_mm(code: &qr::QrMatrix) -> f32 {
    let modules = (code.width() + 2 * QUIET_ZONE_MODULES) as f32;
    (modules * QR_SIZE_MM / QR_REFERENCE_MODULES).max(QR_SIZE_MM)
}
/// Bottom edge of the QR code (quiet zone included), from the bottom of the page.
const QR_BOTTOM_MM: f32 = 27.0;
/// Everything of the top part (name, course, module table, language panel) must end above
/// this line, measured from the top; below it sit place/date, signature and QR code.
const BODY_LIMIT_FROM_TOP_MM: f32 = PAGE_H_MM - 71.0;

/// Logo box in the letterhead: a municipal coat of arms or logo rarely needs more, and
/// larger would push the certificate text down.
const LOGO_MAX_H_MM: f32 = 25.0;
const LOGO_MAX_W_MM: f32 = 60.0;
const LOGO_TOP_MM: f32 = 12.0;
/// Scanned signature above the signature line.
const SIGNATURE_MAX_H_MM: f32 = 16.0;

/// Longest text accepted for any single field.
const MAX_FIELD_CHARS: usize = 1000;

const INK: f32 = 0.1;
const MUTED: f32 = 0.35;
const RULE: f32 = 0.6;
const HAIRLINE: f32 = 0.85;

/// Sizes of the participant-language texts; they are shaped once at these sizes.
const TRANSLATED_TITLE_PT: f32 = 14.0;
const EXPLANATION_PT: f32 = 9.5;
const EXPLANATION_LINE_MM: f32 = EXPLANATION_PT * 1.5 / PT_PER_MM;
/// The explanation sits in a panel with an accent rule on its reading-start side.
const PANEL_INSET_MM: f32 = 4.0;
const PANEL_TEXT_W_MM: f32 = CONTENT_W_MM - PANEL_INSET_MM;

/// Translated certificate texts, `{ "<lang>": { "title": .., "explanation": .. } }`.
const TRANSLATIONS_JSON: &str = include_str!("../../locales/certificate.json");

/// The document language (PDF `/Lang`): the certificate is a German document; the
/// translated line is a courtesy.
const DOCUMENT_LANG: &str = "de-DE";

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
    pub modules: Vec<AttendedModule>,
    pub issuer_name: String,
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
    /// The issuing organisation's logo for the letterhead.
    pub logo: Option<Arc<DocumentImage>>,
    /// A scanned signature, printed above the signature line.
    pub signature_image: Option<Arc<DocumentImage>>,
}

/// The participant-language texts of one language, shaped at start-up.
struct Translation {
    rtl: bool,
    title: ShapedLine,
    explanation: Vec<ShapedLine>,
    /// Arabic-face glyphs the texts use; their subset is cached like any other.
    arabic_glyphs: Vec<u16>,
}

/// Renders certificates. Parsing the fonts and shaping the translations costs
/// milliseconds, so build one renderer at start-up and share it (it is `Send + Sync`).
pub struct CertificateRenderer {
    fonts: Fonts,
    translations: HashMap<String, Translation>,
}

impl CertificateRenderer {
    pub fn new() -> anyhow::Result<Self> {
        let fonts = Fonts::load()?;
        let raw: HashMap<String, HashMap<String, String>> =
            serde_json::from_str(TRANSLATIONS_JSON).context("locales/certificate.json")?;
        let mut translations = HashMap::new();
        for (lang, texts) in raw {
            let get = |key: &str| {
                texts
                    .get(key)
                    .map(|s| s.nfc().collect::<String>())
                    .ok_or_else(|| anyhow!("locales/certificate.json: {lang}.{key} missing"))
            };
            let (title, explanation) = (get("title")?, get("explanation")?);
            let rtl = matches!(lang.as_str(), "ar" | "fa" | "ps" | "ckb" | "ur");
            let title_line = fonts.shape_line(&title, FaceId::Bold, rtl)?;
            let explanation_lines = fonts.wrap_shaped(
                &explanation,
                FaceId::Regular,
                rtl,
                EXPLANATION_PT,
                PANEL_TEXT_W_MM,
            )?;
            if title_line.width_mm(&fonts, TRANSLATED_TITLE_PT) > CONTENT_W_MM
                || explanation_lines.len() > 3
            {
                bail!("locales/certificate.json: {lang} texts are too long for the certificate");
            }
            let mut arabic: BTreeSet<u16> = BTreeSet::new();
            for line in std::iter::once(&title_line).chain(&explanation_lines) {
                for run in &line.runs {
                    if run.face == FaceId::Arabic {
                        arabic.extend(run.glyphs.iter().map(|g| g.gid));
                    }
                }
            }
            arabic.remove(&0);
            translations.insert(
                lang,
                Translation {
                    rtl,
                    title: title_line,
                    explanation: explanation_lines,
                    arabic_glyphs: arabic.into_iter().collect(),
                },
            );
        }
        Ok(Self {
            fonts,
            translations,
        })
    }

    /// Languages with a shipped translation of the certificate texts (besides German).
    pub fn languages(&self) -> Vec<String> {
        let mut langs: Vec<String> = self.translations.keys().cloned().collect();
        langs.sort();
        langs
    }

    /// `ar`, `AR`, `fa-AF`, `prs` (Dari) → the translation to print, if any.
    fn translation(&self, language: &str) -> Option<&Translation> {
        let primary = language
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
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

    /// Characters of `text` the certificate fonts cannot show (e.g. Arabic script,
    /// emoji, control characters). Useful for validating names before issuing;
    /// [`render`](Self::render) refuses such text rather than printing empty boxes.
    /// Names print in Latin or Cyrillic letters, as in the holder's official ID.
    pub fn unsupported_chars(&self, text: &str) -> Vec<char> {
        let regular = self.fonts.face(FaceId::Regular);
        let bold = self.fonts.face(FaceId::Bold);
        let mut missing: Vec<char> = text
            .nfc()
            .filter(|&c| c.is_control() || regular.glyph(c).is_none() || bold.glyph(c).is_none())
            .collect();
        missing.sort_unstable();
        missing.dedup();
        missing
    }

    /// Renders the certificate as a two-page PDF: the certificate and the notes for
    /// landlords.
    pub fn render(&self, doc: &CertificateDocument) -> anyhow::Result<Vec<u8>> {
        let texts = DisplayTexts::new(doc);
        if texts.holder.is_empty() {
            bail!("holder_name is empty");
        }
        for (field, text) in texts.all() {
            // Far beyond anything that fits on the page; refusing early bounds the
            // layout work for absurd input.
            if text.chars().count() > MAX_FIELD_CHARS {
                bail!("{field} is too long for the certificate");
            }
            let missing = self.unsupported_chars(text);
            if !missing.is_empty() {
                let list: Vec<String> = missing
                    .iter()
                    .map(|c| format!("{c:?} (U+{:04X})", u32::from(*c)))
                    .collect();
                bail!(
                    "{field}: characters not available in the certificate font: {}",
                    list.join(", ")
                );
            }
        }
        let qr = qr::encode(&doc.verification_url).context("QR code for the verification URL")?;
        let translation = self.translation(&doc.language);
        let arabic = match translation {
            Some(t) if !t.arabic_glyphs.is_empty() => {
                Some(self.fonts.subset(FaceId::Arabic, t.arabic_glyphs.clone())?)
            }
            _ => None,
        };

        let mut images = Vec::new();
        let mut p = Painter::new(&self.fonts, arabic.as_deref());
        let logo = doc.logo.as_ref().map(|img| {
            images.push(Arc::clone(img));
            (XObjectId(format!("Im{}", images.len())), img.as_ref())
        });
        let signature = doc.signature_image.as_ref().map(|img| {
            images.push(Arc::clone(img));
            (XObjectId(format!("Im{}", images.len())), img.as_ref())
        });
        let ctx = PageContext {
            texts: &texts,
            logo: logo.as_ref().map(|(id, img)| (id, *img)),
        };
        layout(
            &mut p,
            &ctx,
            &qr,
            translation,
            signature.as_ref().map(|(id, img)| (id, *img)),
        )?;
        let first = p.take_page();
        landlord_page(&mut p, &ctx)?;
        let second = p.take_page();

        let title = format!("Teilnahmebescheinigung – {}", texts.holder);
        let issued = doc.issued_on.and_time(NaiveTime::MIN).and_utc().timestamp();
        let meta = Meta {
            title: &title,
            author: &texts.issuer,
            subject: &format!("Teilnahmebescheinigung {}", texts.course_code),
            // Dating the file by its issue date keeps re-renders of one certificate stable.
            date: OffsetDateTime::from_unix_timestamp(issued).ok(),
        };
        let images: Vec<(String, Arc<DocumentImage>)> = images
            .into_iter()
            .enumerate()
            .map(|(i, img)| (format!("Im{}", i + 1), img))
            .collect();
        self.finish(p, vec![first, second], &meta, &images)
    }

    /// Builds and serialises the document: printpdf turns the page operations into
    /// content streams and font dictionaries; fonts, images, language and compression
    /// are then settled on the lopdf level.
    fn finish(
        &self,
        p: Painter<'_>,
        mut pages: Vec<PageContent>,
        meta: &Meta<'_>,
        images: &[(String, Arc<DocumentImage>)],
    ) -> anyhow::Result<Vec<u8>> {
        let mut subsets: Vec<Arc<Subset>> = Vec::new();
        let mut pdf = PdfDocument::new(meta.title);
        for face in [FaceId::Regular, FaceId::Bold] {
            let Some(used) = p.used_chars(face).filter(|u| !u.is_empty()) else {
                continue;
            };
            let gids = self.fonts.glyphs_for(face, used);
            subsets.push(self.fonts.subset(face, gids)?);
            let s = subsets.last().map(Arc::clone);
            if let Some(s) = s {
                pdf.resources.fonts.map.insert(
                    FontId(face.resource_name().to_string()),
                    PdfFont::new(s.font.clone()),
                );
            }
        }
        if let Some(arabic) = p.arabic {
            pdf.resources.fonts.map.insert(
                FontId(FaceId::Arabic.resource_name().to_string()),
                PdfFont::new(arabic.font.clone()),
            );
        }
        let info = &mut pdf.metadata.info;
        info.author = meta.author.to_string();
        info.creator = meta.author.to_string();
        info.producer = "mietschulung".to_string();
        info.subject = meta.subject.to_string();
        if let Some(date) = meta.date {
            info.creation_date = date;
            info.modification_date = date;
            info.metadata_date = date;
        }
        pdf.with_pages(
            pages
                .iter_mut()
                .map(|page| {
                    PdfPage::new(Mm(PAGE_W_MM), Mm(PAGE_H_MM), std::mem::take(&mut page.ops))
                })
                .collect(),
        );

        let opts = PdfSaveOptions {
            optimize: false,
            // The fonts added above are subsets already.
            subset_fonts: false,
            secure: true,
            image_optimization: None,
        };
        let mut warnings = Vec::new();
        let mut lo = printpdf::to_lopdf_doc(&pdf, &opts, &mut warnings);
        if let Some(w) = warnings
            .iter()
            .find(|w| w.severity == PdfParseErrorSeverity::Error)
        {
            bail!("PDF serialisation failed: {}", w.msg);
        }
        let all_subsets: Vec<&Subset> = subsets.iter().map(Arc::as_ref).chain(p.arabic).collect();
        let raw: Vec<&[u8]> = pages.iter().map(|page| page.raw.as_slice()).collect();
        finish_lopdf(&mut lo, &all_subsets, images, &raw)?;
        let mut out = Vec::with_capacity(48 * 1024);
        lo.save_to(&mut out).context("writing the PDF")?;
        Ok(out)
    }
}

struct Meta<'a> {
    title: &'a str,
    author: &'a str,
    subject: &'a str,
    date: Option<OffsetDateTime>,
}

/// Post-processing on the object level: cached font programs, subset names, images,
/// document language, compression.
fn finish_lopdf(
    doc: &mut lopdf::Document,
    subsets: &[&Subset],
    images: &[(String, Arc<DocumentImage>)],
    raw: &[&[u8]],
) -> anyhow::Result<()> {
    use lopdf::Object;

    // Content written directly (the QR codes) goes after what printpdf wrote; printpdf
    // leaves the graphics state balanced, and the raw part saves and restores its own.
    let pages: Vec<lopdf::ObjectId> = doc.get_pages().values().copied().collect();
    for (page, extra) in pages.iter().zip(raw) {
        if extra.is_empty() {
            continue;
        }
        let contents = doc
            .get_dictionary(*page)?
            .get(b"Contents")?
            .as_reference()?;
        let stream = doc
            .get_object_mut(contents)?
            .as_stream_mut()
            .map_err(|e| anyhow!("page content is not a stream: {e}"))?;
        let mut content = std::mem::take(&mut stream.content);
        content.push(b'\n');
        content.extend_from_slice(extra);
        stream.set_content(content);
    }

    // Font programs: printpdf copied each subset's bytes into a stream; swap in the
    // deflated copy made when the subset was cached, and note the subset tag per font.
    let mut renamed: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let mut programs: HashMap<lopdf::ObjectId, usize> = HashMap::new();
    for (id, obj) in doc.objects.iter_mut() {
        if let Object::Stream(stream) = obj {
            if stream.dict.has(b"Length1") {
                if let Some(i) = subsets.iter().position(|s| s.program == stream.content) {
                    programs.insert(*id, i);
                    stream
                        .dict
                        .set("Filter", Object::Name(b"FlateDecode".to_vec()));
                    stream.set_content(subsets[i].program_deflated.clone());
                }
            }
        }
    }
    for obj in doc.objects.values() {
        if let Object::Dictionary(dict) = obj {
            let (Ok(name), Ok(file)) = (dict.get(b"FontName"), dict.get(b"FontFile2")) else {
                continue;
            };
            let (Ok(name), Ok(file)) = (name.as_name(), file.as_reference()) else {
                continue;
            };
            if let Some(&i) = programs.get(&file) {
                let mut tagged = format!("{}+", subsets[i].tag).into_bytes();
                tagged.extend_from_slice(name);
                renamed.insert(name.to_vec(), tagged);
            }
        }
    }
    for obj in doc.objects.values_mut() {
        if let Object::Dictionary(dict) = obj {
            for key in [b"FontName".as_slice(), b"BaseFont".as_slice()] {
                let new = match dict.get(key).and_then(Object::as_name) {
                    Ok(old) => renamed.get(old).cloned(),
                    Err(_) => None,
                };
                if let Some(new) = new {
                    dict.set(key, Object::Name(new));
                }
            }
        }
    }

    // Images: printpdf wrote `/ImN Do` into the content; the XObjects go into the shared
    // resource dictionary all pages point at.
    if !images.is_empty() {
        let image_ids: Vec<(String, lopdf::ObjectId)> = images
            .iter()
            .map(|(name, img)| (name.clone(), img.add_to(doc)))
            .collect();
        let first_page = doc
            .get_pages()
            .values()
            .next()
            .copied()
            .ok_or_else(|| anyhow!("document without pages"))?;
        let resources = doc
            .get_dictionary(first_page)?
            .get(b"Resources")?
            .as_reference()?;
        let xobjects = doc
            .get_dictionary(resources)?
            .get(b"XObject")?
            .as_reference()?;
        let dict = doc.get_dictionary_mut(xobjects)?;
        for (name, id) in image_ids {
            dict.set(name.as_bytes(), Object::Reference(id));
        }
    }

    doc.catalog_mut()?
        .set("Lang", Object::string_literal(DOCUMENT_LANG));

    // Level 2 instead of lopdf's 9: the fonts and images (most of the bytes) are
    // compressed once when cached; for the page content the fast levels cost about a
    // kilobyte per file and save most of the compression time.
    for obj in doc.objects.values_mut() {
        if let Object::Stream(stream) = obj {
            if stream.allows_compression && !stream.dict.has(b"Filter") {
                let packed = text::deflate(&stream.content, flate2::Compression::new(2))?;
                if packed.len() < stream.content.len() {
                    stream
                        .dict
                        .set("Filter", Object::Name(b"FlateDecode".to_vec()));
                    stream.set_content(packed);
                }
            }
        }
    }
    Ok(())
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

const CARD_W_MM: f32 = 85.0;
const CARD_H_MM: f32 = 54.0;
const CARDS_PER_PAGE: usize = 10;

impl CertificateRenderer {
    /// Check-in cards in credit-card size, ten per A4 page (two columns, five rows), with
    /// cutting lines.
    pub fn render_cards(&self, issuer: &str, cards: &[ParticipantCard]) -> anyhow::Result<Vec<u8>> {
        if cards.is_empty() {
            bail!("no cards to print");
        }
        let left = (PAGE_W_MM - 2.0 * CARD_W_MM) / 2.0;
        let top = (PAGE_H_MM - 5.0 * CARD_H_MM) / 2.0;
        let mut pages = Vec::new();
        let mut p = Painter::new(&self.fonts, None);
        for chunk in cards.chunks(CARDS_PER_PAGE) {
            for row in 0..=5 {
                p.hline(
                    left,
                    left + 2.0 * CARD_W_MM,
                    top + row as f32 * CARD_H_MM,
                    0.3,
                    0.7,
                );
            }
            for (i, card) in chunk.iter().enumerate() {
                for (field, text) in [("name", &card.name), ("course", &card.course)] {
                    if !self.unsupported_chars(text).is_empty() {
                        bail!("{field}: characters not available in the card font");
                    }
                }
                let x0 = left + (i % 2) as f32 * CARD_W_MM;
                let y0 = top + (i / 2) as f32 * CARD_H_MM;
                let text_w = CARD_W_MM - 40.0;
                let (size, lines) = p
                    .regular
                    .fit(issuer, text_w, &sizes(7.0, 5.0), 2)
                    .unwrap_or((5.0, vec![String::new()]));
                let mut y = y0 + 6.0;
                for line in &lines {
                    p.text(false, size, MUTED, x0 + 4.0, y, Align::Left, line);
                    y += size * 1.25 / PT_PER_MM;
                }
                p.text(
                    true,
                    9.0,
                    INK,
                    x0 + 4.0,
                    y0 + 16.0,
                    Align::Left,
                    "Teilnahmekarte",
                );
                let (size, lines) = p
                    .bold
                    .fit(&card.name, text_w, &sizes(13.0, 8.0), 2)
                    .ok_or_else(|| anyhow!("name is too long for the card"))?;
                let mut y = y0 + 24.0;
                for line in &lines {
                    p.text(true, size, INK, x0 + 4.0, y, Align::Left, line);
                    y += size * 1.25 / PT_PER_MM;
                }
                let (size, lines) = p
                    .regular
                    .fit(&card.course, text_w, &sizes(8.0, 6.0), 2)
                    .unwrap_or((6.0, vec![]));
                let mut y = y0 + 38.0;
                for line in lines.iter().chain(std::iter::once(&card.period)) {
                    p.text(false, size, MUTED, x0 + 4.0, y, Align::Left, line);
                    y += size * 1.25 / PT_PER_MM;
                }
                let code = qr::encode(&card.url).context("QR code for the card")?;
                let qr_size = 32.0;
                let qr_x = x0 + CARD_W_MM - qr_size - 3.0;
                p.qr(&code, qr_x, PAGE_H_MM - (y0 + 3.0 + qr_size), qr_size);
                p.text(
                    true,
                    8.0,
                    INK,
                    qr_x + qr_size / 2.0,
                    y0 + 3.0 + qr_size + 4.0,
                    Align::Center,
                    &card.code,
                );
            }
            pages.push(p.take_page());
        }
        let meta = Meta {
            title: "Teilnahmekarten",
            author: issuer,
            subject: "",
            date: None,
        };
        self.finish(p, pages, &meta, &[])
    }
}

/// The document's texts, NFC-normalised and formatted for printing.
struct DisplayTexts {
    issuer: String,
    holder: String,
    course_title: String,
    course_line: String,
    course_code: String,
    modules: Vec<[String; 3]>,
    place_date: String,
    signatory: String,
    signatory_title: String,
    code: String,
    check_host: String,
    check_hint: String,
}

impl DisplayTexts {
    fn new(doc: &CertificateDocument) -> Self {
        let nfc = |s: &str| -> String { s.nfc().collect::<String>().trim().to_string() };
        let period = if doc.run_start == doc.run_end {
            format!("am {}", german_date(doc.run_start))
        } else {
            format!(
                "vom {} bis {}",
                german_date(doc.run_start),
                german_date(doc.run_end)
            )
        };
        let code_part = if doc.course_code.trim().is_empty() {
            String::new()
        } else {
            format!(" ({})", nfc(&doc.course_code))
        };
        let host = check_host(&doc.verification_url);
        Self {
            issuer: nfc(&doc.issuer_name),
            holder: nfc(&doc.holder_name),
            course_title: nfc(&doc.course_title),
            course_line: format!(
                "an der Mietschulung \u{201E}{}\u{201C}{code_part} {period} in {} teilgenommen hat.",
                nfc(&doc.course_title),
                nfc(&doc.place)
            ),
            course_code: nfc(&doc.course_code),
            modules: doc
                .modules
                .iter()
                .map(|m| {
                    [
                        nfc(&m.title),
                        german_date(m.date),
                        format!("{} Min.", m.duration_minutes),
                    ]
                })
                .collect(),
            place_date: format!("{}, den {}", nfc(&doc.place), german_date(doc.issued_on)),
            signatory: nfc(&doc.signatory_name),
            signatory_title: nfc(&doc.signatory_title),
            code: nfc(&doc.code_display),
            check_hint: format!(
                "Echtheit prüfen: QR-Code scannen oder Code unter {host}/z eingeben"
            ),
            check_host: host,
        }
    }

    fn all(&self) -> Vec<(&'static str, &str)> {
        let mut all = vec![
            ("issuer_name", self.issuer.as_str()),
            ("holder_name", self.holder.as_str()),
            ("course title, code or place", self.course_line.as_str()),
            ("place", self.place_date.as_str()),
            ("signatory_name", self.signatory.as_str()),
            ("signatory_title", self.signatory_title.as_str()),
            ("code_display", self.code.as_str()),
            ("verification_url", self.check_hint.as_str()),
        ];
        all.extend(self.modules.iter().map(|m| ("module title", m[0].as_str())));
        all
    }
}

fn german_date(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// `HTTPS://MIETEN.EXAMPLE.DE/Z/ABC…` → `mieten.example.de`: what a person types to
/// reach the manual code entry page. Lower case reads better; the server matches the
/// path case-insensitively anyway.
fn check_host(url: &str) -> String {
    let upper = url.to_ascii_uppercase();
    let base = match upper.rfind("/Z/") {
        Some(pos) => &url[..pos],
        None => url,
    };
    let without_scheme = base.split_once("://").map_or(base, |(_, rest)| rest);
    without_scheme.to_ascii_lowercase()
}

/// A font as used on the page: metrics for measuring plus the handle for printing.
struct Face<'a> {
    font: &'a FontFace,
    handle: PdfFontHandle,
}

impl<'a> Face<'a> {
    fn new(font: &'a FontFace, id: FaceId) -> Self {
        Self {
            font,
            handle: PdfFontHandle::External(FontId(id.resource_name().to_string())),
        }
    }

    fn units(&self, text: &str) -> u32 {
        text.chars().map(|c| self.font.char_units(c)).sum()
    }

    /// Advance width of `text` at `size` (pt), in mm.
    fn width_mm(&self, text: &str, size: f32) -> f32 {
        self.units(text) as f32 / self.font.units_per_em * size / PT_PER_MM
    }

    /// Greedy word wrap to `width` mm, in one pass over the text. A word wider than a
    /// whole line is broken between characters, so nothing can run off the page.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        // Compare in integer font units so the result agrees exactly with `width_mm`.
        let limit = (width * PT_PER_MM / size * self.font.units_per_em)
            .floor()
            .max(0.0) as u32;
        let space = self.font.char_units(' ');
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut line_units = 0u32;
        for word in text.split_whitespace() {
            let word_units = self.units(word);
            if !line.is_empty() && line_units + space + word_units <= limit {
                line.push(' ');
                line.push_str(word);
                line_units += space + word_units;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if word_units <= limit {
                line = word.to_string();
                line_units = word_units;
                continue;
            }
            line_units = 0;
            for c in word.chars() {
                let c_units = self.font.char_units(c);
                if !line.is_empty() && line_units + c_units > limit {
                    lines.push(std::mem::take(&mut line));
                    line_units = 0;
                }
                line.push(c);
                line_units += c_units;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Shrink first, then wrap: the largest size in `sizes` (descending) at which the
    /// text fits on one line; failing that, the largest at which it fits in `max_lines`.
    fn fit(
        &self,
        text: &str,
        width: f32,
        sizes: &[f32],
        max_lines: usize,
    ) -> Option<(f32, Vec<String>)> {
        for &size in sizes {
            if self.width_mm(text, size) <= width {
                return Some((size, vec![text.to_string()]));
            }
        }
        sizes.iter().find_map(|&size| {
            let lines = self.wrap(text, size, width);
            (lines.len() <= max_lines).then_some((size, lines))
        })
    }
}

fn sizes(from: f32, to: f32) -> Vec<f32> {
    let mut out = Vec::new();
    let mut s = from;
    while s >= to - 0.01 {
        out.push(s);
        s -= 0.5;
    }
    out
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
    Right,
}

/// Collects page operations. Coordinates given to it are in mm; `from_top` values are
/// measured from the top edge, as a reader sees the page, and converted here.
/// One page: printpdf operations, then content written directly.
struct PageContent {
    ops: Vec<Op>,
    raw: Vec<u8>,
}

struct Painter<'a> {
    ops: Vec<Op>,
    /// Content-stream bytes of the current page written without printpdf (see `qr`).
    raw: Vec<u8>,
    fonts: &'a Fonts,
    regular: Face<'a>,
    bold: Face<'a>,
    arabic_handle: PdfFontHandle,
    /// The Arabic-face subset of this document, when its language line needs one.
    arabic: Option<&'a Subset>,
    chars: [CharSet; 2],
}

fn pt(mm: f32) -> Pt {
    Pt(mm * PT_PER_MM)
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale {
        percent: level,
        icc_profile: None,
    })
}

impl<'a> Painter<'a> {
    fn new(fonts: &'a Fonts, arabic: Option<&'a Subset>) -> Self {
        Self {
            ops: Vec::with_capacity(2048),
            raw: Vec::new(),
            fonts,
            regular: Face::new(fonts.face(FaceId::Regular), FaceId::Regular),
            bold: Face::new(fonts.face(FaceId::Bold), FaceId::Bold),
            arabic_handle: PdfFontHandle::External(FontId(
                FaceId::Arabic.resource_name().to_string(),
            )),
            arabic,
            chars: [CharSet::new(), CharSet::new()],
        }
    }

    /// The finished page; the painter starts the next one.
    fn take_page(&mut self) -> PageContent {
        PageContent {
            ops: std::mem::take(&mut self.ops),
            raw: std::mem::take(&mut self.raw),
        }
    }

    fn used_chars(&self, face: FaceId) -> Option<&CharSet> {
        match face {
            FaceId::Regular => Some(&self.chars[0]),
            FaceId::Bold => Some(&self.chars[1]),
            FaceId::Arabic => None,
        }
    }

    fn face(&self, bold: bool) -> &Face<'a> {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    fn note_chars(&mut self, bold: bool, text: &str) {
        let set = &mut self.chars[usize::from(bold)];
        for c in text.chars() {
            set.insert(c);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        bold: bool,
        size: f32,
        level: f32,
        x: f32,
        from_top: f32,
        align: Align,
        text: &str,
    ) {
        let face = self.face(bold);
        let width = face.width_mm(text, size);
        let x = match align {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        };
        let handle = face.handle.clone();
        self.note_chars(bold, text);
        self.ops.extend([
            Op::SetFillColor { col: grey(level) },
            Op::StartTextSection,
            Op::SetFont {
                font: handle,
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point {
                    x: pt(x),
                    y: pt(PAGE_H_MM - from_top),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    /// Prints a line shaped at start-up. Arabic-face runs go out as glyph ids of this
    /// document's Arabic subset, each carrying its characters for text extraction;
    /// other runs as text, like everything else.
    #[allow(clippy::too_many_arguments)]
    fn shaped(
        &mut self,
        line: &ShapedLine,
        size: f32,
        level: f32,
        x: f32,
        from_top: f32,
        align: Align,
    ) -> anyhow::Result<()> {
        let fonts = self.fonts;
        let width = line.width_mm(fonts, size);
        let x = match align {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        };
        self.ops.extend([
            Op::SetFillColor { col: grey(level) },
            Op::StartTextSection,
            Op::SetTextCursor {
                pos: Point {
                    x: pt(x),
                    y: pt(PAGE_H_MM - from_top),
                },
            },
        ]);
        for run in &line.runs {
            let face = fonts.face(run.face);
            let per_unit = 1000.0 / face.units_per_em;
            match run.face {
                FaceId::Arabic => {
                    let subset = self
                        .arabic
                        .ok_or_else(|| anyhow!("Arabic text without an Arabic font subset"))?;
                    let mut items = Vec::with_capacity(run.glyphs.len());
                    for (i, g) in run.glyphs.iter().enumerate() {
                        let gid = *subset
                            .gid_map
                            .get(&g.gid)
                            .ok_or_else(|| anyhow!("glyph {} missing in the subset", g.gid))?;
                        // TJ moves by the glyph's own width; correct to the shaped
                        // advance and to the next glyph's offset.
                        let own = i32::from(face.parsed.get_horizontal_advance(g.gid));
                        let next_offset = run.glyphs.get(i + 1).map_or(0, |n| n.x_offset);
                        let shift = (g.advance - own) + (next_offset - g.x_offset);
                        items.push(Codepoint {
                            gid,
                            offset: -(shift as f32) * per_unit,
                            cid: Some(g.text.clone()),
                        });
                    }
                    self.ops.extend([
                        Op::SetFont {
                            font: self.arabic_handle.clone(),
                            size: Pt(size),
                        },
                        Op::ShowText {
                            items: vec![TextItem::GlyphIds(items)],
                        },
                    ]);
                }
                FaceId::Regular | FaceId::Bold => {
                    let bold = run.face == FaceId::Bold;
                    let text: String = run.glyphs.iter().map(|g| g.text.as_str()).collect();
                    self.note_chars(bold, &text);
                    self.ops.extend([
                        Op::SetFont {
                            font: self.face(bold).handle.clone(),
                            size: Pt(size),
                        },
                        Op::ShowText {
                            items: vec![TextItem::Text(text)],
                        },
                    ]);
                }
            }
        }
        self.ops.push(Op::EndTextSection);
        Ok(())
    }

    fn hline(&mut self, x1: f32, x2: f32, from_top: f32, thickness_pt: f32, level: f32) {
        self.line(x1, from_top, x2, from_top, thickness_pt, level);
    }

    fn line(&mut self, x1: f32, top1: f32, x2: f32, top2: f32, thickness_pt: f32, level: f32) {
        self.ops.extend([
            Op::SetOutlineColor { col: grey(level) },
            Op::SetOutlineThickness {
                pt: Pt(thickness_pt),
            },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: Point {
                                x: pt(x1),
                                y: pt(PAGE_H_MM - top1),
                            },
                            bezier: false,
                        },
                        LinePoint {
                            p: Point {
                                x: pt(x2),
                                y: pt(PAGE_H_MM - top2),
                            },
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    /// Places an image XObject in the box (`x`, `from_top`, `w`, `h`) mm.
    fn image(&mut self, id: &XObjectId, x: f32, from_top: f32, w: f32, h: f32) {
        self.ops.extend([
            Op::SaveGraphicsState,
            Op::SetTransformationMatrix {
                matrix: CurTransMat::Raw([
                    w * PT_PER_MM,
                    0.0,
                    0.0,
                    h * PT_PER_MM,
                    x * PT_PER_MM,
                    (PAGE_H_MM - from_top - h) * PT_PER_MM,
                ]),
            },
            Op::UseXobject {
                id: id.clone(),
                transform: XObjectTransform {
                    // The matrix above already maps the unit square onto the box.
                    no_auto_scale: true,
                    ..Default::default()
                },
            },
            Op::RestoreGraphicsState,
        ]);
    }

    /// Draws the QR code with its lower-left corner (quiet zone included) at
    /// (`x`, `y`) mm from the page's lower-left corner.
    fn qr(&mut self, code: &qr::QrMatrix, x: f32, y: f32, size: f32) {
        let modules = code.width() + 2 * QUIET_ZONE_MODULES;
        let module = size / modules as f32;
        let top = y + size - QUIET_ZONE_MODULES as f32 * module;
        let left = x + QUIET_ZONE_MODULES as f32 * module;
        // One path of rectangles in module units under one transformation (y pointing
        // down), written straight into the content stream: a version-12 code has some 600
        // runs, and going through printpdf's operations cost a third of the whole
        // certificate in number formatting and allocations. Integers here, and one fill
        // per run: poppler rasterises a single many-rectangle path a little lighter at the
        // edges, and at 100 dpi zbar then no longer read a version-12 code.
        use std::io::Write as _;
        let raw = &mut self.raw;
        let _ = writeln!(
            raw,
            "q {:.4} 0 0 {:.4} {:.4} {:.4} cm 0 g",
            module * PT_PER_MM,
            -module * PT_PER_MM,
            left * PT_PER_MM,
            top * PT_PER_MM,
        );
        for (row, start, len) in code.dark_runs() {
            let _ = writeln!(raw, "{start} {row} {len} 1 re f");
        }
        raw.extend_from_slice(b"Q\n");
    }
}

/// Fits an image of `img`'s aspect ratio into `max_w` × `max_h` mm.
fn fit_image(img: &DocumentImage, max_w: f32, max_h: f32) -> (f32, f32) {
    let (w, h) = img.dimensions();
    let ratio = w as f32 / h.max(1) as f32;
    if max_w / max_h > ratio {
        (max_h * ratio, max_h)
    } else {
        (max_w, max_w / ratio)
    }
}

/// What both pages share.
struct PageContext<'a> {
    texts: &'a DisplayTexts,
    logo: Option<(&'a XObjectId, &'a DocumentImage)>,
}

/// Issuer (and logo, top right) above a rule; returns the rule's position from the top.
fn letterhead(p: &mut Painter<'_>, ctx: &PageContext<'_>) -> anyhow::Result<f32> {
    let mut text_w = CONTENT_W_MM;
    let mut bottom: f32 = 25.0;
    if let Some((id, img)) = ctx.logo {
        let (w, h) = fit_image(img, LOGO_MAX_W_MM, LOGO_MAX_H_MM);
        p.image(id, RIGHT_MM - w, LOGO_TOP_MM, w, h);
        text_w = CONTENT_W_MM - w - 6.0;
        bottom = bottom.max(LOGO_TOP_MM + h + 3.0);
    }
    let (size, lines) = p
        .regular
        .fit(&ctx.texts.issuer, text_w, &sizes(10.5, 8.0), 3)
        .ok_or_else(|| anyhow!("issuer name is too long for the certificate"))?;
    let mut y = 20.0;
    for line in &lines {
        p.text(false, size, MUTED, MARGIN_X_MM, y, Align::Left, line);
        y += size * 1.3 / PT_PER_MM;
    }
    let rule_y = y.max(bottom);
    p.hline(MARGIN_X_MM, RIGHT_MM, rule_y, 0.6, RULE);
    Ok(rule_y)
}

/// Places everything on the page. Fails instead of letting text overflow when the
/// content cannot fit even at the smallest allowed sizes.
fn layout(
    p: &mut Painter<'_>,
    ctx: &PageContext<'_>,
    code: &qr::QrMatrix,
    translation: Option<&Translation>,
    signature: Option<(&XObjectId, &DocumentImage)>,
) -> anyhow::Result<()> {
    let t = ctx.texts;
    let rule_y = letterhead(p, ctx)?;

    let mut y = rule_y + 21.0;
    p.text(
        true,
        28.0,
        INK,
        PAGE_W_MM / 2.0,
        y,
        Align::Center,
        "Teilnahmebescheinigung",
    );
    if let Some(tr) = translation {
        y += 9.0;
        p.shaped(
            &tr.title,
            TRANSLATED_TITLE_PT,
            MUTED,
            PAGE_W_MM / 2.0,
            y,
            Align::Center,
        )?;
        y += 12.0;
    } else {
        y += 16.0;
    }
    p.text(
        false,
        12.0,
        INK,
        PAGE_W_MM / 2.0,
        y,
        Align::Center,
        "Hiermit wird bestätigt, dass",
    );

    // The holder's name is the one thing a landlord compares with an ID card: large,
    // on one line if shrinking to 14 pt suffices, wrapped otherwise.
    let (size, lines) = p
        .bold
        .fit(&t.holder, CONTENT_W_MM, &sizes(22.0, 14.0), 3)
        .ok_or_else(|| anyhow!("holder name is too long for the certificate"))?;
    y += 6.0;
    for line in &lines {
        y += size * 1.25 / PT_PER_MM;
        p.text(true, size, INK, PAGE_W_MM / 2.0, y, Align::Center, line);
    }

    // A sentence, so wrapping at full size reads better than shrinking to one line.
    let (size, lines) = sizes(12.0, 9.0)
        .into_iter()
        .find_map(|s| {
            let lines = p.regular.wrap(&t.course_line, s, CONTENT_W_MM);
            (lines.len() <= 4).then_some((s, lines))
        })
        .ok_or_else(|| anyhow!("course title or place is too long for the certificate"))?;
    y += 6.0;
    for line in &lines {
        y += size * 1.45 / PT_PER_MM;
        p.text(false, size, INK, PAGE_W_MM / 2.0, y, Align::Center, line);
    }

    // The explanation in the participant's language sits right above place and date,
    // next to the QR code it talks about; the module table gets what is left above it.
    let mut body_limit = BODY_LIMIT_FROM_TOP_MM;
    if let Some(tr) = translation {
        let n = tr.explanation.len() as f32;
        let panel_h = n * EXPLANATION_LINE_MM + 1.5;
        let panel_top = BODY_LIMIT_FROM_TOP_MM - panel_h;
        let (rule_x, text_x, align) = if tr.rtl {
            (RIGHT_MM, RIGHT_MM - PANEL_INSET_MM, Align::Right)
        } else {
            (MARGIN_X_MM, MARGIN_X_MM + PANEL_INSET_MM, Align::Left)
        };
        p.line(rule_x, panel_top, rule_x, panel_top + panel_h, 1.5, RULE);
        let mut ly = panel_top + EXPLANATION_PT / PT_PER_MM;
        for line in &tr.explanation {
            p.shaped(line, EXPLANATION_PT, INK, text_x, ly, align)?;
            ly += EXPLANATION_LINE_MM;
        }
        body_limit = panel_top - 5.0;
    }

    if !t.modules.is_empty() {
        y += 12.0;
        module_table(p, t, y, body_limit)?;
    }

    // Bottom part, positioned from the bottom edge so it never moves.
    let from_bottom = |mm: f32| PAGE_H_MM - mm;
    let left_w = 120.0;
    let (size, lines) = p
        .regular
        .fit(&t.place_date, left_w, &sizes(11.0, 7.0), 1)
        .ok_or_else(|| anyhow!("place is too long for the certificate"))?;
    p.text(
        false,
        size,
        INK,
        MARGIN_X_MM,
        from_bottom(62.0),
        Align::Left,
        &lines.concat(),
    );

    let sig_w = 75.0;
    if let Some((id, img)) = signature {
        let (w, h) = fit_image(img, sig_w, SIGNATURE_MAX_H_MM);
        p.image(id, MARGIN_X_MM, from_bottom(40.8) - h, w, h);
    }
    p.hline(
        MARGIN_X_MM,
        MARGIN_X_MM + sig_w,
        from_bottom(40.0),
        0.6,
        MUTED,
    );
    let (size, lines) = p
        .regular
        .fit(&t.signatory, sig_w, &sizes(11.0, 7.0), 1)
        .ok_or_else(|| anyhow!("signatory name is too long for the certificate"))?;
    p.text(
        false,
        size,
        INK,
        MARGIN_X_MM,
        from_bottom(35.5),
        Align::Left,
        &lines.concat(),
    );
    if !t.signatory_title.is_empty() {
        let (size, lines) = p
            .regular
            .fit(&t.signatory_title, sig_w, &sizes(9.0, 6.5), 2)
            .ok_or_else(|| anyhow!("signatory title is too long for the certificate"))?;
        let mut ty = from_bottom(31.0);
        for line in &lines {
            p.text(false, size, MUTED, MARGIN_X_MM, ty, Align::Left, line);
            ty += size * 1.3 / PT_PER_MM;
        }
    }

    let qr_size = qr_size_mm(code);
    let qr_x = RIGHT_MM - qr_size;
    p.qr(code, qr_x, QR_BOTTOM_MM, qr_size);
    let (size, lines) = p
        .bold
        .fit(&t.code, qr_size, &sizes(10.0, 7.0), 1)
        .ok_or_else(|| anyhow!("certificate code is too long"))?;
    p.text(
        true,
        size,
        INK,
        qr_x + qr_size / 2.0,
        from_bottom(QR_BOTTOM_MM - 3.5),
        Align::Center,
        &lines.concat(),
    );

    p.hline(MARGIN_X_MM, RIGHT_MM, from_bottom(18.0), 0.4, HAIRLINE);
    let (size, lines) = p
        .regular
        .fit(&t.check_hint, CONTENT_W_MM, &sizes(8.5, 6.0), 1)
        .ok_or_else(|| anyhow!("verification host is too long for the certificate"))?;
    p.text(
        false,
        size,
        MUTED,
        PAGE_W_MM / 2.0,
        from_bottom(13.0),
        Align::Center,
        &lines.concat(),
    );
    p.text(
        false,
        7.5,
        MUTED,
        RIGHT_MM,
        from_bottom(8.0),
        Align::Right,
        "Hinweise für Vermieter auf Seite 2",
    );
    Ok(())
}

/// Module list as a three-column table starting at `top` (mm from the top) and ending
/// above `limit`. Shrinks the font for long lists and, as a last resort, summarises the
/// rows that do not fit.
fn module_table(p: &mut Painter<'_>, t: &DisplayTexts, top: f32, limit: f32) -> anyhow::Result<()> {
    let date_x = RIGHT_MM - 52.0;
    let title_w = date_x - MARGIN_X_MM - 5.0;
    let header_h = 7.0;
    let available = limit - top - header_h;
    if available < 10.0 {
        bail!("course texts leave no room for the module list");
    }

    let row_lines = |size: f32| -> Vec<Vec<String>> {
        t.modules
            .iter()
            .map(|m| p.regular.wrap(&m[0], size, title_w))
            .collect()
    };
    let row_h = |lines: usize, size: f32| lines.max(1) as f32 * size * 1.3 / PT_PER_MM + 2.2;

    let mut chosen = None;
    for size in sizes(10.5, 8.0) {
        let rows = row_lines(size);
        let total: f32 = rows.iter().map(|r| row_h(r.len(), size)).sum();
        if total <= available {
            chosen = Some((size, rows, t.modules.len()));
            break;
        }
    }
    let (size, rows, shown) = match chosen {
        Some(c) => c,
        None => {
            let size = 8.0;
            let rows = row_lines(size);
            let summary_h = row_h(1, size);
            let mut used = 0.0;
            let mut shown = 0;
            for r in &rows {
                let h = row_h(r.len(), size);
                if used + h + summary_h > available {
                    break;
                }
                used += h;
                shown += 1;
            }
            (size, rows, shown)
        }
    };

    let header_size = size - 1.0;
    let mut y = top;
    p.text(
        true,
        header_size,
        MUTED,
        MARGIN_X_MM,
        y,
        Align::Left,
        "Besuchte Module",
    );
    p.text(true, header_size, MUTED, date_x, y, Align::Left, "Datum");
    p.text(true, header_size, MUTED, RIGHT_MM, y, Align::Right, "Dauer");
    y += 2.0;
    p.hline(MARGIN_X_MM, RIGHT_MM, y, 0.5, RULE);
    y += header_h - 2.0;

    let line_h = size * 1.3 / PT_PER_MM;
    for (module, lines) in t.modules.iter().zip(&rows).take(shown) {
        let mut ly = y;
        for line in lines {
            p.text(false, size, INK, MARGIN_X_MM, ly, Align::Left, line);
            ly += line_h;
        }
        p.text(false, size, INK, date_x, y, Align::Left, &module[1]);
        p.text(false, size, INK, RIGHT_MM, y, Align::Right, &module[2]);
        let h = row_h(lines.len(), size);
        p.hline(MARGIN_X_MM, RIGHT_MM, y + h - line_h + 0.2, 0.25, HAIRLINE);
        y += h;
    }
    let hidden = t.modules.len() - shown;
    if hidden > 0 {
        p.text(
            false,
            size,
            MUTED,
            MARGIN_X_MM,
            y,
            Align::Left,
            &more_modules(hidden),
        );
    }
    Ok(())
}

fn more_modules(hidden: usize) -> String {
    if hidden == 1 {
        "… und 1 weiteres Modul".to_string()
    } else {
        format!("… und {hidden} weitere Module")
    }
}

/// Body text of the landlord page.
const NOTE_PT: f32 = 10.5;
const NOTE_LINE_MM: f32 = NOTE_PT * 1.4 / PT_PER_MM;
const NOTE_HEADING_PT: f32 = 12.0;
/// Lowest baseline of the landlord page's text, from the top (above the footer).
const NOTE_LIMIT_FROM_TOP_MM: f32 = PAGE_H_MM - 22.0;

/// Page 2: what a landlord needs to know, in plain German, on one page.
fn landlord_page(p: &mut Painter<'_>, ctx: &PageContext<'_>) -> anyhow::Result<()> {
    let t = ctx.texts;
    let rule_y = letterhead(p, ctx)?;
    let mut y = rule_y + 14.0;
    p.text(
        true,
        20.0,
        INK,
        MARGIN_X_MM,
        y,
        Align::Left,
        "Hinweise für Vermieter",
    );
    y += 7.0;
    p.text(
        false,
        NOTE_PT,
        MUTED,
        MARGIN_X_MM,
        y,
        Align::Left,
        "zur Teilnahmebescheinigung auf Seite 1",
    );
    y += 6.0;

    let host = &t.check_host;
    let sections: [(&str, Vec<Paragraph>); 4] = [
        (
            "Was die Bescheinigung aussagt",
            vec![
                Paragraph::Text(
                    "Die Bescheinigung bestätigt nur, dass die genannte Person an der Schulung teilgenommen hat. Sie ist keine Garantie für die Zahlung der Miete, keine Mietschuldenfreiheitsbescheinigung und keine Auskunft über die Zahlungsfähigkeit.".to_string(),
                ),
                Paragraph::Text(
                    "Außer dem Namen enthält sie keine persönlichen Daten: keine Anschrift, kein Geburtsdatum, keine Staatsangehörigkeit und keinen Aufenthaltsstatus.".to_string(),
                ),
            ],
        ),
        (
            "So prüfen Sie, ob die Bescheinigung echt ist",
            vec![
                Paragraph::Step(
                    1,
                    format!(
                        "Scannen Sie den QR-Code auf Seite 1 mit der Kamera Ihres Smartphones und öffnen Sie den Link. Oder rufen Sie {host}/z auf und geben Sie den Code {} ein.",
                        t.code
                    ),
                ),
                Paragraph::Step(
                    2,
                    "Auf der Prüfseite muss groß \u{201E}Gültig\u{201C} stehen.".to_string(),
                ),
                Paragraph::Step(
                    3,
                    "Vergleichen Sie den Namen auf der Prüfseite mit einem amtlichen Ausweis der Person.".to_string(),
                ),
                Paragraph::Text(
                    "Steht dort \u{201E}Widerrufen\u{201C} oder \u{201E}Ungültig\u{201C}, ist die Bescheinigung nicht gültig. Bei Fragen wenden Sie sich an die ausstellende Stelle.".to_string(),
                ),
            ],
        ),
        (
            "Ihre Daten",
            vec![Paragraph::Text(
                "Die Prüfung ist kostenlos und ohne Anmeldung möglich. Dabei werden keine Daten über Sie gespeichert.".to_string(),
            )],
        ),
        (
            "Was die Schulung behandelt hat",
            vec![Paragraph::Text(format!(
                "Mietschulung \u{201E}{}\u{201C}{}",
                t.course_title,
                if t.modules.is_empty() {
                    "".to_string()
                } else {
                    " mit diesen Themen:".to_string()
                }
            ))],
        ),
    ];

    for (heading, paragraphs) in &sections {
        y += 8.0;
        p.text(
            true,
            NOTE_HEADING_PT,
            INK,
            MARGIN_X_MM,
            y,
            Align::Left,
            heading,
        );
        y += 1.5;
        for para in paragraphs {
            let (indent, text) = match para {
                Paragraph::Text(text) => (0.0, text.as_str()),
                Paragraph::Step(n, text) => {
                    p.text(
                        true,
                        NOTE_PT,
                        INK,
                        MARGIN_X_MM,
                        y + NOTE_LINE_MM,
                        Align::Left,
                        &format!("{n}."),
                    );
                    (6.0, text.as_str())
                }
            };
            for line in p.regular.wrap(text, NOTE_PT, CONTENT_W_MM - indent) {
                y += NOTE_LINE_MM;
                p.text(
                    false,
                    NOTE_PT,
                    INK,
                    MARGIN_X_MM + indent,
                    y,
                    Align::Left,
                    &line,
                );
            }
            y += 1.8;
        }
    }

    // The module titles come last: their number and length vary, so they take the
    // space that is left and are summarised when it runs out.
    let bullet_w = CONTENT_W_MM - 6.0;
    let mut shown = 0;
    for (i, module) in t.modules.iter().enumerate() {
        let lines = p.regular.wrap(&module[0], NOTE_PT, bullet_w);
        let remaining = t.modules.len() - i;
        let needed =
            lines.len() as f32 * NOTE_LINE_MM + if remaining > 1 { NOTE_LINE_MM } else { 0.0 };
        if y + needed > NOTE_LIMIT_FROM_TOP_MM {
            break;
        }
        p.text(
            false,
            NOTE_PT,
            INK,
            MARGIN_X_MM + 1.5,
            y + NOTE_LINE_MM,
            Align::Left,
            "•",
        );
        for line in lines {
            y += NOTE_LINE_MM;
            p.text(
                false,
                NOTE_PT,
                INK,
                MARGIN_X_MM + 6.0,
                y,
                Align::Left,
                &line,
            );
        }
        shown += 1;
    }
    if shown < t.modules.len() {
        y += NOTE_LINE_MM;
        p.text(
            false,
            NOTE_PT,
            MUTED,
            MARGIN_X_MM + 6.0,
            y,
            Align::Left,
            &more_modules(t.modules.len() - shown),
        );
    }
    if y > NOTE_LIMIT_FROM_TOP_MM {
        bail!("the notes for landlords do not fit on one page");
    }

    let footer = PAGE_H_MM - 13.0;
    p.hline(MARGIN_X_MM, RIGHT_MM, footer - 5.0, 0.4, HAIRLINE);
    let (size, lines) = p
        .regular
        .fit(
            &format!("Teilnahmebescheinigung {} · Seite 2 von 2", t.code),
            CONTENT_W_MM,
            &sizes(8.5, 6.0),
            1,
        )
        .ok_or_else(|| anyhow!("certificate code is too long"))?;
    p.text(
        false,
        size,
        MUTED,
        PAGE_W_MM / 2.0,
        footer,
        Align::Center,
        &lines.concat(),
    );
    Ok(())
}

enum Paragraph {
    Text(String),
    Step(u32, String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::Instant;

    const URL: &str = "HTTP://127.0.0.1:8080/Z/";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn sample(holder: &str) -> CertificateDocument {
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
            signatory_name: "Sabine Groß".to_string(),
            signatory_title: "Koordinatorin Integrationsmanagement".to_string(),
            issued_on: date(2026, 11, 21),
            verification_url: format!("{URL}{token}"),
            code_display: "8A13-F000-4299-FF01".to_string(),
            language: "de".to_string(),
            logo: None,
            signature_image: None,
        }
    }

    fn tool(name: &str) -> Option<PathBuf> {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    }

    fn write_temp(bytes: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    fn pdftotext(path: &Path) -> Option<String> {
        pdftotext_args(path, &["-layout"])
    }

    fn pdftotext_args(path: &Path, args: &[&str]) -> Option<String> {
        tool("pdftotext")?;
        let out = Command::new("pdftotext")
            .args(args)
            .args(["-enc", "UTF-8"])
            .arg(path)
            .arg("-")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
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
            let utf16: Vec<u16> = bytes[2..]
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            assert_eq!(&bytes[..2], &[0xFE, 0xFF]);
            String::from_utf16(&utf16).unwrap()
        };
        assert_eq!(text(b"Title"), "Teilnahmebescheinigung – Олена Шевченко");
        assert_eq!(
            text(b"Author"),
            "Landratsamt Altenburger Land – Integrationsmanagement"
        );
        assert_eq!(
            text(b"Creator"),
            "Landratsamt Altenburger Land – Integrationsmanagement"
        );
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
    fn assert_all_text_inside_page(pdf: &[u8]) {
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
        for line in html
            .lines()
            .filter(|l| l.trim_start().starts_with("<word "))
        {
            words += 1;
            let (x0, y0) = (attr(line, "xMin"), attr(line, "yMin"));
            let (x1, y1) = (attr(line, "xMax"), attr(line, "yMax"));
            // 15 mm from the left and right edges: the margin is 25 mm.
            assert!(
                x0 >= 42.0 && x1 <= page_w - 42.0,
                "word outside the margins: {line}"
            );
            assert!(
                y0 >= 10.0 && y1 <= page_h - 10.0,
                "word outside the page: {line}"
            );
        }
        assert!(words > 50, "{html}");
    }

    #[test]
    fn wrap_never_exceeds_width() {
        let r = CertificateRenderer::new().unwrap();
        let face = Face::new(r.fonts.face(FaceId::Regular), FaceId::Regular);
        let text = "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherungsanstalt und Олена Шевченко";
        for width in [20.0, 40.0, 80.0] {
            let lines = face.wrap(text, 12.0, width);
            assert!(lines.len() > 1);
            for l in &lines {
                assert!(face.width_mm(l, 12.0) <= width + 0.01, "{l}");
            }
            assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
        }
    }

    #[test]
    fn unsupported_characters_are_refused() {
        let r = CertificateRenderer::new().unwrap();
        assert_eq!(
            r.unsupported_chars("Jürgen Müller Олена ß „x“ –"),
            Vec::<char>::new()
        );
        assert_eq!(
            r.unsupported_chars("محمد"),
            vec!['\u{062D}', '\u{062F}', '\u{0645}']
        );
        assert_eq!(r.unsupported_chars("a\u{0007}b"), vec!['\u{0007}']);
        let err = r.render(&sample("محمد")).unwrap_err();
        assert!(err.to_string().contains("holder_name"), "{err}");
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
    fn check_host_is_lowercase_host() {
        assert_eq!(
            check_host("HTTPS://MIETEN.EXAMPLE.DE/Z/ABC"),
            "mieten.example.de"
        );
        assert_eq!(check_host("HTTP://127.0.0.1:8080/Z/ABC"), "127.0.0.1:8080");
        assert_eq!(check_host("HTTPS://X.DE/APP/Z/ABC"), "x.de/app");
    }

    #[test]
    fn qpdf_check_passes() {
        let pdf = CertificateRenderer::new()
            .unwrap()
            .render(&sample("Jürgen Müller"))
            .unwrap();
        qpdf_check(&pdf);
    }

    /// `qpdf --check` must pass; skipped where qpdf is not installed.
    fn qpdf_check(pdf: &[u8]) {
        if tool("qpdf").is_none() {
            eprintln!("qpdf not installed: structure not checked");
            return;
        }
        let (_dir, path) = write_temp(pdf, "cert.pdf");
        let out = Command::new("qpdf")
            .arg("--check")
            .arg(&path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "qpdf --check failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("No syntax or stream encoding errors"),
            "{stdout}"
        );
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

    fn scan_pdf_at_100_and_150_dpi(pdf: &[u8], url: &str) {
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
    ];

    /// pdftotext may return Arabic presentation forms and drops or keeps zero-width
    /// joiners depending on the version; compare letters, in order, with single spaces.
    fn normalise(text: &str) -> String {
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
            assert!(
                langs.iter().any(|l| l == lang),
                "{lang} has no expected title here"
            );
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
            serde_json::from_str(TRANSLATIONS_JSON).unwrap();
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
            assert!(
                text.contains(&title),
                "{lang}: {title:?} missing in:\n{text}"
            );
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
        let mixed = r
            .fonts
            .shape_line("امسح رمز QR للتحقق", FaceId::Regular, true)
            .unwrap();
        let visual: String = mixed
            .runs
            .iter()
            .flat_map(|run| run.glyphs.iter().map(|g| g.text.as_str()))
            .collect();
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
        let lang = doc
            .catalog()
            .unwrap()
            .get(b"Lang")
            .unwrap()
            .as_str()
            .unwrap();
        assert_eq!(lang, b"de-DE");
        if tool("pdfinfo").is_none() {
            return;
        }
        let (_dir, path) = write_temp(&pdf, "cert.pdf");
        let out = Command::new("pdfinfo").arg(&path).output().unwrap();
        let info = String::from_utf8_lossy(&out.stdout);
        assert!(
            info.contains("Teilnahmebescheinigung – Jürgen Müller"),
            "{info}"
        );
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
            assert_eq!(
                &cols[cols.len() - 5..cols.len() - 2],
                &["yes", "yes", "yes"],
                "{line}"
            );
        }
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
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

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
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
        assert!(
            msg(&truncated).contains("nicht gelesen"),
            "{}",
            msg(&truncated)
        );
        assert!(
            msg(&png(4001, 8)).contains("höchstens 4000"),
            "{}",
            msg(&png(4001, 8))
        );
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
        let doc = sample("Jürgen Müller");
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..30 {
            let t = Instant::now();
            size = r.render(&doc).unwrap().len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "fonts loaded in {:.1} ms; PDF {size} bytes; median render {:.2} ms (min {:.2}, max {:.2})",
            load.as_secs_f64() * 1000.0,
            times[times.len() / 2],
            times[0],
            times[times.len() - 1]
        );
    }

    /// Writes a sample to /tmp for looking at it; `--ignored write_sample`.
    #[test]
    #[ignore]
    fn write_sample() {
        let r = CertificateRenderer::new().unwrap();
        std::fs::write(
            "/tmp/certificate-sample.pdf",
            r.render(&sample("Jürgen Müller")).unwrap(),
        )
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
            let path = format!("/tmp/certificate-sample-{lang}.pdf");
            std::fs::write(path, r.render(&doc).unwrap()).unwrap();
        }
        let mut doc = sample("Jürgen Müller");
        doc.language = "fa".into();
        doc.logo = Some(Arc::new(DocumentImage::from_bytes(&png(240, 120)).unwrap()));
        doc.signature_image = Some(Arc::new(DocumentImage::from_bytes(&jpeg(300, 80)).unwrap()));
        std::fs::write(
            "/tmp/certificate-sample-images.pdf",
            r.render(&doc).unwrap(),
        )
        .unwrap();
    }
}
