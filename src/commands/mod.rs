//! One file per subcommand, and the recipe they all follow, in [`run`]: the clap arguments
//! become the command's validated settings, the one tokio runtime is built, the command's
//! `async fn run(settings, &Printer) -> Result<Outcome, CommandError>` is awaited, and its
//! [`Outcome`] (or its [`CommandError`], printed here and only here) becomes the exit status.
//! Commands print their own reports and live views through the [`Printer`]; they never decide
//! an exit code.

pub mod check;
pub mod collector;
pub mod demo;
pub mod deps;
pub mod env;
mod error;
pub mod explain;
pub mod load;
mod outcome;
pub mod overhead;
pub mod probe_server;
pub mod proxy;
mod report_file;
pub mod scan;
pub mod send;
pub mod serve;
mod shutdown;
mod target;
mod watch;

pub use error::CommandError;
pub use outcome::Outcome;
pub use shutdown::shutdown_signal;

use crate::cli::{Cli, Command};
use crate::printer::Printer;
use crate::report::ExitStatus;
use crate::report::mask::Redactor;
use crate::report::render::Format;

/// Validated settings of one command: everything it needs, and what its printer must redact.
pub trait CommandSettings {
    /// The printer the command writes through (format, and the secrets it masks).
    fn printer(&self) -> Printer;
}

/// Runs a parsed command line to completion.
pub fn run(cli: Cli) -> ExitStatus {
    let runtime = match crate::runtime::build() {
        Ok(runtime) => runtime,
        Err(error) => return failed(&plain_printer(), &CommandError::Io(error)),
    };
    let status = runtime.block_on(dispatch(cli));
    // The command has finished and printed; a connect or a lookup still stuck past its own
    // bound must not keep the process alive.
    runtime.shutdown_background();
    status
}

async fn dispatch(cli: Cli) -> ExitStatus {
    match cli.command {
        Command::Check(args) => execute(check::settings(args), check::run).await,
        Command::Env(args) => execute(env::settings(args), env::run).await,
        Command::Send(args) => execute(send::settings(args), check::run).await,
        Command::Serve(args) => execute(serve::settings(args), serve::run).await,
        Command::Demo(args) => execute(Ok(demo::settings(args)), demo::run).await,
        Command::Explain(args) => execute(explain::settings(args), explain::run).await,
        Command::Collector(args) => execute(collector::settings(args), collector::run).await,
        Command::Load(args) => execute(load::settings(args), load::run).await,
        Command::Overhead(args) => execute(overhead::settings(args), overhead::run).await,
        Command::Proxy(args) => execute(proxy::settings(args), proxy::run).await,
        Command::Deps(args) => execute(Ok(deps::settings(args)), deps::run).await,
        Command::Scan(args) => execute(scan::settings(args), scan::run).await,
        Command::ProbeServer(args) => {
            execute(probe_server::settings(args), probe_server::run).await
        }
    }
}

/// Runs one command on validated settings and turns how it ended into the exit status.
async fn execute<S: CommandSettings>(
    settings: Result<S, CommandError>,
    command: impl AsyncFnOnce(S, &Printer) -> Result<Outcome, CommandError>,
) -> ExitStatus {
    let settings = match settings {
        Ok(settings) => settings,
        Err(error) => return failed(&plain_printer(), &error),
    };
    let printer = settings.printer();
    match command(settings, &printer).await {
        Ok(outcome) => outcome.exit_status(),
        Err(error) => failed(&printer, &error),
    }
}

/// The one place a [`CommandError`] is shown: on stderr, through the command's printer so
/// that its secrets stay masked.
fn failed(printer: &Printer, error: &CommandError) -> ExitStatus {
    printer.error(&format!("otlp-doctor: error: {error}"));
    ExitStatus::CouldNotRun
}

/// For errors found before there are settings to say what is secret: arguments were refused
/// before any secret was read from them.
fn plain_printer() -> Printer {
    Printer::new(Format::Human, Redactor::new())
}
