//! Receiver tests against real listeners on 127.0.0.1: the generated tonic client and raw hyper
//! HTTP/1.1 requests, every wait bounded by [`TIMEOUT`].

mod decoding;
mod grpc_export;
mod http_export;

use super::{Batches, Received, Receiver, ReceiverConfig, RunningReceiver, batch_channel_of};
use crate::otlp::payload::ExportRequest;
use crate::settings::Protocol;
use bytes::Bytes;
use flate2::Compression as GzLevel;
use flate2::write::GzEncoder;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;

/// Generous for a loaded CI machine, short enough that a hang fails the test quickly.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The trace example from opentelemetry-proto `examples/trace.json`, as the spec publishes it
/// (upper case hex ids, numbers for 64-bit times, the span kind as an integer).
const TRACE_JSON: &str = include_str!("trace.json");

const TRACE_ID_HEX: &str = "5b8efff798038103d269b633813fc60c";

async fn start(config: ReceiverConfig) -> (RunningReceiver, Batches) {
    let (tx, rx) = batch_channel_of(16);
    let bound = Receiver::bind(config, tx).await.expect("bind on loopback");
    (bound.start(), rx)
}

async fn start_default() -> (RunningReceiver, Batches) {
    start(ReceiverConfig::ephemeral()).await
}

async fn next_batch(rx: &mut Batches) -> Received {
    tokio::time::timeout(TIMEOUT, rx.recv())
        .await
        .expect("a batch within the timeout")
        .expect("the channel is open")
}

fn one_span_request() -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: hex::decode(TRACE_ID_HEX).expect("hex"),
                    span_id: vec![1, 2, 3, 4, 5, 6, 7, 8],
                    name: "checkout".to_owned(),
                    start_time_unix_nano: 1_544_712_660_000_000_000,
                    end_time_unix_nano: 1_544_712_661_000_000_000,
                    ..Span::default()
                }],
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

/// The single span of a traces batch.
fn only_span(received: &Received) -> &Span {
    let ExportRequest::Traces(request) = &received.payload else {
        panic!("expected traces, got {:?}", received.signal);
    };
    assert_eq!(received.payload.item_count(), 1);
    &request.resource_spans[0].scope_spans[0].spans[0]
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), GzLevel::default());
    encoder.write_all(data).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

/// What a raw HTTP request got back.
struct Answer {
    status: http::StatusCode,
    content_type: Option<String>,
    body: Bytes,
}

/// One HTTP/1.1 request on a fresh connection, with nothing added behind the test's back.
async fn send(
    addr: SocketAddr,
    method: http::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let exchange = async {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        let mut request = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, addr.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::from(body))).expect("request");
        let response = sender.send_request(request).await.expect("response");
        let status = response.status();
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Answer {
            status,
            content_type,
            body,
        }
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .expect("an answer within the timeout")
}

/// Exports [`one_span_request`] over OTLP/HTTP protobuf; the answer's status.
async fn post_one_span(addr: SocketAddr) -> http::StatusCode {
    let body = prost::Message::encode_to_vec(&one_span_request());
    let headers = [("content-type", "application/x-protobuf")];
    post(addr, "/v1/traces", &headers, body).await.status
}

async fn post(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    send(addr, http::Method::POST, path, headers, body).await
}

async fn stop(receiver: RunningReceiver) {
    tokio::time::timeout(TIMEOUT, receiver.stop())
        .await
        .expect("stops within the timeout")
        .expect("stops cleanly");
}

#[tokio::test]
async fn bind_picks_free_ports_and_stops() {
    let (receiver, _rx) = start_default().await;
    assert!(receiver.grpc_addr().ip().is_loopback());
    assert_ne!(receiver.grpc_addr().port(), 0);
    assert_ne!(receiver.http_addr().port(), 0);
    assert_ne!(receiver.grpc_addr(), receiver.http_addr());
    let http_addr = receiver.http_addr();
    stop(receiver).await;
    assert!(
        TcpStream::connect(http_addr).await.is_err(),
        "listener closed"
    );
}

#[tokio::test]
async fn bind_failure_names_the_address() {
    let (receiver, _rx) = start_default().await;
    let taken = receiver.http_addr();
    let config = ReceiverConfig {
        http_listen: taken,
        ..ReceiverConfig::ephemeral()
    };
    let (tx, _rx2) = batch_channel_of(1);
    let error = Receiver::bind(config, tx).await.expect_err("port is taken");
    assert_eq!(
        error.to_string(),
        format!("cannot listen on {taken}: address in use")
    );
    stop(receiver).await;
}

#[tokio::test]
async fn full_channel_still_answers_and_counts_drops() {
    let (tx, rx) = batch_channel_of(0);
    let receiver = Receiver::bind(ReceiverConfig::ephemeral(), tx)
        .await
        .expect("bind")
        .start();
    for _ in 0..3 {
        assert_eq!(
            post_one_span(receiver.http_addr()).await,
            http::StatusCode::OK
        );
    }
    let counters = receiver.counters();
    assert_eq!(counters.get(Protocol::HttpProtobuf).requests, 3);
    assert_eq!(counters.get(Protocol::HttpProtobuf).spans, 3);
    assert_eq!(counters.dropped(), 3);
    drop(rx);
    stop(receiver).await;
}

/// `--save` writes where a request is accepted, before the answer: every answered request is in
/// the file even when no consumer ever took it (a kill loses nothing that was acknowledged), and
/// one the view dropped for a full queue is saved all the same.
#[tokio::test]
async fn every_answered_request_is_saved_before_any_consumer_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("capture.jsonl");
    let config = ReceiverConfig {
        save: Some(super::sink::SaveFile::open(&path).expect("open")),
        ..ReceiverConfig::ephemeral()
    };
    let (tx, rx) = batch_channel_of(1);
    let receiver = Receiver::bind(config, tx).await.expect("bind").start();
    for answered in 1..=3 {
        assert_eq!(
            post_one_span(receiver.http_addr()).await,
            http::StatusCode::OK
        );
        let saved = std::fs::read_to_string(&path).expect("the capture");
        assert_eq!(saved.lines().count(), answered, "saved when answered");
    }
    assert_eq!(receiver.counters().dropped(), 2);
    let saved = std::fs::read_to_string(&path).expect("the capture");
    assert!(
        saved.lines().all(|line| line.contains("\"checkout\"")),
        "{saved}"
    );
    drop(rx);
    stop(receiver).await;
}
