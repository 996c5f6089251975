//! `load` against real peers on 127.0.0.1: rotel (a real collector) and `otlp-doctor serve`
//! over gRPC and OTLP/HTTP, with injected failures, partial successes, auth headers, a closed
//! port, a rate, and Ctrl-C; plus the refusal of fast load to a host that is not this machine.

use crate::serve::Serve;
use crate::support::{Rotel, closed_port, otlp_doctor};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `otlp-doctor load ARGS --format json`; returns the exit code and the document.
fn load(args: &[&str]) -> (i32, Value) {
    let output = otlp_doctor()
        .arg("load")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = crate::support::schema::parse_document(
        &stdout,
        &format!("stderr:\n{}", String::from_utf8_lossy(&output.stderr)),
    );
    (output.status.code().unwrap_or(-1), report)
}

fn number(report: &Value, pointer: &str) -> f64 {
    report
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{pointer} is not a number: {report:#}"))
}

/// Every request accepted, `spans` items in `ceil(spans / 512)` requests, sane percentiles.
fn assert_clean_run(exit: i32, report: &Value, spans: u64) {
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["sent"]["spans"], spans, "{report:#}");
    assert_eq!(
        report["sent"]["requests"],
        spans.div_ceil(512),
        "{report:#}"
    );
    assert_eq!(report["failed"]["requests"], 0, "{report:#}");
    let (p50, p90, p99, max) = (
        number(report, "/latency_ms/p50"),
        number(report, "/latency_ms/p90"),
        number(report, "/latency_ms/p99"),
        number(report, "/latency_ms/max"),
    );
    assert!(
        0.0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= max,
        "{report:#}"
    );
    assert!(number(report, "/duration_s") > 0.0, "{report:#}");
    assert!(number(report, "/spans_per_second") > 0.0, "{report:#}");
}

#[test]
fn fifty_thousand_spans_reach_rotel_over_grpc_and_http() {
    let rotel = Rotel::start();
    let (exit, report) = load(&[&rotel.grpc_url(), "--protocol", "grpc", "--spans", "50000"]);
    assert_clean_run(exit, &report, 50_000);
    assert_eq!(report["target"]["protocol"], "grpc");
    assert_eq!(report["target"]["endpoint"], rotel.grpc_url());

    let (exit, report) = load(&[
        &rotel.http_url(),
        "--protocol",
        "http/protobuf",
        "--spans",
        "50000",
    ]);
    assert_clean_run(exit, &report, 50_000);
    assert_eq!(
        report["target"]["endpoint"],
        format!("{}/v1/traces", rotel.http_url())
    );
}

#[test]
fn every_span_reaches_serve_over_grpc_http_and_json() {
    let serve = Serve::start(&[]);
    let (exit, report) = load(&[&serve.grpc, "--protocol", "grpc", "--spans", "50000"]);
    assert_clean_run(exit, &report, 50_000);
    let (exit, report) = load(&[
        &serve.http,
        "--protocol",
        "http/protobuf",
        "--spans",
        "50000",
    ]);
    assert_clean_run(exit, &report, 50_000);
    let (exit, report) = load(&[&serve.http, "--protocol", "http/json", "--spans", "2000"]);
    assert_clean_run(exit, &report, 2_000);

    let lines = serve.stop();
    let summary = lines
        .iter()
        .find(|l| l["kind"] == "summary")
        .expect("a summary line");
    assert_eq!(
        summary["services"]["otlp-doctor-load"]["spans"], 102_000,
        "{summary}"
    );
    let transports = &summary["services"]["otlp-doctor-load"]["transports"];
    for transport in ["grpc", "http/protobuf", "http/json"] {
        assert!(
            transports
                .as_array()
                .is_some_and(|t| t.iter().any(|v| v == transport)),
            "{summary}"
        );
    }
}

#[test]
fn metrics_and_logs_count_data_points_and_log_records() {
    let serve = Serve::start(&[]);
    let (exit, report) = load(&[
        &serve.grpc,
        "--protocol",
        "grpc",
        "--signals",
        "metrics,logs",
        "--spans",
        "3000",
        "--batch-size",
        "500",
        "--attributes",
        "3",
        "--attribute-size",
        "64",
    ]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["sent"]["spans"], 3000, "{report:#}");
    assert_eq!(report["sent"]["requests"], 6, "{report:#}");
    assert_eq!(
        report["target"]["signals"],
        serde_json::json!(["metrics", "logs"])
    );
    let lines = serve.stop();
    let summary = lines
        .iter()
        .find(|l| l["kind"] == "summary")
        .expect("a summary line");
    let service = &summary["services"]["otlp-doctor-load"];
    assert_eq!(service["data_points"], 1500, "{summary}");
    assert_eq!(service["log_records"], 1500, "{summary}");
}

#[test]
fn the_json_document_has_the_contract_fields() {
    let serve = Serve::start(&[]);
    let (exit, report) = load(&[&serve.http, "--spans", "1000", "--batch-size", "100"]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["schema"], "otlp-doctor/load/v1");
    for key in [
        "target",
        "sent",
        "failed",
        "duration_s",
        "spans_per_second",
        "latency_ms",
    ] {
        assert!(report.get(key).is_some(), "{key} missing: {report:#}");
    }
    assert!(report["target"].is_object(), "{report:#}");
    assert_eq!(report["target"]["protocol"], "http/protobuf");
    assert_eq!(report["target"]["signals"], serde_json::json!(["traces"]));
    for key in ["spans", "requests"] {
        assert!(report["sent"][key].is_u64(), "{report:#}");
    }
    assert!(report["failed"]["requests"].is_u64(), "{report:#}");
    for key in ["p50", "p90", "p99", "max"] {
        assert!(report["latency_ms"][key].is_f64(), "{report:#}");
    }
    assert!(report["duration_s"].is_f64(), "{report:#}");
    assert!(report["spans_per_second"].is_f64(), "{report:#}");
    assert_eq!(report["sent"]["requests"], 10);
    assert_eq!(report["concurrency"], 4);
    assert_eq!(report["batch_size"], 100);
    assert_eq!(report["failures_by_status"], serde_json::json!({}));
}

#[test]
fn failed_requests_are_counted_by_status_and_exit_1() {
    let serve = Serve::start(&["--fail-rate", "1.0", "--fail-with", "unavailable"]);
    let (exit, report) = load(&[&serve.grpc, "--protocol", "grpc", "--spans", "2048"]);
    assert_eq!(exit, 1, "{report:#}");
    // A refused request is a failure, never "sent".
    assert_eq!(report["sent"]["requests"], 0, "{report:#}");
    assert_eq!(report["attempted"]["requests"], 4, "{report:#}");
    assert_eq!(report["failed"]["requests"], 4, "{report:#}");
    assert!(report["root_cause"]["code"].is_string(), "{report:#}");
    assert_eq!(
        report["failures_by_status"]["gRPC UNAVAILABLE"], 4,
        "{report:#}"
    );
    // An error status is still an answer: its latency is measured.
    assert!(number(&report, "/latency_ms/max") > 0.0, "{report:#}");

    let (exit, report) = load(&[&serve.http, "--spans", "2048"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(report["failures_by_status"]["HTTP 503"], 4, "{report:#}");
}

#[test]
fn partial_successes_are_reported_as_rejected_items() {
    let serve = Serve::start(&["--reject-partial", "2"]);
    for (endpoint, protocol) in [(&serve.grpc, "grpc"), (&serve.http, "http/protobuf")] {
        let (exit, report) = load(&[endpoint, "--protocol", protocol, "--spans", "1024"]);
        assert_eq!(exit, 0, "{report:#}");
        assert_eq!(report["rejected_spans"], 4, "{protocol}: {report:#}");
    }
}

#[test]
fn headers_travel_with_every_request() {
    let serve = Serve::start(&["--require-header", "x-token=sesame"]);
    let (exit, report) = load(&[&serve.grpc, "--protocol", "grpc", "--spans", "1024"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(
        report["failures_by_status"]["gRPC UNAUTHENTICATED"], 2,
        "{report:#}"
    );
    for (endpoint, protocol) in [(&serve.grpc, "grpc"), (&serve.http, "http/protobuf")] {
        let (exit, report) = load(&[
            endpoint,
            "--protocol",
            protocol,
            "--spans",
            "1024",
            "--header",
            "x-token=sesame",
        ]);
        assert_eq!(exit, 0, "{protocol}: {report:#}");
    }
}

#[test]
fn a_closed_port_is_measured_as_failures() {
    let port = closed_port();
    for protocol in ["grpc", "http/protobuf"] {
        let (exit, report) = load(&[
            &format!("http://{port}"),
            "--protocol",
            protocol,
            "--spans",
            "2048",
        ]);
        assert_eq!(exit, 1, "{report:#}");
        assert_eq!(report["failed"]["requests"], 4, "{report:#}");
        assert_eq!(report["sent"]["spans"], 0, "{report:#}");
        let statuses = report["failures_by_status"].to_string().to_lowercase();
        assert!(statuses.contains("refused"), "{protocol}: {report:#}");
        assert_eq!(
            report["root_cause"]["code"], "NET_CONN_REFUSED",
            "{report:#}"
        );
    }
}

/// A timed run whose first second all fails stops there and names the cause, instead of
/// hammering a dead endpoint for the whole duration.
#[test]
fn a_run_whose_first_second_all_fails_stops_with_the_root_cause() {
    let port = closed_port();
    let started = Instant::now();
    let (exit, report) = load(&[&format!("http://{port}"), "--duration", "30s"]);
    assert_eq!(exit, 1, "{report:#}");
    assert!(started.elapsed() < Duration::from_secs(10), "{report:#}");
    assert!(
        report["stopped"]
            .as_str()
            .is_some_and(|s| s.contains("first 1 s")),
        "{report:#}"
    );
    assert_eq!(
        report["root_cause"]["code"], "NET_CONN_REFUSED",
        "{report:#}"
    );
    assert!(number(&report, "/duration_s") < 5.0, "{report:#}");
}

#[test]
fn a_rate_paces_a_timed_run() {
    let serve = Serve::start(&[]);
    let started = Instant::now();
    let (exit, report) = load(&[
        &serve.http,
        "--duration",
        "1s",
        "--rate",
        "2000",
        "--batch-size",
        "100",
    ]);
    assert_eq!(exit, 0, "{report:#}");
    // 20 requests of 100, due every 50 ms from 0 to 950 ms.
    assert_eq!(report["sent"]["spans"], 2000, "{report:#}");
    assert_eq!(report["rate"], 2000);
    let duration = number(&report, "/duration_s");
    assert!((0.9..3.0).contains(&duration), "{report:#}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn ctrl_c_prints_what_was_measured_so_far() {
    let serve = Serve::start(&[]);
    let child = Command::new(assert_cmd::cargo::cargo_bin!("otlp-doctor"))
        .args([
            "load",
            &serve.http,
            "--duration",
            "60s",
            "--rate",
            "1000",
            "--batch-size",
            "100",
            "--format",
            "json",
        ])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("otlp-doctor load starts");
    std::thread::sleep(Duration::from_millis(1500));
    let stopped = Instant::now();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().expect("load exits");
    assert!(
        stopped.elapsed() < Duration::from_secs(10),
        "Ctrl-C did not stop the run"
    );
    let report: Value = crate::support::schema::parse_document(
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    );
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["interrupted"], true, "{report:#}");
    let sent = report["sent"]["spans"].as_u64().unwrap_or_default();
    assert!((300..=3000).contains(&sent), "{report:#}");
}

#[test]
fn fast_load_to_another_host_needs_yes() {
    // 192.0.2.1 is TEST-NET-1: never routed. The refusal comes before any connection.
    for protocol in ["grpc", "http/protobuf"] {
        let started = Instant::now();
        let output = otlp_doctor()
            .args([
                "load",
                "http://192.0.2.1:4317",
                "--protocol",
                protocol,
                "--spans",
                "1000",
            ])
            .output()
            .expect("otlp-doctor runs");
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert!(output.stdout.is_empty(), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("192.0.2.1"), "{stderr}");
        assert!(stderr.contains("--yes"), "{stderr}");
        assert!(started.elapsed() < Duration::from_secs(5), "{stderr}");
    }
    let output = otlp_doctor()
        .args(["load", "http://example.invalid:4318", "--rate", "5000"])
        .output()
        .expect("otlp-doctor runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("5000 items/s"),
        "{output:?}"
    );
}

#[test]
fn human_output_summarises_the_run() {
    let rotel = Rotel::start();
    let output = otlp_doctor()
        .args([
            "load",
            &rotel.http_url(),
            "--spans",
            "5000",
            "--batch-size",
            "1000",
        ])
        .output()
        .expect("otlp-doctor runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("5,000 spans in 5 requests"), "{stdout}");
    assert!(stdout.contains("p50"), "{stdout}");
    assert!(stdout.contains("failed    none"), "{stdout}");
    // Not a terminal: no progress bar on stderr.
    assert!(output.stderr.is_empty(), "{output:?}");
}

#[test]
fn tls_endpoints_are_loaded_with_the_given_ca() {
    let serve = Serve::start(&["--tls"]);
    let ca = serve
        .ca_file
        .clone()
        .expect("serve --tls prints its CA file");
    assert!(serve.grpc.starts_with("https://"), "{}", serve.grpc);
    for (endpoint, protocol) in [(&serve.grpc, "grpc"), (&serve.http, "http/protobuf")] {
        let (exit, report) = load(&[
            endpoint,
            "--protocol",
            protocol,
            "--spans",
            "5000",
            "--ca-cert",
            &ca,
        ]);
        assert_clean_run(exit, &report, 5000);
    }
    // Without the CA the certificate is not trusted: every request fails, measured.
    let (exit, report) = load(&[&serve.http, "--spans", "1024"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(report["failed"]["requests"], 2, "{report:#}");
}
