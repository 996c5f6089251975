//! Hostile peers for `check` and `scan`: servers that never stop sending headers, send a body
//! that never ends, stall in the middle of a TLS handshake, present a chain of 100 certificates
//! or a certificate of 1 MiB, or answer a gRPC call with a stream that never ends. Each run must
//! end within a few `--timeout`s with a root cause, no panic, and a bounded peak resident set.

use crate::support::certs::{CertPair, huge_certificate, long_chain};
use crate::support::process::status_kib;
use crate::support::{
    DripServer, EndlessGrpc, GarbageServer, Nginx, Upstream, closed_port, free_port, tls_front,
};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far above what a check needs (about 20 MiB), far below what buffering an endless answer
/// would take.
const PEAK_RSS_LIMIT_KIB: u64 = 200 * 1024;
/// `--timeout 1s` per step, a handful of steps: anything near this is a hang.
const WALL_LIMIT: Duration = Duration::from_secs(12);

/// Runs `otlp-doctor ARGS --format json`; returns the exit code, the JSON document, the wall
/// time and the peak resident set (VmHWM, read until the process exits).
fn run_bounded(args: &[&str]) -> (i32, Value, Duration, u64) {
    let started = Instant::now();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("otlp-doctor"))
        .args(args)
        .args(["--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("otlp-doctor starts");
    let pid = child.id();
    let mut peak = 0;
    while child.try_wait().expect("wait").is_none() {
        assert!(
            started.elapsed() < WALL_LIMIT * 2,
            "otlp-doctor {args:?} still runs after {:?}",
            started.elapsed()
        );
        peak = peak.max(status_kib(pid, "VmHWM"));
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().expect("output");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let document: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {output:?}"));
    (output.status.code().unwrap_or(-1), document, elapsed, peak)
}

fn assert_bounded_with_a_root_cause(args: &[&str]) -> Value {
    let (exit, report, elapsed, peak) = run_bounded(args);
    assert_eq!(exit, 1, "{report:#}");
    assert!(report["root_cause"]["code"].is_string(), "{report:#}");
    assert!(elapsed < WALL_LIMIT, "{args:?} took {elapsed:?}");
    assert!(peak < PEAK_RSS_LIMIT_KIB, "{args:?} peaked at {peak} KiB");
    // The figures docs/performance.md records (`cargo test --test it hostile:: -- --nocapture`).
    println!(
        "hostile: {args:?}: {} in {elapsed:.2?}, peak RSS {:.1} MiB",
        report["root_cause"]["code"],
        peak as f64 / 1024.0
    );
    report
}

/// 1 KiB of one header, again and again.
fn filler_header() -> Vec<u8> {
    let mut line = b"X-Filler: ".to_vec();
    line.extend(std::iter::repeat_n(b'a', 1012));
    line.extend_from_slice(b"\r\n");
    line
}

#[test]
fn an_http_server_that_sends_headers_forever_is_bounded() {
    let server = DripServer::start(b"HTTP/1.1 200 OK\r\n", &filler_header());
    let url = format!("http://{}", server.addr());
    let report = assert_bounded_with_a_root_cause(&["check", &url, "--timeout", "1s"]);
    assert_eq!(report["root_cause"]["code"], "PROTO_NOT_OTLP", "{report:#}");
    let title = report["root_cause"]["title"].as_str().unwrap_or_default();
    assert!(title.contains("headers that do not end"), "{report:#}");
}

#[test]
fn an_endless_response_body_is_bounded() {
    let mut chunk = b"400\r\n".to_vec();
    chunk.extend(std::iter::repeat_n(0u8, 1024));
    chunk.extend_from_slice(b"\r\n");
    let server = DripServer::start(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n",
        &chunk,
    );
    let url = format!("http://{}", server.addr());
    assert_bounded_with_a_root_cause(&["check", &url, "--timeout", "1s"]);
}

#[test]
fn a_tls_server_that_stalls_mid_handshake_is_bounded() {
    // A handshake record that announces 4,096 bytes and sends two of them.
    let server = GarbageServer::reply_after_read(&[0x16, 0x03, 0x03, 0x10, 0x00, 0x02, 0x00]);
    let url = format!("https://{}", server.addr());
    assert_bounded_with_a_root_cause(&["check", &url, "--timeout", "1s"]);
}

#[test]
fn scan_of_hostile_ports_is_bounded() {
    let headers = DripServer::start(b"HTTP/1.1 200 OK\r\n", &filler_header());
    let stall = GarbageServer::reply_after_read(&[0x16, 0x03, 0x03, 0x10, 0x00, 0x02, 0x00]);
    let ports = format!("{},{}", headers.addr().port(), stall.addr().port());
    let (exit, report, elapsed, peak) =
        run_bounded(&["scan", "127.0.0.1", "--ports", &ports, "--timeout", "1s"]);
    assert!(exit == 0 || exit == 1, "{report:#}");
    assert!(elapsed < WALL_LIMIT, "took {elapsed:?}");
    assert!(peak < PEAK_RSS_LIMIT_KIB, "peaked at {peak} KiB");
    let text = report.to_string();
    for port in [headers.addr().port(), stall.addr().port()] {
        assert!(
            text.contains(&port.to_string()),
            "port {port} in {report:#}"
        );
    }
}

/// `check` of an nginx TLS front serving `cert`, trusting `root`: bounded, and failed at TLS.
fn check_behind_nginx(cert: &CertPair, root: &Path) -> Value {
    let port = free_port();
    let _nginx = Nginx::start(&tls_front(
        port,
        &cert.cert,
        &cert.key,
        closed_port(),
        Upstream::Http,
        false,
        None,
    ));
    let url = format!("https://127.0.0.1:{port}");
    let root = root.to_string_lossy().into_owned();
    let report =
        assert_bounded_with_a_root_cause(&["check", &url, "--ca-cert", &root, "--timeout", "1s"]);
    assert_eq!(
        report["root_cause"]["code"], "TLS_HANDSHAKE_FAILED",
        "{report:#}"
    );
    report
}

#[test]
fn a_chain_of_a_hundred_certificates_is_bounded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (chain, root) = long_chain(dir.path(), 99);
    let report = check_behind_nginx(&chain, &root);
    let evidence = report["root_cause"]["evidence"].to_string();
    assert!(evidence.contains("sent 100 certificates"), "{evidence}");
    let fix = report["root_cause"]["fix"].to_string();
    assert!(fix.contains("shorter chain"), "{fix}");
}

#[test]
fn a_certificate_of_a_mebibyte_is_bounded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert, root) = huge_certificate(dir.path(), 1 << 20);
    let report = check_behind_nginx(&cert, &root);
    let title = report["root_cause"]["title"].as_str().unwrap_or_default();
    assert!(title.contains("over 64 KiB"), "{report:#}");
}

#[test]
fn a_grpc_server_that_streams_forever_is_bounded() {
    let server = EndlessGrpc::start();
    let report = assert_bounded_with_a_root_cause(&[
        "check",
        &server.url(),
        "--protocol",
        "grpc",
        "--timeout",
        "1s",
    ]);
    let evidence = report["root_cause"]["evidence"].to_string();
    assert!(
        evidence.len() < 2000,
        "evidence stays a few lines: {evidence}"
    );
}
