//! `check --verify-backend` and `--collector-health`: the optional layers after the export.
//! No Jaeger, Tempo or Zipkin can be installed here, so the trace-by-id API is played by a
//! small server that answers as Jaeger's query service does (404 until the trace is indexed,
//! then 200 with `{"data": [...]}`); the health endpoint is the real Collector's health_check
//! extension (`support::collector_peer`), whose OTLP receiver takes the probe too.

use crate::check::{assert_root_cause, check, codes};
use crate::support::collector_peer::CollectorPeer;
use crate::support::{Rotel, closed_port};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Answers `GET /api/traces/{id}` with 404 for the first `misses` queries, then 200.
struct TraceApi {
    address: std::net::SocketAddr,
    queries: Arc<AtomicUsize>,
}

impl TraceApi {
    fn start(misses: usize) -> TraceApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("addr");
        let queries = Arc::new(AtomicUsize::new(0));
        let counter = queries.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(200) {
                let Ok(mut stream) = stream else { continue };
                let mut request_line = String::new();
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let trace_id = request_line
                    .split_whitespace()
                    .nth(1)
                    .and_then(|p| p.rsplit('/').next())
                    .unwrap_or("")
                    .to_string();
                let seen = counter.fetch_add(1, Ordering::SeqCst);
                let (status, body) = if seen < misses {
                    (
                        "404 Not Found",
                        r#"{"data":null,"errors":[{"code":404,"msg":"trace not found"}]}"#
                            .to_string(),
                    )
                } else {
                    (
                        "200 OK",
                        format!(
                            r#"{{"data":[{{"traceID":"{trace_id}","spans":[{{"spanID":"01"}}]}}]}}"#
                        ),
                    )
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        TraceApi { address, queries }
    }
}

#[test]
fn the_probe_trace_is_found_once_indexed() {
    let rotel = Rotel::start();
    let api = TraceApi::start(2);
    let backend = format!("jaeger=http://{}", api.address);
    let (exit, report) = check(&[
        &rotel.http_url(),
        "--verify-backend",
        &backend,
        "--backend-deadline",
        "10s",
    ]);
    assert_eq!(exit, 0, "{report:#}");
    assert!(
        codes(&report).contains(&"BACKEND_TRACE_FOUND".to_string()),
        "{report:#}"
    );
    assert!(api.queries.load(Ordering::SeqCst) >= 3);
}

#[test]
fn a_trace_that_never_appears() {
    let rotel = Rotel::start();
    let api = TraceApi::start(usize::MAX);
    let backend = format!("tempo=http://{}", api.address);
    let (_, report) = check(&[
        &rotel.http_url(),
        "--verify-backend",
        &backend,
        "--backend-deadline",
        "2s",
    ]);
    assert_root_cause(&report, "BACKEND_TRACE_NOT_FOUND");
}

#[test]
fn an_unreachable_backend() {
    let rotel = Rotel::start();
    let backend = format!("zipkin=http://{}", closed_port());
    let (_, report) = check(&[&rotel.http_url(), "--verify-backend", &backend]);
    assert_root_cause(&report, "BACKEND_UNREACHABLE");
}

#[test]
fn collector_health_in_the_same_report() {
    let peer = CollectorPeer::start();
    for health in [peer.health_v1_url(), peer.health_v2_url()] {
        let (exit, report) = check(&[&peer.http_url(), "--collector-health", &health]);
        assert_eq!(
            (exit, report["verdict"].as_str()),
            (0, Some("healthy")),
            "{health}: {report:#}"
        );
        assert!(
            report["checks"]
                .as_array()
                .expect("checks")
                .iter()
                .any(|c| c["id"] == "health" && c["status"] == "pass"),
            "{health}: {report:#}"
        );
    }
    let (_, report) = check(&[
        &peer.grpc_url(),
        "--protocol",
        "grpc",
        "--collector-health",
        &format!("http://{}/", closed_port()),
    ]);
    assert_root_cause(&report, "COL_HEALTH_UNREACHABLE");
}

#[test]
fn an_unhealthy_collector_in_the_same_report() {
    // The memory limiter refuses everything: the export fails and healthcheckv2 says why.
    let peer = CollectorPeer::builder().memory_limit_mib(2, 1).start();
    let health = format!("{}?verbose", peer.health_v2_url());
    peer.wait_for_status(&health, 500, std::time::Duration::from_secs(5));
    let (exit, report) = check(&[&peer.http_url(), "--collector-health", &health]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "EXPORT_UNAVAILABLE");
    assert!(
        codes(&report).contains(&"COL_UNHEALTHY".to_string()),
        "{report:#}"
    );
}
