//! Charts drawn on the server as SVG: bars with their value written on them, labels large
//! enough to read, an accessible name (`role="img"`, `<title>`, `<desc>`); the page shows
//! the same figures as a table beside each chart.

use std::fmt::Write;
use std::sync::Once;

use plotters::prelude::*;

static FONT: Once = Once::new();

/// Registers the certificate font for charts drawn with plotters (the survey results).
pub(crate) fn register_font() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../fonts/NotoSans-Regular.ttf");
        if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_err() {
            tracing::error!("chart font could not be registered");
        }
    });
}

/// One bar: its label under it, its share in tenths of a percent (0 to 1000), and the
/// value written above it ("60,0 %") with an optional second line ("3 von 5").
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub tenths: u32,
    pub value: String,
    pub detail: Option<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const SLOT: u32 = 120;
const LEFT: u32 = 56;
const TOP: u32 = 56;
const PLOT: u32 = 240;
const BOTTOM: u32 = 56;

/// A bar chart of shares (0 to 100 %), named `title` and described by `summary`; `id`
/// makes its title and description referable on a page with several charts.
pub fn bars(id: &str, title: &str, summary: &str, bars: &[Bar]) -> String {
    let width = LEFT + SLOT * u32::try_from(bars.len().max(1)).unwrap_or(1) + 16;
    let height = TOP + PLOT + BOTTOM;
    let base = TOP + PLOT;
    let mut svg = String::new();
    let (id, title, summary) = (escape(id), escape(title), escape(summary));
    // Writing to a String cannot fail.
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="Noto Sans, Arial, sans-serif" font-size="16"><title id="{id}-title">{title}</title><desc id="{id}-desc">{summary}</desc>"#
    );
    for pct in [0u32, 50, 100] {
        let y = base - PLOT * pct / 100;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y}" x2="{}" y2="{y}" stroke="#b1b4b6" stroke-width="1"/><text x="{}" y="{}" text-anchor="end" fill="#505a5f">{pct} %</text>"##,
            width - 8,
            LEFT - 6,
            y + 5
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let slot_x = LEFT + SLOT * u32::try_from(i).unwrap_or(0);
        let tenths = bar.tenths.min(1000);
        let h = PLOT * tenths / 1000;
        let x = slot_x + 20;
        let center = slot_x + SLOT / 2;
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="{}" width="{}" height="{h}" fill="#1d70b8"/>"##,
            base - h,
            SLOT - 40
        );
        let value_y = base - h - if bar.detail.is_some() { 26 } else { 8 };
        let _ = write!(
            svg,
            r##"<text x="{center}" y="{value_y}" text-anchor="middle" font-weight="700" fill="#0b0c0c">{}</text>"##,
            escape(&bar.value)
        );
        if let Some(detail) = &bar.detail {
            let _ = write!(
                svg,
                r##"<text x="{center}" y="{}" text-anchor="middle" font-size="14" fill="#0b0c0c">{}</text>"##,
                value_y + 18,
                escape(detail)
            );
        }
        let _ = write!(
            svg,
            r##"<text x="{center}" y="{}" text-anchor="middle" fill="#0b0c0c">{}</text>"##,
            base + 24,
            escape(&bar.label)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_chart_has_a_name_and_writes_its_values() {
        let svg = bars(
            "m",
            "Anwesenheit",
            "2 Monate",
            &[
                Bar {
                    label: "März 2026".into(),
                    tenths: 600,
                    value: "60,0 %".into(),
                    detail: None,
                },
                Bar {
                    label: "<b>".into(),
                    tenths: 1000,
                    value: "100,0 %".into(),
                    detail: Some("5 von 5".into()),
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains(r#"role="img""#) && svg.contains(r#"aria-labelledby="m-title m-desc""#)
        );
        assert!(svg.contains("<title id=\"m-title\">Anwesenheit</title>"));
        assert!(
            svg.contains(">60,0 %<") && svg.contains(">März 2026<") && svg.contains(">5 von 5<")
        );
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"), "labels are escaped");
    }

    proptest! {
        /// Bars never leave the plot, whatever the share, and every label is escaped.
        #[test]
        fn bars_stay_inside(tenths in proptest::collection::vec(0u32..2000, 0..14), label in "\\PC{0,12}") {
            let list: Vec<Bar> = tenths
                .iter()
                .map(|t| Bar { label: label.clone(), tenths: *t, value: label.clone(), detail: None })
                .collect();
            let svg = bars("x", &label, &label, &list);
            for part in svg.split("<rect ").skip(1) {
                let y: u32 = part.split("y=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
                prop_assert!((TOP..=TOP + PLOT).contains(&y));
            }
            prop_assert_eq!(svg.matches("<svg").count(), 1);
            prop_assert_eq!(svg.matches("<script").count(), 0);
        }
    }
}
