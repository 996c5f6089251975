//! `otlp-doctor check`: config, DNS, TCP, TLS and protocol against the live endpoint, with the
//! root cause first.

use super::{CommandError, CommandSettings, Outcome, target};
use crate::checks::backend::{self, BackendQuery};
use crate::checks::pipeline::{self, Progress};
use crate::cli::{CheckArgs, OutputArgs, SdkArgs, TargetArgs};
use crate::otlp::payload::ProbeData;
use crate::printer::Printer;
use crate::report::Code;
use crate::report::layer::Layer;
use crate::report::render::Format;
use crate::settings::Signal;
use indicatif::ProgressBar;
use std::time::Duration;

/// The signals `check` looks at when `--signals` is not given (contract: default traces).
const DEFAULT_SIGNALS: &[Signal] = &[Signal::Traces];

/// What `check` and `send` run on: the resolved target, the test telemetry, and the optional
/// layers.
pub struct Settings {
    pub target: target::TargetSettings,
    pub data: ProbeData,
    pub optional: Optional,
    pub format: Format,
    pub strict: bool,
    /// `-v`: print the wire trace on stderr and put it in the JSON report.
    pub verbose: bool,
    /// `--watch`: repeat the diagnosis.
    pub watch: Option<super::watch::Rounds>,
}

impl CommandSettings for Settings {
    fn printer(&self) -> Printer {
        Printer::new(self.format, self.target.redactor())
    }
}

/// Validates `check`'s arguments; an unreadable TLS file is refused here.
pub fn settings(args: CheckArgs) -> Result<Settings, CommandError> {
    let mut settings = diagnosis(
        &args.target,
        &args.sdk,
        &args.output,
        ProbeData::new(),
        Optional {
            collector_health: args.collector_health,
            backend: args.verify_backend,
            backend_deadline: args.backend_deadline,
        },
    )?;
    settings.verbose = args.trace.verbose;
    settings.watch = args.watch.then_some(super::watch::Rounds {
        interval: args.interval,
        count: args.count,
    });
    Ok(settings)
}

/// The settings of a diagnosis with `data` as the test telemetry; shared by `check` and `send`.
pub fn diagnosis(
    target_args: &TargetArgs,
    sdk: &SdkArgs,
    output: &OutputArgs,
    data: ProbeData,
    optional: Optional,
) -> Result<Settings, CommandError> {
    let mut target = target::TargetSettings::for_sdk(target_args, DEFAULT_SIGNALS, sdk)?;
    // The default signal is what the user asks about, so a disabled traces exporter is an error.
    target.selection.explicit = true;
    Ok(Settings {
        target,
        data,
        optional,
        format: output.format,
        strict: output.strict,
        verbose: false,
        watch: None,
    })
}

/// The layers that run only when asked for.
#[derive(Debug, Default)]
pub struct Optional {
    pub collector_health: Option<String>,
    pub backend: Option<BackendQuery>,
    pub backend_deadline: Duration,
}

/// Runs every layer against the target and prints the report.
pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    if let Some(rounds) = settings.watch {
        return super::watch::run(settings, rounds, printer).await;
    }
    let Settings {
        target,
        data,
        optional,
        strict,
        verbose,
        ..
    } = settings;
    let timeout = target.timeout;
    let spinner = Spinner(printer.spinner("checking"));
    let health = async {
        match &optional.collector_health {
            Some(url) => Some(crate::collector::health::check(url, timeout).await),
            None => None,
        }
    };
    let main = pipeline::diagnose(
        &target.resolution,
        &target.selection,
        timeout,
        &data,
        &spinner,
    );
    let ((report, trace), health) =
        tokio::join!(crate::report::trace::traced(verbose, main), health);
    let mut report = report.with_sdk(target.sdk_summary());
    report.trace = trace;
    let targets = crate::settings::target::targets(&target.resolution, &target.selection, timeout);
    crate::scan::neighbours::add_to_root_cause(&mut report, &targets).await;
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
                timeout,
            )
            .await
        } else {
            Layer::skipped("backend", "no trace was exported")
        };
        add_layer(&mut report, layer);
    }
    if let Some(bar) = &spinner.0 {
        bar.finish_and_clear();
    }
    for event in &report.trace {
        printer.error(&event.line());
    }
    printer.report(&report)?;
    Ok(Outcome::report(report, strict))
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
