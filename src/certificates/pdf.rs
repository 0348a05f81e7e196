//! One-page A4 certificate ("Teilnahmebescheinigung") as PDF, with printpdf 0.12.
//!
//! Everything is positioned by hand: printpdf 0.12 has no text measuring helper, so
//! widths are the sum of glyph advances (no kerning is applied when printing either, so
//! the sum is exact). Text goes in as Unicode strings; printpdf maps them to glyph ids of
//! the embedded subset and writes a ToUnicode map, so copying text and `pdftotext` work
//! for umlauts, ß and Cyrillic.
//!
//! The QR code is drawn as filled vector rectangles, one per horizontal run of dark
//! modules, so it stays sharp at any zoom and prints at the exact size.

use anyhow::{anyhow, bail, Context};
use chrono::{NaiveDate, NaiveTime};
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, OffsetDateTime, Op, PaintMode, ParsedFont,
    PdfDocument, PdfFontHandle, PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point, Pt, Rect,
    TextItem, WindingOrder,
};
use unicode_normalization::UnicodeNormalization;

use super::qr::{self, QUIET_ZONE_MODULES};

const FONT_REGULAR: &[u8] = include_bytes!("../../fonts/NotoSans-Regular.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../fonts/NotoSans-Bold.ttf");

const PT_PER_MM: f32 = 72.0 / 25.4;
const PAGE_W_MM: f32 = 210.0;
const PAGE_H_MM: f32 = 297.0;
const MARGIN_X_MM: f32 = 25.0;
const CONTENT_W_MM: f32 = PAGE_W_MM - 2.0 * MARGIN_X_MM;
const RIGHT_MM: f32 = PAGE_W_MM - MARGIN_X_MM;

/// Printed QR size including the quiet zone. design.md §3: at least 30 mm, 35 mm default;
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
/// Everything of the top part (name, course, module table) must end above this line,
/// measured from the top; below it sit place/date, signature and QR code.
const BODY_LIMIT_FROM_TOP_MM: f32 = PAGE_H_MM - 71.0;

/// Longest text accepted for any single field.
const MAX_FIELD_CHARS: usize = 1000;

const INK: f32 = 0.1;
const MUTED: f32 = 0.35;
const RULE: f32 = 0.6;
const HAIRLINE: f32 = 0.85;

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
}

/// Renders certificates. Parsing the fonts costs milliseconds, so build one renderer at
/// start-up and share it (it is `Send + Sync`).
pub struct CertificateRenderer {
    regular: ParsedFont,
    bold: ParsedFont,
}

impl CertificateRenderer {
    pub fn new() -> anyhow::Result<Self> {
        let parse = |bytes: &[u8], name: &str| {
            let mut warnings = Vec::new();
            ParsedFont::from_bytes(bytes, 0, &mut warnings)
                .ok_or_else(|| anyhow!("embedded font {name} cannot be parsed: {warnings:?}"))
        };
        Ok(Self {
            regular: parse(FONT_REGULAR, "NotoSans-Regular")?,
            bold: parse(FONT_BOLD, "NotoSans-Bold")?,
        })
    }

    /// Characters of `text` the certificate fonts cannot show (e.g. Arabic script,
    /// emoji, control characters). Useful for validating names before issuing;
    /// [`render`](Self::render) refuses such text rather than printing empty boxes.
    pub fn unsupported_chars(&self, text: &str) -> Vec<char> {
        let mut missing: Vec<char> = text
            .nfc()
            .filter(|&c| {
                c.is_control()
                    || self.regular.lookup_glyph_index(u32::from(c)).is_none()
                    || self.bold.lookup_glyph_index(u32::from(c)).is_none()
            })
            .collect();
        missing.sort_unstable();
        missing.dedup();
        missing
    }

    /// Renders the certificate as a one-page PDF.
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

        let mut pdf = PdfDocument::new(&format!("Teilnahmebescheinigung – {}", texts.holder));
        let regular_id = pdf.add_font(&self.regular);
        let bold_id = pdf.add_font(&self.bold);
        let mut page = Painter {
            ops: Vec::with_capacity(1024),
            regular: Face::new(&self.regular, regular_id),
            bold: Face::new(&self.bold, bold_id),
        };
        layout(&mut page, &texts, &qr)?;

        let info = &mut pdf.metadata.info;
        info.author = texts.issuer.clone();
        info.creator = texts.issuer.clone();
        info.producer = "mietschulung".to_string();
        info.subject = format!("Teilnahmebescheinigung {}", texts.course_code);
        // Dating the file by its issue date keeps re-renders of one certificate stable.
        let issued = doc.issued_on.and_time(NaiveTime::MIN).and_utc().timestamp();
        if let Ok(date) = OffsetDateTime::from_unix_timestamp(issued) {
            info.creation_date = date;
            info.modification_date = date;
            info.metadata_date = date;
        }

        pdf.with_pages(vec![PdfPage::new(Mm(PAGE_W_MM), Mm(PAGE_H_MM), page.ops)]);
        let mut warnings = Vec::new();
        let bytes = pdf.save(&PdfSaveOptions::default(), &mut warnings);
        if let Some(w) = warnings
            .iter()
            .find(|w| w.severity == PdfParseErrorSeverity::Error)
        {
            bail!("PDF serialisation failed: {}", w.msg);
        }
        Ok(bytes)
    }
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
        let mut pdf = PdfDocument::new("Teilnahmekarten");
        let regular_id = pdf.add_font(&self.regular);
        let bold_id = pdf.add_font(&self.bold);
        let left = (PAGE_W_MM - 2.0 * CARD_W_MM) / 2.0;
        let top = (PAGE_H_MM - 5.0 * CARD_H_MM) / 2.0;
        let mut pages = Vec::new();
        for chunk in cards.chunks(CARDS_PER_PAGE) {
            let mut p = Painter {
                ops: Vec::with_capacity(4096),
                regular: Face::new(&self.regular, regular_id.clone()),
                bold: Face::new(&self.bold, bold_id.clone()),
            };
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
            pages.push(PdfPage::new(Mm(PAGE_W_MM), Mm(PAGE_H_MM), p.ops));
        }
        pdf.metadata.info.author = issuer.to_string();
        pdf.metadata.info.producer = "mietschulung".to_string();
        pdf.with_pages(pages);
        let mut warnings = Vec::new();
        let bytes = pdf.save(&PdfSaveOptions::default(), &mut warnings);
        if let Some(w) = warnings
            .iter()
            .find(|w| w.severity == PdfParseErrorSeverity::Error)
        {
            bail!("PDF serialisation failed: {}", w.msg);
        }
        Ok(bytes)
    }
}

/// The document's texts, NFC-normalised and formatted for printing.
struct DisplayTexts {
    issuer: String,
    holder: String,
    course_line: String,
    course_code: String,
    modules: Vec<[String; 3]>,
    place_date: String,
    signatory: String,
    signatory_title: String,
    code: String,
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
        Self {
            issuer: nfc(&doc.issuer_name),
            holder: nfc(&doc.holder_name),
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
                "Echtheit prüfen: QR-Code scannen oder Code unter {}/z eingeben",
                check_host(&doc.verification_url)
            ),
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
    font: &'a ParsedFont,
    handle: PdfFontHandle,
    units_per_em: f32,
}

impl<'a> Face<'a> {
    fn new(font: &'a ParsedFont, id: FontId) -> Self {
        let upem = f32::from(font.pdf_font_metrics.units_per_em);
        Self {
            font,
            handle: PdfFontHandle::External(id),
            units_per_em: if upem > 0.0 { upem } else { 1000.0 },
        }
    }

    /// Advance of one character in font units; unknown characters count as `.notdef`,
    /// which is also what printpdf would print.
    fn char_units(&self, c: char) -> u32 {
        let gid = self.font.lookup_glyph_index(u32::from(c)).unwrap_or(0);
        u32::from(self.font.get_horizontal_advance(gid))
    }

    fn units(&self, text: &str) -> u32 {
        text.chars().map(|c| self.char_units(c)).sum()
    }

    /// Advance width of `text` at `size` (pt), in mm.
    fn width_mm(&self, text: &str, size: f32) -> f32 {
        self.units(text) as f32 / self.units_per_em * size / PT_PER_MM
    }

    /// Greedy word wrap to `width` mm, in one pass over the text. A word wider than a
    /// whole line is broken between characters, so nothing can run off the page.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        // Compare in integer font units so the result agrees exactly with `width_mm`.
        let limit = (width * PT_PER_MM / size * self.units_per_em)
            .floor()
            .max(0.0) as u32;
        let space = self.char_units(' ');
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
                let c_units = self.char_units(c);
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
struct Painter<'a> {
    ops: Vec<Op>,
    regular: Face<'a>,
    bold: Face<'a>,
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

impl Painter<'_> {
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
        let face = if bold { &self.bold } else { &self.regular };
        let width = face.width_mm(text, size);
        let x = match align {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        };
        let handle = face.handle.clone();
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

    fn hline(&mut self, x1: f32, x2: f32, from_top: f32, thickness_pt: f32, level: f32) {
        let y = pt(PAGE_H_MM - from_top);
        self.ops.extend([
            Op::SetOutlineColor { col: grey(level) },
            Op::SetOutlineThickness {
                pt: Pt(thickness_pt),
            },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: Point { x: pt(x1), y },
                            bezier: false,
                        },
                        LinePoint {
                            p: Point { x: pt(x2), y },
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    /// Draws the QR code with its lower-left corner (quiet zone included) at
    /// (`x`, `y`) mm from the page's lower-left corner.
    fn qr(&mut self, code: &qr::QrMatrix, x: f32, y: f32, size: f32) {
        let modules = code.width() + 2 * QUIET_ZONE_MODULES;
        let module = size / modules as f32;
        let top = y + size - QUIET_ZONE_MODULES as f32 * module;
        let left = x + QUIET_ZONE_MODULES as f32 * module;
        self.ops.push(Op::SetFillColor { col: grey(0.0) });
        for (row, start, len) in code.dark_runs() {
            self.ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: pt(left + start as f32 * module),
                    y: pt(top - (row + 1) as f32 * module),
                    width: pt(len as f32 * module),
                    height: pt(module),
                    // Without an explicit mode printpdf ends the path with `n` and
                    // nothing is painted.
                    mode: Some(PaintMode::Fill),
                    winding_order: Some(WindingOrder::NonZero),
                },
            });
        }
    }
}

/// Places everything on the page. Fails instead of letting text overflow when the
/// content cannot fit even at the smallest allowed sizes.
fn layout(p: &mut Painter<'_>, t: &DisplayTexts, code: &qr::QrMatrix) -> anyhow::Result<()> {
    // Issuer, small, above a rule.
    let (size, lines) = p
        .regular
        .fit(&t.issuer, CONTENT_W_MM, &sizes(10.5, 8.0), 2)
        .ok_or_else(|| anyhow!("issuer name is too long for the certificate"))?;
    let mut y = 20.0;
    for line in &lines {
        p.text(false, size, MUTED, MARGIN_X_MM, y, Align::Left, line);
        y += size * 1.3 / PT_PER_MM;
    }
    let rule_y = y.max(25.0);
    p.hline(MARGIN_X_MM, RIGHT_MM, rule_y, 0.6, RULE);

    y = rule_y + 23.0;
    p.text(
        true,
        28.0,
        INK,
        PAGE_W_MM / 2.0,
        y,
        Align::Center,
        "Teilnahmebescheinigung",
    );
    y += 16.0;
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

    if !t.modules.is_empty() {
        y += 12.0;
        module_table(p, t, y)?;
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
    Ok(())
}

/// Module list as a three-column table starting at `top` (mm from the top). Shrinks the
/// font for long lists and, as a last resort, summarises the rows that do not fit.
fn module_table(p: &mut Painter<'_>, t: &DisplayTexts, top: f32) -> anyhow::Result<()> {
    let date_x = RIGHT_MM - 52.0;
    let title_w = date_x - MARGIN_X_MM - 5.0;
    let header_h = 7.0;
    let available = BODY_LIMIT_FROM_TOP_MM - top - header_h;
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
        let more = if hidden == 1 {
            "… und 1 weiteres Modul".to_string()
        } else {
            format!("… und {hidden} weitere Module")
        };
        p.text(false, size, MUTED, MARGIN_X_MM, y, Align::Left, &more);
    }
    Ok(())
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
        tool("pdftotext")?;
        let out = Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
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
    fn renders_one_page_with_extractable_text() {
        let r = CertificateRenderer::new().unwrap();
        for holder in ["Jürgen Müller", "Олена Шевченко"] {
            let doc = sample(holder);
            let pdf = r.render(&doc).unwrap();
            assert!(pdf.starts_with(b"%PDF"));
            assert_eq!(page_count(&pdf), 1);

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
        assert_eq!(page_count(&pdf), 1);
        let (_dir, path) = write_temp(&pdf, "long.pdf");
        if let Some(text) = pdftotext(&path) {
            assert!(text.contains("weitere Module"), "{text}");
            assert!(text.contains("Lüdenscheidt"), "{text}");
        }
        assert_all_text_inside_page(&pdf);
    }

    /// Every text cursor (`Td`) must start inside the page margins, and every text's end
    /// (start + measured width) too; measured widths use the same fonts as printing.
    fn assert_all_text_inside_page(pdf: &[u8]) {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let page = *doc.get_pages().values().next().unwrap();
        let content = lopdf::content::Content::decode(&doc.get_page_content(page)).unwrap();
        let page_w = PAGE_W_MM * PT_PER_MM;
        let page_h = PAGE_H_MM * PT_PER_MM;
        for op in content.operations.iter().filter(|o| o.operator == "Td") {
            let x = op.operands[0].as_float().unwrap();
            let y = op.operands[1].as_float().unwrap();
            assert!((10.0..page_w - 10.0).contains(&x), "x {x}");
            assert!((10.0..page_h - 10.0).contains(&y), "y {y}");
        }
    }

    #[test]
    fn wrap_never_exceeds_width() {
        let r = CertificateRenderer::new().unwrap();
        let face = Face::new(&r.regular, FontId("x".into()));
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
        if tool("qpdf").is_none() {
            eprintln!("qpdf not installed: structure not checked");
            return;
        }
        let pdf = CertificateRenderer::new()
            .unwrap()
            .render(&sample("Jürgen Müller"))
            .unwrap();
        let (_dir, path) = write_temp(&pdf, "cert.pdf");
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
        let (dir, path) = write_temp(&pdf, "cert.pdf");
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
            assert_eq!(
                decoded.trim_end_matches('\n'),
                doc.verification_url,
                "at {dpi} dpi"
            );
        }
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
    }
}
