//! `--sdk` / `OTEL_DOCTOR_SDK` against the real SDKs: `check` reads the configuration the way
//! the chosen SDK does, so its verdict is that SDK's fate. Here: Python's HTTP exporter trusts
//! `REQUESTS_CA_BUNDLE` over `OTEL_EXPORTER_OTLP_CERTIFICATE` (requests' session settings), Go's
//! does not; nginx terminates TLS with a certificate from the test CA in front of rotel.

use std::time::Duration;

use serde_json::Value;

use crate::check::{assert_healthy, assert_root_cause};
use crate::support::nginx::{grpcs_front_to, https_front_to};
use crate::support::sdk_clients::{SDK_CLIENT_TIMEOUT, SdkClient};
use crate::support::{Rotel, TestCerts, otlp_doctor};

/// A failed TLS handshake is retried by some SDKs until their export timeout.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(3);

fn codes(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["code"].as_str()).collect())
        .unwrap_or_default()
}

fn check_as(sdk: &str, env: &[(&str, &str)]) -> (i32, Value) {
    let output = otlp_doctor()
        .args(["check", "--format", "json"])
        .envs(env.iter().copied())
        .env("OTEL_DOCTOR_SDK", sdk)
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = crate::support::schema::parse_document(
        &stdout,
        &format!("stderr:\n{}", String::from_utf8_lossy(&output.stderr)),
    );
    (output.status.code().unwrap_or(-1), report)
}

#[test]
fn requests_ca_bundle_breaks_python_over_http_and_not_go() {
    let certs = TestCerts::generate();
    let rotel = Rotel::start();
    let (_nginx, port) = https_front_to(rotel.http_addr(), &certs.good);
    let endpoint = format!("https://127.0.0.1:{port}");
    let right_ca = certs.ca.to_string_lossy().into_owned();
    let wrong_ca = certs.unknown_ca_root.to_string_lossy().into_owned();

    for client in [SdkClient::Python, SdkClient::Go] {
        let timeout = client.export_timeout(EXPORT_TIMEOUT);
        let env = [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", right_ca.as_str()),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", timeout.as_str()),
            ("OTEL_SERVICE_NAME", "sdk-ca-override"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "60000"),
            ("REQUESTS_CA_BUNDLE", wrong_ca.as_str()),
        ];
        let outcome = client.run(&env, SDK_CLIENT_TIMEOUT);
        let (exit, report) = check_as(client.name(), &env);
        assert_eq!(report["sdk"]["name"], client.name(), "{report:#}");
        assert_eq!(report["sdk"]["from"], "OTEL_DOCTOR_SDK", "{report:#}");
        match client {
            SdkClient::Python => {
                assert!(!outcome.ok, "python trusted the configured CA: {outcome:?}");
                let error = outcome.error.clone().unwrap_or_default().to_lowercase();
                assert!(
                    error.contains("certificate verify failed") || error.contains("ssl"),
                    "python failed for another reason: {outcome:?}"
                );
                assert_eq!(exit, 1, "{report:#}");
                // The override explains the unknown CA, so it is the root cause.
                assert_root_cause(&report, "CFG_SDK_CA_OVERRIDE");
                assert!(codes(&report).contains(&"TLS_UNKNOWN_CA"), "{report:#}");
            }
            _ => {
                assert!(outcome.ok, "go failed with the right CA: {outcome:?}");
                assert_healthy(exit, &report);
            }
        }
    }

    // Without the override, Python trusts the configured CA and both agree it is healthy. Empty
    // counts as unset for requests (`or`), and this machine, like many, sets both variables
    // to the system bundle, which does not hold the test CA.
    let timeout = SdkClient::Python.export_timeout(EXPORT_TIMEOUT);
    let env = [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", right_ca.as_str()),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", timeout.as_str()),
        ("OTEL_SERVICE_NAME", "sdk-ca-override"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "60000"),
        ("REQUESTS_CA_BUNDLE", ""),
        ("CURL_CA_BUNDLE", ""),
    ];
    let outcome = SdkClient::Python.run(&env, SDK_CLIENT_TIMEOUT);
    assert!(outcome.ok, "{outcome:?}");
    let (exit, report) = check_as("python", &env);
    assert_healthy(exit, &report);
}

/// Python picks gRPC when the protocol is unset, and refuses to start on a misspelt one.
#[test]
fn env_as_python_says_grpc_and_that_a_bad_protocol_stops_it() {
    let run = |env: &[(&str, &str)], args: &[&str]| -> Value {
        let output = otlp_doctor()
            .args(["env", "--signals", "traces", "--format", "json"])
            .args(args)
            .envs(env.iter().copied())
            .output()
            .expect("otlp-doctor runs");
        crate::support::schema::parse_document(&String::from_utf8_lossy(&output.stdout), "env")
    };
    let report = run(&[], &["--sdk", "python"]);
    let rows = &report["sections"][0]["rows"];
    assert_eq!(rows[0]["value"], "grpc", "{report:#}");
    assert!(
        rows[0]["source"]
            .as_str()
            .unwrap()
            .contains("python SDK 1.45.2")
    );
    assert_eq!(rows[1]["value"], "http://localhost:4317", "{report:#}");
    assert_eq!(report["sdk"]["from"], "--sdk");

    let bad = [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grcp"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2.5"),
    ];
    let report = run(&bad, &["--sdk", "python"]);
    let finding = &report["findings"][0];
    assert_eq!(finding["code"], "CFG_PROTOCOL_INVALID", "{report:#}");
    assert!(
        finding["evidence"][1]
            .as_str()
            .unwrap()
            .contains("does not start")
    );
    let timeout = &report["sections"][0]["rows"][3];
    assert_eq!(
        timeout["value"], "2500 ms",
        "python reads seconds: {report:#}"
    );

    let report = run(&bad, &[]);
    assert!(report.get("sdk").is_none(), "{report:#}");
    let evidence = report["findings"][0]["evidence"].to_string();
    assert!(
        evidence.contains("python, java refuse to start"),
        "{report:#}"
    );
}

#[test]
fn a_bad_sdk_exits_2_with_the_valid_values() {
    for (args, env) in [
        (vec!["env", "--sdk", "ruby"], None),
        (vec!["check"], Some("ruby")),
    ] {
        let mut cmd = otlp_doctor();
        cmd.args(&args);
        if let Some(value) = env {
            cmd.env("OTEL_DOCTOR_SDK", value);
        }
        let output = cmd.output().expect("otlp-doctor runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("rust, python, go, java, node, dotnet"),
            "{stderr}"
        );
    }
}

/// In a project whose manifest names OpenTelemetry, the SDK is detected and every format says
/// from where.
#[test]
fn the_sdk_is_detected_from_the_project_and_said_in_every_format() {
    let project = tempfile::tempdir().expect("a temp dir");
    std::fs::write(
        project.path().join("pyproject.toml"),
        "[project]\ndependencies = [\"opentelemetry-sdk==1.45.2\"]\n",
    )
    .expect("write pyproject.toml");
    let run = |format: &str| -> String {
        let output = otlp_doctor()
            .env_remove("OTEL_DOCTOR_SDK")
            .current_dir(project.path())
            .args(["env", "--signals", "traces", "--format", format])
            .output()
            .expect("otlp-doctor runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(
        run("human").contains("sdk python 1.45.2, from ./pyproject.toml"),
        "{}",
        run("human")
    );
    assert!(run("markdown").contains("- sdk: python 1.45.2, from ./pyproject.toml"));
    let report = crate::support::schema::parse_document(&run("json"), "env");
    assert_eq!(report["sdk"]["from"], "./pyproject.toml");
    assert_eq!(report["sections"][0]["rows"][0]["value"], "grpc");
}

/// A Rust project that locks another opentelemetry-otlp than the modelled 0.33.1 is told so:
/// the workspace-split fixture's real lock holds 0.31.1 beside 0.33.1.
#[test]
fn a_rust_project_on_another_release_is_told_the_model_differs() {
    let project = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/deps/workspace-split");
    let output = otlp_doctor()
        .args(["env", "--format", "json", "--sdk", "rust"])
        .current_dir(&project)
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(&stdout).expect("one JSON document");
    let finding = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == "CFG_SDK_RELEASE_DIFFERS"))
        .unwrap_or_else(|| panic!("no CFG_SDK_RELEASE_DIFFERS: {report:#}"));
    assert_eq!(finding["severity"], "warning", "{report:#}");
    assert!(
        finding["title"]
            .as_str()
            .is_some_and(|t| t.contains("0.31.1")),
        "{report:#}"
    );

    let modelled =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/deps/clean");
    let output = otlp_doctor()
        .args(["env", "--format", "json", "--sdk", "rust"])
        .current_dir(&modelled)
        .output()
        .expect("otlp-doctor runs");
    let report: Value =
        serde_json::from_str(&String::from_utf8_lossy(&output.stdout)).expect("JSON");
    assert!(
        !codes(&report).contains(&"CFG_SDK_RELEASE_DIFFERS"),
        "{report:#}"
    );
}

/// An endpoint without a scheme over gRPC: the spec (and Python's exporter) use TLS unless
/// `OTEL_EXPORTER_OTLP_INSECURE=true`, so `check` probes with TLS too. Against a TLS front both
/// get through; against plaintext rotel both fail in the TLS handshake, and `check` says so
/// instead of passing the network layers in plaintext.
#[test]
fn a_schemeless_grpc_endpoint_is_tls_for_python_and_for_check() {
    let certs = TestCerts::generate();
    let rotel = Rotel::start();
    let (_nginx, port) = grpcs_front_to(rotel.grpc_addr(), &certs.good);
    let ca = certs.ca.to_string_lossy().into_owned();
    let timeout = SdkClient::Python.export_timeout(EXPORT_TIMEOUT);
    let run = |endpoint: &str| {
        let env = [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", ca.as_str()),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", timeout.as_str()),
            ("OTEL_SERVICE_NAME", "sdk-schemeless"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "60000"),
        ];
        let outcome = SdkClient::Python.run(&env, SDK_CLIENT_TIMEOUT);
        let (exit, report) = check_as("python", &env);
        (outcome, exit, report)
    };

    let (outcome, _, report) = run(&format!("localhost:{port}"));
    assert!(outcome.ok, "python over TLS to the front: {outcome:?}");
    let found = codes(&report);
    assert!(found.contains(&"CFG_ENDPOINT_NO_SCHEME"), "{report:#}");
    assert!(
        !found
            .iter()
            .any(|c| c.starts_with("TLS_") || c.starts_with("NET_")),
        "check reached the TLS front as python did: {report:#}"
    );
    assert!(
        report.to_string().contains("connect with TLS (https://)"),
        "{report:#}"
    );

    let plaintext = rotel.grpc_addr().port();
    let (outcome, exit, report) = run(&format!("localhost:{plaintext}"));
    assert!(
        !outcome.ok,
        "python spoke TLS to plaintext rotel: {outcome:?}"
    );
    assert_eq!(exit, 1, "{report:#}");
    assert!(
        codes(&report).iter().any(|c| c.starts_with("TLS_")),
        "check tried TLS as python did: {report:#}"
    );
}
