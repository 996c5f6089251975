//! Read-only views over the generated OTLP types that the rules share: which service a resource
//! is, every span, log record, data point and attribute list with its owner, and how each is
//! named in evidence (span name, trace id hex, span id hex).

use crate::otlp::payload::ExportRequest;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::Span;
use std::fmt;

/// Names longer than this are cut in evidence; a span name can be a whole SQL statement.
const MAX_SHOWN_CHARS: usize = 120;

/// The resource attribute every backend groups by.
pub(super) const SERVICE_NAME: &str = "service.name";

/// The service a resource describes, as its `service.name` says (a non-empty string, if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Service<'a>(pub Option<&'a str>);

impl<'a> Service<'a> {
    pub(super) fn of(resource: Option<&'a Resource>) -> Self {
        let name = resource
            .and_then(|r| find(&r.attributes, SERVICE_NAME))
            .and_then(as_str)
            .filter(|name| !name.is_empty());
        Service(name)
    }

    /// The dedupe key: the name, or empty for data without one.
    pub(super) fn key(self) -> &'a str {
        self.0.unwrap_or("")
    }
}

impl fmt::Display for Service<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => write!(f, "service `{}`", clip(name)),
            None => f.write_str("a service without service.name"),
        }
    }
}

/// Every resource of a request, present or not.
pub(super) fn resources(payload: &ExportRequest) -> Vec<Option<&Resource>> {
    match payload {
        ExportRequest::Traces(r) => r
            .resource_spans
            .iter()
            .map(|r| r.resource.as_ref())
            .collect(),
        ExportRequest::Metrics(r) => r
            .resource_metrics
            .iter()
            .map(|r| r.resource.as_ref())
            .collect(),
        ExportRequest::Logs(r) => r
            .resource_logs
            .iter()
            .map(|r| r.resource.as_ref())
            .collect(),
    }
}

/// Every span with its service.
pub(super) fn spans(
    request: &ExportTraceServiceRequest,
) -> impl Iterator<Item = (Service<'_>, &Span)> {
    request.resource_spans.iter().flat_map(|resource_spans| {
        let service = Service::of(resource_spans.resource.as_ref());
        resource_spans
            .scope_spans
            .iter()
            .flat_map(|scope| &scope.spans)
            .map(move |span| (service, span))
    })
}

/// Every log record with its service.
pub(super) fn log_records(
    request: &ExportLogsServiceRequest,
) -> impl Iterator<Item = (Service<'_>, &LogRecord)> {
    request.resource_logs.iter().flat_map(|resource_logs| {
        let service = Service::of(resource_logs.resource.as_ref());
        resource_logs
            .scope_logs
            .iter()
            .flat_map(|scope| &scope.log_records)
            .map(move |record| (service, record))
    })
}

/// One data point of any metric type, reduced to what the rules read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Point<'a> {
    pub metric: &'a str,
    pub attributes: &'a [KeyValue],
    pub start_time_unix_nano: u64,
    pub time_unix_nano: u64,
}

/// Every data point with its service.
pub(super) fn points(request: &ExportMetricsServiceRequest) -> Vec<(Service<'_>, Point<'_>)> {
    let mut all = Vec::new();
    for resource_metrics in &request.resource_metrics {
        let service = Service::of(resource_metrics.resource.as_ref());
        for metric in resource_metrics
            .scope_metrics
            .iter()
            .flat_map(|s| &s.metrics)
        {
            all.extend(points_of(metric).into_iter().map(|point| (service, point)));
        }
    }
    all
}

fn points_of(metric: &Metric) -> Vec<Point<'_>> {
    let name = metric.name.as_str();
    macro_rules! collect {
        ($points:expr) => {
            $points
                .iter()
                .map(|p| Point {
                    metric: name,
                    attributes: &p.attributes,
                    start_time_unix_nano: p.start_time_unix_nano,
                    time_unix_nano: p.time_unix_nano,
                })
                .collect()
        };
    }
    match &metric.data {
        Some(Data::Gauge(g)) => collect!(g.data_points),
        Some(Data::Sum(s)) => collect!(s.data_points),
        Some(Data::Histogram(h)) => collect!(h.data_points),
        Some(Data::ExponentialHistogram(h)) => collect!(h.data_points),
        Some(Data::Summary(s)) => collect!(s.data_points),
        None => Vec::new(),
    }
}

/// What an attribute list belongs to, for evidence.
#[derive(Debug, Clone, Copy)]
pub(super) enum Owner<'a> {
    Resource,
    Scope(&'a str),
    Span(&'a Span),
    Event(&'a Span, &'a str),
    Link(&'a Span),
    Log(&'a LogRecord),
    Point(&'a str),
}

impl fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Resource => f.write_str("the resource"),
            Owner::Scope(name) => write!(f, "instrumentation scope `{}`", clip(name)),
            Owner::Span(span) => f.write_str(&span_label(span)),
            Owner::Event(span, event) => {
                write!(f, "event `{}` of {}", clip(event), span_label(span))
            }
            Owner::Link(span) => write!(f, "a link of {}", span_label(span)),
            Owner::Log(record) => f.write_str(&log_label(record)),
            Owner::Point(metric) => write!(f, "a data point of metric `{}`", clip(metric)),
        }
    }
}

/// One attribute list of a request with its service and owner.
#[derive(Debug, Clone, Copy)]
pub(super) struct AttributeSet<'a> {
    pub service: Service<'a>,
    pub owner: Owner<'a>,
    pub attributes: &'a [KeyValue],
}

/// Every attribute list in a request: resources, scopes, spans, events, links, log records and
/// data points.
pub(super) fn attribute_sets<'a>(payload: &'a ExportRequest) -> Vec<AttributeSet<'a>> {
    let mut sets = Vec::new();
    let mut add = |service: Service<'a>, owner: Owner<'a>, attributes: &'a [KeyValue]| {
        if !attributes.is_empty() {
            sets.push(AttributeSet {
                service,
                owner,
                attributes,
            });
        }
    };
    match payload {
        ExportRequest::Traces(request) => {
            for resource_spans in &request.resource_spans {
                let resource = resource_spans.resource.as_ref();
                let service = Service::of(resource);
                add(
                    service,
                    Owner::Resource,
                    resource.map_or(&[], |r| &r.attributes),
                );
                for scope_spans in &resource_spans.scope_spans {
                    if let Some(scope) = &scope_spans.scope {
                        add(service, Owner::Scope(&scope.name), &scope.attributes);
                    }
                    for span in &scope_spans.spans {
                        add(service, Owner::Span(span), &span.attributes);
                        for event in &span.events {
                            add(service, Owner::Event(span, &event.name), &event.attributes);
                        }
                        for link in &span.links {
                            add(service, Owner::Link(span), &link.attributes);
                        }
                    }
                }
            }
        }
        ExportRequest::Metrics(request) => {
            for resource_metrics in &request.resource_metrics {
                let resource = resource_metrics.resource.as_ref();
                let service = Service::of(resource);
                add(
                    service,
                    Owner::Resource,
                    resource.map_or(&[], |r| &r.attributes),
                );
                for scope_metrics in &resource_metrics.scope_metrics {
                    if let Some(scope) = &scope_metrics.scope {
                        add(service, Owner::Scope(&scope.name), &scope.attributes);
                    }
                    for metric in &scope_metrics.metrics {
                        for point in points_of(metric) {
                            add(service, Owner::Point(point.metric), point.attributes);
                        }
                    }
                }
            }
        }
        ExportRequest::Logs(request) => {
            for resource_logs in &request.resource_logs {
                let resource = resource_logs.resource.as_ref();
                let service = Service::of(resource);
                add(
                    service,
                    Owner::Resource,
                    resource.map_or(&[], |r| &r.attributes),
                );
                for scope_logs in &resource_logs.scope_logs {
                    if let Some(scope) = &scope_logs.scope {
                        add(service, Owner::Scope(&scope.name), &scope.attributes);
                    }
                    for record in &scope_logs.log_records {
                        add(service, Owner::Log(record), &record.attributes);
                    }
                }
            }
        }
    }
    sets
}

/// The value of `key` in an attribute list.
pub(super) fn find<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

/// A string attribute value.
pub(super) fn as_str(value: &AnyValue) -> Option<&str> {
    match &value.value {
        Some(Value::StringValue(text)) => Some(text),
        _ => None,
    }
}

/// A value in a short, one-line form for evidence.
pub(super) fn show_value(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        None => "(empty)".to_owned(),
        Some(Value::StringValue(text)) => format!("\"{}\"", clip(text)),
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::DoubleValue(d)) => d.to_string(),
        Some(Value::ArrayValue(a)) => format!("[{} values]", a.values.len()),
        Some(Value::KvlistValue(l)) => format!("{{{} entries}}", l.values.len()),
        Some(Value::BytesValue(b)) => format!("{} bytes", b.len()),
        Some(Value::StringValueStrindex(i)) => format!("string #{i}"),
    }
}

/// An id as lower-case hex, the form backends and `traceparent` use.
pub(super) fn id_hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "(empty)".to_owned()
    } else {
        const_hex::encode(bytes)
    }
}

/// `span `GET /users` (trace 4bf9…, span 00f0…)`.
pub(super) fn span_label(span: &Span) -> String {
    format!(
        "span `{}` (trace {}, span {})",
        clip(&span.name),
        id_hex(&span.trace_id),
        id_hex(&span.span_id)
    )
}

/// The `(trace id, span id)` pairs that [`span_label`] and [`log_label`] wrote into a line of
/// evidence, so a view can link a finding to the items it names.
pub fn named_items(evidence: &str) -> Vec<(String, String)> {
    let mut items = Vec::new();
    let mut rest = evidence;
    while let Some(start) = rest.find("(trace ") {
        rest = &rest[start + "(trace ".len()..];
        let Some((trace_id, after)) = rest.split_once(", span ") else {
            break;
        };
        let Some((span_id, after)) = after.split_once(')') else {
            break;
        };
        let is_hex = |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit());
        if is_hex(trace_id) && is_hex(span_id) {
            items.push((trace_id.to_owned(), span_id.to_owned()));
        }
        rest = after;
    }
    items
}

/// A log record by its event name or severity, with its trace context when it has one.
pub(super) fn log_label(record: &LogRecord) -> String {
    let mut label = if !record.event_name.is_empty() {
        format!("log record `{}`", clip(&record.event_name))
    } else if !record.severity_text.is_empty() {
        format!("{} log record", clip(&record.severity_text))
    } else {
        "log record".to_owned()
    };
    if !record.trace_id.is_empty() || !record.span_id.is_empty() {
        label.push_str(&format!(
            " (trace {}, span {})",
            id_hex(&record.trace_id),
            id_hex(&record.span_id)
        ));
    }
    label
}

/// Cuts text for evidence at a character boundary.
pub(super) fn clip(text: &str) -> String {
    // No more bytes than the limit means no more characters: nothing to count.
    if text.len() <= MAX_SHOWN_CHARS {
        return text.to_owned();
    }
    match text.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
