//! Horizontal bars on a shared axis, one labelled row each: a waterfall when each bar starts
//! where the one before ended (the phases of a check), plain bars when all start at zero (cost
//! per span of each `overhead` setting).

use super::{ACCENT, FONT, MUTED, axis_top, svg};
use plotters::prelude::*;

/// One row: `label`, drawn from `start` to `start + length` (in the chart's unit).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub start: f64,
    pub length: f64,
    /// Drawn muted: a skipped layer, a baseline.
    pub muted: bool,
}

/// Pixels per row, so that many rows still read.
const ROW_HEIGHT: u32 = 28;
/// Room left of the axis for the labels.
const LABEL_WIDTH: u32 = 220;

/// The bars as an `<svg>` element named `chart_name` (for the error message), with `caption` above
/// and `unit` under the value axis.
pub fn bars(
    chart_name: &'static str,
    caption: &str,
    unit: &str,
    rows: &[Bar],
) -> Result<String, super::ChartError> {
    let end = rows.iter().map(|b| b.start + b.length).fold(0.0, f64::max);
    let right = axis_top(end);
    let count = rows.len().max(1);
    let height = 90 + ROW_HEIGHT * count as u32;
    let labels: Vec<String> = rows.iter().map(|b| b.label.clone()).collect();
    svg(chart_name, (super::SIZE.0, height), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, (FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(LABEL_WIDTH)
            // An integer range includes its end: `0..count - 1` is `count` segments.
            .build_cartesian_2d(0.0..right, (0..count - 1).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(unit)
            .y_labels(count)
            .y_label_formatter(&|row| match row {
                SegmentValue::CenterOf(index) => labels
                    .get(labels.len().wrapping_sub(index + 1))
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_formatter(&|v| format!("{v:.1}"))
            .draw()?;
        // The first row at the top: row i is drawn in segment count-1-i.
        chart.draw_series(rows.iter().enumerate().map(|(index, bar)| {
            let segment = count - 1 - index;
            let color = if bar.muted { MUTED } else { ACCENT };
            let mut rect = Rectangle::new(
                [
                    (bar.start, SegmentValue::Exact(segment)),
                    (bar.start + bar.length, SegmentValue::Exact(segment + 1)),
                ],
                color.filled(),
            );
            rect.set_margin(4, 4, 0, 0);
            rect
        }))?;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
