//! `check` against the real OpenTelemetry Collector's `otlp` receiver (see
//! `support::collector_peer`): healthy over gRPC, HTTP/protobuf and HTTP/JSON, over TLS and
//! mTLS with rcgen certificates, and broken in the ways a Collector itself breaks: wrong
//! certificates, a missing client certificate, the wrong port for the protocol, plaintext to
//! a TLS port, and a memory limiter refusing data.

use crate::check::{assert_healthy, assert_root_cause, check, root_cause};
use crate::support::TestCerts;
use crate::support::collector_peer::CollectorPeer;

const ALL_SIGNALS: &str = "traces,metrics,logs";

#[test]
fn healthy_collector_over_every_protocol() {
    let peer = CollectorPeer::start();
    let (exit, report) = check(&[
        &peer.grpc_url(),
        "--protocol",
        "grpc",
        "--signals",
        ALL_SIGNALS,
    ]);
    assert_healthy(exit, &report);
    for protocol in ["http/protobuf", "http/json"] {
        let (exit, report) = check(&[
            &peer.http_url(),
            "--protocol",
            protocol,
            "--signals",
            ALL_SIGNALS,
        ]);
        assert_healthy(exit, &report);
    }
    // What the probe sent went through the pipelines.
    peer.wait_for_nonzero(
        "otelcol_exporter_sent_spans",
        std::time::Duration::from_secs(5),
    );
}

#[test]
fn the_wrong_port_for_the_protocol_names_the_one_that_works() {
    let peer = CollectorPeer::start();
    let (_, report) = check(&[&peer.http_url(), "--protocol", "grpc"]);
    assert_root_cause(&report, "PROTO_GRPC_TO_HTTP_SERVER");
    let fix = root_cause(&report)["fix"].to_string();
    assert!(
        fix.contains("OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"),
        "{report:#}"
    );
    let (_, report) = check(&[&peer.grpc_url(), "--protocol", "http/protobuf"]);
    assert_root_cause(&report, "PROTO_HTTP_TO_GRPC_SERVER");
    let fix = root_cause(&report)["fix"].to_string();
    assert!(
        fix.contains("OTEL_EXPORTER_OTLP_PROTOCOL=grpc"),
        "{report:#}"
    );
}

#[test]
fn tls_with_a_good_certificate_is_healthy() {
    let certs = TestCerts::generate();
    let ca = certs.ca.to_string_lossy().into_owned();
    let peer = CollectorPeer::builder().tls(&certs.good).start();
    let (exit, report) = check(&[
        &peer.grpc_url(),
        "--protocol",
        "grpc",
        "--ca-cert",
        &ca,
        "--signals",
        ALL_SIGNALS,
    ]);
    assert_healthy(exit, &report);
    let (exit, report) = check(&[&peer.http_url(), "--ca-cert", &ca, "--signals", ALL_SIGNALS]);
    assert_healthy(exit, &report);
}

#[test]
fn certificate_problems_of_the_collector() {
    let certs = TestCerts::generate();
    let ca = certs.ca.to_string_lossy().into_owned();
    let cases = [
        (&certs.expired, "TLS_CERT_EXPIRED"),
        (&certs.not_yet_valid, "TLS_CERT_NOT_YET_VALID"),
        (&certs.wrong_host, "TLS_HOSTNAME_MISMATCH"),
        (&certs.unknown_ca, "TLS_UNKNOWN_CA"),
    ];
    for (cert, code) in cases {
        let peer = CollectorPeer::builder().tls(cert).start();
        let (exit, report) = check(&[&peer.http_url(), "--ca-cert", &ca]);
        assert_eq!(exit, 1, "{code}: {report:#}");
        assert_root_cause(&report, code);
        let (_, report) = check(&[&peer.grpc_url(), "--protocol", "grpc", "--ca-cert", &ca]);
        assert_root_cause(&report, code);
    }
}

#[test]
fn plaintext_to_the_collectors_tls_ports_is_tls_required() {
    let certs = TestCerts::generate();
    let peer = CollectorPeer::builder().tls(&certs.good).start();
    let plain = |url: String| url.replacen("https://", "http://", 1);
    // The gRPC port drops the plaintext preface without a TLS alert; whether the client then
    // sees a close or a broken pipe is a race, so ask a few times.
    for _ in 0..5 {
        let (_, report) = check(&[&plain(peer.grpc_url()), "--protocol", "grpc"]);
        assert_root_cause(&report, "TLS_REQUIRED");
    }
    let (_, report) = check(&[&plain(peer.http_url())]);
    assert_root_cause(&report, "TLS_REQUIRED");
}

#[test]
fn mtls_needs_a_client_certificate_the_collector_trusts() {
    let certs = TestCerts::generate();
    let ca = certs.ca.to_string_lossy().into_owned();
    let peer = CollectorPeer::builder()
        .mtls(&certs.good, &certs.client_ca)
        .start();
    let client = |pair: &crate::support::CertPair| {
        (
            pair.cert.to_string_lossy().into_owned(),
            pair.key.to_string_lossy().into_owned(),
        )
    };
    let (cert, key) = client(&certs.client);
    let (untrusted_cert, untrusted_key) = client(&certs.client_untrusted);
    for (url, protocol) in [
        (peer.grpc_url(), "grpc"),
        (peer.http_url(), "http/protobuf"),
    ] {
        let (_, report) = check(&[&url, "--protocol", protocol, "--ca-cert", &ca]);
        assert_root_cause(&report, "TLS_CLIENT_CERT_REQUIRED");

        let (exit, report) = check(&[
            &url,
            "--protocol",
            protocol,
            "--ca-cert",
            &ca,
            "--client-cert",
            &cert,
            "--client-key",
            &key,
            "--signals",
            ALL_SIGNALS,
        ]);
        assert_healthy(exit, &report);

        let (_, report) = check(&[
            &url,
            "--protocol",
            protocol,
            "--ca-cert",
            &ca,
            "--client-cert",
            &untrusted_cert,
            "--client-key",
            &untrusted_key,
        ]);
        assert_root_cause(&report, "TLS_HANDSHAKE_FAILED");
        let rejected = root_cause(&report);
        assert_eq!(
            rejected["title"], "the server rejected our client certificate",
            "{protocol}: {report:#}"
        );
        assert!(
            rejected["evidence"].to_string().contains("UnknownCA"),
            "{protocol}: {report:#}"
        );
    }
}

#[test]
fn a_refusing_memory_limiter_is_seen_by_the_sender() {
    let peer = CollectorPeer::builder().memory_limit_mib(2, 1).start();
    peer.wait_for_status(
        &format!("{}?verbose", peer.health_v2_url()),
        500,
        std::time::Duration::from_secs(5),
    );
    for (url, protocol) in [
        (peer.grpc_url(), "grpc"),
        (peer.http_url(), "http/protobuf"),
    ] {
        let (_, report) = check(&[&url, "--protocol", protocol]);
        assert_root_cause(&report, "EXPORT_UNAVAILABLE");
        let first = root_cause(&report).to_string();
        assert!(
            first.contains("data refused due to high memory usage"),
            "{protocol}: {report:#}"
        );
        let cause = root_cause(&report);
        assert!(
            cause["title"].to_string().contains("memory_limiter"),
            "{protocol}: {report:#}"
        );
        assert!(
            cause["fix"][0].to_string().contains("limit_mib"),
            "{protocol}: the first fix is the memory limiter's: {report:#}"
        );
    }
}

/// A Collector whose OTLP/HTTP receiver serves traces on its own path answers the standard
/// paths with Go's plain 404: the diagnosis says it may be such a Collector, and where to look,
/// instead of calling the server no OTLP receiver at all.
#[test]
fn a_custom_traces_url_path_is_named_as_a_collector_setting() {
    use crate::support::collector_peer::otelcol_doctor;
    use crate::support::collector_process::{
        OtlpReceiver, peer_dir, start_collector, with_port_retries,
    };
    let dir = peer_dir("otelcol-custom-path");
    let (_collector, receiver) = with_port_retries("otelcol-doctor", || {
        let receiver = OtlpReceiver::pick();
        let config = format!(
            "receivers:
  otlp:
    protocols:
      http:
        endpoint: {}
        traces_url_path: /custom/traces
exporters:
  debug: {{}}
service:
  telemetry: {{metrics: {{level: none}}}}
  pipelines:
    traces: {{receivers: [otlp], exporters: [debug]}}
",
            receiver.http
        );
        start_collector(
            "otelcol-doctor",
            &otelcol_doctor(),
            dir.path(),
            &config,
            &[receiver.http],
            std::time::Duration::from_secs(20),
        )
        .map(|process| (process, receiver))
    });
    let (_, report) = check(&[&receiver.http_url(), "--signals", "traces"]);
    assert_root_cause(&report, "PROTO_PATH_NOT_FOUND");
    let cause = root_cause(&report);
    assert!(
        cause["fix"][0].to_string().contains("traces_url_path"),
        "{report:#}"
    );
    // The custom path itself works.
    let url = format!("{}/custom/traces", receiver.http_url());
    let output = crate::support::otlp_doctor()
        .args(["check", "--signals", "traces", "--format", "json"])
        .env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &url)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .output()
        .expect("otlp-doctor runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let exported = report["findings"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f["code"] == "EXPORT_OK"));
    assert!(exported, "{report:#}");
}
