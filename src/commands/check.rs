//! `otlp-doctor check`: config, DNS, TCP, TLS and protocol against the live endpoint, with the
//! root cause first.

use super::{CommandError, target};
use crate::checks::pipeline::{self, Progress};
use crate::cli::{CheckArgs, OutputArgs, TargetArgs};
use crate::otlp::payload::ProbeData;
use crate::printer::Printer;
use crate::report::ExitStatus;
use crate::settings::{self, EnvSource, ProcessEnv, Signal};
use indicatif::ProgressBar;

/// The signals `check` looks at when `--signals` is not given (contract: default traces).
const DEFAULT_SIGNALS: &[Signal] = &[Signal::Traces];

pub fn run(args: CheckArgs) -> Result<ExitStatus, CommandError> {
    diagnose(&args.target, &args.output, &ProbeData::new())
}

/// Runs every layer against the target with `data` as the test telemetry and prints the
/// report; shared by `check` and `send`.
pub fn diagnose(
    target_args: &TargetArgs,
    output: &OutputArgs,
    data: &ProbeData,
) -> Result<ExitStatus, CommandError> {
    let overrides = target::overrides(target_args)?;
    let mut selection = target::selection(target_args, DEFAULT_SIGNALS);
    // The default signal is what the user asks about, so a disabled traces exporter is an error.
    selection.explicit = true;
    let env = ProcessEnv;
    let resolution = settings::resolve(&env, &overrides);
    let printer = Printer::new(
        output.format,
        target::redactor(&resolution, &env as &dyn EnvSource),
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let spinner = Spinner(printer.spinner("checking"));
    let report = runtime.block_on(pipeline::diagnose(
        &resolution,
        &selection,
        target_args.timeout,
        data,
        &spinner,
    ));
    if let Some(bar) = &spinner.0 {
        bar.finish_and_clear();
    }
    printer.report(&report)?;
    Ok(ExitStatus::of(&report, output.strict))
}

struct Spinner(Option<ProgressBar>);

impl Progress for Spinner {
    fn layer_started(&self, id: &str, target: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(format!("checking {id} of {target}"));
        }
    }
}
