//! A finding: one thing the tool observed, as plain data (code, severity, evidence, fix).

use super::code::Code;
use crate::knowledge::dialect::FixForms;
use crate::knowledge::fix::Fix;
use serde::Serialize;

/// How much a finding matters. The order is the order of importance: errors first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Telemetry does not arrive (or will not) because of this.
    Error,
    /// Telemetry arrives, but something is wrong or about to break.
    Warning,
    /// Worth knowing; changes nothing about the verdict.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One observation with its code, the evidence behind it and what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The id of the check that produced it (`config`, `dns`, `tcp`, `tls`, ...).
    pub check: String,
    pub title: String,
    /// The signal the finding is about (`traces`, `metrics`, `logs`), when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// The endpoint the finding is about, as configured, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub evidence: Vec<String>,
    /// The fix lines as users read them, rendered once from [`Finding::fixes`].
    pub fix: Vec<String>,
    pub docs: Vec<String>,
    /// The knowledge base fixes behind [`Finding::fix`], one per line, with their parameters.
    #[serde(skip)]
    pub fixes: Vec<Fix>,
    /// [`Finding::fixes`] with the variables they set and the modelled SDK's code, as JSON
    /// shows them (`fixes`); filled by the JSON renderer, which knows the report's SDK.
    #[serde(rename = "fixes", skip_serializing_if = "Vec::is_empty")]
    pub fix_forms: Vec<FixForms>,
}

impl Finding {
    /// Starts a finding; the docs link to the knowledge base entry is added by the report.
    pub fn new(code: Code, severity: Severity, check: &str, title: impl Into<String>) -> Self {
        Finding {
            code,
            severity,
            check: check.to_string(),
            title: title.into(),
            signal: None,
            endpoint: None,
            evidence: Vec::new(),
            fix: Vec::new(),
            docs: Vec::new(),
            fixes: Vec::new(),
            fix_forms: Vec::new(),
        }
    }

    /// Gives the finding the knowledge base's links when its check did not name any.
    pub fn add_docs_link(&mut self) {
        if self.docs.is_empty()
            && let Some(entry) = crate::knowledge::entry(self.code)
        {
            self.docs.extend(entry.docs.iter().take(2).cloned());
        }
    }

    /// Names the signal the finding is about, unless a check already named one.
    pub fn about_signal(&mut self, signal: &str) {
        self.signal.get_or_insert_with(|| signal.to_string());
    }

    /// Names the endpoint the finding is about, unless a check already named one.
    pub fn about_endpoint(&mut self, endpoint: &str) {
        self.endpoint.get_or_insert_with(|| endpoint.to_string());
    }

    pub fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    /// Adds a fix from the knowledge base, rendered into a line of [`Finding::fix`].
    pub fn fix(mut self, fix: Fix) -> Self {
        self.push_fix(fix);
        self
    }

    pub fn push_fix(&mut self, fix: Fix) {
        self.fix.push(fix.text());
        self.fixes.push(fix);
    }

    /// Puts `fix` before the others: it is what to do first.
    pub fn prepend_fix(&mut self, fix: Fix) {
        self.fix.insert(0, fix.text());
        self.fixes.insert(0, fix);
    }

    /// Replaces every fix with `fixes`, when a later check knows better what to do.
    pub fn replace_fixes(&mut self, fixes: impl IntoIterator<Item = Fix>) {
        self.fix.clear();
        self.fixes.clear();
        fixes.into_iter().for_each(|fix| self.push_fix(fix));
    }

    pub fn doc(mut self, url: impl Into<String>) -> Self {
        self.docs.push(url.into());
        self
    }

    /// Demotes a finding that merely follows from an earlier root cause.
    pub fn as_consequence(mut self) -> Self {
        self.severity = Severity::Info;
        self
    }
}
