//! `otlp-doctor overhead [ENDPOINT]`: measures what the opentelemetry-rust SDK costs per span,
//! in-process, against the built-in receiver (or ENDPOINT), and prints the numbers with
//! recommendations; `--report FILE.html` also writes the report with the cost per span of each
//! batch/queue setting plotted. Exit 0 with a report, 2 when the measurement could not be made
//! (bad endpoint, nothing accepted the spans) or the report file cannot be written; Ctrl-C
//! prints what was measured so far.

use super::{CommandError, CommandSettings, Outcome, report_file};
use crate::cli::OverheadArgs;
use crate::overhead::run::{self, Progress};
use crate::overhead::{Plan, pictures, report};
use crate::printer::Printer;
use crate::report::mask::Redactor;
use crate::report::render::Format;
use indicatif::ProgressBar;

/// What `overhead` measures, and how to print it.
pub struct Settings {
    pub plan: Plan,
    pub format: Format,
    /// `--report`: where the HTML report goes.
    pub report: Option<std::path::PathBuf>,
}

impl CommandSettings for Settings {
    /// The spans carry generated values only: nothing to redact.
    fn printer(&self) -> Printer {
        Printer::new(self.format, Redactor::new())
    }
}

/// Validates the arguments into a plan; a malformed ENDPOINT is refused here.
pub fn settings(args: OverheadArgs) -> Result<Settings, CommandError> {
    let plan = Plan::new(
        args.endpoint.as_deref(),
        args.protocol.into(),
        args.spans,
        args.iterations,
        args.warmup,
        args.attributes,
        args.leak_rounds,
    )
    .map_err(|error| CommandError::CannotRun(error.to_string()))?;
    Ok(Settings {
        plan,
        format: args.format,
        report: report_file::check(args.report)?,
    })
}

/// Measures the SDK and prints the report; Ctrl-C (or SIGTERM) ends the measurement early.
pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    let spinner = Spinner(printer.spinner("measuring the SDK's overhead"));
    // The measurement runs the SDK on runtimes of its own (built by `crate::runtime::builder`),
    // the way an application would; it blocks, so it gets a thread of its own, where it may
    // start and stop those runtimes.
    let (plan, report_path) = (settings.plan, settings.report);
    let measuring = tokio::task::spawn_blocking(move || {
        let measured = run::run(&plan, &spinner, super::shutdown_signal());
        if let Some(bar) = &spinner.0 {
            bar.finish_and_clear();
        }
        (plan, measured)
    });
    let (plan, measured) = measuring
        .await
        .map_err(|error| CommandError::CannotRun(error.to_string()))?;
    let measured = measured.map_err(|error| CommandError::CannotRun(chain(&error)))?;
    let report = report::report(&plan, &measured);
    printer.report(&report)?;
    if let Some(path) = &report_path {
        let mut html = Vec::new();
        pictures::render_html(&plan, &measured, &report, &mut html)?;
        report_file::write(path, &html, &Redactor::new())?;
    }
    Ok(Outcome::report(report, false))
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
