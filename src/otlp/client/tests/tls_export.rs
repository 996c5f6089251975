//! Both transports over TLS through the dialer: `https` as the gRPC scheme with our own TLS
//! connection under tonic, and ALPN choosing the server's protocol.

use super::peers::tls_server;
use super::*;
use rustls_pki_types::{CertificateDer, ServerName};
use std::sync::Arc;

fn tls_dialer(address: SocketAddr, trusted: CertificateDer<'static>) -> Dialer {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted).expect("a valid certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("default versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Dialer::Tls {
        address,
        config: Arc::new(config),
        server_name: ServerName::try_from("localhost")
            .expect("a valid name")
            .to_owned(),
    }
}

#[tokio::test]
async fn grpc_over_tls_reaches_the_collector() {
    bounded(async {
        let peer = tls_server().await;
        let server = &peer.server;
        let dialer = tls_dialer(server.address, peer.cert.clone());
        let authority = format!("localhost:{}", server.address.port());
        let probe = ProbeData::new();
        let request = trace_request(&probe);
        let answer = send_via(
            &dialer,
            &authority,
            Protocol::Grpc,
            "",
            Compression::None,
            TIMEOUT,
            &request,
        )
        .await;
        assert!(
            matches!(answer.outcome, Outcome::Grpc { code: 0, .. }),
            "{:?}",
            answer.outcome
        );
        let seen = peer.seen.lock().expect("not poisoned").clone();
        assert_eq!(seen.len(), 1);
        // tonic's own TLS is bypassed, yet the request still says it is https.
        assert_eq!(
            peer.schemes.lock().expect("not poisoned").clone(),
            vec!["https".to_string()]
        );
        assert_eq!(seen[0].token.as_deref(), Some("secret"));
        assert_eq!(hex::encode(&seen[0].trace_ids[0]), probe.trace_id_hex());

        // This server does not enable gzip: tonic answers UNIMPLEMENTED.
        let answer = send_via(
            &dialer,
            &authority,
            Protocol::Grpc,
            "",
            Compression::Gzip,
            TIMEOUT,
            &request,
        )
        .await;
        assert_eq!(
            answer.outcome,
            Outcome::Grpc {
                code: tonic::Code::Unimplemented as i32,
                message: "Content is compressed with `gzip` which isn't supported".to_string(),
                retry_delay: None,
                partial: None,
            }
        );
    })
    .await;
}

#[tokio::test]
async fn http_over_tls_reaches_the_receiver() {
    bounded(async {
        let peer = tls_server().await;
        let server = &peer.server;
        let dialer = tls_dialer(server.address, peer.cert.clone());
        let answer = send_via(
            &dialer,
            &format!("localhost:{}", server.address.port()),
            Protocol::HttpProtobuf,
            "/partial",
            Compression::None,
            TIMEOUT,
            &trace_request(&ProbeData::new()),
        )
        .await;
        let Outcome::Http {
            status, partial, ..
        } = answer.outcome
        else {
            panic!("expected an HTTP answer, got {:?}", answer.outcome);
        };
        assert_eq!(status, 200);
        assert_eq!(partial.map(|p| p.rejected), Some(2));
    })
    .await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_transport_failure() {
    bounded(async {
        let peer = tls_server().await;
        let server = &peer.server;
        let other = tls_server().await;
        let dialer = tls_dialer(server.address, other.cert.clone());
        let answer = send_via(
            &dialer,
            &format!("localhost:{}", server.address.port()),
            Protocol::Grpc,
            "",
            Compression::None,
            TIMEOUT,
            &trace_request(&ProbeData::new()),
        )
        .await;
        let Outcome::Transport {
            error, timed_out, ..
        } = answer.outcome
        else {
            panic!("expected a transport failure, got {:?}", answer.outcome);
        };
        assert!(!timed_out);
        assert!(error.contains("invalid peer certificate"), "{error}");
    })
    .await;
}
