//! What a server answered a probe with, classified from the protocol library's result and, when
//! that failed, from the raw bytes the server sent.

use crate::checks::wire::{Reply, classify, escape, escape_start};
use crate::otlp::rpc::grpc_code_name;

/// Longest body excerpt kept for evidence.
const BODY_EXCERPT: usize = 200;
/// Enough of a binary answer to recognise it, short enough for a report line.
const EVIDENCE_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A gRPC server: HTTP/2 with a `grpc-status`.
    Grpc {
        grpc_status: i32,
        grpc_message: String,
        content_type: String,
    },
    /// HTTP/2 answered, but not as a gRPC server.
    H2 {
        status: u16,
        content_type: String,
        body: String,
    },
    /// An HTTP/1.x response.
    Http1 {
        status: u16,
        content_type: String,
        body: String,
        retry_after: Option<String>,
    },
    /// TLS records in reply to plaintext.
    Tls { first: Vec<u8> },
    /// HTTP/2 frames in reply to an HTTP/1.1 request: an h2c (gRPC) server.
    H2Frames { first: Vec<u8> },
    /// Bytes that are not HTTP.
    NotHttp { first: Vec<u8> },
    /// Nothing within the timeout, connection still open.
    Silent,
    /// The server closed the connection without sending a byte.
    Closed { error: String },
    /// The connection was reset.
    Reset { error: String },
    /// The connection could not be opened for the probe.
    Unconnected { error: String },
}

impl Answer {
    /// Classifies a failed exchange from the bytes the server sent before it failed.
    pub fn from_failure(first: Vec<u8>, error: &str, reset: bool) -> Answer {
        match classify(&first) {
            Reply::Nothing if reset => Answer::Reset {
                error: error.to_string(),
            },
            Reply::Nothing => Answer::Closed {
                error: error.to_string(),
            },
            Reply::Tls => Answer::Tls { first },
            Reply::Http2 => Answer::H2Frames { first },
            Reply::Http1 => parse_http1(&first).unwrap_or(Answer::NotHttp { first }),
            Reply::Other => Answer::NotHttp { first },
        }
    }

    /// One line for a summary or evidence.
    pub fn describe(&self) -> String {
        match self {
            Answer::Grpc {
                grpc_status,
                grpc_message,
                ..
            } => {
                format!(
                    "gRPC answer grpc-status {grpc_status} ({}){}",
                    grpc_code_name(*grpc_status),
                    quoted(grpc_message)
                )
            }
            Answer::H2 {
                status,
                content_type,
                body,
            } => {
                format!(
                    "HTTP/2 {status}, content-type '{content_type}', not gRPC{}",
                    quoted(body)
                )
            }
            Answer::Http1 {
                status,
                content_type,
                body,
                ..
            } => {
                format!(
                    "HTTP/1.1 {status}, content-type '{content_type}'{}",
                    quoted(body)
                )
            }
            Answer::Tls { first } => {
                format!("a TLS record {}", escape_start(first, EVIDENCE_BYTES))
            }
            Answer::H2Frames { first } => {
                format!("HTTP/2 frames {}", escape_start(first, EVIDENCE_BYTES))
            }
            Answer::NotHttp { first } => format!(
                "bytes that are not HTTP: {}",
                escape_start(first, EVIDENCE_BYTES)
            ),
            Answer::Silent => "no answer (connection open, nothing sent back)".into(),
            Answer::Closed { error } => format!("connection closed without an answer ({error})"),
            Answer::Reset { error } => format!("connection reset ({error})"),
            Answer::Unconnected { error } => format!("could not connect ({error})"),
        }
    }
}

fn quoted(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(": \"{text}\"")
    }
}

/// Parses `HTTP/1.x NNN reason` plus headers and a body excerpt from raw bytes.
pub fn parse_http1(bytes: &[u8]) -> Option<Answer> {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut content_type = String::new();
    let mut retry_after = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-type" => content_type = value.trim().to_string(),
                "retry-after" => retry_after = Some(value.trim().to_string()),
                _ => {}
            }
        }
    }
    Some(Answer::Http1 {
        status,
        content_type,
        body: excerpt(body.as_bytes()),
        retry_after,
    })
}

/// A printable, single-line excerpt of a body.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > BODY_EXCERPT {
        format!("{}…", flat.chars().take(BODY_EXCERPT).collect::<String>())
    } else if flat.chars().all(|c| !c.is_control()) {
        flat
    } else {
        escape(&body[..body.len().min(BODY_EXCERPT)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nginx_https_port_answer() {
        let raw = b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n\r\n<html><head><title>400 The plain HTTP request was sent to HTTPS port</title>";
        let Some(Answer::Http1 {
            status,
            content_type,
            body,
            ..
        }) = parse_http1(raw)
        else {
            panic!()
        };
        assert_eq!((status, content_type.as_str()), (400, "text/html"));
        assert!(body.contains("plain HTTP request was sent to HTTPS port"));
    }

    #[test]
    fn classifies_failures_by_first_bytes() {
        assert!(matches!(
            Answer::from_failure(vec![0, 0, 6, 4, 0, 0, 0, 0, 0], "e", false),
            Answer::H2Frames { .. }
        ));
        assert!(matches!(
            Answer::from_failure(vec![21, 3, 3, 0, 2], "e", false),
            Answer::Tls { .. }
        ));
        assert!(matches!(
            Answer::from_failure(b"SSH-2.0-x".to_vec(), "e", false),
            Answer::NotHttp { .. }
        ));
        assert!(matches!(
            Answer::from_failure(vec![], "e", true),
            Answer::Reset { .. }
        ));
    }
}
