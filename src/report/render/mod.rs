//! Renderers: one report model, three formats, each writing into any `Write` so that each can be
//! snapshot-tested. The format is chosen once, by the printer.

pub mod explain;
mod human;
mod json;
mod markdown;
pub mod palette;

use super::model::Report;
use std::io::{self, Write};

/// Output format of a report (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

/// Writes the report in the given format; `color` only matters for `human`.
pub fn render(report: &Report, format: Format, color: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, color, out),
        Format::Json => json::render(report, out),
        Format::Markdown => markdown::render(report, out),
    }
}

/// `12.3 ms` below a second, `1.23 s` above.
/// Text for Markdown prose: a placeholder such as `<token>` would otherwise be read as an HTML
/// tag and vanish from the rendered page.
pub(crate) fn markdown_text(text: &str) -> String {
    text.replace('<', "\\<").replace('>', "\\>")
}

pub(crate) fn format_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}

#[cfg(test)]
mod tests;
