//! OTLP/gRPC through the generated tonic clients.

use super::{
    TIMEOUT, TRACE_ID_HEX, next_batch, one_span_request, only_span, start, start_default, stop,
};
use crate::serve::ReceiverConfig;
use crate::settings::{Compression, Protocol, Signal};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use std::net::SocketAddr;
use tonic::codec::CompressionEncoding;
use tonic::transport::Channel;

async fn trace_client(addr: SocketAddr) -> TraceServiceClient<Channel> {
    tokio::time::timeout(
        TIMEOUT,
        TraceServiceClient::connect(format!("http://{addr}")),
    )
    .await
    .expect("connect within the timeout")
    .expect("connect")
}

#[tokio::test]
async fn a_span_over_grpc_arrives_as_a_batch() {
    let (receiver, mut rx) = start_default().await;
    let mut client = trace_client(receiver.grpc_addr()).await;
    let answer = tokio::time::timeout(TIMEOUT, client.export(one_span_request()))
        .await
        .expect("answer within the timeout")
        .expect("status OK");
    assert_eq!(answer.into_inner().partial_success, None);

    let received = next_batch(&mut rx).await;
    assert_eq!(received.transport, Protocol::Grpc);
    assert_eq!(received.signal, Signal::Traces);
    assert_eq!(received.meta.compression, Compression::None);
    assert!(received.meta.peer.is_some_and(|p| p.ip().is_loopback()));
    assert!(
        received.meta.user_agent.is_some(),
        "tonic sends a user agent"
    );
    assert_eq!(hex::encode(&only_span(&received).trace_id), TRACE_ID_HEX);

    let counts = receiver.counters().get(Protocol::Grpc);
    assert_eq!((counts.requests, counts.spans), (1, 1));
    assert_eq!(receiver.counters().total().requests, 1);
    stop(receiver).await;
}

#[tokio::test]
async fn gzip_over_grpc_is_accepted() {
    let (receiver, mut rx) = start_default().await;
    let mut client = trace_client(receiver.grpc_addr())
        .await
        .send_compressed(CompressionEncoding::Gzip);
    tokio::time::timeout(TIMEOUT, client.export(one_span_request()))
        .await
        .expect("answer within the timeout")
        .expect("status OK");
    let received = next_batch(&mut rx).await;
    assert_eq!(received.meta.compression, Compression::Gzip);
    assert_eq!(only_span(&received).name, "checkout");
    stop(receiver).await;
}

#[tokio::test]
async fn logs_over_grpc_are_counted_as_log_records() {
    let (receiver, mut rx) = start_default().await;
    let addr = format!("http://{}", receiver.grpc_addr());
    let mut client = tokio::time::timeout(TIMEOUT, LogsServiceClient::connect(addr))
        .await
        .expect("connect within the timeout")
        .expect("connect");
    let request = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord::default(), LogRecord::default()],
                ..ScopeLogs::default()
            }],
            ..ResourceLogs::default()
        }],
    };
    tokio::time::timeout(TIMEOUT, client.export(request))
        .await
        .expect("answer within the timeout")
        .expect("status OK");
    assert_eq!(next_batch(&mut rx).await.signal, Signal::Logs);
    assert_eq!(receiver.counters().get(Protocol::Grpc).log_records, 2);
    stop(receiver).await;
}

#[tokio::test]
async fn an_oversized_grpc_message_is_refused_and_the_next_one_succeeds() {
    let config = ReceiverConfig {
        max_message_bytes: 1024,
        ..ReceiverConfig::ephemeral()
    };
    let (receiver, mut rx) = start(config).await;
    let mut client = trace_client(receiver.grpc_addr()).await;
    let mut big = one_span_request();
    big.resource_spans[0].scope_spans[0].spans[0].name = "x".repeat(4096);
    let status = tokio::time::timeout(TIMEOUT, client.export(big))
        .await
        .expect("answer within the timeout")
        .expect_err("too large");
    assert!(
        matches!(
            status.code(),
            tonic::Code::OutOfRange | tonic::Code::ResourceExhausted
        ),
        "{status:?}"
    );
    tokio::time::timeout(TIMEOUT, client.export(one_span_request()))
        .await
        .expect("answer within the timeout")
        .expect("status OK");
    assert_eq!(only_span(&next_batch(&mut rx).await).name, "checkout");
    stop(receiver).await;
}
