//! [`Outcome`]: how a command that could do its job ended, and the one place its exit status
//! is decided (0 nothing wrong, 1 something wrong; 2, could not run, is a `CommandError`).

use crate::report::{ExitStatus, Report};

/// How a command ended when it could do its job.
#[derive(Debug)]
pub enum Outcome {
    /// A report was printed: exit 1 when it holds an error, or with `--strict` a warning.
    Report { report: Box<Report>, strict: bool },
    /// `load` printed its summary: exit 1 when any request failed.
    Load { any_failed: bool },
    /// A command that judges nothing (`serve`, `explain`, `probe-server`) ran to its end.
    Done,
}

impl Outcome {
    /// A printed report, judged with or without `--strict`.
    pub fn report(report: Report, strict: bool) -> Outcome {
        Outcome::Report {
            report: Box::new(report),
            strict,
        }
    }

    /// The exit status of this outcome.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Outcome::Report { report, strict } => ExitStatus::of(report, *strict),
            Outcome::Load { any_failed: true } => ExitStatus::Findings,
            Outcome::Load { any_failed: false } | Outcome::Done => ExitStatus::Success,
        }
    }
}
