//! `--upstream-protocol`: an export that came in over one OTLP transport goes upstream over the
//! other, for an app that can only speak gRPC in front of an HTTP-only vendor, or the reverse.
//! The request is re-encoded from the decoded copy (so a body the proxy cannot decode cannot be
//! converted, and is refused as the upstream would refuse it); the answer is translated back with
//! the OTLP specification's status mapping (otlp.md, "OTLP/HTTP Response"), so the app's retry
//! logic sees the same decision: throttling stays throttling with its delay, a permanent refusal
//! stays permanent.

use super::answer::{self, AnswerBody};
use super::upstream::UpstreamAnswer;
use crate::otlp::client::Outcome;
use crate::otlp::encode::{CONTENT_TYPE_PROTOBUF, protobuf};
use crate::otlp::payload::ExportRequest;
use crate::otlp::rpc::{RpcStatus, status_with_retry_delay};
use crate::settings::Signal;
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use prost::Message;
use serde_json::json;
use std::time::Duration;

/// The request as the upstream's protocol carries it: a gRPC frame or a protobuf body.
pub fn request_body(request: &ExportRequest, to_grpc: bool) -> Bytes {
    let message = protobuf(request);
    if to_grpc {
        answer::grpc_frame(&message)
    } else {
        Bytes::from(message)
    }
}

/// The app's headers for the upstream's protocol: the content headers replaced, the other
/// protocol's own headers dropped, the rest (auth above all) kept.
pub fn request_headers(app: &HeaderMap, to_grpc: bool) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(app.len() + 2);
    for (name, value) in app {
        let own_to_the_app_protocol = matches!(
            name.as_str(),
            "content-type" | "content-length" | "content-encoding" | "accept-encoding" | "te"
        ) || name.as_str().starts_with("grpc-");
        if !own_to_the_app_protocol {
            headers.append(name, value.clone());
        }
    }
    if to_grpc {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/grpc"),
        );
        headers.insert(header::TE, HeaderValue::from_static("trailers"));
    } else {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(CONTENT_TYPE_PROTOBUF),
        );
    }
    headers
}

/// A gRPC app's answer from an OTLP/HTTP upstream's.
pub fn to_grpc_answer(upstream: &UpstreamAnswer, outcome: &Outcome) -> Response<AnswerBody> {
    let Outcome::Http {
        status,
        retry_after,
        ..
    } = outcome
    else {
        return answer::unavailable(
            true,
            "otlp-doctor proxy: the upstream's answer is unreadable",
        );
    };
    if (200..300).contains(status) {
        let mut response = Response::new(answer::body(
            answer::grpc_frame(&upstream.body),
            Some(answer::ok_trailers()),
        ));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/grpc"),
        );
        return response;
    }
    let message = RpcStatus::decode(upstream.body.as_ref())
        .ok()
        .map(|s| s.message)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| String::from_utf8_lossy(&upstream.body).trim().to_string());
    let delay = retry_after.as_deref().and_then(retry_after_delay);
    let code = grpc_code_for_otlp_http(*status, delay.is_some());
    let details = delay.map(|d| status_with_retry_delay(code as i32, &message, d));
    answer::grpc_status(code, &message, details.as_deref())
}

/// An OTLP/HTTP app's answer from a gRPC upstream's; `json` answers in the app's encoding.
pub fn to_http_answer(
    upstream: &UpstreamAnswer,
    outcome: &Outcome,
    signal: Signal,
    json: bool,
) -> Response<AnswerBody> {
    let Outcome::Grpc {
        code,
        message,
        retry_delay,
        partial,
    } = outcome
    else {
        return answer::unavailable(
            false,
            "otlp-doctor proxy: the upstream's answer is unreadable",
        );
    };
    let (status, body) = if *code == 0 {
        let body = if json {
            answer::json_success(signal, partial.as_ref())
        } else {
            answer::grpc_message(&upstream.body, false)
                .map(Bytes::from)
                .unwrap_or_default()
        };
        (StatusCode::OK, body)
    } else {
        let status = http_status_for_grpc(*code);
        let body = if json {
            Bytes::from(json!({"code": code, "message": message}).to_string())
        } else {
            let status = RpcStatus {
                code: *code,
                message: message.clone(),
                details: Vec::new(),
            };
            Bytes::from(status.encode_to_vec())
        };
        (status, body)
    };
    let mut response = Response::new(answer::body(body, None));
    *response.status_mut() = status;
    let content_type = if json {
        "application/json"
    } else {
        CONTENT_TYPE_PROTOBUF
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(delay) = retry_delay.filter(|_| *code != 0) {
        let seconds = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// `Retry-After` in seconds (the form OTLP receivers send); an HTTP date is not converted.
fn retry_after_delay(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The spec's retryable HTTP statuses (429, 502, 503, 504) become the gRPC codes an SDK retries;
/// 429 with a delay becomes RESOURCE_EXHAUSTED with RetryInfo, which SDKs retry only with one.
fn grpc_code_for_otlp_http(status: u16, has_delay: bool) -> tonic::Code {
    match status {
        400 => tonic::Code::InvalidArgument,
        401 => tonic::Code::Unauthenticated,
        403 => tonic::Code::PermissionDenied,
        404 => tonic::Code::Unimplemented,
        413 => tonic::Code::InvalidArgument,
        429 if has_delay => tonic::Code::ResourceExhausted,
        429 | 502..=504 => tonic::Code::Unavailable,
        500 => tonic::Code::Internal,
        _ => tonic::Code::Unknown,
    }
}

/// The reverse, keeping retryable codes retryable: UNAVAILABLE is 503, RESOURCE_EXHAUSTED 429
/// (the caller adds Retry-After when it carried RetryInfo).
fn http_status_for_grpc(code: i32) -> StatusCode {
    match tonic::Code::from_i32(code) {
        tonic::Code::InvalidArgument | tonic::Code::OutOfRange => StatusCode::BAD_REQUEST,
        tonic::Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        tonic::Code::PermissionDenied => StatusCode::FORBIDDEN,
        tonic::Code::Unimplemented | tonic::Code::NotFound => StatusCode::NOT_FOUND,
        tonic::Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        tonic::Code::Unavailable | tonic::Code::Aborted | tonic::Code::Cancelled => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        tonic::Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_answers_stay_retryable_both_ways() {
        assert_eq!(
            grpc_code_for_otlp_http(503, false),
            tonic::Code::Unavailable
        );
        assert_eq!(
            grpc_code_for_otlp_http(429, true),
            tonic::Code::ResourceExhausted
        );
        assert_eq!(
            grpc_code_for_otlp_http(429, false),
            tonic::Code::Unavailable
        );
        assert_eq!(
            http_status_for_grpc(tonic::Code::Unavailable as i32),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            http_status_for_grpc(tonic::Code::ResourceExhausted as i32),
            StatusCode::TOO_MANY_REQUESTS
        );
    }

    #[test]
    fn a_grpc_request_carries_the_protobuf_message_in_one_frame() {
        let request = ExportRequest::Logs(Default::default());
        let frame = request_body(&request, true);
        assert_eq!(&frame[..5], &[0, 0, 0, 0, 0]);
        assert!(request_body(&request, false).is_empty());
    }

    #[test]
    fn the_other_protocols_headers_are_dropped_and_auth_is_kept() {
        let mut app = HeaderMap::new();
        app.insert("content-type", HeaderValue::from_static("application/grpc"));
        app.insert("grpc-timeout", HeaderValue::from_static("10S"));
        app.insert("te", HeaderValue::from_static("trailers"));
        app.insert("authorization", HeaderValue::from_static("Bearer t"));
        let headers = request_headers(&app, false);
        assert_eq!(headers["content-type"], CONTENT_TYPE_PROTOBUF);
        assert!(headers.get("grpc-timeout").is_none() && headers.get("te").is_none());
        assert_eq!(headers["authorization"], "Bearer t");
    }
}
