//! Where things go on the page: the certificate (page 1), the notes for landlords (page 2)
//! and the check-in cards. The words come from [`super::content`], the marks from
//! [`super::drawing`].
//!
//! Everything is positioned by hand, in mm from the top edge. The bottom part of page 1
//! (place and date, signature, QR code, check hint) is placed from the bottom edge so it
//! never moves; the top part (name, course, module table, language panel) must end above
//! it. Long texts shrink within set sizes, then wrap within a set number of lines; when
//! even that does not fit, rendering fails rather than letting text overflow. Module
//! lists that run out of room are summarised ("… und 3 weitere Module").

use anyhow::{anyhow, bail, Context};
use printpdf::XObjectId;

use super::content::{DisplayTexts, Paragraph, Section, TranslatedWords, Words};
use super::drawing::{
    fit_image, sizes, Align, PageContent, Painter, HAIRLINE, MUTED, PAGE_H_MM, PAGE_W_MM,
    PT_PER_MM, RULE,
};
use super::image::DocumentImage;
use super::tagged::Role;
use super::text::{FaceId, Fonts, ShapedLine};
use super::ParticipantCard;
use crate::certificates::qr::{self, QUIET_ZONE_MODULES};

const MARGIN_X_MM: f32 = 25.0;
const CONTENT_W_MM: f32 = PAGE_W_MM - 2.0 * MARGIN_X_MM;
const RIGHT_MM: f32 = PAGE_W_MM - MARGIN_X_MM;
const CENTER_X_MM: f32 = PAGE_W_MM / 2.0;

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
/// How far the certificate code under the QR code may reach past it on either side (into
/// the 25 mm right margin at most this much).
const CODE_OVERHANG_MM: f32 = 8.0;
/// Everything of the top part (name, course, module table, language panel) must end above
/// this line, measured from the top; below it sit place/date, signature and QR code.
const BODY_LIMIT_FROM_TOP_MM: f32 = PAGE_H_MM - 71.0;
/// At most this much room left by a short top part is shared out; more would drift the
/// title towards the middle of the page.
const MAX_SPARE_MM: f32 = 120.0;

/// Logo box in the letterhead: a municipal coat of arms or logo rarely needs more, and
/// larger would push the certificate text down.
const LOGO_MAX_H_MM: f32 = 25.0;
const LOGO_MAX_W_MM: f32 = 60.0;
const LOGO_TOP_MM: f32 = 12.0;
/// Scanned signature above the signature line, which is this wide.
const SIGNATURE_MAX_H_MM: f32 = 16.0;
const SIGNATURE_W_MM: f32 = 75.0;

/// Sizes of the participant-language texts; they are shaped once at these sizes.
const TRANSLATED_TITLE_PT: f32 = 14.0;
const EXPLANATION_PT: f32 = 9.5;
const EXPLANATION_LINE_MM: f32 = EXPLANATION_PT * 1.5 / PT_PER_MM;
/// The explanation sits in a panel with an accent rule on its reading-start side.
const PANEL_INSET_MM: f32 = 4.0;
const PANEL_TEXT_W_MM: f32 = CONTENT_W_MM - PANEL_INSET_MM;
const EXPLANATION_MAX_LINES: usize = 3;
/// The course line under the explanation carries a title the coordinator typed.
const COURSE_LINE_MAX_LINES: usize = 2;
/// The short landlord notes on page 2 in the participant's language.
const SUMMARY_MAX_LINES: usize = 6;

/// Module table: the date column starts here; titles wrap left of it.
const TABLE_DATE_X_MM: f32 = RIGHT_MM - 52.0;
const TABLE_TITLE_W_MM: f32 = TABLE_DATE_X_MM - MARGIN_X_MM - 5.0;
const TABLE_HEADER_H_MM: f32 = 7.0;

/// Body text of the landlord page.
const NOTE_PT: f32 = 10.5;
const NOTE_LINE_MM: f32 = NOTE_PT * 1.4 / PT_PER_MM;
const NOTE_HEADING_PT: f32 = 12.0;
/// Indent of numbered steps and module bullets.
const NOTE_INDENT_MM: f32 = 6.0;
/// Lowest baseline of the landlord page's text, from the top (above the footer).
const NOTE_LIMIT_FROM_TOP_MM: f32 = PAGE_H_MM - 22.0;
const BULLET: &str = "•";

const CARD_W_MM: f32 = 85.0;
const CARD_H_MM: f32 = 54.0;
const CARDS_PER_PAGE: usize = 10;
const CARD_ROWS: usize = 5;
const CARDS_LEFT_MM: f32 = (PAGE_W_MM - 2.0 * CARD_W_MM) / 2.0;
const CARDS_TOP_MM: f32 = (PAGE_H_MM - 5.0 * CARD_H_MM) / 2.0;
const CARD_TEXT_W_MM: f32 = CARD_W_MM - 40.0;
const CARD_QR_MM: f32 = 32.0;

/// The participant-language texts of one language, shaped at start-up.
pub(super) struct Translation {
    /// The language code as in `locales/certificate.json`, the texts' `/Lang`.
    pub lang: String,
    pub rtl: bool,
    pub title: ShapedLine,
    pub explanation: Vec<ShapedLine>,
    /// With `{course}`: shaped per certificate, as the title is the coordinator's.
    pub course_line: String,
    /// The short landlord notes for page 2.
    pub notes_title: ShapedLine,
    pub notes_summary: Vec<ShapedLine>,
    /// Arabic-face glyphs the texts use; their subset is cached like any other.
    pub arabic_glyphs: Vec<u16>,
}

/// The participant-language texts of one certificate: the shipped ones and the course
/// title in the participant's language where the coordinator translated it.
pub(super) struct Participant<'t> {
    pub shipped: &'t Translation,
    pub course: std::sync::Arc<Vec<ShapedLine>>,
}

impl Translation {
    /// Shapes the course line around `title`. A title that cannot be shaped into the
    /// panel (too long, characters the fonts lack) leaves the line out rather than the
    /// certificate: it is a courtesy next to the German course line, which stays.
    pub(super) fn course_line(&self, fonts: &Fonts, title: &str) -> Vec<ShapedLine> {
        let title = title.trim();
        if title.is_empty() || !fonts.shapes_all(title) {
            return Vec::new();
        }
        let line = self.course_line.replace("{course}", title);
        fonts
            .wrap_shaped(&line, FaceId::Regular, self.rtl, EXPLANATION_PT, PANEL_TEXT_W_MM)
            .ok()
            .filter(|lines| lines.len() <= COURSE_LINE_MAX_LINES)
            .unwrap_or_default()
    }
}

impl<'t> Participant<'t> {
    /// Arabic-face glyphs of the shipped texts and the course line.
    pub(super) fn arabic_glyphs(&self) -> Vec<u16> {
        let mut glyphs = self.shipped.arabic_glyphs.clone();
        glyphs.extend(arabic_glyphs_of(self.course.iter()));
        glyphs
    }

    /// The explanation and the course line, as the panel on page 1 prints them.
    fn panel_lines(&self) -> impl Iterator<Item = &ShapedLine> {
        self.shipped.explanation.iter().chain(self.course.iter())
    }
}

fn arabic_glyphs_of<'l>(lines: impl IntoIterator<Item = &'l ShapedLine>) -> Vec<u16> {
    lines
        .into_iter()
        .flat_map(|line| line.runs.iter())
        .filter(|run| run.face == FaceId::Arabic)
        .flat_map(|run| run.glyphs.iter().map(|g| g.gid))
        .filter(|gid| *gid != 0)
        .collect()
}

impl Translation {
    /// Shapes the title for one line and the explanation for the panel; refuses texts
    /// that would not fit.
    pub(super) fn shape(fonts: &Fonts, words: &TranslatedWords, rtl: bool) -> anyhow::Result<Self> {
        let title = fonts.shape_line(&words.title, FaceId::Bold, rtl)?;
        let explanation = fonts.wrap_shaped(
            &words.explanation,
            FaceId::Regular,
            rtl,
            EXPLANATION_PT,
            PANEL_TEXT_W_MM,
        )?;
        let notes_title = fonts.shape_line(&words.notes_title, FaceId::Bold, rtl)?;
        let notes_summary = fonts.wrap_shaped(
            &words.notes_summary,
            FaceId::Regular,
            rtl,
            EXPLANATION_PT,
            PANEL_TEXT_W_MM,
        )?;
        if title.width_mm(fonts, TRANSLATED_TITLE_PT) > CONTENT_W_MM
            || explanation.len() > EXPLANATION_MAX_LINES
            || notes_title.width_mm(fonts, NOTE_HEADING_PT) > PANEL_TEXT_W_MM
            || notes_summary.len() > SUMMARY_MAX_LINES
        {
            bail!(
                "locales/certificate.json: {} texts are too long for the certificate",
                words.lang
            );
        }
        let mut arabic: Vec<u16> = arabic_glyphs_of(
            std::iter::once(&title)
                .chain(&explanation)
                .chain(std::iter::once(&notes_title))
                .chain(&notes_summary),
        );
        arabic.sort_unstable();
        arabic.dedup();
        Ok(Self {
            lang: words.lang.clone(),
            rtl,
            title,
            explanation,
            course_line: words.course_line.clone(),
            notes_title,
            notes_summary,
            arabic_glyphs: arabic,
        })
    }
}

/// What both certificate pages share.
pub(super) struct PageContext<'a> {
    pub words: &'a Words,
    pub texts: &'a DisplayTexts,
    /// The holder's name shaped, when it has Arabic script.
    pub holder: Option<&'a ShapedName>,
    pub logo: Option<(&'a XObjectId, &'a DocumentImage)>,
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
    p.open(Role::P);
    for line in &lines {
        p.text(line).at(MARGIN_X_MM, y).size(size).muted().draw();
        y += size * 1.3 / PT_PER_MM;
    }
    p.close();
    // Address and contact, small, only within the height a large logo takes anyway: the
    // rest of the page never moves further down for them. A line too long is left off.
    let limit = LOGO_TOP_MM + LOGO_MAX_H_MM + 3.0;
    p.open(Role::P);
    for line in &ctx.texts.issuer_lines {
        let Some((size, line)) = p.regular.fit_line(line, text_w, &sizes(8.0, 6.5)) else {
            continue;
        };
        let next = y + size * 1.3 / PT_PER_MM;
        if next > limit {
            break;
        }
        p.text(&line).at(MARGIN_X_MM, y).size(size).muted().draw();
        y = next;
    }
    p.close();
    let rule_y = y.max(bottom);
    p.hline(MARGIN_X_MM, RIGHT_MM, rule_y, 0.6, RULE);
    Ok(rule_y)
}

/// Page 1. Fails instead of letting text overflow when the content cannot fit even at
/// the smallest allowed sizes.
pub(super) fn certificate_page(
    p: &mut Painter<'_>, ctx: &PageContext<'_>, code: &qr::QrMatrix,
    participant: Option<&Participant<'_>>, signature: Option<(&XObjectId, &DocumentImage)>,
) -> anyhow::Result<()> {
    let t = ctx.texts;
    let rule_y = letterhead(p, ctx)?;
    let translation = participant.map(|pt| pt.shipped);
    // The explanation in the participant's language sits right above place and date,
    // next to the QR code it talks about; the module table gets what is left above it.
    let body_limit = participant.map_or(BODY_LIMIT_FROM_TOP_MM, |pt| panel_top(pt) - 5.0);
    // A short top part would leave a hole above the bottom part: drawn once on scratch
    // to measure it, the room it leaves is shared out above the title and the table.
    let natural_end = top_part(&mut p.scratch(), ctx, rule_y, translation, body_limit, (0.0, 0.0))?;
    let spare = (body_limit - natural_end).clamp(0.0, MAX_SPARE_MM);
    top_part(p, ctx, rule_y, translation, body_limit, (spare * 0.35, spare * 0.35))?;
    // Drawn after the table, as it is read.
    if let Some(pt) = participant {
        explanation_panel(p, pt)?;
    }
    place_date_and_signatory(p, t, signature)?;
    qr_code(p, t, code)?;
    check_hint(p, ctx)
}

/// Title, name, course line and module table, the title `extra.0` mm and the table (or,
/// without one, the course line) `extra.1` mm further down than their least distance;
/// returns where the part ends.
fn top_part(
    p: &mut Painter<'_>, ctx: &PageContext<'_>, rule_y: f32, translation: Option<&Translation>,
    body_limit: f32, extra: (f32, f32),
) -> anyhow::Result<f32> {
    let t = ctx.texts;
    let y = title(p, ctx.words, rule_y + extra.0, translation)?;
    let y = match ctx.holder {
        Some(name) => shaped_holder(p, name, y)?,
        None => holder(p, t, y)?,
    };
    if t.modules.is_empty() {
        return course(p, t, y + extra.1);
    }
    let y = course(p, t, y)?;
    module_table(p, ctx, y + 12.0 + extra.1, body_limit)
}

/// The German title, the translated one where the participant's language has one, and
/// the line leading to the name. Returns the baseline of that line.
fn title(
    p: &mut Painter<'_>, words: &Words, rule_y: f32, translation: Option<&Translation>,
) -> anyhow::Result<f32> {
    let mut y = rule_y + 21.0;
    p.tagged(Role::H1, |p| {
        p.text(&words.title).at(CENTER_X_MM, y).size(28.0).bold().centered().draw()
    });
    if let Some(tr) = translation {
        y += 9.0;
        p.open_lang(Role::P, &tr.lang);
        p.shaped(&tr.title)
            .at(CENTER_X_MM, y)
            .size(TRANSLATED_TITLE_PT)
            .muted()
            .centered()
            .draw()?;
        p.close();
        y += 12.0;
    } else {
        y += 16.0;
    }
    p.tagged(Role::P, |p| {
        p.text(&words.confirmation).at(CENTER_X_MM, y).size(12.0).centered().draw();
    });
    Ok(y)
}

/// The holder's name is the one thing a landlord compares with an ID card: large, on one
/// line if shrinking to 14 pt suffices, wrapped otherwise.
fn holder(p: &mut Painter<'_>, t: &DisplayTexts, mut y: f32) -> anyhow::Result<f32> {
    let (size, lines) = p
        .bold
        .fit(&t.holder, CONTENT_W_MM, &sizes(22.0, 14.0), 3)
        .ok_or_else(|| anyhow!("holder name is too long for the certificate"))?;
    y += 6.0;
    p.open(Role::P);
    for line in &lines {
        y += size * 1.25 / PT_PER_MM;
        p.text(line).at(CENTER_X_MM, y).size(size).bold().centered().draw();
    }
    p.close();
    Ok(y)
}

/// A name in Arabic script, shaped before the page is drawn so its glyphs are known for
/// the document's Arabic subset: the lines and the size they print at.
pub(super) struct ShapedName {
    pub lines: Vec<ShapedLine>,
    pub size: f32,
}

impl ShapedName {
    /// Arabic-face glyphs of the name (0 included when a character has none).
    pub(super) fn arabic_glyphs(&self) -> impl Iterator<Item = u16> + '_ {
        self.lines
            .iter()
            .flat_map(|l| l.runs.iter())
            .filter(|run| run.face == FaceId::Arabic)
            .flat_map(|run| run.glyphs.iter().map(|g| g.gid))
    }
}

/// A name with Arabic script, shaped for one line at the largest of `sizes` that fits
/// `width`, else wrapped at the smallest into at most `max_lines`; `None` for names
/// without Arabic script, which print as plain text.
fn shape_name(
    fonts: &Fonts, name: &str, width: f32, sizes: &[f32], max_lines: usize,
) -> anyhow::Result<Option<ShapedName>> {
    if !name.chars().any(super::text::is_arabic_script) {
        return Ok(None);
    }
    let rtl = name.chars().find(|c| c.is_alphabetic()).is_some_and(super::text::is_arabic_script);
    let line = fonts.shape_line(name, FaceId::Bold, rtl)?;
    if let Some(&size) = sizes.iter().find(|&&s| line.width_mm(fonts, s) <= width) {
        return Ok(Some(ShapedName { lines: vec![line], size }));
    }
    let size = sizes.last().copied().unwrap_or(10.0);
    let lines = fonts.wrap_shaped(name, FaceId::Bold, rtl, size, width)?;
    if lines.len() > max_lines || lines.iter().any(|l| l.width_mm(fonts, size) > width) {
        bail!("holder name is too long for the certificate");
    }
    Ok(Some(ShapedName { lines, size }))
}

/// The holder's name as [`holder`] sets it, when it has Arabic script.
pub(super) fn shape_holder(fonts: &Fonts, name: &str) -> anyhow::Result<Option<ShapedName>> {
    shape_name(fonts, name, CONTENT_W_MM, &sizes(22.0, 14.0), 3)
}

/// The name on a check-in card, when it has Arabic script.
pub(super) fn shape_card_name(fonts: &Fonts, name: &str) -> anyhow::Result<Option<ShapedName>> {
    shape_name(fonts, name, CARD_TEXT_W_MM, &sizes(13.0, 8.0), 2)
}

/// [`holder`] for a name shaped beforehand.
fn shaped_holder(p: &mut Painter<'_>, name: &ShapedName, mut y: f32) -> anyhow::Result<f32> {
    y += 6.0;
    p.open(Role::P);
    for line in &name.lines {
        y += name.size * 1.25 / PT_PER_MM;
        p.shaped(line).at(CENTER_X_MM, y).size(name.size).bold().centered().draw()?;
    }
    p.close();
    Ok(y)
}

/// A sentence, so wrapping at full size reads better than shrinking to one line.
fn course(p: &mut Painter<'_>, t: &DisplayTexts, mut y: f32) -> anyhow::Result<f32> {
    let (size, lines) = sizes(12.0, 9.0)
        .into_iter()
        .find_map(|s| {
            let lines = p.regular.wrap(&t.course_line, s, CONTENT_W_MM);
            (lines.len() <= 4).then_some((s, lines))
        })
        .ok_or_else(|| anyhow!("course title or place is too long for the certificate"))?;
    y += 6.0;
    p.open(Role::P);
    for line in &lines {
        y += size * 1.45 / PT_PER_MM;
        p.text(line).at(CENTER_X_MM, y).size(size).centered().draw();
    }
    p.close();
    Ok(y)
}

fn panel_height(pt: &Participant<'_>) -> f32 {
    pt.panel_lines().count() as f32 * EXPLANATION_LINE_MM + 1.5
}

/// Top of the explanation panel, from the top of the page.
fn panel_top(pt: &Participant<'_>) -> f32 {
    BODY_LIMIT_FROM_TOP_MM - panel_height(pt)
}

/// Where a panel's rule and text go: the rule on the reading-start side.
fn panel_sides(rtl: bool) -> (f32, f32, Align) {
    if rtl {
        (RIGHT_MM, RIGHT_MM - PANEL_INSET_MM, Align::Right)
    } else {
        (MARGIN_X_MM, MARGIN_X_MM + PANEL_INSET_MM, Align::Left)
    }
}

/// The explanation and course line in the participant's language above the bottom part.
fn explanation_panel(p: &mut Painter<'_>, pt: &Participant<'_>) -> anyhow::Result<()> {
    let tr = pt.shipped;
    let panel_h = panel_height(pt);
    let panel_top = panel_top(pt);
    let (rule_x, text_x, align) = panel_sides(tr.rtl);
    p.line(rule_x, panel_top, rule_x, panel_top + panel_h, 1.5, RULE);
    let mut ly = panel_top + EXPLANATION_PT / PT_PER_MM;
    p.open_lang(Role::P, &tr.lang);
    for line in &tr.explanation {
        p.shaped(line).at(text_x, ly).size(EXPLANATION_PT).align(align).draw()?;
        ly += EXPLANATION_LINE_MM;
    }
    p.close();
    if !pt.course.is_empty() {
        p.open_lang(Role::P, &tr.lang);
        for line in pt.course.iter() {
            p.shaped(line).at(text_x, ly).size(EXPLANATION_PT).align(align).draw()?;
            ly += EXPLANATION_LINE_MM;
        }
        p.close();
    }
    Ok(())
}

/// Height of the short landlord notes in the participant's language on page 2.
fn summary_height(tr: &Translation) -> f32 {
    NOTE_HEADING_PT / PT_PER_MM + 2.5 + tr.notes_summary.len() as f32 * EXPLANATION_LINE_MM
}

/// The short landlord notes in the participant's language, ending above the footer.
fn summary_panel(p: &mut Painter<'_>, tr: &Translation) -> anyhow::Result<()> {
    let height = summary_height(tr);
    let top = NOTE_LIMIT_FROM_TOP_MM + 2.0 - height;
    let (rule_x, text_x, align) = panel_sides(tr.rtl);
    p.line(rule_x, top - 1.0, rule_x, top + height - 1.0, 1.5, RULE);
    let mut y = top + NOTE_HEADING_PT / PT_PER_MM - 1.0;
    p.open_lang(Role::H3, &tr.lang);
    p.shaped(&tr.notes_title).at(text_x, y).size(NOTE_HEADING_PT).align(align).draw()?;
    p.close();
    y += 2.5 + EXPLANATION_LINE_MM - 1.0;
    p.open_lang(Role::P, &tr.lang);
    for line in &tr.notes_summary {
        p.shaped(line).at(text_x, y).size(EXPLANATION_PT).align(align).draw()?;
        y += EXPLANATION_LINE_MM;
    }
    p.close();
    Ok(())
}

/// Height of a module row of `lines` title lines at `size` pt.
fn row_h(lines: usize, size: f32) -> f32 {
    lines.max(1) as f32 * size * 1.3 / PT_PER_MM + 2.2
}

/// The module rows at the size chosen for the table, and how many of them are shown.
struct TableFit {
    size: f32,
    rows: Vec<Vec<String>>,
    shown: usize,
}

/// Module list as a three-column table starting at `top` (mm from the top) and ending
/// above `limit`. Shrinks the font for long lists and, as a last resort, summarises the
/// rows that do not fit. Returns the baseline below its last line.
fn module_table(
    p: &mut Painter<'_>, ctx: &PageContext<'_>, top: f32, limit: f32,
) -> anyhow::Result<f32> {
    let t = ctx.texts;
    let available = limit - top - TABLE_HEADER_H_MM;
    if available < 10.0 {
        bail!("course texts leave no room for the module list");
    }
    let fit = fit_module_rows(p, t, available);
    p.open(Role::Table);
    let mut y = table_header(p, ctx.words, fit.size, top);
    let line_h = fit.size * 1.3 / PT_PER_MM;
    for (module, lines) in t.modules.iter().zip(&fit.rows).take(fit.shown) {
        let mut ly = y;
        p.open(Role::TR);
        p.open(Role::TD);
        for line in lines {
            p.text(line).at(MARGIN_X_MM, ly).size(fit.size).draw();
            ly += line_h;
        }
        p.close();
        p.tagged(Role::TD, |p| p.text(&module[1]).at(TABLE_DATE_X_MM, y).size(fit.size).draw());
        p.tagged(Role::TD, |p| {
            p.text(&module[2]).at(RIGHT_MM, y).size(fit.size).right_aligned().draw();
        });
        p.close();
        let h = row_h(lines.len(), fit.size);
        p.hline(MARGIN_X_MM, RIGHT_MM, y + h - line_h + 0.2, 0.25, HAIRLINE);
        y += h;
    }
    p.close();
    let hidden = t.modules.len() - fit.shown;
    if hidden > 0 {
        p.text(&ctx.words.more_modules(hidden)).at(MARGIN_X_MM, y).size(fit.size).muted().draw();
        y += row_h(1, fit.size);
    }
    Ok(y)
}

/// The largest size at which all rows fit into `available` mm; failing that, the
/// smallest size with as many rows as fit above a summary line.
fn fit_module_rows(p: &Painter<'_>, t: &DisplayTexts, available: f32) -> TableFit {
    let row_lines = |size: f32| -> Vec<Vec<String>> {
        t.modules.iter().map(|m| p.regular.wrap(&m[0], size, TABLE_TITLE_W_MM)).collect()
    };
    for size in sizes(10.5, 8.0) {
        let rows = row_lines(size);
        let total: f32 = rows.iter().map(|r| row_h(r.len(), size)).sum();
        if total <= available {
            let shown = t.modules.len();
            return TableFit { size, rows, shown };
        }
    }
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
    TableFit { size, rows, shown }
}

/// Column headings and their rule; returns the first row's baseline.
fn table_header(p: &mut Painter<'_>, words: &Words, size: f32, top: f32) -> f32 {
    let header_size = size - 1.0;
    let heading = |p: &mut Painter<'_>, text: &str, x: f32, align: Align| {
        p.tagged(Role::TH, |p| {
            p.text(text).at(x, top).size(header_size).bold().muted().align(align).draw();
        });
    };
    p.open(Role::TR);
    heading(p, &words.modules_heading, MARGIN_X_MM, Align::Left);
    heading(p, &words.date_heading, TABLE_DATE_X_MM, Align::Left);
    heading(p, &words.duration_heading, RIGHT_MM, Align::Right);
    p.close();
    let mut y = top + 2.0;
    p.hline(MARGIN_X_MM, RIGHT_MM, y, 0.5, RULE);
    y += TABLE_HEADER_H_MM - 2.0;
    y
}

fn from_bottom(mm: f32) -> f32 {
    PAGE_H_MM - mm
}

/// Place and date, then the signature line with the scanned signature above and the
/// signatory below; positioned from the bottom edge.
fn place_date_and_signatory(
    p: &mut Painter<'_>, t: &DisplayTexts, signature: Option<(&XObjectId, &DocumentImage)>,
) -> anyhow::Result<()> {
    let (size, line) = p
        .regular
        .fit_line(&t.place_date, 120.0, &sizes(11.0, 7.0))
        .ok_or_else(|| anyhow!("place is too long for the certificate"))?;
    p.text(&line).at(MARGIN_X_MM, from_bottom(62.0)).size(size).draw();

    if let Some((id, img)) = signature {
        let (w, h) = fit_image(img, SIGNATURE_W_MM, SIGNATURE_MAX_H_MM);
        p.image(id, MARGIN_X_MM, from_bottom(40.8) - h, w, h);
    }
    let line_end = MARGIN_X_MM + SIGNATURE_W_MM;
    p.hline(MARGIN_X_MM, line_end, from_bottom(40.0), 0.6, MUTED);
    let (size, line) = p
        .regular
        .fit_line(&t.signatory, SIGNATURE_W_MM, &sizes(11.0, 7.0))
        .ok_or_else(|| anyhow!("signatory name is too long for the certificate"))?;
    p.text(&line).at(MARGIN_X_MM, from_bottom(35.5)).size(size).draw();
    if !t.signatory_title.is_empty() {
        p.open(Role::P);
        let (size, lines) = p
            .regular
            .fit(&t.signatory_title, SIGNATURE_W_MM, &sizes(9.0, 6.5), 2)
            .ok_or_else(|| anyhow!("signatory title is too long for the certificate"))?;
        let mut ty = from_bottom(31.0);
        for line in &lines {
            p.text(line).at(MARGIN_X_MM, ty).size(size).muted().draw();
            ty += size * 1.3 / PT_PER_MM;
        }
        p.close();
    }
    Ok(())
}

/// The QR code at the bottom right with the certificate code below it.
fn qr_code(p: &mut Painter<'_>, t: &DisplayTexts, code: &qr::QrMatrix) -> anyhow::Result<()> {
    let qr_size = qr_size_mm(code);
    let qr_x = RIGHT_MM - qr_size;
    p.qr(code, qr_x, QR_BOTTOM_MM, qr_size, &t.qr_alt);
    // A code of wide letters (W, M) is wider than the QR code at any readable size: it
    // may reach a little into the right margin, still centred under the code.
    let (size, line) = p
        .bold
        .fit_line(&t.code, qr_size + 2.0 * CODE_OVERHANG_MM, &sizes(10.0, 7.0))
        .ok_or_else(|| anyhow!("certificate code is too long"))?;
    p.text(&line)
        .at(qr_x + qr_size / 2.0, from_bottom(QR_BOTTOM_MM - 3.5))
        .size(size)
        .bold()
        .centered()
        .draw();
    Ok(())
}

/// Below a hairline: how to check the certificate, and the pointer to page 2.
fn check_hint(p: &mut Painter<'_>, ctx: &PageContext<'_>) -> anyhow::Result<()> {
    p.hline(MARGIN_X_MM, RIGHT_MM, from_bottom(18.0), 0.4, HAIRLINE);
    let (size, line) = p
        .regular
        .fit_line(&ctx.texts.check_hint, CONTENT_W_MM, &sizes(8.5, 6.0))
        .ok_or_else(|| anyhow!("verification host is too long for the certificate"))?;
    p.text(&line).at(CENTER_X_MM, from_bottom(13.0)).size(size).muted().centered().draw();
    p.text(&ctx.words.notes_pointer)
        .at(RIGHT_MM, from_bottom(8.0))
        .size(7.5)
        .muted()
        .right_aligned()
        .draw();
    Ok(())
}

/// Page 2: what a landlord needs to know, in plain German, on one page.
pub(super) fn landlord_page(
    p: &mut Painter<'_>, ctx: &PageContext<'_>, translation: Option<&Translation>,
) -> anyhow::Result<()> {
    let rule_y = letterhead(p, ctx)?;
    let mut y = rule_y + 14.0;
    p.tagged(Role::H2, |p| {
        p.text(&ctx.words.notes_title).at(MARGIN_X_MM, y).size(20.0).bold().draw();
    });
    y += 7.0;
    p.text(&ctx.words.notes_subtitle).at(MARGIN_X_MM, y).size(NOTE_PT).muted().draw();
    y += 6.0;
    for section in &ctx.texts.notes {
        y = notes_section(p, section, y);
    }
    // The notes in the participant's language close the page; the module list gets the
    // room above them.
    let limit = translation
        .map_or(NOTE_LIMIT_FROM_TOP_MM, |tr| NOTE_LIMIT_FROM_TOP_MM - summary_height(tr) - 4.0);
    y = module_bullets(p, ctx, y, limit);
    if y > limit {
        bail!("the notes for landlords do not fit on one page");
    }
    if let Some(tr) = translation {
        summary_panel(p, tr)?;
    }
    notes_footer(p, ctx.texts)
}

/// One headed section starting below `y`; returns the baseline after it.
fn notes_section(p: &mut Painter<'_>, section: &Section, mut y: f32) -> f32 {
    y += 8.0;
    p.tagged(Role::H3, |p| {
        p.text(&section.heading).at(MARGIN_X_MM, y).size(NOTE_HEADING_PT).bold().draw();
    });
    y += 1.5;
    // Numbered steps in a row form one list.
    let mut in_list = false;
    for para in &section.paragraphs {
        let (indent, text) = match para {
            Paragraph::Text(text) => {
                if std::mem::take(&mut in_list) {
                    p.close();
                }
                p.open(Role::P);
                (0.0, text.as_str())
            }
            Paragraph::Step(n, text) => {
                if !std::mem::replace(&mut in_list, true) {
                    p.open(Role::L);
                }
                p.open(Role::LI);
                p.tagged(Role::Lbl, |p| {
                    p.text(&format!("{n}."))
                        .at(MARGIN_X_MM, y + NOTE_LINE_MM)
                        .size(NOTE_PT)
                        .bold()
                        .draw();
                });
                p.open(Role::LBody);
                (NOTE_INDENT_MM, text.as_str())
            }
        };
        for line in p.regular.wrap(text, NOTE_PT, CONTENT_W_MM - indent) {
            y += NOTE_LINE_MM;
            p.text(&line).at(MARGIN_X_MM + indent, y).size(NOTE_PT).draw();
        }
        match para {
            Paragraph::Text(_) => p.close(),
            Paragraph::Step(..) => {
                p.close();
                p.close();
            }
        }
        y += 1.8;
    }
    if in_list {
        p.close();
    }
    y
}

/// The module titles come last: their number and length vary, so they take the space
/// that is left and are summarised when it runs out. Returns the last baseline.
fn module_bullets(p: &mut Painter<'_>, ctx: &PageContext<'_>, mut y: f32, limit: f32) -> f32 {
    let modules = &ctx.texts.modules;
    let bullet_w = CONTENT_W_MM - NOTE_INDENT_MM;
    let mut shown = 0;
    p.open(Role::L);
    for (i, module) in modules.iter().enumerate() {
        let lines = p.regular.wrap(&module[0], NOTE_PT, bullet_w);
        let remaining = modules.len() - i;
        let needed =
            lines.len() as f32 * NOTE_LINE_MM + if remaining > 1 { NOTE_LINE_MM } else { 0.0 };
        if y + needed > limit {
            break;
        }
        p.open(Role::LI);
        p.tagged(Role::Lbl, |p| {
            p.text(BULLET).at(MARGIN_X_MM + 1.5, y + NOTE_LINE_MM).size(NOTE_PT).draw();
        });
        p.open(Role::LBody);
        for line in lines {
            y += NOTE_LINE_MM;
            p.text(&line).at(MARGIN_X_MM + NOTE_INDENT_MM, y).size(NOTE_PT).draw();
        }
        p.close();
        p.close();
        shown += 1;
    }
    p.close();
    if shown < modules.len() {
        y += NOTE_LINE_MM;
        p.text(&ctx.words.more_modules(modules.len() - shown))
            .at(MARGIN_X_MM + NOTE_INDENT_MM, y)
            .size(NOTE_PT)
            .muted()
            .draw();
    }
    y
}

fn notes_footer(p: &mut Painter<'_>, t: &DisplayTexts) -> anyhow::Result<()> {
    let footer = PAGE_H_MM - 13.0;
    p.hline(MARGIN_X_MM, RIGHT_MM, footer - 5.0, 0.4, HAIRLINE);
    let (size, line) = p
        .regular
        .fit_line(&t.notes_footer, CONTENT_W_MM, &sizes(8.5, 6.0))
        .ok_or_else(|| anyhow!("certificate code is too long"))?;
    p.text(&line).at(CENTER_X_MM, footer).size(size).muted().centered().draw();
    Ok(())
}

/// Check-in cards in credit-card size, ten per A4 page (two columns, five rows), with
/// cutting lines.
pub(super) fn card_pages(
    p: &mut Painter<'_>, words: &Words, issuer: &str, cards: &[ParticipantCard],
    names: &[Option<ShapedName>],
) -> anyhow::Result<Vec<PageContent>> {
    let mut pages = Vec::new();
    for (chunk, names) in cards.chunks(CARDS_PER_PAGE).zip(names.chunks(CARDS_PER_PAGE)) {
        for row in 0..=CARD_ROWS {
            let y = CARDS_TOP_MM + row as f32 * CARD_H_MM;
            p.hline(CARDS_LEFT_MM, CARDS_LEFT_MM + 2.0 * CARD_W_MM, y, 0.3, 0.7);
        }
        for (i, card) in chunk.iter().enumerate() {
            let x0 = CARDS_LEFT_MM + (i % 2) as f32 * CARD_W_MM;
            let y0 = CARDS_TOP_MM + (i / 2) as f32 * CARD_H_MM;
            let name = names.get(i).and_then(Option::as_ref);
            participant_card(p, words, issuer, (card, name), (x0, y0))?;
        }
        pages.push(p.take_page());
    }
    Ok(pages)
}

/// One card with its top-left corner at `corner` (mm from the left and from the top):
/// texts on the left, the QR code with its code on the right.
fn participant_card(
    p: &mut Painter<'_>, words: &Words, issuer: &str,
    (card, shaped): (&ParticipantCard, Option<&ShapedName>), (x0, y0): (f32, f32),
) -> anyhow::Result<()> {
    let x = x0 + 4.0;
    let (size, lines) = p
        .regular
        .fit(issuer, CARD_TEXT_W_MM, &sizes(7.0, 5.0), 2)
        .unwrap_or((5.0, vec![String::new()]));
    card_lines(p, &lines, size, x, y0 + 6.0, false);
    p.text(&words.card_title).at(x, y0 + 16.0).size(9.0).bold().draw();
    match shaped {
        Some(name) => {
            let mut y = y0 + 24.0;
            for line in &name.lines {
                p.shaped(line).at(x, y).size(name.size).bold().draw()?;
                y += name.size * 1.25 / PT_PER_MM;
            }
        }
        None => {
            let (size, lines) = p
                .bold
                .fit(&card.name, CARD_TEXT_W_MM, &sizes(13.0, 8.0), 2)
                .ok_or_else(|| anyhow!("name is too long for the card"))?;
            card_lines(p, &lines, size, x, y0 + 24.0, true);
        }
    }
    let (size, mut lines) =
        p.regular.fit(&card.course, CARD_TEXT_W_MM, &sizes(8.0, 6.0), 2).unwrap_or((6.0, vec![]));
    lines.push(card.period.clone());
    card_lines(p, &lines, size, x, y0 + 38.0, false);

    let code = qr::encode(&card.url).context("QR code for the card")?;
    let qr_x = x0 + CARD_W_MM - CARD_QR_MM - 3.0;
    let alt = words.card_qr_alt(&card.code);
    p.qr(&code, qr_x, PAGE_H_MM - (y0 + 3.0 + CARD_QR_MM), CARD_QR_MM, &alt);
    p.text(&card.code)
        .at(qr_x + CARD_QR_MM / 2.0, y0 + 3.0 + CARD_QR_MM + 4.0)
        .size(8.0)
        .bold()
        .centered()
        .draw();
    Ok(())
}

/// Lines of a card text, the first baseline at `top`; the ink of names, muted otherwise.
fn card_lines(p: &mut Painter<'_>, lines: &[String], size: f32, x: f32, top: f32, name: bool) {
    let mut y = top;
    for line in lines {
        let text = p.text(line).at(x, y).size(size);
        if name {
            text.bold().draw();
        } else {
            text.muted().draw();
        }
        y += size * 1.25 / PT_PER_MM;
    }
}
