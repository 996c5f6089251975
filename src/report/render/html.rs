//! HTML: one self-contained document to attach to a bug report (inline CSS, the charts as inline
//! SVG, no script and nothing fetched). The same order as the other formats: verdict and target,
//! the root cause with its evidence and fix, the layers with the phase waterfall, the settings,
//! then every other finding. Links to the docs are shown as text, never as live links.

use super::format_ms;
use crate::knowledge::dialect::FixForms;
use crate::report::charts::{self, Bar};
use crate::report::finding::Finding;
use crate::report::model::{CheckStatus, Report};
use crate::report::page::{Cell, Page};
use std::io::{self, Write};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    render_with_charts(report, &[], out)
}

/// [`render`] with more charts, each `(name, svg)`, after the layers (`overhead --report`).
pub fn render_with_charts(
    report: &Report,
    extra: &[(&str, String)],
    out: &mut dyn Write,
) -> io::Result<()> {
    let verdict = report.verdict.as_str();
    let mut page = Page::new(&format!("otlp-doctor report: {verdict}"));
    page.heading(1, &format!("otlp-doctor report: {verdict}"), Some(verdict));
    let mut facts = Vec::new();
    if let Some(target) = &report.target {
        facts.push(("target", target.endpoint.clone()));
        facts.push(("protocol", target.protocol.clone()));
        facts.push(("signals", target.signals.join(", ")));
    }
    if let Some(sdk) = &report.sdk {
        facts.push(("sdk", sdk.describe()));
    }
    facts.push((
        "otlp-doctor",
        format!(
            "{}, took {}",
            report.tool_version,
            format_ms(report.duration_ms)
        ),
    ));
    page.facts(&facts);

    if let Some(root) = report.root_cause() {
        page.open("finding error root-cause");
        page.heading(
            2,
            &format!("root cause {} {}", root.code, root.title),
            Some("error"),
        );
        details(report, root, &mut page);
        page.close();
    }

    if !report.checks.is_empty() {
        page.heading(2, "layers", None);
        let rows: Vec<Vec<Cell>> = report
            .checks
            .iter()
            .map(|check| {
                vec![
                    Cell::new(&check.id),
                    Cell::with_class(check.status.as_str(), check.status.as_str()),
                    Cell::new(format_ms(check.duration_ms)),
                    Cell::new(&check.summary),
                ]
            })
            .collect();
        page.table(&["layer", "status", "time", "summary"], &rows);
        // Only a diagnosis of the network path has phases worth a waterfall.
        if report.phases.is_some() {
            let bars = charts::bars("phases", "phases (ms)", "ms", &waterfall(report))?;
            page.chart("phases", &bars);
        }
    }
    for (name, svg) in extra {
        page.chart(name, svg);
    }

    for section in &report.sections {
        page.heading(2, &section.title, None);
        let rows: Vec<Vec<Cell>> = section
            .rows
            .iter()
            .map(|row| {
                vec![
                    Cell::new(&row.key),
                    Cell::new(&row.value),
                    Cell::new(row.source.as_deref().unwrap_or("")),
                ]
            })
            .collect();
        page.table(&["setting", "value", "from"], &rows);
    }

    let others = report.other_findings();
    if !others.is_empty() {
        page.heading(2, "findings", None);
    }
    for finding in others {
        let severity = finding.severity.as_str();
        page.open(&format!("finding {severity}"));
        page.heading(
            3,
            &format!("{severity} {} {}", finding.code, finding.title),
            Some(severity),
        );
        details(report, finding, &mut page);
        page.close();
    }
    if report.findings.is_empty() {
        page.paragraph("No findings.");
    }
    page.write(out)
}

/// Each layer as a bar starting where the one before it ended, in the order they ran; a
/// skipped layer is a muted row of no length.
fn waterfall(report: &Report) -> Vec<Bar> {
    let mut at = 0.0;
    report
        .checks
        .iter()
        .map(|check| {
            let skipped = check.status == CheckStatus::Skip;
            let bar = Bar {
                label: if skipped {
                    format!("{} (skipped)", check.id)
                } else {
                    format!("{} {}", check.id, format_ms(check.duration_ms))
                },
                start: at,
                length: check.duration_ms.max(0.0),
                muted: skipped,
            };
            at += bar.length;
            bar
        })
        .collect()
}

/// Evidence, the fix (with the shell, Kubernetes and SDK forms of a fix that sets variables)
/// and the docs of one finding.
fn details(report: &Report, finding: &Finding, page: &mut Page) {
    page.list("evidence", &finding.evidence);
    let forms = super::fix_forms(report, finding);
    let texts: Vec<String> = forms.iter().map(|f| f.text.clone()).collect();
    page.list("fix", &texts);
    for fix in &forms {
        fix_forms(fix, page);
    }
    page.list("docs", &finding.docs);
}

fn fix_forms(fix: &FixForms, page: &mut Page) {
    if fix.env.is_empty() {
        return;
    }
    page.code("shell:", &fix.shell());
    page.code("kubernetes:", &fix.kubernetes());
    if let Some(code) = &fix.dialect {
        let lines: Vec<String> = code.code.lines().map(str::to_string).collect();
        page.code(&format!("{} ({}):", code.sdk, code.package), &lines);
    }
}
