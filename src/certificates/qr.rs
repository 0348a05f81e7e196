//! QR encoding of verification URLs, at error correction level Q and at most version 12
//! (level Q survives stains far better than M, and version 12 still scans
//! from a 35 mm print).

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel, Version};

/// Largest QR version a certificate may need; beyond it modules get too small to scan
/// reliably at the printed size.
pub const MAX_QR_VERSION: i16 = 13;
/// Light border around the symbol required by ISO/IEC 18004, in modules.
pub const QUIET_ZONE_MODULES: usize = 4;

/// A QR symbol as a square grid of modules, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    version: i16,
    /// One bit set per row: bit x is module x (at most 69 modules up to version 13).
    rows: Vec<u128>,
}

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("data needs QR version {version} at level Q, more than the maximum {MAX_QR_VERSION}")]
    VersionTooHigh { version: i16 },
    #[error("data cannot be encoded as a QR code: {0}")]
    Encode(#[from] qrcode::types::QrError),
    #[error("QR encoder produced an unexpected symbol")]
    Unexpected,
}

/// Encodes `url` at level Q. Fails if it needs a version above [`MAX_QR_VERSION`], so a
/// certificate is never printed with a code that may not scan.
pub fn encode(url: &str) -> Result<QrMatrix, QrError> {
    let bits = qrcode::bits::encode_auto(url.as_bytes(), EcLevel::Q)?;
    let version = match bits.version() {
        Version::Normal(v) => v,
        // `encode_auto` only picks normal versions; a Micro QR would not be scannable by
        // ordinary phone apps anyway.
        Version::Micro(_) => return Err(QrError::Unexpected),
    };
    if version > MAX_QR_VERSION {
        return Err(QrError::VersionTooHigh { version });
    }
    let qr_version = bits.version();
    let data = bits.into_bytes();
    let (encoded, ec) = qrcode::ec::construct_codewords(&data, qr_version, EcLevel::Q)?;
    let mut canvas = Canvas::new(qr_version, EcLevel::Q);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&encoded, &ec);
    let width = usize::try_from(qr_version.width()).map_err(|_| QrError::Unexpected)?;
    // qrcode's own mask choice (`apply_best_mask`) scores the eight candidates with a
    // slow penalty function: about 2 ms of a 6 ms certificate. Same rules, scored on a
    // plain bool grid.
    let mut best: Option<(u32, Vec<u128>)> = None;
    for pattern in MASK_PATTERNS {
        let mut c = canvas.clone();
        c.apply_mask(pattern);
        let colors = c.into_colors();
        if colors.len() != width * width {
            return Err(QrError::Unexpected);
        }
        let rows: Vec<u128> = colors
            .chunks_exact(width)
            .map(|row| {
                row.iter()
                    .enumerate()
                    .fold(0u128, |bits, (x, m)| bits | (u128::from(*m == Color::Dark) << x))
            })
            .collect();
        let score = penalty(&rows, width);
        if best.as_ref().is_none_or(|(b, _)| score < *b) {
            best = Some((score, rows));
        }
    }
    let (_, rows) = best.ok_or(QrError::Unexpected)?;
    Ok(QrMatrix { width, version, rows })
}

const MASK_PATTERNS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// Mask penalty of ISO/IEC 18004 §7.8.3: runs of five or more, 2×2 blocks, finder-like
/// 1:1:3:1:1 patterns with four light modules on one side, dark/light balance. Rows and
/// columns are bit sets (bit x = module x; at most 69 modules up to version 13), so the
/// eight candidates are scored in microseconds.
fn penalty(rows: &[u128], n: usize) -> u32 {
    debug_assert!(n + 8 <= 128 && rows.len() == n);
    let mut cols = vec![0u128; n];
    for (y, &row) in rows.iter().enumerate() {
        let mut bits = row;
        while bits != 0 {
            cols[bits.trailing_zeros() as usize] |= 1 << y;
            bits &= bits - 1;
        }
    }
    let all: u128 = (1 << n) - 1;
    let mut score = 0u32;
    let inner: u128 = all >> 1;
    let starts: u128 = if n >= 7 { (1 << (n - 6)) - 1 } else { 0 };
    for &line in rows.iter().chain(&cols) {
        // Bit i set where module i differs from module i + 1: the ends of runs.
        let mut ends = (line ^ (line >> 1)) & inner;
        let mut prev: i32 = -1;
        while ends != 0 {
            let i = ends.trailing_zeros() as i32;
            let run = (i - prev) as u32;
            if run >= 5 {
                score += run - 2;
            }
            prev = i;
            ends &= ends - 1;
        }
        let run = (n as i32 - 1 - prev) as u32;
        if run >= 5 {
            score += run - 2;
        }
        // Starts of 1011101 (the same read in both directions), all positions at once.
        let mut found = line
            & !(line >> 1)
            & (line >> 2)
            & (line >> 3)
            & (line >> 4)
            & !(line >> 5)
            & (line >> 6)
            & starts;
        // Shifted by four so the four light modules before position 0 (quiet zone) exist.
        let padded = line << 4;
        while found != 0 {
            let i = found.trailing_zeros() as usize;
            let before = (padded >> i) & 0xF == 0;
            let after = (padded >> (i + 11)) & 0xF == 0;
            if before || after {
                score += 40;
            }
            found &= found - 1;
        }
    }
    for pair in rows.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        // Bit x set where modules x and x+1 of both rows all have one colour.
        let same = !(a ^ (a >> 1)) & !(b ^ (b >> 1)) & !(a ^ b) & (all >> 1);
        score += 3 * same.count_ones();
    }
    let dark_count: u32 = rows.iter().map(|r| r.count_ones()).sum();
    let percent = dark_count as usize * 100 / (n * n);
    score += 10 * (percent.abs_diff(50) / 5) as u32;
    score
}

impl QrMatrix {
    /// Modules per side, without quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    pub fn version(&self) -> i16 {
        self.version
    }

    /// Whether module (x, y) is dark; (0, 0) is the top-left corner. Outside the symbol
    /// (e.g. in the quiet zone) everything is light.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && (self.rows[y] >> x) & 1 == 1
    }

    /// Horizontal dark runs as `(row y, x start, length)`, rows top to bottom. Drawing one
    /// rectangle per run instead of per module keeps the PDF small and avoids hairline
    /// gaps between neighbouring modules in some viewers.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::with_capacity(self.width * 12);
        for (y, &row) in self.rows.iter().enumerate() {
            let mut bits = row;
            while bits != 0 {
                let start = bits.trailing_zeros() as usize;
                let len = (!(bits >> start)).trailing_zeros() as usize;
                runs.push((y, start, len));
                // Clear the run just found (len < 128: the top bits are always light).
                bits &= !(((1u128 << len) - 1) << start);
            }
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typical_url(token_chars: usize) -> String {
        // Base32 alphabet only, as produced by token::verification_url.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let token: String =
            (0..token_chars).map(|i| char::from(alphabet[(i * 7 + i / 3) % 32])).collect();
        format!("HTTP://127.0.0.1:8080/Z/{token}")
    }

    /// Rasterises the matrix with its quiet zone, `scale` pixels per module.
    fn decode_with_rqrr(m: &QrMatrix, scale: usize) -> String {
        let side = (m.width() + 2 * QUIET_ZONE_MODULES) * scale;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
            let mx = (x / scale).checked_sub(QUIET_ZONE_MODULES);
            let my = (y / scale).checked_sub(QUIET_ZONE_MODULES);
            match (mx, my) {
                (Some(mx), Some(my)) if m.is_dark(mx, my) => 0,
                _ => 255,
            }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }

    #[test]
    fn typical_url_fits_and_round_trips() {
        let url = typical_url(240);
        let m = encode(&url).unwrap();
        println!("URL of {} chars -> QR version {}", url.len(), m.version());
        assert!(m.version() <= MAX_QR_VERSION);
        assert_eq!(m.width(), 17 + 4 * m.version() as usize);
        assert_eq!(decode_with_rqrr(&m, 4), url);
    }

    #[test]
    fn budget_url_fits() {
        // 296 characters is the verification URL budget (token::MAX_URL_CHARS).
        let url = typical_url(296 - "HTTP://127.0.0.1:8080/Z/".len());
        assert_eq!(url.len(), 296);
        let m = encode(&url).unwrap();
        assert!(m.version() <= MAX_QR_VERSION);
        assert_eq!(decode_with_rqrr(&m, 3), url);
    }

    #[test]
    fn too_long_is_refused() {
        let err = encode(&typical_url(400)).unwrap_err();
        assert!(matches!(err, QrError::VersionTooHigh { version } if version > MAX_QR_VERSION));
        assert!(matches!(encode(&"A".repeat(10_000)), Err(QrError::Encode(_))));
    }

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let m = encode(&typical_url(200)).unwrap();
        let mut painted = vec![false; m.width() * m.width()];
        let runs = m.dark_runs();
        for &(y, x, len) in &runs {
            assert!(len > 0);
            for xi in x..x + len {
                assert!(!painted[y * m.width() + xi], "overlap");
                painted[y * m.width() + xi] = true;
            }
            // Maximal: the modules either side are light.
            assert!(x == 0 || !m.is_dark(x - 1, y));
            assert!(!m.is_dark(x + len, y));
        }
        for y in 0..m.width() {
            for x in 0..m.width() {
                assert_eq!(painted[y * m.width() + x], m.is_dark(x, y));
            }
        }
        let dark: u32 = m.rows.iter().map(|r| r.count_ones()).sum();
        assert!(runs.len() < dark as usize);
        assert!(!m.is_dark(m.width(), 0));
    }

    /// Versions for a few URL lengths, for the size budget (README, "The QR code").
    #[test]
    fn version_table() {
        for chars in [200, 240, 256, 272, 296, 304, 312, 320, 352] {
            let prefix = "HTTPS://MIETSCHULUNG.EXAMPLE.DE/Z/";
            let url = format!("{prefix}{}", "A".repeat(chars - prefix.len()));
            match encode(&url) {
                Ok(m) => println!("{chars} chars: version {}", m.version()),
                Err(e) => println!("{chars} chars: {e}"),
            }
        }
    }
}
