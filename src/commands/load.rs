//! `otlp-doctor load`: resolves the target like `check` does (flags over `OTEL_*`), refuses fast
//! load to a host that is not this machine unless `--yes`, runs the load with a progress bar on
//! a terminal, and prints the summary (human, with the latency histogram, or the
//! `otlp-doctor/load/v1` JSON); `--report FILE.html` also writes the pictures of the run. Exit 1
//! when any request failed, 0 otherwise, 2 when the run could not start or the report file
//! cannot be written.

use super::{CommandError, CommandSettings, Outcome, report_file, target};
use crate::checks::pipeline::{self, Quiet};
use crate::cli::{LiveFormat, LoadArgs};
use crate::load::plan::{Budget, LoadPlan};
use crate::load::report::{LoadReport, RootCause, budget_text, thousands};
use crate::load::run::{self, Progress};
use crate::load::{Tally, guard, pictures};
use crate::otlp::payload::ProbeData;
use crate::printer::Printer;
use crate::report::Severity;
use crate::report::render::Format;
use crate::settings::{self, Signal};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;

/// The signal `load` sends when `--signals` is not given.
const DEFAULT_SIGNALS: &[Signal] = &[Signal::Traces];
/// Items sent when neither `--spans` nor `--duration` is given: a second or two on loopback.
const DEFAULT_ITEMS: u64 = 10_000;

/// What `load` runs on: the resolved target and the shape of the load.
pub struct Settings {
    pub target: target::TargetSettings,
    pub budget: Budget,
    pub rate: u64,
    pub concurrency: u32,
    pub batch_size: u32,
    pub attributes: u32,
    pub attribute_size: u32,
    /// `--yes`: fast load to another machine was asked for on purpose.
    pub yes: bool,
    pub format: LiveFormat,
    /// `--report`: where the HTML report goes.
    pub report: Option<std::path::PathBuf>,
}

impl CommandSettings for Settings {
    fn printer(&self) -> Printer {
        let format = Format::from(self.format);
        Printer::new(format, self.target.redactor())
    }
}

pub fn settings(args: LoadArgs) -> Result<Settings, CommandError> {
    let budget = match (args.spans, args.duration) {
        (_, Some(duration)) => Budget::Duration(duration),
        (Some(items), None) => Budget::Items(items),
        (None, None) => Budget::Items(DEFAULT_ITEMS),
    };
    Ok(Settings {
        target: target::TargetSettings::new(&args.target, DEFAULT_SIGNALS)?,
        budget,
        rate: args.rate,
        concurrency: args.concurrency,
        batch_size: args.batch_size,
        attributes: args.attributes,
        attribute_size: args.attribute_size,
        yes: args.yes,
        format: args.format,
        report: report_file::check(args.report)?,
    })
}

/// Runs the load until its budget is spent (or Ctrl-C / SIGTERM) and prints the summary.
pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    let resolution = &settings.target.resolution;
    for problem in resolution
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
    {
        printer.error(&format!("otlp-doctor: warning: {}", problem.title));
    }
    let mut targets = settings::target::targets(
        resolution,
        &settings.target.selection,
        settings.target.timeout,
    );
    let target = match targets.len() {
        0 => {
            return Err(CommandError::CannotRun(
                "no usable endpoint: the configured endpoint is not an http:// or https:// URL (run `otlp-doctor env` to see why)".into(),
            ));
        }
        1 => targets.remove(0),
        _ => {
            let endpoints: Vec<String> = targets.iter().map(|t| t.configured.clone()).collect();
            return Err(CommandError::CannotRun(format!(
                "the selected signals go to different endpoints ({}); load one endpoint at a time with --signals",
                endpoints.join(", ")
            )));
        }
    };
    let plan = LoadPlan::new(
        target,
        settings.budget,
        settings.rate,
        settings.concurrency,
        settings.batch_size,
        settings.attributes,
        settings.attribute_size,
    );
    if let Some(refusal) = guard::refusal(&plan, settings.yes) {
        return Err(CommandError::CannotRun(refusal.to_string()));
    }

    let bar = Bar::new(printer, &plan);
    let measured = run::run(&plan, &bar, super::shutdown_signal()).await;
    bar.finish();
    let measured = measured.map_err(|error| CommandError::CannotRun(error.to_string()))?;

    let mut report = LoadReport::new(&plan, &measured);
    if report.nothing_arrived() {
        report.root_cause = root_cause(&settings.target).await;
    }
    let mut buffer = Vec::new();
    match settings.format {
        LiveFormat::Json => report.render_json(&mut buffer)?,
        LiveFormat::Human => {
            report.render_human(&mut buffer)?;
            for line in pictures::terminal_histogram(&measured.tally) {
                writeln!(buffer, "{line}")?;
            }
        }
    }
    printer.line(String::from_utf8_lossy(&buffer).trim_end());
    if let Some(path) = &settings.report {
        let mut html = Vec::new();
        pictures::render_html(&report, &measured.tally, &mut html)?;
        report_file::write(path, &html, &settings.target.redactor())?;
    }
    Ok(Outcome::Load {
        any_failed: report.has_failures(),
    })
}

/// `check`'s root cause for the target, to say why nothing got through.
async fn root_cause(target: &target::TargetSettings) -> Option<RootCause> {
    let report = pipeline::diagnose(
        &target.resolution,
        &target.selection,
        target.timeout,
        &ProbeData::new(),
        &Quiet,
    )
    .await;
    report.root_cause().map(|finding| RootCause {
        code: finding.code.as_str().to_string(),
        title: finding.title.clone(),
    })
}

/// The live progress bar on stderr (only in human mode on a terminal: the printer decides).
struct Bar {
    bar: Option<ProgressBar>,
    budget: Budget,
}

impl Bar {
    fn new(printer: &Printer, plan: &LoadPlan) -> Bar {
        let bar = printer.spinner(&format!("load {}", budget_text(plan.budget)));
        if let Some(bar) = &bar {
            let template = match plan.budget {
                Budget::Items(items) => {
                    bar.set_length(items);
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}"
                }
                Budget::Duration(duration) => {
                    bar.set_length(duration.as_millis().try_into().unwrap_or(u64::MAX));
                    "{spinner} [{elapsed_precise}] {wide_bar} {msg}"
                }
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
        }
        Bar {
            bar,
            budget: plan.budget,
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn update(&self, tally: &Tally) {
        let Some(bar) = &self.bar else { return };
        match self.budget {
            Budget::Items(_) => bar.set_position(tally.items),
            Budget::Duration(_) => {
                bar.set_position(tally.last_end.as_millis().try_into().unwrap_or(u64::MAX))
            }
        }
        let seconds = tally.last_end.as_secs_f64();
        let rate = if seconds > 0.0 {
            (tally.items as f64 / seconds).round() as u64
        } else {
            0
        };
        bar.set_message(format!(
            "{} items/s, {} failed",
            thousands(rate),
            thousands(tally.failed_requests)
        ));
    }
}
