//! Sends one export request to a destination and records what answered, whatever it was: a gRPC
//! status (with its retry delay and partial success), an HTTP response (status, excerpt,
//! `Retry-After`, partial success), or the transport failure with its whole cause chain. Every
//! connection is opened by the protocol check's [`Dialer`], so TLS settings and ALPN are the ones
//! the TLS check verified. Expected failures are data here: nothing returns an error.

pub mod channel;
mod grpc;
mod http;

pub(crate) use http::{Response as HttpResponse, request_headers};

use super::payload::ExportRequest;
use crate::settings::values::Header;
use crate::settings::{Compression, Protocol, Signal};
use crate::transport::dialer::Dialer;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use std::error::Error;
use std::time::{Duration, Instant};

/// Spec (OTLP 1.60 "Max Response Size"): clients cap responses at 4 MiB; tonic's default too.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Enough of a body to recognise an error page or a message, short enough for a report line.
pub const BODY_EXCERPT_CHARS: usize = 300;
/// Sent as `User-Agent` (HTTP) and ahead of tonic's own in gRPC metadata.
pub const USER_AGENT: &str = concat!("otlp-doctor/", env!("CARGO_PKG_VERSION"));

/// Where and how to export.
#[derive(Clone, Copy)]
pub struct Destination<'a> {
    pub dialer: &'a Dialer,
    /// `host:port`, for `Host` / `:authority`.
    pub authority: &'a str,
    /// The OTLP/HTTP path, e.g. `/v1/traces`; unused for gRPC, whose path is the method.
    pub http_path: &'a str,
    pub protocol: Protocol,
    pub headers: &'a [Header],
    pub compression: Compression,
    /// Bounds the whole export: connecting, sending and reading the answer.
    pub timeout: Duration,
}

/// What one export got back.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportAnswer {
    pub outcome: Outcome,
    /// From the start of connecting to the end of the answer (or the failure).
    pub round_trip: Duration,
    /// The body sent: for OTLP/HTTP as on the wire (after gzip); for gRPC the protobuf
    /// message before tonic frames and compresses it (0 when nothing could be encoded).
    pub request_bytes: usize,
}

/// The answer, by transport.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A gRPC status: the server's, or the one tonic derived from an HTTP answer without
    /// `grpc-status` (e.g. 404 becomes `Unimplemented`, "grpc-status header missing, mapped from
    /// HTTP status code 404").
    Grpc {
        /// `tonic::Code as i32`; 0 is OK.
        code: i32,
        message: String,
        /// From a `google.rpc.RetryInfo` in `grpc-status-details-bin`.
        retry_delay: Option<Duration>,
        partial: Option<PartialSuccess>,
    },
    /// An HTTP response to an OTLP/HTTP POST.
    Http {
        status: u16,
        content_type: String,
        /// Printable, at most [`BODY_EXCERPT_CHARS`] characters.
        body_excerpt: String,
        retry_after: Option<String>,
        /// Where a 3xx answer points.
        location: Option<String>,
        /// Decoded from a 2xx body (protobuf or JSON, by its `Content-Type`).
        partial: Option<PartialSuccess>,
    },
    /// No answer: the connection failed, broke, or the timeout passed.
    Transport {
        /// The error and each of its sources, joined by `: `.
        error: String,
        timed_out: bool,
        /// The answer's head outgrew hyper's read buffer: headers that never end.
        head_too_large: bool,
    },
}

impl Outcome {
    fn transport(error: &(dyn Error + 'static)) -> Outcome {
        Outcome::Transport {
            error: error_chain(error),
            timed_out: is_timeout(error),
            head_too_large: is_head_too_large(error),
        }
    }

    fn timed_out(timeout: Duration) -> Outcome {
        Outcome::Transport {
            error: format!(
                "no complete answer within {}",
                humantime::format_duration(timeout)
            ),
            timed_out: true,
            head_too_large: false,
        }
    }
}

/// A partial success: the server took the request but rejected some items or sent a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialSuccess {
    /// `rejected_spans`, `rejected_data_points` or `rejected_log_records`.
    pub rejected: i64,
    pub message: String,
}

impl PartialSuccess {
    /// Spec: a partial success with 0 rejected and no message is the same as full success.
    pub fn new(rejected: i64, message: String) -> Option<PartialSuccess> {
        (rejected != 0 || !message.is_empty()).then_some(PartialSuccess { rejected, message })
    }

    /// Reads the `partial_success` of a protobuf `Export*ServiceResponse`; `None` when there is
    /// none, it is empty, or the bytes are not that message.
    pub fn from_protobuf(signal: Signal, body: &[u8]) -> Option<PartialSuccess> {
        let (rejected, message) = match signal {
            Signal::Traces => ExportTraceServiceResponse::decode(body)
                .ok()?
                .partial_success
                .map(|p| (p.rejected_spans, p.error_message))?,
            Signal::Metrics => ExportMetricsServiceResponse::decode(body)
                .ok()?
                .partial_success
                .map(|p| (p.rejected_data_points, p.error_message))?,
            Signal::Logs => ExportLogsServiceResponse::decode(body)
                .ok()?
                .partial_success
                .map(|p| (p.rejected_log_records, p.error_message))?,
        };
        PartialSuccess::new(rejected, message)
    }

    /// Reads `{"partialSuccess":{"rejectedSpans":"2","errorMessage":"…"}}`. The count may be a
    /// string (proto3 JSON, what the Collector sends) or a number; the generated serde types
    /// accept only a number, so this reads the JSON by hand.
    pub fn from_json(signal: Signal, body: &[u8]) -> Option<PartialSuccess> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let partial = value.get("partialSuccess")?;
        let rejected_key = match signal {
            Signal::Traces => "rejectedSpans",
            Signal::Metrics => "rejectedDataPoints",
            Signal::Logs => "rejectedLogRecords",
        };
        let rejected = match partial.get(rejected_key) {
            Some(serde_json::Value::Number(number)) => number.as_i64().unwrap_or_default(),
            Some(serde_json::Value::String(text)) => text.trim().parse().unwrap_or_default(),
            _ => 0,
        };
        let message = partial
            .get("errorMessage")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string();
        PartialSuccess::new(rejected, message)
    }
}

/// Exports `request` to `dest` and reports what happened; never fails.
pub async fn export(dest: &Destination<'_>, request: &ExportRequest) -> ExportAnswer {
    let started = Instant::now();
    let (outcome, request_bytes) = match dest.protocol {
        Protocol::Grpc => grpc::export(dest, request).await,
        Protocol::HttpProtobuf | Protocol::HttpJson => http::export(dest, request).await,
    };
    ExportAnswer {
        outcome,
        round_trip: started.elapsed(),
        request_bytes,
    }
}

/// `error: source: source…`, leaving out a cause whose text is already there, and letting a
/// cause that repeats its parent's text (as tonic's and hyper's wrappers do) replace it.
pub fn error_chain(error: &(dyn Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if text.is_empty() || parts.iter().any(|part| part.contains(&text)) {
            // Already said.
        } else if parts
            .last()
            .is_some_and(|last| text.contains(last.as_str()))
        {
            if let Some(last) = parts.last_mut() {
                *last = text;
            }
        } else {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// Whether any error in the chain is an I/O time-out (such as the dialer's connect timeout).
fn is_timeout(error: &(dyn Error + 'static)) -> bool {
    any_source(error, |e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::TimedOut)
    })
}

fn is_head_too_large(error: &(dyn Error + 'static)) -> bool {
    any_source(error, |e| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_parse_too_large)
    })
}

/// Whether `error` or one of its sources passes `test`.
fn any_source(
    error: &(dyn Error + 'static),
    test: impl Fn(&(dyn Error + 'static)) -> bool,
) -> bool {
    std::iter::successors(Some(error), |&e| e.source()).any(test)
}

/// A printable excerpt of a body: whitespace runs become one space, text longer than
/// [`BODY_EXCERPT_CHARS`] ends in `…`, and a binary body is shown with `\xNN` escapes.
pub fn body_excerpt(body: &[u8]) -> String {
    // A few bytes per character is plenty to fill the excerpt, and keeps a 4 MiB body cheap.
    let scanned = &body[..body.len().min(BODY_EXCERPT_CHARS * 8)];
    let text = String::from_utf8_lossy(scanned);
    // A character cut at the end of the scanned window is not a sign of binary data.
    let text = text.trim_end_matches(char::REPLACEMENT_CHARACTER);
    if text
        .chars()
        .any(|c| c == char::REPLACEMENT_CHARACTER || (c.is_control() && !c.is_whitespace()))
    {
        return escaped_bytes(body);
    }
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    truncated(flat, body.len() > scanned.len())
}

fn escaped_bytes(body: &[u8]) -> String {
    let mut out = String::new();
    for byte in body.iter().take(BODY_EXCERPT_CHARS) {
        if byte.is_ascii_graphic() || *byte == b' ' {
            out.push(char::from(*byte));
        } else {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    truncated(out, body.len() > BODY_EXCERPT_CHARS)
}

/// Cuts `text` to [`BODY_EXCERPT_CHARS`] characters, the last one `…` when anything was cut.
fn truncated(text: String, more: bool) -> String {
    if text.chars().count() <= BODY_EXCERPT_CHARS && !more {
        return text;
    }
    let mut out: String = text.chars().take(BODY_EXCERPT_CHARS - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests;
