//! The one internal batch type every listener produces: a decoded OTLP export request with the
//! transport it came over and what the request said about its sender. Lint rules, the live view
//! and the fault policy all consume [`Received`], never transport-specific types.

use crate::settings::{Compression, Protocol, Signal};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use serde::Serialize;
use std::fmt;
use std::net::SocketAddr;
use std::time::SystemTime;

/// How a request reached the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Transport {
    #[serde(rename = "grpc")]
    Grpc,
    #[serde(rename = "http/protobuf")]
    HttpProtobuf,
    #[serde(rename = "http/json")]
    HttpJson,
}

impl Transport {
    pub const ALL: [Transport; 3] = [
        Transport::Grpc,
        Transport::HttpProtobuf,
        Transport::HttpJson,
    ];

    /// The spec spelling, the same as `OTEL_EXPORTER_OTLP_PROTOCOL` uses.
    pub fn as_str(self) -> &'static str {
        Protocol::from(self).as_str()
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Transport::Grpc => 0,
            Transport::HttpProtobuf => 1,
            Transport::HttpJson => 2,
        }
    }
}

impl From<Transport> for Protocol {
    fn from(transport: Transport) -> Protocol {
        match transport {
            Transport::Grpc => Protocol::Grpc,
            Transport::HttpProtobuf => Protocol::HttpProtobuf,
            Transport::HttpJson => Protocol::HttpJson,
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decoded export request, in the official generated types.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Traces(ExportTraceServiceRequest),
    Metrics(ExportMetricsServiceRequest),
    Logs(ExportLogsServiceRequest),
}

impl Payload {
    pub fn signal(&self) -> Signal {
        match self {
            Payload::Traces(_) => Signal::Traces,
            Payload::Metrics(_) => Signal::Metrics,
            Payload::Logs(_) => Signal::Logs,
        }
    }

    /// Spans, metric data points or log records, whichever this signal carries.
    pub fn item_count(&self) -> u64 {
        let count: usize = match self {
            Payload::Traces(request) => request
                .resource_spans
                .iter()
                .flat_map(|r| &r.scope_spans)
                .map(|s| s.spans.len())
                .sum(),
            Payload::Metrics(request) => request
                .resource_metrics
                .iter()
                .flat_map(|r| &r.scope_metrics)
                .flat_map(|s| &s.metrics)
                .map(|m| match &m.data {
                    Some(Data::Gauge(g)) => g.data_points.len(),
                    Some(Data::Sum(s)) => s.data_points.len(),
                    Some(Data::Histogram(h)) => h.data_points.len(),
                    Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
                    Some(Data::Summary(s)) => s.data_points.len(),
                    None => 0,
                })
                .sum(),
            Payload::Logs(request) => request
                .resource_logs
                .iter()
                .flat_map(|r| &r.scope_logs)
                .map(|s| s.log_records.len())
                .sum(),
        };
        u64::try_from(count).unwrap_or(u64::MAX)
    }
}

/// What the request itself said about its sender, for rules that judge how a client exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestMeta {
    /// The peer address, when the connection knows it.
    pub peer: Option<SocketAddr>,
    /// The `User-Agent` header; OpenTelemetry SDKs put their language and version there.
    pub user_agent: Option<String>,
    /// The compression the body arrived in (`Content-Encoding` or `grpc-encoding`).
    pub compression: Compression,
    pub received_at: SystemTime,
}

/// One decoded export request.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub transport: Transport,
    /// Always `payload.signal()`; kept as a field so consumers can route without matching.
    pub signal: Signal,
    pub payload: Payload,
    pub meta: RequestMeta,
}

impl Received {
    pub fn new(transport: Transport, payload: Payload, meta: RequestMeta) -> Self {
        Received {
            transport,
            signal: payload.signal(),
            payload,
            meta,
        }
    }
}
