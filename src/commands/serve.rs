//! `otlp-doctor serve`: a local OTLP receiver that shows and lints what an application sends,
//! with optional fault injection and TLS. Runs until Ctrl-C (or `--duration`), then prints a
//! summary per service.

use super::CommandError;
use crate::cli::{LiveFormat, ServeArgs};
use crate::printer::Printer;
use crate::report::ExitStatus;
use crate::report::mask::Redactor;
use crate::report::render::Format;
use crate::serve::ReceiverConfig;
use crate::serve::faults::FaultPolicy;
use crate::serve::sink::{HumanSink, NdjsonSink, Sink};
use std::time::Duration;

pub fn run(args: ServeArgs) -> Result<ExitStatus, CommandError> {
    let mut redactor = Redactor::new();
    if let Some(header) = &args.require_header {
        redactor.add(&header.value);
    }
    let format = match args.format {
        LiveFormat::Human => Format::Human,
        LiveFormat::Json => Format::Json,
    };
    let printer = Printer::new(format, redactor);
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(
        config,
        args.format,
        args.duration,
        args.tls,
        &printer,
    ))
}

async fn serve(
    config: ReceiverConfig,
    format: LiveFormat,
    duration: Option<Duration>,
    tls: bool,
    printer: &Printer,
) -> Result<ExitStatus, CommandError> {
    let mut sink: Box<dyn Sink + '_> = match format {
        LiveFormat::Human => Box::new(HumanSink::new(printer)),
        LiveFormat::Json => Box::new(NdjsonSink::new(printer)),
    };
    crate::serve::run(config, tls, sink.as_mut(), stop_signal(duration))
        .await
        .map_err(|e| CommandError::Serve(e.to_string()))?;
    Ok(ExitStatus::Success)
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
