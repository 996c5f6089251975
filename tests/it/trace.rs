//! `-v`, the wire trace, against real peers: rotel (with a bearer token that must never show),
//! an nginx TLS front (the handshake and the chain), and on `send` and `scan`.

use crate::support::nginx::https_front_to;
use crate::support::{Rotel, TestCerts, otlp_doctor};
use serde_json::Value;

const SECRET: &str = "s3cr3t-token-that-must-never-show";

#[test]
fn check_v_traces_each_step_and_shows_no_secret() {
    let rotel = Rotel::start();
    let url = format!("http://{}", rotel.http_addr());
    let header = format!("authorization=Bearer {SECRET}");
    let output = otlp_doctor()
        .args(["check", &url, "-v", "-H", &header, "--format", "json"])
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "{stdout}\n{stderr}"
    );
    let report = crate::support::schema::parse_document(&stdout, &stderr);
    let kinds: Vec<&str> = report["trace"]
        .as_array()
        .map(|events| events.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    for kind in ["dns", "connect", "request", "answer", "export"] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    let request = report["trace"]
        .as_array()
        .and_then(|events| events.iter().find(|e| e["kind"] == "request"))
        .and_then(|e| e["text"].as_str())
        .unwrap_or_default();
    assert!(
        request.starts_with(&format!("POST {url}/v1/traces")),
        "{request}"
    );
    assert!(
        request.contains("authorization: Bearer s3cr…(33 chars)"),
        "{request}"
    );
    // The same trace, curl-like, on stderr.
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("> [") && l.contains("POST ")),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("< [") && l.contains("HTTP/1.1 200")),
        "{stderr}"
    );
}

#[test]
fn check_v_shows_the_tls_handshake_and_chain() {
    let rotel = Rotel::start();
    let certs = TestCerts::generate();
    let (_nginx, port) = https_front_to(rotel.http_addr(), &certs.good);
    let url = format!("https://localhost:{port}");
    let ca = certs.ca.to_string_lossy().to_string();
    let output = otlp_doctor()
        .args(["check", &url, "--ca-cert", &ca, "-v"])
        .output()
        .expect("otlp-doctor runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("* ["), "{stderr}");
    assert!(stderr.contains("TLS handshake: TLSv1."), "{stderr}");
    assert!(
        stderr.contains("certificate 0: ") && stderr.contains("DNS:localhost"),
        "{stderr}"
    );
}

#[test]
fn send_and_scan_take_v_too() {
    let rotel = Rotel::start();
    let url = format!("http://{}", rotel.grpc_addr());
    let send = otlp_doctor()
        .args(["send", &url, "--protocol", "grpc", "-v"])
        .output()
        .expect("otlp-doctor runs");
    let stderr = String::from_utf8_lossy(&send.stderr);
    assert!(
        stderr.contains("TraceService/Export") && stderr.contains("grpc-status: 0"),
        "{stderr}"
    );

    let port = rotel.grpc_addr().port().to_string();
    let scan = otlp_doctor()
        .args([
            "scan",
            "127.0.0.1",
            "--only",
            "--ports",
            &port,
            "-v",
            "--format",
            "json",
        ])
        .output()
        .expect("otlp-doctor runs");
    let document: Value = crate::support::schema::parse_document(
        &String::from_utf8_lossy(&scan.stdout),
        &String::from_utf8_lossy(&scan.stderr),
    );
    assert!(
        document["trace"]
            .as_array()
            .is_some_and(|events| events.iter().any(|e| e["kind"] == "request")),
        "{document:#}"
    );
    assert!(String::from_utf8_lossy(&scan.stderr).contains("> ["));
}

#[test]
fn check_v_decodes_grpc_status_details() {
    let server = crate::support::GrpcStatusServer::start(
        tonic::Code::ResourceExhausted,
        "slow down",
        Some(std::time::Duration::from_secs(1)),
    );
    let output = otlp_doctor()
        .args(["check", &server.url(), "--protocol", "grpc", "-v"])
        .output()
        .expect("otlp-doctor runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "grpc-status-details-bin: RESOURCE_EXHAUSTED \"slow down\", details: google.rpc.RetryInfo (retry in 1s)"
        ),
        "{stderr}"
    );
}
