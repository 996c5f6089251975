//! `otlp-doctor proxy`: forwards an app's exports to its real upstream unchanged and shows each
//! one with the upstream's answer, until Ctrl-C (or `--duration`); then the summary of what
//! arrived versus what the upstream accepted.

use super::{CommandError, CommandSettings, Outcome};
use crate::cli::{LiveFormat, ProtobufProtocol, ProxyArgs};
use crate::printer::Printer;
use crate::proxy::{
    BoundProxy, HumanProxySink, NdjsonProxySink, ProxyConfig, ProxySink, UpstreamConfig,
};
use crate::report::mask::Redactor;
use crate::report::render::Format;
use crate::settings::endpoint::parse_endpoint;
use std::time::Duration;

pub struct Settings {
    pub config: ProxyConfig,
    pub format: LiveFormat,
    pub duration: Option<Duration>,
}

impl CommandSettings for Settings {
    /// Upstream header values and the required header's value are secrets.
    fn printer(&self) -> Printer {
        let mut redactor = Redactor::new();
        for header in &self.config.upstream.headers {
            redactor.add(&header.value);
        }
        if let Some((_, value)) = &self.config.faults.require_header {
            redactor.add(value);
        }
        Printer::new(Format::from(self.format), redactor)
    }
}

pub fn settings(args: ProxyArgs) -> Result<Settings, CommandError> {
    let url = parse_endpoint(&args.upstream).map_err(|e| {
        CommandError::CannotRun(format!(
            "--upstream: {e}; give the collector's URL, e.g. http://localhost:4317"
        ))
    })?;
    if args.upstream_protocol == Some(ProtobufProtocol::Grpc) && args.upstream_http.is_some() {
        return Err(CommandError::CannotRun(
            "--upstream-http has no use with --upstream-protocol grpc: every export then goes to --upstream over gRPC".into(),
        ));
    }
    let http_url = match &args.upstream_http {
        Some(raw) => Some(parse_endpoint(raw).map_err(|e| {
            CommandError::CannotRun(format!("--upstream-http: {e}; give the collector's OTLP/HTTP URL, e.g. http://localhost:4318"))
        })?),
        None => None,
    };
    super::target::check_tls_files([
        ("--ca-cert", &args.ca_cert),
        ("--client-cert", &args.client_cert),
        ("--client-key", &args.client_key),
    ])?;
    let faults = super::serve::fault_policy(&args.faults, args.reject_partial);
    let config = ProxyConfig {
        grpc_listen: args.grpc_listen,
        http_listen: args.http_listen,
        metrics_listen: args.metrics_listen,
        upstream: UpstreamConfig {
            url,
            http_url,
            headers: args.headers,
            ca_file: args.ca_cert,
            client_identity: args.client_cert.zip(args.client_key),
            timeout: args.timeout,
            convert_to: args.upstream_protocol.map(Into::into),
        },
        faults,
        max_message_bytes: args.max_message_bytes,
        max_decompressed_bytes: crate::serve::DEFAULT_MAX_DECOMPRESSED_BYTES,
        max_in_flight: args.max_in_flight as usize,
        view: args.view.into(),
    };
    Ok(Settings {
        config,
        format: args.format,
        duration: args.duration,
    })
}

pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    let bound = BoundProxy::bind(settings.config)
        .await
        .map_err(|e| CommandError::Serve(e.to_string()))?;
    let mut sink: Box<dyn ProxySink + '_> = match settings.format {
        LiveFormat::Human => Box::new(HumanProxySink::new(printer)),
        LiveFormat::Json => Box::new(NdjsonProxySink::new(printer)),
    };
    bound
        .run(sink.as_mut(), super::serve::stop_signal(settings.duration))
        .await;
    Ok(Outcome::Done)
}
