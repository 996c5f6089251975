//! `otlp-doctor overhead [ENDPOINT]`: measures what the opentelemetry-rust SDK costs per span,
//! in-process, against the built-in receiver (or ENDPOINT), and prints the numbers with
//! recommendations. Exit 0 with a report, 2 when the measurement could not be made (bad
//! endpoint, nothing accepted the spans); Ctrl-C prints what was measured so far.

use super::CommandError;
use crate::cli::OverheadArgs;
use crate::overhead::run::{self, Progress};
use crate::overhead::{Plan, report};
use crate::printer::Printer;
use crate::report::ExitStatus;
use crate::report::mask::Redactor;
use indicatif::ProgressBar;

pub fn run(args: OverheadArgs) -> Result<ExitStatus, CommandError> {
    let printer = Printer::new(args.format, Redactor::new());
    let plan = match Plan::new(
        args.endpoint.as_deref(),
        args.protocol.into(),
        args.spans,
        args.iterations,
        args.warmup,
        args.attributes,
        args.leak_rounds,
    ) {
        Ok(plan) => plan,
        Err(error) => {
            printer.error(&format!("otlp-doctor: error: {error}"));
            return Ok(ExitStatus::CouldNotRun);
        }
    };
    let spinner = Spinner(printer.spinner("measuring the SDK's overhead"));
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let measured = run::run(&plan, &spinner, interrupt);
    if let Some(bar) = &spinner.0 {
        bar.finish_and_clear();
    }
    match measured {
        Ok(measured) => {
            let report = report::report(&plan, &measured);
            printer.report(&report)?;
            Ok(ExitStatus::of(&report, false))
        }
        Err(error) => {
            printer.error(&format!("otlp-doctor: error: {}", chain(&error)));
            Ok(ExitStatus::CouldNotRun)
        }
    }
}

/// The error and its causes, outermost first: "cannot build ...: invalid URI".
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The spinner on stderr (human output on a terminal only: the printer decides).
struct Spinner(Option<ProgressBar>);

impl Progress for Spinner {
    fn phase(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(format!("measuring the SDK's overhead: {message}"));
        }
    }
}
