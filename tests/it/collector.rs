//! `collector` against the real otelcol-contrib build (see `support::otelcol` for what it
//! carries), nginx standing in for the health_check extension (that build has no
//! extensions), closed ports, and the config fixtures under `tests/fixtures/collector/`.

use crate::support::otelcol::{Otelcol, keep_writing};
use crate::support::{Front, Nginx, Rotel, SilentServer, closed_port, free_port, otlp_doctor};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a test waits for the Collector's counters to move.
const FLOW_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs `otlp-doctor collector ARGS --format json`: exit code, report, stderr.
fn collector(args: &[&str]) -> (i32, Value, String) {
    let output = otlp_doctor()
        .arg("collector")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = crate::support::schema::parse_document(&stdout, &format!("stderr:\n{stderr}"));
    (output.status.code().unwrap_or(-1), report, stderr)
}

fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .map(|all| all.iter().filter(|f| f["code"] == code).collect())
        .unwrap_or_default()
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|f| f["code"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn evidence(finding: &Value) -> Vec<String> {
    finding["evidence"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|l| l.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Keeps appending log lines to a Collector's input until dropped.
struct Traffic {
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Traffic {
    fn start(otelcol: &Otelcol) -> Traffic {
        let stop = Arc::new(AtomicBool::new(false));
        let handle = keep_writing(
            otelcol.input_path().to_path_buf(),
            Duration::from_millis(100),
            Duration::from_secs(60),
            stop.clone(),
        );
        Traffic {
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

// ------------------------------------------------------------------ internal metrics

fn failing_exporter(otelcol: &Otelcol, send_failed_name: &str) {
    otelcol.write_logs(5);
    let _traffic = Traffic::start(otelcol);
    otelcol.wait_for_nonzero(send_failed_name, FLOW_TIMEOUT);
    let url = otelcol.metrics_url();
    let (exit, report, _) = collector(&["--metrics-url", &url, "--interval", "1s"]);
    let context = || format!("{report:#}\n{}", otelcol.log_tail(20));
    assert_eq!(exit, 1, "{}", context());
    let failed = findings(&report, "COL_EXPORTER_SEND_FAILED");
    assert_eq!(failed.len(), 1, "{}", context());
    let finding = failed[0];
    assert_eq!(finding["severity"], "error", "{}", context());
    assert_eq!(finding["check"], "metrics");
    assert!(
        finding["title"]
            .as_str()
            .unwrap_or_default()
            .contains("'otlphttp/dead'"),
        "{}",
        context()
    );
    let lines = evidence(finding);
    assert!(
        lines[0].starts_with(&format!(
            "{send_failed_name}{{exporter=\"otlphttp/dead\"}}: +"
        )),
        "{lines:?}"
    );
    assert_eq!(report["checks"][0]["id"], "metrics");
    assert_eq!(report["checks"][0]["status"], "fail");
    let rows = report["sections"][0]["rows"]
        .as_array()
        .expect("component rows");
    assert!(
        rows.iter()
            .any(|r| r["key"] == "exporter otlphttp/dead (logs)"),
        "{rows:#?}"
    );
    assert!(
        rows.iter().any(|r| r["key"] == "receiver filelog (logs)"),
        "{rows:#?}"
    );
}

#[test]
fn exporter_to_a_closed_port_is_reported_with_total_names() {
    let dead = closed_port();
    let otelcol = Otelcol::builder("otlphttp/dead", &format!("http://{dead}"))
        .exporter_setting("timeout: 500ms")
        .exporter_setting("retry_on_failure:\n  enabled: false")
        .start();
    failing_exporter(&otelcol, "otelcol_exporter_send_failed_log_records_total");
}

#[test]
fn exporter_to_a_closed_port_is_reported_with_legacy_names() {
    let dead = closed_port();
    let otelcol = Otelcol::builder("otlphttp/dead", &format!("http://{dead}"))
        .exporter_setting("timeout: 500ms")
        .exporter_setting("retry_on_failure:\n  enabled: false")
        .legacy_metric_names()
        .start();
    failing_exporter(&otelcol, "otelcol_exporter_send_failed_log_records");
}

#[test]
fn a_full_sending_queue_is_reported() {
    // The backend accepts connections and never answers: the one consumer waits, the queue of
    // two fills, and everything after that is dropped at enqueue.
    let silent = SilentServer::start();
    let otelcol = Otelcol::builder("otlphttp/slow", &format!("http://{}", silent.addr()))
        .exporter_setting("timeout: 30s")
        .exporter_setting("retry_on_failure:\n  enabled: false")
        .exporter_setting("sending_queue:\n  queue_size: 2\n  num_consumers: 1")
        .start();
    let _traffic = Traffic::start(&otelcol);
    otelcol.wait_for_nonzero(
        "otelcol_exporter_enqueue_failed_log_records_total",
        FLOW_TIMEOUT,
    );
    let (exit, report, _) =
        collector(&["--metrics-url", &otelcol.metrics_url(), "--interval", "1s"]);
    assert_eq!(exit, 1, "{report:#}");
    let full = findings(&report, "COL_QUEUE_FULL");
    assert_eq!(full.len(), 1, "{report:#}");
    assert_eq!(full[0]["severity"], "error");
    assert!(
        full[0]["title"]
            .as_str()
            .unwrap_or_default()
            .contains("'otlphttp/slow'")
    );
    let lines = evidence(full[0]);
    assert!(
        lines.iter().any(|l| l.contains("otelcol_exporter_queue_size{exporter=\"otlphttp/slow\"} = 2 of otelcol_exporter_queue_capacity = 2 (100%)")),
        "{lines:?}"
    );
}

#[test]
fn a_collector_exporting_to_rotel_is_healthy() {
    let rotel = Rotel::start();
    let otelcol = Otelcol::builder("otlphttp/rotel", &rotel.http_url()).start();
    otelcol.write_logs(5);
    let _traffic = Traffic::start(&otelcol);
    otelcol.wait_for_nonzero("otelcol_exporter_sent_log_records_total", FLOW_TIMEOUT);
    let (exit, report, _) =
        collector(&["--metrics-url", &otelcol.metrics_url(), "--interval", "1s"]);
    let context = || {
        format!(
            "{report:#}\n{}\n{}",
            otelcol.log_tail(20),
            rotel.log_tail(10)
        )
    };
    assert_eq!(exit, 0, "{}", context());
    assert_eq!(report["verdict"], "healthy", "{}", context());
    assert!(
        report["findings"].as_array().is_some_and(|f| f.is_empty()),
        "{}",
        context()
    );
    assert_eq!(report["checks"][0]["status"], "pass");
    let summary = report["checks"][0]["summary"].as_str().unwrap_or_default();
    assert!(!summary.contains("no data moved"), "{summary}");
    let rows = report["sections"][0]["rows"]
        .as_array()
        .expect("component rows");
    let exporter = rows
        .iter()
        .find(|r| r["key"] == "exporter otlphttp/rotel (logs)")
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert!(
        exporter["value"]
            .as_str()
            .unwrap_or_default()
            .contains("failed 0.0/s"),
        "{exporter}"
    );
}

#[test]
fn a_metrics_url_where_nothing_listens() {
    let url = format!("http://{}/metrics", closed_port());
    let (exit, report, _) = collector(&["--metrics-url", &url, "--interval", "100ms"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(codes(&report), ["NET_CONN_REFUSED"], "{report:#}");
    let fix = report["findings"][0]["fix"].to_string();
    assert!(fix.contains("localhost:8888"), "{fix}");
}

#[test]
fn a_page_that_is_not_collector_metrics() {
    let port = free_port();
    let nginx = Nginx::start(&Front::new(port).status_with_body(200, "hello").render());
    let url = format!("http://{}/metrics", nginx.addr());
    let (exit, report, _) = collector(&["--metrics-url", &url, "--interval", "100ms"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(codes(&report), ["PROTO_NOT_OTLP"], "{report:#}");
}

// ------------------------------------------------------------------ health

/// nginx answering like the health_check extension (the Collector build has no extensions).
fn health_front(status: u16, body: &str) -> Nginx {
    let port = free_port();
    Nginx::start(
        &Front::new(port)
            .location_directive("default_type application/json;")
            .status_with_body(status, body)
            .render(),
    )
}

#[test]
fn health_available() {
    let nginx = health_front(
        200,
        r#"{"status":"Server available","upSince":"2024-06-01T10:00:00Z","uptime":"1m2.3s"}"#,
    );
    let url = format!("http://{}/", nginx.addr());
    let (exit, report, _) = collector(&["--health-url", &url]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["verdict"], "healthy");
    assert_eq!(report["checks"][0]["id"], "health");
    assert_eq!(report["checks"][0]["status"], "pass");
    assert_eq!(
        report["checks"][0]["summary"],
        "healthy: Server available, up 1m2.3s"
    );
}

#[test]
fn health_not_available() {
    let nginx = health_front(
        503,
        r#"{"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""}"#,
    );
    let url = format!("http://{}/", nginx.addr());
    let (exit, report, _) = collector(&["--health-url", &url]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(codes(&report), ["COL_UNHEALTHY"]);
    assert!(evidence(&report["findings"][0])[0].contains("503 with status 'Server not available'"));
}

#[test]
fn health_v2_shape() {
    let nginx = health_front(
        200,
        r#"{"start_time":"2024-01-18T17:27:12Z","healthy":true,"status":"StatusOK","status_time":"2024-01-18T17:27:12Z"}"#,
    );
    let url = format!("http://{}/status", nginx.addr());
    let (exit, report, _) = collector(&["--health-url", &url]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["checks"][0]["summary"], "healthy: StatusOK");
}

#[test]
fn health_unreachable() {
    let url = format!("http://{}/", closed_port());
    let (exit, report, _) = collector(&["--health-url", &url]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(codes(&report), ["COL_HEALTH_UNREACHABLE"]);
    let finding = &report["findings"][0];
    assert!(evidence(finding)[0].contains("refused"), "{finding:#}");
    let fix = finding["fix"].to_string();
    assert!(
        fix.contains("localhost:13133") && fix.contains("service::extensions"),
        "{fix}"
    );
}

#[test]
fn health_and_metrics_together() {
    let url = format!("http://{}/", closed_port());
    let dead = closed_port();
    let otelcol = Otelcol::builder("otlphttp/dead", &format!("http://{dead}"))
        .exporter_setting("retry_on_failure:\n  enabled: false")
        .start();
    let (_, report, _) = collector(&[
        "--health-url",
        &url,
        "--metrics-url",
        &otelcol.metrics_url(),
        "--interval",
        "200ms",
    ]);
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["health", "metrics"], "{report:#}");
}

// ------------------------------------------------------------------ config lint

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/collector/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Lints a fixture; returns the exit code, the report and the fixture's path.
fn lint(name: &str) -> (i32, Value, String) {
    let path = fixture(name);
    let (exit, report, _) = collector(&["--config", &path]);
    (exit, report, path)
}

/// The finding of `code` whose evidence starts at `path:line`.
fn at<'a>(report: &'a Value, code: &str, path: &str, line: usize) -> &'a Value {
    let prefix = format!("{path}:{line}: ");
    findings(report, code)
        .into_iter()
        .find(|f| evidence(f).iter().any(|e| e.starts_with(&prefix)))
        .unwrap_or_else(|| panic!("no {code} at line {line}: {report:#}"))
}

#[test]
fn config_clean_has_no_findings() {
    let (exit, report, _) = lint("clean.yaml");
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["checks"][0]["id"], "config");
    assert_eq!(report["checks"][0]["status"], "pass");
    let rows = report["sections"][0]["rows"].as_array().expect("pipelines");
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0]["value"],
        "otlp → memory_limiter, resource/env, batch → otlp/backend"
    );
}

#[test]
fn config_with_connectors_has_no_findings() {
    let (exit, report, _) = lint("connectors.yaml");
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");
}

#[test]
fn config_localhost_bind() {
    let (exit, report, path) = lint("localhost-bind.yaml");
    assert_eq!(exit, 0, "warnings only: {report:#}");
    assert_eq!(report["verdict"], "degraded");
    assert_eq!(
        findings(&report, "COL_CONFIG_LOCALHOST_BIND").len(),
        3,
        "{report:#}"
    );
    let default = at(&report, "COL_CONFIG_LOCALHOST_BIND", &path, 5);
    assert!(evidence(default)[0].contains("protocols::grpc sets no endpoint"));
    assert!(
        default["fix"]
            .to_string()
            .contains("endpoint: 0.0.0.0:4317")
    );
    let explicit = at(&report, "COL_CONFIG_LOCALHOST_BIND", &path, 7);
    assert!(evidence(explicit)[0].contains("listens on localhost:4318"));
    assert!(
        explicit["fix"]
            .to_string()
            .contains("endpoint: 0.0.0.0:4318")
    );
    at(&report, "COL_CONFIG_LOCALHOST_BIND", &path, 11);

    // --strict turns the warnings into exit 1.
    let output = otlp_doctor()
        .args(["collector", "--config", &path, "--strict"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn config_undefined_components() {
    let (exit, report, path) = lint("undefined.yaml");
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(report["findings"][0]["severity"], "error");
    let undefined = findings(&report, "COL_CONFIG_UNDEFINED_COMPONENT");
    assert_eq!(undefined.len(), 3, "{report:#}");
    let pprof = at(&report, "COL_CONFIG_UNDEFINED_COMPONENT", &path, 22);
    assert!(
        pprof["title"]
            .as_str()
            .unwrap_or_default()
            .contains("'pprof'")
    );
    let typo = findings(&report, "COL_CONFIG_UNDEFINED_COMPONENT")
        .into_iter()
        .find(|f| {
            f["title"]
                .as_str()
                .unwrap_or_default()
                .contains("'otlp/backend'")
        })
        .expect("otlp/backend");
    assert!(evidence(typo)[0].starts_with(&format!("{path}:27: ")));
    assert!(evidence(typo)[0].contains("defined: otlp/backnd"));
    let logging = findings(&report, "COL_CONFIG_UNDEFINED_COMPONENT")
        .into_iter()
        .find(|f| {
            f["title"]
                .as_str()
                .unwrap_or_default()
                .contains("'logging'")
        })
        .expect("logging");
    assert!(logging["fix"].to_string().contains("debug exporter"));
    // The misspelt exporter is defined but unused.
    at(&report, "COL_CONFIG_UNUSED_COMPONENT", &path, 14);
}

#[test]
fn config_unused_components() {
    let (exit, report, path) = lint("unused.yaml");
    assert_eq!(exit, 1, "the half-used connector is an error: {report:#}");
    assert_eq!(
        findings(&report, "COL_CONFIG_UNUSED_COMPONENT").len(),
        4,
        "{report:#}"
    );
    let receiver = at(&report, "COL_CONFIG_UNUSED_COMPONENT", &path, 6);
    assert_eq!(receiver["severity"], "warning");
    assert!(
        receiver["title"]
            .as_str()
            .unwrap_or_default()
            .contains("receiver 'prometheus'")
    );
    at(&report, "COL_CONFIG_UNUSED_COMPONENT", &path, 18);
    let connector = at(&report, "COL_CONFIG_UNUSED_COMPONENT", &path, 29);
    assert_eq!(connector["severity"], "error");
    assert!(evidence(connector)[0].contains("receiver of no pipeline"));
    let extension = at(&report, "COL_CONFIG_UNUSED_COMPONENT", &path, 32);
    assert!(evidence(extension)[0].contains("service::extensions"));
    assert!(findings(&report, "COL_CONFIG_UNDEFINED_COMPONENT").is_empty());
}

#[test]
fn config_without_memory_limiter() {
    let (exit, report, path) = lint("no-memory-limiter.yaml");
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(
        codes(&report),
        ["COL_CONFIG_NO_MEMORY_LIMITER"],
        "{report:#}"
    );
    let finding = at(&report, "COL_CONFIG_NO_MEMORY_LIMITER", &path, 23);
    assert!(
        finding["title"]
            .as_str()
            .unwrap_or_default()
            .contains("'logs'")
    );
    assert_eq!(finding["severity"], "warning");
}

#[test]
fn config_without_batching() {
    let (exit, report, path) = lint("no-batching.yaml");
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(codes(&report), ["COL_CONFIG_NO_BATCHING"], "{report:#}");
    let finding = at(&report, "COL_CONFIG_NO_BATCHING", &path, 24);
    assert!(evidence(finding)[0].contains("exporter 'otlphttp/a'"));
    assert!(!evidence(finding)[0].contains("debug"));
    assert!(finding["fix"].to_string().contains("sending_queue"));
}

#[test]
fn config_malformed_is_exit_2_with_the_line() {
    let path = fixture("malformed.yaml");
    let output = otlp_doctor()
        .args(["collector", "--config", &path])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("malformed.yaml"), "{stderr}");
    assert!(stderr.contains("line 6"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn config_missing_is_exit_2() {
    let output = otlp_doctor()
        .args(["collector", "--config", "/nonexistent/otelcol.yaml"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/otelcol.yaml"), "{stderr}");
}

#[test]
fn no_surface_given_is_exit_2_naming_the_flags() {
    let output = otlp_doctor().arg("collector").output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for flag in ["--health-url", "--metrics-url", "--config"] {
        assert!(stderr.contains(flag), "{stderr}");
    }
}
