//! Minimal HTTP clients for checking peers by hand: raw HTTP/1.1 over any
//! stream, and one gRPC unary call over HTTP/2 (hyper). Every call is bounded.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Deadline for one request/response exchange.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A parsed HTTP/1.1 response.
#[derive(Debug, Clone)]
pub struct Http1Response {
    pub status: u16,
    /// Header (name lowercased, value).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The whole response as received.
    pub raw: Vec<u8>,
}

impl Http1Response {
    /// First value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request with `Connection: close` and reads the whole
/// response (until EOF), bounded by [`REQUEST_TIMEOUT`].
/// `headers` are extra `("Name", "value")` pairs; Host and Content-Length are added.
pub async fn http1_request<S>(
    mut stream: S,
    method: &str,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<Http1Response>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let exchange = async {
        stream.write_all(req.as_bytes()).await?;
        stream.write_all(body).await?;
        stream.flush().await?;
        let mut raw = Vec::new();
        // A TLS peer may end without close_notify; keep what arrived.
        if let Err(e) = stream.read_to_end(&mut raw).await
            && raw.is_empty()
        {
            return Err(e);
        }
        Ok(raw)
    };
    let raw = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{method} {path} timed out"),
            )
        })??;
    parse_http1(raw)
}

fn parse_http1(raw: Vec<u8>) -> io::Result<Http1Response> {
    let bad = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{why}: {:?}", String::from_utf8_lossy(&raw)),
        )
    };
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("empty response"))?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = raw[head_end + 4..].to_vec();
    Ok(Http1Response {
        status,
        headers,
        body,
        raw,
    })
}

/// Result of one gRPC call: HTTP status and grpc-status/-message from
/// trailers (or headers, for "trailers-only" answers).
#[derive(Debug, Clone)]
pub struct GrpcResponse {
    pub http_status: u16,
    pub grpc_status: Option<String>,
    pub grpc_message: Option<String>,
    /// The response message bytes (with the 5-byte gRPC frame prefix).
    pub body: Vec<u8>,
}

/// One gRPC unary call over HTTP/2 on `stream` (h2c or TLS with ALPN h2):
/// POST `path` (e.g. `/opentelemetry.proto.collector.trace.v1.TraceService/Export`)
/// with `message` (serialized protobuf) framed as gRPC. Bounded by [`REQUEST_TIMEOUT`].
pub async fn grpc_unary<S>(
    stream: S,
    authority: &str,
    path: &str,
    message: &[u8],
) -> io::Result<GrpcResponse>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let to_io = |e: hyper::Error| io::Error::other(e);
    let mut framed = Vec::with_capacity(5 + message.len());
    framed.push(0); // not compressed
    framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
    framed.extend_from_slice(message);
    let exchange = async {
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .map_err(to_io)?;
        let driver = tokio::spawn(conn);
        let req = http::Request::builder()
            .method("POST")
            .uri(format!("http://{authority}{path}"))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .body(Full::new(Bytes::from(framed)))
            .map_err(io::Error::other)?;
        let resp = sender.send_request(req).await.map_err(to_io)?;
        let http_status = resp.status().as_u16();
        let header = |m: &http::HeaderMap, k: &str| {
            m.get(k).and_then(|v| v.to_str().ok()).map(str::to_string)
        };
        let mut grpc_status = header(resp.headers(), "grpc-status");
        let mut grpc_message = header(resp.headers(), "grpc-message");
        let collected = resp.into_body().collect().await.map_err(to_io)?;
        if let Some(trailers) = collected.trailers() {
            grpc_status = grpc_status.or_else(|| header(trailers, "grpc-status"));
            grpc_message = grpc_message.or_else(|| header(trailers, "grpc-message"));
        }
        let body = collected.to_bytes().to_vec();
        driver.abort();
        Ok(GrpcResponse {
            http_status,
            grpc_status,
            grpc_message,
            body,
        })
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, format!("gRPC {path} timed out")))?
}

/// gRPC path of the OTLP trace export.
pub const OTLP_TRACES_GRPC_PATH: &str =
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
/// gRPC path of the OTLP logs export.
pub const OTLP_LOGS_GRPC_PATH: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
/// gRPC path of the OTLP metrics export.
pub const OTLP_METRICS_GRPC_PATH: &str =
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
