//! The scheduler of `check`: config first, then per distinct endpoint the network layers in
//! order (proxy, when the SDK sends through one → dns → tcp → tls → protocol → export), endpoints concurrently. A layer that fails stops the
//! layers after it (they are reported as skipped, not as errors), so the first error is the root
//! cause.

use super::protocol::{self, http_status};
use super::{config, dns, export, proxy, tcp, tls};
use crate::knowledge::fix::Fix;
use crate::otlp::payload::ProbeData;
use crate::report::layer::Layer;
use crate::report::trace;
use crate::report::{CheckStatus, Code, Finding, Report, Severity, TargetSummary};
use crate::settings::endpoint::Scheme;
use crate::settings::target::{Target, targets};
use crate::settings::{DefaultTrust, Protocol, Resolution, Selection, Signal};
use crate::transport::dialer::{ALPN_H2, ALPN_HTTP1, Dialer};
use crate::transport::tls::{DefaultRoots, TlsRequest, client_config, server_name};
use std::time::{Duration, Instant, SystemTime};

/// Reports progress of the layers (a spinner on a terminal, nothing otherwise).
pub trait Progress: Sync {
    fn layer_started(&self, id: &str, target: &str);
}

/// No progress output.
pub struct Quiet;
impl Progress for Quiet {
    fn layer_started(&self, _: &str, _: &str) {}
}

/// Runs every check and builds the report.
pub async fn diagnose(
    resolution: &Resolution,
    selection: &Selection,
    step_timeout: Duration,
    data: &ProbeData,
    progress: &dyn Progress,
) -> Report {
    let started = Instant::now();
    let mut findings = config::lint(resolution, selection);
    let mut layers = vec![Layer::from_findings(
        "config",
        "resolved and linted the OTEL_* configuration",
        findings.clone(),
        started.elapsed(),
    )];
    layers[0].findings.clear();

    let endpoints = targets(resolution, selection, step_timeout);
    let several = endpoints.len() > 1;
    let results =
        futures_util::future::join_all(endpoints.iter().map(|t| walk(t, data, progress))).await;
    let mut traces_exported = false;
    for (target, (target_layers, mut target_findings)) in endpoints.iter().zip(results) {
        traces_exported |= target.signals.contains(&Signal::Traces)
            && target_layers
                .iter()
                .any(|l| l.id == "export" && l.status != CheckStatus::Skip);
        with_outage_behaviour(&mut target_findings, target);
        attribute_to_target(&mut target_findings, target, several);
        for mut layer in target_layers {
            if several {
                layer.summary = format!(
                    "{} {}: {}",
                    target.url.authority(),
                    signals(target),
                    layer.summary
                );
            }
            layers.push(layer);
        }
        findings.extend(target_findings);
    }
    let findings = attribute_to_config(findings);

    let summary = endpoints.first().map(|t| TargetSummary {
        endpoint: t.configured.clone(),
        protocol: t.protocol.as_str().to_string(),
        signals: selection
            .signals
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    });
    let records = layers.iter().map(Layer::record).collect();
    let mut report = Report::new(
        summary,
        records,
        findings,
        started.elapsed().as_secs_f64() * 1000.0,
    );
    // A replay sends the capture's own traces, never the probe's.
    report.trace_id = (traces_exported && data.replay.is_none()).then(|| data.trace_id_hex());
    report
}

/// An endpoint that is down (no connection, or UNAVAILABLE / 502-504) also gets what the SDK
/// does with the data meanwhile: retry for seconds, give up within a second, or drop it.
fn with_outage_behaviour(findings: &mut [Finding], target: &Target) {
    for finding in findings
        .iter_mut()
        .filter(|f| f.severity == Severity::Error)
    {
        let behaviour = match finding.code {
            Code::NetConnRefused | Code::NetConnReset | Code::NetUnreachable => {
                &target.outage.connection
            }
            // SDKs retry a timed-out connection as they retry UNAVAILABLE (Go's OTLP/HTTP
            // exporter retries a timeout, not a refusal).
            Code::NetConnTimeout | Code::ExportUnavailable => &target.outage.answer,
            _ => continue,
        };
        if !behaviour.is_empty() {
            finding.push_fix(
                Fix::new("network.what_the_sdk_does_while_down").with("behaviour", behaviour),
            );
        }
    }
}

/// Names on each finding of a target the endpoint and, when the target carries one signal, the
/// signal; with per-signal endpoints the title names the signal(s) too, so "connection refused"
/// says which exporter it hits.
fn attribute_to_target(findings: &mut [Finding], target: &Target, several: bool) {
    let only_signal = match target.signals.as_slice() {
        [signal] => Some(signal.as_str()),
        _ => None,
    };
    for finding in findings {
        finding.about_endpoint(&target.configured);
        if let Some(signal) = only_signal {
            finding.about_signal(signal);
        }
        if several {
            let names = match &finding.signal {
                Some(signal) => signal.clone(),
                None => target
                    .signals
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            finding.title = format!("{names}: {}", finding.title);
        }
    }
}

fn signals(target: &Target) -> String {
    format!(
        "({})",
        target
            .signals
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// The network layers of one endpoint, in order, stopping at the first failure.
async fn walk(
    target: &Target,
    data: &ProbeData,
    progress: &dyn Progress,
) -> (Vec<Layer>, Vec<Finding>) {
    let authority = target.url.authority();
    let mut layers = Vec::new();

    if let Some(route) = &target.proxy {
        progress.layer_started("proxy", &authority);
        let proxy_layer = proxy::probe(target, route).await;
        trace::record("proxy", || format!("proxy: {}", proxy_layer.summary));
        let failed = proxy_layer.failed();
        layers.push(proxy_layer);
        if failed {
            return finish(
                layers,
                &["dns", "tcp", "tls", "protocol", "export"],
                "the proxy the SDK sends through does not pass the export on",
            );
        }
    }

    progress.layer_started("dns", &authority);
    let (dns_layer, addresses) = dns::resolve(&target.url, target.step_timeout).await;
    trace::record("dns", || {
        let found: Vec<String> = addresses.iter().map(|a| a.ip().to_string()).collect();
        format!("resolve {}: {}", target.url.host, dns_layer.summary)
            + &if found.is_empty() {
                String::new()
            } else {
                format!(" [{}]", found.join(", "))
            }
    });
    let failed = dns_layer.failed();
    layers.push(dns_layer);
    if failed {
        return finish(
            layers,
            &["tcp", "tls", "protocol"],
            "the host name did not resolve",
        );
    }

    progress.layer_started("tcp", &authority);
    let (tcp_layer, connected) = tcp::connect(&addresses, target.step_timeout).await;
    layers.push(tcp_layer);
    let Some(address) = connected else {
        return finish(layers, &["tls", "protocol", "export"], "no TCP connection");
    };

    let mut client_cert_pending = false;
    let dialer = if target.url.scheme == Scheme::Https {
        progress.layer_started("tls", &authority);
        let started = Instant::now();
        let request = tls_request(target);
        let outcome = tls::probe(address, &request).await;
        trace_handshake(&outcome);
        client_cert_pending = outcome.client_cert_requested && target.tls.client_cert.is_none();
        let failed = outcome.status == crate::report::CheckStatus::Fail;
        layers.push(Layer {
            id: "tls",
            status: outcome.status,
            summary: outcome.summary,
            findings: outcome.findings,
            duration: started.elapsed(),
        });
        if failed {
            return finish(layers, &["protocol", "export"], "the TLS handshake failed");
        }
        match client_config(&request) {
            Ok(config) => Dialer::Tls {
                address,
                config,
                server_name: server_name(&target.url.host),
            },
            Err(error) => return finish(layers, &["protocol", "export"], &error.to_string()),
        }
    } else {
        layers.push(Layer::skipped("tls", "plaintext endpoint (http://)"));
        Dialer::Plain { address }
    };

    progress.layer_started("protocol", &authority);
    let host = target.url.host.clone();
    let timeout = target.step_timeout;
    let identification =
        protocol::identify(target, &dialer, || tls::speaks_tls(address, &host, timeout)).await;
    let mut protocol_layer = identification.layer;
    if client_cert_pending {
        confirm_client_cert_required(&mut layers, &mut protocol_layer, &identification.answer);
    } else if http_status::is_rejected_client_cert(&identification.answer) {
        blame_rejected_client_cert(&mut layers, &mut protocol_layer, &identification.answer);
    }
    let stop = protocol_layer.status != crate::report::CheckStatus::Pass;
    layers.push(protocol_layer);
    if stop {
        return finish(layers, &["export"], "no OTLP server was identified");
    }

    progress.layer_started("export", &authority);
    let export_layer = export::run(target, &dialer, data).await;
    trace::record("export", || format!("export: {}", export_layer.summary));
    layers.push(export_layer);
    collect(layers)
}

/// The handshake in the trace: what was negotiated and the chain, leaf first.
fn trace_handshake(outcome: &tls::TlsOutcome) {
    if !trace::enabled() {
        return;
    }
    trace::record("tls", || match &outcome.session {
        Some(session) => format!(
            "TLS handshake: {} {}, ALPN {}",
            session.version,
            session.cipher,
            session.alpn.as_deref().unwrap_or("none")
        ),
        None => format!("TLS handshake failed: {}", outcome.summary),
    });
    for (index, cert) in outcome.chain.iter().enumerate() {
        trace::record("tls", || {
            format!(
                "certificate {index}: {} issued by {}, names [{}], valid {} to {}",
                cert.subject,
                cert.issuer,
                cert.sans.join(", "),
                cert.not_before,
                cert.not_after
            )
        });
    }
}

fn tls_request(target: &Target) -> TlsRequest<'_> {
    let alpn = match target.protocol {
        Protocol::Grpc => vec![ALPN_H2.to_vec()],
        _ => vec![ALPN_H2.to_vec(), ALPN_HTTP1.to_vec()],
    };
    let default_roots = match target.tls.default_trust.roots {
        DefaultTrust::SystemStore => DefaultRoots::SystemAndMozilla,
        DefaultTrust::Bundled(_) => DefaultRoots::MozillaOnly,
        DefaultTrust::Nothing(why) => DefaultRoots::Nothing(why),
    };
    TlsRequest {
        server_name: &target.url.host,
        ca_file: target.tls.ca_file.as_deref(),
        default_roots,
        accept_ca_as_leaf: target.tls.accept_ca_as_leaf,
        client_identity: target
            .tls
            .client_cert
            .as_deref()
            .zip(target.tls.client_key.as_deref()),
        alpn,
        require_h2: target.protocol == Protocol::Grpc,
        timeout: target.step_timeout,
        now: SystemTime::now(),
    }
}

/// The server asked for a client certificate and none was configured: when the request then
/// fails (nginx: 400 "No required SSL certificate was sent", others close the connection), the
/// missing certificate is the root cause and the protocol failure only its consequence.
fn confirm_client_cert_required(
    layers: &mut [Layer],
    protocol_layer: &mut Layer,
    answer: &protocol::answer::Answer,
) {
    let refused = http_status::is_missing_client_cert(answer)
        || matches!(
            answer,
            protocol::answer::Answer::Closed { .. } | protocol::answer::Answer::Reset { .. }
        );
    if !refused {
        return;
    }
    if let Some(tls_layer) = layers.iter_mut().find(|l| l.id == "tls") {
        for finding in tls_layer
            .findings
            .iter_mut()
            .filter(|f| f.code == Code::TlsClientCertRequired)
        {
            finding.severity = Severity::Error;
            finding.evidence.push(format!(
                "the request without a certificate was refused: {}",
                answer.describe()
            ));
        }
        tls_layer.status = crate::report::CheckStatus::Fail;
    }
    skip_as_consequence(
        protocol_layer,
        "refused without a client certificate",
        answer,
    );
}

/// The protocol layer's reading of an answer the TLS layer has explained.
fn skip_as_consequence(layer: &mut Layer, why: &str, answer: &protocol::answer::Answer) {
    layer.findings.clear();
    layer.status = crate::report::CheckStatus::Skip;
    layer.summary = format!("{why}: {}", answer.describe());
}

/// The client certificate we sent was refused after the handshake (nginx completes it and then
/// answers 400 "The SSL certificate error"): a TLS-layer failure, which outranks whatever the
/// protocol layer made of that answer.
fn blame_rejected_client_cert(
    layers: &mut [Layer],
    protocol_layer: &mut Layer,
    answer: &protocol::answer::Answer,
) {
    let Some(tls_layer) = layers.iter_mut().find(|l| l.id == "tls") else {
        return;
    };
    let reaction = format!(
        "the handshake completed, then every request was refused: {}",
        answer.describe()
    );
    tls_layer
        .findings
        .insert(0, tls::client_cert_rejected_after_handshake(&reaction));
    tls_layer.status = crate::report::CheckStatus::Fail;
    skip_as_consequence(
        protocol_layer,
        "refused because of our client certificate",
        answer,
    );
}

fn finish(
    mut layers: Vec<Layer>,
    skipped: &[&'static str],
    because: &str,
) -> (Vec<Layer>, Vec<Finding>) {
    layers.extend(skipped.iter().map(|id| Layer::skipped(id, because)));
    collect(layers)
}

fn collect(mut layers: Vec<Layer>) -> (Vec<Layer>, Vec<Finding>) {
    let findings = layers
        .iter_mut()
        .flat_map(|l| std::mem::take(&mut l.findings))
        .collect();
    (layers, findings)
}

/// A config mistake that explains a live failure outranks it (contract): a 404 behind a wrong
/// signal path is evidence for `CFG_HTTP_SIGNAL_PATH`, not a root cause of its own.
fn attribute_to_config(mut findings: Vec<Finding>) -> Vec<Finding> {
    let explained_by = |code: Code| -> &'static [Code] {
        match code {
            Code::ProtoPathNotFound | Code::ProtoSignalUnimplemented => {
                &[Code::CfgHttpSignalPath, Code::CfgGrpcEndpointHasPath]
            }
            // The SDK trusted the bundle of REQUESTS_CA_BUNDLE (or the like) instead of the
            // CA file the user gave, so the unknown CA is that override's doing.
            Code::TlsUnknownCa => &[Code::CfgSdkCaOverride],
            Code::AuthUnauthenticated | Code::AuthPermissionDenied => &[
                Code::AuthTokenQuoted,
                Code::AuthTokenWhitespace,
                Code::AuthBearerPrefixMissing,
                Code::CfgHeadersMalformed,
            ],
            _ => &[],
        }
    };
    let live: Vec<(usize, &'static [Code])> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.severity == Severity::Error)
        .map(|(i, f)| (i, explained_by(f.code)))
        .filter(|(_, causes)| !causes.is_empty())
        .collect();
    for (index, causes) in live {
        if let Some(config_index) = findings.iter().position(|f| causes.contains(&f.code)) {
            let confirmed: Vec<String> = findings[index]
                .evidence
                .iter()
                .map(|e| format!("confirmed live: {e}"))
                .collect();
            findings[config_index].evidence.extend(confirmed);
            // A suspicion (a warning) that the live failure confirms becomes the root cause;
            // config findings come first, so among errors it leads.
            findings[config_index].severity = Severity::Error;
            findings[index].severity = Severity::Info;
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::rules::Outage;

    fn error(code: Code) -> Finding {
        Finding::new(code, Severity::Error, "tcp", "down")
    }

    #[test]
    fn an_endpoint_that_is_down_says_what_the_sdk_does_meanwhile() {
        let mut target = crate::load::plan::tests::target("http://127.0.0.1:4317", Protocol::Grpc);
        target.outage = Outage {
            connection: "drops it (no connection)".into(),
            answer: "drops it (UNAVAILABLE)".into(),
        };
        let mut findings = vec![
            error(Code::NetConnRefused),
            error(Code::ExportUnavailable),
            error(Code::ExportThrottled),
            Finding::new(
                Code::NetConnReset,
                Severity::Warning,
                "tcp",
                "first address",
            ),
        ];
        with_outage_behaviour(&mut findings, &target);
        assert_eq!(findings[0].fix, ["drops it (no connection)"]);
        assert_eq!(findings[1].fix, ["drops it (UNAVAILABLE)"]);
        assert!(findings[2].fix.is_empty() && findings[3].fix.is_empty());

        // Unknown (no model): nothing is added.
        target.outage = Outage::default();
        let mut findings = vec![error(Code::NetConnTimeout)];
        with_outage_behaviour(&mut findings, &target);
        assert!(findings[0].fix.is_empty());
        target.outage.answer = "retries a timeout".into();
        with_outage_behaviour(&mut findings, &target);
        assert_eq!(findings[0].fix, ["retries a timeout"]);
    }
}
