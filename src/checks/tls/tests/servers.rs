//! Throwaway servers on 127.0.0.1 for the probe tests: a tokio-rustls server with a chosen
//! certificate, ALPN, versions and client authentication, a plaintext HTTP server, and one that
//! closes every connection at once. Every wait is bounded; the tasks end with the runtime.

use super::pki::{Ca, Leaf};
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const WAIT: Duration = Duration::from_secs(5);

/// How the TLS test server is set up.
pub struct TlsServer<'a> {
    pub chain: Vec<&'a Leaf>,
    pub alpn: Vec<&'static [u8]>,
    /// Require a client certificate issued by this CA.
    pub client_ca: Option<&'a Ca>,
    pub tls12_only: bool,
}

impl<'a> TlsServer<'a> {
    pub fn new(leaf: &'a Leaf) -> Self {
        TlsServer {
            chain: vec![leaf],
            alpn: vec![b"h2", b"http/1.1"],
            client_ca: None,
            tls12_only: false,
        }
    }

    pub async fn start(self) -> SocketAddr {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions: &[&rustls::SupportedProtocolVersion] = if self.tls12_only {
            &[&rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS13, &rustls::version::TLS12]
        };
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .unwrap();
        let builder = match self.client_ca {
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                roots.add(ca.der()).unwrap();
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .unwrap();
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let chain = self.chain.iter().map(|leaf| leaf.der.clone()).collect();
        let mut config = builder
            .with_single_cert(chain, self.chain[0].key())
            .unwrap();
        config.alpn_protocols = self.alpn.iter().map(|p| p.to_vec()).collect();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        serve(move |tcp| {
            let acceptor = acceptor.clone();
            async move {
                let Ok(Ok(mut tls)) = tokio::time::timeout(WAIT, acceptor.accept(tcp)).await else {
                    return;
                };
                // Hold the connection open until the client goes away (bounded).
                let mut buf = [0u8; 1024];
                while let Ok(Ok(1..)) = tokio::time::timeout(WAIT, tls.read(&mut buf)).await {}
            }
        })
        .await
    }
}

/// A plaintext server that answers anything with an HTTP/1.1 400.
pub async fn plaintext_http() -> SocketAddr {
    serve(|mut tcp| async move {
        let mut buf = [0u8; 4096];
        let _ = tokio::time::timeout(WAIT, tcp.read(&mut buf)).await;
        let _ = tcp.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        let _ = tcp.shutdown().await;
        // Let the client read the reply before the socket is dropped.
        let _ = tokio::time::timeout(WAIT, tcp.read(&mut buf)).await;
    })
    .await
}

/// A server that closes every connection as soon as it accepts it.
pub async fn closes_immediately() -> SocketAddr {
    serve(|tcp| async move { drop(tcp) }).await
}

/// A server that accepts and never answers.
pub async fn silent() -> SocketAddr {
    serve(|mut tcp| async move {
        let mut buf = [0u8; 4096];
        while let Ok(Ok(1..)) = tokio::time::timeout(WAIT, tcp.read(&mut buf)).await {}
    })
    .await
}

async fn serve<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(handle(tcp));
        }
    });
    addr
}
