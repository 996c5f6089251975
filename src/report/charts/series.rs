//! A series over time: one value per second of a run (throughput, failures), as a filled area
//! under a line.

use super::{ACCENT, FAILURE, FONT, axis_top, svg};
use plotters::prelude::*;

/// What a series counts, which names the chart and picks its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Something that went through (accepted items per second).
    Throughput,
    /// Something that went wrong (failed requests per second).
    Failures,
}

/// `values[i]` is the value of second `i`; `caption` and `unit` name the chart and its axis.
pub fn over_time(
    kind: Kind,
    caption: &str,
    unit: &str,
    values: &[f64],
) -> Result<String, super::ChartError> {
    let color = match kind {
        Kind::Throughput => ACCENT,
        Kind::Failures => FAILURE,
    };
    let chart_name = match kind {
        Kind::Throughput => "throughput",
        Kind::Failures => "failures",
    };
    let seconds = values.len().max(1) as f64;
    let top = axis_top(values.iter().copied().fold(0.0, f64::max));
    // Each second's value is drawn from the start to the end of that second.
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .flat_map(|(second, &value)| [(second as f64, value), (second as f64 + 1.0, value)])
        .collect();
    svg(chart_name, super::SIZE, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, (FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..seconds, 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc("second of the run")
            .y_desc(unit)
            // A short run gets ticks between whole seconds: `0.5`, not a second `0`.
            .x_label_formatter(&|s| {
                if s.fract() == 0.0 {
                    format!("{s:.0}")
                } else {
                    format!("{s:.1}")
                }
            })
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        chart.draw_series(AreaSeries::new(points, 0.0, color.mix(0.25)).border_style(color))?;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
