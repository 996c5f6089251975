//! `check --watch` against a server that fails every third export: the summary says a third
//! failed, names the code and the rounds it came in, and ends after `--count` rounds.

use crate::support::otlp_doctor;
use crate::support::otlp_servers::FlakyHttp;
use std::time::Duration;

#[test]
fn watch_reports_the_rate_and_the_code_of_a_failure_every_third_request() {
    let server = FlakyHttp::every(3);
    let output = otlp_doctor()
        .args([
            "check",
            &server.url(),
            "--watch",
            "--interval",
            "50ms",
            "--count",
            "6",
        ])
        .args(["--format", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("otlp-doctor runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report =
        crate::support::schema::parse_document(&String::from_utf8_lossy(&output.stdout), &stderr);
    let section = |title: &str| {
        report["sections"]
            .as_array()
            .and_then(|s| {
                s.iter()
                    .find(|s| s["title"].as_str().is_some_and(|t| t.starts_with(title)))
            })
            .unwrap_or_else(|| panic!("no {title} section: {report:#}"))
            .clone()
    };
    let value = |section: &serde_json::Value, key: &str| {
        section["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["key"] == key))
            .and_then(|r| r["value"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let watch = section("watch");
    assert_eq!(value(&watch, "rounds"), "6");
    assert_eq!(value(&watch, "passed"), "4");
    assert_eq!(value(&watch, "success rate"), "66.7%");
    let timeline = section("timeline");
    assert!(
        value(&timeline, "EXPORT_UNAVAILABLE")
            .starts_with("seen in 2 of 6 rounds: round 3, round 6"),
        "{timeline:#}"
    );
    let latency = section("latency per phase");
    assert!(!value(&latency, "export").is_empty(), "{latency:#}");
    assert_eq!(
        report["findings"][0]["code"], "EXPORT_UNAVAILABLE",
        "{report:#}"
    );
    // One line per round on stderr as it goes.
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("round ")).count(),
        6,
        "{stderr}"
    );
    assert!(
        stderr.contains("round 3 ") && stderr.contains("FAILED  EXPORT_UNAVAILABLE"),
        "{stderr}"
    );
}

#[test]
fn ctrl_c_ends_the_watch_with_the_summary() {
    use std::process::{Command, Stdio};
    use std::time::Instant;
    let server = FlakyHttp::every(3);
    let child = Command::new(assert_cmd::cargo::cargo_bin!("otlp-doctor"))
        .args([
            "check",
            &server.url(),
            "--watch",
            "--interval",
            "100ms",
            "--format",
            "json",
        ])
        .env("NO_COLOR", "1")
        .env("OTLP_DOCTOR_NEIGHBOUR_PORTS", "")
        .env("OTEL_DOCTOR_SDK", "spec")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("otlp-doctor check --watch starts");
    std::thread::sleep(Duration::from_millis(1000));
    let stopped = Instant::now();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().expect("check --watch exits");
    assert!(
        stopped.elapsed() < Duration::from_secs(10),
        "Ctrl-C did not stop the watch"
    );
    let report = crate::support::schema::parse_document(
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    );
    let rows = report["sections"][0]["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ended = rows
        .iter()
        .find(|r| r["key"] == "ended by")
        .map(|r| r["value"].clone());
    assert_eq!(ended, Some("Ctrl-C".into()), "{report:#}");
}
