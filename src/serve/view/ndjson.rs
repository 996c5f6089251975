//! The machine-readable live view (`serve --format json`): one JSON object per line, each with
//! a `kind` (`listening`, `span`, `metric`, `log`, `finding`, `summary`), as the contract says.

use super::values::{attributes, id, service_name, text};
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
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    start_unix_nano: u64,
    end_unix_nano: u64,
    attributes: Value,
    status: i32,
    transport: &'a str,
}

/// One line per span, metric and log record of a batch, each a JSON text.
pub fn items(received: &Received) -> Vec<String> {
    let transport = received.transport.as_str();
    let mut lines = Vec::new();
    match &received.payload {
        Payload::Traces(request) => {
            for resource_spans in &request.resource_spans {
                let service = service_name(resource_spans.resource.as_ref());
                for span in resource_spans.scope_spans.iter().flat_map(|s| &s.spans) {
                    let line = SpanLine {
                        kind: "span",
                        service: &service,
                        name: &span.name,
                        trace_id: id(&span.trace_id),
                        span_id: id(&span.span_id),
                        parent_span_id: id(&span.parent_span_id),
                        start_unix_nano: span.start_time_unix_nano,
                        end_unix_nano: span.end_time_unix_nano,
                        attributes: attributes(&span.attributes),
                        status: span.status.as_ref().map(|s| s.code).unwrap_or(0),
                        transport,
                    };
                    lines.push(serde_json::to_string(&line).unwrap_or_default());
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
                    let (kind, points) = match &metric.data {
                        Some(Data::Gauge(g)) => ("gauge", g.data_points.len()),
                        Some(Data::Sum(s)) => ("sum", s.data_points.len()),
                        Some(Data::Histogram(h)) => ("histogram", h.data_points.len()),
                        Some(Data::ExponentialHistogram(h)) => {
                            ("exponential_histogram", h.data_points.len())
                        }
                        Some(Data::Summary(s)) => ("summary", s.data_points.len()),
                        None => ("empty", 0),
                    };
                    lines.push(
                        json!({
                            "kind": "metric",
                            "service": service,
                            "name": metric.name,
                            "type": kind,
                            "unit": metric.unit,
                            "data_points": points,
                            "transport": transport,
                        })
                        .to_string(),
                    );
                }
            }
        }
        Payload::Logs(request) => {
            for resource_logs in &request.resource_logs {
                let service = service_name(resource_logs.resource.as_ref());
                for record in resource_logs.scope_logs.iter().flat_map(|s| &s.log_records) {
                    lines.push(
                        json!({
                            "kind": "log",
                            "service": service,
                            "severity": record.severity_text,
                            "severity_number": record.severity_number,
                            "body": record.body.as_ref().map(text).unwrap_or_default(),
                            "time_unix_nano": record.time_unix_nano,
                            "trace_id": id(&record.trace_id),
                            "span_id": id(&record.span_id),
                            "attributes": attributes(&record.attributes),
                            "transport": transport,
                        })
                        .to_string(),
                    );
                }
            }
        }
    }
    lines
}
