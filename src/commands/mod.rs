//! One file per subcommand. Each takes validated settings and a printer and returns an exit
//! status; [`run`] dispatches and turns a [`CommandError`] into exit code 2.

pub mod check;
pub mod demo;
pub mod env;
pub mod send;
mod target;

use crate::cli::{Cli, Command};
use crate::report::ExitStatus;
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
    #[error(
        "`otlp-doctor {0}` is not built yet in this version; see `otlp-doctor --help` for what is"
    )]
    NotBuilt(&'static str),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Runs a parsed command line to completion.
pub fn run(cli: Cli) -> ExitStatus {
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Env(args) => env::run(args),
        Command::Send(args) => send::run(args),
        Command::Serve(_) => Err(CommandError::NotBuilt("serve")),
        Command::Demo(args) => demo::run(args),
        Command::Explain(_) => Err(CommandError::NotBuilt("explain")),
        Command::Collector(_) => Err(CommandError::NotBuilt("collector")),
        Command::Load(_) => Err(CommandError::NotBuilt("load")),
        Command::Overhead(_) => Err(CommandError::NotBuilt("overhead")),
        Command::Deps(_) => Err(CommandError::NotBuilt("deps")),
        Command::ProbeServer(_) => Err(CommandError::NotBuilt("probe-server")),
    };
    result.unwrap_or_else(|error| {
        eprintln!("otlp-doctor: error: {error}");
        ExitStatus::CouldNotRun
    })
}
