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
        self.invalid_value_suggesting(code, variable, problem, fallback, None);
    }

    /// [`Self::invalid_value`] for a value that looks like a typo of `meant`: the title asks
    /// "did you mean" and the first fix sets the intended value.
    pub fn invalid_value_suggesting(
        &mut self,
        code: Code,
        variable: &str,
        problem: &str,
        fallback: &str,
        meant: Option<&str>,
    ) {
        let title = match meant {
            Some(meant) => format!("{variable} is not valid: did you mean '{meant}'?"),
            None => format!("{variable} is not valid"),
        };
        let mut finding = Finding::new(code, Severity::Warning, CONFIG_CHECK, title)
            .evidence(format!("{variable}: {problem}"))
            .evidence(format!("SDKs warn and ignore it, so {fallback} is used"));
        if let Some(meant) = meant {
            finding = finding.fix(
                Fix::new("config.did_you_mean")
                    .with("variable", variable)
                    .with("value", meant),
            );
        }
        self.push(finding.fix(Fix::new("config.valid_value_or_unset").with("variable", variable)));
    }

    /// A value the chosen SDK refuses to start with (`refusal` says who and where): an error,
    /// since nothing is exported at all.
    pub fn refused_value(&mut self, code: Code, variable: &str, problem: &str, refusal: &str) {
        self.push(
            Finding::new(
                code,
                Severity::Error,
                CONFIG_CHECK,
                format!("{variable} is not valid, and the SDK will not start with it"),
            )
            .evidence(format!("{variable}: {problem}"))
            .evidence(refusal.to_string())
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
