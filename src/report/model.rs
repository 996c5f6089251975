//! The report: what was checked, what was found, and the verdict, as serializable data
//! following the `otlp-doctor/report/v1` schema of the contract.

use super::finding::{Finding, Severity};
use super::phases::Phases;
use super::section::Section;
use super::trace::TraceEvent;
use serde::Serialize;

pub const REPORT_SCHEMA: &str = "otlp-doctor/report/v1";

/// Overall state of the export path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Healthy,
    Degraded,
    Broken,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Healthy => "healthy",
            Verdict::Degraded => "degraded",
            Verdict::Broken => "broken",
        }
    }
}

/// Outcome of one check (one layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl CheckStatus {
    /// The status findings give a layer: `Fail` with any error, else `Warn` with any warning,
    /// else `Pass`.
    pub fn of(findings: &[Finding]) -> Self {
        if findings.iter().any(|f| f.severity == Severity::Error) {
            CheckStatus::Fail
        } else if findings.iter().any(|f| f.severity == Severity::Warning) {
            CheckStatus::Warn
        } else {
            CheckStatus::Pass
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
            CheckStatus::Skip => "skip",
        }
    }
}

/// One layer's line in the report: `{"id": "tcp", "status": "pass", ...}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckRecord {
    pub id: String,
    pub status: CheckStatus,
    pub duration_ms: f64,
    pub summary: String,
}

/// What was diagnosed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSummary {
    pub endpoint: String,
    pub protocol: String,
    pub signals: Vec<String>,
}

/// The SDK whose behaviour the diagnosis modelled, and what chose it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdkSummary {
    /// `rust`, `python`, `go`, `java`, `node` or `dotnet`.
    pub name: String,
    /// The release the model describes, e.g. `1.45.2`.
    pub release: String,
    /// `--sdk`, `OTEL_DOCTOR_SDK`, or the manifest it was detected from (`./pyproject.toml`).
    pub from: String,
}

impl SdkSummary {
    /// `python 1.45.2, from ./pyproject.toml`.
    pub fn describe(&self) -> String {
        format!("{} {}, from {}", self.name, self.release, self.from)
    }
}

/// A complete diagnosis. Findings are kept most important first. In JSON it also carries
/// `root_cause`, computed from the findings (see [`Report::root_cause`]) so it never disagrees
/// with them.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub schema: &'static str,
    pub tool_version: &'static str,
    pub target: Option<TargetSummary>,
    /// The SDK modelled; absent when the specification's ideal client was.
    pub sdk: Option<SdkSummary>,
    pub verdict: Verdict,
    pub duration_ms: f64,
    /// The trace id of the probe spans sent (`check`, `send`), so a script can look the trace
    /// up in its backend; absent when no traces export was attempted.
    pub trace_id: Option<String>,
    pub checks: Vec<CheckRecord>,
    pub findings: Vec<Finding>,
    /// Seconds per phase of the first endpoint (dns, connect, tls, first_byte, export); absent
    /// for reports without network layers.
    pub phases: Option<Phases>,
    /// The wire trace of `-v`; absent without it.
    pub trace: Vec<TraceEvent>,
    /// Command-specific details (e.g. the resolved configuration for `env`); an extension of the
    /// contract's schema, absent when a command has none.
    pub sections: Vec<Section>,
}

/// The JSON shape of a [`Report`], in the contract's field order.
#[derive(Serialize)]
struct ReportJson<'a> {
    schema: &'static str,
    tool_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a TargetSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sdk: Option<&'a SdkSummary>,
    verdict: Verdict,
    duration_ms: f64,
    /// Always present: the first error finding, or `null` when nothing is broken.
    root_cause: Option<&'a Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_id: Option<&'a str>,
    checks: &'a [CheckRecord],
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "Option::is_none")]
    phases: Option<&'a Phases>,
    #[serde(skip_serializing_if = "<[TraceEvent]>::is_empty")]
    trace: &'a [TraceEvent],
    #[serde(skip_serializing_if = "<[Section]>::is_empty")]
    sections: &'a [Section],
}

impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ReportJson {
            schema: self.schema,
            tool_version: self.tool_version,
            target: self.target.as_ref(),
            sdk: self.sdk.as_ref(),
            verdict: self.verdict,
            duration_ms: self.duration_ms,
            root_cause: self.root_cause(),
            trace_id: self.trace_id.as_deref(),
            checks: &self.checks,
            findings: &self.findings,
            phases: self.phases.as_ref(),
            trace: &self.trace,
            sections: &self.sections,
        }
        .serialize(serializer)
    }
}

impl Report {
    /// Builds a report, ordering findings by severity while keeping each severity's findings in
    /// the order the checks produced them (layer order: the earliest layer is the root cause).
    pub fn new(
        target: Option<TargetSummary>,
        checks: Vec<CheckRecord>,
        mut findings: Vec<Finding>,
        duration_ms: f64,
    ) -> Self {
        findings.sort_by_key(|finding| finding.severity);
        for finding in &mut findings {
            finding.add_docs_link();
        }
        let verdict = verdict_of(&findings);
        Report {
            schema: REPORT_SCHEMA,
            tool_version: env!("CARGO_PKG_VERSION"),
            target,
            sdk: None,
            verdict,
            duration_ms,
            phases: Phases::from_checks(&checks),
            trace: Vec::new(),
            trace_id: None,
            checks,
            findings,
            sections: Vec::new(),
        }
    }

    /// Adds the layers and findings of optional checks run after the main ones, keeping the
    /// order (by severity, then as produced) and the verdict right.
    pub fn extend(&mut self, checks: Vec<CheckRecord>, findings: Vec<Finding>, duration_ms: f64) {
        self.checks.extend(checks);
        for mut finding in findings {
            finding.add_docs_link();
            self.findings.push(finding);
        }
        self.findings.sort_by_key(|finding| finding.severity);
        self.verdict = verdict_of(&self.findings);
        self.duration_ms += duration_ms;
    }

    pub fn with_sdk(mut self, sdk: Option<SdkSummary>) -> Self {
        self.sdk = sdk;
        self
    }

    pub fn with_sections(mut self, sections: Vec<Section>) -> Self {
        self.sections = sections;
        self
    }

    /// The root cause: the first error finding, if any.
    pub fn root_cause(&self) -> Option<&Finding> {
        self.findings.iter().find(|f| f.severity == Severity::Error)
    }

    /// Every finding but the root cause, in order: what the renderers list after it.
    pub fn other_findings(&self) -> Vec<&Finding> {
        let root = self.root_cause();
        self.findings.iter().filter(|f| Some(*f) != root).collect()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

fn verdict_of(findings: &[Finding]) -> Verdict {
    if findings.iter().any(|f| f.severity == Severity::Error) {
        Verdict::Broken
    } else if findings.iter().any(|f| f.severity == Severity::Warning) {
        Verdict::Degraded
    } else {
        Verdict::Healthy
    }
}
