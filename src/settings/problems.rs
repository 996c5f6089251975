//! Problems found while resolving configuration, collected as `config` findings. A generic
//! variable is read once per signal, so the same problem is recorded only once.

use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};

pub const CONFIG_CHECK: &str = "config";

#[derive(Debug, Default, Clone)]
pub struct Problems {
    findings: Vec<Finding>,
}

impl Problems {
    pub fn push(&mut self, finding: Finding) {
        let seen = self.findings.iter().any(|f| {
            f.code == finding.code && f.title == finding.title && f.evidence == finding.evidence
        });
        if !seen {
            self.findings.push(finding);
        }
    }

    /// A malformed value the SDK ignores: a warning naming the variable, what is wrong and the
    /// value the SDK falls back to.
    pub fn invalid_value(&mut self, code: Code, variable: &str, problem: &str, fallback: &str) {
        self.push(
            Finding::new(
                code,
                Severity::Warning,
                CONFIG_CHECK,
                format!("{variable} is not valid"),
            )
            .evidence(format!("{variable}: {problem}"))
            .evidence(format!("SDKs warn and ignore it, so {fallback} is used"))
            .fix(Fix::new("config.valid_value_or_unset").with("variable", variable)),
        );
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
}
