//! The two probes: an OTLP gRPC `Export` call over HTTP/2 and an OTLP/HTTP POST over HTTP/1.1,
//! each with an empty request (valid OTLP, no data), on a fresh connection whose first bytes are
//! recorded so a failure can still say what answered.

use super::answer::{Answer, excerpt};
use crate::checks::wire::{RecordingStream, recorded};
use crate::report::trace;
use crate::settings::values::Header;
use crate::settings::{Protocol, Signal};
use crate::transport::dialer::{ALPN_H2, ALPN_HTTP1, Dialer};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::time::Duration;

/// Responses larger than this are not read further (spec: clients cap responses at 4 MiB).
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
const USER_AGENT: &str = concat!("otlp-doctor/", env!("CARGO_PKG_VERSION"));

/// The gRPC method of a signal's OTLP service.
pub fn grpc_path(signal: Signal) -> &'static str {
    signal.grpc_path()
}

fn empty_json(signal: Signal) -> &'static [u8] {
    match signal {
        Signal::Traces => br#"{"resourceSpans":[]}"#,
        Signal::Metrics => br#"{"resourceMetrics":[]}"#,
        Signal::Logs => br#"{"resourceLogs":[]}"#,
    }
}

/// Which request to make.
pub struct Probe<'a> {
    pub dialer: &'a Dialer,
    /// `host:port` for the Host / :authority header.
    pub authority: &'a str,
    pub headers: &'a [Header],
    pub timeout: Duration,
}

impl Probe<'_> {
    fn uri(&self, path: &str) -> String {
        let scheme = if self.dialer.is_tls() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}{path}", self.authority)
    }

    fn request(
        &self,
        path: &str,
        content_type: &str,
        body: Bytes,
    ) -> Result<http::Request<Full<Bytes>>, http::Error> {
        let mut builder = http::Request::post(self.uri(path))
            .header(http::header::CONTENT_TYPE, content_type)
            .header(http::header::USER_AGENT, USER_AGENT);
        for header in self.headers {
            builder = builder.header(header.name.as_str(), header.value.as_str());
        }
        trace::record("request", || {
            let mut lines = vec![format!("POST {}", self.uri(path))];
            lines.push(format!("content-type: {content_type}"));
            lines.extend(
                self.headers
                    .iter()
                    .map(|h| format!("{}: {}", h.name, crate::report::mask::mask(&h.value))),
            );
            lines.join(" | ")
        });
        builder.body(Full::new(body))
    }

    /// An empty OTLP `Export` over gRPC: a 5-byte frame (uncompressed, length 0).
    pub async fn grpc(&self, signal: Signal) -> Answer {
        let io = match self.dialer.dial(ALPN_H2, self.timeout).await {
            Ok(io) => io,
            Err(error) => {
                return Answer::Unconnected {
                    error: error.to_string(),
                };
            }
        };
        let (io, seen) = RecordingStream::new(io);
        let exchange = async {
            let (mut sender, connection) =
                hyper::client::conn::http2::Builder::new(TokioExecutor::new())
                    .timer(TokioTimer::new())
                    .handshake(TokioIo::new(io))
                    .await?;
            tokio::spawn(connection);
            let request = self
                .request(
                    grpc_path(signal),
                    "application/grpc",
                    Bytes::from_static(&[0, 0, 0, 0, 0]),
                )
                .map(|mut r| {
                    r.headers_mut()
                        .insert("te", http::HeaderValue::from_static("trailers"));
                    r
                })
                .map_err(|e| ProbeError::Other(e.to_string()))?;
            let response = sender.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let collected = Limited::new(body, MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| ProbeError::Other(e.to_string()))?;
            let trailers = collected.trailers().cloned().unwrap_or_default();
            let body = collected.to_bytes();
            let header = |name: &str| {
                trailers
                    .get(name)
                    .or_else(|| parts.headers.get(name))
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let content_type = header("content-type").unwrap_or_default();
            trace_answer("HTTP/2", parts.status, &parts.headers, &body);
            if !trailers.is_empty() {
                trace::record("answer", || {
                    format!("trailers: {}", header_lines(&trailers))
                });
            }
            if let Some(details) = header("grpc-status-details-bin") {
                trace::record("answer", || {
                    let decoded = crate::otlp::rpc::describe_status_details(&details);
                    format!(
                        "grpc-status-details-bin: {}",
                        decoded.unwrap_or_else(|| "(not a google.rpc.Status)".into())
                    )
                });
            }
            Ok::<Answer, ProbeError>(
                match header("grpc-status").and_then(|s| s.parse::<i32>().ok()) {
                    Some(grpc_status) => Answer::Grpc {
                        grpc_status,
                        grpc_message: header("grpc-message")
                            .map(|m| {
                                percent_encoding::percent_decode_str(&m)
                                    .decode_utf8_lossy()
                                    .into_owned()
                            })
                            .unwrap_or_default(),
                        content_type,
                    },
                    None => Answer::H2 {
                        status: parts.status.as_u16(),
                        content_type,
                        body: excerpt(&body),
                    },
                },
            )
        };
        self.finish(exchange, &seen).await
    }

    /// An empty OTLP/HTTP export: zero bytes of protobuf, or the signal's empty list in JSON
    /// (`{}` is valid OTLP JSON too, but rotel answers it with 400).
    pub async fn http(&self, path: &str, protocol: Protocol, signal: Signal) -> Answer {
        let io = match self.dialer.dial(ALPN_HTTP1, self.timeout).await {
            Ok(io) => io,
            Err(error) => {
                return Answer::Unconnected {
                    error: error.to_string(),
                };
            }
        };
        let (io, seen) = RecordingStream::new(io);
        let (content_type, body) = match protocol {
            Protocol::HttpJson => ("application/json", Bytes::from_static(empty_json(signal))),
            _ => ("application/x-protobuf", Bytes::new()),
        };
        let exchange = async {
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
            tokio::spawn(connection);
            let mut request = self
                .request(path, content_type, body)
                .map_err(|e| ProbeError::Other(e.to_string()))?;
            let host = http::HeaderValue::from_str(self.authority)
                .map_err(|e| ProbeError::Other(e.to_string()))?;
            request.headers_mut().insert(http::header::HOST, host);
            let response = sender.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            trace_answer("HTTP/1.1", parts.status, &parts.headers, &body);
            let header = |name| {
                parts
                    .headers
                    .get(name)
                    .and_then(|v: &http::HeaderValue| v.to_str().ok())
                    .map(str::to_string)
            };
            Ok::<Answer, ProbeError>(Answer::Http1 {
                status: parts.status.as_u16(),
                content_type: header(http::header::CONTENT_TYPE).unwrap_or_default(),
                body: excerpt(&body),
                retry_after: header(http::header::RETRY_AFTER),
            })
        };
        self.finish(exchange, &seen).await
    }

    /// Bounds an exchange by the timeout and classifies a failure from the recorded bytes.
    async fn finish(
        &self,
        exchange: impl Future<Output = Result<Answer, ProbeError>>,
        seen: &std::sync::Mutex<Vec<u8>>,
    ) -> Answer {
        let answer = self.settle(exchange, seen).await;
        trace::record("answer", || answer.describe());
        answer
    }

    async fn settle(
        &self,
        exchange: impl Future<Output = Result<Answer, ProbeError>>,
        seen: &std::sync::Mutex<Vec<u8>>,
    ) -> Answer {
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => {
                let text = error.to_string();
                let lower = text.to_ascii_lowercase();
                let reset = lower.contains("reset") || lower.contains("broken pipe");
                Answer::from_failure(recorded(seen), &text, reset)
            }
            Err(_) => {
                let first = recorded(seen);
                if first.is_empty() {
                    Answer::Silent
                } else {
                    Answer::from_failure(first, "timed out", false)
                }
            }
        }
    }
}

/// The status line, headers and first bytes of an answer, for the trace.
fn trace_answer(version: &str, status: http::StatusCode, headers: &http::HeaderMap, body: &[u8]) {
    trace::record("answer", || {
        let mut text = format!("{version} {status} | {}", header_lines(headers));
        if !body.is_empty() {
            text.push_str(&format!(" | body {}", excerpt(body)));
        }
        text
    });
}

fn header_lines(headers: &http::HeaderMap) -> String {
    headers
        .iter()
        .map(|(name, value)| format!("{name}: {}", String::from_utf8_lossy(value.as_bytes())))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[derive(Debug)]
enum ProbeError {
    Hyper(hyper::Error),
    Other(String),
}

impl From<hyper::Error> for ProbeError {
    fn from(error: hyper::Error) -> Self {
        ProbeError::Hyper(error)
    }
}

/// The error with its whole source chain: hyper's own message ("connection error") hides the
/// operating system's ("Connection reset by peer").
impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::Other(text) => f.write_str(text),
            ProbeError::Hyper(error) => {
                write!(f, "{error}")?;
                let mut source = std::error::Error::source(error);
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
        }
    }
}
