//! The process exit status, decided in one place from a report (contract: 0, 1, 2).

use super::finding::Severity;
use super::model::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// No finding of severity error.
    Success = 0,
    /// At least one error (with `--strict`, also any warning).
    Findings = 1,
    /// The tool could not run: bad arguments, unreadable file.
    CouldNotRun = 2,
}

impl ExitStatus {
    pub fn of(report: &Report, strict: bool) -> Self {
        let failing =
            report.count(Severity::Error) > 0 || (strict && report.count(Severity::Warning) > 0);
        if failing {
            ExitStatus::Findings
        } else {
            ExitStatus::Success
        }
    }

    pub fn code(self) -> u8 {
        self as u8
    }
}
