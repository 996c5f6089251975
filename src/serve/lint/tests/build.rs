//! Builders for hand-made requests: a well-formed default for every item, which tests then break
//! in exactly one way.

use crate::otlp::payload::ExportRequest;
use crate::report::{Code, Finding};
use crate::serve::lint::{LintConfig, Linter};
use crate::serve::{Received, RequestMeta};
use crate::settings::{Compression, Protocol};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point;
use opentelemetry_proto::tonic::metrics::v1::{
    Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The receiver's clock in every test: 2025-06-15T15:06:40Z.
pub(super) const NOW_NANOS: u64 = 1_750_000_000_000_000_000;
pub(super) const SECOND: u64 = 1_000_000_000;
pub(super) const SERVICE: &str = "checkout";
pub(super) const USER_AGENT: &str = "OTel-OTLP-Exporter-Rust/0.31.0";

pub(super) fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(NOW_NANOS)
}

pub(super) fn later(seconds: u64) -> SystemTime {
    now() + Duration::from_secs(seconds)
}

/// A valid trace id: `n` repeated with a fixed non-zero prefix.
pub(super) fn trace_id(n: u8) -> Vec<u8> {
    let mut id = vec![0x4b, 0xf9, 0x2f, 0x35];
    id.extend([n; 12]);
    id
}

pub(super) fn span_id(n: u8) -> Vec<u8> {
    vec![0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, n]
}

pub(super) fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(value.to_owned())),
        }),
        ..KeyValue::default()
    }
}

pub(super) fn int_kv(key: &str, value: i64) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(Value::IntValue(value)),
        }),
        ..KeyValue::default()
    }
}

/// A resource with `service.name` (when given) and the SDK attributes every SDK sets.
pub(super) fn resource(service: Option<&str>) -> Resource {
    let mut attributes = vec![
        kv("telemetry.sdk.language", "rust"),
        kv("telemetry.sdk.name", "opentelemetry"),
    ];
    if let Some(name) = service {
        attributes.push(kv("service.name", name));
    }
    Resource {
        attributes,
        ..Resource::default()
    }
}

/// A well-formed root span that started two seconds and ended one second before [`now`].
pub(super) fn span(name: &str, trace: u8, id: u8) -> Span {
    Span {
        trace_id: trace_id(trace),
        span_id: span_id(id),
        name: name.to_owned(),
        kind: 2,
        start_time_unix_nano: NOW_NANOS - 2 * SECOND,
        end_time_unix_nano: NOW_NANOS - SECOND,
        ..Span::default()
    }
}

pub(super) fn child(name: &str, trace: u8, id: u8, parent: u8) -> Span {
    Span {
        parent_span_id: span_id(parent),
        ..span(name, trace, id)
    }
}

fn scope() -> Option<InstrumentationScope> {
    Some(InstrumentationScope {
        name: "lint-tests".to_owned(),
        version: "1.0.0".to_owned(),
        ..InstrumentationScope::default()
    })
}

pub(super) fn traces_of(resource: Option<Resource>, spans: Vec<Span>) -> Received {
    received(ExportRequest::Traces(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource,
            scope_spans: vec![ScopeSpans {
                scope: scope(),
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }))
}

pub(super) fn traces(spans: Vec<Span>) -> Received {
    traces_of(Some(resource(Some(SERVICE))), spans)
}

/// A well-formed log record inside span 1 of trace 1.
pub(super) fn log_record(body: &str) -> LogRecord {
    LogRecord {
        time_unix_nano: NOW_NANOS - SECOND,
        observed_time_unix_nano: NOW_NANOS - SECOND,
        severity_number: 9,
        severity_text: "INFO".to_owned(),
        body: Some(AnyValue {
            value: Some(Value::StringValue(body.to_owned())),
        }),
        trace_id: trace_id(1),
        span_id: span_id(1),
        ..LogRecord::default()
    }
}

pub(super) fn logs_of(resource: Option<Resource>, log_records: Vec<LogRecord>) -> Received {
    received(ExportRequest::Logs(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource,
            scope_logs: vec![ScopeLogs {
                scope: scope(),
                log_records,
                ..ScopeLogs::default()
            }],
            ..ResourceLogs::default()
        }],
    }))
}

pub(super) fn logs(log_records: Vec<LogRecord>) -> Received {
    logs_of(Some(resource(Some(SERVICE))), log_records)
}

/// A gauge data point taken one second before [`now`].
pub(super) fn point(value: f64) -> NumberDataPoint {
    NumberDataPoint {
        start_time_unix_nano: NOW_NANOS - 60 * SECOND,
        time_unix_nano: NOW_NANOS - SECOND,
        value: Some(number_data_point::Value::AsDouble(value)),
        ..NumberDataPoint::default()
    }
}

pub(super) fn gauge(name: &str, data_points: Vec<NumberDataPoint>) -> Metric {
    Metric {
        name: name.to_owned(),
        unit: "1".to_owned(),
        data: Some(Data::Gauge(Gauge { data_points })),
        ..Metric::default()
    }
}

pub(super) fn metrics_of(resource: Option<Resource>, metrics: Vec<Metric>) -> Received {
    received(ExportRequest::Metrics(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource,
            scope_metrics: vec![ScopeMetrics {
                scope: scope(),
                metrics,
                ..ScopeMetrics::default()
            }],
            ..ResourceMetrics::default()
        }],
    }))
}

pub(super) fn metrics(metrics: Vec<Metric>) -> Received {
    metrics_of(Some(resource(Some(SERVICE))), metrics)
}

pub(super) fn received(payload: ExportRequest) -> Received {
    Received::new(
        Protocol::Grpc,
        payload,
        RequestMeta {
            peer: None,
            user_agent: Some(USER_AGENT.to_owned()),
            compression: Compression::None,
            received_at: now(),
        },
    )
}

/// Lints one batch with a fresh linter, the session then ended.
pub(super) fn lint(received: &Received) -> Vec<Finding> {
    let mut linter = Linter::new(LintConfig::default());
    let mut findings = linter.inspect(received, now());
    findings.extend(linter.finish());
    findings
}

pub(super) fn codes(findings: &[Finding]) -> Vec<Code> {
    findings.iter().map(|f| f.code).collect()
}

/// The single finding with `code`, failing with all findings shown otherwise.
pub(super) fn only(findings: &[Finding], code: Code) -> Finding {
    let matching: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(matching.len(), 1, "expected one {code} in {findings:#?}");
    matching[0].clone()
}

/// Evidence lines joined, for `contains` checks.
pub(super) fn text(finding: &Finding) -> String {
    let mut lines = vec![finding.title.clone()];
    lines.extend(finding.evidence.iter().cloned());
    lines.extend(finding.fix.iter().cloned());
    lines.join("\n")
}
