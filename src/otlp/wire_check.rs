//! Whether a protobuf body would decode into the OTLP export request of its signal, and how many
//! items it holds, found by walking the wire against the generated types' [`Schema`] without
//! building them. `serve` answers an OTLP/HTTP export after this check and leaves the decode (every
//! string and attribute allocated, several times the cost) to its consumer, off the answer path.
//!
//! The walk accepts exactly what prost's decode of the generated types accepts: the same key,
//! varint, length and wire-type rules (prost's own primitives), UTF-8 for strings, packed or
//! unpacked repeated numbers, prost's recursion limit, unknown fields (groups too) skipped. A
//! fuzz target (`grpc_decode`) holds the two to the same answer and the same item count.

use super::schema::{FieldKind, FieldShape, MAX_COUNTED_ONEOFS, Schema};
use crate::settings::Signal;
use prost::bytes::Buf;
use prost::encoding::{WireType, decode_key, decode_varint};

/// Why the walk stopped; the caller decodes with prost to say exactly what is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// prost's `RECURSION_LIMIT`: how many messages deep a decode may go.
const RECURSION_LIMIT: u32 = 100;

/// The number of items (spans, data points, log records) in a protobuf export request of
/// `signal`, as [`ExportRequest::item_count`](super::ExportRequest::item_count) counts them after
/// a decode; [`Malformed`] exactly when that decode would fail.
pub fn check(signal: Signal, mut body: &[u8]) -> Result<u64, Malformed> {
    let schema = Schema::otlp();
    walk_fields(schema, schema.root(signal), &mut body, RECURSION_LIMIT)
}

/// The fields of one message until `buf` ends; the items inside them.
fn walk_fields(
    schema: &Schema,
    message: usize,
    buf: &mut &[u8],
    depth_left: u32,
) -> Result<u64, Malformed> {
    let shape = schema.message(message);
    let mut items = 0u64;
    // The items under each counted oneof's last member: (field number, items).
    let mut oneofs = [(0u32, 0u64); MAX_COUNTED_ONEOFS];
    while buf.has_remaining() {
        let (number, wire_type) = decode_key(buf).map_err(|_| Malformed)?;
        let Some(field) = shape.field(number) else {
            skip(wire_type, number, buf, depth_left)?;
            continue;
        };
        let found = walk_field(schema, field, wire_type, buf, depth_left)?;
        match field.counted_oneof {
            Some(slot) => {
                let (member, count) = &mut oneofs[slot];
                // Another member replaces the value; the same member again merges into it.
                if *member != number {
                    *member = number;
                    *count = 0;
                }
                *count += found;
            }
            None => items += found,
        }
    }
    Ok(items + oneofs.iter().map(|(_, count)| count).sum::<u64>())
}

/// One occurrence of a known field; the items it holds (one when it is an item itself).
fn walk_field(
    schema: &Schema,
    field: &FieldShape,
    wire_type: WireType,
    buf: &mut &[u8],
    depth_left: u32,
) -> Result<u64, Malformed> {
    match field.kind {
        FieldKind::Message(target) => {
            expect(wire_type, WireType::LengthDelimited)?;
            if depth_left == 0 {
                return Err(Malformed);
            }
            let mut inner = take_delimited(buf)?;
            let inside = walk_fields(schema, target, &mut inner, depth_left - 1)?;
            Ok(inside + u64::from(field.item))
        }
        FieldKind::String => {
            expect(wire_type, WireType::LengthDelimited)?;
            std::str::from_utf8(take_delimited(buf)?).map_err(|_| Malformed)?;
            Ok(0)
        }
        FieldKind::Bytes => {
            expect(wire_type, WireType::LengthDelimited)?;
            take_delimited(buf)?;
            Ok(0)
        }
        FieldKind::Varint | FieldKind::Fixed32 | FieldKind::Fixed64 => {
            if field.repeated && wire_type == WireType::LengthDelimited {
                packed(field.kind, take_delimited(buf)?)?;
            } else {
                scalar(field.kind, wire_type, buf)?;
            }
            Ok(0)
        }
    }
}

/// One number of a numeric field, in the wire type its kind has.
fn scalar(kind: FieldKind, wire_type: WireType, buf: &mut &[u8]) -> Result<(), Malformed> {
    match kind {
        FieldKind::Varint => {
            expect(wire_type, WireType::Varint)?;
            decode_varint(buf).map_err(|_| Malformed)?;
        }
        FieldKind::Fixed32 => {
            expect(wire_type, WireType::ThirtyTwoBit)?;
            advance(buf, 4)?;
        }
        _ => {
            expect(wire_type, WireType::SixtyFourBit)?;
            advance(buf, 8)?;
        }
    }
    Ok(())
}

/// Packed numbers: whole numbers that end exactly where the field does.
fn packed(kind: FieldKind, mut numbers: &[u8]) -> Result<(), Malformed> {
    match kind {
        FieldKind::Fixed32 if numbers.len().is_multiple_of(4) => Ok(()),
        FieldKind::Fixed64 if numbers.len().is_multiple_of(8) => Ok(()),
        FieldKind::Varint => {
            while numbers.has_remaining() {
                decode_varint(&mut numbers).map_err(|_| Malformed)?;
            }
            Ok(())
        }
        _ => Err(Malformed),
    }
}

/// An unknown field, skipped as prost's `skip_field` does (which also counts toward the
/// recursion limit, groups one level each).
fn skip(
    wire_type: WireType,
    number: u32,
    buf: &mut &[u8],
    depth_left: u32,
) -> Result<(), Malformed> {
    if depth_left == 0 {
        return Err(Malformed);
    }
    match wire_type {
        WireType::Varint => {
            decode_varint(buf).map_err(|_| Malformed)?;
        }
        WireType::ThirtyTwoBit => advance(buf, 4)?,
        WireType::SixtyFourBit => advance(buf, 8)?,
        WireType::LengthDelimited => {
            take_delimited(buf)?;
        }
        WireType::StartGroup => loop {
            let (inner, inner_type) = decode_key(buf).map_err(|_| Malformed)?;
            if inner_type == WireType::EndGroup {
                if inner != number {
                    return Err(Malformed);
                }
                break;
            }
            skip(inner_type, inner, buf, depth_left - 1)?;
        },
        WireType::EndGroup => return Err(Malformed),
    }
    Ok(())
}

fn expect(actual: WireType, wanted: WireType) -> Result<(), Malformed> {
    if actual == wanted {
        Ok(())
    } else {
        Err(Malformed)
    }
}

/// A length prefix and the bytes it covers, which must all be there.
fn take_delimited<'b>(buf: &mut &'b [u8]) -> Result<&'b [u8], Malformed> {
    let length = decode_varint(buf).map_err(|_| Malformed)?;
    let length = usize::try_from(length).map_err(|_| Malformed)?;
    let inner = buf.get(..length).ok_or(Malformed)?;
    *buf = &buf[length..];
    Ok(inner)
}

fn advance(buf: &mut &[u8], length: usize) -> Result<(), Malformed> {
    *buf = buf.get(length..).ok_or(Malformed)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::{ExportRequest, ProbeData};
    use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, any_value};
    use opentelemetry_proto::tonic::metrics::v1::{
        Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric,
    };
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use prost::Message;

    /// What prost's decode says about the same bytes: the item count, or none when it fails.
    fn decoded(signal: Signal, body: &[u8]) -> Option<u64> {
        ExportRequest::decode_protobuf(signal, body)
            .ok()
            .map(|request| request.item_count())
    }

    /// The probe request of `signal` with `count` items, encoded.
    fn probe_body(signal: Signal, count: usize) -> Vec<u8> {
        let probe = ProbeData {
            count,
            ..ProbeData::new()
        };
        crate::otlp::encode::protobuf(&ExportRequest::probe(signal, &probe))
    }

    fn agrees(signal: Signal, body: &[u8]) {
        assert_eq!(
            check(signal, body).ok(),
            decoded(signal, body),
            "{signal}: {body:02x?}"
        );
    }

    #[test]
    fn probe_requests_pass_with_their_item_counts() {
        for signal in Signal::ALL {
            let body = probe_body(signal, 7);
            assert_eq!(check(signal, &body), Ok(7), "{signal}");
        }
    }

    #[test]
    fn every_truncation_of_a_request_gets_the_answer_prost_gives() {
        for signal in Signal::ALL {
            let body = probe_body(signal, 3);
            for end in 0..body.len() {
                agrees(signal, &body[..end]);
            }
        }
    }

    #[test]
    fn every_single_byte_change_gets_the_answer_prost_gives() {
        for signal in Signal::ALL {
            let body = probe_body(signal, 2);
            for at in 0..body.len() {
                for value in [0x00, 0x01, 0x02, 0x05, 0x07, 0x0b, 0x0c, 0x80, 0xc0, 0xff] {
                    let mut changed = body.clone();
                    changed[at] = value;
                    agrees(signal, &changed);
                }
            }
        }
    }

    #[test]
    fn a_span_name_that_is_not_utf8_is_malformed() {
        let span = Span {
            name: "ab".into(),
            ..Span::default()
        };
        let mut body = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![span],
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        }
        .encode_to_vec();
        let at = body
            .windows(2)
            .position(|w| w == b"ab")
            .expect("the name is in the body");
        body[at] = 0xff;
        assert_eq!(check(Signal::Traces, &body), Err(Malformed));
        agrees(Signal::Traces, &body);
    }

    #[test]
    fn only_the_last_metric_data_member_counts_and_a_repeated_one_merges() {
        let points = |n| {
            (0..n)
                .map(|_| NumberDataPoint::default())
                .collect::<Vec<_>>()
        };
        let metric_with = |data| Metric {
            data: Some(data),
            ..Metric::default()
        };
        let encoded = |data| metric_with(data).encode_to_vec();
        // A Metric whose data is a gauge of 3, then a sum of 2 (replaces), then a sum of 4 (merges).
        let mut metric = encoded(metric::Data::Gauge(Gauge {
            data_points: points(3),
        }));
        metric.extend(encoded(metric::Data::Sum(Sum {
            data_points: points(2),
            ..Sum::default()
        })));
        metric.extend(encoded(metric::Data::Sum(Sum {
            data_points: points(4),
            ..Sum::default()
        })));
        let scope = nest(2, &metric);
        let resource = nest(2, &scope);
        let body = nest(1, &resource);
        assert_eq!(check(Signal::Metrics, &body), Ok(6));
        agrees(Signal::Metrics, &body);
        let request = ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![metric_with(metric::Data::Gauge(Gauge {
                        data_points: points(5),
                    }))],
                    ..ScopeMetrics::default()
                }],
                ..ResourceMetrics::default()
            }],
        };
        assert_eq!(check(Signal::Metrics, &request.encode_to_vec()), Ok(5));
    }

    #[test]
    fn every_metric_type_counts_its_data_points() {
        use opentelemetry_proto::tonic::metrics::v1::{
            ExponentialHistogram, ExponentialHistogramDataPoint, Histogram, HistogramDataPoint,
            Summary, SummaryDataPoint,
        };
        let metric = |data| Metric {
            name: "m".into(),
            data: Some(data),
            ..Default::default()
        };
        let metrics = vec![
            metric(metric::Data::Gauge(Gauge {
                data_points: vec![NumberDataPoint::default(); 2],
            })),
            metric(metric::Data::Sum(Sum {
                data_points: vec![NumberDataPoint::default(); 3],
                ..Default::default()
            })),
            metric(metric::Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint::default(); 4],
                ..Default::default()
            })),
            metric(metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![ExponentialHistogramDataPoint::default(); 5],
                ..Default::default()
            })),
            metric(metric::Data::Summary(Summary {
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
        assert_eq!(
            check(Signal::Metrics, &crate::otlp::encode::protobuf(&request)),
            Ok(20)
        );
    }

    /// `inner` as length-delimited field `number` of an outer message.
    fn nest(number: u32, inner: &[u8]) -> Vec<u8> {
        let mut outer = Vec::new();
        prost::encoding::encode_key(number, WireType::LengthDelimited, &mut outer);
        prost::encoding::encode_varint(inner.len() as u64, &mut outer);
        outer.extend_from_slice(inner);
        outer
    }

    #[test]
    fn nesting_stops_where_prosts_recursion_limit_does() {
        // Five messages lead to the attribute's value, and each array level nests two more.
        let mut outcomes = Vec::new();
        for depth in 40..52 {
            let mut value = AnyValue {
                value: Some(any_value::Value::IntValue(1)),
            };
            for _ in 0..depth {
                value = AnyValue {
                    value: Some(any_value::Value::ArrayValue(ArrayValue {
                        values: vec![value],
                    })),
                };
            }
            let span = Span {
                attributes: vec![KeyValue {
                    key: "deep".into(),
                    value: Some(value),
                    ..KeyValue::default()
                }],
                ..Span::default()
            };
            let body = ExportTraceServiceRequest {
                resource_spans: vec![ResourceSpans {
                    scope_spans: vec![ScopeSpans {
                        spans: vec![span],
                        ..ScopeSpans::default()
                    }],
                    ..ResourceSpans::default()
                }],
            }
            .encode_to_vec();
            agrees(Signal::Traces, &body);
            outcomes.push(check(Signal::Traces, &body).is_ok());
        }
        assert!(
            outcomes.contains(&true) && outcomes.contains(&false),
            "{outcomes:?}"
        );
    }

    #[test]
    fn unknown_fields_and_groups_are_skipped_as_prost_skips_them() {
        let mut body = probe_body(Signal::Logs, ProbeData::new().count);
        // Field 9, a group holding a varint field 1, then its end.
        body.extend([0x4b, 0x08, 0x01, 0x4c]);
        // Field 10 as varint, fixed32, fixed64 and bytes.
        body.extend([
            0x50, 0x7f, 0x55, 0, 0, 0, 0, 0x51, 0, 0, 0, 0, 0, 0, 0, 0, 0x52, 0x01, 0x00,
        ]);
        agrees(Signal::Logs, &body);
        assert!(check(Signal::Logs, &body).is_ok());
        for broken in [&[0x4b, 0x08, 0x01][..], &[0x4c], &[0x4b, 0x54]] {
            let mut with = body.clone();
            with.extend_from_slice(broken);
            agrees(Signal::Logs, &with);
        }
    }
}
