//! Renderers: one report model, three formats, each writing into any `Write` so that each can be
//! snapshot-tested. The format is chosen once, by the printer.

pub mod explain;
mod human;
mod json;
mod markdown;
pub mod palette;

use super::finding::Finding;
use super::model::Report;
use crate::knowledge::dialect::{self, FixForms};
use crate::sdk_model::Sdk;
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

/// The fixes of `finding` in every form, for the SDK the report modelled (none: the
/// specification, or nothing detected) and the protocol it diagnosed. A line added without a
/// knowledge base fix keeps its text only.
pub(crate) fn fix_forms(report: &Report, finding: &Finding) -> Vec<FixForms> {
    let sdk: Option<Sdk> = report.sdk.as_ref().and_then(|sdk| sdk.name.parse().ok());
    let protocol = report.target.as_ref().map(|t| t.protocol.as_str());
    finding
        .fix
        .iter()
        .enumerate()
        .map(|(i, line)| match finding.fixes.get(i) {
            Some(fix) if fix.text() == *line => dialect::forms(fix, sdk, protocol),
            _ => FixForms::text_only(line),
        })
        .collect()
}

/// Text for Markdown prose: a placeholder such as `<token>` would otherwise be read as an HTML
/// tag and vanish from the rendered page.
pub(crate) fn markdown_text(text: &str) -> String {
    text.replace('<', "\\<").replace('>', "\\>")
}

/// `12.3 ms` below a second, `1.23 s` above.
pub(crate) fn format_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}

#[cfg(test)]
mod tests;
