//! `demo`: the embedded default works with nothing else running and no OTEL_* variable read.

use crate::support::otlp_doctor;
use serde_json::Value;

#[test]
fn demo_is_healthy_over_every_protocol_and_signal() {
    let output = otlp_doctor()
        .args(["demo", "--format", "json"])
        // The demo must ignore the user's environment.
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
        .env("OTEL_SDK_DISABLED", "true")
        .output()
        .expect("demo runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report: Value =
        crate::support::schema::parse_document(&String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(report["schema"], "otlp-doctor/report/v1");
    assert_eq!(report["verdict"], "healthy");
    let exported = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "EXPORT_OK")
        .count();
    assert_eq!(exported, 9, "3 protocols x 3 signals: {report:#}");
    let arrived = report["sections"][0]["rows"].to_string();
    for transport in ["grpc", "http/protobuf", "http/json"] {
        assert!(arrived.contains(transport), "{arrived}");
    }
}

#[test]
fn demo_human_output_ends_with_the_verdict() {
    let output = otlp_doctor().arg("demo").output().expect("demo runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.starts_with("verdict: healthy")),
        "{text}"
    );
}
