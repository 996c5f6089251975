//! The clients against real peers on 127.0.0.1 ([`peers`]): tonic servers implementing the
//! generated OTLP services (accepting, partially accepting, throttling with `RetryInfo`,
//! stalling), a hyper HTTP/1.1 server that records what it was sent, an HTTP/2 server that is not
//! gRPC, and the same behind TLS. Every wait is bounded.

mod grpc_export;
mod http_export;
mod peers;
mod tls_export;

use super::*;
use crate::otlp::payload::ProbeData;
use flate2::read::GzDecoder;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use std::io::Read;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Generous for loopback, short enough that a hung test fails fast.
const TIMEOUT: Duration = Duration::from_secs(5);
/// For the tests that wait for a time-out on purpose.
const SHORT_TIMEOUT: Duration = Duration::from_millis(300);
/// Longer than any timeout above: how long a stalling server waits.
const STALL: Duration = Duration::from_secs(30);
/// Bounds every test as a whole.
const TEST_BOUND: Duration = Duration::from_secs(20);

/// Aborts the server task when the test ends.
struct Server {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn bounded<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_BOUND, work)
        .await
        .expect("the test finished in time")
}

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    (listener, address)
}

fn headers() -> Vec<Header> {
    vec![Header {
        name: "x-probe-token".to_string(),
        value: "secret".to_string(),
    }]
}

/// Exports `request` through a plaintext dialer to `address`.
async fn send(
    address: SocketAddr,
    protocol: Protocol,
    http_path: &str,
    compression: Compression,
    timeout: Duration,
    request: &ExportRequest,
) -> ExportAnswer {
    send_via(
        &Dialer::Plain { address },
        &address.to_string(),
        protocol,
        http_path,
        compression,
        timeout,
        request,
    )
    .await
}

async fn send_via(
    dialer: &Dialer,
    authority: &str,
    protocol: Protocol,
    http_path: &str,
    compression: Compression,
    timeout: Duration,
    request: &ExportRequest,
) -> ExportAnswer {
    let headers = headers();
    let dest = Destination {
        dialer,
        authority,
        http_path,
        protocol,
        headers: &headers,
        compression,
        timeout,
    };
    export(&dest, request).await
}

fn trace_request(probe: &ProbeData) -> ExportRequest {
    ExportRequest::probe(Signal::Traces, probe)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut plain)
        .expect("a gzip body");
    plain
}

// ---- answer interpretation -----------------------------------------------------------------

#[test]
fn json_partial_success_takes_strings_and_numbers() {
    let string = br#"{"partialSuccess":{"rejectedLogRecords":"3","errorMessage":"old"}}"#;
    assert_eq!(
        PartialSuccess::from_json(Signal::Logs, string),
        Some(PartialSuccess {
            rejected: 3,
            message: "old".to_string()
        })
    );
    let number = br#"{"partialSuccess":{"rejectedDataPoints":4}}"#;
    assert_eq!(
        PartialSuccess::from_json(Signal::Metrics, number),
        Some(PartialSuccess {
            rejected: 4,
            message: String::new()
        })
    );
    // The Collector's full success, and a warning with nothing rejected.
    assert_eq!(
        PartialSuccess::from_json(Signal::Traces, br#"{"partialSuccess":{}}"#),
        None
    );
    assert_eq!(PartialSuccess::from_json(Signal::Traces, b"{}"), None);
    assert_eq!(
        PartialSuccess::from_json(
            Signal::Traces,
            br#"{"partialSuccess":{"errorMessage":"deprecated attribute"}}"#
        )
        .map(|p| p.rejected),
        Some(0)
    );
    assert_eq!(PartialSuccess::from_json(Signal::Traces, b"not json"), None);
}

#[test]
fn protobuf_partial_success_empty_body_is_full_success() {
    assert_eq!(PartialSuccess::from_protobuf(Signal::Traces, b""), None);
    let empty = ExportTraceServiceResponse {
        partial_success: Some(ExportTracePartialSuccess::default()),
    };
    assert_eq!(
        PartialSuccess::from_protobuf(Signal::Traces, &empty.encode_to_vec()),
        None
    );
}

#[test]
fn excerpts_are_printable_and_short() {
    assert_eq!(
        body_excerpt(b"  404 page\n\tnot found \n"),
        "404 page not found"
    );
    let long = "word ".repeat(200);
    let excerpt = body_excerpt(long.as_bytes());
    assert_eq!(excerpt.chars().count(), BODY_EXCERPT_CHARS);
    assert!(excerpt.ends_with('…'));
    let binary = body_excerpt(&[0x00, 0x00, 0x06, 0x04, b'o', b'k']);
    assert_eq!(binary, "\\x00\\x00\\x06\\x04ok");
    let many = body_excerpt(&[0xffu8; 1000]);
    assert!(many.chars().count() <= BODY_EXCERPT_CHARS);
}

#[test]
fn error_chains_keep_every_distinct_cause() {
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("tcp connect error")
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }
    let error = Outer(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "connect timed out",
    ));
    assert_eq!(error_chain(&error), "tcp connect error: connect timed out");
    assert!(is_timeout(&error));
}
