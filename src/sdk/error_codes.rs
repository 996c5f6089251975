//! Which finding code an exporter's error points to, so a failed export in a running application
//! names the same code `otlp-doctor check` would report and `otlp-doctor explain` documents.
//!
//! Exporters return `OTelSdkError::InternalFailure(String)`, whose text is the only evidence. It
//! is read in this order, most certain first:
//!
//! 1. **An answer from the server.** An HTTP status (`HTTP export failed with status code: 401`
//!    from opentelemetry-otlp 0.33, `Status Code: 401` from 0.31, reqwest's `HTTP status client
//!    error (401 Unauthorized)`) or a gRPC code the server sends (`Unauthenticated`,
//!    `PermissionDenied`, `Unimplemented`, `ResourceExhausted`, ...), read from opentelemetry-otlp
//!    0.33's `export failed with gRPC code: X` and from each `tonic::Status` display format. These
//!    map exactly as the `export` check maps the same answers.
//! 2. **The transport's own wording** for an OS or I/O failure (`Connection refused`, `dns
//!    error`, `tcp connect error: deadline has elapsed`, `Timeout expired`, ...): tonic reports
//!    all of these as `Unavailable`, `Unknown` or `Cancelled`, so the detail decides.
//! 3. **The knowledge base**: [`Matcher`] scores the text against every real message in
//!    `src/knowledge/kb/`, and a confident, unambiguous match gives the code (TLS failures such as
//!    `invalid peer certificate: UnknownIssuer`, `HTTP/2 was not negotiated`, ...).
//! 4. **The gRPC code alone** (`Unavailable` → `EXPORT_UNAVAILABLE`, `Cancelled` →
//!    `EXPORT_TIMEOUT`, ...).
//!
//! Some errors name no cause, and then there is no code: opentelemetry-otlp 0.33 reports every
//! OTLP/HTTP transport failure as `HTTP export failed: network error` and keeps the cause in a
//! DEBUG event (`HttpClient.NetworkError`, target `opentelemetry-otlp`); `Shutdown already
//! invoked` is a misuse of the SDK, not a delivery problem.

use crate::knowledge::matcher::Matcher;
use crate::otlp::rpc::{grpc_code_for_http, proxied_http_status};
use crate::report::Code;
use opentelemetry_sdk::error::OTelSdkError;

/// A knowledge base match gives the code only at this score or above: a real message inside an
/// error text scores above 0.8, a vague overlap (`tcp connect error` alone) below 0.5.
const CONFIDENT_SCORE: f64 = 0.6;
/// ... and only this far ahead of the runner-up, so wording that fits two causes equally falls
/// back to the code of the gRPC status.
const CONFIDENT_MARGIN: f64 = 0.1;
/// Wording of size limits in gRPC `RESOURCE_EXHAUSTED` and HTTP error texts (tonic, grpc-go).
const TOO_LARGE_HINTS: &[&str] = &["too large", "larger than max", "message length too large"];

/// gRPC status codes: number, the name tonic's `Debug` prints, the description its `Display`
/// prints (tonic 0.13 and later).
const GRPC_CODES: &[(i32, &str, &str)] = &[
    (0, "Ok", "The operation completed successfully"),
    (1, "Cancelled", "The operation was cancelled"),
    (2, "Unknown", "Unknown error"),
    (3, "InvalidArgument", "Client specified an invalid argument"),
    (
        4,
        "DeadlineExceeded",
        "Deadline expired before operation could complete",
    ),
    (5, "NotFound", "Some requested entity was not found"),
    (
        6,
        "AlreadyExists",
        "Some entity that we attempted to create already exists",
    ),
    (
        7,
        "PermissionDenied",
        "The caller does not have permission to execute the specified operation",
    ),
    (8, "ResourceExhausted", "Some resource has been exhausted"),
    (
        9,
        "FailedPrecondition",
        "The system is not in a state required for the operation's execution",
    ),
    (10, "Aborted", "The operation was aborted"),
    (
        11,
        "OutOfRange",
        "Operation was attempted past the valid range",
    ),
    (
        12,
        "Unimplemented",
        "Operation is not implemented or not supported",
    ),
    (13, "Internal", "Internal error"),
    (14, "Unavailable", "The service is currently unavailable"),
    (15, "DataLoss", "Unrecoverable data loss or corruption"),
    (
        16,
        "Unauthenticated",
        "The request does not have valid authentication credentials",
    ),
];

/// The finding code an exporter error points to, or `None` when its text names no cause.
pub fn code_for_error(error: &OTelSdkError) -> Option<Code> {
    match error {
        OTelSdkError::Timeout(_) => Some(Code::ExportTimeout),
        OTelSdkError::AlreadyShutdown => None,
        OTelSdkError::InternalFailure(message) => code_for_message(message),
    }
}

/// The finding code an exporter's error text points to (with or without the SDK's
/// `Operation failed: ` prefix), or `None` when it names no cause.
pub fn code_for_message(message: &str) -> Option<Code> {
    let text = message.trim();
    let text = text.strip_prefix("Operation failed: ").unwrap_or(text);
    if let Some(status) = http_status(text) {
        return Some(http_code(status, text));
    }
    if let Some(mapped) = proxied_http_status(text).and_then(grpc_code_for_http) {
        return server_answer(mapped, text).or_else(|| transport_status(mapped));
    }
    let grpc = grpc_code(text);
    if let Some(code) = grpc.and_then(|grpc| server_answer(grpc, text)) {
        return Some(code);
    }
    transport_code(text)
        .or_else(|| knowledge_base_code(text))
        .or_else(|| grpc.and_then(transport_status))
}

/// An HTTP status the server answered an OTLP/HTTP export with.
fn http_status(text: &str) -> Option<u16> {
    const MARKERS: &[&str] = &[
        "HTTP export failed with status code: ",
        "Status Code: ",
        "HTTP status client error (",
        "HTTP status server error (",
    ];
    MARKERS.iter().find_map(|marker| number_after(text, marker))
}

/// The three-digit HTTP status right after `marker`.
fn number_after(text: &str, marker: &str) -> Option<u16> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let digits = rest.get(..3)?;
    let status: u16 = digits.parse().ok()?;
    (100..=599).contains(&status).then_some(status)
}

fn http_code(status: u16, text: &str) -> Code {
    match status {
        400 => Code::ExportBadRequest,
        401 => Code::AuthUnauthenticated,
        403 => Code::AuthPermissionDenied,
        404 if url_misses_signal_path(text) => Code::CfgHttpSignalPath,
        404 => Code::ProtoPathNotFound,
        405 => Code::ProtoMethodNotAllowed,
        413 => Code::ExportPayloadTooLarge,
        415 => Code::ProtoUnsupportedMediaType,
        429 => Code::ExportThrottled,
        502..=504 => Code::ExportUnavailable,
        _ if has_too_large_hint(text) => Code::ExportPayloadTooLarge,
        _ => Code::ExportServerError,
    }
}

/// A 404 for a URL quoted in the error (reqwest's `for url (...)`, 0.31's `Url: ...`) whose path
/// is not an OTLP signal path: the endpoint was set without `/v1/<signal>`.
fn url_misses_signal_path(text: &str) -> bool {
    ["for url (", "Url: "].iter().any(|marker| {
        text.find(marker).is_some_and(|at| {
            let url = text[at + marker.len()..]
                .split([')', ',', ' '])
                .next()
                .unwrap_or_default();
            !url.is_empty()
                && !["/v1/traces", "/v1/metrics", "/v1/logs"]
                    .iter()
                    .any(|p| url.ends_with(p))
        })
    })
}

/// The gRPC status in the text, by name or description.
fn grpc_code(text: &str) -> Option<i32> {
    ["gRPC code: ", "status: ", "code: "]
        .iter()
        .find_map(|marker| {
            text.match_indices(marker).find_map(|(at, _)| {
                let rest = text[at + marker.len()..].trim_start_matches(['\'', '"']);
                GRPC_CODES.iter().find_map(|(number, name, description)| {
                    let by_name = rest.strip_prefix(name).is_some_and(|after| {
                        !after.starts_with(|c: char| c.is_ascii_alphanumeric())
                    });
                    (by_name || rest.starts_with(description)).then_some(*number)
                })
            })
        })
}

/// The code of a gRPC status only a server sends; `None` for the ones tonic also makes up for a
/// local failure (`Cancelled`, `Unknown`, `DeadlineExceeded`, `Internal`, `Unavailable`), whose
/// detail says more.
fn server_answer(grpc: i32, text: &str) -> Option<Code> {
    match grpc {
        16 => Some(Code::AuthUnauthenticated),
        7 => Some(Code::AuthPermissionDenied),
        12 => Some(Code::ProtoSignalUnimplemented),
        3 => Some(Code::ExportBadRequest),
        8 if has_too_large_hint(text) => Some(Code::ExportPayloadTooLarge),
        8 => Some(Code::ExportThrottled),
        // tonic's only use of OUT_OF_RANGE is its message size limits ("Error, decoded message
        // length too large": tonic/src/codec/decode.rs and encode.rs).
        11 => Some(Code::ExportPayloadTooLarge),
        5 | 6 | 9 | 10 | 15 => Some(Code::ExportServerError),
        _ => None,
    }
}

/// The code of a gRPC status tonic also reports for local failures, when nothing more specific
/// was found in the text.
fn transport_status(grpc: i32) -> Option<Code> {
    match grpc {
        14 => Some(Code::ExportUnavailable),
        1 | 4 => Some(Code::ExportTimeout),
        2 | 13 => Some(Code::ExportServerError),
        _ => None,
    }
}

fn has_too_large_hint(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    TOO_LARGE_HINTS.iter().any(|hint| lower.contains(hint))
}

/// The OS and I/O failures under hyper, tonic and reqwest, by the words of `std::io::Error`
/// (`Display` and `Debug`), hyper-util's `ConnectError`, tokio's timer and hyper's parser.
fn transport_code(text: &str) -> Option<Code> {
    let lower = text.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    let connecting = has(&[
        "tcp connect error",
        "connecterror",
        "error trying to connect",
    ]);
    if has(&["connection refused", "connectionrefused"]) {
        Some(Code::NetConnRefused)
    } else if has(&[
        "dns error",
        "failed to lookup address",
        "name or service not known",
    ]) {
        Some(Code::NetDnsFailed)
    } else if has(&[
        "network is unreachable",
        "no route to host",
        "hostunreachable",
        "networkunreachable",
    ]) {
        Some(Code::NetUnreachable)
    } else if has(&["connection reset", "connectionreset", "broken pipe"]) {
        Some(Code::NetConnReset)
    } else if has(&["connection timed out"])
        || (connecting && has(&["timed out", "timedout", "deadline has elapsed"]))
    {
        Some(Code::NetConnTimeout)
    } else if has(&[
        "timeout expired",
        "deadline has elapsed",
        "operation timed out",
    ]) {
        Some(Code::ExportTimeout)
    } else if has(&["found http2 preface"]) {
        // hyper's HTTP/1 parser met an HTTP/2 connection preface: a gRPC client at an HTTP/1
        // server (the knowledge base's matcher splits this between both mismatch entries).
        Some(Code::ProtoGrpcToHttpServer)
    } else {
        None
    }
}

/// The knowledge base's answer, when it is confident and unambiguous.
fn knowledge_base_code(text: &str) -> Option<Code> {
    let matches = Matcher::global().search(text, 2);
    let best = matches.first()?;
    let runner_up = matches.get(1).map_or(0.0, |m| m.score);
    if best.score >= CONFIDENT_SCORE && best.score - runner_up >= CONFIDENT_MARGIN {
        Code::parse(&best.entry.code)
    } else {
        None
    }
}
