//! `otlp-doctor serve`: a local OTLP receiver that shows and lints what an application sends,
//! with optional fault injection and TLS. Runs until Ctrl-C (or `--duration`), then prints a
//! summary per service.

use super::{CommandError, CommandSettings, Outcome};
use crate::cli::{LiveFormat, ServeArgs};
use crate::printer::Printer;
use crate::report::Severity;
use crate::report::mask::Redactor;
use crate::report::render::Format;
use crate::serve::faults::FaultPolicy;
use crate::serve::lint::{LintConfig, Linter};
use crate::serve::view::human::HumanView;
use crate::serve::view::ndjson;
use crate::serve::view::summary::Summary;
use crate::serve::{Receiver, ReceiverConfig, batch_channel};
use std::time::{Duration, SystemTime};

/// How often idle traces are judged for orphan spans when no batch arrives.
const LINT_TICK: Duration = Duration::from_secs(5);

/// What `serve` runs on: the receiver's listeners and faults, the live format, and when to stop.
pub struct Settings {
    pub config: ReceiverConfig,
    pub format: LiveFormat,
    /// `--duration`; without it, until Ctrl-C or SIGTERM.
    pub duration: Option<Duration>,
    /// `--tls`: a certificate made on the fly.
    pub tls: bool,
}

impl CommandSettings for Settings {
    /// The required header's value is a secret.
    fn printer(&self) -> Printer {
        let mut redactor = Redactor::new();
        if let Some((_, value)) = &self.config.faults.require_header {
            redactor.add(value);
        }
        let format = Format::from(self.format);
        Printer::new(format, redactor)
    }
}

pub fn settings(args: ServeArgs) -> Settings {
    let faults = FaultPolicy {
        require_header: args
            .require_header
            .as_ref()
            .map(|h| (h.name.clone(), h.value.clone())),
        fail_rate: args.fail_rate,
        fail_with: Some(args.fail_with),
        delay: args.delay.unwrap_or_default(),
        reject_partial: args.reject_partial,
    };
    let config = ReceiverConfig {
        grpc_listen: args.grpc_listen,
        http_listen: args.http_listen,
        max_message_bytes: args.max_message_bytes,
        faults,
        ..ReceiverConfig::default()
    };
    Settings {
        config,
        format: args.format,
        duration: args.duration,
        tls: args.tls,
    }
}

/// Receives, shows and lints until stopped, then prints the summary.
pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    serve(
        settings.config,
        settings.format,
        settings.duration,
        settings.tls,
        printer,
    )
    .await
}

async fn serve(
    mut config: ReceiverConfig,
    format: LiveFormat,
    duration: Option<Duration>,
    tls: bool,
    printer: &Printer,
) -> Result<Outcome, CommandError> {
    let tls_files = if tls {
        Some(crate::serve::tls::generate().map_err(CommandError::Io)?)
    } else {
        None
    };
    if let Some(files) = &tls_files {
        config.tls = Some(files.server.clone());
    }
    let (sender, mut batches) = batch_channel();
    let bound = Receiver::bind(config, sender)
        .await
        .map_err(|e| CommandError::Serve(e.to_string()))?;
    let (grpc, http) = (bound.grpc_addr(), bound.http_addr());
    let running = bound.start();

    let mut view = HumanView::new(printer.color());
    match format {
        LiveFormat::Json => printer.json_line(&listening_line(grpc, http, tls_files.as_ref())),
        LiveFormat::Human => {
            for line in view.listening(grpc, http) {
                printer.line(&line);
            }
            if let Some(files) = &tls_files {
                printer.line(&format!(
                    "TLS on both ports; trust the CA in {} (OTEL_EXPORTER_OTLP_CERTIFICATE={}) and use https://",
                    files.ca_path.display(),
                    files.ca_path.display()
                ));
            }
        }
    }

    let mut linter = Linter::new(LintConfig::default());
    // The NDJSON of one batch, reused so that its memory is not allocated again for every batch.
    let mut lines = Vec::new();
    let mut summary = Summary::default();
    let stop = stop_signal(duration);
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(LINT_TICK);
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick() => {
                for finding in linter.tick(SystemTime::now()) {
                    summary.add_finding(&finding);
                    show_finding(printer, &view, format, &finding);
                }
            }
            received = batches.recv() => {
                let Some(received) = received else { break };
                summary.add(&received);
                match format {
                    LiveFormat::Json => {
                        lines.clear();
                        ndjson::items(&received, &mut lines);
                        printer.block_bytes(&lines);
                    }
                    LiveFormat::Human => printer.lines(&view.batch(&received)),
                }
                for finding in linter.inspect(&received, SystemTime::now()) {
                    summary.add_finding(&finding);
                    show_finding(printer, &view, format, &finding);
                }
            }
        }
    }
    let counters = running.counters();
    let _ = running.stop().await;
    summary.dropped = counters.dropped();
    while let Ok(received) = batches.try_recv() {
        summary.add(&received);
        for finding in linter.inspect(&received, SystemTime::now()) {
            summary.add_finding(&finding);
            show_finding(printer, &view, format, &finding);
        }
    }
    for finding in linter.finish() {
        summary.add_finding(&finding);
        show_finding(printer, &view, format, &finding);
    }
    match format {
        LiveFormat::Json => {
            let mut line = serde_json::to_value(&summary).unwrap_or_default();
            if let serde_json::Value::Object(map) = &mut line {
                map.insert("kind".into(), "summary".into());
            }
            printer.json_line(&line);
        }
        LiveFormat::Human => view
            .summary(&summary)
            .iter()
            .for_each(|line| printer.line(line)),
    }
    Ok(Outcome::Done)
}

fn listening_line(
    grpc: std::net::SocketAddr,
    http: std::net::SocketAddr,
    tls: Option<&crate::serve::tls::TlsFiles>,
) -> serde_json::Value {
    let mut line = ndjson::listening(grpc, http);
    if let (Some(files), serde_json::Value::Object(map)) = (tls, &mut line) {
        map.insert(
            "tls_ca_file".into(),
            files.ca_path.display().to_string().into(),
        );
    }
    line
}

fn show_finding(
    printer: &Printer,
    view: &HumanView,
    format: LiveFormat,
    finding: &crate::report::Finding,
) {
    match format {
        LiveFormat::Json => printer.json_line(&ndjson::finding(finding)),
        LiveFormat::Human
            if finding.severity != Severity::Info
                || finding.code != crate::report::Code::LintEmptyExport =>
        {
            view.finding(finding)
                .iter()
                .for_each(|line| printer.line(line));
        }
        LiveFormat::Human => {}
    }
}

/// Completes on Ctrl-C, SIGTERM, or after `duration`.
async fn stop_signal(duration: Option<Duration>) {
    let timer = async {
        match duration {
            Some(duration) => tokio::time::sleep(duration).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = super::shutdown_signal() => {}
        () = timer => {}
    }
}
