//! Fonts of the certificate: measuring, shaping of right-to-left lines, and the per-document
//! font subsets.
//!
//! Subsetting a font costs about a millisecond and printpdf does it on every save, so the
//! renderer embeds subsets it made itself and caches them. A subset holds the Latin-1
//! characters used plus all ASCII letters and digits, and whole blocks of 16 code points
//! above (all of U+0410..U+041F when one `Д` is used): the glyph sets of certificates of
//! one course then mostly coincide (names and codes vary), at the price of a few unused
//! glyphs per PDF. Hinting is stripped from the subsets (see [`strip_hinting`]).

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex};

use allsorts::binary::read::ReadScope;
use allsorts::font::MatchingPresentation;
use allsorts::font_data::FontData;
use allsorts::glyph_position::{GlyphLayout, TextDirection};
use allsorts::gsub::{FeatureMask, FeatureMaskExt};
use allsorts::subset::{CmapTarget, SubsetProfile};
use allsorts::tag;
use anyhow::{anyhow, Context};
use printpdf::ParsedFont;
use unicode_bidi::BidiInfo;
use unicode_normalization::UnicodeNormalization;

// One copy of each font, shared with the input checks that decide what can be printed.
pub(super) use crate::validate::printable::{
    is_arabic_script, FONT_ARABIC, FONT_BOLD, FONT_REGULAR,
};

/// Noto Sans Ethiopic, for the Tigrinya line only: input is never Ethiopic (see
/// `validate::printable`), so the input checks do not need it.
const FONT_ETHIOPIC: &[u8] = include_bytes!("../../../fonts/NotoSansEthiopic-Regular.ttf");

/// Ge'ez script (Tigrinya, Amharic): the Ethiopic blocks and their supplements.
pub(super) fn is_ethiopic_script(c: char) -> bool {
    matches!(c, '\u{1200}'..='\u{139F}' | '\u{2D80}'..='\u{2DDF}' | '\u{AB00}'..='\u{AB2F}')
}

/// The faces the certificate uses. The discriminant indexes [`Fonts::faces`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum FaceId {
    Regular = 0,
    Bold = 1,
    Arabic = 2,
    Ethiopic = 3,
}

impl FaceId {
    /// Resource name in the PDF. Fixed names keep content streams short and stable.
    pub(super) fn resource_name(self) -> &'static str {
        match self {
            FaceId::Regular => "FR",
            FaceId::Bold => "FB",
            FaceId::Arabic => "FA",
            FaceId::Ethiopic => "FE",
        }
    }
}

/// Code points below this get their glyph id and advance from a table instead of the cmap;
/// it covers Latin, Greek and Cyrillic, i.e. nearly every character a certificate prints.
const FAST_LOOKUP_LIMIT: usize = 0x500;

pub(super) struct FontFace {
    pub name: &'static str,
    pub bytes: &'static [u8],
    pub parsed: ParsedFont,
    pub units_per_em: f32,
    /// `(glyph id, advance)` per code point below [`FAST_LOOKUP_LIMIT`]; gid 0 = missing.
    fast: Vec<(u16, u16)>,
}

impl FontFace {
    fn load(name: &'static str, bytes: &'static [u8]) -> anyhow::Result<Self> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .ok_or_else(|| anyhow!("embedded font {name} cannot be parsed: {warnings:?}"))?;
        let upem = f32::from(parsed.pdf_font_metrics.units_per_em);
        let fast = (0..FAST_LOOKUP_LIMIT as u32)
            .map(|c| match parsed.lookup_glyph_index(c) {
                Some(gid) => (gid, parsed.get_horizontal_advance(gid)),
                None => (0, parsed.get_horizontal_advance(0)),
            })
            .collect();
        Ok(Self { name, bytes, parsed, units_per_em: if upem > 0.0 { upem } else { 1000.0 }, fast })
    }

    pub(super) fn glyph(&self, c: char) -> Option<u16> {
        match self.fast.get(c as usize) {
            Some(&(0, _)) => None,
            Some(&(gid, _)) => Some(gid),
            None => self.parsed.lookup_glyph_index(u32::from(c)),
        }
    }

    /// Advance of one character in font units; unknown characters count as `.notdef`,
    /// which is also what would be printed.
    pub(super) fn char_units(&self, c: char) -> u32 {
        match self.fast.get(c as usize) {
            Some(&(_, adv)) => u32::from(adv),
            None => {
                let gid = self.parsed.lookup_glyph_index(u32::from(c)).unwrap_or(0);
                u32::from(self.parsed.get_horizontal_advance(gid))
            }
        }
    }
}

/// One shaped glyph: original glyph id, the text it stands for (what copy & paste and
/// `pdftotext` return, in logical order, e.g. two letters for the lam-alef ligature), its
/// advance and horizontal offset in font units.
#[derive(Debug, Clone)]
pub(super) struct ShapedGlyph {
    pub gid: u16,
    pub text: String,
    pub advance: i32,
    pub x_offset: i32,
}

/// A run of glyphs in one face, in visual order (left to right).
#[derive(Debug, Clone)]
pub(super) struct ShapedRun {
    pub face: FaceId,
    pub glyphs: Vec<ShapedGlyph>,
    /// Set right to left: faces printed as text print the mirrored brackets.
    pub rtl: bool,
}

impl ShapedRun {
    /// What a face printed as text (Latin, Ge'ez) draws: the characters, brackets and
    /// quotes mirrored in a right-to-left run (see [`mirror`]).
    pub(super) fn drawn_text(&self) -> String {
        let text = self.glyphs.iter().flat_map(|g| g.text.chars());
        if self.rtl {
            text.map(mirror).collect()
        } else {
            text.collect()
        }
    }
}

/// One line of text, shaped and in visual order, ready to be placed left to right.
#[derive(Debug, Clone)]
pub(super) struct ShapedLine {
    pub runs: Vec<ShapedRun>,
}

impl ShapedLine {
    pub(super) fn width_mm(&self, fonts: &Fonts, size: f32) -> f32 {
        self.runs
            .iter()
            .map(|r| {
                let units: i32 = r.glyphs.iter().map(|g| g.advance).sum();
                units as f32 / fonts.face(r.face).units_per_em * size / super::drawing::PT_PER_MM
            })
            .sum()
    }
}

/// A subset of one face, as embedded.
pub(super) struct Subset {
    /// The subset program parsed, as printpdf wants it for widths and the ToUnicode map.
    pub font: ParsedFont,
    /// Original glyph id → glyph id in the subset.
    pub gid_map: HashMap<u16, u16>,
    /// The subset program, to recognise its stream in the serialised document.
    pub program: Vec<u8>,
    /// The same, deflated once, so no document compresses a font again.
    pub program_deflated: Vec<u8>,
    /// `ABCDEF`: the subset tag of the font name (ISO 32000-1, 9.6.4).
    pub tag: String,
}

/// The characters a document prints in one face: exact below U+0100, by 16-code-point
/// block above (see [`Fonts::glyphs_for`]).
pub(super) struct CharSet {
    low: [u64; 4],
    blocks: [u64; 64],
}

impl CharSet {
    pub(super) fn new() -> Self {
        Self { low: [0; 4], blocks: [0; 64] }
    }

    pub(super) fn insert(&mut self, c: char) {
        let cp = c as usize;
        if cp < 256 {
            self.low[cp / 64] |= 1 << (cp % 64);
        } else if cp >> 4 < 4096 {
            let block = cp >> 4;
            self.blocks[block / 64] |= 1 << (block % 64);
        }
    }

    fn bits(words: &[u64]) -> impl Iterator<Item = u32> + '_ {
        words.iter().enumerate().flat_map(|(i, &word)| {
            (0..64).filter(move |b| word & (1 << b) != 0).map(move |b| (i * 64) as u32 + b)
        })
    }

    fn low(&self) -> impl Iterator<Item = u32> + '_ {
        Self::bits(&self.low)
    }

    fn blocks(&self) -> impl Iterator<Item = u32> + '_ {
        Self::bits(&self.blocks)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.low.iter().chain(&self.blocks).all(|w| *w == 0)
    }
}

/// Subsets are few and small (≈10–30 KB each); the bound only guards against a stream of
/// unusual names filling memory.
const MAX_CACHED_SUBSETS: usize = 256;

/// Subsets by face and glyph set.
type SubsetCache = HashMap<(FaceId, Vec<u16>), Arc<Subset>>;

/// A face's shaper. It parses the face's layout tables on first use and keeps them, so it
/// is made once per face and shared: made per line, that parsing was nearly all of the
/// renderer's start-up (about 400 ms for the translations' texts) and of shaping a name.
type Shaper = allsorts::Font<allsorts::font_data::DynamicFontTableProvider<'static>>;

pub(super) struct Fonts {
    faces: [FontFace; 4],
    subsets: Mutex<SubsetCache>,
    /// One per face, by [`FaceId`]; a line locks one shaper at a time, for microseconds.
    shapers: [Mutex<Option<Shaper>>; 4],
}

impl Fonts {
    pub(super) fn load() -> anyhow::Result<Self> {
        Ok(Self {
            faces: [
                FontFace::load("NotoSans-Regular", FONT_REGULAR)?,
                FontFace::load("NotoSans-Bold", FONT_BOLD)?,
                FontFace::load("NotoSansArabic-Regular", FONT_ARABIC)?,
                FontFace::load("NotoSansEthiopic-Regular", FONT_ETHIOPIC)?,
            ],
            subsets: Mutex::new(HashMap::new()),
            shapers: Default::default(),
        })
    }

    pub(super) fn face(&self, id: FaceId) -> &FontFace {
        &self.faces[id as usize]
    }

    /// Characters of `text` (after NFC normalisation) that regular or bold cannot show,
    /// and control characters; sorted, each once.
    pub(super) fn unsupported_chars(&self, text: &str) -> Vec<char> {
        let regular = self.face(FaceId::Regular);
        let bold = self.face(FaceId::Bold);
        let mut missing: Vec<char> = text
            .nfc()
            .filter(|&c| c.is_control() || regular.glyph(c).is_none() || bold.glyph(c).is_none())
            .collect();
        missing.sort_unstable();
        missing.dedup();
        missing
    }

    /// Whether a line shaped by [`shape_line`](Self::shape_line) prints every character
    /// of `text`: no control, bidi or invisible character, and a glyph in the face each
    /// character is drawn with (Arabic and Ge'ez script in their faces).
    pub(super) fn shapes_all(&self, text: &str) -> bool {
        text.nfc().all(|c| {
            let face = if is_arabic_script(c) {
                FaceId::Arabic
            } else if is_ethiopic_script(c) {
                FaceId::Ethiopic
            } else {
                FaceId::Regular
            };
            !(c.is_control()
                || crate::validate::is_bidi_control(c)
                || crate::validate::is_invisible(c)
                || self.face(face).glyph(c).is_none())
        })
    }

    /// The glyph ids to embed for the characters a document uses: exactly those below
    /// U+0100 plus all ASCII letters and digits (names and certificate codes vary, the rest
    /// of Latin-1 rarely does), and whole 16-code-point blocks above.
    pub(super) fn glyphs_for(&self, face: FaceId, used: &CharSet) -> Vec<u16> {
        let f = self.face(face);
        let mut gids: BTreeSet<u16> = BTreeSet::new();
        let mut add = |cp: u32| {
            if let Some(gid) =
                char::from_u32(cp).filter(|c| !c.is_control()).and_then(|c| f.glyph(c))
            {
                gids.insert(gid);
            }
        };
        for c in ('0'..='9').chain('A'..='Z').chain('a'..='z') {
            add(u32::from(c));
        }
        for cp in used.low() {
            add(cp);
        }
        for block in used.blocks() {
            for cp in block << 4..(block + 1) << 4 {
                add(cp);
            }
        }
        gids.remove(&0);
        gids.into_iter().collect()
    }

    /// The subset of `face` holding `gids` (ascending, without 0), made once and cached.
    pub(super) fn subset(&self, face: FaceId, gids: Vec<u16>) -> anyhow::Result<Arc<Subset>> {
        let key = (face, gids);
        if let Some(hit) = self.lock().get(&key) {
            return Ok(Arc::clone(hit));
        }
        let made = Arc::new(self.make_subset(face, &key.1)?);
        let mut cache = self.lock();
        if cache.len() >= MAX_CACHED_SUBSETS {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&made));
        Ok(made)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SubsetCache> {
        // A panic while holding the lock cannot leave the map half-updated (single
        // insert/clear), so a poisoned cache is still usable.
        self.subsets.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn make_subset(&self, face: FaceId, gids: &[u16]) -> anyhow::Result<Subset> {
        let f = self.face(face);
        let font_data = ReadScope::new(f.bytes)
            .read::<FontData<'_>>()
            .map_err(|e| anyhow!("font {}: {e}", f.name))?;
        let provider = font_data.table_provider(0).map_err(|e| anyhow!("font {}: {e}", f.name))?;
        // allsorts renumbers glyphs to their position in this list; .notdef must come first.
        let ids: Vec<u16> = std::iter::once(0).chain(gids.iter().copied()).collect();
        let program =
            allsorts::subset::subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
                .map_err(|e| anyhow!("font {}: subsetting failed: {e}", f.name))?;
        let program = strip_hinting(&program).unwrap_or(program);
        let mut warnings = Vec::new();
        let font = ParsedFont::from_bytes(&program, 0, &mut warnings)
            .ok_or_else(|| anyhow!("font {}: subset cannot be parsed: {warnings:?}", f.name))?;
        let gid_map = ids.iter().enumerate().map(|(new, &old)| (old, new as u16)).collect();
        let program_deflated = deflate(&program, flate2::Compression::best())
            .with_context(|| format!("font {}: compressing the subset", f.name))?;
        let tag = subset_tag(face, gids);
        Ok(Subset { font, gid_map, program, program_deflated, tag })
    }

    /// Shapes one line of text (any script) for printing: Arabic-script runs with the
    /// Arabic face and contextual forms, Ge'ez with the Ethiopic face, everything else
    /// with `latin`. Runs are reordered
    /// with the Unicode bidi algorithm; `rtl` sets the paragraph direction.
    ///
    /// Costs tens of microseconds per line; the faces' shapers are shared (see [`Shaper`]).
    pub(super) fn shape_line(
        &self, text: &str, latin: FaceId, rtl: bool,
    ) -> anyhow::Result<ShapedLine> {
        let bidi = BidiInfo::new(
            text,
            Some(if rtl { unicode_bidi::Level::rtl() } else { unicode_bidi::Level::ltr() }),
        );
        let mut runs = Vec::new();
        for para in &bidi.paragraphs {
            let (levels, visual) = bidi.visual_runs(para, para.range.clone());
            for range in visual {
                let run_rtl = levels[range.start].is_rtl();
                // Split the bidi run where the face changes, keeping logical order.
                let mut pieces: Vec<(FaceId, &str)> = Vec::new();
                let mut start = range.start;
                let mut current: Option<FaceId> = None;
                for (i, c) in text[range.clone()].char_indices() {
                    let i = range.start + i;
                    let face = self.face_for(c, latin, run_rtl, current);
                    if current.is_some_and(|f| f != face) {
                        pieces.push((current.unwrap_or(face), &text[start..i]));
                        start = i;
                    }
                    current = Some(face);
                }
                if let Some(face) = current {
                    pieces.push((face, &text[start..range.end]));
                }
                if run_rtl {
                    pieces.reverse();
                }
                for (face, piece) in pieces {
                    let mut shaper = self.shapers[face as usize]
                        .lock()
                        .map_err(|_| anyhow!("the shaper of {face:?} broke in another thread"))?;
                    let shaper = match &mut *shaper {
                        Some(shaper) => shaper,
                        empty => empty.insert(self.shaper(face)?),
                    };
                    let glyphs = shape_piece(shaper, piece, run_rtl)
                        .with_context(|| format!("shaping {piece:?}"))?;
                    runs.push(ShapedRun { face, glyphs, rtl: run_rtl });
                }
            }
        }
        Ok(ShapedLine { runs })
    }

    /// Arabic letters need the Arabic face; spaces and punctuation inside a right-to-left
    /// run stay with it so the run is shaped in one piece.
    fn face_for(&self, c: char, latin: FaceId, rtl: bool, current: Option<FaceId>) -> FaceId {
        let arabic = self.face(FaceId::Arabic);
        if is_arabic_script(c) {
            return FaceId::Arabic;
        }
        if is_ethiopic_script(c) {
            return FaceId::Ethiopic;
        }
        let neutral = !c.is_alphanumeric();
        if neutral && (rtl || current == Some(FaceId::Arabic)) && arabic.glyph(c).is_some() {
            return FaceId::Arabic;
        }
        latin
    }

    fn shaper(&self, face: FaceId) -> anyhow::Result<Shaper> {
        let f = self.face(face);
        let data = ReadScope::new(f.bytes)
            .read::<FontData<'static>>()
            .map_err(|e| anyhow!("font {}: {e}", f.name))?;
        let provider = data.table_provider(0).map_err(|e| anyhow!("font {}: {e}", f.name))?;
        allsorts::Font::new(provider).map_err(|e| anyhow!("font {}: {e}", f.name))
    }

    /// Greedy word wrap of `text` into shaped lines no wider than `width` mm at `size` pt.
    pub(super) fn wrap_shaped(
        &self, text: &str, latin: FaceId, rtl: bool, size: f32, width: f32,
    ) -> anyhow::Result<Vec<ShapedLine>> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut lines = Vec::new();
        let mut start = 0;
        while start < words.len() {
            let mut end = start + 1;
            let mut best = self.shape_line(&words[start..end].join(" "), latin, rtl)?;
            while end < words.len() {
                let candidate = self.shape_line(&words[start..=end].join(" "), latin, rtl)?;
                if candidate.width_mm(self, size) > width {
                    break;
                }
                best = candidate;
                end += 1;
            }
            lines.push(best);
            start = end;
        }
        Ok(lines)
    }
}

fn shape_piece<T: allsorts::tables::FontTableProvider>(
    font: &mut allsorts::Font<T>, text: &str, rtl: bool,
) -> anyhow::Result<Vec<ShapedGlyph>> {
    let script = script_tag(text);
    // Brackets and quotes point the other way in a right-to-left run (Unicode
    // Bidi_Mirrored); the shaper does not swap them, so the mirrored character is shaped and
    // the original one kept as the glyph's text.
    let mirrored: String;
    let text = if rtl {
        mirrored = text.chars().map(mirror).collect();
        mirrored.as_str()
    } else {
        text
    };
    let glyphs = font.map_glyphs(text, script, MatchingPresentation::NotRequired);
    let infos = font
        .shape(glyphs, script, None, FeatureMask::default_mask(), &[], None, true)
        .map_err(|(e, _)| anyhow!("{e:?}"))?;
    let direction = if rtl { TextDirection::RightToLeft } else { TextDirection::LeftToRight };
    let positions = GlyphLayout::new(font, &infos, direction, false)
        .glyph_positions()
        .map_err(|e| anyhow!("{e:?}"))?;
    let mut out: Vec<ShapedGlyph> = infos
        .iter()
        .zip(&positions)
        .filter(|(info, _)| {
            // A default-ignorable character (ZWNJ in Persian) only steers joining; fonts
            // without a glyph for it would print .notdef boxes.
            !(info.glyph.glyph_index == 0
                && info.glyph.unicodes.iter().all(|&c| is_default_ignorable(c)))
        })
        .map(|(info, pos)| ShapedGlyph {
            gid: info.glyph.glyph_index,
            // A ligature (lam-alef) carries its letters; readers reverse the characters of
            // a right-to-left run they extract, so they are stored in visual order and come
            // back in reading order ("لا", not "ال").
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

/// The mirror image of a paired bracket or quote (Unicode BidiMirroring.txt, the pairs the
/// certificate's texts can hold); any other character as it is. Its own inverse.
pub(super) fn mirror(c: char) -> char {
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

fn script_tag(text: &str) -> u32 {
    for c in text.chars() {
        if is_arabic_script(c) {
            return tag::ARAB;
        }
        if ('\u{0400}'..='\u{052F}').contains(&c) {
            return tag::CYRL;
        }
        if is_ethiopic_script(c) {
            return u32::from_be_bytes(*b"ethi");
        }
        if c.is_alphabetic() {
            return tag::LATN;
        }
    }
    tag::LATN
}

fn is_default_ignorable(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// Six capital letters derived from the glyph set, so different subsets of one face get
/// different PDF font names as ISO 32000 asks.
fn subset_tag(face: FaceId, gids: &[u16]) -> String {
    // FNV-1a: stable across runs and platforms, unlike the std hasher.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ face as u64;
    for g in gids {
        for b in g.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6).map(|i| char::from(b'A' + ((h >> (i * 8)) % 26) as u8)).collect()
}

pub(super) fn deflate(bytes: &[u8], level: flate2::Compression) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::with_capacity(bytes.len() / 2), level);
    enc.write_all(bytes)?;
    enc.finish()
}

/// Big-endian `u16` at byte `o`, if the data reaches that far.
fn be_u16(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(o..o + 2)?.try_into().ok()?))
}

fn be_u32(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(o..o + 4)?.try_into().ok()?))
}

/// A font's tables in directory order: tag and data.
type Tables<'f> = Vec<([u8; 4], &'f [u8])>;

/// Removes TrueType hinting from a (subset) font program: the instructions of every glyph
/// and the `fpgm`, `prep` and `cvt ` tables. PDF viewers and printers scale outlines
/// without them at print resolutions, and in Noto Sans they are 40 % of each subset.
/// Returns `None` (keep the font as it is) for anything but a plain glyf-based font.
pub(super) fn strip_hinting(font: &[u8]) -> Option<Vec<u8>> {
    let tables = read_tables(font)?;
    let table = |tag: &[u8; 4]| tables.iter().find(|(t, _)| t == tag).map(|(_, d)| *d);
    let head = table(b"head")?;
    let maxp = table(b"maxp")?;
    let (new_glyf, new_loca) =
        glyphs_without_instructions(head, maxp, table(b"glyf")?, table(b"loca")?)?;
    let (new_head, new_maxp) = unhinted_head_and_maxp(head, maxp)?;
    let new_name = table(b"name").and_then(trim_name);
    let kept: Tables<'_> = tables
        .iter()
        .filter(|(t, _)| !matches!(t, b"fpgm" | b"prep" | b"cvt " | b"hdmx" | b"LTSH" | b"VDMX"))
        .map(|(t, d)| match t {
            b"glyf" => (*t, new_glyf.as_slice()),
            b"loca" => (*t, new_loca.as_slice()),
            b"head" => (*t, new_head.as_slice()),
            b"maxp" => (*t, new_maxp.as_slice()),
            b"name" => (*t, new_name.as_deref().unwrap_or(d)),
            _ => (*t, *d),
        })
        .collect();
    write_font(&kept, font.len())
}

/// The table directory of a TrueType font (`None` for anything else or when damaged).
fn read_tables(font: &[u8]) -> Option<Tables<'_>> {
    if be_u32(font, 0)? != 0x0001_0000 {
        return None;
    }
    let num_tables = usize::from(be_u16(font, 4)?);
    let mut tables: Tables<'_> = Vec::with_capacity(num_tables);
    for i in 0..num_tables {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = font.get(rec..rec + 4)?.try_into().ok()?;
        let offset = be_u32(font, rec + 8)? as usize;
        let length = be_u32(font, rec + 12)? as usize;
        tables.push((tag, font.get(offset..offset.checked_add(length)?)?));
    }
    Some(tables)
}

/// New `glyf` and (long) `loca` tables: every glyph without its instructions.
fn glyphs_without_instructions(
    head: &[u8], maxp: &[u8], glyf: &[u8], loca: &[u8],
) -> Option<(Vec<u8>, Vec<u8>)> {
    let long_loca = be_u16(head, 50)? == 1;
    let num_glyphs = usize::from(be_u16(maxp, 4)?);
    let loca_at = |i: usize| -> Option<usize> {
        if long_loca {
            Some(be_u32(loca, 4 * i)? as usize)
        } else {
            Some(usize::from(be_u16(loca, 2 * i)?) * 2)
        }
    };
    let mut new_glyf = Vec::with_capacity(glyf.len());
    let mut new_loca = Vec::with_capacity(4 * (num_glyphs + 1));
    for i in 0..num_glyphs {
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
        let (start, end) = (loca_at(i)?, loca_at(i + 1)?);
        if end <= start {
            continue;
        }
        let g = glyf.get(start..end)?;
        let contours = be_u16(g, 0)? as i16;
        if contours >= 0 {
            push_simple_glyph(&mut new_glyf, g, usize::from(contours as u16))?;
        } else {
            push_composite_glyph(&mut new_glyf, g)?;
        }
        while new_glyf.len() % 4 != 0 {
            new_glyf.push(0);
        }
    }
    new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).ok()?.to_be_bytes());
    Some((new_glyf, new_loca))
}

/// A simple glyph of `contours` contours with an empty instruction block.
fn push_simple_glyph(out: &mut Vec<u8>, g: &[u8], contours: usize) -> Option<()> {
    let len_at = 10 + 2 * contours;
    let instr_len = usize::from(be_u16(g, len_at)?);
    out.extend_from_slice(g.get(..len_at)?);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(g.get(len_at + 2 + instr_len..)?);
    Some(())
}

/// A composite glyph: walk the components, drop the instructions after the last one.
fn push_composite_glyph(out: &mut Vec<u8>, g: &[u8]) -> Option<()> {
    let mut o = 10;
    let mut last_flags_at;
    loop {
        last_flags_at = o;
        let flags = be_u16(g, o)?;
        o += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
        o += match flags {
            f if f & 0x0008 != 0 => 2,
            f if f & 0x0040 != 0 => 4,
            f if f & 0x0080 != 0 => 8,
            _ => 0,
        };
        if flags & 0x0020 == 0 {
            break;
        }
    }
    let start = out.len();
    out.extend_from_slice(g.get(..o)?);
    let flags = be_u16(g, last_flags_at)? & !0x0100;
    out[start + last_flags_at..start + last_flags_at + 2].copy_from_slice(&flags.to_be_bytes());
    Some(())
}

/// `head` with long `loca` offsets and the checksum adjustment zeroed (set again when
/// the font is written); `maxp` without function definitions and instructions.
fn unhinted_head_and_maxp(head: &[u8], maxp: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut new_head = head.to_vec();
    new_head.get_mut(8..12)?.copy_from_slice(&[0; 4]);
    new_head.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes());
    let mut new_maxp = maxp.to_vec();
    if new_maxp.len() >= 32 {
        // No function definitions and no instructions remain.
        for field in [20, 22, 26] {
            new_maxp[field..field + 2].copy_from_slice(&[0, 0]);
        }
    }
    Some((new_head, new_maxp))
}

/// A font file of `tables` with a fresh directory, padding and checksum adjustment.
fn write_font(tables: &Tables<'_>, size_hint: usize) -> Option<Vec<u8>> {
    let n = tables.len();
    let mut out = Vec::with_capacity(size_hint);
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    let n16 = u16::try_from(n).ok()?;
    let entry_selector = 15 - n16.max(1).leading_zeros() as u16;
    let search_range = (1u16 << entry_selector) * 16;
    out.extend_from_slice(&n16.to_be_bytes());
    out.extend_from_slice(&search_range.to_be_bytes());
    out.extend_from_slice(&entry_selector.to_be_bytes());
    out.extend_from_slice(&(n16 * 16 - search_range).to_be_bytes());
    let mut offset = 12 + 16 * n;
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).ok()?.to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        offset += data.len().div_ceil(4) * 4;
    }
    let mut head_at = None;
    for (tag, data) in tables {
        if tag == b"head" {
            head_at = Some(out.len());
        }
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    let head_at = head_at?;
    out.get_mut(head_at + 8..head_at + 12)?.copy_from_slice(&adjust.to_be_bytes());
    Some(out)
}

/// The `name` records an embedded subset keeps: copyright (0), family (1), subfamily (2),
/// full name (4), PostScript name (6), trademark (7) and licence URL (14), Windows
/// platform only. Version strings, vendor and designer texts, the licence summary (13)
/// and the duplicate Macintosh records are a kilobyte and a half per font that no viewer
/// reads; the copyright, trademark and licence pointer the OFL asks for stay.
const KEPT_NAME_IDS: [u16; 7] = [0, 1, 2, 4, 6, 7, 14];

/// A format-0 `name` table with only the [`KEPT_NAME_IDS`] records (`None`: leave as is).
fn trim_name(name: &[u8]) -> Option<Vec<u8>> {
    let u16_at = |o: usize| -> Option<u16> {
        Some(u16::from_be_bytes(name.get(o..o + 2)?.try_into().ok()?))
    };
    if u16_at(0)? != 0 {
        return None;
    }
    let count = usize::from(u16_at(2)?);
    let storage = usize::from(u16_at(4)?);
    let mut records = Vec::new();
    for i in 0..count {
        let r = 6 + 12 * i;
        let (platform, name_id) = (u16_at(r)?, u16_at(r + 6)?);
        if platform != 3 || !KEPT_NAME_IDS.contains(&name_id) {
            continue;
        }
        let (len, off) = (usize::from(u16_at(r + 8)?), usize::from(u16_at(r + 10)?));
        let text = name.get(storage + off..storage + off + len)?;
        records.push((name.get(r..r + 8)?, text));
    }
    if records.is_empty() {
        return None;
    }
    let n = records.len();
    let mut out = Vec::with_capacity(6 + 12 * n + 256);
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&u16::try_from(n).ok()?.to_be_bytes());
    out.extend_from_slice(&u16::try_from(6 + 12 * n).ok()?.to_be_bytes());
    let mut offset = 0usize;
    for (head, text) in &records {
        out.extend_from_slice(head);
        out.extend_from_slice(&u16::try_from(text.len()).ok()?.to_be_bytes());
        out.extend_from_slice(&u16::try_from(offset).ok()?.to_be_bytes());
        offset += text.len();
    }
    for (_, text) in &records {
        out.extend_from_slice(text);
    }
    Some(out)
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, c| {
        let mut word = [0u8; 4];
        word[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use allsorts::tables::{NameTable, OpenTypeData, OpenTypeFont};

    /// What a shaped line prints: face, glyph, text, advance and offset of every glyph.
    fn printed(line: &ShapedLine) -> Vec<(FaceId, u16, String, i32, i32)> {
        line.runs
            .iter()
            .flat_map(|r| {
                r.glyphs.iter().map(|g| (r.face, g.gid, g.text.clone(), g.advance, g.x_offset))
            })
            .collect()
    }

    /// The faces' shapers are shared by every line and thread (see `Shaper`): what one line
    /// leaves in a shaper's caches must never change how another is shaped.
    #[test]
    fn a_shared_shaper_shapes_every_line_as_a_fresh_one_would() {
        let lines = [
            ("محمد عبد الله (صالحة) «لا»", true),
            ("Ölçü Straße Дмитро Шевченко", false),
            ("ትግርኛ ናይ ተሳትፎ ምስክር", false),
            ("لا إله إلا Kurs 2026", true),
            ("Zoë Ångström-Łukasiewicz", false),
        ];
        let fresh: Vec<_> = lines
            .iter()
            .map(|(text, rtl)| {
                let fonts = Fonts::load().unwrap();
                printed(&fonts.shape_line(text, FaceId::Regular, *rtl).unwrap())
            })
            .collect();
        let shared = Fonts::load().unwrap();
        std::thread::scope(|s| {
            for t in 0..4 {
                let (shared, lines, fresh) = (&shared, &lines, &fresh);
                s.spawn(move || {
                    for round in 0..5 {
                        for i in 0..lines.len() {
                            // Each thread walks the lines in another order.
                            let i = (i + t + round) % lines.len();
                            let (text, rtl) = lines[i];
                            let line = shared.shape_line(text, FaceId::Regular, rtl).unwrap();
                            assert_eq!(printed(&line), fresh[i], "{text}");
                        }
                    }
                });
            }
        });
    }

    fn name_of(font: &[u8], id: u16) -> Option<String> {
        let otf = ReadScope::new(font).read::<OpenTypeFont<'_>>().ok()?;
        let OpenTypeData::Single(tables) = otf.data else {
            return None;
        };
        let data = tables.read_table(&otf.scope, tag::NAME).ok()??;
        data.read::<NameTable<'_>>().ok()?.string_for_id(id)
    }

    /// In a right-to-left line the brackets and quotes face the text they enclose (their
    /// mirrored glyphs), and the letters of a lam-alef ligature extract in reading order.
    #[test]
    fn right_to_left_brackets_are_mirrored_and_ligatures_read_in_order() {
        let fonts = Fonts::load().unwrap();
        let line = fonts.shape_line("(صالحة) «لا»", FaceId::Regular, true).unwrap();
        let glyphs: Vec<&ShapedGlyph> = line.runs.iter().flat_map(|r| r.glyphs.iter()).collect();
        let (first, last) = (glyphs[0], glyphs[glyphs.len() - 1]);
        let arabic = fonts.face(FaceId::Arabic);
        let latin = fonts.face(FaceId::Regular);
        let gid_of = |c: char| arabic.glyph(c).or_else(|| latin.glyph(c)).unwrap();
        // Visually leftmost: the closing quote of the last word, drawn as «; rightmost the
        // opening bracket, drawn as ). Their text stays what was written.
        assert_eq!((first.text.as_str(), first.gid), ("»", gid_of('«')), "{glyphs:?}");
        assert_eq!((last.text.as_str(), last.gid), ("(", gid_of(')')), "{glyphs:?}");
        let ligature = glyphs.iter().find(|g| g.text.chars().count() == 2).expect("lam-alef");
        // Stored in visual order: readers reverse a right-to-left run when extracting.
        assert_eq!(ligature.text, "ال");
        // Printed as text, a bracket in a right-to-left run is its mirror image.
        let line = fonts.shape_line("كلمة (صالحة).", FaceId::Regular, true).unwrap();
        let drawn: String = line
            .runs
            .iter()
            .filter(|r| r.face == FaceId::Regular)
            .map(ShapedRun::drawn_text)
            .collect();
        assert_eq!(drawn, "()");
    }

    #[test]
    fn stripped_font_keeps_copyright_and_licence_pointer_only() {
        for original in [FONT_REGULAR, FONT_BOLD, FONT_ARABIC] {
            let stripped = strip_hinting(original).expect("glyf font");
            assert!(stripped.len() < original.len());
            let copyright = name_of(&stripped, NameTable::COPYRIGHT_NOTICE).expect("copyright");
            assert!(copyright.contains("Google"), "{copyright}");
            let url = name_of(&stripped, NameTable::LICENSE_INFO_URL).expect("licence URL");
            assert!(url.contains("OFL") || url.contains("openfontlicense"), "{url}");
            assert!(name_of(&stripped, NameTable::FULL_FONT_NAME).is_some());
            assert!(name_of(&stripped, NameTable::LICENSE_DESCRIPTION).is_none());
            // Still a font allsorts can lay text out with.
            let scope = ReadScope::new(&stripped);
            let data = scope.read::<FontData<'_>>().expect("parse");
            let provider = data.table_provider(0).expect("tables");
            assert!(allsorts::font::Font::new(provider).is_ok());
        }
    }
}
