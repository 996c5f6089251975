//! `otlp-doctor deps`: reads a Rust project's Cargo.toml and Cargo.lock (offline) and reports
//! OpenTelemetry crate version conflicts, pairings that do not fit, and missing transport or
//! runtime features. A file that cannot be found or parsed is exit 2, naming the file.

use super::{CommandError, CommandSettings, Outcome};
use crate::cli::DepsArgs;
use crate::deps::{Diagnosis, Project};
use crate::printer::Printer;
use crate::report::mask::Redactor;
use crate::report::render::Format;
use crate::report::{CheckRecord, Report};
use std::path::PathBuf;
use std::time::Instant;

/// What `deps` runs on.
pub struct Settings {
    /// `--manifest-path`, or the nearest Cargo.toml from the current directory up.
    pub manifest_path: Option<PathBuf>,
    pub format: Format,
    pub strict: bool,
}

impl CommandSettings for Settings {
    /// Nothing secret is read from Cargo files, so there is nothing to redact.
    fn printer(&self) -> Printer {
        Printer::new(self.format, Redactor::new())
    }
}

pub fn settings(args: DepsArgs) -> Settings {
    Settings {
        manifest_path: args.manifest_path,
        format: args.output.format,
        strict: args.output.strict,
    }
}

/// Reads the project, runs the rules and prints the report; a file that cannot be read or
/// parsed is an error naming it.
pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    let started = Instant::now();
    let cwd = std::env::current_dir()?;
    let project = Project::load(settings.manifest_path.as_deref(), &cwd)
        .map_err(|error| CommandError::Io(std::io::Error::other(error)))?;
    let diagnosis = project.diagnose();
    let report = deps_report(diagnosis, started.elapsed().as_secs_f64() * 1000.0);
    printer.report(&report)?;
    Ok(Outcome::report(report, settings.strict))
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
