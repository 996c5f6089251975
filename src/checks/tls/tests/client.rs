//! Tests of the pieces other layers reuse: the verified client configuration, the server name,
//! and the "does this port speak TLS" test.

use super::pki::{Ca, Files};
use super::servers::{self, TlsServer};
use crate::checks::tls::speaks_tls;
use crate::transport::tls::{TlsRequest, client_config, server_name};
use std::time::{Duration, SystemTime};

const WAIT: Duration = Duration::from_secs(3);

#[tokio::test]
async fn client_config_connects_to_a_trusted_server() {
    let ca = Ca::new("test CA");
    let files = Files::new();
    let ca_path = files.write("ca.pem", &ca.pem);
    let leaf = ca.localhost();
    let addr = TlsServer::new(&leaf).start().await;
    let request = TlsRequest {
        default_roots: Default::default(),
        accept_ca_as_leaf: false,
        server_name: "localhost",
        ca_file: Some(&ca_path),
        client_identity: None,
        alpn: vec![b"h2".to_vec()],
        require_h2: true,
        timeout: WAIT,
        now: SystemTime::now(),
    };
    let config = client_config(&request).unwrap();
    let tcp = tokio::time::timeout(WAIT, tokio::net::TcpStream::connect(addr))
        .await
        .unwrap()
        .unwrap();
    let connector = tokio_rustls::TlsConnector::from(config);
    let stream = tokio::time::timeout(WAIT, connector.connect(server_name("localhost"), tcp))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));

    let missing = TlsRequest {
        ca_file: Some(std::path::Path::new("/nonexistent/ca.pem")),
        ..request
    };
    let err = client_config(&missing).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}

#[test]
fn server_names() {
    assert_eq!(
        format!("{:?}", server_name("[::1]")),
        format!("{:?}", server_name("::1"))
    );
    assert!(matches!(
        server_name("127.0.0.1"),
        rustls_pki_types::ServerName::IpAddress(_)
    ));
    assert!(matches!(
        server_name("collector.example"),
        rustls_pki_types::ServerName::DnsName(_)
    ));
}

#[tokio::test]
async fn speaks_tls_tells_tls_ports_apart() {
    let ca = Ca::new("test CA");
    let leaf = ca.localhost();
    let tls = TlsServer::new(&leaf).start().await;
    assert!(speaks_tls(tls, "localhost", WAIT).await);
    assert!(!speaks_tls(servers::plaintext_http().await, "localhost", WAIT).await);
    assert!(!speaks_tls(servers::closes_immediately().await, "localhost", WAIT).await);
}
