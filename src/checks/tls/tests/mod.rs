//! End-to-end tests of [`probe`](super::probe) against real servers on 127.0.0.1 with rcgen
//! certificates: one test per finding, asserting the code and the key fact in its evidence.

mod client;
mod pki;
mod servers;

use super::{TlsOutcome, probe};
use crate::report::{CheckStatus, Code, Finding, Severity};
use crate::transport::tls::TlsRequest;
use pki::{Ca, DAY, Files, Leaf, now};
use servers::TlsServer;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, SystemTime};

struct Ask<'a> {
    name: &'a str,
    ca: Option<&'a Path>,
    identity: Option<(&'a Path, &'a Path)>,
    alpn: Vec<Vec<u8>>,
    require_h2: bool,
    timeout: Duration,
}

impl<'a> Ask<'a> {
    fn grpc(ca: Option<&'a Path>) -> Self {
        Ask {
            name: "localhost",
            ca,
            identity: None,
            alpn: vec![b"h2".to_vec()],
            require_h2: true,
            timeout: Duration::from_secs(3),
        }
    }

    async fn run(self, addr: SocketAddr) -> TlsOutcome {
        let request = TlsRequest {
            default_roots: Default::default(),
            accept_ca_as_leaf: false,
            server_name: self.name,
            ca_file: self.ca,
            client_identity: self.identity,
            alpn: self.alpn,
            require_h2: self.require_h2,
            timeout: self.timeout,
            now: SystemTime::now(),
        };
        tokio::time::timeout(Duration::from_secs(20), probe(addr, &request))
            .await
            .expect("the probe is bounded")
    }
}

fn find(outcome: &TlsOutcome, code: Code) -> &Finding {
    outcome
        .findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", outcome.findings))
}

fn mentions(finding: &Finding, needle: &str) -> bool {
    finding.evidence.iter().any(|line| line.contains(needle))
}

fn codes(outcome: &TlsOutcome) -> Vec<Code> {
    outcome.findings.iter().map(|f| f.code).collect()
}

/// A test CA, its PEM file, and a server certificate it issued.
fn setup() -> (Ca, Files, std::path::PathBuf) {
    let ca = Ca::new("test CA");
    let files = Files::new();
    let ca_path = files.write("ca.pem", &ca.pem);
    (ca, files, ca_path)
}

#[tokio::test]
async fn good_server_passes_with_h2() {
    let (ca, _files, ca_path) = setup();
    let leaf = ca.localhost();
    let addr = TlsServer::new(&leaf).start().await;
    let outcome = Ask::grpc(Some(&ca_path)).run(addr).await;
    assert_eq!(outcome.status, CheckStatus::Pass, "{outcome:#?}");
    assert!(outcome.findings.is_empty(), "{:#?}", outcome.findings);
    let session = outcome.session.as_ref().unwrap();
    assert_eq!(session.alpn.as_deref(), Some("h2"));
    assert!(outcome.stream.is_some());
    assert!(!outcome.client_cert_requested);
    assert!(
        outcome
            .summary
            .contains("CN=localhost issued by CN=test CA"),
        "{}",
        outcome.summary
    );
    assert!(
        outcome.summary.starts_with("TLSv1.3 TLS13_"),
        "{}",
        outcome.summary
    );
    assert!(outcome.chain[0].sans.contains(&"DNS:localhost".to_string()));

    let by_ip = Ask {
        name: "127.0.0.1",
        ..Ask::grpc(Some(&ca_path))
    }
    .run(addr)
    .await;
    assert_eq!(by_ip.status, CheckStatus::Pass, "{by_ip:#?}");
}

#[tokio::test]
async fn expired_certificate() {
    let (ca, _files, ca_path) = setup();
    let leaf = ca.issue(
        "localhost",
        &["localhost"],
        now() - 30 * DAY,
        now() - 2 * DAY,
        false,
    );
    let addr = TlsServer::new(&leaf).start().await;
    let outcome = Ask::grpc(Some(&ca_path)).run(addr).await;
    assert_eq!(outcome.status, CheckStatus::Fail);
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsCertExpired],
        "{:#?}",
        outcome.findings
    );
    let finding = find(&outcome, Code::TlsCertExpired);
    assert!(
        mentions(finding, &outcome.chain[0].not_after),
        "{finding:#?}"
    );
    assert!(mentions(finding, "2 days ago"), "{finding:#?}");
    assert!(outcome.stream.is_none() && outcome.session.is_none());
}

#[tokio::test]
async fn not_yet_valid_certificate() {
    let (ca, _files, ca_path) = setup();
    let leaf = ca.issue(
        "localhost",
        &["localhost"],
        now() + 2 * DAY,
        now() + 30 * DAY,
        false,
    );
    let addr = TlsServer::new(&leaf).start().await;
    let outcome = Ask::grpc(Some(&ca_path)).run(addr).await;
    assert_eq!(outcome.status, CheckStatus::Fail);
    assert_eq!(
        outcome.findings[0].code,
        Code::TlsCertNotYetValid,
        "{:#?}",
        outcome.findings
    );
    assert!(
        mentions(&outcome.findings[0], &outcome.chain[0].not_before),
        "{:#?}",
        outcome.findings[0]
    );
}

#[tokio::test]
async fn certificate_expiring_soon_is_a_warning() {
    let (ca, _files, ca_path) = setup();
    let leaf = ca.issue(
        "localhost",
        &["localhost"],
        now() - DAY,
        now() + 3 * DAY,
        false,
    );
    let addr = TlsServer::new(&leaf).start().await;
    let outcome = Ask::grpc(Some(&ca_path)).run(addr).await;
    assert_eq!(outcome.status, CheckStatus::Warn, "{outcome:#?}");
    let finding = find(&outcome, Code::TlsCertExpiresSoon);
    assert_eq!(finding.severity, Severity::Warning);
    assert!(mentions(finding, "in 3 days"), "{finding:#?}");
    assert!(
        mentions(finding, &outcome.chain[0].not_after),
        "{finding:#?}"
    );
    assert!(outcome.stream.is_some());
}

#[tokio::test]
async fn wrong_host_name_and_no_h2_from_the_diagnostic_handshake() {
    let (ca, _files, ca_path) = setup();
    let leaf = ca.issue(
        "other.example",
        &["other.example"],
        now() - DAY,
        now() + 365 * DAY,
        false,
    );
    let server = TlsServer {
        alpn: vec![b"http/1.1"],
        ..TlsServer::new(&leaf)
    };
    let addr = server.start().await;
    let alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let outcome = Ask {
        alpn,
        ..Ask::grpc(Some(&ca_path))
    }
    .run(addr)
    .await;
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsHostnameMismatch, Code::TlsNoH2Alpn],
        "{:#?}",
        outcome.findings
    );
    let finding = &outcome.findings[0];
    assert!(mentions(finding, "DNS:other.example"), "{finding:#?}");
    assert!(mentions(finding, "we asked for: localhost"), "{finding:#?}");
    assert!(
        finding.fix.iter().any(|f| f.contains("other.example")),
        "{finding:#?}"
    );
    assert!(outcome.stream.is_none());
}

#[tokio::test]
async fn unknown_ca() {
    let (_ca, _files, ca_path) = setup();
    let rogue = Ca::new("rogue CA");
    let leaf = rogue.localhost();
    let addr = TlsServer::new(&leaf).start().await;
    let outcome = Ask::grpc(Some(&ca_path)).run(addr).await;
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsUnknownCa],
        "{:#?}",
        outcome.findings
    );
    let finding = &outcome.findings[0];
    assert!(mentions(finding, "CN=rogue CA"), "{finding:#?}");
    assert!(
        mentions(finding, "CN=test CA"),
        "trusted roots are listed: {finding:#?}"
    );
    assert!(
        finding
            .fix
            .iter()
            .any(|f| f.contains("--ca-cert") && f.contains("CN=rogue CA")),
        "{finding:#?}"
    );
}

#[tokio::test]
async fn self_signed_certificate_with_default_roots() {
    let leaf = Leaf::self_signed_localhost();
    let addr = TlsServer::new(&leaf).start().await;
    let outcome = Ask::grpc(None).run(addr).await;
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsUnknownCa],
        "{:#?}",
        outcome.findings
    );
    let finding = &outcome.findings[0];
    assert!(finding.title.contains("self-signed"), "{finding:#?}");
    assert!(
        mentions(finding, "single self-signed certificate"),
        "{finding:#?}"
    );
    assert!(mentions(finding, "system store"), "{finding:#?}");
}

#[tokio::test]
async fn expired_certificate_from_unknown_ca_reports_both_root_cause_first() {
    let (_ca, _files, ca_path) = setup();
    let rogue = Ca::new("rogue CA");
    let leaf = rogue.issue(
        "localhost",
        &["localhost"],
        now() - 30 * DAY,
        now() - DAY,
        false,
    );
    let addr = TlsServer::new(&leaf).start().await;
    let outcome = Ask::grpc(Some(&ca_path)).run(addr).await;
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsCertExpired, Code::TlsUnknownCa],
        "{:#?}",
        outcome.findings
    );
    assert!(
        outcome
            .findings
            .iter()
            .all(|f| f.severity == Severity::Error)
    );
}

#[tokio::test]
async fn client_certificate_required_tls13_without_identity() {
    let (ca, _files, ca_path) = setup();
    let leaf = ca.localhost();
    let addr = TlsServer {
        client_ca: Some(&ca),
        ..TlsServer::new(&leaf)
    }
    .start()
    .await;
    let outcome = Ask::grpc(Some(&ca_path)).run(addr).await;
    assert!(outcome.client_cert_requested);
    assert_eq!(outcome.status, CheckStatus::Fail, "{outcome:#?}");
    let finding = find(&outcome, Code::TlsClientCertRequired);
    assert_eq!(finding.severity, Severity::Error);
    assert!(mentions(finding, "CertificateRequired"), "{finding:#?}");
    assert!(
        mentions(finding, "CN=test CA"),
        "acceptable issuers are listed: {finding:#?}"
    );
    assert!(
        finding
            .fix
            .iter()
            .any(|f| f.contains("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"))
    );
    assert!(
        outcome.stream.is_none(),
        "a stream the server refused is not handed on"
    );
}

#[tokio::test]
async fn expired_certificate_on_a_server_that_wants_a_client_certificate() {
    let (ca, _files, ca_path) = setup();
    let leaf = ca.issue(
        "localhost",
        &["localhost"],
        now() - 30 * DAY,
        now() - 2 * DAY,
        false,
    );
    for tls12_only in [false, true] {
        let addr = TlsServer {
            client_ca: Some(&ca),
            tls12_only,
            ..TlsServer::new(&leaf)
        }
        .start()
        .await;
        let outcome = Ask::grpc(Some(&ca_path)).run(addr).await;
        assert_eq!(
            codes(&outcome),
            vec![Code::TlsCertExpired, Code::TlsClientCertRequired],
            "{:#?}",
            outcome.findings
        );
        assert_eq!(outcome.findings[1].severity, Severity::Warning);
        assert!(outcome.client_cert_requested);
    }
}

#[tokio::test]
async fn client_certificate_required_tls12_without_identity() {
    let (ca, _files, ca_path) = setup();
    let leaf = ca.localhost();
    let addr = TlsServer {
        client_ca: Some(&ca),
        tls12_only: true,
        ..TlsServer::new(&leaf)
    }
    .start()
    .await;
    let outcome = Ask::grpc(Some(&ca_path)).run(addr).await;
    assert!(outcome.client_cert_requested);
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsClientCertRequired],
        "{:#?}",
        outcome.findings
    );
    assert_eq!(outcome.findings[0].severity, Severity::Error);
    assert!(
        mentions(&outcome.findings[0], "alert"),
        "{:#?}",
        outcome.findings[0]
    );
}

#[tokio::test]
async fn client_certificate_required_with_identity_passes() {
    let (ca, files, ca_path) = setup();
    let leaf = ca.localhost();
    let client = ca.issue(
        "otel client",
        &["client.local"],
        now() - DAY,
        now() + 365 * DAY,
        true,
    );
    let cert = files.write("client.pem", &client.cert_pem);
    let key = files.write("client.key", &client.key_pem);
    let addr = TlsServer {
        client_ca: Some(&ca),
        ..TlsServer::new(&leaf)
    }
    .start()
    .await;
    let outcome = Ask {
        identity: Some((&cert, &key)),
        ..Ask::grpc(Some(&ca_path))
    }
    .run(addr)
    .await;
    assert_eq!(outcome.status, CheckStatus::Pass, "{outcome:#?}");
    assert!(outcome.client_cert_requested);
    assert!(outcome.findings.is_empty(), "{:#?}", outcome.findings);
    assert!(outcome.stream.is_some());
}

#[tokio::test]
async fn client_certificate_from_wrong_ca_is_rejected() {
    let (ca, files, ca_path) = setup();
    let leaf = ca.localhost();
    let client = Ca::new("other client CA").issue(
        "otel client",
        &["client.local"],
        now() - DAY,
        now() + 365 * DAY,
        true,
    );
    let cert = files.write("client.pem", &client.cert_pem);
    let key = files.write("client.key", &client.key_pem);
    let addr = TlsServer {
        client_ca: Some(&ca),
        ..TlsServer::new(&leaf)
    }
    .start()
    .await;
    let outcome = Ask {
        identity: Some((&cert, &key)),
        ..Ask::grpc(Some(&ca_path))
    }
    .run(addr)
    .await;
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsHandshakeFailed],
        "{:#?}",
        outcome.findings
    );
    assert!(
        outcome.findings[0]
            .title
            .contains("rejected our client certificate")
    );
    assert!(
        mentions(&outcome.findings[0], "CN=other client CA"),
        "{:#?}",
        outcome.findings[0]
    );
}

#[tokio::test]
async fn server_without_h2_alpn() {
    let (ca, _files, ca_path) = setup();
    let leaf = ca.localhost();
    let addr = TlsServer {
        alpn: vec![b"http/1.1"],
        ..TlsServer::new(&leaf)
    }
    .start()
    .await;
    let outcome = Ask {
        alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        ..Ask::grpc(Some(&ca_path))
    }
    .run(addr)
    .await;
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsNoH2Alpn],
        "{:#?}",
        outcome.findings
    );
    assert!(
        mentions(&outcome.findings[0], "selected: http/1.1"),
        "{:#?}",
        outcome.findings[0]
    );
    assert_eq!(outcome.status, CheckStatus::Fail);

    // Offered only h2, a server without it may abort the handshake (rustls does).
    let outcome = Ask::grpc(Some(&ca_path)).run(addr).await;
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsNoH2Alpn],
        "{:#?}",
        outcome.findings
    );
    assert!(
        mentions(&outcome.findings[0], "NoApplicationProtocol"),
        "{:#?}",
        outcome.findings[0]
    );

    let none = TlsServer {
        alpn: vec![],
        ..TlsServer::new(&leaf)
    }
    .start()
    .await;
    let outcome = Ask::grpc(Some(&ca_path)).run(none).await;
    assert!(
        mentions(find(&outcome, Code::TlsNoH2Alpn), "none"),
        "{:#?}",
        outcome.findings
    );

    let http = Ask {
        require_h2: false,
        ..Ask::grpc(Some(&ca_path))
    }
    .run(none)
    .await;
    assert_eq!(http.status, CheckStatus::Pass, "{http:#?}");
}

#[tokio::test]
async fn plaintext_server() {
    let addr = servers::plaintext_http().await;
    let outcome = Ask::grpc(None).run(addr).await;
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsServerIsPlaintext],
        "{:#?}",
        outcome.findings
    );
    let finding = &outcome.findings[0];
    assert!(
        mentions(finding, "HTTP/1.1 400 Bad Request\\r\\n"),
        "{finding:#?}"
    );
    assert!(finding.fix.iter().any(|f| f.contains("http://")));
}

#[tokio::test]
async fn server_closing_at_once() {
    let addr = servers::closes_immediately().await;
    let outcome = Ask::grpc(None).run(addr).await;
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsHandshakeFailed],
        "{:#?}",
        outcome.findings
    );
    let finding = &outcome.findings[0];
    assert!(
        mentions(finding, "tls handshake eof")
            || mentions(finding, "reset")
            || mentions(finding, "closed"),
        "{finding:#?}"
    );
}

#[tokio::test]
async fn silent_server_times_out() {
    let addr = servers::silent().await;
    let outcome = Ask {
        timeout: Duration::from_millis(500),
        ..Ask::grpc(None)
    }
    .run(addr)
    .await;
    assert_eq!(
        codes(&outcome),
        vec![Code::TlsHandshakeFailed],
        "{:#?}",
        outcome.findings
    );
    assert!(
        outcome.findings[0].title.contains("timed out"),
        "{:#?}",
        outcome.findings[0]
    );
    assert!(
        mentions(&outcome.findings[0], "never answered"),
        "{:#?}",
        outcome.findings[0]
    );
}

#[tokio::test]
async fn unreadable_ca_file_skips() {
    let outcome = Ask::grpc(Some(Path::new("/nonexistent/ca.pem")))
        .run("127.0.0.1:9".parse().unwrap())
        .await;
    assert_eq!(outcome.status, CheckStatus::Skip);
    assert!(
        outcome.summary.contains("/nonexistent/ca.pem"),
        "{}",
        outcome.summary
    );
    assert!(outcome.findings.is_empty());
}
