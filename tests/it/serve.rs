//! `serve` with real clients: the OpenTelemetry Python SDK and its OTLP gRPC and HTTP exporters
//! send spans; every fault flag is observed from the Python exporter's side.

use crate::support::cli::CLI_TIMEOUT;
use crate::support::live_process::LiveProcess;
use crate::support::sdk_clients::{SDK_CLIENT_TIMEOUT, SdkClient, SdkOutcome};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// `otlp-doctor serve --format json` on free ports, read line by line.
pub struct Serve {
    process: LiveProcess,
    pub grpc: String,
    pub http: String,
    pub ca_file: Option<String>,
    /// The web view's URL, when started with `--ui`.
    pub ui: Option<String>,
}

impl Serve {
    pub fn start(extra: &[&str]) -> Serve {
        let mut args = vec![
            "serve",
            "--grpc-listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        let (process, first) =
            LiveProcess::start(&args, crate::support::schema::assert_valid_serve_line);
        let scheme = if first.get("tls_ca_file").is_some() {
            "https"
        } else {
            "http"
        };
        Serve {
            process,
            grpc: format!("{scheme}://{}", first["grpc"].as_str().expect("grpc addr")),
            http: format!("{scheme}://{}", first["http"].as_str().expect("http addr")),
            ca_file: first["tls_ca_file"].as_str().map(str::to_string),
            ui: first["ui_url"].as_str().map(str::to_string),
        }
    }

    /// Collects lines until `done` holds for all seen so far, or `timeout` passes; says which.
    pub fn wait_until(&mut self, timeout: Duration, done: impl Fn(&[Value]) -> bool) -> bool {
        self.process.wait_until(timeout, done)
    }

    /// The lines collected by [`Serve::wait_until`] so far.
    pub fn seen(&self) -> &[Value] {
        self.process.seen()
    }

    /// Runs the real Python SDK client against this receiver over `protocol` (`grpc` or
    /// `http/protobuf`) as `service`, asserts its export succeeded, and waits until every span
    /// it sent has been printed.
    pub fn python_client_sends(&mut self, protocol: &str, service: &str) -> SdkOutcome {
        let endpoint = if protocol == "grpc" {
            &self.grpc
        } else {
            &self.http
        };
        let env = crate::sdk_clients::otel_env(protocol, endpoint, service);
        let outcome = SdkClient::Python.run(&env, SDK_CLIENT_TIMEOUT);
        assert!(outcome.ok, "{outcome:?}");
        let (trace_id, sent) = (outcome.trace_id.as_str(), outcome.sent.spans);
        let all_printed = self.wait_until(PRINTED, |lines| {
            lines
                .iter()
                .filter(|l| l["kind"] == "span" && l["trace_id"] == trace_id)
                .count()
                == sent
        });
        assert!(all_printed, "serve printed: {:#?}", self.seen());
        outcome
    }

    /// Stops with SIGINT and returns every line printed after `listening`, summary included.
    pub fn stop(self) -> Vec<Value> {
        self.process.stop()
    }
}

/// Bound on `serve` printing the lines of a batch it answered.
const PRINTED: Duration = Duration::from_secs(10);

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/python/export_spans.py")
}

/// Runs the Python exporter; returns its JSON report.
pub fn python_export(
    protocol: &str,
    endpoint: &str,
    service: &str,
    count: usize,
    header: &str,
    ca_file: Option<&str>,
) -> Value {
    let mut command = Command::new("python3");
    // requests lets these variables override the exporter's own CA file (session.verify).
    command
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE");
    command
        .arg(script())
        .args([protocol, endpoint, service, &count.to_string(), header]);
    if let Some(ca) = ca_file {
        command.arg(ca);
    }
    let output = command.output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|_| {
        panic!(
            "the Python exporter script failed (install its packages with `bash scripts/test-deps.sh`):\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn spans_of<'a>(lines: &'a [Value], service: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["kind"] == "span" && l["service"] == service)
        .collect()
}

#[test]
fn python_sdk_spans_arrive_once_each_over_grpc_and_http() {
    let serve = Serve::start(&[]);
    let grpc = python_export("grpc", &serve.grpc, "py-grpc", 3, "", None);
    let http = python_export("http", &serve.http, "py-http", 4, "", None);
    assert_eq!(grpc["result"], "SUCCESS", "{grpc}");
    assert_eq!(http["result"], "SUCCESS", "{http}");
    let lines = serve.stop();
    let grpc_spans = spans_of(&lines, "py-grpc");
    let http_spans = spans_of(&lines, "py-http");
    assert_eq!(grpc_spans.len(), 3, "each span once: {lines:#?}");
    assert_eq!(http_spans.len(), 4, "each span once: {lines:#?}");
    assert!(grpc_spans.iter().all(|s| s["transport"] == "grpc"));
    assert!(http_spans.iter().all(|s| s["transport"] == "http/protobuf"));
    for span in grpc_spans.iter().chain(&http_spans) {
        for key in [
            "name",
            "trace_id",
            "span_id",
            "parent_span_id",
            "start_unix_nano",
            "end_unix_nano",
            "attributes",
        ] {
            assert!(span.get(key).is_some(), "span line lacks {key}: {span}");
        }
    }
    let summary = lines.last().expect("summary");
    assert_eq!(summary["kind"], "summary");
    assert_eq!(summary["services"]["py-grpc"]["spans"], 3);
}

#[test]
fn required_header_is_seen_by_the_python_exporter() {
    let serve = Serve::start(&["--require-header", "x-token=letmein"]);
    let refused = python_export("http", &serve.http, "py", 1, "", None);
    assert_eq!(refused["result"], "FAILURE", "{refused}");
    assert!(refused["logs"].to_string().contains("401"), "{refused}");
    let accepted = python_export("http", &serve.http, "py", 1, "x-token=letmein", None);
    assert_eq!(accepted["result"], "SUCCESS", "{accepted}");
    let refused = python_export("grpc", &serve.grpc, "py", 1, "", None);
    assert_eq!(refused["result"], "FAILURE", "{refused}");
    assert!(
        refused["logs"]
            .to_string()
            .to_uppercase()
            .contains("UNAUTHENTICATED"),
        "{refused}"
    );
    let lines = serve.stop();
    assert!(
        !lines.iter().any(|l| l.to_string().contains("letmein")),
        "the required value is a secret"
    );
}

#[test]
fn injected_failures_are_seen_by_the_python_exporter() {
    // The Python exporter logs the reason phrase for retryable statuses and the code otherwise.
    for (kind, expect) in [
        ("unavailable", ["503", "Service Unavailable"]),
        ("throttled", ["429", "Too Many Requests"]),
        ("server-error", ["500", "Internal Server Error"]),
    ] {
        let serve = Serve::start(&["--fail-rate", "1", "--fail-with", kind]);
        let report = python_export("http", &serve.http, "py", 1, "", None);
        assert_eq!(report["result"], "FAILURE", "{kind}: {report}");
        let logs = report["logs"].to_string();
        assert!(expect.iter().any(|e| logs.contains(e)), "{kind}: {report}");
    }
    let serve = Serve::start(&["--fail-rate", "1", "--fail-with", "server-error"]);
    let report = python_export("grpc", &serve.grpc, "py", 1, "", None);
    assert_eq!(report["result"], "FAILURE", "{report}");
    assert!(
        report["logs"]
            .to_string()
            .to_uppercase()
            .contains("INTERNAL"),
        "{report}"
    );
}

#[test]
fn delay_and_partial_success_as_the_python_exporter_sees_them() {
    let serve = Serve::start(&["--delay", "200ms", "--reject-partial", "1"]);
    let started = std::time::Instant::now();
    let report = python_export("grpc", &serve.grpc, "py", 1, "", None);
    assert!(started.elapsed() >= Duration::from_millis(200));
    // The Python exporter counts partial success as success (it only logs it, if at all).
    assert_eq!(report["result"], "SUCCESS", "{report}");
    let _ = serve.stop();
    let _ = CLI_TIMEOUT;
}

#[test]
fn tls_serve_works_with_the_printed_ca() {
    let serve = Serve::start(&["--tls"]);
    let ca = serve.ca_file.clone().expect("the CA file is printed");
    let http = python_export("http", &serve.http, "py-tls", 1, "", Some(&ca));
    assert_eq!(http["result"], "SUCCESS", "{http}");
    let grpc = python_export(
        "grpc",
        &serve.grpc.replacen("https://", "", 1),
        "py-tls",
        1,
        "",
        Some(&ca),
    );
    assert_eq!(grpc["result"], "SUCCESS", "{grpc}");
    let lines = serve.stop();
    assert_eq!(spans_of(&lines, "py-tls").len(), 2);
}

#[test]
fn check_against_serve_is_healthy_and_sees_faults() {
    let serve = Serve::start(&[
        "--require-header",
        "authorization=Bearer tok3n-abcdefghijklmnopqrstuvwxyz",
    ]);
    let (_, report) = crate::check::check(&[&serve.http, "--signals", "traces,metrics,logs"]);
    crate::check::assert_root_cause(&report, "AUTH_UNAUTHENTICATED");
    let (exit, report) = crate::check::check(&[
        &serve.grpc,
        "--protocol",
        "grpc",
        "--header",
        "authorization=Bearer tok3n-abcdefghijklmnopqrstuvwxyz",
        "--signals",
        "traces,metrics,logs",
    ]);
    crate::check::assert_healthy(exit, &report);
    let _ = serve.stop();
}

/// Waits (bounded) until `serve` printed `count` more log records; returns them.
fn logs_at_serve(serve: &mut Serve, count: usize) -> Vec<Value> {
    let start = serve.seen().len();
    let logs = |lines: &[Value]| -> Vec<Value> {
        lines[start..]
            .iter()
            .filter(|l| l["kind"] == "log")
            .cloned()
            .collect()
    };
    serve.wait_until(Duration::from_secs(15), |lines| logs(lines).len() >= count);
    logs(serve.seen())
}

#[test]
fn a_real_collector_exports_logs_to_serve_over_http_and_grpc() {
    use crate::support::collector_peer::CollectorPeer;
    let mut serve = Serve::start(&[]);
    let exporters = [
        (
            "otlp_http",
            format!("endpoint: {}", serve.http),
            "http/protobuf",
        ),
        (
            "otlp_grpc",
            format!("endpoint: {}\ntls:\n  insecure: true", serve.grpc),
            "grpc",
        ),
    ];
    for (id, settings, transport) in exporters {
        let collector = CollectorPeer::builder().exporter(id, &settings).start();
        assert_eq!(
            collector.send_logs(5).ok(),
            Some(200),
            "{}",
            collector.log_tail(20)
        );
        // The Collector batches for 50 ms: wait (bounded) for the records.
        let logs = logs_at_serve(&mut serve, 5);
        assert_eq!(
            logs.len(),
            5,
            "log records from the Collector's {id} exporter:\n{logs:#?}\ncollector log:\n{}",
            collector.log_tail(30)
        );
        assert!(
            logs.iter().all(|l| l["transport"] == transport),
            "{logs:#?}"
        );
        assert!(logs.iter().any(|l| {
            l["body"]
                .as_str()
                .is_some_and(|b| b.contains("otlp-doctor test record"))
        }));
    }
    let lines = serve.stop();
    let summary = lines.last().expect("summary");
    assert!(
        summary["services"]
            .as_object()
            .is_some_and(|s| !s.is_empty()),
        "{summary}"
    );
}

#[test]
fn lint_findings_stream_as_ndjson() {
    let serve = Serve::start(&[]);
    let output = crate::support::otlp_doctor()
        .args([
            "send",
            &serve.grpc,
            "--protocol",
            "grpc",
            "--attr",
            "http.method=GET",
            "--service-name",
            "shop",
            "--format",
            "json",
        ])
        .output()
        .expect("send runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let lines = serve.stop();
    let finding = lines
        .iter()
        .find(|l| l["kind"] == "finding" && l["code"] == "LINT_DEPRECATED_SEMCONV")
        .unwrap_or_else(|| panic!("no deprecated-semconv finding in {lines:#?}"));
    assert!(
        finding.to_string().contains("http.request.method"),
        "{finding}"
    );
    assert!(
        finding.to_string().contains("shop"),
        "names the service: {finding}"
    );
}
