//! Body decoding without a network: the spec's JSON examples, content negotiation, gzip limits.

use super::super::decode::{BodyEncoding, DecodeError, compression_from_header, decode_body};
use super::{TRACE_ID_HEX, TRACE_JSON, gzip};
use crate::otlp::payload::ExportRequest;
use crate::settings::{Compression, Signal};
use bytes::Bytes;
use opentelemetry_proto::tonic::common::v1::any_value::Value;

const METRICS_JSON: &str = include_str!("metrics.json");
const LOGS_JSON: &str = include_str!("logs.json");
const LIMIT: usize = 1024 * 1024;

fn json(signal: Signal, text: &str) -> Result<ExportRequest, DecodeError> {
    decode_body(
        signal,
        BodyEncoding::Json,
        Compression::None,
        Bytes::from(text.to_owned()),
        LIMIT,
    )
}

#[test]
fn spec_trace_example_parses_with_hex_ids() {
    let Ok(ExportRequest::Traces(request)) = json(Signal::Traces, TRACE_JSON) else {
        panic!("the spec's trace example must decode");
    };
    let span = &request.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(hex::encode(&span.trace_id), TRACE_ID_HEX);
    assert_eq!(hex::encode(&span.span_id), "eee19b7ec3c1b174");
    assert_eq!(hex::encode(&span.parent_span_id), "eee19b7ec3c1b173");
    assert_eq!(span.name, "I'm a server span");
    assert_eq!(span.kind, 2);
    assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);
}

#[test]
fn spec_metrics_example_counts_three_data_points() {
    let payload = json(Signal::Metrics, METRICS_JSON).expect("the spec's metrics example decodes");
    assert_eq!(payload.signal(), Signal::Metrics);
    assert_eq!(payload.item_count(), 3);
}

#[test]
fn spec_logs_example_parses_a_numeric_int_value() {
    let Ok(ExportRequest::Logs(request)) = json(Signal::Logs, LOGS_JSON) else {
        panic!("the spec's logs example must decode");
    };
    let record = &request.resource_logs[0].scope_logs[0].log_records[0];
    let int = record
        .attributes
        .iter()
        .find(|a| a.key == "int.attribute")
        .and_then(|a| a.value.as_ref())
        .and_then(|v| v.value.clone());
    assert_eq!(int, Some(Value::IntValue(10)));
}

#[test]
fn int64_as_json_strings_is_accepted() {
    // The JSON mapping writes 64-bit integers as strings; SDKs do, so the receiver must read them.
    let text = TRACE_JSON.replace("1544712660000000000", "\"1544712660000000000\"");
    let Ok(ExportRequest::Traces(request)) = json(Signal::Traces, &text) else {
        panic!("string int64 must decode");
    };
    let span = &request.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);
}

#[test]
fn unknown_json_fields_are_ignored() {
    let payload = json(Signal::Traces, r#"{"resourceSpans":[],"futureField":1}"#);
    assert!(payload.is_ok(), "{payload:?}");
}

#[test]
fn content_type_matching_ignores_case_and_parameters() {
    let cases = [
        ("application/x-protobuf", Some(BodyEncoding::Protobuf)),
        ("Application/X-Protobuf", Some(BodyEncoding::Protobuf)),
        ("application/json; charset=utf-8", Some(BodyEncoding::Json)),
        ("text/plain", None),
        ("application/protobuf+json", None),
        ("", None),
    ];
    for (value, expected) in cases {
        assert_eq!(BodyEncoding::from_content_type(value), expected, "{value}");
    }
}

#[test]
fn content_encoding_accepts_gzip_and_identity_only() {
    assert_eq!(compression_from_header(None), Some(Compression::None));
    assert_eq!(
        compression_from_header(Some("identity")),
        Some(Compression::None)
    );
    assert_eq!(
        compression_from_header(Some("GZIP")),
        Some(Compression::Gzip)
    );
    assert_eq!(
        compression_from_header(Some("x-gzip")),
        Some(Compression::Gzip)
    );
    assert_eq!(compression_from_header(Some("zstd")), None);
}

#[test]
fn gzip_is_inflated_up_to_the_limit_and_no_further() {
    let body = prost::Message::encode_to_vec(&super::one_span_request());
    let fits = decode_body(
        Signal::Traces,
        BodyEncoding::Protobuf,
        Compression::Gzip,
        Bytes::from(gzip(&body)),
        body.len(),
    );
    assert!(fits.is_ok(), "{fits:?}");
    let too_big = decode_body(
        Signal::Traces,
        BodyEncoding::Protobuf,
        Compression::Gzip,
        Bytes::from(gzip(&body)),
        body.len() - 1,
    );
    assert!(
        matches!(too_big, Err(DecodeError::TooLarge { .. })),
        "{too_big:?}"
    );
}

#[test]
fn garbage_is_a_decode_error_not_a_panic() {
    for (encoding, compression) in [
        (BodyEncoding::Protobuf, Compression::None),
        (BodyEncoding::Json, Compression::None),
        (BodyEncoding::Protobuf, Compression::Gzip),
    ] {
        let result = decode_body(
            Signal::Logs,
            encoding,
            compression,
            Bytes::from_static(b"\xff\xff\xff\xff not otlp"),
            LIMIT,
        );
        assert!(result.is_err(), "{encoding:?} {compression:?}");
    }
}
