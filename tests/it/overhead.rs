//! `overhead`: the SDK's per-span cost measured in-process, against the built-in receiver and
//! against rotel as ENDPOINT.

use crate::support::otlp_doctor;
use crate::support::rotel::Rotel;
use serde_json::Value;

/// The rows of the section titled `title`.
fn section<'a>(report: &'a Value, title: &str) -> &'a Vec<Value> {
    report["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["title"] == title)
        .unwrap_or_else(|| panic!("no section {title}: {report:#}"))["rows"]
        .as_array()
        .expect("rows")
}

fn value<'a>(rows: &'a [Value], key: &str) -> &'a str {
    rows.iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key}: {rows:#?}"))["value"]
        .as_str()
        .expect("a string value")
}

/// The leading number of a value such as `812 ns (p10 ...)` or `6,000 spans`.
fn leading_number(text: &str) -> f64 {
    let number: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    number
        .parse()
        .unwrap_or_else(|_| panic!("no leading number in '{text}'"))
}

fn overhead_json(args: &[&str]) -> Value {
    let output = otlp_doctor()
        .arg("overhead")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("overhead runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    crate::support::schema::parse_document(&String::from_utf8_lossy(&output.stdout), "")
}

fn assert_costs_are_measured(report: &Value) {
    assert_eq!(report["schema"], "otlp-doctor/report/v1");
    for scenario in ["no-processor", "always-off", "batch-default", "batch-roomy"] {
        let rows = section(report, &format!("scenario {scenario}"));
        assert!(
            leading_number(value(rows, "wall per span")) > 0.0,
            "{scenario}: {rows:#?}"
        );
    }
    for scenario in ["no-processor", "batch-default", "batch-roomy"] {
        let rows = section(report, &format!("scenario {scenario}"));
        assert!(
            leading_number(value(rows, "app-thread CPU per span")) > 0.0,
            "{scenario}: {rows:#?}"
        );
        assert!(
            leading_number(value(rows, "process CPU per span")) > 0.0,
            "{scenario}: {rows:#?}"
        );
    }
}

#[test]
fn overhead_against_the_built_in_receiver_measures_and_delivers() {
    let report = overhead_json(&["--spans", "2000", "--iterations", "3"]);
    assert_costs_are_measured(&report);
    let roomy = section(&report, "scenario batch-roomy");
    assert_eq!(value(roomy, "exported"), "6,000 of 6,000 spans");
    assert_eq!(value(roomy, "reached the receiver"), "6,000 spans");
    assert_eq!(leading_number(value(roomy, "dropped (queue full)")), 0.0);
    let small = section(&report, "scenario batch-small-queue");
    assert!(
        leading_number(value(small, "dropped (queue full)")) > 0.0,
        "a queue of 64 overflows in a burst of 2000: {small:#?}"
    );
    let checks = report["checks"].as_array().expect("checks");
    let receiver = checks
        .iter()
        .find(|c| c["id"] == "receiver")
        .expect("receiver check");
    assert_eq!(receiver["status"], "pass", "{receiver:#}");
    assert!(
        section(&report, "leak check")
            .iter()
            .any(|r| r["key"] == "verdict"),
        "{report:#}"
    );
    assert!(!section(&report, "recommendations").is_empty());
    // Allocations are counted once the binary installs the counting allocator.
    if value(section(&report, "setup"), "allocations").starts_with("counted") {
        for scenario in ["no-processor", "batch-roomy"] {
            let rows = section(&report, &format!("scenario {scenario}"));
            assert!(
                leading_number(value(rows, "allocations per span")) > 0.0,
                "{rows:#?}"
            );
        }
        let live_heap = value(section(&report, "leak check"), "live heap growth");
        assert_ne!(live_heap, "not measured");
    }
}

#[test]
fn overhead_over_http_protobuf_reaches_the_built_in_receiver() {
    let report = overhead_json(&[
        "--protocol",
        "http/protobuf",
        "--spans",
        "500",
        "--iterations",
        "2",
        "--leak-rounds",
        "0",
    ]);
    let roomy = section(&report, "scenario batch-roomy");
    assert_eq!(value(roomy, "reached the receiver"), "1,000 spans");
    assert!(value(section(&report, "setup"), "exporting to").contains("/v1/traces"));
}

#[test]
fn overhead_against_rotel_exports_everything_over_grpc() {
    let rotel = Rotel::start();
    let report = overhead_json(&[
        &rotel.grpc_url(),
        "--protocol",
        "grpc",
        "--spans",
        "2000",
        "--iterations",
        "3",
        "--leak-rounds",
        "2",
    ]);
    assert_costs_are_measured(&report);
    let roomy = section(&report, "scenario batch-roomy");
    assert_eq!(value(roomy, "exported"), "6,000 of 6,000 spans");
    // Only the built-in receiver counts arrivals; rotel's answers are what the exporter saw.
    assert!(roomy.iter().all(|r| r["key"] != "reached the receiver"));
    assert!(
        report["target"]["endpoint"]
            .as_str()
            .is_some_and(|e| e.contains(&rotel.grpc_addr().port().to_string()))
    );
}

#[test]
fn overhead_refuses_an_endpoint_that_takes_nothing() {
    let output = otlp_doctor()
        .args(["overhead", "http://127.0.0.1:1", "--spans", "10"])
        .output()
        .expect("overhead runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no export to http://127.0.0.1:1 succeeded"),
        "{stderr}"
    );
}

#[test]
fn overhead_refuses_an_endpoint_that_is_not_a_url() {
    let output = otlp_doctor()
        .args(["overhead", "collector:4317"])
        .output()
        .expect("overhead runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not an http:// or https:// URL"));
}
