//! The programme's figures for one reporting period as a PDF report for the funding body:
//! A4 landscape (twelve columns at readable sizes), in German, typeset like the
//! participation certificates: Noto Sans embedded as subsets, Arabic-script names shaped
//! right to left, and a tagged PDF with document language, title, headings, tables with
//! header cells and charts as figures with their alternative text.
//!
//! What it shows: the programme, its funding body, the period with its dates, the day it
//! was made and how many members share their figures; the legend; a table of the period
//! with one row per member and the total; the total per quarter; the completion rate per
//! member as a bar chart and places offered against people enrolled per quarter, each
//! chart followed by a sentence saying what it shows; languages and how people came; the
//! topics the members' pre-surveys rank highest. Every page has the footer "Erstellt mit
//! Mietschulung · Seite n von m".
//!
//! It holds back the same figures as the figures page: every count is printed as
//! published in [`Figures`](super::figures::Figures) ("< 5", "x"), a rate only where the
//! page shows one, the breakdowns only where the page shows them, and nothing is added up
//! or derived here, so no held-back count can be recovered from the report. The one
//! difference is in wording: a rate over nobody (0 enrolled, published) reads "–" where
//! the page writes "x", as nothing is held back there.
//!
//! The certificate renderer's fonts, shaping and structure tree are private to
//! `certificates::pdf`, so their equivalents live here, on the same crates and font files;
//! font subsetting is left to printpdf, which a report made now and then can afford.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use allsorts::binary::read::ReadScope;
use allsorts::font::MatchingPresentation;
use allsorts::font_data::FontData;
use allsorts::glyph_position::{GlyphLayout, TextDirection};
use allsorts::gsub::{FeatureMask, FeatureMaskExt};
use allsorts::tag;
use anyhow::{anyhow, bail, Context};
use chrono::{NaiveDate, NaiveDateTime};
use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use printpdf::{
    Codepoint, Color, DictItem, FontId, Greyscale, Line as PdfLine, LinePoint, Mm, OffsetDateTime,
    Op, PaintMode, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfParseErrorSeverity,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};
use unicode_bidi::BidiInfo;
use unicode_normalization::UnicodeNormalization;

use super::figures::{Cell, Figure, Part, Withheld};
use super::service::Dashboard;
use super::views::{hours, percent, plain, rate, shown, Shown};
use crate::error::AppResult;
use crate::i18n;
use crate::validate::printable::{is_arabic_script, FONT_ARABIC, FONT_BOLD, FONT_REGULAR};
use crate::validate::{is_bidi_control, is_invisible};

/// The certificate's Ge'ez face: language names include Tigrinya (ትግርኛ).
const FONT_ETHIOPIC: &[u8] = include_bytes!("../../fonts/NotoSansEthiopic-Regular.ttf");

fn is_ethiopic_script(c: char) -> bool {
    matches!(c, '\u{1200}'..='\u{139F}' | '\u{2D80}'..='\u{2DDF}' | '\u{AB00}'..='\u{AB2F}')
}

/// Text that cannot be printed character by character in one Latin face.
fn is_complex(text: &str) -> bool {
    text.chars().any(|c| is_arabic_script(c) || is_ethiopic_script(c))
}

/// The report as a PDF file, dated today.
pub fn pdf(d: &Dashboard) -> AppResult<Vec<u8>> {
    Ok(render(d, crate::time::now_utc())?)
}

// The page: A4 landscape, so the twelve columns of the period table keep readable sizes.
const PT_PER_MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 297.0;
const PAGE_H: f32 = 210.0;
const MARGIN: f32 = 15.0;
const RIGHT: f32 = PAGE_W - MARGIN;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Running text keeps to a measure of about 110 characters, not the page's width.
const TEXT_W: f32 = 180.0;
const TOP: f32 = 15.0;
/// Everything but the footer ends above this line, from the top.
const LIMIT: f32 = PAGE_H - 16.0;
const FOOTER_BASELINE: f32 = PAGE_H - 8.0;

/// Grey levels, as on the certificate: text, secondary text, rules, hairlines, row shading.
const INK: f32 = 0.1;
const MUTED: f32 = 0.35;
const RULE: f32 = 0.6;
const HAIRLINE: f32 = 0.85;
const SHADE: f32 = 0.95;

/// Chart colours, each at least 4:1 against white and told apart by position and legend
/// too: blue and orange stay distinct for the common colour-vision deficiencies.
const BLUE: [f32; 3] = [0x1F as f32 / 255.0, 0x4E as f32 / 255.0, 0x79 as f32 / 255.0];
const LIGHT_BLUE: [f32; 3] = [0x4A as f32 / 255.0, 0x7D as f32 / 255.0, 0xB5 as f32 / 255.0];
const ORANGE: [f32; 3] = [0xB3 as f32 / 255.0, 0x58 as f32 / 255.0, 0x06 as f32 / 255.0];
const DARK: [f32; 3] = [0.25, 0.25, 0.25];

const TEXT_PT: f32 = 10.0;
const SMALL_PT: f32 = 9.0;
const H2_PT: f32 = 13.0;
const TABLE_PT: f32 = 9.0;
const HEADER_PT: f32 = 8.0;
/// Chart labels and values; nothing on the page is smaller.
const CHART_PT: f32 = 8.0;
/// Names in table rows: shrink to this, then wrap.
const NAME_SIZES: [f32; 3] = [9.0, 8.5, 8.0];
const NAME_LINES: usize = 3;
/// Longest text taken from a user; far beyond what a name needs, it bounds layout work.
const MAX_CHARS: usize = 400;

fn line_h(size: f32) -> f32 {
    size * 1.3 / PT_PER_MM
}

/// Baseline of the first line in a box whose lines are [`line_h`] high.
fn first_baseline(top: f32, size: f32) -> f32 {
    top + size / PT_PER_MM
}

fn words(key: &str) -> String {
    i18n::text(i18n::DEFAULT_LANG, key)
}

fn filled(key: &str, args: &[(&str, String)]) -> String {
    i18n::fill(&words(key), args)
}

// Fonts.

/// The faces the report prints with; the discriminant indexes [`Fonts::faces`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FaceId {
    Regular = 0,
    Bold = 1,
    Arabic = 2,
    Ethiopic = 3,
}

impl FaceId {
    fn resource(self) -> &'static str {
        match self {
            FaceId::Regular => "FR",
            FaceId::Bold => "FB",
            FaceId::Arabic => "FA",
            FaceId::Ethiopic => "FE",
        }
    }
}

struct Face {
    parsed: ParsedFont,
    units_per_em: f32,
}

impl Face {
    fn load(name: &str, bytes: &[u8]) -> anyhow::Result<Face> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .ok_or_else(|| anyhow!("embedded font {name} cannot be parsed: {warnings:?}"))?;
        let upem = f32::from(parsed.pdf_font_metrics.units_per_em);
        Ok(Face { parsed, units_per_em: if upem > 0.0 { upem } else { 1000.0 } })
    }

    fn glyph(&self, c: char) -> Option<u16> {
        self.parsed.lookup_glyph_index(u32::from(c)).filter(|g| *g != 0)
    }

    fn char_units(&self, c: char) -> u32 {
        let gid = self.parsed.lookup_glyph_index(u32::from(c)).unwrap_or(0);
        u32::from(self.parsed.get_horizontal_advance(gid))
    }
}

struct Fonts {
    faces: [Face; 4],
}

/// Parsed at the first report and kept, as the certificate renderer keeps its fonts:
/// every report prints with the same four faces.
static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();

type Shaper = allsorts::Font<allsorts::font_data::DynamicFontTableProvider<'static>>;

/// The Arabic face's shaper keeps its parsed layout tables; building it per line would
/// cost more than the shaping.
static ARABIC_SHAPER: Mutex<Option<Shaper>> = Mutex::new(None);

fn fonts() -> anyhow::Result<&'static Fonts> {
    FONTS
        .get_or_init(|| {
            let load = || -> anyhow::Result<Fonts> {
                Ok(Fonts {
                    faces: [
                        Face::load("NotoSans-Regular", FONT_REGULAR)?,
                        Face::load("NotoSans-Bold", FONT_BOLD)?,
                        Face::load("NotoSansArabic-Regular", FONT_ARABIC)?,
                        Face::load("NotoSansEthiopic-Regular", FONT_ETHIOPIC)?,
                    ],
                })
            };
            load().map_err(|e| format!("{e:#}"))
        })
        .as_ref()
        .map_err(|e| anyhow!("loading the report fonts: {e}"))
}

/// One shaped glyph of the Arabic face, with the text it stands for in visual order (a
/// reader reverses a right-to-left run when extracting it).
#[derive(Debug, Clone)]
struct Glyph {
    gid: u16,
    text: String,
    advance: i32,
    x_offset: i32,
}

#[derive(Debug, Clone)]
enum Content {
    /// Printed as characters through the face's cmap.
    Text(String),
    /// Shaped glyphs of the Arabic face.
    Glyphs(Vec<Glyph>),
}

#[derive(Debug, Clone)]
struct Piece {
    face: FaceId,
    content: Content,
}

/// One line ready to be placed left to right: its pieces in visual order.
#[derive(Debug, Clone)]
struct Line {
    pieces: Vec<Piece>,
}

impl Line {
    fn width(&self, fonts: &Fonts, size: f32) -> f32 {
        self.pieces
            .iter()
            .map(|p| {
                let face = fonts.face(p.face);
                let units: i64 = match &p.content {
                    Content::Text(t) => t.chars().map(|c| i64::from(face.char_units(c))).sum(),
                    Content::Glyphs(g) => g.iter().map(|g| i64::from(g.advance)).sum(),
                };
                units as f32 / face.units_per_em * size / PT_PER_MM
            })
            .sum()
    }
}

impl Fonts {
    fn face(&self, id: FaceId) -> &Face {
        &self.faces[id as usize]
    }

    /// A user's text as it prints: NFC, on one line with single spaces, without control,
    /// bidi or invisible characters (they would reorder or hide text), and with `?` for
    /// what the fonts cannot draw. Names were checked on input; this keeps stored data
    /// from before the checks, and programme names, from breaking the layout.
    fn clean(&self, text: &str) -> String {
        let arabic_text = text.chars().any(is_arabic_script);
        let mut out = String::with_capacity(text.len());
        for c in text.nfc().take(MAX_CHARS) {
            if c.is_whitespace() {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                continue;
            }
            if c.is_control() || is_bidi_control(c) || is_invisible(c) {
                continue;
            }
            // Joiners steer Arabic letter forms; elsewhere they only hide a difference.
            if matches!(c, '\u{200C}' | '\u{200D}') {
                if arabic_text {
                    out.push(c);
                }
                continue;
            }
            let drawn = if is_arabic_script(c) {
                self.face(FaceId::Arabic).glyph(c).is_some()
            } else if is_ethiopic_script(c) {
                self.face(FaceId::Ethiopic).glyph(c).is_some()
            } else {
                self.face(FaceId::Regular).glyph(c).is_some()
                    && self.face(FaceId::Bold).glyph(c).is_some()
            };
            out.push(if drawn { c } else { '?' });
        }
        out.trim_end().to_string()
    }

    /// `text` (already [`clean`](Self::clean)) as a line: Latin, Greek and Cyrillic as
    /// characters; with Arabic script, reordered by the Unicode bidi algorithm and the
    /// Arabic runs shaped with contextual forms, as the certificate prints names.
    fn line(&self, text: &str, bold: bool) -> anyhow::Result<Line> {
        let latin = if bold { FaceId::Bold } else { FaceId::Regular };
        if !is_complex(text) {
            return Ok(Line {
                pieces: vec![Piece { face: latin, content: Content::Text(text.into()) }],
            });
        }
        let rtl = text.chars().find(|c| c.is_alphabetic()).is_some_and(is_arabic_script);
        let level = if rtl { unicode_bidi::Level::rtl() } else { unicode_bidi::Level::ltr() };
        let bidi = BidiInfo::new(text, Some(level));
        let mut pieces = Vec::new();
        for para in &bidi.paragraphs {
            let (levels, runs) = bidi.visual_runs(para, para.range.clone());
            for range in runs {
                let run_rtl = levels[range.start].is_rtl();
                let mut parts: Vec<(FaceId, &str)> = Vec::new();
                let mut start = range.start;
                let mut current: Option<FaceId> = None;
                for (i, c) in text[range.clone()].char_indices() {
                    let i = range.start + i;
                    let face = self.face_for(c, latin, run_rtl, current);
                    if let Some(before) = current.filter(|f| *f != face) {
                        parts.push((before, &text[start..i]));
                        start = i;
                    }
                    current = Some(face);
                }
                if let Some(face) = current {
                    parts.push((face, &text[start..range.end]));
                }
                if run_rtl {
                    parts.reverse();
                }
                for (face, part) in parts {
                    let content = match face {
                        FaceId::Arabic => Content::Glyphs(shape_arabic(part, run_rtl)?),
                        _ if run_rtl => Content::Text(part.chars().rev().map(mirror).collect()),
                        _ => Content::Text(part.to_string()),
                    };
                    pieces.push(Piece { face, content });
                }
            }
        }
        Ok(Line { pieces })
    }

    /// Arabic letters need the Arabic face; spaces and punctuation inside a right-to-left
    /// run stay with it so the run is shaped in one piece.
    fn face_for(&self, c: char, latin: FaceId, rtl: bool, current: Option<FaceId>) -> FaceId {
        if is_arabic_script(c) || matches!(c, '\u{200C}' | '\u{200D}') {
            return FaceId::Arabic;
        }
        // Ge'ez needs no contextual forms: one character, one glyph, printed as text.
        if is_ethiopic_script(c) {
            return FaceId::Ethiopic;
        }
        let neutral = !c.is_alphanumeric();
        let arabic = self.face(FaceId::Arabic);
        if neutral && (rtl || current == Some(FaceId::Arabic)) && arabic.glyph(c).is_some() {
            return FaceId::Arabic;
        }
        latin
    }

    /// Width of `text` at `size` pt in mm, as printed (no kerning either way).
    fn width(&self, text: &str, bold: bool, size: f32) -> anyhow::Result<f32> {
        if !is_complex(text) {
            let face = self.face(if bold { FaceId::Bold } else { FaceId::Regular });
            let units: u64 = text.chars().map(|c| u64::from(face.char_units(c))).sum();
            return Ok(units as f32 / face.units_per_em * size / PT_PER_MM);
        }
        Ok(self.line(text, bold)?.width(self, size))
    }

    /// Greedy word wrap to `width` mm. A word wider than a line is broken between
    /// characters, so nothing can run out of its box.
    fn wrap(&self, text: &str, bold: bool, size: f32, width: f32) -> anyhow::Result<Vec<String>> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            if !line.is_empty() {
                let candidate = format!("{line} {word}");
                if self.width(&candidate, bold, size)? <= width {
                    line = candidate;
                    continue;
                }
                lines.push(std::mem::take(&mut line));
            }
            if self.width(word, bold, size)? <= width {
                line = word.to_string();
                continue;
            }
            let rest = self.hyphenate(word, bold, size, width, &mut lines)?;
            if self.width(&rest, bold, size)? <= width {
                line = rest;
                continue;
            }
            for c in rest.chars() {
                let mut candidate = line.clone();
                candidate.push(c);
                let mark = unicode_normalization::char::is_combining_mark(c);
                if !line.is_empty() && !mark && self.width(&candidate, bold, size)? > width {
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = candidate;
                }
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        Ok(lines)
    }

    /// Puts the leading syllables of a word wider than a line on lines of their own,
    /// each ending in a hyphen, where the locale's hyphenation list allows; returns what
    /// is left of the word.
    fn hyphenate(
        &self, word: &str, bold: bool, size: f32, width: f32, lines: &mut Vec<String>,
    ) -> anyhow::Result<String> {
        let chars: Vec<char> = word.chars().collect();
        let Some(breaks) = hyphenation().get(word) else {
            return Ok(word.to_string());
        };
        let mut start = 0;
        loop {
            let rest: String = chars[start..].iter().collect();
            if self.width(&rest, bold, size)? <= width {
                return Ok(rest);
            }
            let mut cut = None;
            for &b in breaks.iter().rev().filter(|b| **b > start) {
                let piece: String = chars[start..b].iter().chain(['-'].iter()).collect();
                if self.width(&piece, bold, size)? <= width {
                    cut = Some((b, piece));
                    break;
                }
            }
            let Some((b, piece)) = cut else {
                return Ok(rest);
            };
            lines.push(piece);
            start = b;
        }
    }

    /// The narrowest a word is set on at most two lines: hyphenated once, at the break
    /// the locale lists that balances the halves best; a word it does not list, whole.
    /// More lines of syllables would read as a list of fragments.
    fn narrowest(&self, word: &str, bold: bool, size: f32) -> anyhow::Result<f32> {
        let mut best = self.width(word, bold, size)?;
        let Some(breaks) = hyphenation().get(word) else {
            return Ok(best);
        };
        let chars: Vec<char> = word.chars().collect();
        for &b in breaks {
            let head: String = chars[..b].iter().chain(['-'].iter()).collect();
            let tail: String = chars[b..].iter().collect();
            let w = self.width(&head, bold, size)?.max(self.width(&tail, bold, size)?);
            best = best.min(w);
        }
        Ok(best)
    }

    /// Shrink first, then wrap: the largest of `sizes` (descending) at which the text fits
    /// on one line; else the largest at which it fits in `max_lines`; else as many lines
    /// as it takes at the smallest size.
    fn fit(
        &self, text: &str, bold: bool, width: f32, sizes: &[f32], max_lines: usize,
    ) -> anyhow::Result<(f32, Vec<String>)> {
        for &size in sizes {
            if self.width(text, bold, size)? <= width {
                return Ok((size, vec![text.to_string()]));
            }
        }
        for &size in sizes {
            let lines = self.wrap(text, bold, size, width)?;
            if lines.len() <= max_lines {
                return Ok((size, lines));
            }
        }
        let size = sizes.last().copied().unwrap_or(TABLE_PT);
        Ok((size, self.wrap(text, bold, size, width)?))
    }

    /// `text` on one line of `width` mm: whole, or cut with "…" (chart labels; the tables
    /// print every name whole).
    fn shorten(&self, text: &str, bold: bool, size: f32, width: f32) -> anyhow::Result<String> {
        if self.width(text, bold, size)? <= width {
            return Ok(text.to_string());
        }
        let chars: Vec<char> = text.chars().collect();
        let cut = |n: usize| -> String {
            let mut s: String = chars[..n].iter().collect();
            s.truncate(s.trim_end().len());
            s.push('…');
            s
        };
        let (mut lo, mut hi) = (0, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if self.width(&cut(mid), bold, size)? <= width {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        while lo > 0 && unicode_normalization::char::is_combining_mark(chars[lo]) {
            lo -= 1;
        }
        Ok(cut(lo))
    }
}

/// Where long words of table headings may break, as the locale lists them
/// ("Dol-metsch-stun-den", like TeX's `\hyphenation`): word → characters before each
/// break. German compounds broken anywhere else read badly.
fn hyphenation() -> &'static std::collections::HashMap<String, Vec<usize>> {
    static TABLE: OnceLock<std::collections::HashMap<String, Vec<usize>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        words("programmes.report.hyphenation")
            .split_whitespace()
            .map(|entry| {
                let mut breaks = Vec::new();
                let mut n = 0;
                for c in entry.chars() {
                    if c == '-' {
                        breaks.push(n);
                    } else {
                        n += 1;
                    }
                }
                (entry.replace('-', ""), breaks)
            })
            .collect()
    })
}

fn new_shaper() -> anyhow::Result<Shaper> {
    let data = ReadScope::new(FONT_ARABIC)
        .read::<FontData<'static>>()
        .map_err(|e| anyhow!("Arabic font: {e}"))?;
    let provider = data.table_provider(0).map_err(|e| anyhow!("Arabic font: {e}"))?;
    allsorts::Font::new(provider).map_err(|e| anyhow!("Arabic font: {e}"))
}

/// Shapes an Arabic-script piece in visual order, as `certificates::pdf` does.
fn shape_arabic(text: &str, rtl: bool) -> anyhow::Result<Vec<Glyph>> {
    let mut guard = ARABIC_SHAPER.lock().unwrap_or_else(|poisoned| {
        // A panic mid-shaping may have left the shaper's caches half-written: start over.
        let mut guard = poisoned.into_inner();
        *guard = None;
        guard
    });
    ARABIC_SHAPER.clear_poison();
    let shaper = match &mut *guard {
        Some(shaper) => shaper,
        empty => empty.insert(new_shaper()?),
    };
    // Brackets and quotes point the other way in a right-to-left run; the shaper does not
    // swap them, so the mirrored character is shaped and the original kept as the text.
    let mirrored: String;
    let text = if rtl {
        mirrored = text.chars().map(mirror).collect();
        mirrored.as_str()
    } else {
        text
    };
    let glyphs = shaper.map_glyphs(text, tag::ARAB, MatchingPresentation::NotRequired);
    let infos = shaper
        .shape(glyphs, tag::ARAB, None, FeatureMask::default_mask(), &[], None, true)
        .map_err(|(e, _)| anyhow!("shaping {text:?}: {e:?}"))?;
    let direction = if rtl { TextDirection::RightToLeft } else { TextDirection::LeftToRight };
    let positions = GlyphLayout::new(shaper, &infos, direction, false)
        .glyph_positions()
        .map_err(|e| anyhow!("placing {text:?}: {e:?}"))?;
    let mut out: Vec<Glyph> = infos
        .iter()
        .zip(&positions)
        // A joiner without a glyph only steers joining; printed it would be a box.
        .filter(|(info, _)| {
            !(info.glyph.glyph_index == 0
                && info.glyph.unicodes.iter().all(|&c| matches!(c, '\u{200B}'..='\u{200F}')))
        })
        .map(|(info, pos)| Glyph {
            gid: info.glyph.glyph_index,
            text: if rtl {
                info.glyph.unicodes.iter().rev().map(|&c| mirror(c)).collect()
            } else {
                info.glyph.unicodes.iter().collect()
            },
            advance: pos.hori_advance,
            x_offset: pos.x_offset,
        })
        .collect();
    if rtl {
        out.reverse();
    }
    Ok(out)
}

/// The mirror image of a paired bracket or quote; any other character as it is.
fn mirror(c: char) -> char {
    match c {
        '(' => ')',
        ')' => '(',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '<' => '>',
        '>' => '<',
        '«' => '»',
        '»' => '«',
        '‹' => '›',
        '›' => '‹',
        other => other,
    }
}

// The logical structure (tagged PDF), as the certificate builds it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Document,
    H1,
    H2,
    P,
    Table,
    TR,
    TH,
    TD,
    Figure,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Document => "Document",
            Role::H1 => "H1",
            Role::H2 => "H2",
            Role::P => "P",
            Role::Table => "Table",
            Role::TR => "TR",
            Role::TH => "TH",
            Role::TD => "TD",
            Role::Figure => "Figure",
        }
    }

    /// Elements that only hold other elements: content drawn right inside them gets a
    /// paragraph of its own, so no text is left outside the structure.
    fn groups_only(self) -> bool {
        matches!(self, Role::Document | Role::Table | Role::TR)
    }
}

#[derive(Debug)]
enum Kid {
    Element(usize),
    Content { page: usize, mcid: i64 },
}

#[derive(Debug)]
struct Element {
    role: Role,
    parent: usize,
    kids: Vec<Kid>,
    alt: Option<String>,
    /// PDF points (left, bottom, right, top), for figures.
    bbox: Option<[f32; 4]>,
    /// `Column` or `Row`, for header cells.
    scope: Option<&'static str>,
    /// The text to read instead of what is drawn (a hyphenated heading).
    actual: Option<String>,
}

/// Unlike the certificate's, elements stay open across pages: a table flows on.
#[derive(Debug)]
struct Structure {
    elements: Vec<Element>,
    open: Vec<usize>,
    page: usize,
    next_mcid: i64,
}

impl Structure {
    fn new() -> Self {
        let root = Element {
            role: Role::Document,
            parent: 0,
            kids: Vec::new(),
            alt: None,
            bbox: None,
            scope: None,
            actual: None,
        };
        Self { elements: vec![root], open: vec![0], page: 0, next_mcid: 0 }
    }

    fn current(&self) -> usize {
        self.open.last().copied().unwrap_or(0)
    }

    fn open(&mut self, role: Role) -> usize {
        let parent = self.current();
        let id = self.elements.len();
        self.elements.push(Element {
            role,
            parent,
            kids: Vec::new(),
            alt: None,
            bbox: None,
            scope: None,
            actual: None,
        });
        self.elements[parent].kids.push(Kid::Element(id));
        self.open.push(id);
        id
    }

    fn close(&mut self) {
        if self.open.len() > 1 {
            self.open.pop();
        }
    }

    /// A marked-content id for the next content on this page, owned by the innermost
    /// open element: the tag to mark it with and the id.
    fn mark(&mut self) -> (&'static str, i64) {
        let wrap = self.elements[self.current()].role.groups_only();
        if wrap {
            self.open(Role::P);
        }
        let id = self.current();
        let mcid = self.next_mcid;
        self.next_mcid += 1;
        self.elements[id].kids.push(Kid::Content { page: self.page, mcid });
        let tag = self.elements[id].role.name();
        if wrap {
            self.close();
        }
        (tag, mcid)
    }

    fn next_page(&mut self) {
        self.page += 1;
        self.next_mcid = 0;
    }
}

/// A PDF text string: anything beyond ASCII as UTF-16BE with its byte order mark.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        return Object::String(s.as_bytes().to_vec(), StringFormat::Literal);
    }
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// Adds the structure tree, parent tree, marked flag, language, title display and XMP
/// metadata to `doc`, whose pages were drawn with `structure`.
fn write_structure(
    doc: &mut lopdf::Document, structure: &Structure, meta: &Meta<'_>,
) -> anyhow::Result<()> {
    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    let root_id = doc.new_object_id();
    let ids: Vec<ObjectId> = structure.elements.iter().map(|_| doc.new_object_id()).collect();
    let mut parent_tree: Vec<Vec<(i64, ObjectId)>> = vec![Vec::new(); pages.len()];
    for (i, element) in structure.elements.iter().enumerate() {
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"StructElem".to_vec()));
        dict.set("S", Object::Name(element.role.name().as_bytes().to_vec()));
        dict.set("P", Object::Reference(if i == 0 { root_id } else { ids[element.parent] }));
        // `/Pg` is the page of the first content; content elsewhere is named by a
        // marked-content reference with its own page.
        let home = element.kids.iter().find_map(|k| match k {
            Kid::Content { page, .. } => Some(*page),
            Kid::Element(_) => None,
        });
        if let Some(page) = home {
            let page_id =
                *pages.get(page).ok_or_else(|| anyhow!("marked content on missing page {page}"))?;
            dict.set("Pg", Object::Reference(page_id));
        }
        let mut kids = Vec::with_capacity(element.kids.len());
        for kid in &element.kids {
            match kid {
                Kid::Element(k) => kids.push(Object::Reference(ids[*k])),
                Kid::Content { page, mcid } => {
                    let page_id = *pages
                        .get(*page)
                        .ok_or_else(|| anyhow!("marked content on missing page {page}"))?;
                    parent_tree[*page].push((*mcid, ids[i]));
                    if Some(*page) == home {
                        kids.push(Object::Integer(*mcid));
                    } else {
                        let mut mcr = Dictionary::new();
                        mcr.set("Type", Object::Name(b"MCR".to_vec()));
                        mcr.set("Pg", Object::Reference(page_id));
                        mcr.set("MCID", Object::Integer(*mcid));
                        kids.push(Object::Dictionary(mcr));
                    }
                }
            }
        }
        dict.set("K", Object::Array(kids));
        if let Some(alt) = &element.alt {
            dict.set("Alt", text_string(alt));
        }
        if let Some(actual) = &element.actual {
            dict.set("ActualText", text_string(actual));
        }
        if let Some(bbox) = element.bbox {
            let mut attrs = Dictionary::new();
            attrs.set("O", Object::Name(b"Layout".to_vec()));
            attrs.set("BBox", Object::Array(bbox.iter().map(|v| Object::Real(*v)).collect()));
            dict.set("A", Object::Dictionary(attrs));
        }
        if let Some(scope) = element.scope {
            let mut attrs = Dictionary::new();
            attrs.set("O", Object::Name(b"Table".to_vec()));
            attrs.set("Scope", Object::Name(scope.as_bytes().to_vec()));
            dict.set("A", Object::Dictionary(attrs));
        }
        doc.objects.insert(ids[i], Object::Dictionary(dict));
    }

    let mut nums = Vec::new();
    for (page, (page_id, entries)) in pages.iter().zip(&mut parent_tree).enumerate() {
        entries.sort_by_key(|(mcid, _)| *mcid);
        let refs = entries.iter().map(|(_, id)| Object::Reference(*id)).collect();
        let array = doc.add_object(Object::Array(refs));
        nums.push(Object::Integer(page as i64));
        nums.push(Object::Reference(array));
        let page_dict = doc.get_dictionary_mut(*page_id)?;
        page_dict.set("StructParents", Object::Integer(page as i64));
        page_dict.set("Tabs", Object::Name(b"S".to_vec()));
    }
    let mut tree = Dictionary::new();
    tree.set("Nums", Object::Array(nums));
    let tree_id = doc.add_object(Object::Dictionary(tree));
    let mut root = Dictionary::new();
    root.set("Type", Object::Name(b"StructTreeRoot".to_vec()));
    root.set("K", Object::Reference(ids[0]));
    root.set("ParentTree", Object::Reference(tree_id));
    root.set("ParentTreeNextKey", Object::Integer(pages.len() as i64));
    doc.objects.insert(root_id, Object::Dictionary(root));

    let metadata_id = doc.add_object(xmp_stream(meta));
    let catalog = doc.catalog_mut()?;
    catalog.set("StructTreeRoot", Object::Reference(root_id));
    let mut mark_info = Dictionary::new();
    mark_info.set("Marked", Object::Boolean(true));
    catalog.set("MarkInfo", Object::Dictionary(mark_info));
    catalog.set("Lang", text_string(DOCUMENT_LANG));
    let mut prefs = Dictionary::new();
    prefs.set("DisplayDocTitle", Object::Boolean(true));
    catalog.set("ViewerPreferences", Object::Dictionary(prefs));
    catalog.set("Metadata", Object::Reference(metadata_id));

    let info = match doc.trailer.get(b"Info").and_then(Object::as_reference) {
        Ok(id) => id,
        Err(_) => {
            let id = doc.add_object(Object::Dictionary(Dictionary::new()));
            doc.trailer.set("Info", Object::Reference(id));
            id
        }
    };
    let dict = doc.get_dictionary_mut(info)?;
    // printpdf writes these empty; an empty PDF/X version still reads as a PDF/X claim.
    for key in [b"GTS_PDFXVersion".as_slice(), b"Identifier", b"Keywords"] {
        dict.remove(key);
    }
    dict.set("Title", text_string(meta.title));
    dict.set("Author", text_string(meta.author));
    dict.set("Subject", text_string(meta.subject));
    Ok(())
}

const DOCUMENT_LANG: &str = "de-DE";

struct Meta<'a> {
    title: &'a str,
    author: &'a str,
    subject: &'a str,
}

/// printpdf names a subset after its resource (`FR+NotoSans-Regular`); ISO 32000-1
/// (9.6.4) asks for six capital letters that differ between subsets, here derived from
/// the font program (FNV-1a: stable across runs, unlike the std hasher).
fn tag_subsets(doc: &mut lopdf::Document) {
    let mut renamed: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    for obj in doc.objects.values() {
        let Object::Dictionary(dict) = obj else { continue };
        let (Ok(name), Ok(file)) = (dict.get(b"FontName"), dict.get(b"FontFile2")) else {
            continue;
        };
        let (Ok(name), Ok(file)) = (name.as_name(), file.as_reference()) else { continue };
        let Some(program) = doc.objects.get(&file).and_then(|o| o.as_stream().ok()) else {
            continue;
        };
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in &program.content {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let base = name.iter().position(|b| *b == b'+').map_or(name, |i| &name[i + 1..]);
        let mut tagged: Vec<u8> = (0..6).map(|i| b'A' + ((h >> (i * 8)) % 26) as u8).collect();
        tagged.push(b'+');
        tagged.extend_from_slice(base);
        renamed.insert(name.to_vec(), tagged);
    }
    for obj in doc.objects.values_mut() {
        let Object::Dictionary(dict) = obj else { continue };
        for key in [b"FontName".as_slice(), b"BaseFont".as_slice()] {
            let new = dict.get(key).and_then(Object::as_name).ok().and_then(|n| renamed.get(n));
            if let Some(new) = new.cloned() {
                dict.set(key, Object::Name(new));
            }
        }
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// XMP metadata with title, author, subject and language, uncompressed (XMP's own rule).
/// Unlike the certificate it claims no PDF/UA conformance: no validator has checked it.
fn xmp_stream(meta: &Meta<'_>) -> Stream {
    let (title, author, subject) =
        (xml_escape(meta.title), xml_escape(meta.author), xml_escape(meta.subject));
    let xml = format!(
        r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>{DOCUMENT_LANG}</rdf:li></rdf:Bag></dc:language>
<pdf:Producer>mietschulung</pdf:Producer>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#
    );
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"Metadata".to_vec()));
    dict.set("Subtype", Object::Name(b"XML".to_vec()));
    Stream::new(dict, xml.into_bytes()).with_compression(false)
}

// Drawing.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
    Right,
}

/// How drawn content is marked: content of the open structure element, or an artifact
/// screen readers skip (rules, shading, repeated table headers, the footer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Content,
    Artifact,
    Footer,
}

#[derive(Debug, Clone, Copy)]
struct Pen {
    size: f32,
    bold: bool,
    grey: f32,
    align: Align,
    mark: Mark,
}

impl Pen {
    fn new(size: f32) -> Pen {
        Pen { size, bold: false, grey: INK, align: Align::Left, mark: Mark::Content }
    }

    fn bold(self) -> Pen {
        Pen { bold: true, ..self }
    }

    fn muted(self) -> Pen {
        Pen { grey: MUTED, ..self }
    }

    fn align(self, align: Align) -> Pen {
        Pen { align, ..self }
    }

    fn mark(self, mark: Mark) -> Pen {
        Pen { mark, ..self }
    }
}

fn pt(mm: f32) -> Pt {
    Pt(mm * PT_PER_MM)
}

/// A point `x` mm from the left and `from_top` mm from the top.
fn point(x: f32, from_top: f32) -> Point {
    Point { x: pt(x), y: pt(PAGE_H - from_top) }
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale { percent: level, icc_profile: None })
}

fn rgb([r, g, b]: [f32; 3]) -> Color {
    Color::Rgb(Rgb { r, g, b, icc_profile: None })
}

/// The pages as they are drawn, top to bottom, flowing onto a new page where the room
/// ends; `y` is where the next thing goes, in mm from the top.
struct Doc {
    fonts: &'static Fonts,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    tree: Structure,
    y: f32,
    used: [bool; 4],
}

impl Doc {
    fn new(fonts: &'static Fonts) -> Doc {
        Doc {
            fonts,
            pages: Vec::new(),
            ops: Vec::with_capacity(4096),
            tree: Structure::new(),
            y: TOP,
            used: [false; 4],
        }
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.tree.next_page();
        self.y = TOP;
    }

    /// Starts a new page unless `h` mm still fit on this one (or the page is empty).
    fn keep(&mut self, h: f32) {
        if self.y + h > LIMIT && self.y > TOP + 0.1 {
            self.new_page();
        }
    }

    fn open(&mut self, role: Role) {
        self.tree.open(role);
    }

    fn open_header_cell(&mut self, scope: &'static str) {
        let id = self.tree.open(Role::TH);
        self.tree.elements[id].scope = Some(scope);
    }

    /// A figure with its alternative text, at (`x`, `top`) `w` × `h` mm on this page.
    fn open_figure(&mut self, alt: &str, x: f32, top: f32, w: f32, h: f32) {
        let id = self.tree.open(Role::Figure);
        self.tree.elements[id].alt = Some(alt.to_string());
        self.tree.elements[id].bbox = Some([
            x * PT_PER_MM,
            (PAGE_H - top - h) * PT_PER_MM,
            (x + w) * PT_PER_MM,
            (PAGE_H - top) * PT_PER_MM,
        ]);
    }

    fn close(&mut self) {
        self.tree.close();
    }

    fn begin(&mut self, mark: Mark) {
        match mark {
            Mark::Content => {
                let (tag, mcid) = self.tree.mark();
                let map = BTreeMap::from([("MCID".to_string(), DictItem::Int(mcid))]);
                self.ops.push(Op::BeginMarkedContentWithProperties {
                    tag: tag.to_string(),
                    properties: DictItem::Dict { map },
                });
            }
            Mark::Artifact => self.ops.push(Op::BeginMarkedContent { tag: "Artifact".into() }),
            Mark::Footer => {
                let map = BTreeMap::from([
                    ("Type".to_string(), DictItem::Name(b"Pagination".to_vec())),
                    ("Subtype".to_string(), DictItem::Name(b"Footer".to_vec())),
                ]);
                self.ops.push(Op::BeginMarkedContentWithProperties {
                    tag: "Artifact".into(),
                    properties: DictItem::Dict { map },
                });
            }
        }
    }

    fn end(&mut self) {
        self.ops.push(Op::EndMarkedContent);
    }

    /// Draws `text` (already clean) on one line with its baseline at `baseline` mm from
    /// the top, anchored at `x` as `pen.align` says; returns its width.
    fn text(&mut self, text: &str, x: f32, baseline: f32, pen: Pen) -> anyhow::Result<f32> {
        if text.is_empty() {
            return Ok(0.0);
        }
        let line = self.fonts.line(text, pen.bold)?;
        let width = line.width(self.fonts, pen.size);
        let left = match pen.align {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        };
        self.begin(pen.mark);
        self.ops.extend([
            Op::SetFillColor { col: grey(pen.grey) },
            Op::StartTextSection,
            Op::SetTextCursor { pos: point(left, baseline) },
        ]);
        for piece in &line.pieces {
            self.used[piece.face as usize] = true;
            let items = match &piece.content {
                Content::Text(t) => TextItem::Text(t.clone()),
                Content::Glyphs(g) => TextItem::GlyphIds(self.arabic_glyphs(g)),
            };
            self.ops.extend([
                Op::SetFont {
                    font: PdfFontHandle::External(FontId(piece.face.resource().to_string())),
                    size: Pt(pen.size),
                },
                Op::ShowText { items: vec![items] },
            ]);
        }
        self.ops.push(Op::EndTextSection);
        self.end();
        Ok(width)
    }

    /// Shaped glyphs as glyph ids carrying their text, moved to the shaped positions (the
    /// PDF moves by each glyph's own width).
    fn arabic_glyphs(&self, glyphs: &[Glyph]) -> Vec<Codepoint> {
        let face = self.fonts.face(FaceId::Arabic);
        let per_unit = 1000.0 / face.units_per_em;
        glyphs
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let own = i32::from(face.parsed.get_horizontal_advance(g.gid));
                let next_offset = glyphs.get(i + 1).map_or(0, |n| n.x_offset);
                let shift = (g.advance - own) + (next_offset - g.x_offset);
                Codepoint {
                    gid: g.gid,
                    offset: -(shift as f32) * per_unit,
                    cid: Some(g.text.clone()),
                }
            })
            .collect()
    }

    /// A filled rectangle, `top` mm from the top.
    fn rect(&mut self, x: f32, top: f32, w: f32, h: f32, colour: Color, mark: Mark) {
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        self.begin(mark);
        self.ops.extend([
            Op::SetFillColor { col: colour },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: pt(x),
                    y: pt(PAGE_H - top - h),
                    width: pt(w),
                    height: pt(h),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            },
        ]);
        self.end();
    }

    /// A rule, as an artifact: it repeats what the layout already says.
    fn line(&mut self, x1: f32, top1: f32, x2: f32, top2: f32, thickness_pt: f32, level: f32) {
        let p = |x, top| LinePoint { p: point(x, top), bezier: false };
        self.begin(Mark::Artifact);
        self.ops.extend([
            Op::SetOutlineColor { col: grey(level) },
            Op::SetOutlineThickness { pt: Pt(thickness_pt) },
            Op::DrawLine {
                line: PdfLine { points: vec![p(x1, top1), p(x2, top2)], is_closed: false },
            },
        ]);
        self.end();
    }

    fn hline(&mut self, x1: f32, x2: f32, top: f32, thickness_pt: f32, level: f32) {
        self.line(x1, top, x2, top, thickness_pt, level);
    }

    /// A paragraph, flowing onto the next page where needed.
    fn paragraph(&mut self, text: &str, pen: Pen) -> anyhow::Result<()> {
        let lines = self.fonts.wrap(text, pen.bold, pen.size, TEXT_W)?;
        let h = line_h(pen.size);
        self.open(Role::P);
        for line in &lines {
            self.keep(h);
            self.text(line, MARGIN, first_baseline(self.y, pen.size), pen)?;
            self.y += h;
        }
        self.close();
        self.y += 2.0;
        Ok(())
    }

    /// A section heading kept together with the `next` mm that follow it.
    fn heading(&mut self, text: &str, next: f32) -> anyhow::Result<()> {
        let pen = Pen::new(H2_PT).bold();
        let lines = self.fonts.wrap(text, true, H2_PT, CONTENT_W)?;
        let h = lines.len() as f32 * line_h(H2_PT);
        self.keep(4.0 + h + next);
        if self.y > TOP + 0.1 {
            self.y += 4.0;
        }
        self.open(Role::H2);
        for line in &lines {
            self.text(line, MARGIN, first_baseline(self.y, H2_PT), pen)?;
            self.y += line_h(H2_PT);
        }
        self.close();
        self.y += 1.5;
        Ok(())
    }

    /// Writes the footer onto every page and hands over the pages.
    fn finish(mut self, left: &str) -> anyhow::Result<(Vec<Vec<Op>>, Structure, [bool; 4])> {
        self.pages.push(std::mem::take(&mut self.ops));
        let total = self.pages.len();
        let pen = Pen::new(CHART_PT).muted().mark(Mark::Footer);
        let left = self.fonts.shorten(left, false, CHART_PT, CONTENT_W * 0.6)?;
        let mut pages = std::mem::take(&mut self.pages);
        for (i, page) in pages.iter_mut().enumerate() {
            self.ops = std::mem::take(page);
            let right = filled(
                "programmes.report.footer",
                &[("page", (i + 1).to_string()), ("pages", total.to_string())],
            );
            self.text(&left, MARGIN, FOOTER_BASELINE, pen)?;
            self.text(&right, RIGHT, FOOTER_BASELINE, pen.align(Align::Right))?;
            *page = std::mem::take(&mut self.ops);
        }
        Ok((pages, self.tree, self.used))
    }
}

// Tables.

// Figures read as on the page: `views::{shown, plain, rate, hours, percent}`.

/// The figure columns' locale keys, in the order of [`cells`].
const COLUMNS: [&str; 11] = [
    "programmes.col.runs",
    "programmes.col.sessions_held",
    "programmes.col.places_offered",
    "programmes.col.enrolled",
    "programmes.col.waiting",
    "programmes.col.completed",
    "programmes.col.completion_rate",
    "programmes.col.no_show_rate",
    "programmes.col.certificates_issued",
    "programmes.col.certificate_checks",
    "programmes.col.interpreter_hours",
];

fn cells(c: &Cell) -> Vec<Shown> {
    vec![
        plain(c.runs),
        plain(c.sessions_held),
        plain(c.places_offered),
        shown(c.enrolled),
        shown(c.waiting),
        shown(c.completed),
        rate(c.completion_rate, c.enrolled),
        rate(c.no_show_rate, c.marks),
        shown(c.certificates_issued),
        plain(c.certificate_checks),
        hours(c.interpreter_hours),
    ]
}

#[derive(Clone)]
struct TableRow {
    /// The row header: member, quarter or line of a breakdown (clean).
    head: String,
    cells: Vec<Shown>,
    /// The total: bold, with a rule above.
    total: bool,
}

struct Table {
    headers: Vec<String>,
    rows: Vec<TableRow>,
    /// Over the whole content width (the first column takes what the figures leave), or
    /// as narrow as the content allows.
    full_width: bool,
    /// Column widths taken from another table, so two tables of the same figures line up.
    widths: Option<Vec<f32>>,
}

const CELL_PAD: f32 = 1.6;
const CELL_VPAD: f32 = 1.1;
/// Tables up to this height (mm) are not split over two pages.
const SHORT_TABLE: f32 = 60.0;
/// Below this the first column would wrap names into a tall ribbon.
const MIN_HEAD_W: f32 = 35.0;
/// What the first column of a full-width table keeps before headings are hyphenated:
/// an 80-character name in two lines.
const HEAD_W: f32 = 75.0;

/// Where the columns go and how the header row wraps.
struct TableLayout {
    widths: Vec<f32>,
    header: Vec<Vec<String>>,
    header_h: f32,
}

impl Doc {
    /// Column widths: each figure column as wide as its figures and its heading's widest
    /// word, where the first column keeps [`HEAD_W`]; else its heading hyphenated.
    fn column_widths(&self, t: &Table) -> anyhow::Result<Vec<f32>> {
        let f = self.fonts;
        let n = t.headers.len();
        let mut narrow = vec![0.0f32; n];
        let mut full = vec![0.0f32; n];
        for i in 1..n {
            let (mut cells_w, mut words_w, mut pieces_w) = (0.0f32, 0.0f32, 0.0f32);
            for row in &t.rows {
                if let Some(cell) = row.cells.get(i - 1) {
                    cells_w = cells_w.max(f.width(&cell.text, row.total, TABLE_PT)?);
                }
            }
            for word in t.headers[i].split_whitespace() {
                words_w = words_w.max(f.width(word, true, HEADER_PT)?);
                pieces_w = pieces_w.max(f.narrowest(word, true, HEADER_PT)?);
            }
            narrow[i] = cells_w.max(pieces_w) + 2.0 * CELL_PAD;
            full[i] = cells_w.max(words_w) + 2.0 * CELL_PAD;
        }
        let mut head_w = 0.0f32;
        for word in t.headers[0].split_whitespace() {
            head_w = head_w.max(f.width(word, true, HEADER_PT)?);
        }
        for row in &t.rows {
            head_w = head_w.max(f.width(&row.head, row.total, TABLE_PT)?);
        }
        let natural = (head_w + 2.0 * CELL_PAD).clamp(MIN_HEAD_W, 110.0);
        let wanted = if t.full_width { natural.min(HEAD_W) } else { natural };
        let mut widths = narrow.clone();
        let mut spare = CONTENT_W - wanted - narrow.iter().sum::<f32>();
        // Whole words in as many headings as the room allows, the cheapest first.
        let mut order: Vec<usize> = (1..n).collect();
        order.sort_by(|a, b| (full[*a] - narrow[*a]).total_cmp(&(full[*b] - narrow[*b])));
        for i in order {
            let extra = full[i] - narrow[i];
            if extra <= spare {
                widths[i] = full[i];
                spare -= extra;
            }
        }
        let room = CONTENT_W - widths.iter().sum::<f32>();
        if room < MIN_HEAD_W {
            bail!("the figures leave {room:.1} mm for the first column of a table");
        }
        widths[0] = if t.full_width { room } else { natural.min(room) };
        Ok(widths)
    }

    fn table_layout(&self, t: &Table) -> anyhow::Result<TableLayout> {
        let f = self.fonts;
        let widths = match &t.widths {
            Some(w) if w.len() == t.headers.len() => w.clone(),
            _ => self.column_widths(t)?,
        };
        let mut header = Vec::with_capacity(widths.len());
        for (text, w) in t.headers.iter().zip(&widths) {
            header.push(f.wrap(text, true, HEADER_PT, w - 2.0 * CELL_PAD)?);
        }
        let lines = header.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let header_h = lines as f32 * line_h(HEADER_PT) + 2.0 * CELL_VPAD;
        Ok(TableLayout { widths, header, header_h })
    }

    /// The header row; on a continuation page a repetition, marked as an artifact.
    fn table_header(
        &mut self, headers: &[String], l: &TableLayout, mark: Mark,
    ) -> anyhow::Result<()> {
        let pen = Pen::new(HEADER_PT).bold().mark(mark);
        let top = self.y;
        if mark == Mark::Content {
            self.open(Role::TR);
        }
        let mut x = MARGIN;
        for (i, (lines, w)) in l.header.iter().zip(&l.widths).enumerate() {
            if mark == Mark::Content {
                self.open_header_cell("Column");
                // Read aloud as written, not as the syllables a hyphenated heading shows.
                if lines.iter().any(|l| l.ends_with('-')) {
                    let id = self.tree.current();
                    self.tree.elements[id].actual = Some(headers[i].clone());
                }
            }
            let (anchor, align) =
                if i == 0 { (x + CELL_PAD, Align::Left) } else { (x + w - CELL_PAD, Align::Right) };
            let mut baseline = first_baseline(top + CELL_VPAD, HEADER_PT);
            for line in lines {
                self.text(line, anchor, baseline, pen.align(align))?;
                baseline += line_h(HEADER_PT);
            }
            if mark == Mark::Content {
                self.close();
            }
            x += w;
        }
        if mark == Mark::Content {
            self.close();
        }
        self.y = top + l.header_h;
        let right = MARGIN + l.widths.iter().sum::<f32>();
        self.hline(MARGIN, right, self.y, 0.8, RULE);
        Ok(())
    }

    /// A table under its heading, kept together when short, else starting with at least
    /// three rows; its rows flow onto further pages with the header row repeated.
    fn table(&mut self, heading: Option<&str>, t: &Table) -> anyhow::Result<()> {
        let l = self.table_layout(t)?;
        let right = MARGIN + l.widths.iter().sum::<f32>();
        let head_w = l.widths[0] - 2.0 * CELL_PAD;
        let mut rows = Vec::with_capacity(t.rows.len());
        for row in &t.rows {
            let (size, lines) =
                self.fonts.fit(&row.head, row.total, head_w, &NAME_SIZES, NAME_LINES)?;
            let h = (lines.len() as f32 * line_h(size)).max(line_h(TABLE_PT)) + 2.0 * CELL_VPAD;
            rows.push((size, lines, h));
        }
        let heights: Vec<f32> = rows.iter().map(|r| r.2).collect();
        let whole: f32 = heights.iter().sum();
        let start =
            l.header_h + if whole <= SHORT_TABLE { whole } else { heights.iter().take(3).sum() };
        match heading {
            Some(text) => self.heading(text, start)?,
            None => self.keep(start),
        }
        self.open(Role::Table);
        self.table_header(&t.headers, &l, Mark::Content)?;
        for (i, (row, (size, lines, h))) in t.rows.iter().zip(&rows).enumerate() {
            if self.y + h > LIMIT {
                self.new_page();
                self.table_header(&t.headers, &l, Mark::Artifact)?;
            }
            let top = self.y;
            if row.total {
                self.hline(MARGIN, right, top, 0.8, INK);
            } else if i % 2 == 1 {
                self.rect(MARGIN, top, right - MARGIN, *h, grey(SHADE), Mark::Artifact);
            }
            self.open(Role::TR);
            self.open_header_cell("Row");
            let mut pen = Pen::new(*size);
            if row.total {
                pen = pen.bold();
            }
            let mut baseline = first_baseline(top + CELL_VPAD, *size);
            for line in lines {
                self.text(line, MARGIN + CELL_PAD, baseline, pen)?;
                baseline += line_h(*size);
            }
            self.close();
            let mut x = MARGIN + l.widths[0];
            for (cell, w) in row.cells.iter().zip(&l.widths[1..]) {
                self.open(Role::TD);
                let mut pen = Pen::new(TABLE_PT).align(Align::Right);
                if row.total {
                    pen = pen.bold();
                }
                if cell.withheld {
                    pen = pen.muted();
                }
                let baseline = first_baseline(top + CELL_VPAD, TABLE_PT);
                self.text(&cell.text, x + w - CELL_PAD, baseline, pen)?;
                self.close();
                x += w;
            }
            self.close();
            self.y = top + h;
        }
        self.hline(MARGIN, right, self.y, 0.8, RULE);
        self.close();
        self.y += 3.0;
        Ok(())
    }
}

// Charts.

/// One bar of the completion chart.
struct RateBar {
    label: String,
    rate: Option<f64>,
    /// "62,5 %", or "x" / "–" where there is no bar.
    value: String,
    total: bool,
}

/// Thirty members and the total fit on one page.
const RATE_ROW_H: f32 = 5.0;
const RATE_BAR_H: f32 = 3.4;
const TICKS_H: f32 = 6.0;
const AXIS_TITLE_H: f32 = 8.0;

impl Doc {
    /// A horizontal bar per member and the total, 0 to 100 %. A chart longer than the page
    /// goes on over the next ones, each part a figure of its own.
    fn rate_chart(&mut self, bars: &[RateBar], alt: &str) -> anyhow::Result<()> {
        let f = self.fonts;
        let label_sizes = [8.5, CHART_PT];
        let mut label_w = 30.0f32;
        for bar in bars {
            label_w = label_w.max(f.width(&bar.label, bar.total, label_sizes[0])?);
        }
        let label_w = label_w.min(95.0);
        let value_w = f.width("100,0 %", false, CHART_PT)? + 4.0;
        let x0 = MARGIN + label_w + 3.0;
        let x1 = RIGHT - value_w;
        let scale = |v: f64| x0 + (x1 - x0) * (v.clamp(0.0, 100.0) / 100.0) as f32;
        let mut rest = bars;
        while !rest.is_empty() {
            let fits =
                |y: f32| ((LIMIT - y - TICKS_H - AXIS_TITLE_H) / RATE_ROW_H).floor().max(0.0);
            if (fits(self.y) as usize) < rest.len().min(3) {
                self.new_page();
            }
            let n = (fits(self.y) as usize).clamp(1, rest.len());
            let (part, later) = rest.split_at(n);
            rest = later;
            let top = self.y;
            let h = TICKS_H + n as f32 * RATE_ROW_H + AXIS_TITLE_H;
            self.open_figure(alt, MARGIN, top, CONTENT_W, h);
            let rows_top = top + TICKS_H;
            let rows_bottom = rows_top + n as f32 * RATE_ROW_H;
            for t in [0.0, 25.0, 50.0, 75.0, 100.0] {
                let x = scale(t);
                self.line(x, rows_top - 1.0, x, rows_bottom, 0.4, HAIRLINE);
                let tick = format!("{} %", t as u32);
                self.text(&tick, x, rows_top - 2.0, Pen::new(CHART_PT).align(Align::Center))?;
            }
            for (i, bar) in part.iter().enumerate() {
                let row_top = rows_top + i as f32 * RATE_ROW_H;
                let bar_top = row_top + (RATE_ROW_H - RATE_BAR_H) / 2.0;
                let (size, label) = fit_label(f, &bar.label, bar.total, label_w, &label_sizes)?;
                let baseline = row_top + RATE_ROW_H / 2.0 + size * 0.36 / PT_PER_MM;
                let mut pen = Pen::new(size).align(Align::Right);
                if bar.total {
                    pen = pen.bold();
                }
                self.text(&label, x0 - 2.0, baseline, pen)?;
                let value_baseline = row_top + RATE_ROW_H / 2.0 + CHART_PT * 0.36 / PT_PER_MM;
                match bar.rate {
                    Some(v) => {
                        let colour = if bar.total { DARK } else { BLUE };
                        self.rect(
                            x0,
                            bar_top,
                            scale(v) - x0,
                            RATE_BAR_H,
                            rgb(colour),
                            Mark::Content,
                        );
                        let mut pen = Pen::new(CHART_PT);
                        if bar.total {
                            pen = pen.bold();
                        }
                        self.text(&bar.value, scale(v) + 1.5, value_baseline, pen)?;
                    }
                    None => {
                        let pen = Pen::new(CHART_PT).muted();
                        self.text(&bar.value, x0 + 1.5, value_baseline, pen)?;
                    }
                }
            }
            self.line(x0, rows_top - 1.0, x0, rows_bottom, 0.8, MUTED);
            let title = words("programmes.report.axis_rate");
            let baseline = rows_bottom + 5.0;
            self.text(&title, (x0 + x1) / 2.0, baseline, Pen::new(CHART_PT).align(Align::Center))?;
            self.close();
            self.y = top + h;
        }
        self.y += 1.0;
        Ok(())
    }

    /// Places offered against people enrolled per quarter, side by side; an enrolment
    /// count held back has no bar, only its "< 5" or "x".
    fn places_chart(
        &mut self, quarters: &[(String, u64, Figure)], alt: &str,
    ) -> anyhow::Result<()> {
        if quarters.is_empty() {
            return Ok(());
        }
        let f = self.fonts;
        const LEGEND_H: f32 = 8.0;
        const VALUES_H: f32 = 5.0;
        const PLOT_H: f32 = 60.0;
        const LABELS_H: f32 = 6.0;
        let h = LEGEND_H + VALUES_H + PLOT_H + LABELS_H + AXIS_TITLE_H;
        self.keep(h);
        let top = self.y;
        self.open_figure(alt, MARGIN, top, CONTENT_W, h);

        let offered_label = words("programmes.col.places_offered");
        let enrolled_label = words("programmes.col.enrolled");
        let mut x = MARGIN + 18.0;
        let legend_baseline = top + 4.0;
        for (colour, label) in [(LIGHT_BLUE, &offered_label), (ORANGE, &enrolled_label)] {
            self.rect(x, legend_baseline - 2.8, 4.0, 3.0, rgb(colour), Mark::Artifact);
            x += 5.5 + self.text(label, x + 5.5, legend_baseline, Pen::new(CHART_PT))? + 6.0;
        }

        let max = quarters
            .iter()
            .map(|(_, offered, enrolled)| (*offered).max(enrolled.count().unwrap_or(0)))
            .max()
            .unwrap_or(0)
            .max(1);
        let step = nice_step(max);
        let axis_top = max.div_ceil(step) * step;
        let plot_top = top + LEGEND_H + VALUES_H;
        let base = plot_top + PLOT_H;
        let y_of = |v: u64| base - PLOT_H * (v as f32 / axis_top as f32);
        let axis_x = MARGIN + 18.0;
        let group_w = ((RIGHT - axis_x) / quarters.len() as f32).min(45.0);
        let plot_right = axis_x + group_w * quarters.len() as f32;
        let mut v = 0;
        while v <= axis_top {
            let y = y_of(v);
            if v > 0 {
                self.hline(axis_x, plot_right, y, 0.4, HAIRLINE);
            }
            let tick = plain(v).text;
            let baseline = y + CHART_PT * 0.36 / PT_PER_MM;
            self.text(&tick, axis_x - 2.0, baseline, Pen::new(CHART_PT).align(Align::Right))?;
            v += step;
        }
        let count_title = words("programmes.report.axis_count");
        self.text(&count_title, MARGIN, plot_top - 2.0, Pen::new(CHART_PT).muted())?;

        let bar_w = ((group_w - 6.0) / 2.0).min(14.0);
        for (i, (label, offered, enrolled)) in quarters.iter().enumerate() {
            let centre = axis_x + (i as f32 + 0.5) * group_w;
            let bars = [
                (centre - 0.5 - bar_w, LIGHT_BLUE, Figure::Count(*offered)),
                (centre + 0.5, ORANGE, *enrolled),
            ];
            for (left, colour, value) in bars {
                let mid = left + bar_w / 2.0;
                match value.count() {
                    Some(n) => {
                        let y = y_of(n);
                        self.rect(left, y, bar_w, base - y, rgb(colour), Mark::Content);
                        let pen = Pen::new(CHART_PT).align(Align::Center);
                        self.text(&plain(n).text, mid, y - 1.2, pen)?;
                    }
                    None => {
                        let pen = Pen::new(CHART_PT).muted().align(Align::Center);
                        self.text(&value.text(), mid, base - 1.2, pen)?;
                    }
                }
            }
            let label = f.shorten(label, false, CHART_PT, group_w - 1.0)?;
            let pen = Pen::new(CHART_PT).align(Align::Center);
            self.text(&label, centre, base + 4.5, pen)?;
        }
        self.line(axis_x, plot_top - 1.0, axis_x, base, 0.8, MUTED);
        self.hline(axis_x, plot_right, base, 0.8, MUTED);
        let quarter_title = words("programmes.report.axis_quarter");
        let pen = Pen::new(CHART_PT).align(Align::Center);
        self.text(&quarter_title, (axis_x + plot_right) / 2.0, base + LABELS_H + 4.0, pen)?;
        self.close();
        self.y = top + h + 1.0;
        Ok(())
    }
}

/// A chart label on one line: shrunk within `sizes`, then cut.
fn fit_label(
    f: &Fonts, label: &str, bold: bool, width: f32, sizes: &[f32],
) -> anyhow::Result<(f32, String)> {
    for &size in sizes {
        if f.width(label, bold, size)? <= width {
            return Ok((size, label.to_string()));
        }
    }
    let size = sizes.last().copied().unwrap_or(CHART_PT);
    Ok((size, f.shorten(label, bold, size, width)?))
}

/// A step of 1, 2 or 5 times a power of ten giving four or five ticks up to `max`.
fn nice_step(max: u64) -> u64 {
    let raw = (max as f64 / 4.0).max(1.0);
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    (step.round() as u64).max(1)
}

// The report.

fn date(d: NaiveDate) -> String {
    crate::time::fmt_date(d)
}

fn quarter_name(code: &str) -> String {
    code.replace("-Q", " Q")
}

/// A rate in words for the charts' sentences.
fn rate_words(r: Option<f64>, whole: Figure) -> String {
    match rate(r, whole) {
        Shown { withheld: false, text } if r.is_some() => text,
        Shown { withheld: false, .. } => words("programmes.report.nobody"),
        _ => words("programmes.report.not_shown"),
    }
}

fn figure_words(f: Figure) -> String {
    match f {
        Figure::Count(n) => plain(n).text,
        Figure::Withheld(Withheld::Small) => words("programmes.report.fewer_than_5"),
        Figure::Withheld(Withheld::Hidden) => words("programmes.report.not_shown"),
    }
}

/// The completion chart's sentence: the total and the range over the members.
fn completion_sentence(d: &Dashboard) -> String {
    let members = &d.figures.members;
    let rates: Vec<f64> = members.iter().filter_map(|m| m.period.completion_rate).collect();
    let range =
        match (rates.iter().copied().reduce(f64::min), rates.iter().copied().reduce(f64::max)) {
            (Some(low), Some(high)) if low == high => percent(low),
            (Some(low), Some(high)) => {
                filled("programmes.report.range", &[("low", percent(low)), ("high", percent(high))])
            }
            _ => words("programmes.report.no_range"),
        };
    let hidden = members.len() - rates.len();
    let hidden = if hidden > 0 {
        filled(
            "programmes.report.hidden_rates",
            &[("hidden", hidden.to_string()), ("members", members.len().to_string())],
        )
    } else {
        String::new()
    };
    let total = &d.figures.total.period;
    filled(
        "programmes.report.completion_alt",
        &[
            ("total", rate_words(total.completion_rate, total.enrolled)),
            ("range", range),
            ("hidden", hidden),
        ],
    )
}

fn places_sentence(quarters: &[(String, u64, Figure)]) -> String {
    let items: Vec<String> = quarters
        .iter()
        .map(|(q, offered, enrolled)| {
            filled(
                "programmes.report.places_item",
                &[
                    ("quarter", q.clone()),
                    ("offered", plain(*offered).text),
                    ("enrolled", figure_words(*enrolled)),
                ],
            )
        })
        .collect();
    filled("programmes.report.places_alt", &[("quarters", items.join("; "))])
}

fn parts_table(f: &Fonts, heading_key: &str, parts: &[Part]) -> Table {
    Table {
        headers: vec![words(heading_key), words("programmes.col.enrolled")],
        rows: parts
            .iter()
            .map(|p| TableRow {
                head: f.clean(&p.label),
                cells: vec![shown(p.places)],
                total: false,
            })
            .collect(),
        full_width: false,
        widths: None,
    }
}

fn render(d: &Dashboard, now: NaiveDateTime) -> anyhow::Result<Vec<u8>> {
    let f = fonts()?;
    let mut doc = Doc::new(f);
    let programme = f.clean(&d.programme.name);
    let funding_body = f.clean(&d.programme.funding_body);
    let period_label = f.clean(&d.period.label);
    let title = filled("programmes.report.title", &[("programme", programme.clone())]);

    let (size, lines) = f.fit(&title, true, CONTENT_W, &[18.0, 17.0, 16.0, 15.0, 14.0], 3)?;
    doc.open(Role::H1);
    for line in &lines {
        doc.text(line, MARGIN, first_baseline(doc.y, size), Pen::new(size).bold())?;
        doc.y += line_h(size);
    }
    doc.close();
    doc.y += 3.0;

    let period =
        format!("{period_label} ({} – {})", date(d.period.starts_on), date(d.period.ends_on));
    let created = crate::time::to_local(now).date_naive();
    let facts = [
        (words("programmes.funding_body"), funding_body.clone()),
        (words("programmes.report.period"), period),
        (words("programmes.report.created"), date(created)),
        (words("programmes.report.members"), d.figures.members.len().to_string()),
    ];
    // Each value right after its label: a column of values would be read (and copied)
    // apart from the labels.
    for (label, value) in &facts {
        let label = format!("{label}:");
        let value_x = MARGIN + f.width(&label, false, TEXT_PT)? + 2.0;
        let lines = f.wrap(value, false, TEXT_PT, MARGIN + TEXT_W - value_x)?;
        doc.keep(lines.len() as f32 * line_h(TEXT_PT));
        doc.open(Role::P);
        let baseline = first_baseline(doc.y, TEXT_PT);
        doc.text(&label, MARGIN, baseline, Pen::new(TEXT_PT).muted())?;
        for line in &lines {
            doc.text(line, value_x, first_baseline(doc.y, TEXT_PT), Pen::new(TEXT_PT))?;
            doc.y += line_h(TEXT_PT);
        }
        doc.close();
    }
    doc.y += 3.0;
    // As on the page: a member's own figures hold nothing back, so need no legend.
    if d.protected {
        doc.paragraph(&words("programmes.legend"), Pen::new(SMALL_PT))?;
        doc.paragraph(&words("programmes.legend_frozen"), Pen::new(SMALL_PT))?;
    } else {
        doc.paragraph(&words("programmes.own_note"), Pen::new(SMALL_PT))?;
    }

    if d.figures.members.is_empty() {
        doc.paragraph(&words("programmes.no_sharing_members"), Pen::new(TEXT_PT))?;
    } else {
        figures_sections(&mut doc, d, &period_label)?;
    }

    let footer_left = format!("{programme} · {period_label}");
    let (pages, tree, used) = doc.finish(&footer_left)?;
    let document_title = format!("{title} – {period_label}");
    let subject = format!("{} – {funding_body}", words("programmes.figures"));
    let meta = Meta { title: &document_title, author: &programme, subject: &subject };
    assemble(f, pages, &tree, used, &meta, now)
}

fn figures_sections(doc: &mut Doc, d: &Dashboard, period_label: &str) -> anyhow::Result<()> {
    let f = doc.fonts;
    let total_word = words("programmes.total");
    let mut headers = vec![words("programmes.col.organisation")];
    headers.extend(COLUMNS.iter().map(|k| words(k)));
    let mut rows: Vec<TableRow> = d
        .figures
        .members
        .iter()
        .map(|m| TableRow {
            head: f.clean(m.organisation.as_deref().unwrap_or_default()),
            cells: cells(&m.period),
            total: false,
        })
        .collect();
    rows.push(TableRow {
        head: total_word.clone(),
        cells: cells(&d.figures.total.period),
        total: true,
    });
    let quarters = &d.figures.quarters;
    let mut quarter_rows: Vec<TableRow> = quarters
        .iter()
        .zip(&d.figures.total.quarters)
        .map(|(q, c)| TableRow {
            head: format!("{} ({} – {})", quarter_name(&q.code), date(q.from), date(q.to)),
            cells: cells(c),
            total: false,
        })
        .collect();
    quarter_rows.push(TableRow {
        head: period_label.to_string(),
        cells: cells(&d.figures.total.period),
        total: true,
    });
    // One set of column widths for both tables: the quarters' figures sit under the
    // members' and read as the same columns.
    let all = rows.iter().chain(&quarter_rows).cloned().collect();
    let widths = doc.column_widths(&Table {
        headers: headers.clone(),
        rows: all,
        full_width: true,
        widths: None,
    })?;
    let caption = format!("{} {period_label}", words("programmes.table_caption"));
    let members =
        Table { headers: headers.clone(), rows, full_width: true, widths: Some(widths.clone()) };
    doc.table(Some(&caption), &members)?;
    if !quarters.is_empty() {
        headers[0] = words("programmes.col.when");
        let heading = words("programmes.report.quarters_table");
        let table = Table { headers, rows: quarter_rows, full_width: true, widths: Some(widths) };
        doc.table(Some(&heading), &table)?;
    }

    let bars: Vec<RateBar> = d
        .figures
        .members
        .iter()
        .chain(std::iter::once(&d.figures.total))
        .map(|r| {
            let c = &r.period;
            RateBar {
                label: match &r.organisation {
                    Some(name) => f.clean(name),
                    None => total_word.clone(),
                },
                rate: c.completion_rate,
                value: rate(c.completion_rate, c.enrolled).text,
                total: r.organisation.is_none(),
            }
        })
        .collect();
    let sentence = completion_sentence(d);
    doc.heading(&words("programmes.chart_completion"), TICKS_H + 3.0 * RATE_ROW_H + AXIS_TITLE_H)?;
    doc.rate_chart(&bars, &sentence)?;
    doc.paragraph(&sentence, Pen::new(SMALL_PT))?;

    if !quarters.is_empty() {
        let per_quarter: Vec<(String, u64, Figure)> = quarters
            .iter()
            .zip(&d.figures.total.quarters)
            .map(|(q, c)| (quarter_name(&q.code), c.places_offered, c.enrolled))
            .collect();
        let sentence = places_sentence(&per_quarter);
        doc.heading(&words("programmes.report.chart_places"), 87.0)?;
        doc.places_chart(&per_quarter, &sentence)?;
        doc.paragraph(&sentence, Pen::new(SMALL_PT))?;
    }

    let one_line = 2.0 * line_h(TEXT_PT);
    if d.figures.breakdowns_withheld {
        doc.heading(&words("programmes.languages"), one_line)?;
        doc.paragraph(&words("programmes.breakdowns_withheld"), Pen::new(TEXT_PT))?;
    } else {
        for (heading, key, parts) in [
            ("programmes.languages", "programmes.language", &d.figures.languages),
            ("programmes.referrals", "programmes.referral", &d.figures.referrals),
        ] {
            if parts.is_empty() {
                doc.heading(&words(heading), one_line)?;
                doc.paragraph(&words("programmes.report.none"), Pen::new(TEXT_PT))?;
            } else {
                doc.table(Some(&words(heading)), &parts_table(f, key, parts))?;
            }
        }
        doc.paragraph(&words("programmes.breakdowns_note"), Pen::new(SMALL_PT).muted())?;
    }
    needs_section(doc, d)
}

/// The topics the members' pre-surveys rank highest, per stakeholder group, as the page
/// shows them.
fn needs_section(doc: &mut Doc, d: &Dashboard) -> anyhow::Result<()> {
    let f = doc.fonts;
    let needs: Vec<&super::figures::Need> =
        d.figures.module_needs.iter().filter(|n| !n.groups.is_empty()).collect();
    doc.heading(&words("programmes.needs"), 3.0 * line_h(SMALL_PT) + 30.0)?;
    let Some(first) = needs.first() else {
        return doc.paragraph(&words("programmes.no_needs"), Pen::new(TEXT_PT));
    };
    doc.paragraph(&words("programmes.needs_hint"), Pen::new(SMALL_PT))?;
    let mut headers = vec![words("programmes.topic")];
    headers.extend(first.groups.iter().map(|g| f.clean(&g.group_name)));
    let rows = needs
        .iter()
        .map(|n| TableRow {
            head: f.clean(&n.topic),
            cells: n.groups.iter().map(|g| shown(g.chosen)).collect(),
            total: false,
        })
        .collect();
    doc.table(None, &Table { headers, rows, full_width: false, widths: None })
}

/// The PDF file: printpdf writes pages, fonts (subset to the glyphs used) and ToUnicode
/// maps; the structure tree, language and metadata are added on the lopdf level.
fn assemble(
    f: &Fonts, pages: Vec<Vec<Op>>, tree: &Structure, used: [bool; 4], meta: &Meta<'_>,
    now: NaiveDateTime,
) -> anyhow::Result<Vec<u8>> {
    let mut pdf = PdfDocument::new(meta.title);
    for face in [FaceId::Regular, FaceId::Bold, FaceId::Arabic, FaceId::Ethiopic] {
        if used[face as usize] {
            pdf.resources.fonts.map.insert(
                FontId(face.resource().to_string()),
                PdfFont::new(f.face(face).parsed.clone()),
            );
        }
    }
    let info = &mut pdf.metadata.info;
    info.author = meta.author.to_string();
    info.creator = "Mietschulung".to_string();
    info.producer = "mietschulung".to_string();
    info.subject = meta.subject.to_string();
    if let Ok(date) = OffsetDateTime::from_unix_timestamp(now.and_utc().timestamp()) {
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
    }
    pdf.with_pages(
        pages.into_iter().map(|ops| PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops)).collect(),
    );
    let opts = PdfSaveOptions {
        optimize: false,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = printpdf::to_lopdf_doc(&pdf, &opts, &mut warnings);
    if let Some(w) = warnings.iter().find(|w| w.severity == PdfParseErrorSeverity::Error) {
        bail!("PDF serialisation failed: {}", w.msg);
    }
    // Tagged PDF and /Lang need more than printpdf's 1.3 header says.
    lo.version = "1.7".to_string();
    tag_subsets(&mut lo);
    lo.compress();
    write_structure(&mut lo, tree, meta).context("structure tree")?;
    let mut out = Vec::with_capacity(64 * 1024);
    lo.save_to(&mut out).context("writing the PDF")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::Instant;

    use super::*;
    use crate::ids::ProgrammeId;
    use crate::programmes::figures::{self, Figures, GroupNeed, Need, Referral, Row};
    use crate::programmes::models::{Period, Programme};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const SMALL: Figure = Figure::Withheld(Withheld::Small);
    const HIDDEN: Figure = Figure::Withheld(Withheld::Hidden);

    fn rate_of(part: Figure, whole: Figure) -> Option<f64> {
        match (part.count(), whole.count()) {
            (Some(p), Some(w)) if w > 0 => Some(crate::reports::format::percent_value(
                crate::reports::format::tenths_of_percent(p, w),
            )),
            _ => None,
        }
    }

    /// A cell as `figures::publish` makes one: rates only where both counts are shown.
    fn cell(runs: u64, enrolled: Figure, completed: Figure, no_shows: Figure) -> Cell {
        let marks = Figure::Count(runs * 40);
        Cell {
            courses: runs.min(2),
            runs,
            sessions_held: runs * 4,
            places_offered: runs * 12,
            enrolled,
            waiting: if runs.is_multiple_of(2) { Figure::Count(runs) } else { SMALL },
            completed,
            completion_rate: rate_of(completed, enrolled),
            certificates_issued: completed,
            certificate_checks: runs * 3,
            marks,
            no_shows,
            no_show_rate: rate_of(no_shows, marks),
            interpreter_hours: runs as f64 * 1.5,
        }
    }

    /// Members named `names` over the four quarters of 2026, every third cell with
    /// held-back counts, and the breakdowns.
    fn dashboard(names: &[String]) -> Dashboard {
        dashboard_until(names, day(2026, 12, 31))
    }

    fn dashboard_until(names: &[String], last: NaiveDate) -> Dashboard {
        let quarters = figures::quarters(day(2026, 1, 1), last);
        let qn = quarters.len() as u64;
        let members: Vec<Row> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let i = i as u64;
                let quarters: Vec<Cell> = (0..qn)
                    .map(|q| {
                        if (i + q) % 3 == 1 {
                            cell(1, SMALL, HIDDEN, SMALL)
                        } else {
                            cell(
                                2 + q,
                                Figure::Count(8 + i + q),
                                Figure::Count(5 + q),
                                Figure::Count(6),
                            )
                        }
                    })
                    .collect();
                let period = match i % 3 {
                    1 => cell(9, Figure::Count(30 + i), HIDDEN, Figure::Count(20)),
                    2 => cell(0, Figure::Count(0), Figure::Count(0), Figure::Count(0)),
                    _ => cell(11, Figure::Count(40 + i), Figure::Count(25), Figure::Count(18)),
                };
                let shared = vec![true; quarters.len()];
                Row { organisation: Some(name.clone()), shared, quarters, period }
            })
            .collect();
        let total = Row {
            organisation: None,
            shared: vec![true; quarters.len()],
            quarters: [
                cell(14, Figure::Count(120), Figure::Count(90), Figure::Count(30)),
                cell(9, HIDDEN, HIDDEN, Figure::Count(12)),
                cell(12, SMALL, Figure::Count(0), Figure::Count(0)),
                cell(17, Figure::Count(140), Figure::Count(101), Figure::Count(41)),
            ]
            .into_iter()
            .cycle()
            .take(quarters.len())
            .collect(),
            period: cell(52, Figure::Count(1234), Figure::Count(870), Figure::Count(96)),
        };
        let language = |code: &str, places| Part {
            code: code.into(),
            label: crate::i18n::participant_language_name(code).into(),
            places,
        };
        let referral =
            |r: Referral, places| Part { code: format!("{r:?}"), label: words(r.key()), places };
        Dashboard {
            programme: Programme {
                id: ProgrammeId(7),
                name: "Mietführerschein Thüringen".into(),
                funding_body: "Freistaat Thüringen, Ministerium für Soziales".into(),
                created_at: day(2025, 11, 3).and_hms_opt(9, 0, 0).unwrap(),
            },
            period: Period {
                id: 3,
                programme_id: ProgrammeId(7),
                label: "Förderjahr 2026".into(),
                starts_on: day(2026, 1, 1),
                ends_on: last,
            },
            periods: Vec::new(),
            figures: Figures {
                quarters,
                members,
                total,
                languages: vec![
                    language("ar", Figure::Count(412)),
                    language("de", Figure::Count(96)),
                    language("fa", Figure::Count(230)),
                    language("ti", SMALL),
                    language("uk", HIDDEN),
                ],
                referrals: vec![
                    referral(Referral::Self_, Figure::Count(800)),
                    referral(Referral::ReferrerAccount, Figure::Count(300)),
                    referral(Referral::ReferrerNamed, Figure::Count(134)),
                ],
                breakdowns_withheld: false,
                module_needs: figures::MODULE_TOPICS
                    .iter()
                    .enumerate()
                    .map(|(i, topic)| Need {
                        topic: topic.to_string(),
                        groups: [("landlord", "Vermietende"), ("target_group", "Zielgruppe")]
                            .into_iter()
                            .map(|(group, name)| GroupNeed {
                                group: group.into(),
                                group_name: name.into(),
                                chosen: if i == 2 { SMALL } else { Figure::Count(5 + i as u64) },
                            })
                            .collect(),
                    })
                    .collect(),
            },
            protected: true,
            open_quarters: Vec::new(),
        }
    }

    fn three() -> Vec<String> {
        vec![
            "Volkshochschule Altenburger Land".into(),
            "Caritasverband für das Bistum Erfurt e. V.".into(),
            "Stadt Gera – Integrationsmanagement".into(),
        ]
    }

    const ARABIC_NAME: &str =
        "جمعية السكن والتدريب للمستأجرين الجدد في مدينة إرفورت ومنطقة تورينغن الشرقية معا";

    /// Thirty names of 80 characters, one of them in Arabic script.
    fn thirty() -> Vec<String> {
        let towns = ["Altenburg", "Gera", "Jena", "Erfurt", "Weimar", "Gotha", "Suhl", "Eisenach"];
        (1..=30)
            .map(|i| {
                if i == 17 {
                    return ARABIC_NAME.to_string();
                }
                let town = towns[i % towns.len()];
                let long = format!("Mieterschulung {i:02} im Landkreis {town}: Beratung, Begleitung und Wohnen im Quartier und in der Region");
                let name: String = long.chars().take(80).collect();
                name.trim_end().to_string()
            })
            .collect()
    }

    /// Where the tool is installed; `None` lets a check be skipped, unless
    /// `MIETSCHULUNG_REQUIRE_ALL` asks for every check.
    fn tool(name: &str) -> Option<PathBuf> {
        let found = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths).map(|dir| dir.join(name)).find(|p| p.is_file())
        });
        if found.is_none() {
            assert!(
                std::env::var_os("MIETSCHULUNG_REQUIRE_ALL").is_none(),
                "{name} is not installed, and MIETSCHULUNG_REQUIRE_ALL asks for every check"
            );
            eprintln!("{name} is not installed: not checked");
        }
        found
    }

    fn write_temp(pdf: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bericht.pdf");
        std::fs::write(&path, pdf).unwrap();
        (dir, path)
    }

    fn run(tool: &Path, args: &[&str], path: &Path) -> String {
        let out = Command::new(tool).args(args).arg(path).output().unwrap();
        assert!(
            out.status.success(),
            "{} failed:\n{}\n{}",
            tool.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn qpdf_check(path: &Path) {
        if let Some(qpdf) = tool("qpdf") {
            let out = run(&qpdf, &["--check"], path);
            assert!(out.contains("No syntax or stream encoding errors"), "{out}");
        }
    }

    /// The text as `pdftotext` reads it, on one line: NFKC, without the bidi marks it
    /// adds, single spaces (names wrap in their cells).
    fn text_of(path: &Path) -> Option<String> {
        let pdftotext = tool("pdftotext")?;
        let out =
            Command::new(&pdftotext).args(["-enc", "UTF-8"]).arg(path).arg("-").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Some(normalise(&String::from_utf8(out.stdout).unwrap()))
    }

    fn normalise(text: &str) -> String {
        text.nfkc()
            .filter(|&c| !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn pages(path: &Path) -> Option<usize> {
        let pdfinfo = tool("pdfinfo")?;
        let info = run(&pdfinfo, &[], path);
        let line = info.lines().find(|l| l.starts_with("Pages:")).expect("pages");
        Some(line["Pages:".len()..].trim().parse().unwrap())
    }

    /// Every word `pdftotext -bbox` finds lies within the page's margins.
    fn assert_inside_margins(path: &Path) {
        let Some(pdftotext) = tool("pdftotext") else { return };
        let html =
            Command::new(&pdftotext).args(["-bbox", "-enc", "UTF-8"]).arg(path).arg("-").output();
        let html = String::from_utf8(html.unwrap().stdout).unwrap();
        let attr = |line: &str, name: &str| -> f32 {
            let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            line[start..].split('"').next().unwrap().parse().unwrap()
        };
        let (left, right, bottom) =
            (MARGIN * PT_PER_MM - 0.5, RIGHT * PT_PER_MM + 0.5, PAGE_H * PT_PER_MM);
        let mut words = 0;
        for line in html.lines().filter(|l| l.trim_start().starts_with("<word")) {
            words += 1;
            let (x0, x1, y1) = (attr(line, "xMin"), attr(line, "xMax"), attr(line, "yMax"));
            assert!(x0 >= left && x1 <= right && y1 <= bottom, "outside the margins: {line}");
        }
        assert!(words > 100, "{html}");
    }

    #[test]
    fn figures_cells_read_as_on_the_page() {
        let c = cell(2, Figure::Count(8), Figure::Count(5), SMALL);
        let texts: Vec<String> = cells(&c).into_iter().map(|s| s.text).collect();
        assert_eq!(texts, ["2", "8", "24", "8", "2", "5", "62,5 %", "x", "5", "6", "3,0"]);
        assert_eq!(shown(SMALL), Shown { text: "< 5".into(), withheld: true });
        assert_eq!(shown(HIDDEN).text, "x");
        assert_eq!(plain(1234).text, "1.234");
        // Nobody enrolled: no rate, but nothing held back either.
        assert_eq!(rate(None, Figure::Count(0)), Shown { text: "–".into(), withheld: false });
        assert_eq!(rate(None, HIDDEN), Shown { text: "x".into(), withheld: true });
        assert_eq!([nice_step(1), nice_step(9), nice_step(40), nice_step(130)], [1, 5, 10, 50]);
    }

    #[test]
    fn user_texts_are_cleaned_and_wrap_inside_their_box() {
        let f = fonts().unwrap();
        assert_eq!(f.clean("  Stadt\u{202E}Gera\n\tNord\u{200B}  😀 "), "StadtGera Nord ?");
        assert_eq!(f.clean("a\u{200D}b"), "ab");
        let long =
            "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherungsanstalt Gera";
        for text in [long, ARABIC_NAME] {
            let lines = f.wrap(text, false, 9.0, 40.0).unwrap();
            assert!(lines.len() > 1, "{lines:?}");
            for l in &lines {
                assert!(f.width(l, false, 9.0).unwrap() <= 40.0 + 0.01, "{l}");
            }
            let short = f.shorten(text, true, 8.0, 30.0).unwrap();
            assert!(short.ends_with('…') && f.width(&short, true, 8.0).unwrap() <= 30.0, "{short}");
        }
        // Arabic is shaped into contextual forms, right to left: the isolated form of the
        // first letter is not what prints, and the line starts (visually) with its end.
        let line = f.line("جمعية", false).unwrap();
        let Content::Glyphs(glyphs) = &line.pieces[0].content else { panic!("{line:?}") };
        let isolated = f.face(FaceId::Arabic).glyph('ج').unwrap();
        assert!(glyphs.iter().all(|g| g.gid != isolated && g.gid != 0), "{glyphs:?}");
        assert_eq!(glyphs.first().unwrap().text, "ة");
    }

    #[test]
    fn report_shows_the_programme_members_total_and_held_back_figures() {
        let d = dashboard(&three());
        let started = Instant::now();
        let pdf = render(&d, day(2026, 12, 1).and_hms_opt(10, 0, 0).unwrap()).unwrap();
        eprintln!("3 members: {} bytes in {:?}", pdf.len(), started.elapsed());
        assert!(pdf.starts_with(b"%PDF"));

        let lo = lopdf::Document::load_mem(&pdf).unwrap();
        let catalog = lo.catalog().unwrap();
        assert_eq!(catalog.get(b"Lang").unwrap().as_str().unwrap(), b"de-DE");
        assert!(catalog.has(b"StructTreeRoot") && catalog.has(b"MarkInfo"));

        let (_dir, path) = write_temp(&pdf);
        qpdf_check(&path);
        if let Some(text) = text_of(&path) {
            for needle in [
                "Bericht: Mietführerschein Thüringen",
                "Freistaat Thüringen, Ministerium für Soziales",
                "Förderjahr 2026 (01.01.2026 – 31.12.2026)",
                "Erstellt am: 01.12.2026",
                "Insgesamt",
                "< 5",
                "1.234",
                "70,5 %",
                "2026 Q2 (01.04.2026 – 30.06.2026)",
                "Abschlussquote in %",
                "Balkendiagramm der Abschlussquote: insgesamt 70,5 %",
                "2026 Q2: 108 Plätze angeboten, Angemeldete nicht gezeigt",
                "2026 Q3: 144 Plätze angeboten, Angemeldete weniger als 5",
                "Wie die Teilnehmenden kamen",
                "selbst gekommen",
                "Seite 1 von",
                "Erstellt mit Mietschulung",
                &normalise(&words("programmes.legend")),
            ] {
                assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
            }
            for name in three() {
                assert!(text.contains(&name), "{name:?} missing in:\n{text}");
            }
            assert!(text.contains(&normalise("العربية")), "{text}");
        }
        if let Some(pdfinfo) = tool("pdfinfo") {
            let info = run(&pdfinfo, &[], &path);
            let field = |name: &str| {
                let line = info.lines().find(|l| l.starts_with(name)).unwrap_or_default();
                line.get(name.len()..).unwrap_or_default().trim().to_string()
            };
            assert_eq!(field("Title:"), "Bericht: Mietführerschein Thüringen – Förderjahr 2026");
            assert_eq!(field("Tagged:"), "yes");
            assert_eq!(field("Page size:"), "841.89 x 595.276 pts (A4)");
            // printpdf's empty PDF/X version is gone: the report claims no PDF/X.
            assert!(!info.contains("PDF/X"), "{info}");
        }
        if let Some(pdffonts) = tool("pdffonts") {
            let list = run(&pdffonts, &[], &path);
            let fonts: Vec<&str> = list.lines().skip(2).collect();
            // Regular, bold, and Arabic and Ge'ez for the language names.
            assert_eq!(fonts.len(), 4, "{list}");
            for line in fonts {
                let cols: Vec<&str> = line.split_whitespace().collect();
                assert!(cols[0].as_bytes().get(6) == Some(&b'+'), "not a subset: {line}");
                assert_eq!(&cols[cols.len() - 5..cols.len() - 2], &["yes", "yes", "yes"], "{line}");
            }
        }
    }

    #[test]
    fn thirty_long_member_names_flow_onto_further_pages() {
        let names = thirty();
        assert!(names.iter().all(|n| n.chars().count() >= 79), "{names:?}");
        let d = dashboard(&names);
        let started = Instant::now();
        let report = pdf(&d).unwrap();
        eprintln!("30 members: {} bytes in {:?}", report.len(), started.elapsed());
        assert!(report.starts_with(b"%PDF"));
        let (_dir, path) = write_temp(&report);
        qpdf_check(&path);
        if let Some(n) = pages(&path) {
            assert!(n > 1, "{n} page(s)");
        }
        assert_inside_margins(&path);
        let Some(text) = text_of(&path) else { return };
        // The Arabic name too, whole and in reading order, though it wraps right to left.
        for name in &names {
            assert!(text.contains(&normalise(name)), "{name:?} missing in:\n{text}");
        }
        // The header row is repeated on the next page, as an artifact.
        let heading = words("programmes.col.interpreter_hours");
        assert!(text.matches(heading.as_str()).count() >= 3, "{text}");
        assert!(text.contains("Seite 2 von"), "{text}");
    }

    #[test]
    fn hostile_texts_and_empty_figures_still_make_a_report() {
        let mut d = dashboard(&["Verein\u{202E}lieB\u{0007}\nNord 😀".to_string()]);
        d.programme.name = "Programm\u{2066} mit\u{202B} Steuerzeichen\u{200F}".into();
        d.figures.breakdowns_withheld = true;
        d.figures.languages.clear();
        d.figures.referrals.clear();
        let report = pdf(&d).unwrap();
        let (_dir, path) = write_temp(&report);
        qpdf_check(&path);
        if let Some(text) = text_of(&path) {
            assert!(text.contains("Bericht: Programm mit Steuerzeichen"), "{text}");
            assert!(text.contains("VereinlieB Nord ?"), "{text}");
            assert!(text.contains(&normalise(&words("programmes.breakdowns_withheld"))), "{text}");
        }

        d.figures.members.clear();
        let report = pdf(&d).unwrap();
        let (_dir, path) = write_temp(&report);
        qpdf_check(&path);
        if let Some(text) = text_of(&path) {
            assert!(text.contains(&words("programmes.no_sharing_members")), "{text}");
            assert!(text.contains("Seite 1 von 1"), "{text}");
        }
    }

    /// The longest period (twelve quarters) and the longest programme name still stay
    /// within the margins.
    #[test]
    fn twelve_quarters_and_a_long_programme_name_fit() {
        let mut d = dashboard_until(&three(), day(2028, 12, 31));
        d.programme.name = "Landesprogramm Mietführerschein für Neuzugewanderte ".repeat(4);
        d.programme.funding_body = "Freistaat Thüringen, Ministerium für Soziales, ".repeat(4);
        let report = pdf(&d).unwrap();
        let (_dir, path) = write_temp(&report);
        qpdf_check(&path);
        assert_inside_margins(&path);
        if let Some(text) = text_of(&path) {
            for q in ["2026 Q1", "2027 Q3", "2028 Q4 (01.10.2028 – 31.12.2028)"] {
                assert!(text.contains(q), "{q:?} missing in:\n{text}");
            }
        }
    }

    /// Writes samples to /tmp for looking at them; `--ignored write_samples`.
    #[test]
    #[ignore]
    fn write_samples() {
        std::fs::write("/tmp/bericht-3.pdf", pdf(&dashboard(&three())).unwrap()).unwrap();
        std::fs::write("/tmp/bericht-30.pdf", pdf(&dashboard(&thirty())).unwrap()).unwrap();
        let twelve = dashboard_until(&three(), day(2028, 12, 31));
        std::fs::write("/tmp/bericht-12q.pdf", pdf(&twelve).unwrap()).unwrap();
    }
}
