//! Renderers: one report model, four formats (human, json, markdown, html), each writing into any `Write` so that each can be
//! snapshot-tested. The format is chosen once, by the printer.

pub mod explain;
mod html;
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
    /// One self-contained HTML document (inline CSS and SVG charts), for the report commands.
    Html,
}

/// Writes the report in the given format; `color` only matters for `human`.
pub fn render(report: &Report, format: Format, color: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, color, out),
        Format::Json => json::render(report, out),
        Format::Markdown => markdown::render(report, out),
        Format::Html => html::render(report, out),
    }
}

/// The HTML document of `report` with more charts after its layers, each `(name, svg)`: the
/// name becomes the `data-chart` of the chart's figure.
pub fn html_with_charts(
    report: &Report,
    charts: &[(&str, String)],
    out: &mut dyn Write,
) -> io::Result<()> {
    html::render_with_charts(report, charts, out)
}

/// What a renderer without an HTML form (`explain`, `scan`) returns for [`Format::Html`]; their
/// commands refuse `--format html` before running (see [`Format::refused_by`]), so no one sees it.
pub(crate) fn no_html(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("{what} has no html format"),
    )
}

impl Format {
    /// The message that refuses `--format html` for a command whose output is not a report
    /// (`explain`, `scan`), `None` for any other format.
    pub fn refused_by(self, command: &str) -> Option<String> {
        (self == Format::Html).then(|| {
            format!("--format html is not available for {command}: use human, json or markdown")
        })
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
