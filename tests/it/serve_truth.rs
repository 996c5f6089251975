//! `serve` tells the truth about what it refused: every refused request (auth, size, not OTLP,
//! a failed TLS handshake) is a `refused` line as it happens and a count in the summary, so a
//! session where nothing was accepted does not read "nothing arrived". Real clients: the Python
//! SDK's exporters and raw HTTP.

use crate::serve::{Serve, python_export};
use crate::support::free_addr;
use crate::support::otlp_doctor;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn refusals<'a>(lines: &'a [Value], reason: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["kind"] == "refused" && l["reason"] == reason)
        .collect()
}

fn summary(lines: &[Value]) -> &Value {
    lines
        .last()
        .filter(|l| l["kind"] == "summary")
        .unwrap_or_else(|| panic!("no summary: {lines:#?}"))
}

#[test]
fn refused_auth_is_shown_and_counted_over_both_protocols() {
    let serve = Serve::start(&["--require-header", "x-token=right"]);
    let http = python_export("http", &serve.http, "truth-auth", 1, "x-token=wrong", None);
    let grpc = python_export("grpc", &serve.grpc, "truth-auth", 1, "", None);
    assert_eq!(http["result"], "FAILURE", "{http}");
    assert_eq!(grpc["result"], "FAILURE", "{grpc}");
    let lines = serve.stop();
    let auth = refusals(&lines, "auth");
    assert!(
        auth.iter()
            .any(|r| r["answer"] == "401" && r["transport"] == "http/protobuf"),
        "{lines:#?}"
    );
    assert!(
        auth.iter()
            .any(|r| r["answer"] == "UNAUTHENTICATED" && r["transport"] == "grpc"),
        "{lines:#?}"
    );
    let summary = summary(&lines);
    assert_eq!(summary["refused"]["auth"].as_u64(), Some(auth.len() as u64));
    assert_eq!(summary["services"], serde_json::json!({}), "{summary}");
    assert!(
        !lines.iter().any(|l| l.to_string().contains("right")),
        "the required value is a secret"
    );
}

#[test]
fn the_required_header_is_decoded_as_sdks_decode_otel_headers() {
    // The value as it stands in OTEL_EXPORTER_OTLP_HEADERS; the SDK sends it decoded.
    let serve = Serve::start(&["--require-header", "authorization=Bearer%20abc"]);
    let report = python_export(
        "http",
        &serve.http,
        "truth-decoded",
        1,
        "authorization=Bearer abc",
        None,
    );
    assert_eq!(report["result"], "SUCCESS", "{report}");
    let lines = serve.stop();
    assert!(refusals(&lines, "auth").is_empty(), "{lines:#?}");
}

#[test]
fn too_large_and_not_otlp_requests_are_refusals_with_their_reason() {
    let serve = Serve::start(&["--max-message-bytes", "64"]);
    let report = python_export("http", &serve.http, "truth-large", 5, "", None);
    assert_eq!(report["result"], "FAILURE", "{report}");
    let addr = serve.http.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let request = format!(
        "POST /v1/trace HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let lines = serve.stop();
    assert!(
        refusals(&lines, "too_large")
            .iter()
            .all(|r| r["answer"] == "413"),
        "{lines:#?}"
    );
    assert!(!refusals(&lines, "too_large").is_empty(), "{lines:#?}");
    let not_otlp = refusals(&lines, "not_otlp");
    assert_eq!(not_otlp.len(), 1, "{lines:#?}");
    assert_eq!(not_otlp[0]["path"], "/v1/trace");
    assert!(not_otlp[0]["transport"].is_null());
}

#[test]
fn a_client_that_distrusts_the_tls_certificate_is_a_refused_handshake() {
    let serve = Serve::start(&["--tls"]);
    assert!(serve.http.starts_with("https://"), "{}", serve.http);
    // No CA given: the Python exporter's default trust store does not know serve's CA.
    let report = python_export("http", &serve.http, "truth-tls", 1, "", None);
    assert_eq!(report["result"], "FAILURE", "{report}");
    let lines = serve.stop();
    let handshakes = refusals(&lines, "tls_handshake");
    assert!(!handshakes.is_empty(), "{lines:#?}");
    assert!(summary(&lines)["refused"]["tls_handshake"].as_u64() >= Some(1));
}

#[test]
fn the_listening_line_gives_the_urls_to_configure() {
    for (args, scheme) in [(&[][..], "http"), (&["--tls"][..], "https")] {
        let grpc = free_addr().to_string();
        let http = free_addr().to_string();
        let output = otlp_doctor()
            .args(["serve", "--grpc-listen", &grpc, "--http-listen", &http])
            .args(args)
            .args(["--format", "json", "--duration", "1s"])
            .output()
            .expect("serve runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let first: Value = serde_json::from_str(stdout.lines().next().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}: {stdout}"));
        assert_eq!(first["grpc_url"], format!("{scheme}://{grpc}"), "{first}");
        assert_eq!(first["http_url"], format!("{scheme}://{http}"), "{first}");
    }
}

/// The human summary names the refusals instead of "nothing arrived".
#[test]
fn the_human_summary_names_what_was_refused() {
    let grpc = free_addr().to_string();
    let http = free_addr().to_string();
    let mut serve = std::process::Command::new(assert_cmd::cargo::cargo_bin!("otlp-doctor"))
        .args(["serve", "--grpc-listen", &grpc, "--http-listen", &http])
        .args(["--require-header", "x-token=right", "--duration", "6s"])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("serve starts");
    assert!(crate::support::wait_for_port(
        http.parse().expect("addr"),
        Duration::from_secs(20)
    ));
    let report = python_export(
        "http",
        &format!("http://{http}"),
        "truth-human",
        1,
        "",
        None,
    );
    assert_eq!(report["result"], "FAILURE", "{report}");
    let mut out = String::new();
    serve
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read");
    let _ = serve.wait();
    assert!(
        out.contains("✗ refused auth http/protobuf /v1/traces → 401"),
        "{out}"
    );
    assert!(out.contains("nothing was accepted"), "{out}");
    assert!(out.contains("requests refused: auth ×1"), "{out}");
    assert!(!out.contains("nothing arrived"), "{out}");
}
