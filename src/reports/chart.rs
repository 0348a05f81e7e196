//! Server-side SVG charts (plotters), with the certificate font for labels so the output
//! does not depend on fonts installed on the server.

use std::sync::Once;

use plotters::prelude::*;

use super::service::MonthFigures;
use crate::error::{AppError, AppResult};
use crate::i18n;

static FONT: Once = Once::new();

pub(crate) fn register_font() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../fonts/NotoSans-Regular.ttf");
        if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_err() {
            tracing::error!("chart font could not be registered");
        }
    });
}

/// Charts are drawn for the report pages, in German.
fn word(key: &str) -> String {
    i18n::text(i18n::DEFAULT_LANG, key)
}

/// Attendance and no-show rate per month, in percent.
pub fn attendance_by_month(months: &[MonthFigures]) -> AppResult<String> {
    register_font();
    let mut svg = String::new();
    {
        let err = |e: String| AppError::Internal(anyhow::anyhow!("chart: {e}"));
        let root = SVGBackend::with_string(&mut svg, (720, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let n = months.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(48)
            .build_cartesian_2d(0..n, 0u32..100u32)
            .map_err(|e| err(e.to_string()))?;
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .x_label_formatter(&|i| months.get(*i).map(|m| m.month.clone()).unwrap_or_default())
            .y_desc("%")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let green = RGBColor(0, 112, 60);
        let red = RGBColor(212, 53, 28);
        chart
            .draw_series(LineSeries::new(
                months.iter().enumerate().map(|(i, m)| (i, m.attendance_percent)),
                green.stroke_width(3),
            ))
            .map_err(|e| err(e.to_string()))?
            .label(word("reports.percent"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], green.stroke_width(3))
            });
        chart
            .draw_series(LineSeries::new(
                months.iter().enumerate().map(|(i, m)| (i, m.no_show_percent)),
                red.stroke_width(3),
            ))
            .map_err(|e| err(e.to_string()))?
            .label(word("reports.chart_no_shows"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], red.stroke_width(3)));
        chart
            .draw_series(
                months
                    .iter()
                    .enumerate()
                    .map(|(i, m)| Circle::new((i, m.attendance_percent), 4, green.filled())),
            )
            .map_err(|e| err(e.to_string()))?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}
