//! The machine-readable live view (`serve --format json`): one JSON object per line, each with
//! a `kind` (`listening`, `span`, `metric`, `log`, `finding`, `summary`), as the contract says.

use super::values::{Attributes, Id, service_name, text};
use crate::report::Finding;
use crate::serve::{Payload, Received};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use serde::Serialize;
use serde_json::{Value, json};
use std::net::SocketAddr;

pub fn listening(grpc: SocketAddr, http: SocketAddr) -> Value {
    json!({"kind": "listening", "grpc": grpc.to_string(), "http": http.to_string()})
}

pub fn finding(finding: &Finding) -> Value {
    let mut value = serde_json::to_value(finding).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("kind".into(), Value::from("finding"));
    }
    value
}

/// A span line, serialized straight from borrowed fields: spans are most of what `serve` prints,
/// and building a `serde_json::Value` for each one dominated its profile under load.
#[derive(Serialize)]
struct SpanLine<'a> {
    kind: &'static str,
    service: &'a str,
    name: &'a str,
    trace_id: Id<'a>,
    span_id: Id<'a>,
    parent_span_id: Id<'a>,
    start_unix_nano: u64,
    end_unix_nano: u64,
    attributes: Attributes<'a>,
    status: i32,
    transport: &'a str,
}

#[derive(Serialize)]
struct MetricLine<'a> {
    kind: &'static str,
    service: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    metric_type: &'static str,
    unit: &'a str,
    data_points: usize,
    transport: &'a str,
}

#[derive(Serialize)]
struct LogLine<'a> {
    kind: &'static str,
    service: &'a str,
    severity: &'a str,
    severity_number: i32,
    body: String,
    time_unix_nano: u64,
    trace_id: Id<'a>,
    span_id: Id<'a>,
    attributes: Attributes<'a>,
    transport: &'a str,
}

/// Every span, metric and log record of a batch as NDJSON, each line ending in a newline, written
/// into one buffer so the batch is printed with one write.
pub fn items(received: &Received) -> String {
    let transport = received.transport.as_str();
    let items = usize::try_from(received.payload.item_count()).unwrap_or(0);
    let mut out = Vec::with_capacity(256 * items.min(4096));
    match &received.payload {
        Payload::Traces(request) => {
            for resource_spans in &request.resource_spans {
                let service = service_name(resource_spans.resource.as_ref());
                for span in resource_spans.scope_spans.iter().flat_map(|s| &s.spans) {
                    push_line(
                        &mut out,
                        &SpanLine {
                            kind: "span",
                            service: &service,
                            name: &span.name,
                            trace_id: Id(&span.trace_id),
                            span_id: Id(&span.span_id),
                            parent_span_id: Id(&span.parent_span_id),
                            start_unix_nano: span.start_time_unix_nano,
                            end_unix_nano: span.end_time_unix_nano,
                            attributes: Attributes(&span.attributes),
                            status: span.status.as_ref().map(|s| s.code).unwrap_or(0),
                            transport,
                        },
                    );
                }
            }
        }
        Payload::Metrics(request) => {
            for resource_metrics in &request.resource_metrics {
                let service = service_name(resource_metrics.resource.as_ref());
                for metric in resource_metrics
                    .scope_metrics
                    .iter()
                    .flat_map(|s| &s.metrics)
                {
                    let (metric_type, data_points) = match &metric.data {
                        Some(Data::Gauge(g)) => ("gauge", g.data_points.len()),
                        Some(Data::Sum(s)) => ("sum", s.data_points.len()),
                        Some(Data::Histogram(h)) => ("histogram", h.data_points.len()),
                        Some(Data::ExponentialHistogram(h)) => {
                            ("exponential_histogram", h.data_points.len())
                        }
                        Some(Data::Summary(s)) => ("summary", s.data_points.len()),
                        None => ("empty", 0),
                    };
                    push_line(
                        &mut out,
                        &MetricLine {
                            kind: "metric",
                            service: &service,
                            name: &metric.name,
                            metric_type,
                            unit: &metric.unit,
                            data_points,
                            transport,
                        },
                    );
                }
            }
        }
        Payload::Logs(request) => {
            for resource_logs in &request.resource_logs {
                let service = service_name(resource_logs.resource.as_ref());
                for record in resource_logs.scope_logs.iter().flat_map(|s| &s.log_records) {
                    push_line(
                        &mut out,
                        &LogLine {
                            kind: "log",
                            service: &service,
                            severity: &record.severity_text,
                            severity_number: record.severity_number,
                            body: record.body.as_ref().map(text).unwrap_or_default(),
                            time_unix_nano: record.time_unix_nano,
                            trace_id: Id(&record.trace_id),
                            span_id: Id(&record.span_id),
                            attributes: Attributes(&record.attributes),
                            transport,
                        },
                    );
                }
            }
        }
    }
    // serde_json writes only valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

fn push_line(out: &mut Vec<u8>, item: &impl Serialize) {
    // Writing into a Vec cannot fail, and every value here is representable in JSON.
    let _ = serde_json::to_writer(&mut *out, item);
    out.push(b'\n');
}
