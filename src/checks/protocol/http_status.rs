//! What an OTLP/HTTP status code means (OTLP spec, "OTLP/HTTP Response"), as a finding.

use super::answer::Answer;
use crate::report::{Code, Finding, Severity};
use crate::settings::{Protocol, Signal};

/// Body texts of HTTPS servers that received plaintext HTTP (nginx, Go net/http).
pub const PLAINTEXT_TO_TLS_BODIES: &[&str] = &[
    "plain HTTP request was sent to HTTPS port",
    "Client sent an HTTP request to an HTTPS server",
];

/// nginx's answer when `ssl_verify_client on` and the client sent no certificate.
pub const NO_CLIENT_CERT_BODIES: &[&str] = &["No required SSL certificate was sent"];

pub fn is_plaintext_to_tls(answer: &Answer) -> bool {
    matches!(answer, Answer::Http1 { status: 400, body, .. } if PLAINTEXT_TO_TLS_BODIES.iter().any(|b| body.contains(b)))
}

pub fn is_missing_client_cert(answer: &Answer) -> bool {
    matches!(answer, Answer::Http1 { status: 400, body, .. } if NO_CLIENT_CERT_BODIES.iter().any(|b| body.contains(b)))
}

/// What the endpoint answered to an empty OTLP/HTTP export, as findings (none when it is OTLP
/// and accepted the request).
pub fn interpret(answer: &Answer, url: &str, signal: Signal, protocol: Protocol) -> Vec<Finding> {
    let Answer::Http1 {
        status,
        content_type,
        retry_after,
        ..
    } = answer
    else {
        return Vec::new();
    };
    let seen = format!("POST {url} ({protocol}) → {}", answer.describe());
    let finding = |code, severity, title: String| {
        Finding::new(code, severity, "protocol", title).evidence(seen.clone())
    };
    let found = match *status {
        200..=299 if content_type.starts_with("text/html") => finding(
            Code::ProtoNotOtlp,
            Severity::Error,
            format!("{url} answered {status} with an HTML page: this is a web server, not an OTLP receiver"),
        )
        .fix("point the endpoint at the collector's OTLP/HTTP receiver (port 4318 by default)"),
        200..=299 => return Vec::new(),
        400 => finding(Code::ExportBadRequest, Severity::Error, format!("{url} rejected an empty, valid OTLP request as bad (400)"))
            .fix("the server does not accept this encoding or payload; check the protocol (http/protobuf vs http/json) and any proxy in between"),
        401 => finding(Code::AuthUnauthenticated, Severity::Error, "the endpoint requires authentication (401)".into())
            .fix("set the credential the backend expects, e.g. OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>"),
        403 => finding(Code::AuthPermissionDenied, Severity::Error, "the credential was refused (403)".into())
            .fix("the token is known but lacks permission for this signal or tenant; check its scopes"),
        404 => finding(Code::ProtoPathNotFound, Severity::Error, format!("{url} does not exist on this server (404)"))
            .fix(format!("OTLP/HTTP receivers serve {} ; set the base URL in OTEL_EXPORTER_OTLP_ENDPOINT, or the full URL in OTEL_EXPORTER_OTLP_{}_ENDPOINT", signal.http_path(), signal.env_infix())),
        405 => finding(Code::ProtoMethodNotAllowed, Severity::Error, format!("{url} does not accept POST (405)"))
            .fix("this path is not an OTLP receiver; use the collector's /v1/<signal> path"),
        413 => finding(Code::ExportPayloadTooLarge, Severity::Error, "the server refuses the request size (413)".into())
            .fix("raise the body limit on the receiver or proxy (nginx client_max_body_size), or send smaller batches"),
        415 => finding(Code::ProtoUnsupportedMediaType, Severity::Error, format!("the server does not accept {protocol} (415)"))
            .fix(if protocol == Protocol::HttpJson { "use http/protobuf, which every OTLP receiver accepts" } else { "use http/json, or check that this is an OTLP receiver" }),
        429 => finding(Code::ExportThrottled, Severity::Warning, "the server is throttling requests (429)".into())
            .evidence(format!("Retry-After: {}", retry_after.as_deref().unwrap_or("(not sent)")))
            .fix("reduce the export rate or raise the quota; SDKs retry after the Retry-After delay"),
        502..=504 => finding(Code::ExportUnavailable, Severity::Error, format!("the server is unavailable ({status})"))
            .fix("the receiver or what is behind a proxy is down or overloaded; check it, SDKs retry these"),
        _ => finding(Code::ExportServerError, Severity::Error, format!("the server answered {status}"))
            .fix("check the receiver's logs for this request"),
    };
    vec![found]
}
