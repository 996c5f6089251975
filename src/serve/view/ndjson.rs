//! The machine-readable live view (`serve --format json`): one JSON object per line, each with
//! a `kind` (`listening`, `span`, `metric`, `log`, `refused`, `finding`, `summary`), as the
//! contract says.

use super::json_line::JsonLine;
use super::metric_values;
use super::summary::Summary;
use super::values::{service_name, text};
use crate::otlp::payload::ExportRequest;
use crate::report::Finding;
use crate::serve::Received;
use crate::serve::refusal::Refusal;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// Points per metric line: the values to see at a glance; `--save` keeps every point.
const SHOWN_JSON_POINTS: usize = 20;

/// The first line; `tls` makes the URLs `https://`.
pub fn listening(grpc: SocketAddr, http: SocketAddr, tls: bool) -> Value {
    let scheme = if tls { "https" } else { "http" };
    json!({
        "kind": "listening",
        "grpc": grpc.to_string(),
        "http": http.to_string(),
        "grpc_url": format!("{scheme}://{grpc}"),
        "http_url": format!("{scheme}://{http}"),
    })
}

pub fn finding(finding: &Finding) -> Value {
    let mut value = serde_json::to_value(finding).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("kind".into(), Value::from("finding"));
    }
    value
}

/// One refused request.
pub fn refusal(refusal: &Refusal) -> Value {
    json!({
        "kind": "refused",
        "reason": refusal.reason.as_str(),
        "transport": refusal.transport.map(|t| t.as_str()),
        "path": refusal.path,
        "answer": refusal.answer,
        "message": refusal.message,
        "peer": refusal.peer.map(|p| p.to_string()),
    })
}

/// The closing line: the summary's fields and `kind`.
pub fn summary(summary: &Summary) -> Value {
    let mut value = serde_json::to_value(summary).unwrap_or_default();
    if let Value::Object(map) = &mut value {
        map.insert("kind".into(), Value::from("summary"));
    }
    value
}

/// Appends every span, metric and log record of a batch to `out` as NDJSON (UTF-8, each line
/// ending in a newline), so the batch is printed with one write from a buffer that is reused.
pub fn items(received: &Received, out: &mut Vec<u8>) {
    let transport = received.transport.as_str();
    match &received.payload {
        ExportRequest::Traces(request) => {
            for resource_spans in &request.resource_spans {
                let service = service_name(resource_spans.resource.as_ref());
                for span in resource_spans.scope_spans.iter().flat_map(|s| &s.spans) {
                    let status = span.status.as_ref().map_or(0, |s| s.code);
                    JsonLine::begin(out)
                        .str("kind", "span")
                        .str("service", &service)
                        .str("name", &span.name)
                        .hex("trace_id", &span.trace_id)
                        .hex("span_id", &span.span_id)
                        .hex("parent_span_id", &span.parent_span_id)
                        .int("start_unix_nano", span.start_time_unix_nano)
                        .int("end_unix_nano", span.end_time_unix_nano)
                        .attributes("attributes", &span.attributes)
                        .int("status", status)
                        .str("transport", transport)
                        .end();
                }
            }
        }
        ExportRequest::Metrics(request) => {
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
                    JsonLine::begin(out)
                        .str("kind", "metric")
                        .str("service", &service)
                        .str("name", &metric.name)
                        .str("type", metric_type)
                        .str("unit", &metric.unit)
                        .int("data_points", data_points)
                        .value(
                            "points",
                            &metric_values::of(metric.data.as_ref(), SHOWN_JSON_POINTS).points,
                        )
                        .str("transport", transport)
                        .end();
                }
            }
        }
        ExportRequest::Logs(request) => {
            for resource_logs in &request.resource_logs {
                let service = service_name(resource_logs.resource.as_ref());
                for record in resource_logs.scope_logs.iter().flat_map(|s| &s.log_records) {
                    let body = record.body.as_ref().map(text).unwrap_or_default();
                    JsonLine::begin(out)
                        .str("kind", "log")
                        .str("service", &service)
                        .str("severity", &record.severity_text)
                        .int("severity_number", record.severity_number)
                        .str("body", &body)
                        .int("time_unix_nano", record.time_unix_nano)
                        .hex("trace_id", &record.trace_id)
                        .hex("span_id", &record.span_id)
                        .attributes("attributes", &record.attributes)
                        .str("transport", transport)
                        .end();
                }
            }
        }
    }
}
