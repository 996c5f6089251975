//! The validated target of `check`: one endpoint, its protocol, headers and TLS files, and the
//! bound on each network step. Built from the resolved configuration of the selected signals.

use super::endpoint::{EndpointUrl, Scheme, effective_path};
use super::proxy::ProxyRoute;
use super::rules::{Outage, TrustRule};
use super::values::Header;
use super::{Compression, Protocol, Resolution, Selection, Signal};
use std::path::PathBuf;
use std::time::Duration;

/// TLS material for the handshake.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TlsFiles {
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// The roots trusted when there is no CA file, as the SDK chooses them.
    pub default_trust: TrustRule,
    /// The SDK accepts a server certificate that is one of the CA file's, CA:TRUE or not.
    pub accept_ca_as_leaf: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The signals sent to this endpoint.
    pub signals: Vec<Signal>,
    pub url: EndpointUrl,
    /// The URL as configured (before the signal path rule), for messages.
    pub configured: String,
    pub protocol: Protocol,
    /// The protocol was chosen by a flag or variable, not by default.
    pub protocol_chosen: bool,
    pub headers: Vec<Header>,
    /// Per signal, the path an OTLP/HTTP exporter posts to.
    pub http_paths: Vec<(Signal, String)>,
    pub tls: TlsFiles,
    pub compression: Compression,
    /// Bound on each network step.
    pub step_timeout: Duration,
    /// What the SDK does when this endpoint throttles an export (for the fix).
    pub throttled: String,
    /// What the SDK does with data while this endpoint is down (for the fix).
    pub outage: Outage,
    /// The proxy the SDK sends through, when its transport takes one from the environment.
    pub proxy: Option<ProxyRoute>,
}

impl Target {
    pub fn uses_tls(&self) -> bool {
        self.url.scheme == Scheme::Https
    }

    /// The URL path of the first signal over OTLP/HTTP (after the signal path rule).
    pub fn first_http_path(&self) -> &str {
        &self.http_paths[0].1
    }
}

/// The distinct endpoints the selected signals go to, in signal order. Signals whose endpoint
/// cannot be parsed at all are left out (the config lint reports them).
pub fn targets(
    resolution: &Resolution,
    selection: &Selection,
    step_timeout: Duration,
) -> Vec<Target> {
    let mut targets: Vec<Target> = Vec::new();
    for signal in &selection.signals {
        let exporter = resolution.exporter(*signal);
        let endpoint = &exporter.endpoint.value;
        let protocol = exporter.protocol.value;
        let tls_without_scheme = endpoint.schemeless_tls(protocol, exporter.insecure.value);
        let Some(url) = endpoint.reachable(tls_without_scheme) else {
            continue;
        };
        let http_path =
            effective_path(&url, &endpoint.configured, endpoint.kind, protocol, *signal);
        if let Some(existing) = targets.iter_mut().find(|t| {
            t.url.authority() == url.authority()
                && t.url.scheme == url.scheme
                && t.protocol == protocol
        }) {
            existing.signals.push(*signal);
            existing.http_paths.push((*signal, http_path));
            continue;
        }
        targets.push(Target {
            signals: vec![*signal],
            url,
            configured: exporter.endpoint.value.configured.clone(),
            protocol,
            protocol_chosen: !exporter.protocol.is_default(),
            headers: exporter.headers.iter().map(|h| h.value.clone()).collect(),
            http_paths: vec![(*signal, http_path)],
            tls: TlsFiles {
                ca_file: exporter.certificate.as_ref().map(|c| c.value.clone()),
                client_cert: exporter
                    .client_certificate
                    .as_ref()
                    .map(|c| c.value.clone()),
                client_key: exporter.client_key.as_ref().map(|c| c.value.clone()),
                default_trust: exporter.default_trust.clone(),
                accept_ca_as_leaf: exporter.accept_ca_as_leaf,
            },
            compression: exporter.compression.value,
            step_timeout,
            throttled: resolution.throttling.over(protocol).to_string(),
            outage: resolution.outages.over(protocol).clone(),
            proxy: exporter.proxy.clone(),
        });
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{MapEnv, TargetOptions, resolve};

    fn target_of<const N: usize>(vars: [(&str, &str); N]) -> Target {
        let env = MapEnv::new(vars);
        let resolution = resolve(&env, &TargetOptions::default());
        let found = targets(
            &resolution,
            &Selection::all_implicit(),
            Duration::from_secs(1),
        );
        found.into_iter().next().expect("one target")
    }

    #[test]
    fn a_schemeless_grpc_endpoint_is_checked_with_tls_unless_insecure_says_otherwise() {
        let grpc = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ];
        assert!(target_of(grpc).uses_tls());
        let insecure = [grpc[0], grpc[1], ("OTEL_EXPORTER_OTLP_INSECURE", "true")];
        assert!(!target_of(insecure).uses_tls());
        let http = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ];
        assert!(!target_of(http).uses_tls());
        // A scheme always decides, whatever INSECURE says.
        let explicit = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ];
        assert!(!target_of(explicit).uses_tls());
    }
}
