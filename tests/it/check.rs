//! `check` against real peers on 127.0.0.1: rotel as a healthy gRPC and HTTP collector, nginx as
//! a TLS front with generated certificates, raw TCP servers that misbehave, and closed ports.
//! Every network code of issue 3 is produced here by at least one test.

use crate::support::{
    ClosingServer, GarbageServer, Nginx, Rotel, SilentServer, TestCerts, Upstream, closed_port,
    free_port, otlp_doctor, tls_front,
};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// Runs `otlp-doctor check ARGS --format json` and returns the exit code and the report.
pub fn check(args: &[&str]) -> (i32, Value) {
    let output = otlp_doctor()
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("otlp-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = crate::support::schema::parse_document(
        &stdout,
        &format!("stderr:\n{}", String::from_utf8_lossy(&output.stderr)),
    );
    (output.status.code().unwrap_or(-1), report)
}

pub fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| f["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The root cause: the first finding, which must be an error.
pub fn root_cause(report: &Value) -> &Value {
    let first = &report["findings"][0];
    assert_eq!(
        first["severity"], "error",
        "first finding is not an error: {report:#}"
    );
    first
}

pub fn assert_root_cause(report: &Value, code: &str) {
    assert_eq!(root_cause(report)["code"], code, "{report:#}");
    assert_eq!(report["verdict"], "broken");
}

/// A healthy endpoint: no error and no warning.
pub fn assert_healthy(exit: i32, report: &Value) {
    let bad: Vec<&Value> = report["findings"]
        .as_array()
        .map(|f| f.iter().filter(|f| f["severity"] != "info").collect())
        .unwrap_or_default();
    assert!(bad.is_empty(), "expected no error or warning: {report:#}");
    assert_eq!(
        (exit, report["verdict"].as_str()),
        (0, Some("healthy")),
        "{report:#}"
    );
}

fn evidence(finding: &Value) -> String {
    finding["evidence"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn fix(finding: &Value) -> String {
    finding["fix"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[test]
fn healthy_rotel_over_every_protocol() {
    let rotel = Rotel::start();
    let (exit, report) = check(&[
        &rotel.grpc_url(),
        "--protocol",
        "grpc",
        "--signals",
        "traces,metrics,logs",
    ]);
    assert_healthy(exit, &report);
    for protocol in ["http/protobuf", "http/json"] {
        let (exit, report) = check(&[
            &rotel.http_url(),
            "--protocol",
            protocol,
            "--signals",
            "traces,metrics,logs",
        ]);
        assert_healthy(exit, &report);
    }
}

#[test]
fn nothing_listening_is_connection_refused() {
    let address = closed_port();
    let (exit, report) = check(&[&format!("http://{address}")]);
    assert_eq!(exit, 1);
    assert_root_cause(&report, "NET_CONN_REFUSED");
    let skipped: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "skip")
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        skipped.contains(&"protocol"),
        "later layers are skipped, not failed: {report:#}"
    );
    assert_eq!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .count(),
        1,
        "one root cause"
    );
}

#[test]
fn a_silent_server_is_an_export_timeout_bounded_by_the_timeout() {
    let server = SilentServer::start();
    let started = Instant::now();
    let (_, report) = check(&[&format!("http://{}", server.addr()), "--timeout", "1s"]);
    assert_root_cause(&report, "EXPORT_TIMEOUT");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_server_that_is_not_http_is_not_otlp() {
    let server = GarbageServer::start();
    for protocol in ["grpc", "http/protobuf"] {
        let (_, report) = check(&[&format!("http://{}", server.addr()), "--protocol", protocol]);
        assert_root_cause(&report, "PROTO_NOT_OTLP");
        assert!(
            evidence(root_cause(&report)).contains("SSH-2.0"),
            "{report:#}"
        );
    }
}

#[test]
fn grpc_to_the_http_port_names_the_protocol_that_works() {
    let rotel = Rotel::start();
    let (_, report) = check(&[&rotel.http_url(), "--protocol", "grpc"]);
    assert_root_cause(&report, "PROTO_GRPC_TO_HTTP_SERVER");
    assert!(
        fix(root_cause(&report)).contains("OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"),
        "{report:#}"
    );
}

#[test]
fn http_to_the_grpc_port_names_the_protocol_that_works() {
    let rotel = Rotel::start();
    let (_, report) = check(&[&rotel.grpc_url()]);
    assert_root_cause(&report, "PROTO_HTTP_TO_GRPC_SERVER");
    assert!(
        fix(root_cause(&report)).contains("OTEL_EXPORTER_OTLP_PROTOCOL=grpc"),
        "{report:#}"
    );
}

#[test]
fn https_to_a_plaintext_port() {
    let rotel = Rotel::start();
    let (_, report) = check(&[
        &format!("https://{}", rotel.grpc_addr()),
        "--protocol",
        "grpc",
    ]);
    assert_root_cause(&report, "TLS_SERVER_IS_PLAINTEXT");
    let (_, report) = check(&[&format!("https://{}", rotel.http_addr())]);
    assert_root_cause(&report, "TLS_SERVER_IS_PLAINTEXT");
}

#[test]
fn a_peer_that_hangs_up_on_the_client_hello() {
    let server = ClosingServer::start();
    let (_, report) = check(&[&format!("https://{}", server.addr())]);
    assert_root_cause(&report, "TLS_HANDSHAKE_FAILED");
}

#[test]
fn an_unresolvable_host_name() {
    // A label over 63 bytes is refused by the resolver library itself: no query leaves the machine.
    let host = format!("{}.test", "a".repeat(70));
    let (_, report) = check(&[&format!("http://{host}:4318")]);
    assert_root_cause(&report, "NET_DNS_FAILED");
}

#[test]
fn a_full_accept_queue_is_a_connect_timeout() {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    socket
        .bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .expect("addr")
                .into(),
        )
        .expect("bind");
    socket.listen(0).expect("listen");
    let address = socket
        .local_addr()
        .expect("addr")
        .as_socket()
        .expect("inet");
    // Fill the accept queue; the kernel then drops further SYNs, so connects hang.
    let _held: Vec<std::net::TcpStream> = (0..4)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).ok()
        })
        .collect();
    let (_, report) = check(&[&format!("http://{address}"), "--timeout", "1s"]);
    assert_root_cause(&report, "NET_CONN_TIMEOUT");
}

/// nginx terminating TLS in front of rotel.
struct TlsFront {
    _rotel: Rotel,
    _nginx: Nginx,
    url: String,
}

fn tls_front_to_rotel(
    certs: &TestCerts,
    cert: &crate::support::CertPair,
    grpc: bool,
    http2: bool,
    client_ca: Option<&Path>,
) -> TlsFront {
    let rotel = Rotel::start();
    let port = free_port();
    let (upstream, kind) = if grpc {
        (rotel.grpc_addr(), Upstream::Grpc)
    } else {
        (rotel.http_addr(), Upstream::Http)
    };
    let nginx = Nginx::start(&tls_front(
        port, &cert.cert, &cert.key, upstream, kind, http2, client_ca,
    ));
    let _ = certs;
    TlsFront {
        _rotel: rotel,
        _nginx: nginx,
        url: format!("https://127.0.0.1:{port}"),
    }
}

#[test]
fn tls_front_with_a_good_certificate_is_healthy() {
    let certs = TestCerts::generate();
    let ca = certs.ca.to_string_lossy().into_owned();
    let grpc = tls_front_to_rotel(&certs, &certs.good, true, true, None);
    let (exit, report) = check(&[&grpc.url, "--protocol", "grpc", "--ca-cert", &ca]);
    assert_healthy(exit, &report);
    let http = tls_front_to_rotel(&certs, &certs.good, false, false, None);
    let (exit, report) = check(&[&http.url, "--ca-cert", &ca]);
    assert_healthy(exit, &report);
}

#[test]
fn certificate_problems_behind_nginx() {
    let certs = TestCerts::generate();
    let ca = certs.ca.to_string_lossy().into_owned();
    let cases = [
        (&certs.expired, "TLS_CERT_EXPIRED"),
        (&certs.not_yet_valid, "TLS_CERT_NOT_YET_VALID"),
        (&certs.wrong_host, "TLS_HOSTNAME_MISMATCH"),
        (&certs.unknown_ca, "TLS_UNKNOWN_CA"),
    ];
    for (cert, code) in cases {
        let front = tls_front_to_rotel(&certs, cert, false, false, None);
        let (exit, report) = check(&[&front.url, "--ca-cert", &ca]);
        assert_eq!(exit, 1);
        assert_root_cause(&report, code);
    }
    let mismatch = tls_front_to_rotel(&certs, &certs.wrong_host, false, false, None);
    let (_, report) = check(&[&mismatch.url, "--ca-cert", &ca]);
    assert!(
        evidence(root_cause(&report)).contains("wrong.example.test"),
        "names the cert holds: {report:#}"
    );
}

#[test]
fn a_certificate_expiring_soon_is_a_warning() {
    let certs = TestCerts::generate();
    let ca = certs.ca.to_string_lossy().into_owned();
    let front = tls_front_to_rotel(&certs, &certs.expiring_soon, false, false, None);
    let (exit, report) = check(&[&front.url, "--ca-cert", &ca]);
    assert_eq!(
        (exit, report["verdict"].as_str()),
        (0, Some("degraded")),
        "{report:#}"
    );
    assert!(codes(&report).contains(&"TLS_CERT_EXPIRES_SOON".to_string()));
}

#[test]
fn a_required_client_certificate_is_named_even_though_nginx_answers_http_400() {
    let certs = TestCerts::generate();
    let ca = certs.ca.to_string_lossy().into_owned();
    let front = tls_front_to_rotel(&certs, &certs.good, false, false, Some(&certs.client_ca));
    let (_, report) = check(&[&front.url, "--ca-cert", &ca]);
    assert_root_cause(&report, "TLS_CLIENT_CERT_REQUIRED");
    let cert = certs.client.cert.to_string_lossy().into_owned();
    let key = certs.client.key.to_string_lossy().into_owned();
    let (exit, report) = check(&[
        &front.url,
        "--ca-cert",
        &ca,
        "--client-cert",
        &cert,
        "--client-key",
        &key,
    ]);
    assert_healthy(exit, &report);
}

/// nginx with `ssl_verify_client on` completes the handshake whatever the client sends and then
/// answers 400, over HTTP/1.1 and over gRPC alike: a missing certificate and one from another
/// CA are TLS findings that outrank what the protocol layer made of that 400.
#[test]
fn client_certificate_problems_behind_nginx_are_tls_root_causes_over_grpc_and_http() {
    let certs = TestCerts::generate();
    let ca = certs.ca.to_string_lossy().into_owned();
    let cert = certs.client_untrusted.cert.to_string_lossy().into_owned();
    let key = certs.client_untrusted.key.to_string_lossy().into_owned();
    for (grpc, protocol) in [(true, "grpc"), (false, "http/protobuf")] {
        let front = tls_front_to_rotel(&certs, &certs.good, grpc, grpc, Some(&certs.client_ca));
        let base = [front.url.as_str(), "--protocol", protocol, "--ca-cert", &ca];
        let (exit, report) = check(&base);
        assert_eq!(exit, 1, "{protocol}: {report:#}");
        assert_root_cause(&report, "TLS_CLIENT_CERT_REQUIRED");
        let mut other_ca = base.to_vec();
        other_ca.extend(["--client-cert", &cert, "--client-key", &key]);
        let (exit, report) = check(&other_ca);
        assert_eq!(exit, 1, "{protocol}: {report:#}");
        assert_root_cause(&report, "TLS_HANDSHAKE_FAILED");
        let cause = root_cause(&report);
        assert_eq!(
            cause["title"], "the server rejected our client certificate",
            "{protocol}: {report:#}"
        );
        assert!(
            cause["evidence"]
                .to_string()
                .contains("The SSL certificate error"),
            "{protocol}: {report:#}"
        );
    }
}

#[test]
fn a_ca_file_with_the_right_name_but_another_key_is_a_rotated_ca() {
    let certs = TestCerts::generate();
    let rotated = certs.rotated_ca.to_string_lossy().into_owned();
    let front = tls_front_to_rotel(&certs, &certs.good, false, false, None);
    let (exit, report) = check(&[&front.url, "--ca-cert", &rotated]);
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "TLS_CA_KEY_MISMATCH");
    let evidence = root_cause(&report)["evidence"].to_string();
    assert!(
        evidence.contains("signed by key id") && evidence.contains("has key id"),
        "{report:#}"
    );
    assert!(
        !codes(&report).contains(&"TLS_UNKNOWN_CA".to_string()),
        "{report:#}"
    );
}

/// `openssl req -x509`'s CA:TRUE certificate as the server's: OpenSSL, Go and Java accept it (a
/// warning: the Rust SDK on the same endpoint fails); rustls, the Rust SDK's, refuses it.
#[test]
fn a_self_signed_ca_certificate_as_server_certificate_is_judged_as_the_sdk_does() {
    let certs = TestCerts::generate();
    let self_signed = certs.self_signed_ca.cert.to_string_lossy().into_owned();
    let front = tls_front_to_rotel(&certs, &certs.self_signed_ca, false, false, None);
    let args = [front.url.as_str(), "--ca-cert", self_signed.as_str()];

    let (exit, report) = check(&[&args[..], &["--sdk", "go"]].concat());
    assert_eq!(
        (exit, report["verdict"].as_str()),
        (0, Some("degraded")),
        "{report:#}"
    );
    let warning = report["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == "TLS_CA_AS_SERVER_CERT"))
        .unwrap_or_else(|| panic!("no TLS_CA_AS_SERVER_CERT: {report:#}"));
    assert_eq!(warning["severity"], "warning", "{report:#}");
    let export = report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "export"))
        .unwrap_or_else(|| panic!("no export layer: {report:#}"));
    assert_eq!(export["status"], "pass", "{report:#}");

    let (exit, report) = check(&[&args[..], &["--sdk", "rust"]].concat());
    assert_eq!(exit, 1, "{report:#}");
    assert_root_cause(&report, "TLS_CA_AS_SERVER_CERT");
    assert!(fix(root_cause(&report)).contains("CA:FALSE"), "{report:#}");

    // Not trusted at all: every SDK fails for that first ("self-signed certificate" in
    // OpenSSL's words), though rustls alone names the CA flag; trusting it is the fix.
    for sdk in ["python", "rust"] {
        let url = front.url.as_str();
        let (exit, report) = check(&[url, "--protocol", "http/protobuf", "--sdk", sdk]);
        assert_eq!(exit, 1, "{sdk}: {report:#}");
        assert_root_cause(&report, "TLS_UNKNOWN_CA");
        let ca_flag = report["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["code"] == "TLS_CA_AS_SERVER_CERT"))
            .unwrap_or_else(|| panic!("{sdk}: no TLS_CA_AS_SERVER_CERT: {report:#}"));
        assert_eq!(ca_flag["severity"], "warning", "{sdk}: {report:#}");
    }
}

#[test]
fn grpc_through_tls_without_h2() {
    let certs = TestCerts::generate();
    let ca = certs.ca.to_string_lossy().into_owned();
    let front = tls_front_to_rotel(&certs, &certs.good, false, false, None);
    let (_, report) = check(&[&front.url, "--protocol", "grpc", "--ca-cert", &ca]);
    assert_root_cause(&report, "TLS_NO_H2_ALPN");
}

#[test]
fn plaintext_to_a_tls_port_is_tls_required() {
    let certs = TestCerts::generate();
    let grpc = tls_front_to_rotel(&certs, &certs.good, true, true, None);
    let plain = grpc.url.replacen("https://", "http://", 1);
    let (_, report) = check(&[&plain, "--protocol", "grpc"]);
    assert_root_cause(&report, "TLS_REQUIRED");
    let http = tls_front_to_rotel(&certs, &certs.good, false, false, None);
    let plain = http.url.replacen("https://", "http://", 1);
    let (_, report) = check(&[&plain]);
    assert_root_cause(&report, "TLS_REQUIRED");
    assert!(fix(root_cause(&report)).contains("https://"), "{report:#}");
}

#[test]
fn a_server_that_resets_connections() {
    use socket2::Socket;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("addr");
    listener.set_nonblocking(false).expect("blocking");
    let server = std::thread::spawn(move || {
        // Reset every connection the moment a request arrives (SO_LINGER 0, then close).
        for _ in 0..4 {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
            let mut buffer = [0u8; 16];
            let _ = std::io::Read::read(&mut &stream, &mut buffer);
            let socket = Socket::from(stream);
            let _ = socket.set_linger(Some(Duration::ZERO));
        }
    });
    let (_, report) = check(&[&format!("http://{address}"), "--timeout", "2s"]);
    assert_root_cause(&report, "NET_CONN_RESET");
    drop(server);
}
