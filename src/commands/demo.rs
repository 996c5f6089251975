//! `otlp-doctor demo`: the embedded default. Starts the built-in receiver in-process on free
//! loopback ports and runs the full `check` against it over grpc, http/protobuf and http/json
//! with all three signals, then shows what arrived. Reads no `OTEL_*` variable: it works the same
//! on any machine, with nothing else running.

use super::{CommandError, CommandSettings, Outcome};
use crate::checks::pipeline::{self, Quiet};
use crate::cli::DemoArgs;
use crate::otlp::payload::ProbeData;
use crate::printer::Printer;
use crate::report::mask::Redactor;
use crate::report::render::Format;
use crate::report::{Code, Finding, Report, Section, TargetSummary};
use crate::serve::lint::{LintConfig, Linter};
use crate::serve::ui::{Endpoints, UiServer};
use crate::serve::{Receiver, ReceiverConfig, batch_channel};
use crate::settings::{MapEnv, Protocol, Selection, Signal, TargetOptions, resolve};
use std::time::Instant;

/// What `demo` runs on: the bound on each network step, and how to print.
pub struct Settings {
    pub timeout: std::time::Duration,
    pub format: Format,
    pub strict: bool,
    /// `--ui`: keep a web view of what the receiver got open after the report.
    pub ui: Option<super::serve::UiSettings>,
}

impl CommandSettings for Settings {
    /// The demo's environment holds no secret.
    fn printer(&self) -> Printer {
        Printer::new(self.format, Redactor::new())
    }
}

pub fn settings(args: DemoArgs) -> Settings {
    Settings {
        timeout: args.timeout,
        format: args.output.format,
        strict: args.output.strict,
        ui: super::serve::UiSettings::of(&args.ui),
    }
}

/// Starts the built-in receiver, checks it and prints the report.
pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    let ui = match &settings.ui {
        Some(ui) => Some(ui.start(0).await?),
        None => None,
    };
    let spinner = printer.spinner("starting the built-in receiver and checking it");
    let report = demo(settings.timeout, ui.as_ref()).await?;
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    printer.report(&report)?;
    if let Some(ui) = ui {
        eprintln!(
            "web view of what the built-in receiver got: {} (Ctrl-C to stop)",
            ui.url()
        );
        super::shutdown_signal().await;
        ui.stop().await;
    }
    Ok(Outcome::report(report, settings.strict))
}

async fn demo(timeout: std::time::Duration, ui: Option<&UiServer>) -> Result<Report, CommandError> {
    let started = Instant::now();
    let (sender, mut batches) = batch_channel();
    let bound = Receiver::bind(ReceiverConfig::ephemeral(), sender)
        .await
        .map_err(|e| CommandError::Io(std::io::Error::other(e.to_string())))?;
    let (grpc, http) = (bound.grpc_addr(), bound.http_addr());
    let running = bound.start();

    // The demo's own environment: a named service, nothing else, whatever the shell has set.
    let env = MapEnv::new([("OTEL_SERVICE_NAME", "otlp-doctor-demo")]);
    let selection = Selection {
        signals: Signal::ALL.to_vec(),
        explicit: true,
    };
    let data = ProbeData::new();
    let mut checks = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    for protocol in Protocol::ALL {
        let address = if protocol == Protocol::Grpc {
            grpc
        } else {
            http
        };
        let overrides = TargetOptions {
            endpoint: Some(format!("http://{address}")),
            protocol: Some(protocol),
            ..TargetOptions::default()
        };
        let resolution = resolve(&env, &overrides);
        let report = pipeline::diagnose(&resolution, &selection, timeout, &data, &Quiet).await;
        for mut check in report.checks {
            check.summary = format!("[{protocol}] {}", check.summary);
            checks.push(check);
        }
        findings.extend(report.findings);
    }

    let counters = running.counters();
    let _ = running.stop().await;
    let mut arrived = Section::new("what the built-in receiver got");
    for transport in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
        let counts = counters.get(transport);
        arrived = arrived.row(
            transport.as_str(),
            format!(
                "{} requests: {} spans, {} metric data points, {} log records",
                counts.requests, counts.spans, counts.data_points, counts.log_records
            ),
            None,
        );
    }
    // What arrived also goes through serve's data lint: our own probes must pass it.
    let mut linter = Linter::new(LintConfig::default());
    let mut services = std::collections::BTreeSet::new();
    while let Ok(received) = batches.try_recv() {
        services.insert(format!(
            "{} over {}",
            received.signal,
            received.transport.as_str()
        ));
        if let Some(ui) = ui {
            ui.store().lock().add_batch(&received, Instant::now());
        }
        // The protocol layer's probes are empty exports on purpose: not a finding here.
        let linted = linter.inspect(&received, std::time::SystemTime::now());
        findings.extend(
            linted
                .into_iter()
                .filter(|f| f.code != Code::LintEmptyExport),
        );
    }
    findings.extend(linter.finish());
    if let Some(ui) = ui {
        ui.set_endpoints(Endpoints {
            grpc: format!("http://{grpc} (stopped)"),
            http: format!("http://{http} (stopped)"),
        });
        let shared = ui.store();
        let mut store = shared.lock();
        findings
            .iter()
            .for_each(|finding| store.add_finding(finding));
    }
    if !services.is_empty() {
        arrived = arrived.row(
            "batches",
            services.into_iter().collect::<Vec<_>>().join(", "),
            None,
        );
    }
    arrived = arrived.row("probe trace id", data.trace_id_hex(), None);

    let target = TargetSummary {
        endpoint: format!("built-in receiver: grpc http://{grpc}, http http://{http}"),
        protocol: "grpc, http/protobuf, http/json".into(),
        signals: Signal::ALL.iter().map(|s| s.as_str().to_string()).collect(),
    };
    Ok(Report::new(
        Some(target),
        checks,
        findings,
        started.elapsed().as_secs_f64() * 1000.0,
    )
    .with_sections(vec![arrived]))
}
