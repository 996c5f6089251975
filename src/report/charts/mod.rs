//! Pictures of plain data, drawn with `plotters`: each chart takes numbers (latency buckets, a
//! per-second series, labelled bars) and returns one `<svg>` element as a string, ready to
//! inline into a self-contained HTML report; [`terminal`] draws the latency histogram as a few
//! lines of Unicode bars instead. Charts know nothing of what was measured: the commands' own
//! modules turn their measurements into these inputs.
//!
//! plotters is built without a font backend: its SVG backend writes text as `<text>` elements
//! (the browser lays them out) and sizes labels with a built-in estimate, so no font file is
//! read, embedded or needed.

mod bars;
mod histogram;
mod series;
pub mod terminal;

pub use bars::{Bar, bars};
pub use histogram::{Bucket, latency};
pub use series::{Kind, over_time};

use plotters::prelude::*;

/// Width and height of a chart, in SVG pixels (the page scales them to its width).
const SIZE: (u32, u32) = (720, 280);
/// The font family SVG text asks the browser for.
const FONT: &str = "sans-serif";
/// Bars and areas: the page's accent blue; failures: red.
const ACCENT: RGBColor = RGBColor(0x2f, 0x6f, 0xb3);
const FAILURE: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
const MUTED: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// A chart could not be drawn (plotters refused the data or the backend failed).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the {chart} chart: {reason}")]
pub struct ChartError {
    chart: &'static str,
    reason: String,
}

impl From<ChartError> for std::io::Error {
    fn from(error: ChartError) -> Self {
        std::io::Error::other(error)
    }
}

/// Runs `draw` on a fresh SVG canvas of `size` and returns the finished `<svg>` element.
fn svg<E: std::fmt::Display>(
    chart: &'static str,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), E>,
) -> Result<String, ChartError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(&root).map_err(|e| e.to_string()))
            .and_then(|()| root.present().map_err(|e| e.to_string()));
        drawn.map_err(|reason| ChartError { chart, reason })?;
    }
    Ok(out)
}

/// The top of a value axis: a little above the largest value, and never an empty range.
fn axis_top(largest: f64) -> f64 {
    if largest.is_finite() && largest > 0.0 {
        largest * 1.1
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests;
