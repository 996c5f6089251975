//! Running totals per service, shown when `serve` stops (Ctrl-C or `--duration`).

use super::values::service_name;
use crate::otlp::payload::ExportRequest;
use crate::report::Finding;
use crate::serve::Received;
use crate::serve::refusal::Refusal;
use crate::settings::Protocol;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use serde::Serialize;
use std::collections::BTreeMap;

/// What one service sent.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ServiceTotals {
    pub spans: u64,
    /// Spans with status ERROR.
    pub error_spans: u64,
    pub data_points: u64,
    pub log_records: u64,
    pub transports: Vec<&'static str>,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub services: BTreeMap<String, ServiceTotals>,
    /// Lint findings by code.
    pub findings: BTreeMap<String, u64>,
    pub requests: u64,
    /// Batches acknowledged to the sender but neither shown nor linted because the view fell
    /// behind.
    pub dropped: u64,
    /// Refused requests by reason (`auth`, `injected`, `too_large`, `bad_body`, `not_otlp`,
    /// `tls_handshake`).
    pub refused: BTreeMap<&'static str, u64>,
}

/// OTLP status code ERROR (`trace.proto` Status.StatusCode).
pub(super) const STATUS_ERROR: i32 = 2;

impl Summary {
    pub fn add(&mut self, received: &Received) {
        self.requests += 1;
        match &received.payload {
            ExportRequest::Traces(request) => {
                for rs in &request.resource_spans {
                    let totals =
                        self.service(service_name(rs.resource.as_ref()), received.transport);
                    for span in rs.scope_spans.iter().flat_map(|s| &s.spans) {
                        totals.spans += 1;
                        if span.status.as_ref().is_some_and(|s| s.code == STATUS_ERROR) {
                            totals.error_spans += 1;
                        }
                    }
                }
            }
            ExportRequest::Metrics(request) => {
                for rm in &request.resource_metrics {
                    let totals =
                        self.service(service_name(rm.resource.as_ref()), received.transport);
                    for metric in rm.scope_metrics.iter().flat_map(|s| &s.metrics) {
                        totals.data_points += points(metric.data.as_ref()) as u64;
                    }
                }
            }
            ExportRequest::Logs(request) => {
                for rl in &request.resource_logs {
                    let totals =
                        self.service(service_name(rl.resource.as_ref()), received.transport);
                    totals.log_records += rl
                        .scope_logs
                        .iter()
                        .map(|s| s.log_records.len() as u64)
                        .sum::<u64>();
                }
            }
        }
    }

    pub fn add_refusal(&mut self, refusal: &Refusal) {
        *self.refused.entry(refusal.reason.as_str()).or_default() += 1;
    }

    pub fn add_finding(&mut self, finding: &Finding) {
        *self
            .findings
            .entry(finding.code.as_str().to_string())
            .or_default() += 1;
    }

    fn service(&mut self, name: String, transport: Protocol) -> &mut ServiceTotals {
        let totals = self.services.entry(name).or_default();
        if !totals.transports.contains(&transport.as_str()) {
            totals.transports.push(transport.as_str());
        }
        totals
    }
}

pub fn points(data: Option<&Data>) -> usize {
    match data {
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}
