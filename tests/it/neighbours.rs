//! `check` on the wrong port names the working neighbour in its fix: rotel on free ports, named
//! to the neighbour probe with `OTLP_DOCTOR_NEIGHBOUR_PORTS` (the usual 4317/4318 are not the
//! tests' to take).

use crate::support::{Rotel, closed_port, otlp_doctor};
use serde_json::Value;

fn check_with_neighbours(rotel: &Rotel, args: &[&str]) -> Value {
    let ports = format!("{},{}", rotel.grpc_addr().port(), rotel.http_addr().port());
    let output = otlp_doctor()
        .env("OTLP_DOCTOR_NEIGHBOUR_PORTS", &ports)
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("otlp-doctor runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    crate::support::schema::parse_document(
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    )
}

fn root_cause(report: &Value) -> &Value {
    &report["findings"][0]
}

fn fixes(finding: &Value) -> Vec<&str> {
    finding["fix"]
        .as_array()
        .map(|lines| lines.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn a_refused_port_names_the_receivers_on_the_neighbouring_ports() {
    let rotel = Rotel::start();
    let closed = closed_port();
    let report = check_with_neighbours(&rotel, &[&format!("http://{closed}")]);
    let cause = root_cause(&report);
    assert_eq!(cause["code"], "NET_CONN_REFUSED", "{report:#}");
    let fixes = fixes(cause);
    let http = rotel.http_addr().port();
    let grpc = rotel.grpc_addr().port();
    // http/protobuf is configured (the default): the OTLP/HTTP neighbour comes first.
    assert_eq!(
        fixes[0],
        format!(
            "OTLP/HTTP answers on :{http} of 127.0.0.1: set OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{http} and OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
        ),
        "{fixes:#?}"
    );
    assert_eq!(
        fixes[1],
        format!(
            "OTLP/gRPC answers on :{grpc} of 127.0.0.1: set OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{grpc} and OTEL_EXPORTER_OTLP_PROTOCOL=grpc"
        ),
        "{fixes:#?}"
    );
}

#[test]
fn grpc_configured_on_the_http_port_names_the_grpc_neighbour_first() {
    let rotel = Rotel::start();
    let http = rotel.http_addr();
    let grpc = rotel.grpc_addr().port();
    let report = check_with_neighbours(&rotel, &[&format!("http://{http}"), "--protocol", "grpc"]);
    let cause = root_cause(&report);
    assert_eq!(cause["code"], "PROTO_GRPC_TO_HTTP_SERVER", "{report:#}");
    let fixes = fixes(cause);
    assert!(
        fixes[0].starts_with(&format!("OTLP/gRPC answers on :{grpc} of 127.0.0.1: set OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{grpc} and OTEL_EXPORTER_OTLP_PROTOCOL=grpc")),
        "{fixes:#?}"
    );
    // The configured port itself is not its own neighbour.
    assert!(
        !fixes
            .iter()
            .any(|f| f.contains(&format!("on :{} ", http.port()))),
        "{fixes:#?}"
    );
}

#[test]
fn a_tls_neighbour_is_named_with_https() {
    let rotel = Rotel::start();
    let certs = crate::support::TestCerts::generate();
    let (_nginx, front) = crate::support::nginx::https_front_to(rotel.http_addr(), &certs.good);
    let closed = closed_port();
    let output = otlp_doctor()
        .env("OTLP_DOCTOR_NEIGHBOUR_PORTS", front.to_string())
        .args(["check", &format!("http://{closed}"), "--format", "json"])
        .output()
        .expect("otlp-doctor runs");
    let report = crate::support::schema::parse_document(
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    );
    let fixes = fixes(root_cause(&report));
    assert_eq!(
        fixes[0],
        format!(
            "OTLP/HTTP answers on :{front} of 127.0.0.1: set OTEL_EXPORTER_OTLP_ENDPOINT=https://127.0.0.1:{front} and OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
        ),
        "{fixes:#?}"
    );
}
