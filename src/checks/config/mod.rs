//! The `config` check: lints the resolved configuration with every `CFG_*` code. Offline; the
//! network checks later confirm or refute what can only be suspected here (a port mismatch).
//! A correct configuration produces no warning.

pub mod rust_release;

use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};
use crate::settings::endpoint::{EndpointError, EndpointKind, Scheme};
use crate::settings::problems::{CONFIG_CHECK, Problems};
use crate::settings::suggest;
use crate::settings::{ExporterSettings, Origin, Protocol, Resolution, Selection, Signal};
use std::path::Path;
use std::time::Duration;

/// Export timeouts this short were almost always meant as seconds (the spec's unit is ms).
const SUSPICIOUSLY_SHORT_TIMEOUT: Duration = Duration::from_millis(100);

/// All config findings: the problems found while resolving, then the lints, deduplicated.
pub fn lint(resolution: &Resolution, selection: &Selection) -> Vec<Finding> {
    let mut problems = Problems::default();
    for finding in &resolution.problems {
        problems.push(finding.clone());
    }
    lint_sdk(resolution, selection, &mut problems);
    for exporter in resolution
        .exporters
        .iter()
        .filter(|e| selection.contains(e.signal))
    {
        if exports_otlp(resolution, exporter.signal) {
            lint_exporter(exporter, &mut problems);
            lint_proxy(exporter, &mut problems);
            for finding in super::auth::lint(exporter) {
                problems.push(finding);
            }
        }
    }
    let mut findings = problems.into_findings();
    findings.sort_by_key(|f| root_cause_rank(f.code));
    findings
}

/// Among config errors, the one that stops the most data comes first: nothing is exported at all,
/// then nothing reaches the endpoint, then requests are rejected, then the rest.
fn root_cause_rank(code: Code) -> u8 {
    match code {
        Code::CfgSdkDisabled => 0,
        Code::CfgExporterNone => 1,
        Code::CfgSamplerDropsAll => 2,
        Code::CfgEndpointNoScheme | Code::CfgEndpointInvalid => 3,
        Code::CfgProtocolInvalid => 4,
        Code::CfgHttpSignalPath | Code::CfgGrpcEndpointHasPath => 5,
        Code::CfgPortProtocolMismatch | Code::CfgInsecureWithHttps => 6,
        Code::CfgCertFileUnreadable => 7,
        Code::CfgHeadersMalformed => 8,
        _ => 9,
    }
}

/// Says which proxy the SDK's transport takes from the environment; the `proxy` layer then
/// probes it.
fn lint_proxy(exporter: &ExporterSettings, problems: &mut Problems) {
    let Some(route) = &exporter.proxy else {
        lint_proxy_without_sdk(exporter, problems);
        return;
    };
    let host = endpoint_host(exporter);
    let how = if route.tunnel {
        "each export goes through a CONNECT tunnel"
    } else {
        "each export is sent to the proxy in absolute form"
    };
    problems.push(
        Finding::new(
            Code::CfgProxyFromEnv,
            Severity::Info,
            CONFIG_CHECK,
            format!(
                "exports go through the proxy {} (from {})",
                route.authority(),
                route.variable
            ),
        )
        .evidence(format!("{}={}", route.variable, route.value))
        .evidence(route.reader.clone())
        .evidence(how)
        .fix(Fix::new("network.bypass_proxy").with("host", host)),
    );
}

/// The endpoint's host, empty when the endpoint is not a URL.
fn endpoint_host(exporter: &ExporterSettings) -> String {
    exporter
        .endpoint
        .value
        .parsed
        .as_ref()
        .map_or_else(|_| String::new(), |url| url.host.clone())
}

/// Without a chosen SDK, a proxy variable that some SDKs' transports would follow: say which,
/// since whether the export goes through the proxy depends on the SDK (the probe goes direct).
fn lint_proxy_without_sdk(exporter: &ExporterSettings, problems: &mut Problems) {
    let Some((_, route)) = exporter.proxy_by_sdk.first() else {
        return;
    };
    let through: Vec<&str> = exporter.proxy_by_sdk.iter().map(|(sdk, _)| *sdk).collect();
    let host = endpoint_host(exporter);
    problems.push(
        Finding::new(
            Code::CfgProxyFromEnv,
            Severity::Info,
            CONFIG_CHECK,
            format!(
                "SDKs differ: {} send exports through the proxy {} (from {}), the others go direct",
                through.join(", "),
                route.authority(),
                route.variable
            ),
        )
        .evidence(format!("{}={}", route.variable, route.value))
        .evidence("check probed the collector directly; choose the SDK with --sdk to probe through the proxy as it would")
        .fix(Fix::new("network.bypass_proxy").with("host", host)),
    );
}

fn exports_otlp(resolution: &Resolution, signal: Signal) -> bool {
    resolution
        .sdk
        .exporters
        .get(&signal)
        .is_none_or(|list| list.value.iter().any(|e| e == "otlp"))
}

fn lint_sdk(resolution: &Resolution, selection: &Selection, problems: &mut Problems) {
    let sdk = &resolution.sdk;
    if sdk.disabled.value {
        problems.push(
            Finding::new(Code::CfgSdkDisabled, Severity::Error, CONFIG_CHECK, "OTEL_SDK_DISABLED=true turns every signal into a no-op")
                .evidence("OTEL_SDK_DISABLED=true: spec-compliant SDKs (Java, Python, .NET, JavaScript, Go's autoconfig) export nothing")
                .evidence("opentelemetry-rust does not read OTEL_SDK_DISABLED, so a Rust app still exports")
                .fix(Fix::new("config.enable_sdk")),
        );
    }

    for signal in Signal::ALL.into_iter().filter(|s| selection.contains(*s)) {
        let Some(exporters) = sdk.exporters.get(&signal) else {
            continue;
        };
        let variable = format!("OTEL_{}_EXPORTER", signal.env_infix());
        let unknown: Vec<&String> = exporters
            .value
            .iter()
            .filter(|e| !crate::settings::sdk::KNOWN_EXPORTERS.contains(&e.as_str()))
            .collect();
        if !unknown.is_empty() {
            let known = crate::settings::sdk::KNOWN_EXPORTERS;
            problems.invalid_value_suggesting(
                Code::CfgValueInvalid,
                &variable,
                &format!(
                    "unknown exporter(s): {}",
                    unknown
                        .iter()
                        .map(|s| format!("{s}{}", suggest::hint(s, known)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "none of them",
                suggest::corrected_list(&exporters.value, known).as_deref(),
            );
        }
        if exporters.value.iter().any(|e| e == "otlp") {
            continue;
        }
        let severity = if selection.explicit {
            Severity::Error
        } else {
            Severity::Warning
        };
        let (title, meaning) = if exporters.value.iter().all(|e| e == "none") {
            (
                format!("{variable}=none: {signal} are not exported at all"),
                "the SDK creates no exporter for this signal".to_string(),
            )
        } else {
            (
                format!("{variable} does not include otlp: {signal} are not sent over OTLP"),
                format!("{signal} go to {} instead", exporters.value.join(", ")),
            )
        };
        problems.push(
            Finding::new(Code::CfgExporterNone, severity, CONFIG_CHECK, title)
                .evidence(format!(
                    "{variable}={}: {meaning}",
                    exporters.value.join(",")
                ))
                .fix(Fix::new("config.exporter_otlp").with("variable", variable)),
        );
    }

    if selection.contains(Signal::Traces) && exports_otlp(resolution, Signal::Traces) {
        lint_sampler(resolution, problems);
    }

    if sdk.service_name.is_none() {
        problems.push(
            Finding::new(Code::CfgServiceNameMissing, Severity::Info, CONFIG_CHECK, "no service name in the environment")
                .evidence("neither OTEL_SERVICE_NAME nor service.name in OTEL_RESOURCE_ATTRIBUTES is set")
                .evidence("unless the application sets service.name in code, its data shows up as unknown_service")
                .fix(Fix::new("config.set_service_name")),
        );
    } else if let (Some(name), Some(resource_name)) =
        (&sdk.service_name, &sdk.resource_service_name)
        && name.origin == Origin::Env("OTEL_SERVICE_NAME".into())
        && &name.value != resource_name
    {
        problems.push(
            Finding::new(Code::CfgServiceNameMissing, Severity::Info, CONFIG_CHECK, "two different service names are configured")
                .evidence(format!("OTEL_SERVICE_NAME={} and OTEL_RESOURCE_ATTRIBUTES service.name={resource_name}", name.value))
                .evidence("spec: OTEL_SERVICE_NAME wins; opentelemetry-rust's resource detectors let OTEL_RESOURCE_ATTRIBUTES win")
                .fix(Fix::new("config.service_name_once")),
        );
    }

    for batch in [&sdk.span_batch, &sdk.log_batch] {
        if batch.max_export_batch_size.value > batch.max_queue_size.value {
            problems.push(
                Finding::new(
                    Code::CfgBatchSizeExceedsQueue,
                    Severity::Warning,
                    CONFIG_CHECK,
                    format!("{}_MAX_EXPORT_BATCH_SIZE is larger than {}_MAX_QUEUE_SIZE", batch.prefix, batch.prefix),
                )
                .evidence(format!(
                    "batch size {} ({}) > queue size {} ({})",
                    batch.max_export_batch_size.value,
                    batch.max_export_batch_size.origin,
                    batch.max_queue_size.value,
                    batch.max_queue_size.origin
                ))
                .evidence("spec: the batch size must be less than or equal to the queue size; a batch can never fill")
                .fix(Fix::new("config.queue_smaller_than_batch").with("prefix", batch.prefix)),
            );
        }
    }
}

fn lint_sampler(resolution: &Resolution, problems: &mut Problems) {
    let sampler = &resolution.sdk.sampler;
    let name = sampler.name.value.as_str();
    let ratio_zero = sampler.ratio.as_ref().is_some_and(|r| r.value == 0.0);
    let drops = match name {
        "always_off" => Some("always_off never samples a span"),
        "parentbased_always_off" => {
            Some("parentbased_always_off never samples a root span, so no trace starts")
        }
        _ if ratio_zero => Some("a ratio of 0 samples no trace"),
        _ => None,
    };
    if let Some(why) = drops {
        let mut finding = Finding::new(
            Code::CfgSamplerDropsAll,
            Severity::Error,
            CONFIG_CHECK,
            "the sampler drops every trace",
        )
        .evidence(format!("OTEL_TRACES_SAMPLER={name}: {why}"));
        if ratio_zero {
            finding = finding.evidence("OTEL_TRACES_SAMPLER_ARG=0");
        }
        problems.push(
            finding
                .evidence("opentelemetry-rust matches sampler names case-sensitively; other SDKs ignore case")
                .fix(Fix::new("config.sampler_keeps_spans")),
        );
    }
}

fn lint_exporter(exporter: &ExporterSettings, problems: &mut Problems) {
    let protocol = exporter.protocol.value;
    let endpoint = &exporter.endpoint.value;
    let origin = &exporter.endpoint.origin;

    let url = match &endpoint.parsed {
        Ok(url) => url,
        Err(EndpointError::NoScheme(raw)) => {
            problems.push(
                Finding::new(Code::CfgEndpointNoScheme, Severity::Error, CONFIG_CHECK, format!("the endpoint from {origin} has no http:// or https:// scheme"))
                    .evidence(format!("{origin}={raw}"))
                    .evidence("OTLP/HTTP exporters and opentelemetry-rust reject it; some gRPC exporters (Go, Python) guess a scheme from OTEL_EXPORTER_OTLP_INSECURE")
                    .evidence(if endpoint.schemeless_tls(protocol, exporter.insecure.value) {
                        "the checks below connect with TLS (https://), as the spec has a gRPC exporter do when OTEL_EXPORTER_OTLP_INSECURE is not true"
                    } else if protocol == Protocol::Grpc {
                        "the checks below connect in plaintext (http://), as OTEL_EXPORTER_OTLP_INSECURE=true asks of a gRPC exporter"
                    } else {
                        "the checks below connect in plaintext (http://) to show what the endpoint would answer"
                    })
                    .fix(Fix::new("config.add_scheme").with("raw", raw)),
            );
            return;
        }
        Err(error) => {
            problems.push(
                Finding::new(
                    Code::CfgEndpointInvalid,
                    Severity::Error,
                    CONFIG_CHECK,
                    format!("the endpoint from {origin} is not a valid URL"),
                )
                .evidence(format!("{origin}: {error}"))
                .fix(Fix::new("config.endpoint_url_example")),
            );
            return;
        }
    };

    if protocol == Protocol::Grpc && url.has_path() {
        problems.push(
            Finding::new(Code::CfgGrpcEndpointHasPath, Severity::Warning, CONFIG_CHECK, format!("the gRPC endpoint from {origin} has a path, which gRPC does not use"))
                .evidence(format!("{origin}={}: path '{}'", endpoint.configured, url.path))
                .evidence("gRPC calls go to /opentelemetry.proto.collector.<signal>.v1.<Service>/Export; SDKs drop the path or fail on it")
                .fix(Fix::new("config.endpoint_without_path").with("endpoint", url.with_path(""))),
        );
    }

    if protocol.is_http() {
        lint_http_path(exporter, &url.path, problems);
    }

    if url.explicit_port && url.port != protocol.default_port() && [4317, 4318].contains(&url.port)
    {
        let other = if protocol.is_http() {
            "grpc"
        } else {
            "http/protobuf"
        };
        problems.push(
            Finding::new(
                Code::CfgPortProtocolMismatch,
                Severity::Warning,
                CONFIG_CHECK,
                format!(
                    "port {} is the {} port, but the protocol is {protocol}",
                    url.port,
                    if url.port == 4317 {
                        "gRPC"
                    } else {
                        "OTLP/HTTP"
                    }
                ),
            )
            .evidence(format!(
                "{origin}={} with protocol {protocol} ({})",
                endpoint.configured, exporter.protocol.origin
            ))
            .fix(
                Fix::new("config.port_for_protocol")
                    .with("port", protocol.default_port())
                    .with("protocol", protocol)
                    .with("other", other),
            ),
        );
    }

    if exporter.insecure.value && !exporter.insecure.is_default() && url.scheme == Scheme::Https {
        problems.push(
            Finding::new(Code::CfgInsecureWithHttps, Severity::Warning, CONFIG_CHECK, "insecure is set, but the endpoint is https://, so TLS is used anyway")
                .evidence(format!("{}=true and {origin}={}", exporter.insecure.origin, endpoint.configured))
                .evidence("spec: the insecure option only applies to gRPC endpoints without a scheme; the https:// scheme wins")
                .fix(Fix::new("config.insecure_or_https")),
        );
    }

    lint_timeout(exporter, problems);
    lint_cert_files(exporter, problems);
}

/// The generic/signal endpoint rule: `/v1/<signal>` is appended to generic endpoints only.
fn lint_http_path(exporter: &ExporterSettings, path: &str, problems: &mut Problems) {
    let signal = exporter.signal;
    let endpoint = &exporter.endpoint.value;
    let origin = &exporter.endpoint.origin;
    let trimmed = path.trim_end_matches('/');
    match endpoint.kind {
        EndpointKind::Generic => {
            if let Some(already) = Signal::ALL
                .iter()
                .find(|s| trimmed.ends_with(s.http_path()))
            {
                problems.push(
                    Finding::new(
                        Code::CfgHttpSignalPath,
                        Severity::Error,
                        CONFIG_CHECK,
                        format!(
                            "{origin} already ends in {}, and SDKs append /v1/{signal} to it",
                            already.http_path()
                        ),
                    )
                    .evidence(format!(
                        "{origin}={} → {signal} are sent to {}",
                        endpoint.configured, endpoint.url
                    ))
                    .fix(
                        Fix::new("config.signal_path_on_base_url")
                            .with("origin", origin)
                            .with(
                                "base",
                                endpoint
                                    .configured
                                    .trim_end_matches('/')
                                    .trim_end_matches(already.http_path()),
                            )
                            .with("infix", signal.env_infix()),
                    ),
                );
            }
        }
        EndpointKind::SignalSpecific => {
            if trimmed.is_empty() {
                problems.push(
                    Finding::new(
                        Code::CfgHttpSignalPath,
                        Severity::Error,
                        CONFIG_CHECK,
                        format!("{origin} has no path, and SDKs use a signal endpoint as is"),
                    )
                    .evidence(format!(
                        "{origin}={} → {signal} are POSTed to / instead of {}",
                        endpoint.configured,
                        signal.http_path()
                    ))
                    .fix(
                        Fix::new("config.append_signal_path")
                            .with("origin", origin)
                            .with("endpoint", endpoint.configured.trim_end_matches('/'))
                            .with("path", signal.http_path()),
                    )
                    .fix(Fix::new("config.use_generic_endpoint")),
                );
            } else if let Some(other) = Signal::ALL
                .iter()
                .find(|s| **s != signal && trimmed.ends_with(s.http_path()))
            {
                problems.push(
                    Finding::new(
                        Code::CfgHttpSignalPath,
                        Severity::Error,
                        CONFIG_CHECK,
                        format!("{origin} points at the {} path", other.as_str()),
                    )
                    .evidence(format!(
                        "{origin}={}: {signal} would be sent to {}",
                        endpoint.configured,
                        other.http_path()
                    ))
                    .fix(
                        Fix::new("config.use_signal_path")
                            .with("path", signal.http_path())
                            .with("signal", signal),
                    ),
                );
            }
        }
    }
}

fn lint_timeout(exporter: &ExporterSettings, problems: &mut Problems) {
    let timeout = &exporter.timeout;
    if timeout.is_default() {
        return;
    }
    if timeout.value.is_zero() {
        problems.push(
            Finding::new(Code::CfgTimeoutInvalid, Severity::Warning, CONFIG_CHECK, format!("{} is 0", timeout.origin))
                .evidence("spec: 0 means no limit; opentelemetry-rust applies it as a zero timeout, so every export fails")
                .fix(Fix::new("config.timeout_in_milliseconds").with("variable", &timeout.origin)),
        );
    } else if timeout.value < SUSPICIOUSLY_SHORT_TIMEOUT {
        let ms = timeout.value.as_millis();
        problems.push(
            Finding::new(
                Code::CfgTimeoutInvalid,
                Severity::Warning,
                CONFIG_CHECK,
                format!(
                    "{}={ms} is {ms} milliseconds: probably meant as seconds",
                    timeout.origin
                ),
            )
            .evidence("OTEL_* timeouts are milliseconds; exports this short time out")
            .fix(
                Fix::new("config.timeout_times_thousand")
                    .with("variable", &timeout.origin)
                    .with("milliseconds", ms * 1000),
            ),
        );
    }
}

fn lint_cert_files(exporter: &ExporterSettings, problems: &mut Problems) {
    let files = [
        ("CA certificate", &exporter.certificate),
        ("client certificate", &exporter.client_certificate),
        ("client key", &exporter.client_key),
    ];
    for (what, file) in files {
        let Some(file) = file else { continue };
        if let Err(problem) = check_pem_file(&file.value) {
            problems.push(
                Finding::new(
                    Code::CfgCertFileUnreadable,
                    Severity::Error,
                    CONFIG_CHECK,
                    format!("the {what} file from {} cannot be used", file.origin),
                )
                .evidence(format!(
                    "{}={}: {problem}",
                    file.origin,
                    file.value.display()
                ))
                .fix(Fix::new("config.readable_pem_file")),
            );
        }
    }
    if exporter.client_certificate.is_some() != exporter.client_key.is_some() {
        let (given, missing) = if exporter.client_certificate.is_some() {
            (
                "client certificate",
                "OTEL_EXPORTER_OTLP_CLIENT_KEY / --client-key",
            )
        } else {
            (
                "client key",
                "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE / --client-cert",
            )
        };
        problems.push(
            Finding::new(
                Code::CfgCertFileUnreadable,
                Severity::Error,
                CONFIG_CHECK,
                format!("a {given} is configured without its pair"),
            )
            .evidence("mTLS needs both the client certificate and its private key")
            .fix(Fix::new("config.set_missing_half").with("missing", missing)),
        );
    }
}

/// A certificate or key file must be readable and hold at least one PEM block.
pub fn check_pem_file(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        Ok(())
    } else {
        Err("no PEM block (-----BEGIN ...) in the file".to_string())
    }
}

#[cfg(test)]
mod tests;
