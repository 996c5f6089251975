//! The answer side of one exchange: what the upstream's answer means ([`Outcome`], read the way
//! the export check reads its own exports), and the response the app gets: the upstream's
//! answer byte for byte with its trailers, or, when the upstream gave none, the status every SDK
//! retries on (OTLP/HTTP 503, gRPC UNAVAILABLE), so that nothing is lost without the app knowing.

use super::upstream::{ForwardError, UpstreamAnswer};
use crate::otlp::client::{HttpResponse, Outcome, PartialSuccess};
use crate::otlp::encode::CONTENT_TYPE_PROTOBUF;
use crate::otlp::rpc;
use crate::settings::Signal;
use bytes::Bytes;
use bytes::{BufMut, BytesMut};
use flate2::read::MultiGzDecoder;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use http::{Response, StatusCode};
use hyper::body::{Frame, SizeHint};
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
use serde_json::json;
use std::convert::Infallible;
use std::io::Read;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A whole answer: data, then trailers (which gRPC needs and `Full` cannot carry). It says when
/// it is empty, so that a trailers-only gRPC answer (the status in the headers) goes back as one
/// HEADERS frame: gRPC clients refuse an empty DATA frame after one.
#[derive(Debug, Default)]
pub struct AnswerBody {
    data: Option<Bytes>,
    trailers: Option<HeaderMap>,
}

impl hyper::body::Body for AnswerBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let frame = match this.data.take() {
            Some(data) => Some(Frame::data(data)),
            None => this.trailers.take().map(Frame::trailers),
        };
        Poll::Ready(frame.map(Ok))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.trailers.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}

/// The answer body from its parts.
pub fn body(data: Bytes, trailers: Option<HeaderMap>) -> AnswerBody {
    AnswerBody {
        data: Some(data).filter(|d| !d.is_empty()),
        trailers,
    }
}

/// The upstream's answer, passed back unchanged but for the per-connection headers.
pub fn relay(answer: &UpstreamAnswer) -> Response<AnswerBody> {
    let mut response = Response::new(body(answer.body.clone(), answer.trailers.clone()));
    *response.status_mut() = answer.status;
    let headers = response.headers_mut();
    for (name, value) in &answer.headers {
        if !matches!(
            name.as_str(),
            "connection" | "keep-alive" | "transfer-encoding" | "upgrade"
        ) {
            headers.append(name, value.clone());
        }
    }
    response
}

/// What the app gets when the upstream gave no answer: a status the SDKs retry.
pub fn unavailable(grpc: bool, message: &str) -> Response<AnswerBody> {
    refusal(
        grpc,
        tonic::Code::Unavailable,
        StatusCode::SERVICE_UNAVAILABLE,
        message,
    )
}

/// The proxy's own refusal in the app's protocol: gRPC `code`, or HTTP `status` with `message`.
pub fn refusal(
    grpc: bool,
    code: tonic::Code,
    status: StatusCode,
    message: &str,
) -> Response<AnswerBody> {
    if grpc {
        grpc_status(code, message, None)
    } else {
        plain(status, message)
    }
}

/// A plain-text HTTP answer.
pub fn plain(status: StatusCode, message: &str) -> Response<AnswerBody> {
    let mut response = Response::new(body(Bytes::from(format!("{message}\n")), None));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A trailers-only gRPC answer with `code`, `message` and optional status details.
pub fn grpc_status(
    code: tonic::Code,
    message: &str,
    details: Option<&[u8]>,
) -> Response<AnswerBody> {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from(code as i32));
    let encoded = percent_encoding::utf8_percent_encode(message, GRPC_MESSAGE).to_string();
    if let Ok(value) = HeaderValue::from_str(&encoded) {
        trailers.insert("grpc-message", value);
    }
    if let Some(details) = details {
        use base64::Engine;
        let value = base64::engine::general_purpose::STANDARD_NO_PAD.encode(details);
        if let Ok(value) = HeaderValue::from_str(&value) {
            trailers.insert("grpc-status-details-bin", value);
        }
    }
    let mut response = Response::new(body(Bytes::new(), Some(trailers)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    response
}

/// One uncompressed gRPC message frame: flag, length, message.
pub fn grpc_frame(message: &[u8]) -> Bytes {
    let mut frame = BytesMut::with_capacity(5 + message.len());
    frame.put_u8(0);
    frame.put_u32(u32::try_from(message.len()).unwrap_or(u32::MAX));
    frame.put_slice(message);
    frame.freeze()
}

/// The trailers of a gRPC success.
pub fn ok_trailers() -> HeaderMap {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    trailers
}

/// OTLP/JSON `Export*ServiceResponse`: `{}`, or its `partialSuccess` with the signal's field.
pub fn json_success(signal: Signal, partial: Option<&PartialSuccess>) -> Bytes {
    let Some(partial) = partial else {
        return Bytes::from_static(b"{}");
    };
    let field = match signal {
        Signal::Traces => "rejectedSpans",
        Signal::Metrics => "rejectedDataPoints",
        Signal::Logs => "rejectedLogRecords",
    };
    let body = json!({"partialSuccess": {field: partial.rejected.to_string(), "errorMessage": partial.message}});
    Bytes::from(body.to_string())
}

/// `--reject-partial` toward the app: a success answer claiming `rejected` items were refused,
/// in the app's protocol and encoding.
pub fn partial_success(
    signal: Signal,
    grpc: bool,
    json: bool,
    rejected: u64,
) -> Response<AnswerBody> {
    let message = "otlp-doctor proxy: injected partial success (--reject-partial)";
    let count = i64::try_from(rejected).unwrap_or(i64::MAX);
    if json {
        let claimed = PartialSuccess {
            rejected: count,
            message: message.to_string(),
        };
        let mut response = Response::new(body(json_success(signal, Some(&claimed)), None));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return response;
    }
    let encoded = match signal {
        Signal::Traces => ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: count,
                error_message: message.into(),
            }),
        }
        .encode_to_vec(),
        Signal::Metrics => ExportMetricsServiceResponse {
            partial_success: Some(ExportMetricsPartialSuccess {
                rejected_data_points: count,
                error_message: message.into(),
            }),
        }
        .encode_to_vec(),
        Signal::Logs => ExportLogsServiceResponse {
            partial_success: Some(ExportLogsPartialSuccess {
                rejected_log_records: count,
                error_message: message.into(),
            }),
        }
        .encode_to_vec(),
    };
    let (data, trailers, content_type) = if grpc {
        (
            grpc_frame(&encoded),
            Some(ok_trailers()),
            "application/grpc",
        )
    } else {
        (Bytes::from(encoded), None, CONTENT_TYPE_PROTOBUF)
    };
    let mut response = Response::new(body(data, trailers));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// gRPC's `grpc-message` encoding: percent-encode everything outside printable ASCII and `%`.
const GRPC_MESSAGE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b'%');

/// What the upstream's answer means, as the export check would read it.
pub fn outcome(answer: &UpstreamAnswer, signal: Signal, grpc: bool) -> Outcome {
    if grpc {
        grpc_outcome(answer, signal)
    } else {
        HttpResponse {
            status: answer.status.as_u16(),
            headers: answer.headers.clone(),
            body: answer.body.to_vec(),
            truncated: false,
        }
        .outcome(signal)
    }
}

/// The outcome of a request the upstream never answered.
pub fn failed(error: &ForwardError) -> Outcome {
    Outcome::Transport {
        error: error.to_string(),
        timed_out: matches!(error, ForwardError::TimedOut(_)),
        head_too_large: false,
    }
}

/// gRPC's status lives in the trailers, or in the headers of a trailers-only answer; an answer
/// without one is mapped from its HTTP status as gRPC clients do (a proxy's 404 or 502).
fn grpc_outcome(answer: &UpstreamAnswer, signal: Signal) -> Outcome {
    let field = |name: &str| {
        answer
            .trailers
            .as_ref()
            .and_then(|t| t.get(name))
            .or_else(|| answer.headers.get(name))
            .and_then(|v| v.to_str().ok())
    };
    let Some(code) = field("grpc-status").and_then(|v| v.trim().parse::<i32>().ok()) else {
        let status = answer.status.as_u16();
        let code = rpc::grpc_code_for_http(status).unwrap_or(tonic::Code::Unknown as i32);
        return Outcome::Grpc {
            code,
            message: format!("grpc-status header missing, mapped from HTTP status code {status}"),
            retry_delay: None,
            partial: None,
        };
    };
    let message = field("grpc-message")
        .map(|m| {
            percent_encoding::percent_decode_str(m)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let retry_delay = field("grpc-status-details-bin").and_then(|value| {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(value.trim_end_matches('='))
            .ok()?;
        rpc::retry_delay(&bytes)
    });
    let compressed = field("grpc-encoding").is_some_and(|e| e.eq_ignore_ascii_case("gzip"));
    let partial = (code == 0)
        .then(|| grpc_message(&answer.body, compressed))
        .flatten()
        .and_then(|message| PartialSuccess::from_protobuf(signal, &message));
    Outcome::Grpc {
        code,
        message,
        retry_delay,
        partial,
    }
}

/// The first message of a gRPC body: a 5-byte prefix (compressed flag, big-endian length), then
/// the message, inflated when flagged.
pub fn grpc_message(body: &[u8], gzip: bool) -> Option<Vec<u8>> {
    let (&flag, rest) = body.split_first()?;
    let length = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let message = rest.get(4..4 + length)?;
    if flag == 0 {
        return Some(message.to_vec());
    }
    if !gzip {
        return None;
    }
    let mut plain = Vec::new();
    let limit = u64::try_from(crate::otlp::client::MAX_RESPONSE_BYTES).unwrap_or(u64::MAX);
    MultiGzDecoder::new(message)
        .take(limit)
        .read_to_end(&mut plain)
        .ok()?;
    Some(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grpc_frame_yields_its_message() {
        let body = [0u8, 0, 0, 0, 3, 1, 2, 3, 9];
        assert_eq!(grpc_message(&body, false), Some(vec![1, 2, 3]));
        assert_eq!(grpc_message(&body[..6], false), None);
    }

    #[test]
    fn a_grpc_answer_without_status_is_mapped_from_http() {
        let answer = UpstreamAnswer {
            status: StatusCode::NOT_FOUND,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            trailers: None,
        };
        let Outcome::Grpc { code, .. } = outcome(&answer, Signal::Traces, true) else {
            panic!("a gRPC outcome");
        };
        assert_eq!(code, tonic::Code::Unimplemented as i32);
    }
}
