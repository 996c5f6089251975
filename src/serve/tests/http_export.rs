//! OTLP/HTTP through raw hyper HTTP/1.1 requests: every answer the spec describes.

use super::{
    Answer, TRACE_ID_HEX, TRACE_JSON, gzip, next_batch, one_span_request, only_span, post, send,
    start, start_default, stop,
};
use crate::serve::ReceiverConfig;
use crate::settings::{Compression, Protocol, Signal};
use http::{Method, StatusCode};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;

const PROTOBUF: (&str, &str) = ("content-type", "application/x-protobuf");
const JSON: (&str, &str) = ("content-type", "application/json");
const GZIP: (&str, &str) = ("content-encoding", "gzip");

fn assert_answer(answer: &Answer, status: StatusCode, content_type: &str) {
    assert_eq!(
        answer.status,
        status,
        "body: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.content_type.as_deref(), Some(content_type));
}

#[tokio::test]
async fn protobuf_with_and_without_gzip() {
    let (receiver, mut rx) = start_default().await;
    let body = one_span_request().encode_to_vec();
    for gzipped in [false, true] {
        let (headers, bytes) = if gzipped {
            (vec![PROTOBUF, GZIP], gzip(&body))
        } else {
            (vec![PROTOBUF], body.clone())
        };
        let answer = post(receiver.http_addr(), "/v1/traces", &headers, bytes).await;
        assert_answer(&answer, StatusCode::OK, "application/x-protobuf");
        let decoded = ExportTraceServiceResponse::decode(answer.body).expect("a protobuf response");
        assert_eq!(decoded.partial_success, None);

        let received = next_batch(&mut rx).await;
        assert_eq!(received.transport, Protocol::HttpProtobuf);
        assert_eq!(received.signal, Signal::Traces);
        let expected = if gzipped {
            Compression::Gzip
        } else {
            Compression::None
        };
        assert_eq!(received.meta.compression, expected);
        assert_eq!(hex::encode(&only_span(&received).trace_id), TRACE_ID_HEX);
    }
    let counts = receiver.counters().get(Protocol::HttpProtobuf);
    assert_eq!((counts.requests, counts.spans, counts.rejected), (2, 2, 0));
    stop(receiver).await;
}

#[tokio::test]
async fn spec_json_with_and_without_gzip() {
    let (receiver, mut rx) = start_default().await;
    let body = TRACE_JSON.as_bytes().to_vec();
    for gzipped in [false, true] {
        let (headers, bytes) = if gzipped {
            (vec![JSON, GZIP], gzip(&body))
        } else {
            (vec![JSON], body.clone())
        };
        let answer = post(receiver.http_addr(), "/v1/traces", &headers, bytes).await;
        assert_answer(&answer, StatusCode::OK, "application/json");
        assert_eq!(&answer.body[..], b"{}");

        let received = next_batch(&mut rx).await;
        assert_eq!(received.transport, Protocol::HttpJson);
        let span = only_span(&received);
        assert_eq!(hex::encode(&span.trace_id), TRACE_ID_HEX);
        assert_eq!(span.name, "I'm a server span");
    }
    let counts = receiver.counters().get(Protocol::HttpJson);
    assert_eq!((counts.requests, counts.spans), (2, 2));
    assert_eq!(receiver.counters().get(Protocol::Grpc).requests, 0);
    stop(receiver).await;
}

#[tokio::test]
async fn metrics_and_logs_paths_answer_in_kind() {
    let (receiver, mut rx) = start_default().await;
    for (path, signal) in [("/v1/metrics", Signal::Metrics), ("/v1/logs", Signal::Logs)] {
        let answer = post(receiver.http_addr(), path, &[JSON], b"{}".to_vec()).await;
        assert_answer(&answer, StatusCode::OK, "application/json");
        assert_eq!(next_batch(&mut rx).await.signal, signal);
    }
    stop(receiver).await;
}

#[tokio::test]
async fn refusals_carry_the_spec_status() {
    let (receiver, _rx) = start_default().await;
    let addr = receiver.http_addr();
    let span = one_span_request().encode_to_vec();

    let text = post(
        addr,
        "/v1/traces",
        &[("content-type", "text/plain")],
        span.clone(),
    )
    .await;
    assert_answer(
        &text,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "text/plain; charset=utf-8",
    );

    let missing = post(addr, "/v1/traces", &[], span.clone()).await;
    assert_eq!(missing.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let zstd = post(
        addr,
        "/v1/traces",
        &[PROTOBUF, ("content-encoding", "zstd")],
        span.clone(),
    )
    .await;
    assert_answer(
        &zstd,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "application/x-protobuf",
    );

    let nothing = post(addr, "/v1/nothing", &[PROTOBUF], span.clone()).await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND);

    let get = send(addr, Method::GET, "/v1/traces", &[], Vec::new()).await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);

    let garbage = post(
        addr,
        "/v1/traces",
        &[PROTOBUF],
        b"\xff\xff\xff\xff garbage".to_vec(),
    )
    .await;
    assert_answer(&garbage, StatusCode::BAD_REQUEST, "application/x-protobuf");
    assert!(!garbage.body.is_empty(), "a google.rpc.Status body");

    let bad_json = post(
        addr,
        "/v1/traces",
        &[JSON],
        b"{\"resourceSpans\": 7}".to_vec(),
    )
    .await;
    assert_answer(&bad_json, StatusCode::BAD_REQUEST, "application/json");
    let status: serde_json::Value = serde_json::from_slice(&bad_json.body).expect("a JSON Status");
    assert_eq!(status["code"], 3, "INVALID_ARGUMENT");
    assert!(
        status["message"]
            .as_str()
            .is_some_and(|m| m.contains("OTLP/JSON"))
    );

    let counters = receiver.counters();
    assert_eq!(counters.unroutable(), 5);
    assert_eq!(counters.get(Protocol::HttpProtobuf).rejected, 1);
    assert_eq!(counters.get(Protocol::HttpJson).rejected, 1);
    assert_eq!(counters.total().requests, 0);
    stop(receiver).await;
}

#[tokio::test]
async fn method_not_allowed_names_post() {
    let (receiver, _rx) = start_default().await;
    let addr = receiver.http_addr();
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("handshake");
        tokio::spawn(connection);
        let request = http::Request::get("/v1/logs")
            .header(http::header::HOST, addr.to_string())
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .expect("request");
        sender.send_request(request).await.expect("response")
    };
    let response = tokio::time::timeout(super::TIMEOUT, exchange)
        .await
        .expect("an answer within the timeout");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response
            .headers()
            .get(http::header::ALLOW)
            .map(|v| v.as_bytes()),
        Some(&b"POST"[..])
    );
    stop(receiver).await;
}

#[tokio::test]
async fn a_gzip_bomb_gets_413_and_the_receiver_keeps_going() {
    let (receiver, mut rx) = start_default().await;
    let addr = receiver.http_addr();
    // 100 MiB of zeros compress to about 100 KiB: far under the wire limit, far over the
    // decompressed one.
    let bomb = gzip(&vec![0_u8; 100 * 1024 * 1024]);
    assert!(bomb.len() < 1024 * 1024);
    let answer = post(addr, "/v1/traces", &[PROTOBUF, GZIP], bomb).await;
    assert_answer(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "application/x-protobuf",
    );

    let answer = post(
        addr,
        "/v1/traces",
        &[PROTOBUF],
        one_span_request().encode_to_vec(),
    )
    .await;
    assert_answer(&answer, StatusCode::OK, "application/x-protobuf");
    assert_eq!(only_span(&next_batch(&mut rx).await).name, "checkout");
    assert_eq!(receiver.counters().get(Protocol::HttpProtobuf).rejected, 1);
    stop(receiver).await;
}

#[tokio::test]
async fn a_body_over_the_wire_limit_gets_413() {
    let config = ReceiverConfig {
        max_message_bytes: 64,
        ..ReceiverConfig::ephemeral()
    };
    let (receiver, _rx) = start(config).await;
    let answer = post(
        receiver.http_addr(),
        "/v1/traces",
        &[JSON],
        TRACE_JSON.as_bytes().to_vec(),
    )
    .await;
    assert_answer(&answer, StatusCode::PAYLOAD_TOO_LARGE, "application/json");
    stop(receiver).await;
}
