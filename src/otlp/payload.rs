//! The probe telemetry: one trace (a root span and its children), a gauge with one data point per
//! item, and log records tied to the same trace, all built from the official generated types of
//! `opentelemetry-proto` so that what goes on the wire is exactly what an SDK would send. Every
//! item carries the probe's trace id (or, for metrics, an attribute and exemplar holding it) so a
//! later look-up in a backend can find it.

use crate::settings::Signal;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs, SeverityNumber};
use opentelemetry_proto::tonic::metrics::v1::{
    Exemplar, Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, exemplar, metric,
    number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    ResourceSpans, ScopeSpans, Span, Status, span, status,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The name this tool reports as service, SDK and instrumentation scope.
pub const TOOL_NAME: &str = "otlp-doctor";
const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The metric the probe sends.
pub const PROBE_METRIC: &str = "otlp_doctor.probe";
/// The attribute holding the probe's trace id on metric points (metrics have no trace id field).
pub const PROBE_ID_ATTRIBUTE: &str = "otlp_doctor.probe_id";
/// How long each child span lasts; the root covers all of them.
const CHILD_SPAN: Duration = Duration::from_millis(1);
/// W3C trace flags with the `sampled` bit, so samplers that honour the flag keep the probe.
const SAMPLED: u32 = 0x01;

/// What the probe sends: which trace id, under which service, how many items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeData {
    pub trace_id: [u8; 16],
    pub service_name: String,
    pub span_name: String,
    /// Spans, metric points or log records per request (at least one is always sent).
    pub count: usize,
    /// Added to every span, data point and log record.
    pub attributes: Vec<(String, String)>,
    /// `send --replay`: a capture's requests, exported instead of the probe.
    pub replay: Option<Replay>,
}

/// The export requests of a capture (see [`super::capture`]), shared rather than copied.
#[derive(Debug, Clone)]
pub struct Replay(pub std::sync::Arc<Vec<ExportRequest>>);

impl Replay {
    /// The capture's requests of `signal`, in file order.
    pub fn of(&self, signal: Signal) -> impl Iterator<Item = &ExportRequest> {
        self.0.iter().filter(move |r| r.signal() == signal)
    }

    /// The signals the capture holds, in [`Signal::ALL`] order.
    pub fn signals(&self) -> Vec<Signal> {
        Signal::ALL
            .into_iter()
            .filter(|s| self.of(*s).next().is_some())
            .collect()
    }
}

/// The same capture: replays compare by identity, the requests themselves hold floats.
impl PartialEq for Replay {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Replay {}

impl ProbeData {
    /// A fresh random (never all-zero) trace id, service `otlp-doctor`, one item.
    pub fn new() -> ProbeData {
        ProbeData {
            trace_id: nonzero_random(),
            service_name: TOOL_NAME.to_string(),
            span_name: "otlp-doctor probe".to_string(),
            count: 1,
            attributes: Vec::new(),
            replay: None,
        }
    }

    /// The trace id as backends print it: 32 lowercase hex digits.
    pub fn trace_id_hex(&self) -> String {
        hex::encode(self.trace_id)
    }

    fn items(&self) -> usize {
        self.count.max(1)
    }

    fn resource(&self) -> Resource {
        Resource {
            attributes: vec![
                string_attribute("service.name", &self.service_name),
                string_attribute("telemetry.sdk.name", TOOL_NAME),
                string_attribute("telemetry.sdk.language", "rust"),
                string_attribute("telemetry.sdk.version", TOOL_VERSION),
            ],
            ..Default::default()
        }
    }

    fn user_attributes(&self) -> impl Iterator<Item = KeyValue> + '_ {
        self.attributes
            .iter()
            .map(|(key, value)| string_attribute(key, value))
    }
}

impl Default for ProbeData {
    fn default() -> Self {
        ProbeData::new()
    }
}

/// One export request of any signal.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportRequest {
    Traces(ExportTraceServiceRequest),
    Metrics(ExportMetricsServiceRequest),
    Logs(ExportLogsServiceRequest),
}

impl ExportRequest {
    /// The probe request of `signal`.
    pub fn probe(signal: Signal, probe: &ProbeData) -> ExportRequest {
        match signal {
            Signal::Traces => ExportRequest::Traces(traces(probe)),
            Signal::Metrics => ExportRequest::Metrics(metrics(probe)),
            Signal::Logs => ExportRequest::Logs(logs(probe)),
        }
    }

    /// Decodes a protobuf export request of `signal` into the generated types.
    pub fn decode_protobuf(
        signal: Signal,
        body: impl prost::bytes::Buf,
    ) -> Result<ExportRequest, prost::DecodeError> {
        use prost::Message;
        Ok(match signal {
            Signal::Traces => ExportRequest::Traces(ExportTraceServiceRequest::decode(body)?),
            Signal::Metrics => ExportRequest::Metrics(ExportMetricsServiceRequest::decode(body)?),
            Signal::Logs => ExportRequest::Logs(ExportLogsServiceRequest::decode(body)?),
        })
    }

    pub fn signal(&self) -> Signal {
        match self {
            ExportRequest::Traces(_) => Signal::Traces,
            ExportRequest::Metrics(_) => Signal::Metrics,
            ExportRequest::Logs(_) => Signal::Logs,
        }
    }

    /// Spans, metric data points or log records: the unit partial success counts in.
    pub fn item_count(&self) -> u64 {
        let count: usize = match self {
            ExportRequest::Traces(request) => request
                .resource_spans
                .iter()
                .flat_map(|r| &r.scope_spans)
                .map(|s| s.spans.len())
                .sum(),
            ExportRequest::Metrics(request) => request
                .resource_metrics
                .iter()
                .flat_map(|r| &r.scope_metrics)
                .flat_map(|s| &s.metrics)
                .map(data_point_count)
                .sum(),
            ExportRequest::Logs(request) => request
                .resource_logs
                .iter()
                .flat_map(|r| &r.scope_logs)
                .map(|s| s.log_records.len())
                .sum(),
        };
        u64::try_from(count).unwrap_or(u64::MAX)
    }

    /// The request's size as protobuf, whatever it arrived as.
    pub fn encoded_len(&self) -> usize {
        use prost::Message;
        match self {
            ExportRequest::Traces(request) => request.encoded_len(),
            ExportRequest::Metrics(request) => request.encoded_len(),
            ExportRequest::Logs(request) => request.encoded_len(),
        }
    }
}

/// `count` spans of one trace: a server root span, then internal children under it.
pub fn traces(probe: &ProbeData) -> ExportTraceServiceRequest {
    let items = probe.items();
    let end = unix_nanos_now();
    let start = end.saturating_sub(nanos(CHILD_SPAN) * items as u64);
    let root_id = nonzero_random::<8>();
    let spans = (0..items)
        .map(|index| {
            let is_root = index == 0;
            let (span_id, parent_span_id, kind, name, span_start, span_end) = if is_root {
                (
                    root_id.to_vec(),
                    Vec::new(),
                    span::SpanKind::Server,
                    probe.span_name.clone(),
                    start,
                    end,
                )
            } else {
                let child_start = start + nanos(CHILD_SPAN) * (index as u64 - 1);
                (
                    nonzero_random::<8>().to_vec(),
                    root_id.to_vec(),
                    span::SpanKind::Internal,
                    format!("{} child {index}", probe.span_name),
                    child_start,
                    child_start + nanos(CHILD_SPAN),
                )
            };
            let mut attributes = vec![int_attribute("otlp_doctor.span.index", index as i64)];
            attributes.extend(probe.user_attributes());
            Span {
                trace_id: probe.trace_id.to_vec(),
                span_id,
                parent_span_id,
                flags: SAMPLED,
                name,
                kind: kind as i32,
                start_time_unix_nano: span_start,
                end_time_unix_nano: span_end,
                attributes,
                status: Some(Status {
                    message: String::new(),
                    code: status::StatusCode::Ok as i32,
                }),
                ..Default::default()
            }
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(probe.resource()),
            scope_spans: vec![ScopeSpans {
                scope: Some(scope()),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// A gauge with `count` data points, told apart by an index attribute; each carries the probe
/// id as attribute and an exemplar linked to the probe trace.
pub fn metrics(probe: &ProbeData) -> ExportMetricsServiceRequest {
    let now = unix_nanos_now();
    let trace_hex = probe.trace_id_hex();
    let data_points = (0..probe.items())
        .map(|index| {
            let mut attributes = vec![
                string_attribute(PROBE_ID_ATTRIBUTE, &trace_hex),
                int_attribute("otlp_doctor.point.index", index as i64),
            ];
            attributes.extend(probe.user_attributes());
            NumberDataPoint {
                attributes,
                start_time_unix_nano: 0,
                time_unix_nano: now,
                exemplars: vec![Exemplar {
                    time_unix_nano: now,
                    trace_id: probe.trace_id.to_vec(),
                    span_id: nonzero_random::<8>().to_vec(),
                    value: Some(exemplar::Value::AsInt(1)),
                    ..Default::default()
                }],
                flags: 0,
                value: Some(number_data_point::Value::AsInt(1)),
            }
        })
        .collect();
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(probe.resource()),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(scope()),
                metrics: vec![Metric {
                    name: PROBE_METRIC.to_string(),
                    description: "a test value sent by otlp-doctor".to_string(),
                    unit: "1".to_string(),
                    metadata: Vec::new(),
                    data: Some(metric::Data::Gauge(Gauge { data_points })),
                }],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// `count` INFO log records, each in the probe trace.
pub fn logs(probe: &ProbeData) -> ExportLogsServiceRequest {
    let now = unix_nanos_now();
    let span_id = nonzero_random::<8>();
    let log_records = (0..probe.items())
        .map(|index| {
            let mut attributes = vec![int_attribute("otlp_doctor.log.index", index as i64)];
            attributes.extend(probe.user_attributes());
            LogRecord {
                time_unix_nano: now,
                observed_time_unix_nano: now,
                severity_number: SeverityNumber::Info as i32,
                severity_text: "INFO".to_string(),
                body: Some(AnyValue {
                    value: Some(any_value::Value::StringValue(format!(
                        "otlp-doctor probe log {index} of trace {}",
                        probe.trace_id_hex()
                    ))),
                }),
                attributes,
                flags: SAMPLED,
                trace_id: probe.trace_id.to_vec(),
                span_id: span_id.to_vec(),
                ..Default::default()
            }
        })
        .collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(probe.resource()),
            scope_logs: vec![ScopeLogs {
                scope: Some(scope()),
                log_records,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

fn data_point_count(metric: &Metric) -> usize {
    match &metric.data {
        Some(metric::Data::Gauge(gauge)) => gauge.data_points.len(),
        Some(metric::Data::Sum(sum)) => sum.data_points.len(),
        Some(metric::Data::Histogram(histogram)) => histogram.data_points.len(),
        Some(metric::Data::ExponentialHistogram(histogram)) => histogram.data_points.len(),
        Some(metric::Data::Summary(summary)) => summary.data_points.len(),
        None => 0,
    }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: TOOL_NAME.to_string(),
        version: TOOL_VERSION.to_string(),
        ..Default::default()
    }
}

fn string_attribute(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_string())),
        }),
        ..Default::default()
    }
}

fn int_attribute(key: &str, value: i64) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(value)),
        }),
        ..Default::default()
    }
}

/// Random bytes that are not all zero (an all-zero trace or span id is invalid).
fn nonzero_random<const N: usize>() -> [u8; N] {
    loop {
        let bytes: [u8; N] = rand::random();
        if bytes.iter().any(|b| *b != 0) {
            return bytes;
        }
    }
}

fn unix_nanos_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(nanos)
        .unwrap_or_default()
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(count: usize) -> ProbeData {
        ProbeData {
            count,
            attributes: vec![("probe.run".to_string(), "test".to_string())],
            ..ProbeData::new()
        }
    }

    #[test]
    fn traces_are_one_trace_with_a_root_and_children() {
        let probe = probe(3);
        let request = traces(&probe);
        let spans = &request.resource_spans[0].scope_spans[0].spans;
        assert_eq!(spans.len(), 3);
        let root = &spans[0];
        assert!(root.parent_span_id.is_empty());
        assert_eq!(root.kind, span::SpanKind::Server as i32);
        for span in spans {
            assert_eq!(span.trace_id, probe.trace_id.to_vec());
            assert_eq!(span.span_id.len(), 8);
            assert!(span.span_id.iter().any(|b| *b != 0));
            assert!(span.start_time_unix_nano > 0);
            assert!(span.start_time_unix_nano <= span.end_time_unix_nano);
            assert!(root.start_time_unix_nano <= span.start_time_unix_nano);
            assert!(span.end_time_unix_nano <= root.end_time_unix_nano);
            assert_eq!(
                span.status.as_ref().map(|s| s.code),
                Some(status::StatusCode::Ok as i32)
            );
            assert!(span.attributes.iter().any(|a| a.key == "probe.run"));
        }
        for child in &spans[1..] {
            assert_eq!(child.parent_span_id, root.span_id);
            assert_ne!(child.span_id, root.span_id);
        }
        let resource = request.resource_spans[0].resource.as_ref();
        let keys: Vec<_> = resource
            .map(|r| r.attributes.iter().map(|a| a.key.as_str()).collect())
            .unwrap_or_default();
        assert!(keys.contains(&"service.name"));
        assert!(keys.contains(&"telemetry.sdk.name"));
        assert_eq!(
            request.resource_spans[0].scope_spans[0]
                .scope
                .as_ref()
                .map(|s| s.name.as_str()),
            Some(TOOL_NAME)
        );
    }

    #[test]
    fn item_counts_match_the_requested_count() {
        let probe = probe(4);
        for signal in Signal::ALL {
            let request = ExportRequest::probe(signal, &probe);
            assert_eq!(request.signal(), signal);
            assert_eq!(request.item_count(), 4, "{signal}");
        }
        let zero = ProbeData {
            count: 0,
            ..ProbeData::new()
        };
        assert_eq!(ExportRequest::probe(Signal::Logs, &zero).item_count(), 1);
    }

    #[test]
    fn logs_belong_to_the_probe_trace() {
        let probe = probe(2);
        let request = logs(&probe);
        for record in &request.resource_logs[0].scope_logs[0].log_records {
            assert_eq!(record.trace_id, probe.trace_id.to_vec());
            assert_eq!(record.span_id.len(), 8);
            assert_eq!(record.severity_number, SeverityNumber::Info as i32);
            assert!(record.body.is_some());
        }
    }

    #[test]
    fn metric_points_carry_the_probe_id() {
        let probe = probe(2);
        let request = metrics(&probe);
        let metric = &request.resource_metrics[0].scope_metrics[0].metrics[0];
        let Some(metric::Data::Gauge(gauge)) = &metric.data else {
            panic!("the probe metric is a gauge");
        };
        for point in &gauge.data_points {
            assert!(point.time_unix_nano > 0);
            assert!(point.attributes.iter().any(|a| a.key == PROBE_ID_ATTRIBUTE));
            assert_eq!(point.exemplars[0].trace_id, probe.trace_id.to_vec());
        }
    }

    #[test]
    fn trace_id_hex_is_32_lowercase_digits() {
        let probe = ProbeData::new();
        let hex = probe.trace_id_hex();
        assert_eq!(hex.len(), 32);
        assert!(
            hex.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(ProbeData::new().trace_id, probe.trace_id);
    }
}
