//! `check --verify-backend` and `--collector-health`: the optional layers after the export.
//!
//! Jaeger and Zipkin are the real programs (docs/peers.md): Jaeger v2 takes the probe's OTLP
//! itself; Zipkin gets it through a minimal OpenTelemetry Collector (OTLP in, Zipkin out),
//! since Zipkin's server takes no OTLP. "Exported elsewhere" is the probe sent to rotel, whose
//! blackhole exporter keeps nothing, while the backend is asked for the trace.
//!
//! Tempo is the one backend still played by a small server: no Tempo can be had here (it is
//! AGPL-licensed, which this project does not take in, and it is a big build). The server
//! answers `GET /api/traces/{id}` as Tempo documents it: 404 with `trace not found` until the
//! trace is indexed, then 200 with the trace as OTLP JSON (`{"batches": [...]}`).
//! The health endpoint is the real Collector's health_check extension
//! (`support::collector_peer`), whose OTLP receiver takes the probe too.

use crate::check::{assert_root_cause, check, codes};
use crate::support::collector_peer::CollectorPeer;
use crate::support::{Jaeger, Rotel, Zipkin, ZipkinRelay, closed_port};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Slack on top of `--backend-deadline` for the export before it and the process around it.
const DEADLINE_SLACK: Duration = Duration::from_secs(15);

fn verify(endpoint: &str, backend: &str, deadline: &str) -> (i32, serde_json::Value) {
    verify_over(endpoint, "http/protobuf", backend, deadline)
}

fn verify_over(
    endpoint: &str,
    protocol: &str,
    backend: &str,
    deadline: &str,
) -> (i32, serde_json::Value) {
    check(&[
        endpoint,
        "--protocol",
        protocol,
        "--verify-backend",
        backend,
        "--backend-deadline",
        deadline,
    ])
}

fn assert_found(exit: i32, report: &serde_json::Value, backend_log: &str) {
    assert_eq!(
        (exit, report["verdict"].as_str()),
        (0, Some("healthy")),
        "{report:#}\n{backend_log}"
    );
    assert!(
        codes(report).contains(&"BACKEND_TRACE_FOUND".to_string()),
        "{report:#}\n{backend_log}"
    );
}

#[test]
fn the_probe_trace_is_found_in_a_real_jaeger() {
    let jaeger = Jaeger::start();
    let backend = format!("jaeger={}", jaeger.query_url());
    for (endpoint, protocol) in [
        (jaeger.otlp_http_url(), "http/protobuf"),
        (jaeger.otlp_grpc_url(), "grpc"),
    ] {
        let (exit, report) = verify_over(&endpoint, protocol, &backend, "20s");
        assert_found(exit, &report, &jaeger.log_tail(30));
    }
}

#[test]
fn a_trace_exported_elsewhere_is_not_found_in_jaeger() {
    let jaeger = Jaeger::start();
    let rotel = Rotel::start();
    let started = Instant::now();
    let (_, report) = verify(
        &rotel.http_url(),
        &format!("jaeger={}", jaeger.query_url()),
        "3s",
    );
    assert_root_cause(&report, "BACKEND_TRACE_NOT_FOUND");
    assert!(
        started.elapsed() < Duration::from_secs(3) + DEADLINE_SLACK,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn zipkin_finds_the_probe_trace_and_misses_one_exported_elsewhere() {
    // One Zipkin for both cases: a JVM start is the slowest step of the suite.
    let zipkin = Zipkin::start();
    let relay = ZipkinRelay::start(&zipkin);
    let backend = format!("zipkin={}", zipkin.url());
    let (exit, report) = verify(&relay.otlp_http_url(), &backend, "30s");
    assert_found(
        exit,
        &report,
        &format!("{}\n{}", relay.log_tail(30), zipkin.log_tail(30)),
    );

    let rotel = Rotel::start();
    let started = Instant::now();
    let (_, report) = verify(&rotel.http_url(), &backend, "3s");
    assert_root_cause(&report, "BACKEND_TRACE_NOT_FOUND");
    assert!(
        started.elapsed() < Duration::from_secs(3) + DEADLINE_SLACK,
        "took {:?}",
        started.elapsed()
    );
}

/// Answers `GET /api/traces/{id}` as Tempo does: 404 `trace not found` for the first `misses`
/// queries, then 200 with one OTLP JSON batch holding a span of that trace.
struct TempoApi {
    address: std::net::SocketAddr,
    queries: Arc<AtomicUsize>,
}

impl TempoApi {
    fn start(misses: usize) -> TempoApi {
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
                let (status, content_type, body) = if seen < misses {
                    ("404 Not Found", "text/plain", "trace not found".to_string())
                } else {
                    (
                        "200 OK",
                        "application/json",
                        format!(
                            r#"{{"batches":[{{"resource":{{"attributes":[]}},"scopeSpans":[{{"spans":[{{"traceId":"{trace_id}","spanId":"0102030405060708","name":"probe"}}]}}]}}]}}"#
                        ),
                    )
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        TempoApi { address, queries }
    }
}

#[test]
fn tempo_finds_the_probe_trace_once_indexed() {
    let rotel = Rotel::start();
    let api = TempoApi::start(2);
    let (exit, report) = verify(
        &rotel.http_url(),
        &format!("tempo=http://{}", api.address),
        "10s",
    );
    assert_found(exit, &report, "");
    assert!(api.queries.load(Ordering::SeqCst) >= 3);
}

#[test]
fn a_trace_that_never_appears_in_tempo() {
    let rotel = Rotel::start();
    let api = TempoApi::start(usize::MAX);
    let (_, report) = verify(
        &rotel.http_url(),
        &format!("tempo=http://{}", api.address),
        "2s",
    );
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
