//! The lint rules over a [`CollectorConfig`]: components used but not defined, defined but not
//! used, pipelines without a memory limiter or without batching, and receivers that bind only
//! loopback. Every piece of evidence starts with `FILE:LINE`.

use super::model::{CollectorConfig, Component, Kind, Pipeline, Reference, component_type};
use crate::collector::CHECK_CONFIG;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};

/// Exporters that do not send over the network, so batching buys nothing.
const LOCAL_EXPORTER_TYPES: &[&str] = &["debug", "logging", "nop", "file"];

/// Processor types that make a pipeline batch.
const BATCH_PROCESSOR_TYPES: &[&str] = &["batch", "queue_batch"];

/// Runs every rule; findings come in rule order (errors of the same rule together).
pub fn lint(config: &CollectorConfig, source: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(undefined_components(config, source));
    findings.extend(unused_components(config, source));
    findings.extend(localhost_binds(config, source));
    findings.extend(missing_memory_limiter(config, source));
    findings.extend(missing_batching(config, source));
    findings
}

fn at(source: &str, line: usize) -> String {
    format!("{source}:{line}")
}

/// `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => "(none)".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn defined_ids(config: &CollectorConfig, kinds: &[Kind]) -> String {
    let ids: Vec<String> = config
        .components
        .iter()
        .filter(|c| kinds.contains(&c.kind))
        .map(|c| c.id.clone())
        .collect();
    if ids.is_empty() {
        "none is defined".to_string()
    } else {
        format!("defined: {}", ids.join(", "))
    }
}

fn undefined_components(config: &CollectorConfig, source: &str) -> Vec<Finding> {
    // Where each list of a pipeline may find its ids: connectors stand in for receivers and
    // exporters, never for processors.
    let mut findings = Vec::new();
    let mut check = |reference: &Reference, role: &str, kinds: &[Kind], place: String| {
        let defined = config
            .components
            .iter()
            .any(|c| kinds.contains(&c.kind) && c.id == reference.id);
        if defined {
            return;
        }
        let sections: Vec<String> = kinds.iter().map(|k| k.section().to_string()).collect();
        let mut finding = Finding::new(
            Code::ColConfigUndefinedComponent,
            Severity::Error,
            CHECK_CONFIG,
            format!(
                "{place} uses {role} '{}', which is not defined",
                reference.id
            ),
        )
        .evidence(format!(
            "{}: {place} lists {role} '{}', but no id under {} matches ({})",
            at(source, reference.line),
            reference.id,
            list(&sections).replace(" and ", " or "),
            defined_ids(config, kinds)
        ))
        .fix(
            Fix::new("collector.define_or_remove")
                .with("id", &reference.id)
                .with("section", &sections[0])
                .with("place", place),
        );
        if component_type(&reference.id) == "logging" {
            finding = finding.fix(Fix::new("collector.logging_exporter_removed"));
        }
        findings.push(finding);
    };
    for pipeline in &config.pipelines {
        let place = format!("pipeline '{}'", pipeline.id);
        for r in &pipeline.receivers {
            check(
                r,
                "receiver",
                &[Kind::Receiver, Kind::Connector],
                place.clone(),
            );
        }
        for r in &pipeline.processors {
            check(r, "processor", &[Kind::Processor], place.clone());
        }
        for r in &pipeline.exporters {
            check(
                r,
                "exporter",
                &[Kind::Exporter, Kind::Connector],
                place.clone(),
            );
        }
    }
    for r in &config.extensions {
        check(
            r,
            "extension",
            &[Kind::Extension],
            "service::extensions".to_string(),
        );
    }
    findings
}

fn unused_components(config: &CollectorConfig, source: &str) -> Vec<Finding> {
    let used_as = |id: &str, pick: fn(&Pipeline) -> &Vec<Reference>| -> Vec<String> {
        config
            .pipelines
            .iter()
            .filter(|p| pick(p).iter().any(|r| r.id == id))
            .map(|p| p.id.clone())
            .collect()
    };
    let mut findings = Vec::new();
    for component in &config.components {
        let id = component.id.as_str();
        let finding = match component.kind {
            Kind::Receiver | Kind::Processor | Kind::Exporter => {
                let pick: fn(&Pipeline) -> &Vec<Reference> = match component.kind {
                    Kind::Receiver => |p| &p.receivers,
                    Kind::Processor => |p| &p.processors,
                    _ => |p| &p.exporters,
                };
                if !used_as(id, pick).is_empty() {
                    continue;
                }
                unused(component, source, Severity::Warning)
                    .evidence(format!(
                        "{}: {} '{id}' is defined but no pipeline under service::pipelines lists it, so the Collector never starts it",
                        at(source, component.line),
                        component.kind
                    ))
                    .fix(Fix::new("collector.add_to_pipeline").with("id", id).with("section", component.kind.section()))
            }
            Kind::Connector => {
                let as_exporter = used_as(id, |p| &p.exporters);
                let as_receiver = used_as(id, |p| &p.receivers);
                if !as_exporter.is_empty() && !as_receiver.is_empty() {
                    continue;
                }
                let (severity, observed) = match (as_exporter.is_empty(), as_receiver.is_empty()) {
                    (true, true) => (Severity::Warning, "no pipeline lists it".to_string()),
                    (false, true) => (
                        Severity::Error,
                        format!(
                            "it is an exporter of {} but the receiver of no pipeline; the Collector refuses to start",
                            list(&quoted(&as_exporter))
                        ),
                    ),
                    _ => (
                        Severity::Error,
                        format!(
                            "it is a receiver of {} but the exporter of no pipeline; the Collector refuses to start",
                            list(&quoted(&as_receiver))
                        ),
                    ),
                };
                unused(component, source, severity)
                    .evidence(format!(
                        "{}: connector '{id}': {observed}",
                        at(source, component.line)
                    ))
                    .fix(Fix::new("collector.connect_connector").with("id", id))
            }
            Kind::Extension => {
                if config.extensions.iter().any(|r| r.id == id) {
                    continue;
                }
                unused(component, source, Severity::Warning)
                    .evidence(format!(
                        "{}: extension '{id}' is defined but not listed under service::extensions, so it never starts",
                        at(source, component.line)
                    ))
                    .fix(Fix::new("collector.enable_extension").with("id", id))
            }
        };
        findings.push(finding);
    }
    findings
}

fn quoted(ids: &[String]) -> Vec<String> {
    ids.iter().map(|id| format!("pipeline '{id}'")).collect()
}

fn unused(component: &Component, _source: &str, severity: Severity) -> Finding {
    Finding::new(
        Code::ColConfigUnusedComponent,
        severity,
        CHECK_CONFIG,
        format!(
            "{} '{}' is defined but not used",
            component.kind, component.id
        ),
    )
}

/// Receivers (and extensions) the lint knows to default to, or be set to, loopback: the OTLP
/// receiver's protocols and the health_check extension.
fn localhost_binds(config: &CollectorConfig, source: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    let used_receiver = |id: &str| {
        config
            .pipelines
            .iter()
            .any(|p| p.receivers.iter().any(|r| r.id == id))
    };
    for receiver in config.of_kind(Kind::Receiver) {
        if receiver.component_type() != "otlp" || !used_receiver(&receiver.id) {
            continue;
        }
        let Some(protocols) = receiver.settings.get("protocols") else {
            continue;
        };
        for (protocol, port) in [("grpc", 4317), ("http", 4318)] {
            let Some((key, settings)) =
                protocols.entries().iter().find(|(k, _)| k.text == protocol)
            else {
                continue;
            };
            let endpoint = settings.get("endpoint");
            if let Some(finding) = loopback_finding(
                source,
                &format!("receiver '{}' protocols::{protocol}", receiver.id),
                endpoint.map(|e| (e.as_str().unwrap_or_default(), e.line)),
                key.line,
                port,
                "v0.104.0",
            ) {
                findings.push(finding);
            }
        }
    }
    for extension in config.of_kind(Kind::Extension) {
        let health = matches!(extension.component_type(), "health_check" | "healthcheckv2");
        if !health || !config.extensions.iter().any(|r| r.id == extension.id) {
            continue;
        }
        // healthcheckv2 keeps its endpoint under http:, the classic extension at the top.
        let endpoint = extension.settings.get("endpoint").or_else(|| {
            extension
                .settings
                .get("http")
                .and_then(|h| h.get("endpoint"))
        });
        if let Some(finding) = loopback_finding(
            source,
            &format!("extension '{}'", extension.id),
            endpoint.map(|e| (e.as_str().unwrap_or_default(), e.line)),
            extension.line,
            13133,
            "v0.104.0",
        ) {
            findings.push(finding);
        }
    }
    findings
}

fn loopback_finding(
    source: &str,
    what: &str,
    endpoint: Option<(&str, usize)>,
    block_line: usize,
    port: u16,
    since: &str,
) -> Option<Finding> {
    let evidence = match endpoint {
        None => format!(
            "{}: {what} sets no endpoint, so it listens on the default localhost:{port} (the default since Collector {since})",
            at(source, block_line)
        ),
        Some((value, line)) if is_loopback_endpoint(value) => format!(
            "{}: {what} listens on {value}, a loopback address",
            at(source, line)
        ),
        Some(_) => return None,
    };
    Some(
        Finding::new(
            Code::ColConfigLocalhostBind,
            Severity::Warning,
            CHECK_CONFIG,
            format!("{what} accepts connections only from the same host or container"),
        )
        .evidence(evidence)
        .evidence(
            "other containers, pods and the host cannot reach a loopback listener: they see connection refused or reset",
        )
        .fix(Fix::new("collector.bind_all_interfaces").with("port", port))
        .fix(Fix::new("collector.keep_localhost_when_local")),
    )
}

/// `localhost:4317`, `127.0.0.1:4317`, `[::1]:4317` and the like.
fn is_loopback_endpoint(endpoint: &str) -> bool {
    let endpoint = endpoint.trim();
    let endpoint = endpoint
        .strip_prefix("http://")
        .or_else(|| endpoint.strip_prefix("https://"))
        .unwrap_or(endpoint);
    let host = if let Some(rest) = endpoint.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        endpoint.rsplit_once(':').map_or(endpoint, |(host, _)| host)
    };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Pipelines fed only by connectors get their data from a pipeline that was already limited.
fn fed_only_by_connectors(config: &CollectorConfig, pipeline: &Pipeline) -> bool {
    !pipeline.receivers.is_empty()
        && pipeline
            .receivers
            .iter()
            .all(|r| config.is_connector(&r.id))
}

fn missing_memory_limiter(config: &CollectorConfig, source: &str) -> Vec<Finding> {
    config
        .pipelines
        .iter()
        .filter(|p| !fed_only_by_connectors(config, p))
        .filter(|p| {
            !p.processors
                .iter()
                .any(|r| component_type(&r.id) == "memory_limiter")
        })
        .map(|p| {
            Finding::new(
                Code::ColConfigNoMemoryLimiter,
                Severity::Warning,
                CHECK_CONFIG,
                format!("pipeline '{}' has no memory_limiter processor", p.id),
            )
            .evidence(format!(
                "{}: pipeline '{}' processors: [{}]",
                at(source, p.line),
                p.id,
                p.processors
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .fix(Fix::new("collector.define_memory_limiter"))
            .fix(Fix::new("collector.memory_limiter_first").with("pipeline", &p.id))
        })
        .collect()
}

/// Whether an exporter batches on its own: `sending_queue::batch` (current) or the older
/// experimental `batcher::enabled: true`.
fn exporter_batches(exporter: &Component) -> bool {
    let settings = &exporter.settings;
    if let Some(queue) = settings.get("sending_queue") {
        let queue_on = queue.get("enabled").and_then(|e| e.as_bool()) != Some(false);
        if let Some(batch) = queue.get("batch") {
            let batch_on = batch.get("enabled").and_then(|e| e.as_bool()) != Some(false);
            if queue_on && batch_on {
                return true;
            }
        }
    }
    settings
        .get("batcher")
        .and_then(|b| b.get("enabled"))
        .and_then(|e| e.as_bool())
        == Some(true)
}

fn missing_batching(config: &CollectorConfig, source: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    for pipeline in &config.pipelines {
        let has_batch_processor = pipeline
            .processors
            .iter()
            .any(|r| BATCH_PROCESSOR_TYPES.contains(&component_type(&r.id)));
        if has_batch_processor {
            continue;
        }
        // Only exporters that send over the network; connectors and local sinks are exempt.
        let unbatched: Vec<String> = pipeline
            .exporters
            .iter()
            .filter_map(|r| config.find(Kind::Exporter, &r.id))
            .filter(|e| !LOCAL_EXPORTER_TYPES.contains(&e.component_type()))
            .filter(|e| !exporter_batches(e))
            .map(|e| e.id.clone())
            .collect();
        if unbatched.is_empty() {
            continue;
        }
        let names: Vec<String> = unbatched.iter().map(|id| format!("'{id}'")).collect();
        findings.push(
            Finding::new(
                Code::ColConfigNoBatching,
                Severity::Warning,
                CHECK_CONFIG,
                format!("pipeline '{}' does not batch before exporting", pipeline.id),
            )
            .evidence(format!(
                "{}: pipeline '{}' has no batch processor, and exporter {} has no sending_queue::batch",
                at(source, pipeline.line),
                pipeline.id,
                list(&names)
            ))
            .fix(Fix::new("collector.exporter_batching").with("exporter", &unbatched[0]))
            .fix(Fix::new("collector.batch_processor_on_old_collectors")),
        );
    }
    findings
}
