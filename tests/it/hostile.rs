//! Hostile peers for `check` and `scan`: servers that never stop sending headers, send a body
//! that never ends, stall in the middle of a TLS handshake, present a chain of 100 certificates
//! or a certificate of 1 MiB, or answer a gRPC call with a stream that never ends. Each run must
//! end within a few `--timeout`s with a root cause, no panic, and a bounded peak resident set.

use crate::support::certs::{CertPair, huge_certificate, long_chain};
use crate::support::dnsmasq::{Dnsmasq, SilentDns, loopback_block};
use crate::support::live_process::LiveProcess;
use crate::support::process::status_kib;
use crate::support::raw_servers::BlackHoles;
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
    run_bounded_as(Command::new(otlp_doctor_bin()), args)
}

fn otlp_doctor_bin() -> &'static Path {
    Path::new(assert_cmd::cargo::cargo_bin!("otlp-doctor"))
}

/// [`run_bounded`] with the program started by `command` (otlp-doctor itself, or a wrapper
/// that execs it). The peak is read from the process itself, after the wrapper's exec.
fn run_bounded_as(mut command: Command, args: &[&str]) -> (i32, Value, Duration, u64) {
    let started = Instant::now();
    let mut child = command
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

/// A name that resolves to fifty loopback addresses, as a headless service with fifty pods
/// does; the test's own DNS server answers it.
const FIFTY: &str = "fifty.otlp-doctor.test";

#[test]
fn a_name_with_fifty_addresses_connects_to_the_one_that_listens() {
    let addresses = loopback_block(50, 50);
    let listening = addresses[36];
    let (_serve, first) = LiveProcess::start(
        &[
            "serve",
            "--grpc-listen",
            &format!("{listening}:0"),
            "--http-listen",
            &format!("{listening}:0"),
        ],
        crate::support::schema::assert_valid_serve_line,
    );
    let http: std::net::SocketAddr = first["http"].as_str().expect("http addr").parse().unwrap();
    let dns = Dnsmasq::answering(FIFTY, &addresses);
    let url = format!("http://{FIFTY}:{}", http.port());
    let resolver = dns.resolver();
    let (exit, report, elapsed, peak) = run_bounded_as(
        resolver.command(otlp_doctor_bin()),
        &["check", &url, "--timeout", "1s"],
    );
    println!(
        "hostile: {FIFTY} with one of 50 listening: exit {exit} in {elapsed:.2?}, peak RSS {:.1} MiB",
        peak as f64 / 1024.0
    );
    assert!(elapsed < WALL_LIMIT, "took {elapsed:?}");
    assert!(peak < PEAK_RSS_LIMIT_KIB, "peaked at {peak} KiB");
    let layers = report["checks"].to_string();
    assert!(
        layers.contains(&format!("connected to {listening}:")),
        "{report:#}"
    );
    assert!(
        layers.contains("and 42 more"),
        "the dns summary names 8 of 50: {report:#}"
    );
    // Every signal got through; the only finding allowed is that the first address refused.
    for finding in report["findings"].as_array().expect("findings") {
        assert_ne!(finding["severity"], "error", "{finding:#}");
    }
    assert!(
        report.to_string().len() < 40_000,
        "the report stays readable: {report:#}"
    );
}

/// [`FIFTY`] answered with 50 addresses of loopback block `block`, each a black hole on the
/// port returned.
fn fifty_black_holes(block: u8) -> (BlackHoles, Dnsmasq, u16) {
    let addresses = loopback_block(block, 50);
    let port = free_port();
    let holes = BlackHoles::at(&addresses, port);
    (holes, Dnsmasq::answering(FIFTY, &addresses), port)
}

#[test]
fn a_name_with_fifty_silent_addresses_is_bounded() {
    let (_holes, dns, port) = fifty_black_holes(51);
    let resolver = dns.resolver();
    let url = format!("http://{FIFTY}:{port}");
    let (exit, report, elapsed, peak) = run_bounded_as(
        resolver.command(otlp_doctor_bin()),
        &["check", &url, "--timeout", "1s"],
    );
    println!(
        "hostile: {FIFTY}, 50 silent addresses: {} in {elapsed:.2?}, peak RSS {:.1} MiB",
        report["root_cause"]["code"],
        peak as f64 / 1024.0
    );
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(
        report["root_cause"]["code"], "NET_CONN_TIMEOUT",
        "{report:#}"
    );
    // One connect timeout for all fifty, not fifty in a row.
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
    assert!(peak < PEAK_RSS_LIMIT_KIB, "peaked at {peak} KiB");
    let evidence = report["root_cause"]["evidence"]
        .as_array()
        .expect("evidence");
    assert!(
        evidence.len() <= 3,
        "one line per kind of failure: {evidence:#?}"
    );
    assert!(
        evidence[0].to_string().contains("and 46 more"),
        "{evidence:#?}"
    );
}

#[test]
fn scan_of_a_name_with_fifty_silent_addresses_is_bounded() {
    let (_holes, dns, port) = fifty_black_holes(52);
    let resolver = dns.resolver();
    let (exit, report, elapsed, _) = run_bounded_as(
        resolver.command(otlp_doctor_bin()),
        &[
            "scan",
            FIFTY,
            "--ports",
            &port.to_string(),
            "--timeout",
            "1s",
        ],
    );
    println!("hostile: scan of {FIFTY}, 50 silent addresses: exit {exit} in {elapsed:.2?}");
    assert!(exit == 0 || exit == 1, "{report:#}");
    assert_eq!(
        report["addresses"].as_array().map(Vec::len),
        Some(50),
        "{report:#}"
    );
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
    let ours = report["ports"]
        .as_array()
        .and_then(|ports| ports.iter().find(|scanned| scanned["port"] == port))
        .unwrap_or_else(|| panic!("port {port} in {report:#}"));
    assert_eq!(ours["state"], "filtered", "{ours:#}");
}

#[test]
fn a_resolver_that_never_answers_is_bounded() {
    let dns = SilentDns::start();
    let resolver = dns.resolver();
    let (exit, report, elapsed, _) = run_bounded_as(
        resolver.command(otlp_doctor_bin()),
        &[
            "check",
            "http://nowhere.otlp-doctor.test:4318",
            "--timeout",
            "1s",
        ],
    );
    println!(
        "hostile: a resolver that never answers: {} in {elapsed:.2?}",
        report["root_cause"]["code"]
    );
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(report["root_cause"]["code"], "NET_DNS_FAILED", "{report:#}");
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
}
