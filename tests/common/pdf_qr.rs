//! Reads the QR code back out of a certificate PDF, in-process and from the bytes alone.
//!
//! Certificates draw their QR code as filled vector rectangles. This helper interprets
//! the page content streams just far enough to find them (`q`/`Q`/`cm` for the current
//! transformation, fill colour operators, `re` followed by a fill), paints them into a
//! greyscale bitmap with a white border and lets `rqrr` decode it. Text, strokes and
//! images are ignored; form XObjects (`Do`) are not followed, since the renderer does not
//! use them for the QR code.

use anyhow::{anyhow, bail, Context};
use lopdf::content::{Content, Operation};
use lopdf::Document;

/// Decompressed content larger than this is refused, so a broken or hostile PDF cannot
/// exhaust memory in a test.
const MAX_CONTENT_BYTES: usize = 16 << 20;
/// Pixels per QR module in the bitmap; rqrr is reliable from about 3 upwards.
const PIXELS_PER_MODULE: f32 = 4.0;
/// White border around the drawn area, in modules (the QR quiet zone is 4).
const BORDER_MODULES: f32 = 6.0;
const MAX_IMAGE_SIDE: usize = 4000;

/// Returns the text of the first QR code found on any page of `pdf`.
pub fn decode_qr_from_pdf(pdf: &[u8]) -> anyhow::Result<String> {
    let doc = Document::load_mem(pdf).context("PDF cannot be parsed")?;
    let pages = doc.get_pages();
    if pages.is_empty() {
        bail!("PDF has no pages");
    }
    let mut problems = Vec::new();
    for (number, page_id) in pages {
        let content = doc
            .get_page_content_with_limit(page_id, MAX_CONTENT_BYTES)
            .with_context(|| format!("page {number}: content stream cannot be read"))?;
        let ops = Content::decode(&content)
            .with_context(|| format!("page {number}: content stream cannot be parsed"))?
            .operations;
        let fills = filled_rectangles(&ops);
        if !fills.iter().any(|f| f.dark) {
            problems.push(format!("page {number}: no dark filled rectangles"));
            continue;
        }
        match decode_fills(&fills) {
            Ok(text) => return Ok(text),
            Err(e) => problems.push(format!("page {number}: {e}")),
        }
    }
    Err(anyhow!("no QR code decoded ({})", problems.join("; ")))
}

/// Axis-aligned rectangle in page space (points, y up).
#[derive(Debug, Clone, Copy)]
struct Fill {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    dark: bool,
}

/// Affine matrix `[a b c d e f]` as in PDF: (x, y) ↦ (a·x + c·y + e, b·x + d·y + f).
type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn multiply(m: &Matrix, n: &Matrix) -> Matrix {
    // m applied first, then n.
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

#[derive(Clone, Copy)]
struct GraphicsState {
    ctm: Matrix,
    fill_dark: bool,
}

fn numbers(op: &Operation) -> Option<Vec<f32>> {
    op.operands.iter().map(|o| o.as_float().ok()).collect()
}

/// Luminance below one half counts as dark; a QR code needs nothing finer.
fn dark_from_components(components: &[f32]) -> Option<bool> {
    let luminance = match components {
        [g] => *g,
        [r, g, b] => 0.299 * r + 0.587 * g + 0.114 * b,
        [c, m, y, k] => {
            let r = (1.0 - c) * (1.0 - k);
            let g = (1.0 - m) * (1.0 - k);
            let b = (1.0 - y) * (1.0 - k);
            0.299 * r + 0.587 * g + 0.114 * b
        }
        _ => return None,
    };
    Some(luminance < 0.5)
}

/// Every rectangle that gets filled, in painting order, in page space.
fn filled_rectangles(ops: &[Operation]) -> Vec<Fill> {
    let mut state = GraphicsState { ctm: IDENTITY, fill_dark: true };
    let mut stack: Vec<GraphicsState> = Vec::new();
    let mut path: Vec<Fill> = Vec::new();
    let mut fills = Vec::new();

    for op in ops {
        match op.operator.as_str() {
            "q" => stack.push(state),
            "Q" => {
                if let Some(saved) = stack.pop() {
                    state = saved;
                }
            }
            "cm" => {
                if let Some(&[a, b, c, d, e, f]) = numbers(op).as_deref() {
                    state.ctm = multiply(&[a, b, c, d, e, f], &state.ctm);
                }
            }
            // Selecting a colour space resets the fill colour to its initial value,
            // which is black (or the equivalent) for the spaces used in practice.
            "cs" => state.fill_dark = true,
            "g" | "rg" | "k" | "sc" | "scn" => {
                if let Some(dark) = numbers(op).and_then(|n| dark_from_components(&n)) {
                    state.fill_dark = dark;
                }
            }
            "re" => {
                if let Some(&[x, y, w, h]) = numbers(op).as_deref() {
                    let corners = [
                        apply(&state.ctm, x, y),
                        apply(&state.ctm, x + w, y),
                        apply(&state.ctm, x, y + h),
                        apply(&state.ctm, x + w, y + h),
                    ];
                    // The bounding box is exact for scaling, translation and quarter
                    // turns, which is all a renderer uses for a QR code.
                    let xs = corners.map(|c| c.0);
                    let ys = corners.map(|c| c.1);
                    path.push(Fill {
                        x0: xs.iter().copied().fold(f32::INFINITY, f32::min),
                        x1: xs.iter().copied().fold(f32::NEG_INFINITY, f32::max),
                        y0: ys.iter().copied().fold(f32::INFINITY, f32::min),
                        y1: ys.iter().copied().fold(f32::NEG_INFINITY, f32::max),
                        dark: state.fill_dark,
                    });
                }
            }
            "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => {
                let dark = state.fill_dark;
                fills.extend(path.drain(..).map(|r| Fill { dark, ..r }));
            }
            // Stroke only, or end the path without painting (also after a clip).
            "S" | "s" | "n" => path.clear(),
            _ => {}
        }
    }
    fills
}

fn decode_fills(fills: &[Fill]) -> anyhow::Result<String> {
    let dark: Vec<&Fill> = fills.iter().filter(|f| f.dark).collect();
    // One module is the typical short side of a dark rectangle: runs are one module high.
    let mut sides: Vec<f32> =
        dark.iter().map(|f| (f.x1 - f.x0).min(f.y1 - f.y0)).filter(|s| *s > 0.0).collect();
    if sides.is_empty() {
        bail!("dark rectangles have no area");
    }
    sides.sort_by(f32::total_cmp);
    let module = sides[sides.len() / 2];

    let border = BORDER_MODULES * module;
    let left = dark.iter().map(|f| f.x0).fold(f32::INFINITY, f32::min) - border;
    let right = dark.iter().map(|f| f.x1).fold(f32::NEG_INFINITY, f32::max) + border;
    let bottom = dark.iter().map(|f| f.y0).fold(f32::INFINITY, f32::min) - border;
    let top = dark.iter().map(|f| f.y1).fold(f32::NEG_INFINITY, f32::max) + border;

    let longest = (right - left).max(top - bottom);
    let scale = (PIXELS_PER_MODULE / module).min(MAX_IMAGE_SIDE as f32 / longest);
    let width = ((right - left) * scale).ceil() as usize;
    let height = ((top - bottom) * scale).ceil() as usize;
    if width == 0 || height == 0 {
        bail!("empty drawing area");
    }

    let mut pixels = vec![255u8; width * height];
    // A pixel is painted when its centre lies inside the rectangle.
    let span = |lo: f32, hi: f32, limit: usize| -> (usize, usize) {
        let first = (lo - 0.5).ceil().max(0.0) as usize;
        let end = ((hi - 0.5).ceil().max(0.0) as usize).min(limit);
        (first, end)
    };
    for f in fills {
        let (c0, c1) = span((f.x0 - left) * scale, (f.x1 - left) * scale, width);
        let (r0, r1) = span((top - f.y1) * scale, (top - f.y0) * scale, height);
        let value = if f.dark { 0 } else { 255 };
        for row in r0..r1 {
            let start = row * width;
            pixels[start + c0.min(c1)..start + c1].fill(value);
        }
    }

    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    if grids.is_empty() {
        bail!("no QR code found in {} rectangles ({width}×{height} px)", fills.len());
    }
    let mut last_error = None;
    for grid in grids {
        match grid.decode() {
            Ok((_meta, text)) => return Ok(text),
            Err(e) => last_error = Some(e),
        }
    }
    Err(anyhow!("QR code found but not decodable: {last_error:?}"))
}
