//! [`CommandError`]: the tool could not do its job (exit 2), as opposed to findings about the
//! target, which are data in a report.

use std::path::PathBuf;

/// The tool could not do its job (as opposed to findings about the target).
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("cannot read {flag} file '{path}': {reason}")]
    UnreadableFile {
        flag: &'static str,
        path: PathBuf,
        reason: String,
    },
    /// A file the command line asked for (`--report`) cannot be written.
    #[error("cannot write {flag} file '{path}': {reason}")]
    UnwritableFile {
        flag: &'static str,
        path: PathBuf,
        reason: String,
    },
    /// `OTEL_DOCTOR_SDK` names no SDK (a bad `--sdk` is refused by clap).
    #[error("{variable}: {error}")]
    UnknownSdk {
        variable: String,
        error: crate::sdk_model::UnknownSdk,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Serve(String),
    /// The settings were valid, but the run could not be made (a refused load, a measurement
    /// that had nothing to measure); the text says why.
    #[error("{0}")]
    CannotRun(String),
}
