//! Answers a script can use (issue 17): `root_cause`, `signal` and `endpoint` on findings,
//! `trace_id` on `check` and `send`, and `env`'s typed values, against rotel and closed ports.
//! Every document is validated against `docs/schema/` by `parse_document`.

use crate::support::{Rotel, closed_port, otlp_doctor};
use serde_json::Value;

/// Runs `otlp-doctor ARGS --format json` with `env` set and returns the exit code and document.
fn json(args: &[&str], env: &[(&str, &str)]) -> (i32, Value) {
    let output = otlp_doctor()
        .args(args)
        .args(["--format", "json"])
        .envs(env.iter().copied())
        .output()
        .expect("otlp-doctor runs");
    let report = crate::support::schema::parse_document(
        &String::from_utf8_lossy(&output.stdout),
        &format!("stderr:\n{}", String::from_utf8_lossy(&output.stderr)),
    );
    (output.status.code().unwrap_or(-1), report)
}

fn is_trace_id(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[test]
fn per_signal_endpoints_name_the_signal_and_endpoint_of_the_root_cause() {
    let rotel = Rotel::start();
    let traces = format!("{}/v1/traces", rotel.http_url());
    let metrics = format!("http://{}/v1/metrics", closed_port());
    let (exit, report) = json(
        &["check", "--signals", "traces,metrics"],
        &[
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &traces),
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", &metrics),
        ],
    );
    assert_eq!(exit, 1, "{report:#}");
    let cause = &report["root_cause"];
    assert_eq!(cause["code"], "NET_CONN_REFUSED", "{report:#}");
    assert_eq!(cause["signal"], "metrics", "{report:#}");
    assert_eq!(cause["endpoint"], metrics.as_str(), "{report:#}");
    assert!(
        cause["title"]
            .as_str()
            .unwrap_or("")
            .starts_with("metrics: "),
        "the title names its signal: {report:#}"
    );
    assert_eq!(
        cause, &report["findings"][0],
        "root_cause is the first finding"
    );
    let exported = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "EXPORT_OK")
        .unwrap_or_else(|| panic!("traces reached rotel: {report:#}"));
    assert_eq!(exported["signal"], "traces", "{report:#}");
    assert_eq!(exported["endpoint"], traces.as_str(), "{report:#}");
    assert!(is_trace_id(&report["trace_id"]), "{report:#}");
}

#[test]
fn a_healthy_check_has_a_null_root_cause_and_send_gives_the_trace_id() {
    let rotel = Rotel::start();
    let (exit, report) = json(&["check", &rotel.grpc_url(), "--protocol", "grpc"], &[]);
    assert_eq!(exit, 0, "{report:#}");
    assert!(report["root_cause"].is_null(), "{report:#}");
    assert!(is_trace_id(&report["trace_id"]), "{report:#}");
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["summary"]
                .as_str()
                .unwrap_or("")
                .contains(report["trace_id"].as_str().unwrap())),
        "the same trace id as the export summary: {report:#}"
    );

    let (exit, sent) = json(&["send", &rotel.http_url(), "--count", "3"], &[]);
    assert_eq!(exit, 0, "{sent:#}");
    assert!(is_trace_id(&sent["trace_id"]), "{sent:#}");
    assert!(sent["root_cause"].is_null(), "{sent:#}");
}

#[test]
fn a_refused_connection_gives_no_trace_id_and_a_root_cause() {
    let address = format!("http://{}", closed_port());
    let (exit, report) = json(&["check", &address], &[]);
    assert_eq!(exit, 1, "{report:#}");
    assert_eq!(report["root_cause"]["code"], "NET_CONN_REFUSED");
    assert_eq!(report["root_cause"]["endpoint"], address.as_str());
    assert!(
        report.get("trace_id").is_none(),
        "nothing was exported: {report:#}"
    );
}

fn row<'a>(report: &'a Value, section: &str, key: &str) -> &'a Value {
    report["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["title"] == section))
        .and_then(|s| s["rows"].as_array())
        .and_then(|rows| rows.iter().find(|r| r["key"] == key))
        .unwrap_or_else(|| panic!("no row {key} in {section}: {report:#}"))
}

#[test]
fn env_json_gives_typed_values_beside_the_text() {
    let (exit, report) = json(
        &["env"],
        &[
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "4096"),
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ],
    );
    assert_eq!(exit, 0, "{report:#}");
    assert!(report["root_cause"].is_null());
    let timeout = row(&report, "traces exporter", "timeout");
    assert_eq!(timeout["value"], "2500 ms");
    assert_eq!(timeout["typed"], 2500);
    assert_eq!(timeout["unit"], "ms");
    let insecure = row(&report, "traces exporter", "insecure");
    assert_eq!(insecure["typed"], true, "{insecure}");
    assert_eq!(row(&report, "sdk", "sdk disabled")["typed"], false);
    assert_eq!(
        row(&report, "sdk", "OTEL_BSP max queue size")["typed"],
        4096
    );
    assert_eq!(row(&report, "sdk", "sampler ratio")["typed"], 0.25);
    assert!(
        row(&report, "traces exporter", "protocol")
            .get("typed")
            .is_none(),
        "text values stay text"
    );
}

#[test]
fn every_subcommand_help_ends_with_examples() {
    let subcommands = [
        "check",
        "env",
        "send",
        "serve",
        "demo",
        "explain",
        "collector",
        "load",
        "overhead",
        "deps",
        "probe-server",
    ];
    for sub in subcommands {
        let output = otlp_doctor()
            .args([sub, "--help"])
            .output()
            .expect("otlp-doctor runs");
        let help = String::from_utf8_lossy(&output.stdout);
        let examples = help
            .split_once("Examples:\n")
            .map(|(_, examples)| examples)
            .unwrap_or_else(|| panic!("{sub} --help has no examples:\n{help}"));
        assert!(
            examples.contains(&format!("otlp-doctor {sub}")),
            "{sub}'s examples run {sub}:\n{help}"
        );
    }
}
