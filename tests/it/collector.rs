//! `collector` against the real OpenTelemetry Collector built by `scripts/peers/otelcol.sh`
//! (see `support::collector_peer`): its health_check and healthcheckv2 extensions, its
//! internal metrics while an exporter fails, a queue fills or the memory limiter refuses,
//! closed ports, and the config fixtures under `tests/fixtures/collector/`, cross-checked with
//! the same Collector's `validate`.

use crate::support::collector_peer::{CollectorPeer, otelcol_doctor};
use crate::support::{Front, Nginx, Rotel, SilentServer, closed_port, free_port, otlp_doctor};
use serde_json::Value;
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

// ------------------------------------------------------------------ internal metrics

/// An `otlp_http/dead` exporter to a closed port with retries off: every batch is a failed send.
fn dead_exporter() -> crate::support::collector_peer::CollectorPeerBuilder {
    let dead = closed_port();
    CollectorPeer::builder()
        .exporter("otlp_http/dead", &format!("endpoint: http://{dead}"))
        .exporter_setting("timeout: 500ms")
        .exporter_setting("retry_on_failure:\n  enabled: false")
}

fn failing_exporter(peer: &CollectorPeer, send_failed_name: &str) {
    assert_eq!(peer.send_logs(5).ok(), Some(200), "{}", peer.log_tail(20));
    let _traffic = peer.traffic();
    peer.wait_for_nonzero(send_failed_name, FLOW_TIMEOUT);
    let url = peer.metrics_url();
    let (exit, report, _) = collector(&["--metrics-url", &url, "--interval", "1s"]);
    let context = || format!("{report:#}\n{}", peer.log_tail(20));
    assert_eq!(exit, 1, "{}", context());
    let failed = findings(&report, "COL_EXPORTER_SEND_FAILED");
    // One finding per signal whose pipeline failed; the traffic sends logs only.
    assert_eq!(failed.len(), 1, "{}", context());
    let finding = failed[0];
    assert_eq!(finding["severity"], "error", "{}", context());
    assert_eq!(finding["check"], "metrics");
    assert!(
        finding["title"]
            .as_str()
            .unwrap_or_default()
            .contains("'otlp_http/dead'"),
        "{}",
        context()
    );
    let lines = evidence(finding);
    assert!(
        lines[0].starts_with(&format!(
            "{send_failed_name}{{exporter=\"otlp_http/dead\"}}: +"
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
            .any(|r| r["key"] == "exporter otlp_http/dead (logs)"),
        "{rows:#?}"
    );
    assert!(
        rows.iter().any(|r| r["key"] == "receiver otlp (logs)"),
        "{rows:#?}"
    );
}

#[test]
fn exporter_to_a_closed_port_is_reported_with_plain_names() {
    // v0.165's explicitly configured Prometheus reader serves `..._log_records`, no `_total`.
    let peer = dead_exporter().start();
    failing_exporter(&peer, "otelcol_exporter_send_failed_log_records");
}

#[test]
fn exporter_to_a_closed_port_is_reported_with_suffixed_names() {
    let peer = dead_exporter().suffixed_metric_names().start();
    failing_exporter(&peer, "otelcol_exporter_send_failed_log_records_total");
}

#[test]
fn a_full_sending_queue_is_reported() {
    // The backend accepts connections and never answers: the one consumer waits, the queue of
    // two fills, and everything after that is dropped at enqueue.
    let silent = SilentServer::start();
    let peer = CollectorPeer::builder()
        .exporter(
            "otlp_http/slow",
            &format!("endpoint: http://{}", silent.addr()),
        )
        .exporter_setting("timeout: 30s")
        .exporter_setting("retry_on_failure:\n  enabled: false")
        .exporter_setting("sending_queue:\n  queue_size: 2\n  num_consumers: 1")
        .start();
    let _traffic = peer.traffic();
    peer.wait_for_nonzero("otelcol_exporter_enqueue_failed_log_records", FLOW_TIMEOUT);
    let (exit, report, _) = collector(&["--metrics-url", &peer.metrics_url(), "--interval", "1s"]);
    assert_eq!(exit, 1, "{report:#}");
    let full = findings(&report, "COL_QUEUE_FULL");
    assert_eq!(full.len(), 1, "{report:#}");
    assert_eq!(full[0]["severity"], "error");
    assert!(
        full[0]["title"]
            .as_str()
            .unwrap_or_default()
            .contains("'otlp_http/slow'")
    );
    let lines = evidence(full[0]);
    assert!(
        lines.iter().any(|l| l.contains("otelcol_exporter_queue_size{exporter=\"otlp_http/slow\"} = 2 of otelcol_exporter_queue_capacity = 2 (100%)")),
        "{lines:?}"
    );
}

#[test]
fn a_memory_limiter_below_the_heap_refuses_everything() {
    // 2 MiB with a 1 MiB spike: the Collector's own heap is above the soft limit from the first
    // check, so the limiter refuses every batch and the receiver answers 503.
    let peer = CollectorPeer::builder().memory_limit_mib(2, 1).start();
    let _traffic = peer.traffic();
    peer.wait_for_nonzero(
        "otelcol_processor_memory_limiter_refused_log_records",
        FLOW_TIMEOUT,
    );
    let (exit, report, _) = collector(&["--metrics-url", &peer.metrics_url(), "--interval", "1s"]);
    let context = || format!("{report:#}\n{}", peer.log_tail(20));
    assert_eq!(exit, 1, "{}", context());
    let dropped = findings(&report, "COL_PROCESSOR_DROPPED");
    let limiter = dropped
        .iter()
        .find(|f| {
            f["title"]
                .as_str()
                .unwrap_or_default()
                .contains("'memory_limiter'")
        })
        .unwrap_or_else(|| panic!("no memory_limiter finding: {}", context()));
    assert_eq!(limiter["severity"], "error", "{}", context());
    assert!(
        evidence(limiter)[0].starts_with("otelcol_processor_memory_limiter_refused_log_records"),
        "{limiter:#}"
    );
    let refused = findings(&report, "COL_RECEIVER_REFUSED");
    assert_eq!(refused.len(), 1, "{}", context());
    assert!(
        refused[0]["title"]
            .as_str()
            .unwrap_or_default()
            .contains("receiver 'otlp' is refusing log records"),
        "{}",
        context()
    );
}

#[test]
fn a_collector_exporting_to_rotel_is_healthy() {
    let rotel = Rotel::start();
    let peer = CollectorPeer::builder()
        .exporter(
            "otlp_http/rotel",
            &format!("endpoint: {}", rotel.http_url()),
        )
        .start();
    let _traffic = peer.traffic();
    peer.wait_for_nonzero("otelcol_exporter_sent_log_records", FLOW_TIMEOUT);
    let (exit, report, _) = collector(&["--metrics-url", &peer.metrics_url(), "--interval", "1s"]);
    let context = || format!("{report:#}\n{}\n{}", peer.log_tail(20), rotel.log_tail(10));
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
        .find(|r| r["key"] == "exporter otlp_http/rotel (logs)")
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

#[test]
fn the_zpages_page_is_not_collector_metrics() {
    // A real Collector page that is not the metrics page (a common mix-up of ports).
    let peer = CollectorPeer::start();
    let url = format!("http://{}/debug/servicez", peer.zpages_addr());
    let (exit, report, _) = collector(&["--metrics-url", &url, "--interval", "100ms"]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(codes(&report), ["PROTO_NOT_OTLP"], "{report:#}");
}

// ------------------------------------------------------------------ health

#[test]
fn health_v1_available() {
    let peer = CollectorPeer::start();
    let (exit, report, _) = collector(&["--health-url", &peer.health_v1_url()]);
    assert_eq!(exit, 0, "{report:#}");
    assert_eq!(report["verdict"], "healthy");
    assert_eq!(report["checks"][0]["id"], "health");
    assert_eq!(report["checks"][0]["status"], "pass");
    let summary = report["checks"][0]["summary"].as_str().unwrap_or_default();
    assert!(
        summary.starts_with("healthy: Server available, up "),
        "{summary}"
    );
    let rows = report["sections"][0]["rows"].as_array().expect("rows");
    assert!(rows.iter().any(|r| r["key"] == "up since"), "{rows:#?}");
}

#[test]
fn health_v1_and_v2_while_the_collector_shuts_down() {
    // SIGTERM: the Collector marks itself not ready, then drains its pipelines; the exporter's
    // one request hangs on a silent backend for up to 20 s, so the health endpoints keep
    // answering "not ready" meanwhile.
    let silent = SilentServer::start();
    let peer = CollectorPeer::builder()
        .exporter(
            "otlp_http/slow",
            &format!("endpoint: http://{}", silent.addr()),
        )
        .exporter_setting("timeout: 20s")
        .exporter_setting("retry_on_failure:\n  enabled: false")
        .start();
    assert_eq!(peer.send_logs(1).ok(), Some(200), "{}", peer.log_tail(20));
    peer.wait_for_nonzero("otelcol_exporter_in_flight_requests", FLOW_TIMEOUT);
    peer.begin_shutdown();
    peer.wait_for_status(&peer.health_v1_url(), 503, Duration::from_secs(5));

    let (exit, report, _) = collector(&["--health-url", &peer.health_v1_url()]);
    assert_eq!(exit, 1, "{report:#}\n{}", peer.log_tail(20));
    assert_eq!(codes(&report), ["COL_UNHEALTHY"], "{report:#}");
    assert_eq!(report["findings"][0]["severity"], "error");
    assert!(
        evidence(&report["findings"][0])[0].contains("503 with status 'Server not available'"),
        "{report:#}"
    );

    let (exit, report, _) = collector(&["--health-url", &peer.health_v2_url()]);
    assert_eq!(exit, 1, "{report:#}\n{}", peer.log_tail(20));
    assert_eq!(codes(&report), ["COL_UNHEALTHY"], "{report:#}");
    assert!(
        evidence(&report["findings"][0])[0].contains("503 with status 'StatusStopping'"),
        "{report:#}"
    );
}

#[test]
fn health_v2_ok_plain_and_verbose() {
    let peer = CollectorPeer::start();
    for url in [
        peer.health_v2_url(),
        format!("{}?verbose", peer.health_v2_url()),
    ] {
        let (exit, report, _) = collector(&["--health-url", &url]);
        assert_eq!(exit, 0, "{url}: {report:#}");
        assert_eq!(report["checks"][0]["summary"], "healthy: StatusOK", "{url}");
        assert!(
            report["findings"].as_array().is_some_and(|f| f.is_empty()),
            "{url}: {report:#}"
        );
    }
}

#[test]
fn health_v2_names_the_refusing_memory_limiter() {
    // A recoverable error that outlasts recovery_duration (1 ms here) makes the Collector
    // unhealthy: healthcheckv2 answers 500 with the component's error.
    let peer = CollectorPeer::builder().memory_limit_mib(2, 1).start();
    let verbose = format!("{}?verbose", peer.health_v2_url());
    peer.wait_for_status(&verbose, 500, Duration::from_secs(5));
    let (exit, report, _) = collector(&["--health-url", &verbose]);
    let context = || format!("{report:#}\n{}", peer.log_tail(20));
    assert_eq!(exit, 1, "{}", context());
    assert_eq!(codes(&report), ["COL_UNHEALTHY"], "{}", context());
    let finding = &report["findings"][0];
    assert_eq!(finding["severity"], "error");
    let lines = evidence(finding);
    assert!(
        lines[0].contains(
            "answered 500 with status 'StatusRecoverableError: data refused due to high memory usage'"
        ),
        "{lines:?}"
    );
    // The limiter is one shared instance behind all three pipelines; its status reaches
    // healthcheckv2 through one of them, whichever the Collector picked.
    let component =
        "> processor:memory_limiter: StatusRecoverableError: data refused due to high memory usage";
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("pipeline:") && l.ends_with(component)),
        "{component} in {lines:?}"
    );
}

#[test]
fn health_v2_recoverable_error_within_recovery_duration_is_a_warning() {
    // Within recovery_duration the Collector still counts itself healthy (200) but says which
    // component is in trouble.
    let peer = CollectorPeer::builder()
        .memory_limit_mib(2, 1)
        .recovery_duration("5m")
        .start();
    let verbose = format!("{}?verbose", peer.health_v2_url());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let report = loop {
        let (exit, report, _) = collector(&["--health-url", &verbose]);
        if exit == 0 && !codes(&report).is_empty() {
            break report;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no warning within 5s: {report:#}\n{}",
            peer.log_tail(20)
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(report["verdict"], "degraded", "{report:#}");
    assert_eq!(codes(&report), ["COL_UNHEALTHY"], "{report:#}");
    assert_eq!(report["findings"][0]["severity"], "warning");
    assert_eq!(
        report["checks"][0]["summary"], "up, but StatusRecoverableError",
        "{report:#}"
    );
    assert!(
        evidence(&report["findings"][0])
            .iter()
            .any(|l| l.ends_with("processor:memory_limiter: StatusRecoverableError: data refused due to high memory usage")),
        "{report:#}"
    );
}

#[test]
fn health_at_the_wrong_path_is_unreachable() {
    // healthcheckv2 serves /status only; its root answers 404.
    let peer = CollectorPeer::start();
    let url = peer.health_v2_url().replace("/status", "/");
    let (exit, report, _) = collector(&["--health-url", &url]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(codes(&report), ["COL_HEALTH_UNREACHABLE"], "{report:#}");
    assert!(
        evidence(&report["findings"][0])
            .iter()
            .any(|l| l.contains("healthcheckv2 on /status")),
        "{report:#}"
    );
}

#[test]
fn health_url_on_another_page_is_not_taken_for_healthy() {
    // Two real Collector pages that answer 200 but are not health_check: the internal metrics
    // (a Prometheus page) and zpages (HTML).
    let peer = CollectorPeer::start();
    for url in [
        peer.metrics_url(),
        format!("http://{}/debug/servicez", peer.zpages_addr()),
    ] {
        let (exit, report, _) = collector(&["--health-url", &url]);
        assert_eq!(exit, 0, "{url}: {report:#}");
        assert_eq!(report["verdict"], "degraded", "{url}: {report:#}");
        assert_eq!(
            codes(&report),
            ["COL_HEALTH_NOT_HEALTH_CHECK"],
            "{url}: {report:#}"
        );
    }
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
    let peer = dead_exporter().start();
    let (_, report, _) = collector(&[
        "--health-url",
        &peer.health_v1_url(),
        "--metrics-url",
        &peer.metrics_url(),
        "--interval",
        "200ms",
    ]);
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["health", "metrics"], "{report:#}");
    assert_eq!(report["checks"][0]["status"], "pass", "{report:#}");
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

// ------------------------------------------------------------------ lint vs. the real Collector

/// What the lint made of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LintVerdict {
    Clean,
    Warning,
    Error,
    /// Exit 2: the file is not YAML the lint can read.
    Malformed,
}

impl LintVerdict {
    fn word(self) -> &'static str {
        match self {
            LintVerdict::Clean => "clean",
            LintVerdict::Warning => "warning",
            LintVerdict::Error => "error",
            LintVerdict::Malformed => "malformed",
        }
    }

    /// Whether the lint says the Collector would refuse this file.
    fn refuses(self) -> bool {
        matches!(self, LintVerdict::Error | LintVerdict::Malformed)
    }
}

fn lint_verdict(path: &str) -> (LintVerdict, String) {
    let output = otlp_doctor()
        .args(["collector", "--config", path, "--format", "json"])
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.code() == Some(2) {
        return (
            LintVerdict::Malformed,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        );
    }
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{path}: stdout is not JSON ({e}): {stdout}"));
    let severities: Vec<&str> = report["findings"]
        .as_array()
        .map(|all| all.iter().filter_map(|f| f["severity"].as_str()).collect())
        .unwrap_or_default();
    let verdict = if severities.contains(&"error") {
        LintVerdict::Error
    } else if severities.contains(&"warning") {
        LintVerdict::Warning
    } else {
        LintVerdict::Clean
    };
    (verdict, format!("{:?}", codes(&report)))
}

/// `otelcol-doctor validate --config FILE`, bounded: whether it passed, and its output.
fn collector_validates(path: &str) -> (bool, String) {
    let mut child = std::process::Command::new(otelcol_doctor())
        .args(["validate", "--config", path])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("otelcol-doctor validate runs");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while child.try_wait().ok().flatten().is_none() {
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            panic!("otelcol-doctor validate --config {path} ran past 10s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("collect validate output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn the_lint_agrees_with_the_collectors_validate() {
    // Every file under validate/ uses only components the real Collector carries, so
    // `validate` fails only for the reasons the lint knows about. Each file's first line says
    // what both should make of it, e.g. `# lint: error; validate: fails`.
    let dir = fixture("validate");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let mut disagreements = Vec::new();
    for file in &files {
        let path = file.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file).expect("read fixture");
        let header = text.lines().next().unwrap_or_default();
        let (verdict, lint_out) = lint_verdict(&path);
        let (valid, validate_out) = collector_validates(&path);
        let expected = format!(
            "# lint: {}; validate: {}",
            verdict.word(),
            if valid { "passes" } else { "fails" }
        );
        if !header.starts_with(&expected) || verdict.refuses() == valid {
            disagreements.push(format!(
                "{path}\n  header: {header}\n  got:    {expected}\n  lint:   {lint_out}\n  validate: {}",
                validate_out.lines().last().unwrap_or_default()
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
