//! Human output: readable at a glance. The verdict and the root cause come first with evidence
//! and fix, then the checks layer by layer, then any other findings. Colour only when asked.

use super::format_ms;
use super::palette::Palette;
use crate::knowledge::dialect::FixForms;
use crate::report::finding::{Finding, Severity};
use crate::report::model::{CheckStatus, Report, Verdict};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

pub fn render(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let palette = Palette::new(color);

    if let Some(target) = &report.target {
        writeln!(
            out,
            "{} {} {}",
            palette.bold("target"),
            target.endpoint,
            palette.dim(&format!(
                "({}, {})",
                target.protocol,
                target.signals.join(",")
            ))
        )?;
        writeln!(out)?;
    }

    if let Some(sdk) = &report.sdk {
        writeln!(out, "{} {}", palette.bold("sdk"), sdk.describe())?;
        writeln!(out)?;
    }

    for section in &report.sections {
        writeln!(out, "{}", palette.bold(&section.title))?;
        let width = section.rows.iter().map(|r| r.key.len()).max().unwrap_or(0);
        for row in &section.rows {
            let source = row
                .source
                .as_deref()
                .map(|s| palette.dim(&format!("  ({s})")))
                .unwrap_or_default();
            writeln!(out, "  {:width$}  {}{}", row.key, row.value, source)?;
        }
        writeln!(out)?;
    }

    if let Some(root) = report.root_cause() {
        writeln!(
            out,
            "{} {} {}",
            palette.severity(Severity::Error, "✗ root cause"),
            palette.bold(root.code.as_str()),
            root.title
        )?;
        write_details(report, root, &palette, out)?;
        writeln!(out)?;
    }

    if !report.checks.is_empty() {
        writeln!(out, "{}", palette.bold("checks"))?;
        let width = report.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
        for check in &report.checks {
            let (mark, severity) = match check.status {
                CheckStatus::Pass => ("✓", None),
                CheckStatus::Warn => ("!", Some(Severity::Warning)),
                CheckStatus::Fail => ("✗", Some(Severity::Error)),
                CheckStatus::Skip => ("-", None),
            };
            let mark = match severity {
                Some(severity) => palette.severity(severity, mark),
                None if check.status == CheckStatus::Skip => palette.dim(mark),
                None => palette.paint(Style::new().fg_color(Some(AnsiColor::Green.into())), mark),
            };
            writeln!(
                out,
                "  {mark} {:width$}  {}  {}",
                check.id,
                check.summary,
                palette.dim(&format_ms(check.duration_ms))
            )?;
        }
        if let Some(phases) = &report.phases {
            writeln!(out, "  {}", palette.dim(&waterfall(phases)))?;
        }
        writeln!(out)?;
    }

    let others = report.other_findings();
    for finding in &others {
        let label = match finding.severity {
            Severity::Error => "✗ error",
            Severity::Warning => "! warning",
            Severity::Info => "i info",
        };
        writeln!(
            out,
            "{} {} {}",
            palette.severity(finding.severity, label),
            palette.bold(finding.code.as_str()),
            finding.title
        )?;
        if finding.severity == Severity::Info {
            // Notes stay one line (plus evidence): they change nothing, so no fix or links.
            for line in &finding.evidence {
                writeln!(out, "    {} {line}", palette.dim("evidence:"))?;
            }
        } else {
            write_details(report, finding, &palette, out)?;
            writeln!(out)?;
        }
    }
    if others.last().is_some_and(|f| f.severity == Severity::Info) {
        writeln!(out)?;
    }

    let verdict = match report.verdict {
        Verdict::Healthy => palette.paint(
            Style::new().fg_color(Some(AnsiColor::Green.into())).bold(),
            "healthy",
        ),
        Verdict::Degraded => palette.severity(Severity::Warning, "degraded"),
        Verdict::Broken => palette.severity(Severity::Error, "broken"),
    };
    writeln!(
        out,
        "verdict: {verdict} ({} errors, {} warnings, {} notes) in {}",
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
        format_ms(report.duration_ms)
    )
}

fn write_details(
    report: &Report,
    finding: &Finding,
    palette: &Palette,
    out: &mut dyn Write,
) -> io::Result<()> {
    for line in &finding.evidence {
        writeln!(out, "    {} {line}", palette.dim("evidence:"))?;
    }
    for fix in super::fix_forms(report, finding) {
        writeln!(out, "    {} {}", palette.bold("fix:"), fix.text)?;
        write_fix_forms(&fix, palette, out)?;
    }
    for line in &finding.docs {
        writeln!(out, "    {} {line}", palette.dim("docs:"))?;
    }
    Ok(())
}

/// `phases: dns 0.0 ms → connect 0.4 ms → first_byte 1.7 ms → export 2.1 ms`.
fn waterfall(phases: &crate::report::phases::Phases) -> String {
    let steps: Vec<String> = phases
        .ran()
        .iter()
        .map(|(name, seconds)| format!("{name} {}", format_ms(seconds * 1000.0)))
        .collect();
    format!("phases: {}", steps.join(" → "))
}

/// Under a fix line that sets variables: the shell lines, the Kubernetes `env:` list and the
/// modelled SDK's code, each under its label.
fn write_fix_forms(fix: &FixForms, palette: &Palette, out: &mut dyn Write) -> io::Result<()> {
    if fix.env.is_empty() {
        return Ok(());
    }
    let mut blocks = vec![
        ("shell".to_string(), fix.shell()),
        ("kubernetes".to_string(), fix.kubernetes()),
    ];
    if let Some(code) = &fix.dialect {
        blocks.push((
            format!("{} ({})", code.sdk, code.package),
            code.code.lines().map(str::to_string).collect(),
        ));
    }
    for (label, lines) in blocks {
        writeln!(out, "         {}", palette.dim(&format!("{label}:")))?;
        for line in lines {
            writeln!(out, "{}", format!("           {line}").trim_end())?;
        }
    }
    Ok(())
}
