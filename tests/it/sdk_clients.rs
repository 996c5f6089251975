//! The field's real SDKs (Go, Java, Node.js, Python, Rust; see tests/sdk-clients/) against
//! `serve` and `check`: what each SDK says it sent is what `serve` received, a healthy `serve`
//! is healthy to both the SDK and `check`, and a closed port is a failed export to the SDK and
//! `broken` to `check` given the same `OTEL_*` environment.

use std::time::Duration;

use serde_json::Value;

use crate::check::{assert_healthy, assert_root_cause};
use crate::serve::Serve;
use crate::support::closed_port;
use crate::support::otlp_doctor;
use crate::support::sdk_clients::{SDK_CLIENT_TIMEOUT, SdkClient, SdkOutcome};

/// The metric every client records; SDKs may add their own (Java exports its exporter metrics).
pub const CLIENT_METRIC: &str = "sdk_client.exports";

/// Short enough that a refused export, retried by the SDK, ends within a few seconds.
const BROKEN_EXPORT_TIMEOUT: Duration = Duration::from_secs(3);

/// The variables a deployment sets: protocol, endpoint, service name. The metric interval
/// is long so that the only metric export is the one at shutdown.
pub fn otel_env<'a>(
    protocol: &'a str,
    endpoint: &'a str,
    service: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_SERVICE_NAME", service),
        ("OTEL_METRIC_EXPORT_INTERVAL", "60000"),
    ]
}

/// `otlp-doctor check --format json` with exactly the environment the SDK was given.
fn check_with(env: &[(&str, &str)]) -> (i32, Value) {
    let output = otlp_doctor()
        .args(["check", "--format", "json"])
        .envs(env.iter().copied())
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), report)
}

fn count(lines: &[Value], kind: &str, service: &str, keep: impl Fn(&Value) -> bool) -> usize {
    lines
        .iter()
        .filter(|l| l["kind"] == kind && l["service"] == service && keep(l))
        .count()
}

/// Runs `client` over gRPC and HTTP/protobuf into one `serve` and compares what `serve`
/// printed for each service with what the SDK says it sent.
fn delivers_what_it_sent(client: SdkClient) {
    let serve = Serve::start(&[]);
    let transports = [
        ("grpc", "grpc", &serve.grpc),
        ("http/protobuf", "http", &serve.http),
    ];
    let mut runs: Vec<(&str, String, SdkOutcome)> = Vec::new();
    for (protocol, short, endpoint) in transports {
        let service = format!("sdk-{}-{short}", client.name());
        let outcome = client.run(&otel_env(protocol, endpoint, &service), SDK_CLIENT_TIMEOUT);
        runs.push((protocol, service, outcome));
    }
    let lines = serve.stop();
    for (protocol, service, outcome) in &runs {
        let context = format!("{} over {protocol}: {outcome:?}", client.name());
        assert!(outcome.ok, "the SDK reported a failed export: {context}");
        assert_eq!(
            (outcome.sdk.as_str(), outcome.sdk_version.as_str()),
            (client.name(), client.version()),
            "{context}"
        );
        assert_eq!(&outcome.protocol, protocol, "{context}");
        assert!(outcome.sent.spans > 0, "{context}");
        let spans = count(&lines, "span", service, |l| {
            l["trace_id"] == outcome.trace_id.as_str() && l["transport"] == *protocol
        });
        let metrics = count(&lines, "metric", service, |l| l["name"] == CLIENT_METRIC);
        // Every client adds 1 to its counter once: serve shows the value the SDK sent.
        let values: Vec<&Value> = lines
            .iter()
            .filter(|l| l["kind"] == "metric" && l["service"] == *service)
            .filter(|l| l["name"] == CLIENT_METRIC)
            .map(|l| &l["points"][0]["value"])
            .collect();
        assert!(
            values.iter().all(|v| v.as_f64() == Some(1.0)),
            "{context}: the counter's value in serve's lines: {values:?}"
        );
        let logs = count(&lines, "log", service, |_| true);
        assert_eq!(
            (spans, metrics, logs),
            (outcome.sent.spans, outcome.sent.metrics, outcome.sent.logs),
            "serve's (spans, metrics, logs) for {service} differ from what the SDK sent: {context}\nserve printed: {lines:#?}"
        );
    }
}

/// A running `serve`: the SDK exports without error and `check` with the same variables is
/// healthy, over both protocols.
fn healthy_to_the_sdk_and_to_check(client: SdkClient) {
    let serve = Serve::start(&[]);
    for (protocol, endpoint) in [("grpc", &serve.grpc), ("http/protobuf", &serve.http)] {
        let service = format!("sdk-{}-healthy", client.name());
        let env = otel_env(protocol, endpoint, &service);
        let outcome = client.run(&env, SDK_CLIENT_TIMEOUT);
        assert!(
            outcome.ok,
            "{} over {protocol} reported a failed export: {outcome:?}",
            client.name()
        );
        let (exit, report) = check_with(&env);
        assert_healthy(exit, &report);
    }
}

/// Nothing listening: the SDK says its export failed, in its own words, and `check` with the
/// same variables says broken, connection refused.
fn broken_to_the_sdk_and_to_check(client: SdkClient, protocol: &str) {
    let endpoint = format!("http://{}", closed_port());
    let timeout = client.export_timeout(BROKEN_EXPORT_TIMEOUT);
    let service = format!("sdk-{}-broken", client.name());
    let mut env = otel_env(protocol, &endpoint, &service);
    env.push(("OTEL_EXPORTER_OTLP_TIMEOUT", &timeout));
    let outcome = client.run(&env, SDK_CLIENT_TIMEOUT);
    assert!(
        !outcome.ok,
        "{} over {protocol} to a closed port reported success: {outcome:?}",
        client.name()
    );
    let error = outcome.error.as_deref().unwrap_or_default();
    assert!(
        !error.trim().is_empty(),
        "ok=false needs the SDK's error text: {outcome:?}"
    );
    let (exit, report) = check_with(&env);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "NET_CONN_REFUSED");
}

#[test]
fn go_sdk_delivers_what_it_sent() {
    delivers_what_it_sent(SdkClient::Go);
}

#[test]
fn java_sdk_delivers_what_it_sent() {
    delivers_what_it_sent(SdkClient::Java);
}

#[test]
fn node_sdk_delivers_what_it_sent() {
    delivers_what_it_sent(SdkClient::Node);
}

#[test]
fn python_sdk_delivers_what_it_sent() {
    delivers_what_it_sent(SdkClient::Python);
}

#[test]
fn rust_sdk_delivers_what_it_sent() {
    delivers_what_it_sent(SdkClient::Rust);
}

#[test]
fn go_sdk_and_check_agree_serve_is_healthy() {
    healthy_to_the_sdk_and_to_check(SdkClient::Go);
}

#[test]
fn java_sdk_and_check_agree_serve_is_healthy() {
    healthy_to_the_sdk_and_to_check(SdkClient::Java);
}

#[test]
fn node_sdk_and_check_agree_serve_is_healthy() {
    healthy_to_the_sdk_and_to_check(SdkClient::Node);
}

#[test]
fn python_sdk_and_check_agree_serve_is_healthy() {
    healthy_to_the_sdk_and_to_check(SdkClient::Python);
}

#[test]
fn rust_sdk_and_check_agree_serve_is_healthy() {
    healthy_to_the_sdk_and_to_check(SdkClient::Rust);
}

// One protocol each, alternating, so both transports' failure reporting is covered.

#[test]
fn go_sdk_and_check_agree_a_closed_port_is_broken() {
    broken_to_the_sdk_and_to_check(SdkClient::Go, "grpc");
}

#[test]
fn java_sdk_and_check_agree_a_closed_port_is_broken() {
    broken_to_the_sdk_and_to_check(SdkClient::Java, "http/protobuf");
}

#[test]
fn node_sdk_and_check_agree_a_closed_port_is_broken() {
    broken_to_the_sdk_and_to_check(SdkClient::Node, "grpc");
}

#[test]
fn python_sdk_and_check_agree_a_closed_port_is_broken() {
    broken_to_the_sdk_and_to_check(SdkClient::Python, "http/protobuf");
}

#[test]
fn rust_sdk_and_check_agree_a_closed_port_is_broken() {
    broken_to_the_sdk_and_to_check(SdkClient::Rust, "grpc");
}
