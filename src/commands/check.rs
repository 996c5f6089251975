//! `otlp-doctor check`: config, DNS, TCP, TLS and protocol against the live endpoint, with the
//! root cause first.

use super::{CommandError, target};
use crate::checks::backend::{self, BackendQuery};
use crate::checks::layer::Layer;
use crate::checks::pipeline::{self, Progress};
use crate::cli::{CheckArgs, OutputArgs, TargetArgs};
use crate::otlp::payload::ProbeData;
use crate::printer::Printer;
use crate::report::Code;
use crate::report::ExitStatus;
use crate::settings::{self, EnvSource, ProcessEnv, Signal};
use indicatif::ProgressBar;
use std::time::Duration;

/// The signals `check` looks at when `--signals` is not given (contract: default traces).
const DEFAULT_SIGNALS: &[Signal] = &[Signal::Traces];

pub fn run(args: CheckArgs) -> Result<ExitStatus, CommandError> {
    let optional = Optional {
        collector_health: args.collector_health.clone(),
        backend: args.verify_backend.clone(),
        backend_deadline: args.backend_deadline,
    };
    diagnose(&args.target, &args.output, &ProbeData::new(), &optional)
}

/// The layers that run only when asked for.
#[derive(Debug, Default)]
pub struct Optional {
    pub collector_health: Option<String>,
    pub backend: Option<BackendQuery>,
    pub backend_deadline: Duration,
}

/// Runs every layer against the target with `data` as the test telemetry and prints the
/// report; shared by `check` and `send`.
pub fn diagnose(
    target_args: &TargetArgs,
    output: &OutputArgs,
    data: &ProbeData,
    optional: &Optional,
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
    let report = runtime.block_on(async {
        let health = async {
            match &optional.collector_health {
                Some(url) => Some(crate::collector::health::check(url, target_args.timeout).await),
                None => None,
            }
        };
        let main = pipeline::diagnose(&resolution, &selection, target_args.timeout, data, &spinner);
        let (mut report, health) = tokio::join!(main, health);
        if let Some((layer, section)) = health {
            add_layer(&mut report, layer);
            report.sections.push(section);
        }
        if let Some(query) = &optional.backend {
            spinner.layer_started("backend", &query.base_url);
            let layer = if traces_exported(&report) {
                backend::verify(
                    query,
                    &data.trace_id_hex(),
                    optional.backend_deadline,
                    target_args.timeout,
                )
                .await
            } else {
                Layer::skipped("backend", "no trace was exported")
            };
            add_layer(&mut report, layer);
        }
        report
    });
    if let Some(bar) = &spinner.0 {
        bar.finish_and_clear();
    }
    printer.report(&report)?;
    Ok(ExitStatus::of(&report, output.strict))
}

fn add_layer(report: &mut crate::report::Report, mut layer: Layer) {
    let findings = std::mem::take(&mut layer.findings);
    report.extend(
        vec![layer.record()],
        findings,
        layer.duration.as_secs_f64() * 1000.0,
    );
}

/// The backend can only hold the probe trace if the traces export was accepted.
fn traces_exported(report: &crate::report::Report) -> bool {
    report.findings.iter().any(|f| {
        matches!(
            f.code,
            Code::ExportOk | Code::ExportPartialSuccess | Code::ExportSlow
        ) && (f.title.contains("span") || f.title.contains("traces"))
    })
}

struct Spinner(Option<ProgressBar>);

impl Progress for Spinner {
    fn layer_started(&self, id: &str, target: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(format!("checking {id} of {target}"));
        }
    }
}
