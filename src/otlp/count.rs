//! Spans, data points and log records counted straight off the protobuf wire, without decoding
//! the request. The proxy's exports-only view needs only the count of what passes, and a full
//! decode (every attribute and string allocated) costs several times the forwarding itself.
//!
//! The walk follows the field numbers of the OTLP protos (`opentelemetry-proto`'s generated
//! types carry the same numbers) and skips every other field, so it allocates nothing. A body
//! that is not valid protobuf gives `None`, as a failed decode would.

use crate::settings::Signal;
use prost::bytes::Buf;
use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};

/// The fields that lead from an export request to its items, one set per nesting level.
/// Traces: resource_spans(1) → scope_spans(2) → spans(2).
const TRACES: &[&[u32]] = &[&[1], &[2], &[2]];
/// Logs: resource_logs(1) → scope_logs(2) → log_records(2).
const LOGS: &[&[u32]] = &[&[1], &[2], &[2]];
/// Metrics: resource_metrics(1) → scope_metrics(2) → metrics(2) → gauge(5), sum(7),
/// histogram(9), exponential_histogram(10) or summary(11) → data_points(1).
const METRICS: &[&[u32]] = &[&[1], &[2], &[2], &[5, 7, 9, 10, 11], &[1]];

/// The number of items in a protobuf export request of `signal`, as
/// [`ExportRequest::item_count`](super::ExportRequest::item_count) would count them after a
/// decode; `None` when the bytes are not a well-formed protobuf message.
pub fn count_items(signal: Signal, message: &[u8]) -> Option<u64> {
    let path = match signal {
        Signal::Traces => TRACES,
        Signal::Metrics => METRICS,
        Signal::Logs => LOGS,
    };
    count_along(message, path)
}

fn count_along(mut message: &[u8], path: &[&[u32]]) -> Option<u64> {
    let Some((wanted, deeper)) = path.split_first() else {
        return Some(0);
    };
    let mut count = 0u64;
    while message.has_remaining() {
        let (field, wire_type) = decode_key(&mut message).ok()?;
        if wire_type == WireType::LengthDelimited && wanted.contains(&field) {
            let length = usize::try_from(decode_varint(&mut message).ok()?).ok()?;
            let inner = message.get(..length)?;
            message.advance(length);
            count += if deeper.is_empty() {
                1
            } else {
                count_along(inner, deeper)?
            };
        } else {
            skip_field(wire_type, field, &mut message, DecodeContext::default()).ok()?;
        }
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::{ExportRequest, ProbeData};
    use opentelemetry_proto::tonic::metrics::v1::{
        ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint,
        Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint,
        metric::Data,
    };
    use prost::Message;

    fn encoded(request: &ExportRequest) -> Vec<u8> {
        match request {
            ExportRequest::Traces(r) => r.encode_to_vec(),
            ExportRequest::Metrics(r) => r.encode_to_vec(),
            ExportRequest::Logs(r) => r.encode_to_vec(),
        }
    }

    #[test]
    fn counts_agree_with_a_full_decode_for_every_signal() {
        for count in [0, 1, 7, 300] {
            let probe = ProbeData {
                count,
                ..ProbeData::new()
            };
            for signal in Signal::ALL {
                let request = ExportRequest::probe(signal, &probe);
                let bytes = encoded(&request);
                assert_eq!(
                    count_items(signal, &bytes),
                    Some(request.item_count()),
                    "{signal} with {count}"
                );
            }
        }
    }

    #[test]
    fn every_metric_type_counts_its_data_points() {
        let metric = |data| Metric {
            name: "m".into(),
            data: Some(data),
            ..Default::default()
        };
        let metrics = vec![
            metric(Data::Gauge(Gauge {
                data_points: vec![NumberDataPoint::default(); 2],
            })),
            metric(Data::Sum(Sum {
                data_points: vec![NumberDataPoint::default(); 3],
                ..Default::default()
            })),
            metric(Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint::default(); 4],
                ..Default::default()
            })),
            metric(Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![ExponentialHistogramDataPoint::default(); 5],
                ..Default::default()
            })),
            metric(Data::Summary(Summary {
                data_points: vec![SummaryDataPoint::default(); 6],
            })),
        ];
        let request = ExportRequest::Metrics(
            opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest {
                resource_metrics: vec![ResourceMetrics {
                    scope_metrics: vec![ScopeMetrics {
                        metrics,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            },
        );
        assert_eq!(request.item_count(), 20);
        assert_eq!(count_items(Signal::Metrics, &encoded(&request)), Some(20));
    }

    #[test]
    fn malformed_bytes_are_not_counted() {
        let probe = ProbeData::new();
        let bytes = encoded(&ExportRequest::probe(Signal::Traces, &probe));
        assert_eq!(count_items(Signal::Traces, &bytes[..bytes.len() - 3]), None);
        assert_eq!(count_items(Signal::Traces, &[0xff; 16]), None);
        assert_eq!(count_items(Signal::Logs, &[]), Some(0));
    }
}
