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

/// nginx's answer when `ssl_verify_client on` and the client's certificate did not verify
/// (another CA, expired, wrong purpose): the handshake completed, the request is refused.
pub const CLIENT_CERT_REJECTED_BODIES: &[&str] = &["The SSL certificate error"];

pub fn is_plaintext_to_tls(answer: &Answer) -> bool {
    matches!(answer, Answer::Http1 { status: 400, body, .. } if PLAINTEXT_TO_TLS_BODIES.iter().any(|b| body.contains(b)))
}

/// Over HTTP/1.1 or, in front of gRPC, HTTP/2: nginx answers both the same way.
pub fn is_missing_client_cert(answer: &Answer) -> bool {
    is_400_saying(answer, NO_CLIENT_CERT_BODIES)
}

pub fn is_rejected_client_cert(answer: &Answer) -> bool {
    is_400_saying(answer, CLIENT_CERT_REJECTED_BODIES)
}

fn is_400_saying(answer: &Answer, bodies: &[&str]) -> bool {
    match answer {
        Answer::Http1 {
            status: 400, body, ..
        }
        | Answer::H2 {
            status: 400, body, ..
        } => bodies.iter().any(|b| body.contains(b)),
        _ => false,
    }
}
