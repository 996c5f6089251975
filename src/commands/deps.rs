//! `otlp-doctor deps`: reads a Rust project's Cargo.toml and Cargo.lock (offline) and reports
//! OpenTelemetry crate version conflicts, pairings that do not fit, and missing transport or
//! runtime features. A file that cannot be found or parsed is exit 2, naming the file.

use super::CommandError;
use crate::cli::DepsArgs;
use crate::deps::{Diagnosis, Project};
use crate::printer::Printer;
use crate::report::mask::Redactor;
use crate::report::{CheckRecord, ExitStatus, Report};
use std::time::Instant;

pub fn run(args: DepsArgs) -> Result<ExitStatus, CommandError> {
    let started = Instant::now();
    let cwd = std::env::current_dir()?;
    let project = Project::load(args.manifest_path.as_deref(), &cwd)
        .map_err(|error| CommandError::Io(std::io::Error::other(error)))?;
    let diagnosis = project.diagnose();
    let report = deps_report(diagnosis, started.elapsed().as_secs_f64() * 1000.0);
    // Nothing secret is read from Cargo files, so there is nothing to redact.
    Printer::new(args.output.format, Redactor::new()).report(&report)?;
    Ok(ExitStatus::of(&report, args.output.strict))
}

/// The report of `deps`: one check per rule, their findings in rule order, and the sections.
pub fn deps_report(diagnosis: Diagnosis, duration_ms: f64) -> Report {
    let mut checks = Vec::new();
    let mut findings = Vec::new();
    for outcome in diagnosis.outcomes {
        checks.push(CheckRecord {
            id: outcome.id.into(),
            status: outcome.status(),
            // The rules run together over data already in memory; their share of the time
            // is not worth measuring one by one.
            duration_ms: 0.0,
            summary: outcome.summary,
        });
        findings.extend(outcome.findings);
    }
    Report::new(None, checks, findings, duration_ms).with_sections(diagnosis.sections)
}
