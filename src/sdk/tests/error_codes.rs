//! The error → code mapping, with real error texts.

use crate::knowledge::{Ecosystem, entries};
use crate::report::Code;
use crate::sdk::error_codes::{code_for_error, code_for_message};
use opentelemetry_sdk::error::OTelSdkError;

fn code(text: &str) -> Option<&'static str> {
    code_for_message(text).map(Code::as_str)
}

/// What opentelemetry-otlp 0.33.1 returns: `handle_tonic_export_error!` in
/// `src/exporter/tonic/mod.rs` (the gRPC code, then tonic's source chain joined by `: `) and
/// `export_http_once` in `src/exporter/http/mod.rs`.
#[test]
fn opentelemetry_otlp_0_33_errors() {
    let cases = [
        (
            // Seen from the real exporter (also checked live in tests/otlp.rs).
            "Operation failed: TonicTracesClient export failed with gRPC code: Unavailable: transport error: tcp connect error: tcp connect error: Connection refused (os error 111)",
            Some("NET_CONN_REFUSED"),
        ),
        (
            "TonicTracesClient export failed with gRPC code: Unavailable: transport error: dns error: failed to lookup address information: Name or service not known",
            Some("NET_DNS_FAILED"),
        ),
        (
            "TonicTracesClient export failed with gRPC code: Unavailable: transport error: tcp connect error: deadline has elapsed",
            Some("NET_CONN_TIMEOUT"),
        ),
        (
            "TonicTracesClient export failed with gRPC code: Cancelled: Timeout expired",
            Some("EXPORT_TIMEOUT"),
        ),
        (
            "TonicTracesClient export failed with gRPC code: Unknown: transport error: invalid peer certificate: UnknownIssuer",
            Some("TLS_UNKNOWN_CA"),
        ),
        (
            "TonicTracesClient export failed with gRPC code: Unknown: transport error: HTTP/2 was not negotiated.",
            Some("TLS_NO_H2_ALPN"),
        ),
        (
            "TonicTracesClient export failed with gRPC code: Unauthenticated",
            Some("AUTH_UNAUTHENTICATED"),
        ),
        (
            "TonicLogsClient export failed with gRPC code: PermissionDenied",
            Some("AUTH_PERMISSION_DENIED"),
        ),
        (
            "TonicLogsClient export failed with gRPC code: Unimplemented",
            Some("PROTO_SIGNAL_UNIMPLEMENTED"),
        ),
        (
            "TonicMetricsClient export failed with gRPC code: ResourceExhausted",
            Some("EXPORT_THROTTLED"),
        ),
        (
            "TonicTracesClient export failed with gRPC code: Unavailable",
            Some("EXPORT_UNAVAILABLE"),
        ),
        (
            "TonicTracesClient export failed with gRPC code: Internal",
            Some("EXPORT_SERVER_ERROR"),
        ),
        (
            "HTTP export failed with status code: 400",
            Some("EXPORT_BAD_REQUEST"),
        ),
        (
            "HTTP export failed with status code: 401",
            Some("AUTH_UNAUTHENTICATED"),
        ),
        (
            "HTTP export failed with status code: 403",
            Some("AUTH_PERMISSION_DENIED"),
        ),
        (
            "HTTP export failed with status code: 404",
            Some("PROTO_PATH_NOT_FOUND"),
        ),
        (
            "HTTP export failed with status code: 413",
            Some("EXPORT_PAYLOAD_TOO_LARGE"),
        ),
        (
            "HTTP export failed with status code: 415",
            Some("PROTO_UNSUPPORTED_MEDIA_TYPE"),
        ),
        (
            "HTTP export failed with status code: 429",
            Some("EXPORT_THROTTLED"),
        ),
        (
            "HTTP export failed with status code: 503",
            Some("EXPORT_UNAVAILABLE"),
        ),
        (
            "HTTP export failed with status code: 500",
            Some("EXPORT_SERVER_ERROR"),
        ),
        // The cause of a network error is only in the DEBUG event `HttpClient.NetworkError`.
        ("Operation failed: HTTP export failed: network error", None),
    ];
    for (text, expected) in cases {
        assert_eq!(code(text), expected, "{text}");
    }
}

/// Older exporters and other exporters built on tonic and reqwest: the `tonic::Status` display
/// of tonic 0.12 (`status: X, message: ...`) and 0.14 (`code: '<description>', ...`), and
/// opentelemetry-otlp 0.31's HTTP text (`shared/reference/otel-facts.md` §2.5).
#[test]
fn tonic_status_and_older_exporter_errors() {
    let cases = [
        (
            r#"status: Unavailable, message: "tcp connect error", details: [], metadata: MetadataMap { headers: {} }"#,
            "EXPORT_UNAVAILABLE",
        ),
        (
            r#"status: Cancelled, message: "Timeout expired", details: [], metadata: MetadataMap { headers: {} }"#,
            "EXPORT_TIMEOUT",
        ),
        (
            r#"status: Unauthenticated, message: "invalid api key", details: [], metadata: MetadataMap { headers: {} }"#,
            "AUTH_UNAUTHENTICATED",
        ),
        (
            r#"status: Unimplemented, message: "grpc-status header missing, mapped from HTTP status code 404", details: [], metadata: MetadataMap { headers: {} }"#,
            "PROTO_SIGNAL_UNIMPLEMENTED",
        ),
        (
            r#"status: Unavailable, message: "grpc-status header missing, mapped from HTTP status code 502", details: [], metadata: MetadataMap { headers: {} }"#,
            "EXPORT_UNAVAILABLE",
        ),
        (
            r#"code: 'The service is currently unavailable', message: "tcp connect error", source: tonic::transport::Error(Transport, ConnectError("tcp connect error", Os { code: 111, kind: ConnectionRefused, message: "Connection refused" }))"#,
            "NET_CONN_REFUSED",
        ),
        (
            r#"code: 'Some requested entity was not found'"#,
            "EXPORT_SERVER_ERROR",
        ),
        (
            r#"status: OutOfRange, message: "Error, decoded message length too large: found 5242880 bytes, the limit is: 4194304 bytes""#,
            "EXPORT_PAYLOAD_TOO_LARGE",
        ),
        (
            r#"OpenTelemetry trace export failed. Url: http://localhost:4318/v1/traces, Status Code: 401, Response: b"unauthorized""#,
            "AUTH_UNAUTHENTICATED",
        ),
        (
            r#"OpenTelemetry trace export failed. Url: http://localhost:4318/, Status Code: 404, Response: b"404 page not found\n""#,
            "CFG_HTTP_SIGNAL_PATH",
        ),
        (
            r#"OpenTelemetry trace export failed. Url: http://collector:4318/v1/traces, Status Code: 404, Response: b"404 page not found\n""#,
            "PROTO_PATH_NOT_FOUND",
        ),
        (
            r#"reqwest::Error { kind: Request, url: "http://localhost:4318/v1/traces", source: hyper_util::client::legacy::Error(Connect, ConnectError("tcp connect error", Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })) }"#,
            "NET_CONN_REFUSED",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(code(text), Some(expected), "{text}");
    }
}

#[test]
fn sdk_error_variants() {
    use std::time::Duration;
    assert_eq!(
        code_for_error(&OTelSdkError::Timeout(Duration::from_secs(5))),
        Some(Code::ExportTimeout)
    );
    assert_eq!(code_for_error(&OTelSdkError::AlreadyShutdown), None);
    assert_eq!(
        code_for_error(&OTelSdkError::InternalFailure(
            "HTTP export failed with status code: 401".into()
        )),
        Some(Code::AuthUnauthenticated)
    );
}

#[test]
fn unrelated_text_has_no_code() {
    for text in [
        "",
        "something went wrong",
        "Mutex poison error: poisoned lock",
    ] {
        assert_eq!(code(text), None, "{text}");
    }
}

/// Every message the knowledge base quotes from opentelemetry-rust, tonic, hyper, reqwest and
/// rustls for a delivery failure maps to its own entry. Entries about configuration, dependencies
/// and SDK internals (which never come back from `export`) are not in this list.
#[test]
fn rust_messages_of_the_knowledge_base_map_to_their_entry() {
    const DELIVERY_AREAS: &[&str] = &["network", "tls", "protocol", "export", "auth"];
    // Wording that fits more than one cause; the kb lists it under one and says so.
    const AMBIGUOUS: &[(&str, &str)] = &[
        // tonic's bare "transport error" (no detail) is how an https endpoint without a TLS
        // feature surfaced in one report; it says nothing certain, so the gRPC code decides.
        (
            "TLS_REQUIRED",
            r#"status: Unknown, message: "transport error""#,
        ),
        // Export queue overflows are logged by the batch processor, never returned by export().
        ("EXPORT_QUEUE_FULL", ""),
        // hyper-util's bare connect error names no cause: refused, timed out or unreachable.
        ("NET_CONN_REFUSED", "tcp connect error"),
    ];
    let mut checked = 0;
    let mut wrong = Vec::new();
    for entry in entries()
        .iter()
        .filter(|e| DELIVERY_AREAS.contains(&e.area))
    {
        for message in entry
            .messages
            .iter()
            .filter(|m| m.ecosystem == Ecosystem::Rust)
        {
            let skipped = AMBIGUOUS.iter().any(|(code, text)| {
                *code == entry.code && (text.is_empty() || *text == message.text)
            });
            if skipped {
                continue;
            }
            let got = code(&message.text);
            if got != Some(entry.code.as_str()) {
                wrong.push(format!(
                    "{:?} (from {}) gave {got:?}, not {}",
                    message.text, message.source, entry.code
                ));
            }
            checked += 1;
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(checked >= 20, "only {checked} messages checked");
}
