//! What the web view keeps of a batch: owned copies of the spans, log records and metric points
//! (the batch itself is dropped once every sink has seen it), in the shapes the page reads.
//! Ids are lower-case hex and times are milliseconds since the epoch as `f64`, because the page
//! is JavaScript: nanoseconds since the epoch do not fit its numbers.

use crate::serve::view::metric_values;
use crate::serve::view::values::{service_name, text};
use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as NumberValue;
use opentelemetry_proto::tonic::metrics::v1::{Metric, NumberDataPoint};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use serde::Serialize;
use std::sync::Arc;

/// Attributes as `[key, value]` pairs, in the order sent, values as plain text.
pub type Attributes = Vec<(String, String)>;

pub fn attributes(kvs: &[KeyValue]) -> Attributes {
    kvs.iter()
        .map(|kv| {
            (
                kv.key.clone(),
                kv.value.as_ref().map(text).unwrap_or_default(),
            )
        })
        .collect()
}

/// Nanoseconds since the epoch as milliseconds, for the page.
pub fn millis(nanos: u64) -> f64 {
    nanos as f64 / 1e6
}

/// A resource, shared by every item that came with it.
#[derive(Debug, Serialize)]
pub struct StoredResource {
    pub service: String,
    pub attributes: Attributes,
}

impl StoredResource {
    pub fn of(resource: Option<&Resource>) -> Arc<StoredResource> {
        Arc::new(StoredResource {
            service: service_name(resource),
            attributes: resource
                .map(|r| attributes(&r.attributes))
                .unwrap_or_default(),
        })
    }
}

/// An instrumentation scope, shared by every item that came with it.
#[derive(Debug, Serialize)]
pub struct StoredScope {
    pub name: String,
    pub version: String,
}

impl StoredScope {
    pub fn of(scope: Option<&InstrumentationScope>) -> Arc<StoredScope> {
        Arc::new(StoredScope {
            name: scope.map(|s| s.name.clone()).unwrap_or_default(),
            version: scope.map(|s| s.version.clone()).unwrap_or_default(),
        })
    }
}

#[derive(Debug, Serialize)]
pub struct StoredEvent {
    /// Nanoseconds since the epoch; the trace view turns it into an offset.
    #[serde(skip)]
    pub time_unix_nano: u64,
    pub name: String,
    pub attributes: Attributes,
}

#[derive(Debug, Serialize)]
pub struct StoredSpan {
    pub span_id: String,
    /// Empty for a root span.
    pub parent_span_id: String,
    pub name: String,
    pub kind: &'static str,
    #[serde(skip)]
    pub start_unix_nano: u64,
    #[serde(skip)]
    pub end_unix_nano: u64,
    /// `unset`, `ok` or `error`.
    pub status: &'static str,
    pub status_message: String,
    pub attributes: Attributes,
    pub events: Vec<StoredEvent>,
    pub links: usize,
    pub resource: Arc<StoredResource>,
    pub scope: Arc<StoredScope>,
}

impl StoredSpan {
    pub fn of(span: &Span, resource: &Arc<StoredResource>, scope: &Arc<StoredScope>) -> Self {
        StoredSpan {
            span_id: const_hex::encode(&span.span_id),
            parent_span_id: const_hex::encode(&span.parent_span_id),
            name: span.name.clone(),
            kind: kind_name(span.kind),
            start_unix_nano: span.start_time_unix_nano,
            end_unix_nano: span.end_time_unix_nano,
            status: status_name(span.status.as_ref().map_or(0, |s| s.code)),
            status_message: span
                .status
                .as_ref()
                .map(|s| s.message.clone())
                .unwrap_or_default(),
            attributes: attributes(&span.attributes),
            events: span
                .events
                .iter()
                .map(|event| StoredEvent {
                    time_unix_nano: event.time_unix_nano,
                    name: event.name.clone(),
                    attributes: attributes(&event.attributes),
                })
                .collect(),
            links: span.links.len(),
            resource: Arc::clone(resource),
            scope: Arc::clone(scope),
        }
    }

    pub fn duration_nanos(&self) -> u64 {
        self.end_unix_nano.saturating_sub(self.start_unix_nano)
    }

    pub fn is_error(&self) -> bool {
        self.status == "error"
    }

    /// The attribute `key` has the value `value` (any value when `None`), on the span or its
    /// resource.
    pub fn has_attribute(&self, key: &str, value: Option<&str>) -> bool {
        self.attributes
            .iter()
            .chain(&self.resource.attributes)
            .any(|(k, v)| k == key && value.is_none_or(|wanted| v == wanted))
    }
}

fn kind_name(kind: i32) -> &'static str {
    match SpanKind::try_from(kind) {
        Ok(SpanKind::Internal) => "internal",
        Ok(SpanKind::Server) => "server",
        Ok(SpanKind::Client) => "client",
        Ok(SpanKind::Producer) => "producer",
        Ok(SpanKind::Consumer) => "consumer",
        _ => "unspecified",
    }
}

fn status_name(code: i32) -> &'static str {
    match code {
        1 => "ok",
        2 => "error",
        _ => "unset",
    }
}

#[derive(Debug, Serialize)]
pub struct StoredLog {
    /// The record's time, or its observed time when it has none.
    pub time_ms: f64,
    pub service: String,
    pub severity_text: String,
    pub severity_number: i32,
    pub body: String,
    pub event_name: String,
    pub attributes: Attributes,
    /// Empty without trace context.
    pub trace_id: String,
    pub span_id: String,
    pub resource: Arc<StoredResource>,
    pub scope: Arc<StoredScope>,
}

impl StoredLog {
    pub fn of(
        record: &LogRecord,
        resource: &Arc<StoredResource>,
        scope: &Arc<StoredScope>,
    ) -> Self {
        let time = if record.time_unix_nano != 0 {
            record.time_unix_nano
        } else {
            record.observed_time_unix_nano
        };
        StoredLog {
            time_ms: millis(time),
            service: resource.service.clone(),
            severity_text: record.severity_text.clone(),
            severity_number: record.severity_number,
            body: record.body.as_ref().map(text).unwrap_or_default(),
            event_name: record.event_name.clone(),
            attributes: attributes(&record.attributes),
            trace_id: const_hex::encode(&record.trace_id),
            span_id: const_hex::encode(&record.span_id),
            resource: Arc::clone(resource),
            scope: Arc::clone(scope),
        }
    }
}

/// How a metric's points read, from its first batch.
#[derive(Debug, Clone, Serialize)]
pub struct MetricShape {
    pub kind: &'static str,
    pub temporality: Option<&'static str>,
    pub monotonic: bool,
    pub unit: String,
    pub description: String,
}

impl MetricShape {
    pub fn of(metric: &Metric) -> Self {
        let values = metric_values::of(metric.data.as_ref(), 0);
        MetricShape {
            kind: values.kind,
            temporality: values.temporality,
            monotonic: values.monotonic,
            unit: metric.unit.clone(),
            description: metric.description.clone(),
        }
    }
}

/// One data point: a number for sums and gauges; count, sum and buckets for distributions.
#[derive(Debug, Serialize)]
pub struct StoredPoint {
    pub time_ms: f64,
    /// The point's attributes as `k=v, k=v`: one line of the chart per distinct text.
    pub series: String,
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bounds: Vec<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<u64>,
}

/// Every point of a metric, in the order sent.
pub fn points(data: Option<&Data>) -> Vec<StoredPoint> {
    let series = |kvs: &[KeyValue]| {
        attributes(kvs)
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let point = |time: u64, kvs: &[KeyValue]| StoredPoint {
        time_ms: millis(time),
        series: series(kvs),
        value: None,
        count: None,
        sum: None,
        bounds: Vec::new(),
        buckets: Vec::new(),
    };
    let number = |value: Option<NumberValue>| {
        value.map(|v| match v {
            NumberValue::AsInt(n) => n as f64,
            NumberValue::AsDouble(x) => x,
        })
    };
    let distribution = |time: u64, kvs: &[KeyValue], count: u64, sum: Option<f64>| StoredPoint {
        value: Some(count as f64),
        count: Some(count),
        sum,
        ..point(time, kvs)
    };
    let numbers = |points: &[NumberDataPoint]| -> Vec<StoredPoint> {
        points
            .iter()
            .map(|p| StoredPoint {
                value: number(p.value),
                ..point(p.time_unix_nano, &p.attributes)
            })
            .collect()
    };
    match data {
        Some(Data::Gauge(g)) => numbers(&g.data_points),
        Some(Data::Sum(s)) => numbers(&s.data_points),
        Some(Data::Histogram(h)) => h
            .data_points
            .iter()
            .map(|p| StoredPoint {
                bounds: p.explicit_bounds.clone(),
                buckets: p.bucket_counts.clone(),
                ..distribution(p.time_unix_nano, &p.attributes, p.count, p.sum)
            })
            .collect(),
        Some(Data::ExponentialHistogram(h)) => h
            .data_points
            .iter()
            .map(|p| distribution(p.time_unix_nano, &p.attributes, p.count, p.sum))
            .collect(),
        Some(Data::Summary(s)) => s
            .data_points
            .iter()
            .map(|p| distribution(p.time_unix_nano, &p.attributes, p.count, Some(p.sum)))
            .collect(),
        None => Vec::new(),
    }
}
