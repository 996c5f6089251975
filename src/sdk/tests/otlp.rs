//! The wrapper around the real opentelemetry-otlp 0.33 exporters, against the in-process receiver
//! and a closed port: the codes come from the errors these exporters really return.

use super::support::{Metrics, spans};
use crate::report::Code;
use crate::sdk::{DoctorSpanExporter, ERRORS, SPANS_EXPORTED, UNMAPPED_CODE, code_for_error};
use crate::serve::faults::FaultPolicy;
use crate::serve::{Receiver, ReceiverConfig, RunningReceiver, batch_channel};
use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter as _};
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

/// Bounds each export, retries included, so a test never waits for the 10 s default.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(3);
const TOKEN: &str = "Bearer wrapper-test-token-0123456789";

/// A loopback address nothing listens on.
fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address")
}

async fn receiver_requiring_token() -> RunningReceiver {
    let config = ReceiverConfig {
        faults: FaultPolicy {
            require_header: Some(("authorization".into(), TOKEN.into())),
            ..FaultPolicy::default()
        },
        ..ReceiverConfig::ephemeral()
    };
    let (batches, received) = batch_channel();
    // Nothing reads the batches: the receiver answers anyway and counts them as dropped.
    drop(received);
    Receiver::bind(config, batches)
        .await
        .expect("receiver binds")
        .start()
}

fn grpc_exporter(endpoint: String) -> opentelemetry_otlp::SpanExporter {
    opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .with_timeout(EXPORT_TIMEOUT)
        .build()
        .expect("gRPC exporter")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_connection_refused_is_net_conn_refused() {
    let metrics = Metrics::new();
    let exporter = DoctorSpanExporter::with_meter(
        grpc_exporter(format!("http://{}", closed_port())),
        &metrics.meter(),
    );
    let error = exporter
        .export(spans(2))
        .await
        .expect_err("nothing listens");
    assert_eq!(
        code_for_error(&error),
        Some(Code::NetConnRefused),
        "{error}"
    );
    assert_eq!(
        metrics.value(
            ERRORS,
            &[("code", "NET_CONN_REFUSED"), ("signal", "traces")]
        ),
        1.0
    );
    assert_eq!(metrics.value(SPANS_EXPORTED, &[("outcome", "error")]), 2.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_without_the_token_is_unauthenticated_and_with_it_ok() {
    let receiver = receiver_requiring_token().await;
    let endpoint = format!("http://{}", receiver.grpc_addr());
    let metrics = Metrics::new();

    let refused = DoctorSpanExporter::with_meter(grpc_exporter(endpoint.clone()), &metrics.meter());
    let error = refused.export(spans(1)).await.expect_err("no token");
    assert_eq!(
        code_for_error(&error),
        Some(Code::AuthUnauthenticated),
        "{error}"
    );

    let mut metadata = tonic::metadata::MetadataMap::new();
    metadata.insert("authorization", TOKEN.parse().expect("metadata value"));
    let inner = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .with_timeout(EXPORT_TIMEOUT)
        .with_metadata(metadata)
        .build()
        .expect("gRPC exporter");
    let accepted = DoctorSpanExporter::with_meter(inner, &metrics.meter());
    accepted
        .export(spans(3))
        .await
        .expect("the token is accepted");

    assert_eq!(metrics.value(SPANS_EXPORTED, &[("outcome", "ok")]), 3.0);
    assert_eq!(metrics.value(SPANS_EXPORTED, &[("outcome", "error")]), 1.0);
    assert_eq!(
        metrics.value(
            ERRORS,
            &[("code", "AUTH_UNAUTHENTICATED"), ("signal", "traces")]
        ),
        1.0
    );
    let _ = receiver.stop().await;
}

/// The HTTP exporter's blocking client may not run inside a tokio runtime, so this goes through
/// the SDK's batch processor (its own thread), as in an application.
#[test]
fn http_status_401_through_the_batch_processor() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let receiver = runtime.block_on(receiver_requiring_token());
    let metrics = Metrics::new();
    let url = |addr: SocketAddr| format!("http://{addr}/v1/traces");
    let http_exporter = |endpoint: String, headers: HashMap<String, String>| {
        opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint)
            .with_timeout(EXPORT_TIMEOUT)
            .with_headers(headers)
            .build()
            .expect("HTTP exporter")
    };

    for (endpoint, headers) in [
        (url(receiver.http_addr()), HashMap::new()),
        (
            url(receiver.http_addr()),
            HashMap::from([("authorization".to_string(), TOKEN.to_string())]),
        ),
        (url(closed_port()), HashMap::new()),
    ] {
        let exporter =
            DoctorSpanExporter::with_meter(http_exporter(endpoint, headers), &metrics.meter());
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .build();
        let tracer = provider.tracer("test");
        tracer.in_span("http-span", |_| {});
        // Returns once exported, with the export's error if it failed.
        let _ = provider.force_flush();
        provider.shutdown().expect("shutdown");
    }

    assert_eq!(
        metrics.value(
            ERRORS,
            &[("code", "AUTH_UNAUTHENTICATED"), ("signal", "traces")]
        ),
        1.0,
        "{:?}",
        metrics.points(ERRORS)
    );
    // opentelemetry-otlp 0.33 keeps the cause of an HTTP network error at DEBUG level only.
    assert_eq!(
        metrics.value(ERRORS, &[("code", UNMAPPED_CODE), ("signal", "traces")]),
        1.0,
        "{:?}",
        metrics.points(ERRORS)
    );
    assert_eq!(metrics.value(SPANS_EXPORTED, &[("outcome", "ok")]), 1.0);
    runtime.block_on(async {
        let _ = receiver.stop().await;
    });
}
