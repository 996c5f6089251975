//! The contract's JSON report: exactly one JSON document on stdout, nothing else.

use crate::report::model::Report;
use std::io::{self, Write};

/// Beside each finding's `fix` lines, `fixes` gives each line with the variables it sets and the
/// modelled SDK's code (additive to the contract).
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut report = report.clone();
    let forms: Vec<_> = report
        .findings
        .iter()
        .map(|finding| super::fix_forms(&report, finding))
        .collect();
    for (finding, forms) in report.findings.iter_mut().zip(forms) {
        finding.fix_forms = forms;
    }
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}
