//! The result of one layer of a check (DNS, TCP, ... or a collector surface): status, one-line
//! summary, findings and how long it took; it becomes the report's `CheckRecord`.

use crate::report::{CheckRecord, CheckStatus, Finding};
use std::time::Duration;

#[derive(Debug)]
pub struct Layer {
    pub id: &'static str,
    pub status: CheckStatus,
    pub summary: String,
    pub findings: Vec<Finding>,
    pub duration: Duration,
}

impl Layer {
    /// A layer whose status follows from its findings: fail on an error, warn on a warning.
    pub fn from_findings(
        id: &'static str,
        summary: impl Into<String>,
        findings: Vec<Finding>,
        duration: Duration,
    ) -> Self {
        let status = CheckStatus::of(&findings);
        Layer {
            id,
            status,
            summary: summary.into(),
            findings,
            duration,
        }
    }

    /// A layer that did not run because an earlier one failed.
    pub fn skipped(id: &'static str, because: &str) -> Self {
        Layer {
            id,
            status: CheckStatus::Skip,
            summary: format!("skipped: {because}"),
            findings: Vec::new(),
            duration: Duration::ZERO,
        }
    }

    pub fn failed(&self) -> bool {
        self.status == CheckStatus::Fail
    }

    pub fn record(&self) -> CheckRecord {
        CheckRecord {
            id: self.id.to_string(),
            status: self.status,
            duration_ms: self.duration.as_secs_f64() * 1000.0,
            summary: self.summary.clone(),
        }
    }
}

/// `0.4 ms` style, for evidence lines.
pub fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
