//! Markdown, ready to paste into a bug report: root cause first, then checks and all findings.

use super::{format_ms, markdown_text};
use crate::knowledge::dialect::FixForms;
use crate::report::finding::Finding;
use crate::report::model::Report;
use std::io::{self, Write};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "## otlp-doctor report: **{}**",
        report.verdict.as_str()
    )?;
    writeln!(out)?;
    if let Some(target) = &report.target {
        writeln!(
            out,
            "- target: `{}` (protocol `{}`, signals {})",
            target.endpoint,
            target.protocol,
            target.signals.join(", ")
        )?;
    }
    if let Some(sdk) = &report.sdk {
        writeln!(out, "- sdk: {}", sdk.describe())?;
    }
    writeln!(
        out,
        "- otlp-doctor {}, took {}",
        report.tool_version,
        format_ms(report.duration_ms)
    )?;
    writeln!(out)?;

    for section in &report.sections {
        writeln!(out, "### {}", section.title)?;
        writeln!(out)?;
        writeln!(out, "| setting | value | from |")?;
        writeln!(out, "|---|---|---|")?;
        for row in &section.rows {
            let source = row.source.as_deref().unwrap_or("");
            writeln!(
                out,
                "| {} | `{}` | {} |",
                cell(&markdown_text(&row.key)),
                cell(&row.value),
                cell(&markdown_text(source))
            )?;
        }
        writeln!(out)?;
    }

    if let Some(root) = report.root_cause() {
        writeln!(
            out,
            "### Root cause: `{}` {}",
            root.code,
            markdown_text(&root.title)
        )?;
        writeln!(out)?;
        write_details(report, root, out)?;
    }

    if !report.checks.is_empty() {
        writeln!(out, "### Checks")?;
        writeln!(out)?;
        writeln!(out, "| check | status | time | summary |")?;
        writeln!(out, "|---|---|---|---|")?;
        for check in &report.checks {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                check.id,
                check.status.as_str(),
                format_ms(check.duration_ms),
                cell(&markdown_text(&check.summary))
            )?;
        }
        writeln!(out)?;
    }

    let others = report.other_findings();
    if !others.is_empty() {
        writeln!(out, "### Findings")?;
        writeln!(out)?;
        for finding in others {
            writeln!(
                out,
                "#### {} `{}` {}",
                finding.severity.as_str(),
                finding.code,
                markdown_text(&finding.title)
            )?;
            writeln!(out)?;
            write_details(report, finding, out)?;
        }
    }
    if report.findings.is_empty() {
        writeln!(out, "No findings.")?;
    }
    Ok(())
}

fn write_details(report: &Report, finding: &Finding, out: &mut dyn Write) -> io::Result<()> {
    for (label, lines, is_prose) in [
        ("Evidence", &finding.evidence, true),
        ("Fix", &finding.fix, true),
        ("Docs", &finding.docs, false),
    ] {
        if lines.is_empty() {
            continue;
        }
        writeln!(out, "**{label}**")?;
        writeln!(out)?;
        if label == "Fix" {
            for fix in super::fix_forms(report, finding) {
                writeln!(out, "- {}", markdown_text(&fix.text))?;
                write_fix_forms(&fix, out)?;
            }
        } else {
            for line in lines {
                if is_prose {
                    writeln!(out, "- {}", markdown_text(line))?;
                } else {
                    writeln!(out, "- {line}")?;
                }
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Under a fix that sets variables, indented into its list item: the shell lines, the
/// Kubernetes `env:` list and the modelled SDK's code, each as a fenced block.
fn write_fix_forms(fix: &FixForms, out: &mut dyn Write) -> io::Result<()> {
    if fix.env.is_empty() {
        return Ok(());
    }
    let mut blocks = vec![
        ("shell", "sh".to_string(), fix.shell()),
        ("Kubernetes", "yaml".to_string(), fix.kubernetes()),
    ];
    let label;
    if let Some(code) = &fix.dialect {
        label = format!("{} ({})", code.sdk, markdown_text(&code.package));
        blocks.push((
            label.as_str(),
            code.lang.clone(),
            code.code.lines().map(str::to_string).collect(),
        ));
    }
    for (label, lang, lines) in blocks {
        writeln!(out)?;
        writeln!(out, "  {label}:")?;
        writeln!(out)?;
        writeln!(out, "  ```{lang}")?;
        for line in lines {
            writeln!(out, "{}", format!("  {line}").trim_end())?;
        }
        writeln!(out, "  ```")?;
    }
    Ok(())
}

/// Keeps a value inside its table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
