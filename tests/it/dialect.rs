//! Fixes in the user's dialect, against real peers: the doctor's fix for a failure comes with the
//! variables it sets and the chosen SDK's own code; putting those variables in the real SDK
//! client's environment makes its export arrive (rotel, nginx in front of it for TLS).

use std::time::Duration;

use serde_json::Value;

use crate::check::root_cause;
use crate::support::nginx::https_front_to;
use crate::support::sdk_clients::{SDK_CLIENT_TIMEOUT, SdkClient};
use crate::support::snapshot::snapshot;
use crate::support::{Rotel, TestCerts, free_port, otlp_doctor};

const EXPORT_TIMEOUT: Duration = Duration::from_secs(3);

fn check_as(sdk: &str, env: &[(&str, &str)]) -> Value {
    let output = otlp_doctor()
        .args(["check", "--format", "json", "--sdk", sdk])
        .envs(env.iter().copied())
        .output()
        .expect("otlp-doctor runs");
    crate::support::schema::parse_document(
        &String::from_utf8_lossy(&output.stdout),
        &format!("stderr:\n{}", String::from_utf8_lossy(&output.stderr)),
    )
}

/// The first fix of the root cause that sets variables.
fn setting_fix(report: &Value) -> Value {
    root_cause(report)["fixes"]
        .as_array()
        .and_then(|fixes| fixes.iter().find(|fix| fix.get("env").is_some()))
        .cloned()
        .unwrap_or_else(|| panic!("the root cause has a fix that sets variables: {report:#}"))
}

/// `base` with the variables of `fix` put over it.
fn with_fix<'a>(base: &[(&'a str, &'a str)], fix: &'a Value) -> Vec<(&'a str, &'a str)> {
    let env = fix["env"].as_object().expect("env is an object");
    let mut out: Vec<(&str, &str)> = base
        .iter()
        .filter(|(name, _)| !env.contains_key(*name))
        .copied()
        .collect();
    out.extend(
        env.iter()
            .map(|(name, value)| (name.as_str(), value.as_str().expect("a string value"))),
    );
    out
}

#[test]
fn the_protocol_fix_in_each_sdks_dialect_makes_that_sdk_arrive() {
    let rotel = Rotel::start();
    let endpoint = rotel.http_url();
    for (client, exporter_call) in [
        (
            SdkClient::Go,
            format!("otlptracehttp.WithEndpointURL(\"{endpoint}/v1/traces\"),"),
        ),
        (
            SdkClient::Python,
            format!("endpoint=\"{endpoint}/v1/traces\","),
        ),
    ] {
        let timeout = client.export_timeout(EXPORT_TIMEOUT);
        let env = [
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", timeout.as_str()),
            ("OTEL_SERVICE_NAME", "dialect-protocol"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "60000"),
        ];
        let before = client.run(&env, SDK_CLIENT_TIMEOUT);
        assert!(
            !before.ok,
            "{client:?} reached an HTTP port over gRPC: {before:?}"
        );

        let report = check_as(client.name(), &env);
        let fix = setting_fix(&report);
        assert_eq!(
            fix["env"]["OTEL_EXPORTER_OTLP_PROTOCOL"], "http/protobuf",
            "{fix:#}"
        );
        assert_eq!(fix["dialect"]["sdk"], client.name(), "{fix:#}");
        assert_eq!(fix["dialect"]["transport"], "http/protobuf", "{fix:#}");
        let code = fix["dialect"]["code"].as_str().unwrap_or_default();
        assert!(code.contains(&exporter_call), "{client:?}:\n{code}");

        let fixed = with_fix(&env, &fix);
        let after = client.run(&fixed, SDK_CLIENT_TIMEOUT);
        assert!(after.ok, "{client:?} with the fix's variables: {after:?}");
    }
}

#[test]
fn the_ca_fix_names_each_sdks_trust_call_and_its_variable_works_for_go() {
    let certs = TestCerts::generate();
    let rotel = Rotel::start();
    let (_nginx, port) = https_front_to(rotel.http_addr(), &certs.good);
    let endpoint = format!("https://127.0.0.1:{port}");
    let timeout = SdkClient::Go.export_timeout(EXPORT_TIMEOUT);
    let env = [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", timeout.as_str()),
        ("OTEL_SERVICE_NAME", "dialect-ca"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "60000"),
    ];
    for (sdk, trust_call) in [
        (
            "java",
            ".setTrustedCertificates(Files.readAllBytes(Paths.get(\"/path/to/ca.pem\")))",
        ),
        (
            "rust",
            ".add_root_certificate(reqwest::Certificate::from_pem(",
        ),
        ("python", "certificate_file=\"/path/to/ca.pem\","),
        (
            "node",
            "httpAgentOptions: { ca: fs.readFileSync('/path/to/ca.pem') },",
        ),
        (
            "dotnet",
            "the exporter reads OTEL_EXPORTER_OTLP_CERTIFICATE",
        ),
        ("go", ".WithTLSClientConfig(&tls.Config{RootCAs: roots}),"),
    ] {
        let report = check_as(sdk, &env);
        let fix = setting_fix(&report);
        assert_eq!(
            fix["env"]["OTEL_EXPORTER_OTLP_CERTIFICATE"],
            "/path/to/ca.pem"
        );
        let code = fix["dialect"]["code"].as_str().unwrap_or_default();
        assert!(code.contains(trust_call), "{sdk}:\n{code}");
    }

    let before = SdkClient::Go.run(&env, SDK_CLIENT_TIMEOUT);
    assert!(!before.ok, "go trusted the test CA unasked: {before:?}");
    let ca = certs.ca.to_string_lossy().into_owned();
    let mut fixed = env.to_vec();
    fixed.push(("OTEL_EXPORTER_OTLP_CERTIFICATE", ca.as_str()));
    let after = SdkClient::Go.run(&fixed, SDK_CLIENT_TIMEOUT);
    assert!(after.ok, "go with the CA variable of the fix: {after:?}");
}

#[test]
fn with_the_spec_a_fix_has_its_variables_and_no_code() {
    let rotel = Rotel::start();
    let endpoint = rotel.http_url();
    let env = [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
    ];
    let report = check_as("spec", &env);
    assert!(report.get("sdk").is_none(), "{report:#}");
    let fix = setting_fix(&report);
    assert!(fix.get("dialect").is_none(), "{fix:#}");
    assert_eq!(fix["env"]["OTEL_EXPORTER_OTLP_ENDPOINT"], endpoint.as_str());
}

#[test]
fn human_output_shows_shell_kubernetes_and_the_python_call() {
    let rotel = Rotel::start();
    let url = rotel.http_url();
    snapshot(
        "check_grpc_to_http_port_python_human",
        &["check", &url, "--protocol", "grpc", "--sdk", "python"],
    );
}

/// A refused connection says what the chosen SDK does with the data meanwhile (the SDK soak's
/// finding: Node's gRPC exporter never retries), and without an SDK which SDKs differ.
#[test]
fn a_closed_port_says_what_the_sdk_does_with_data_while_the_endpoint_is_down() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let fixes_of = |sdk: &str, protocol: &str| -> Vec<String> {
        let report = check_as(
            sdk,
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
                ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000"),
            ],
        );
        let cause = root_cause(&report);
        assert_eq!(cause["code"], "NET_CONN_REFUSED", "{report:#}");
        cause["fix"]
            .as_array()
            .expect("fix is an array")
            .iter()
            .filter_map(|line| line.as_str().map(str::to_string))
            .collect()
    };
    let has = |fixes: &[String], wanted: &str| {
        assert!(
            fixes.iter().any(|line| line.contains(wanted)),
            "no fix says {wanted:?}: {fixes:#?}"
        );
    };

    let node_grpc = fixes_of("node", "grpc");
    has(
        &node_grpc,
        "the node SDK 0.223.0 does not retry a gRPC export: spans, metrics and logs exported while the endpoint is down (a refused connection or UNAVAILABLE) are lost",
    );
    has(&node_grpc, "@opentelemetry/otlp-grpc-exporter-base 0.223.0");
    has(
        &fixes_of("node", "http/protobuf"),
        "the node SDK 0.223.0 retries a refused, reset or timed-out connection",
    );
    has(
        &fixes_of("go", "http/protobuf"),
        "a refused, reset or unreachable connection is not retried",
    );
    has(
        &fixes_of("spec", "grpc"),
        "SDKs differ, and rust gives up within about a second; node and dotnet do not retry (choose one with --sdk)",
    );
}
