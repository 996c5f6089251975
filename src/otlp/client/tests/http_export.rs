//! OTLP/HTTP exports against the peers.

use super::peers::{Behaviour, grpc_server, http_server};
use super::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

#[tokio::test]
async fn http_protobuf_partial_success_is_decoded() {
    bounded(async {
        let (server, seen) = http_server().await;
        let probe = ProbeData::new();
        let request = trace_request(&probe);
        let answer = send(
            server.address,
            Protocol::HttpProtobuf,
            "/partial",
            Compression::None,
            TIMEOUT,
            &request,
        )
        .await;
        let Outcome::Http {
            status,
            content_type,
            retry_after,
            partial,
            ..
        } = answer.outcome
        else {
            panic!("expected an HTTP answer, got {:?}", answer.outcome);
        };
        assert_eq!(status, 200);
        assert_eq!(content_type, "application/x-protobuf");
        assert_eq!(retry_after, None);
        assert_eq!(
            partial,
            Some(PartialSuccess {
                rejected: 2,
                message: "2 spans too old".to_string()
            })
        );
        let seen = seen.lock().expect("not poisoned").clone();
        let post = &seen[0];
        assert_eq!(post.path, "/partial");
        assert_eq!(post.content_type.as_deref(), Some("application/x-protobuf"));
        assert_eq!(post.content_encoding, None);
        assert_eq!(post.host, Some(server.address.to_string()));
        assert_eq!(post.token.as_deref(), Some("secret"));
        assert!(
            post.user_agent
                .as_deref()
                .is_some_and(|ua| ua.starts_with("otlp-doctor/"))
        );
        assert_eq!(answer.request_bytes, post.body.len());
        let sent = ExportTraceServiceRequest::decode(post.body.as_slice()).expect("protobuf");
        let span = &sent.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(hex::encode(&span.trace_id), probe.trace_id_hex());
    })
    .await;
}

#[tokio::test]
async fn http_json_gzip_body_decodes_and_json_partial_success_is_read() {
    bounded(async {
        let (server, seen) = http_server().await;
        let probe = ProbeData {
            count: 2,
            ..ProbeData::new()
        };
        let request = trace_request(&probe);
        let answer = send(
            server.address,
            Protocol::HttpJson,
            "/json",
            Compression::Gzip,
            TIMEOUT,
            &request,
        )
        .await;
        let Outcome::Http {
            status, partial, ..
        } = answer.outcome
        else {
            panic!("expected an HTTP answer, got {:?}", answer.outcome);
        };
        assert_eq!(status, 200);
        assert_eq!(
            partial,
            Some(PartialSuccess {
                rejected: 2,
                message: "2 spans too old".to_string()
            })
        );
        let seen = seen.lock().expect("not poisoned").clone();
        let post = &seen[0];
        assert_eq!(post.content_type.as_deref(), Some("application/json"));
        assert_eq!(post.content_encoding.as_deref(), Some("gzip"));
        let plain = gunzip(&post.body);
        let text = String::from_utf8(plain.clone()).expect("JSON is UTF-8");
        assert!(text.contains(&format!(r#""traceId":"{}""#, probe.trace_id_hex())));
        let sent: ExportTraceServiceRequest = serde_json::from_slice(&plain).expect("OTLP/JSON");
        assert_eq!(ExportRequest::Traces(sent), request);
    })
    .await;
}

#[tokio::test]
async fn http_throttling_gives_retry_after_and_an_excerpt() {
    bounded(async {
        let (server, _) = http_server().await;
        let request = ExportRequest::probe(Signal::Metrics, &ProbeData::new());
        let answer = send(
            server.address,
            Protocol::HttpProtobuf,
            "/throttle",
            Compression::Gzip,
            TIMEOUT,
            &request,
        )
        .await;
        assert_eq!(
            answer.outcome,
            Outcome::Http {
                status: 429,
                content_type: "text/plain".to_string(),
                body_excerpt: "too many requests".to_string(),
                retry_after: Some("7".to_string()),
                location: None,
                partial: None,
            }
        );
    })
    .await;
}

#[tokio::test]
async fn http_stall_is_a_transport_time_out() {
    bounded(async {
        let (server, _) = http_server().await;
        let request = ExportRequest::probe(Signal::Logs, &ProbeData::new());
        let answer = send(
            server.address,
            Protocol::HttpProtobuf,
            "/stall",
            Compression::None,
            SHORT_TIMEOUT,
            &request,
        )
        .await;
        assert!(
            matches!(
                answer.outcome,
                Outcome::Transport {
                    timed_out: true,
                    ..
                }
            ),
            "{:?}",
            answer.outcome
        );
        assert!(answer.round_trip < STALL);
    })
    .await;
}

#[tokio::test]
async fn http_to_a_grpc_port_is_a_transport_failure() {
    bounded(async {
        // The HTTP/2-only server's SETTINGS frame is read as an HTTP/1.1 status line.
        let (server, _) = grpc_server(Behaviour::Accept).await;
        let request = trace_request(&ProbeData::new());
        let answer = send(
            server.address,
            Protocol::HttpProtobuf,
            "/v1/traces",
            Compression::None,
            TIMEOUT,
            &request,
        )
        .await;
        let Outcome::Transport {
            error, timed_out, ..
        } = answer.outcome
        else {
            panic!("expected a transport failure, got {:?}", answer.outcome);
        };
        assert!(!timed_out);
        assert!(error.contains("invalid HTTP version parsed"), "{error}");
    })
    .await;
}

#[tokio::test]
async fn http_refused_connection_is_a_transport_failure() {
    bounded(async {
        let (listener, address) = listener().await;
        drop(listener);
        let request = ExportRequest::probe(Signal::Metrics, &ProbeData::new());
        let answer = send(
            address,
            Protocol::HttpJson,
            "/v1/metrics",
            Compression::None,
            TIMEOUT,
            &request,
        )
        .await;
        let Outcome::Transport {
            error, timed_out, ..
        } = answer.outcome
        else {
            panic!("expected a transport failure, got {:?}", answer.outcome);
        };
        assert!(!timed_out);
        assert!(error.to_ascii_lowercase().contains("refused"), "{error}");
        assert!(answer.request_bytes > 0);
    })
    .await;
}
