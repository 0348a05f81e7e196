//! Putting marks on a page: the [`Painter`] collects printpdf operations for one page at
//! a time, measures and wraps text ([`Face`]) and draws text through a small builder:
//!
//! ```ignore
//! p.text(&name).at(x, y).size(22.0).bold().centered().draw();
//! ```
//!
//! Coordinates given to it are in mm; `from_top` values are measured from the top edge,
//! as a reader sees the page, and converted here. It knows nothing about what a
//! certificate says or where its parts go.
//!
//! printpdf 0.12 has no text measuring helper, so widths are the sum of glyph advances (no
//! kerning is applied when printing either, so the sum is exact).

use std::collections::BTreeMap;

use printpdf::{
    Codepoint, Color, CurTransMat, DictItem, FontId, Greyscale, Line, LinePoint, Op, PdfFontHandle,
    Point, Pt, TextItem, XObjectId, XObjectTransform,
};

use super::image::DocumentImage;
use super::tagged::{Role, Structure};
use super::text::{CharSet, FaceId, FontFace, Fonts, ShapedGlyph, ShapedLine, Subset};
use crate::certificates::qr::{self, QUIET_ZONE_MODULES};

pub(super) const PT_PER_MM: f32 = 72.0 / 25.4;
pub(super) const PAGE_W_MM: f32 = 210.0;
pub(super) const PAGE_H_MM: f32 = 297.0;

/// Grey levels of the certificate's one ink: text, secondary text, rules, hairlines.
pub(super) const INK: f32 = 0.1;
pub(super) const MUTED: f32 = 0.35;
pub(super) const RULE: f32 = 0.6;
pub(super) const HAIRLINE: f32 = 0.85;

/// A font as used on the page: metrics for measuring plus the handle for printing.
pub(super) struct Face<'a> {
    font: &'a FontFace,
    handle: PdfFontHandle,
}

impl<'a> Face<'a> {
    pub(super) fn new(font: &'a FontFace, id: FaceId) -> Self {
        Self { font, handle: PdfFontHandle::External(FontId(id.resource_name().to_string())) }
    }

    fn units(&self, text: &str) -> u32 {
        text.chars().map(|c| self.font.char_units(c)).sum()
    }

    /// Advance width of `text` at `size` (pt), in mm.
    pub(super) fn width_mm(&self, text: &str, size: f32) -> f32 {
        self.units(text) as f32 / self.font.units_per_em * size / PT_PER_MM
    }

    /// Greedy word wrap to `width` mm, in one pass over the text. A word wider than a
    /// whole line is broken between characters, so nothing can run off the page.
    pub(super) fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        // Compare in integer font units so the result agrees exactly with `width_mm`.
        let limit = (width * PT_PER_MM / size * self.font.units_per_em).floor().max(0.0) as u32;
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
            line_units = self.break_word(word, limit, &mut line, &mut lines);
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Breaks a word wider than a line between characters; the last piece stays in
    /// `line` for the next word. Returns the units of what is left in `line`.
    fn break_word(
        &self, word: &str, limit: u32, line: &mut String, lines: &mut Vec<String>,
    ) -> u32 {
        let mut line_units = 0;
        for c in word.chars() {
            let c_units = self.font.char_units(c);
            if !line.is_empty() && line_units + c_units > limit {
                lines.push(std::mem::take(line));
                line_units = 0;
            }
            line.push(c);
            line_units += c_units;
        }
        line_units
    }

    /// Shrink first, then wrap: the largest size in `sizes` (descending) at which the
    /// text fits on one line; failing that, the largest at which it fits in `max_lines`.
    pub(super) fn fit(
        &self, text: &str, width: f32, sizes: &[f32], max_lines: usize,
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

    /// [`fit`](Self::fit) on a single line: the size and the line to print.
    pub(super) fn fit_line(&self, text: &str, width: f32, sizes: &[f32]) -> Option<(f32, String)> {
        self.fit(text, width, sizes, 1).map(|(size, lines)| (size, lines.concat()))
    }
}

/// Font sizes from `from` down to `to` pt in half points, largest first.
pub(super) fn sizes(from: f32, to: f32) -> Vec<f32> {
    let mut out = Vec::new();
    let mut s = from;
    while s >= to - 0.01 {
        out.push(s);
        s -= 0.5;
    }
    out
}

#[derive(Clone, Copy)]
pub(super) enum Align {
    Left,
    Center,
    Right,
}

impl Align {
    /// Left edge of a text `width` mm wide anchored at `x` this way.
    fn left_edge(self, x: f32, width: f32) -> f32 {
        match self {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        }
    }
}

/// One page: printpdf operations, then content written directly.
pub(super) struct PageContent {
    pub ops: Vec<Op>,
    pub raw: Vec<u8>,
}

/// Collects the operations of one page at a time and notes the characters used per face,
/// which decides the font subsets.
pub(super) struct Painter<'a> {
    ops: Vec<Op>,
    /// Content-stream bytes of the current page written without printpdf (see `qr`).
    raw: Vec<u8>,
    fonts: &'a Fonts,
    pub regular: Face<'a>,
    pub bold: Face<'a>,
    arabic_handle: PdfFontHandle,
    /// The Arabic-face subset of this document, when its language line needs one.
    arabic: Option<&'a Subset>,
    ethiopic_handle: PdfFontHandle,
    /// Characters printed per face: regular, bold, Ethiopic.
    chars: [CharSet; 3],
    /// The logical structure drawn so far (see [`super::tagged`]).
    structure: Structure,
}

fn pt(mm: f32) -> Pt {
    Pt(mm * PT_PER_MM)
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale { percent: level, icc_profile: None })
}

/// A text cursor at `x` mm from the left and `from_top` mm from the top.
fn cursor(x: f32, from_top: f32) -> Op {
    Op::SetTextCursor { pos: Point { x: pt(x), y: pt(PAGE_H_MM - from_top) } }
}

impl<'a> Painter<'a> {
    pub(super) fn new(fonts: &'a Fonts, arabic: Option<&'a Subset>) -> Self {
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
            ethiopic_handle: PdfFontHandle::External(FontId(
                FaceId::Ethiopic.resource_name().to_string(),
            )),
            chars: [CharSet::new(), CharSet::new(), CharSet::new()],
            structure: Structure::new(),
        }
    }

    /// A painter with the same fonts that draws nowhere: for measuring a layout.
    pub(super) fn scratch(&self) -> Painter<'a> {
        Painter::new(self.fonts, self.arabic)
    }

    /// Opens a structure element: what is drawn until [`close`](Self::close) belongs to it.
    pub(super) fn open(&mut self, role: Role) {
        self.structure.open(role);
    }

    /// [`open`](Self::open) for text in another language than the document's.
    pub(super) fn open_lang(&mut self, role: Role, lang: &str) {
        self.structure.open_lang(role, lang);
    }

    pub(super) fn close(&mut self) {
        self.structure.close();
    }

    /// Draws with `f` inside a structure element of `role`.
    pub(super) fn tagged<R>(&mut self, role: Role, f: impl FnOnce(&mut Self) -> R) -> R {
        self.open(role);
        let out = f(self);
        self.close();
        out
    }

    /// The structure of everything drawn, for the document's structure tree.
    pub(super) fn structure(&self) -> &Structure {
        &self.structure
    }

    /// Marked content owned by the innermost open element, around text.
    fn begin_marked(&mut self) {
        let (tag, mcid) = self.structure.mark();
        let map = BTreeMap::from([("MCID".to_string(), DictItem::Int(mcid))]);
        self.ops.push(Op::BeginMarkedContentWithProperties {
            tag: tag.to_string(),
            properties: DictItem::Dict { map },
        });
    }

    /// Rules and images that repeat what the text says are artifacts: screen readers skip
    /// them.
    fn begin_artifact(&mut self) {
        self.ops.push(Op::BeginMarkedContent { tag: "Artifact".to_string() });
    }

    fn end_marked(&mut self) {
        self.ops.push(Op::EndMarkedContent);
    }

    /// The Arabic-face subset this document prints with, if any.
    pub(super) fn arabic_subset(&self) -> Option<&'a Subset> {
        self.arabic
    }

    /// The finished page; the painter starts the next one.
    pub(super) fn take_page(&mut self) -> PageContent {
        self.structure.next_page();
        PageContent { ops: std::mem::take(&mut self.ops), raw: std::mem::take(&mut self.raw) }
    }

    /// Characters printed so far in `face` (the Arabic face prints shaped glyph ids).
    pub(super) fn used_chars(&self, face: FaceId) -> Option<&CharSet> {
        match face {
            FaceId::Regular => Some(&self.chars[0]),
            FaceId::Bold => Some(&self.chars[1]),
            FaceId::Ethiopic => Some(&self.chars[2]),
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
        self.note_face_chars(usize::from(bold), text);
    }

    fn note_face_chars(&mut self, index: usize, text: &str) {
        let set = &mut self.chars[index];
        for c in text.chars() {
            set.insert(c);
        }
    }

    /// Starts drawing `text` (regular, ink, 10 pt, left-aligned); see [`TextDraw`].
    pub(super) fn text<'p, 't>(&'p mut self, text: &'t str) -> TextDraw<'p, 'a, &'t str> {
        TextDraw::new(self, text)
    }

    /// Starts drawing a line shaped at start-up; see [`TextDraw`].
    pub(super) fn shaped<'p, 't>(
        &'p mut self, line: &'t ShapedLine,
    ) -> TextDraw<'p, 'a, &'t ShapedLine> {
        TextDraw::new(self, line)
    }

    fn draw_text(&mut self, pen: Pen, text: &str) {
        let face = self.face(pen.bold);
        let x = pen.align.left_edge(pen.x, face.width_mm(text, pen.size));
        let handle = face.handle.clone();
        self.note_chars(pen.bold, text);
        self.begin_marked();
        self.ops.extend([
            Op::SetFillColor { col: grey(pen.level) },
            Op::StartTextSection,
            Op::SetFont { font: handle, size: Pt(pen.size) },
            cursor(x, pen.from_top),
            Op::ShowText { items: vec![TextItem::Text(text.to_string())] },
            Op::EndTextSection,
        ]);
        self.end_marked();
    }

    /// Arabic-face runs go out as glyph ids of this document's Arabic subset, each
    /// carrying its characters for text extraction; other runs as text, like everything
    /// else.
    fn draw_shaped(&mut self, pen: Pen, line: &ShapedLine) -> anyhow::Result<()> {
        let x = pen.align.left_edge(pen.x, line.width_mm(self.fonts, pen.size));
        self.begin_marked();
        self.ops.extend([
            Op::SetFillColor { col: grey(pen.level) },
            Op::StartTextSection,
            cursor(x, pen.from_top),
        ]);
        for run in &line.runs {
            let (font, items) = match run.face {
                FaceId::Arabic => (
                    self.arabic_handle.clone(),
                    TextItem::GlyphIds(self.arabic_glyphs(&run.glyphs)?),
                ),
                FaceId::Regular | FaceId::Bold => {
                    let bold = run.face == FaceId::Bold;
                    let text = run.drawn_text();
                    self.note_chars(bold, &text);
                    (self.face(bold).handle.clone(), TextItem::Text(text))
                }
                // Ge'ez needs no contextual forms: one character, one glyph, so it prints
                // as text through its own subset like Latin.
                FaceId::Ethiopic => {
                    let text = run.drawn_text();
                    self.note_face_chars(2, &text);
                    (self.ethiopic_handle.clone(), TextItem::Text(text))
                }
            };
            self.ops.extend([
                Op::SetFont { font, size: Pt(pen.size) },
                Op::ShowText { items: vec![items] },
            ]);
        }
        self.ops.push(Op::EndTextSection);
        self.end_marked();
        Ok(())
    }

    /// Shaped Arabic glyphs as glyph ids of the document's subset, spaced as shaped.
    fn arabic_glyphs(&self, glyphs: &[ShapedGlyph]) -> anyhow::Result<Vec<Codepoint>> {
        let subset = self
            .arabic
            .ok_or_else(|| anyhow::anyhow!("Arabic text without an Arabic font subset"))?;
        let face = self.fonts.face(FaceId::Arabic);
        let per_unit = 1000.0 / face.units_per_em;
        let mut items = Vec::with_capacity(glyphs.len());
        for (i, g) in glyphs.iter().enumerate() {
            let gid = *subset
                .gid_map
                .get(&g.gid)
                .ok_or_else(|| anyhow::anyhow!("glyph {} missing in the subset", g.gid))?;
            // TJ moves by the glyph's own width; correct to the shaped advance and to the
            // next glyph's offset.
            let own = i32::from(face.parsed.get_horizontal_advance(g.gid));
            let next_offset = glyphs.get(i + 1).map_or(0, |n| n.x_offset);
            let shift = (g.advance - own) + (next_offset - g.x_offset);
            items.push(Codepoint {
                gid,
                offset: -(shift as f32) * per_unit,
                cid: Some(g.text.clone()),
            });
        }
        Ok(items)
    }

    pub(super) fn hline(&mut self, x1: f32, x2: f32, from_top: f32, thickness_pt: f32, level: f32) {
        self.line(x1, from_top, x2, from_top, thickness_pt, level);
    }

    pub(super) fn line(
        &mut self, x1: f32, top1: f32, x2: f32, top2: f32, thickness_pt: f32, level: f32,
    ) {
        let point = |x: f32, top: f32| LinePoint {
            p: Point { x: pt(x), y: pt(PAGE_H_MM - top) },
            bezier: false,
        };
        self.begin_artifact();
        self.ops.extend([
            Op::SetOutlineColor { col: grey(level) },
            Op::SetOutlineThickness { pt: Pt(thickness_pt) },
            Op::DrawLine {
                line: Line { points: vec![point(x1, top1), point(x2, top2)], is_closed: false },
            },
        ]);
        self.end_marked();
    }

    /// Places an image XObject in the box (`x`, `from_top`, `w`, `h`) mm, as an artifact:
    /// the logo repeats the issuer's name and the signature the signatory's, both printed
    /// as text.
    pub(super) fn image(&mut self, id: &XObjectId, x: f32, from_top: f32, w: f32, h: f32) {
        self.begin_artifact();
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
        self.end_marked();
    }

    /// Draws the QR code with its lower-left corner (quiet zone included) at
    /// (`x`, `y`) mm from the page's lower-left corner, as a figure with `alt` as its
    /// alternative text.
    pub(super) fn qr(&mut self, code: &qr::QrMatrix, x: f32, y: f32, size: f32, alt: &str) {
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
        let bbox = [x, y, x + size, y + size].map(|mm| mm * PT_PER_MM);
        self.structure.open_figure(alt, bbox);
        let (tag, mcid) = self.structure.mark();
        self.structure.close();
        let raw = &mut self.raw;
        let _ = writeln!(raw, "/{tag} <</MCID {mcid}>> BDC");
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
        raw.extend_from_slice(b"Q\nEMC\n");
    }
}

/// Where and how one text is drawn.
#[derive(Clone, Copy)]
struct Pen {
    x: f32,
    from_top: f32,
    size: f32,
    bold: bool,
    level: f32,
    align: Align,
}

/// A text about to be drawn: set where and how, then [`draw`](TextDraw::draw).
/// Unless told otherwise it is regular, in [`INK`], 10 pt, left-aligned.
#[must_use = "nothing is drawn until .draw()"]
pub(super) struct TextDraw<'p, 'a, T> {
    painter: &'p mut Painter<'a>,
    content: T,
    pen: Pen,
}

impl<'p, 'a, T> TextDraw<'p, 'a, T> {
    fn new(painter: &'p mut Painter<'a>, content: T) -> Self {
        Self {
            painter,
            content,
            pen: Pen {
                x: 0.0,
                from_top: 0.0,
                size: 10.0,
                bold: false,
                level: INK,
                align: Align::Left,
            },
        }
    }

    /// The anchor: `x` mm from the left edge, baseline `from_top` mm below the top edge.
    pub(super) fn at(mut self, x: f32, from_top: f32) -> Self {
        self.pen.x = x;
        self.pen.from_top = from_top;
        self
    }

    /// Font size in pt.
    pub(super) fn size(mut self, pt: f32) -> Self {
        self.pen.size = pt;
        self
    }

    pub(super) fn bold(mut self) -> Self {
        self.pen.bold = true;
        self
    }

    /// Secondary text: issuer, headers, hints.
    pub(super) fn muted(mut self) -> Self {
        self.pen.level = MUTED;
        self
    }

    pub(super) fn align(mut self, align: Align) -> Self {
        self.pen.align = align;
        self
    }

    /// Centred on the anchor.
    pub(super) fn centered(self) -> Self {
        self.align(Align::Center)
    }

    /// Ending at the anchor.
    pub(super) fn right_aligned(self) -> Self {
        self.align(Align::Right)
    }
}

impl TextDraw<'_, '_, &str> {
    pub(super) fn draw(self) {
        self.painter.draw_text(self.pen, self.content);
    }
}

impl TextDraw<'_, '_, &ShapedLine> {
    /// Fails only when an Arabic-script line has no subset to print with, a bug.
    pub(super) fn draw(self) -> anyhow::Result<()> {
        self.painter.draw_shaped(self.pen, self.content)
    }
}

/// Fits an image of `img`'s aspect ratio into `max_w` × `max_h` mm.
pub(super) fn fit_image(img: &DocumentImage, max_w: f32, max_h: f32) -> (f32, f32) {
    let (w, h) = img.dimensions();
    let ratio = w as f32 / h.max(1) as f32;
    if max_w / max_h > ratio {
        (max_h * ratio, max_h)
    } else {
        (max_w, max_w / ratio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_never_exceeds_width() {
        let fonts = Fonts::load().unwrap();
        let face = Face::new(fonts.face(FaceId::Regular), FaceId::Regular);
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
    fn sizes_go_down_in_half_points() {
        assert_eq!(sizes(9.0, 7.0), vec![9.0, 8.5, 8.0, 7.5, 7.0]);
    }
}
