//! `otlp-doctor scan` against real peers on free ports (named with `--only --ports`): rotel's
//! two OTLP ports, an nginx TLS front, the real Collector's receiver, health_check (v1 and v2),
//! internal metrics, zpages and pprof ports, Jaeger's OTLP and query ports, a real Zipkin, a silent
//! port and a closed one, each identified, in bounded time.

use crate::support::collector_peer::{CollectorPeer, OTELCOL_VERSION};
use crate::support::nginx::https_front_to;
use crate::support::{Jaeger, Rotel, SilentServer, TestCerts, closed_port, otlp_doctor};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Runs `scan 127.0.0.1 --only --ports PORTS --format json` and returns the document.
fn scan(ports: &[u16]) -> Value {
    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
    let started = Instant::now();
    let output = otlp_doctor()
        .args([
            "scan",
            "127.0.0.1",
            "--only",
            "--timeout",
            "2s",
            "--format",
            "json",
        ])
        .args(["--ports", &list.join(",")])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("otlp-doctor runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // Every step of every port is bounded by the 2 s timeout, and the ports run at once.
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    crate::support::schema::parse_document(
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    )
}

fn port(document: &Value, number: u16) -> &Value {
    document["ports"]
        .as_array()
        .and_then(|ports| ports.iter().find(|p| p["port"] == number))
        .unwrap_or_else(|| panic!("port {number} missing: {document:#}"))
}

fn speaks(document: &Value, number: u16) -> &str {
    port(document, number)["speaks"]
        .as_str()
        .unwrap_or("(none)")
}

#[test]
fn scan_names_rotels_ports_an_nginx_tls_front_a_silent_and_a_closed_port() {
    let rotel = Rotel::start();
    let certs = TestCerts::generate();
    let (_nginx, front) = https_front_to(rotel.http_addr(), &certs.good);
    let silent = SilentServer::start();
    let closed = closed_port();
    let (grpc, http) = (rotel.grpc_addr().port(), rotel.http_addr().port());
    let document = scan(&[grpc, http, front, silent.addr().port(), closed.port()]);

    let grpc_port = port(&document, grpc);
    assert_eq!(speaks(&document, grpc), "otlp-grpc", "{document:#}");
    assert_eq!(grpc_port["tls"], false);
    assert_eq!(
        grpc_port["signals"],
        serde_json::json!(["traces", "metrics", "logs"])
    );
    assert_eq!(
        grpc_port["configure"],
        format!(
            "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{grpc} OTEL_EXPORTER_OTLP_PROTOCOL=grpc"
        )
    );
    assert_eq!(speaks(&document, http), "otlp-http", "{document:#}");
    assert_eq!(
        port(&document, http)["configure"],
        format!(
            "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{http} OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
        )
    );

    let tls = port(&document, front);
    assert_eq!(speaks(&document, front), "otlp-http", "{document:#}");
    assert_eq!(tls["tls"], true);
    let handshake = &tls["handshake"];
    assert!(
        handshake["names"]
            .as_array()
            .is_some_and(|n| n.contains(&Value::from("DNS:localhost"))),
        "{handshake:#}"
    );
    assert!(
        handshake["expires_in_days"].as_i64().is_some_and(|d| d > 0),
        "{handshake:#}"
    );
    assert!(
        tls["configure"]
            .as_str()
            .is_some_and(|c| c.starts_with(&format!(
                "OTEL_EXPORTER_OTLP_ENDPOINT=https://127.0.0.1:{front} "
            ))),
        "{tls:#}"
    );

    assert_eq!(
        speaks(&document, silent.addr().port()),
        "silent",
        "{document:#}"
    );
    assert_eq!(port(&document, closed.port())["state"], "closed");
}

#[test]
fn scan_names_the_collectors_receiver_health_metrics_zpages_and_pprof_ports() {
    let collector = CollectorPeer::start();
    let port_of = |url: &str| -> u16 {
        url.rsplit(':')
            .next()
            .and_then(|tail| tail.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {url}"))
    };
    let grpc = port_of(&collector.grpc_url());
    let http = port_of(&collector.http_url());
    let health_v1 = port_of(&collector.health_v1_url());
    let health_v2 = port_of(&collector.health_v2_url());
    let metrics = port_of(&collector.metrics_url());
    let zpages = collector.zpages_addr().port();
    let pprof = collector.pprof_addr().port();
    let document = scan(&[grpc, http, health_v1, health_v2, metrics, zpages, pprof]);

    assert_eq!(speaks(&document, grpc), "otlp-grpc", "{document:#}");
    assert_eq!(speaks(&document, http), "otlp-http", "{document:#}");
    assert_eq!(
        speaks(&document, health_v1),
        "health-check-v1",
        "{document:#}"
    );
    assert_eq!(
        speaks(&document, health_v2),
        "health-check-v2",
        "{document:#}"
    );
    assert_eq!(
        speaks(&document, metrics),
        "prometheus-metrics",
        "{document:#}"
    );
    assert_eq!(
        port(&document, metrics)["version"],
        OTELCOL_VERSION,
        "{document:#}"
    );
    assert_eq!(speaks(&document, zpages), "zpages", "{document:#}");
    assert_eq!(speaks(&document, pprof), "pprof", "{document:#}");
}

#[test]
fn scan_names_jaegers_otlp_and_query_ports() {
    let jaeger = Jaeger::start();
    let port_of = |url: String| -> u16 {
        url.rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {url}"))
    };
    let grpc = port_of(jaeger.otlp_grpc_url());
    let http = port_of(jaeger.otlp_http_url());
    let query = port_of(jaeger.query_url());
    let document = scan(&[grpc, http, query]);
    assert_eq!(speaks(&document, grpc), "otlp-grpc", "{document:#}");
    assert_eq!(speaks(&document, http), "otlp-http", "{document:#}");
    assert_eq!(speaks(&document, query), "jaeger-query", "{document:#}");
}

#[test]
fn scan_prints_a_table_with_the_line_to_configure() {
    let rotel = Rotel::start();
    let grpc = rotel.grpc_addr().port();
    let output = otlp_doctor()
        .args(["scan", "127.0.0.1", "--only", "--ports", &grpc.to_string()])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("OTLP/gRPC"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{grpc} OTEL_EXPORTER_OTLP_PROTOCOL=grpc"
        )),
        "{stdout}"
    );
}

#[test]
fn scan_of_a_host_that_does_not_resolve_exits_2() {
    let output = otlp_doctor()
        .args(["scan", "no-such-host.invalid", "--only", "--ports", "4317"])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("otlp-doctor runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot resolve no-such-host.invalid")
    );
}

#[test]
fn scan_names_a_real_zipkin() {
    let zipkin = crate::support::Zipkin::start();
    let port: u16 = zipkin
        .url()
        .rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("no port in {}", zipkin.url()));
    let document = scan(&[port]);
    assert_eq!(
        speaks(&document, port),
        "zipkin",
        "{document:#}\n{}",
        zipkin.log_tail(20)
    );
}

#[test]
fn scan_of_a_url_instead_of_a_host_exits_2_saying_what_to_give() {
    let output = otlp_doctor()
        .args(["scan", "http://localhost:4317"])
        .output()
        .expect("otlp-doctor runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("give the host only"), "{stderr}");
    assert!(output.stdout.is_empty());
}
