//! The latency histogram: request counts per latency bucket, on a logarithmic time axis
//! (latencies spread over orders of magnitude; a linear axis hides everything but the tail).

use super::{ACCENT, FONT, axis_top, svg};
use plotters::prelude::*;

/// Requests whose latency fell in `[low_ms, high_ms)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub low_ms: f64,
    pub high_ms: f64,
    pub count: u64,
}

/// The histogram of `buckets` (in order, non-empty ranges) as an `<svg>` element; an empty
/// list draws the axes only.
pub fn latency(buckets: &[Bucket]) -> Result<String, super::ChartError> {
    let low = buckets
        .iter()
        .map(|b| b.low_ms)
        .fold(f64::INFINITY, f64::min);
    let high = buckets.iter().map(|b| b.high_ms).fold(0.0, f64::max);
    let (low, high) = if low.is_finite() && low > 0.0 && high > low {
        (low, high)
    } else {
        (0.1, 10.0)
    };
    let top = axis_top(buckets.iter().map(|b| b.count).max().unwrap_or(0) as f64);
    svg("latency", super::SIZE, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("latency distribution", (FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((low..high).log_scale(), 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc("latency (ms)")
            .y_desc("requests")
            .x_label_formatter(&|ms| short(*ms))
            .y_label_formatter(&|count| format!("{count:.0}"))
            .draw()?;
        chart.draw_series(buckets.iter().filter(|b| b.count > 0).map(|b| {
            Rectangle::new(
                [(b.low_ms, 0.0), (b.high_ms, b.count as f64)],
                ACCENT.mix(0.8).filled(),
            )
        }))?;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}

/// An axis label: `0.25`, `3.2`, `120`.
fn short(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 1.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}
