//! The few `google.rpc` messages OTLP uses for errors, as prost structs: `google.rpc.Status` (the
//! body of an OTLP/HTTP error, and the `grpc-status-details-bin` trailer of a gRPC one) and
//! `google.rpc.RetryInfo` (the throttling delay), with `google.protobuf.Any` and `Duration`.
//! Field numbers follow `googleapis/google/rpc/{status,error_details}.proto`; no crate in the
//! dependency tree provides them.

use prost::Message;
use std::time::Duration;

/// The `type_url` of a `google.rpc.RetryInfo` packed in an `Any`.
pub const RETRY_INFO_TYPE_URL: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// `google.rpc.Status`.
#[derive(Clone, PartialEq, Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<ProtoAny>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoAny {
    #[prost(string, tag = "1")]
    pub type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, Message)]
pub struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, Message)]
pub struct ProtoDuration {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl ProtoDuration {
    pub fn from_duration(duration: Duration) -> ProtoDuration {
        ProtoDuration {
            seconds: i64::try_from(duration.as_secs()).unwrap_or(i64::MAX),
            nanos: i32::try_from(duration.subsec_nanos()).unwrap_or(0),
        }
    }

    /// `None` for a negative or out-of-range duration.
    pub fn to_duration(&self) -> Option<Duration> {
        let seconds = u64::try_from(self.seconds).ok()?;
        let nanos = u32::try_from(self.nanos)
            .ok()
            .filter(|n| *n < 1_000_000_000)?;
        Some(Duration::new(seconds, nanos))
    }
}

/// A `grpc-status-details-bin` trailer value (base64 of a `google.rpc.Status`) in words, for the
/// wire trace: `RESOURCE_EXHAUSTED "slow down", details: google.rpc.RetryInfo (retry in 1s)`.
/// `None` when it is not base64 of a Status.
pub fn describe_status_details(trailer: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trailer.trim().trim_end_matches('='))
        .ok()?;
    let status = RpcStatus::decode(bytes.as_slice()).ok()?;
    let details: Vec<String> = status
        .details
        .iter()
        .map(|any| {
            let name = any.type_url.rsplit('/').next().unwrap_or(&any.type_url);
            match retry_delay_of(any) {
                Some(delay) => format!("{name} (retry in {})", humantime::format_duration(delay)),
                None => name.to_string(),
            }
        })
        .collect();
    let mut text = format!("{} \"{}\"", grpc_code_name(status.code), status.message);
    if !details.is_empty() {
        text.push_str(&format!(", details: {}", details.join(", ")));
    }
    Some(text)
}

fn retry_delay_of(any: &ProtoAny) -> Option<Duration> {
    if any.type_url != RETRY_INFO_TYPE_URL {
        return None;
    }
    RetryInfo::decode(any.value.as_slice())
        .ok()?
        .retry_delay?
        .to_duration()
}

/// The retry delay of the first `RetryInfo` in the bytes of a `grpc-status-details-bin`
/// (a serialized `google.rpc.Status`); `None` when there is none or the bytes do not decode.
pub fn retry_delay(status_details: &[u8]) -> Option<Duration> {
    let status = RpcStatus::decode(status_details).ok()?;
    status
        .details
        .iter()
        .filter(|any| any.type_url.ends_with("/google.rpc.RetryInfo"))
        .find_map(|any| RetryInfo::decode(any.value.as_slice()).ok())
        .and_then(|info| info.retry_delay)
        .and_then(|delay| delay.to_duration())
}

/// A serialized `google.rpc.Status` carrying one `RetryInfo`, as a server puts in
/// `grpc-status-details-bin`.
pub fn status_with_retry_delay(code: i32, message: &str, delay: Duration) -> Vec<u8> {
    let info = RetryInfo {
        retry_delay: Some(ProtoDuration::from_duration(delay)),
    };
    RpcStatus {
        code,
        message: message.to_string(),
        details: vec![ProtoAny {
            type_url: RETRY_INFO_TYPE_URL.to_string(),
            value: info.encode_to_vec(),
        }],
    }
    .encode_to_vec()
}

/// The HTTP status tonic quotes when an answer was not gRPC (a proxy's error page): "... while
/// receiving response with status: 502 Bad Gateway" or "grpc-status header missing, mapped from
/// HTTP status code 404".
pub fn proxied_http_status(message: &str) -> Option<u16> {
    ["mapped from HTTP status code ", "with status: "]
        .iter()
        .find_map(|marker| {
            let rest = &message[message.find(marker)? + marker.len()..];
            let status: u16 = rest.get(..3)?.parse().ok()?;
            (100..=599).contains(&status).then_some(status)
        })
}

/// grpc/doc/http-grpc-status-mapping.md: the gRPC code a client gives an HTTP status. Other
/// statuses (a 200 web page, a 500) give `None`.
pub fn grpc_code_for_http(status: u16) -> Option<i32> {
    match status {
        400 => Some(13),
        401 => Some(16),
        403 => Some(7),
        404 => Some(12),
        429 | 502..=504 => Some(14),
        _ => None,
    }
}

/// gRPC status code names (grpc/doc/statuscodes.md).
pub fn grpc_code_name(code: i32) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "unknown code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_round_trips() {
        let bytes = status_with_retry_delay(14, "slow down", Duration::from_millis(1500));
        assert_eq!(retry_delay(&bytes), Some(Duration::from_millis(1500)));
        let status = RpcStatus::decode(bytes.as_slice()).expect("decodes");
        assert_eq!(status.message, "slow down");
    }

    #[test]
    fn status_details_are_put_in_words() {
        use base64::Engine;
        let bytes = status_with_retry_delay(8, "slow down", Duration::from_secs(1));
        let trailer = base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes);
        assert_eq!(
            describe_status_details(&trailer).as_deref(),
            Some("RESOURCE_EXHAUSTED \"slow down\", details: google.rpc.RetryInfo (retry in 1s)")
        );
        assert_eq!(describe_status_details("not base64!"), None);
    }

    #[test]
    fn other_details_and_garbage_give_no_delay() {
        let status = RpcStatus {
            code: 3,
            message: "bad".to_string(),
            details: vec![ProtoAny {
                type_url: "type.googleapis.com/google.rpc.BadRequest".to_string(),
                value: vec![1, 2, 3],
            }],
        };
        assert_eq!(retry_delay(&status.encode_to_vec()), None);
        assert_eq!(retry_delay(b"\xff\xff\xff"), None);
        let negative = ProtoDuration {
            seconds: -1,
            nanos: 0,
        };
        assert_eq!(negative.to_duration(), None);
    }
}
