//! OTLP/HTTP answers as the spec words them: success is 200 with an empty `Export*ServiceResponse`
//! in the request's encoding; a failure carries a `google.rpc.Status` in that encoding too, or plain
//! text when the request's encoding is unknown.

use super::decode::BodyEncoding;
use crate::otlp::rpc::RpcStatus;
use crate::settings::Signal;
use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message;
use serde::Serialize;

/// The body type every OTLP/HTTP answer uses.
pub(crate) type Body = Full<Bytes>;

/// 200 with the signal's export response, encoded as the request was; `rejected` items are
/// reported as partial success.
pub(crate) fn success(signal: Signal, encoding: BodyEncoding, rejected: u64) -> Response<Body> {
    let count = i64::try_from(rejected).unwrap_or(i64::MAX);
    let message = || super::faults::partial_message(rejected);
    let traces = ExportTraceServiceResponse {
        partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
            rejected_spans: count,
            error_message: message(),
        }),
    };
    let metrics = ExportMetricsServiceResponse {
        partial_success: (rejected > 0).then(|| ExportMetricsPartialSuccess {
            rejected_data_points: count,
            error_message: message(),
        }),
    };
    let logs = ExportLogsServiceResponse {
        partial_success: (rejected > 0).then(|| ExportLogsPartialSuccess {
            rejected_log_records: count,
            error_message: message(),
        }),
    };
    let body = match (signal, encoding) {
        (Signal::Traces, BodyEncoding::Protobuf) => traces.encode_to_vec(),
        (Signal::Metrics, BodyEncoding::Protobuf) => metrics.encode_to_vec(),
        (Signal::Logs, BodyEncoding::Protobuf) => logs.encode_to_vec(),
        (Signal::Traces, BodyEncoding::Json) => to_json(&traces),
        (Signal::Metrics, BodyEncoding::Json) => to_json(&metrics),
        (Signal::Logs, BodyEncoding::Json) => to_json(&logs),
    };
    respond(StatusCode::OK, encoding.content_type(), body)
}

/// A refusal with a `google.rpc.Status` body in the request's encoding, or plain text.
pub(crate) fn failure(
    status: StatusCode,
    encoding: Option<BodyEncoding>,
    message: &str,
) -> Response<Body> {
    // `google.rpc.Status` without details: what the spec puts in a failed OTLP/HTTP answer.
    let rpc = RpcStatus {
        code: rpc_code(status) as i32,
        message: message.to_owned(),
        details: Vec::new(),
    };
    match encoding {
        Some(BodyEncoding::Protobuf) => respond(
            status,
            BodyEncoding::Protobuf.content_type(),
            rpc.encode_to_vec(),
        ),
        Some(BodyEncoding::Json) => {
            let json = serde_json::json!({"code": rpc.code, "message": rpc.message});
            respond(status, BodyEncoding::Json.content_type(), to_json(&json))
        }
        None => respond(
            status,
            "text/plain; charset=utf-8",
            format!("{message}\n").into_bytes(),
        ),
    }
}

/// 405 for a signal path reached with another method; `Allow` is required by RFC 9110 §15.5.6.
pub(crate) fn method_not_allowed(method: &http::Method) -> Response<Body> {
    let mut response = failure(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        &format!("{method} is not allowed here; OTLP/HTTP exports use POST"),
    );
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static("POST"));
    response
}

/// The gRPC code closest to an HTTP refusal, for the `code` field of `google.rpc.Status`.
fn rpc_code(status: StatusCode) -> tonic::Code {
    match status {
        StatusCode::BAD_REQUEST | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            tonic::Code::InvalidArgument
        }
        StatusCode::PAYLOAD_TOO_LARGE => tonic::Code::ResourceExhausted,
        StatusCode::NOT_FOUND => tonic::Code::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => tonic::Code::Unimplemented,
        StatusCode::REQUEST_TIMEOUT => tonic::Code::DeadlineExceeded,
        _ => tonic::Code::Internal,
    }
}

/// Serializes without `null` members: an unset `partialSuccess` must read as `{}`, which is what
/// the protobuf JSON mapping produces for an empty message.
fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut tree = serde_json::to_value(value)
        .unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new()));
    drop_nulls(&mut tree);
    serde_json::to_vec(&tree).unwrap_or_else(|_| b"{}".to_vec())
}

fn drop_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(members) => {
            members.retain(|_, v| !v.is_null());
            members.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

fn respond(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
