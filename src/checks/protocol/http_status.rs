//! HTTP answers that reveal a TLS problem rather than an OTLP one: a plaintext request to a TLS
//! port, or a request without the client certificate an mTLS server requires.

use super::answer::Answer;

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
