//! OTLP/gRPC exports against the peers.

use super::peers::{Behaviour, THROTTLE_DELAY, grpc_server, h2_not_found_server, http_server};
use super::*;
use tonic::Code;

#[tokio::test]
async fn grpc_accepted_export_carries_the_probe_trace_and_headers() {
    bounded(async {
        let (server, seen) = grpc_server(Behaviour::Accept).await;
        let probe = ProbeData {
            count: 3,
            ..ProbeData::new()
        };
        let request = trace_request(&probe);
        let answer = send(
            server.address,
            Protocol::Grpc,
            "",
            Compression::None,
            TIMEOUT,
            &request,
        )
        .await;
        assert_eq!(
            answer.outcome,
            Outcome::Grpc {
                code: 0,
                message: String::new(),
                retry_delay: None,
                partial: None
            }
        );
        assert_eq!(
            answer.request_bytes,
            crate::otlp::encode::protobuf_len(&request)
        );
        let seen = seen.lock().expect("not poisoned").clone();
        assert_eq!(seen.len(), 1);
        let call = &seen[0];
        assert_eq!(call.token.as_deref(), Some("secret"));
        assert_eq!(call.grpc_encoding, None);
        assert!(
            call.user_agent
                .as_deref()
                .is_some_and(|ua| ua.starts_with("otlp-doctor/"))
        );
        assert_eq!(call.trace_ids.len(), 3);
        assert!(
            call.trace_ids
                .iter()
                .all(|id| hex::encode(id) == probe.trace_id_hex())
        );
    })
    .await;
}

#[tokio::test]
async fn grpc_gzip_is_sent_and_every_signal_is_accepted() {
    bounded(async {
        let (server, seen) = grpc_server(Behaviour::Accept).await;
        let probe = ProbeData::new();
        for signal in Signal::ALL {
            let request = ExportRequest::probe(signal, &probe);
            let answer = send(
                server.address,
                Protocol::Grpc,
                "",
                Compression::Gzip,
                TIMEOUT,
                &request,
            )
            .await;
            assert!(
                matches!(
                    answer.outcome,
                    Outcome::Grpc {
                        code: 0,
                        partial: None,
                        ..
                    }
                ),
                "{signal}: {:?}",
                answer.outcome
            );
        }
        let seen = seen.lock().expect("not poisoned").clone();
        assert_eq!(seen.len(), 3);
        assert!(
            seen.iter()
                .all(|c| c.grpc_encoding.as_deref() == Some("gzip"))
        );
        // The log records belong to the probe trace too.
        assert_eq!(hex::encode(&seen[2].trace_ids[0]), probe.trace_id_hex());
    })
    .await;
}

#[tokio::test]
async fn grpc_partial_success_is_decoded() {
    bounded(async {
        let (server, _) = grpc_server(Behaviour::Partial).await;
        let request = trace_request(&ProbeData::new());
        let answer = send(
            server.address,
            Protocol::Grpc,
            "",
            Compression::None,
            TIMEOUT,
            &request,
        )
        .await;
        assert_eq!(
            answer.outcome,
            Outcome::Grpc {
                code: 0,
                message: String::new(),
                retry_delay: None,
                partial: Some(PartialSuccess {
                    rejected: 2,
                    message: "2 spans too old".to_string()
                }),
            }
        );
    })
    .await;
}

#[tokio::test]
async fn grpc_throttling_gives_the_retry_delay() {
    bounded(async {
        let (server, _) = grpc_server(Behaviour::Throttle).await;
        let request = trace_request(&ProbeData::new());
        let answer = send(
            server.address,
            Protocol::Grpc,
            "",
            Compression::None,
            TIMEOUT,
            &request,
        )
        .await;
        assert_eq!(
            answer.outcome,
            Outcome::Grpc {
                code: Code::Unavailable as i32,
                message: "memory limiter is refusing data".to_string(),
                retry_delay: Some(THROTTLE_DELAY),
                partial: None,
            }
        );
    })
    .await;
}

#[tokio::test]
async fn grpc_deadline_is_a_transport_time_out() {
    bounded(async {
        let (server, _) = grpc_server(Behaviour::Stall).await;
        let request = trace_request(&ProbeData::new());
        let answer = send(
            server.address,
            Protocol::Grpc,
            "",
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
async fn grpc_refused_connection_is_a_transport_failure() {
    bounded(async {
        let (listener, address) = listener().await;
        drop(listener);
        let request = trace_request(&ProbeData::new());
        let answer = send(
            address,
            Protocol::Grpc,
            "",
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
    })
    .await;
}

async fn grpc_status_from(server: &Server) -> (i32, String) {
    let request = trace_request(&ProbeData::new());
    let answer = send(
        server.address,
        Protocol::Grpc,
        "",
        Compression::None,
        TIMEOUT,
        &request,
    )
    .await;
    match answer.outcome {
        Outcome::Grpc { code, message, .. } => (code, message),
        other => panic!("expected a gRPC status, got {other:?}"),
    }
}

#[tokio::test]
async fn grpc_to_a_plain_http2_404_keeps_tonics_message() {
    bounded(async {
        // Without a body tonic derives the status from the HTTP code.
        let server = h2_not_found_server(b"").await;
        assert_eq!(
            grpc_status_from(&server).await,
            (
                Code::Unimplemented as i32,
                "grpc-status header missing, mapped from HTTP status code 404".to_string()
            )
        );
        // With one, tonic reads its first byte as the gRPC frame's compression flag ('n' = 110).
        let server = h2_not_found_server(b"no route").await;
        let (code, message) = grpc_status_from(&server).await;
        assert_eq!(code, Code::Internal as i32, "{message}");
        assert!(
            message.contains("invalid compression flag: 110")
                && message.contains("status: 404 Not Found"),
            "{message}"
        );
    })
    .await;
}

#[tokio::test]
async fn grpc_to_an_http1_port_is_a_transport_failure() {
    bounded(async {
        let (server, seen) = http_server().await;
        let request = trace_request(&ProbeData::new());
        let answer = send(
            server.address,
            Protocol::Grpc,
            "",
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
        // Said once, with the cause: "transport error: connection error: …".
        assert!(error.starts_with("transport error: "), "{error}");
        assert_eq!(error.matches("transport error").count(), 1, "{error}");
        assert!(seen.lock().expect("not poisoned").is_empty());
    })
    .await;
}
