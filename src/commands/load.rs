//! `otlp-doctor load`: resolves the target like `check` does (flags over `OTEL_*`), refuses fast
//! load to a host that is not this machine unless `--yes`, runs the load with a progress bar on
//! a terminal, and prints the summary (human or the `otlp-doctor/load/v1` JSON). Exit 1 when
//! any request failed, 0 otherwise, 2 when the run could not start.

use super::{CommandError, target};
use crate::cli::{LiveFormat, LoadArgs};
use crate::load::plan::{Budget, LoadPlan};
use crate::load::report::{LoadReport, budget_text, thousands};
use crate::load::run::{self, Progress};
use crate::load::{Tally, guard};
use crate::printer::Printer;
use crate::report::render::Format;
use crate::report::{ExitStatus, Severity};
use crate::settings::{self, EnvSource, ProcessEnv, Signal};
use indicatif::{ProgressBar, ProgressStyle};

/// The signal `load` sends when `--signals` is not given.
const DEFAULT_SIGNALS: &[Signal] = &[Signal::Traces];
/// Items sent when neither `--spans` nor `--duration` is given: a second or two on loopback.
const DEFAULT_ITEMS: u64 = 10_000;

pub fn run(args: LoadArgs) -> Result<ExitStatus, CommandError> {
    let overrides = target::overrides(&args.target)?;
    let selection = target::selection(&args.target, DEFAULT_SIGNALS);
    let env = ProcessEnv;
    let resolution = settings::resolve(&env, &overrides);
    let format = Format::from(args.format);
    let printer = Printer::new(
        format,
        target::redactor(&resolution, &env as &dyn EnvSource),
    );
    let could_not_run = |message: String| {
        printer.error(&format!("otlp-doctor: error: {message}"));
        Ok(ExitStatus::CouldNotRun)
    };

    for problem in resolution
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
    {
        printer.error(&format!("otlp-doctor: warning: {}", problem.title));
    }
    let mut targets = settings::target::targets(&resolution, &selection, args.target.timeout);
    let target = match targets.len() {
        0 => {
            return could_not_run(
                "no usable endpoint: the configured endpoint is not an http:// or https:// URL (run `otlp-doctor env` to see why)".into(),
            );
        }
        1 => targets.remove(0),
        _ => {
            let endpoints: Vec<String> = targets.iter().map(|t| t.configured.clone()).collect();
            return could_not_run(format!(
                "the selected signals go to different endpoints ({}); load one endpoint at a time with --signals",
                endpoints.join(", ")
            ));
        }
    };
    let budget = match (args.spans, args.duration) {
        (_, Some(duration)) => Budget::Duration(duration),
        (Some(items), None) => Budget::Items(items),
        (None, None) => Budget::Items(DEFAULT_ITEMS),
    };
    let plan = LoadPlan::new(
        target,
        budget,
        args.rate,
        args.concurrency,
        args.batch_size,
        args.attributes,
        args.attribute_size,
    );
    if let Some(refusal) = guard::refusal(&plan, args.yes) {
        return could_not_run(refusal.to_string());
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let bar = Bar::new(&printer, &plan);
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let measured = runtime.block_on(run::run(&plan, &bar, interrupt));
    bar.finish();
    // Workers still blocked on a connect must not keep the process alive.
    runtime.shutdown_background();
    let measured = match measured {
        Ok(measured) => measured,
        Err(error) => return could_not_run(error.to_string()),
    };

    let report = LoadReport::new(&plan, &measured);
    let mut buffer = Vec::new();
    match args.format {
        LiveFormat::Json => report.render_json(&mut buffer)?,
        LiveFormat::Human => report.render_human(&mut buffer)?,
    }
    printer.line(String::from_utf8_lossy(&buffer).trim_end());
    Ok(if report.has_failures() {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
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
