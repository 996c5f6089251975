//! One file per subcommand. Each takes validated settings and a printer and returns an exit
//! status; [`run`] dispatches and turns a [`CommandError`] into exit code 2.

pub mod check;
pub mod collector;
pub mod demo;
pub mod deps;
pub mod env;
pub mod explain;
pub mod load;
pub mod overhead;
pub mod probe_server;
pub mod send;
pub mod serve;
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
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Serve(String),
}

/// Completes on Ctrl-C or SIGTERM (what Kubernetes and process managers send): how the
/// long-running commands (`serve`, `probe-server`) are stopped.
async fn shutdown_signal() {
    let terminate = async {
        #[cfg(unix)]
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
            return;
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// Runs a parsed command line to completion.
pub fn run(cli: Cli) -> ExitStatus {
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Env(args) => env::run(args),
        Command::Send(args) => send::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Collector(args) => collector::run(args),
        Command::Load(args) => load::run(args),
        Command::Overhead(args) => overhead::run(args),
        Command::Deps(args) => deps::run(args),
        Command::ProbeServer(args) => probe_server::run(args),
    };
    result.unwrap_or_else(|error| {
        eprintln!("otlp-doctor: error: {error}");
        ExitStatus::CouldNotRun
    })
}
