//! A rustls client (ring provider) for poking at the TLS fronts directly,
//! independent of the code under test.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::certs::CertPair;

/// Deadline for one TCP connect + TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// A client config trusting only `ca` (PEM), offering `alpn` (e.g. `[b"h2", b"http/1.1"]`),
/// presenting `client_cert` when given.
pub fn client_config(
    ca: &Path,
    alpn: &[&[u8]],
    client_cert: Option<&CertPair>,
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca)
        .unwrap_or_else(|e| panic!("open CA {}: {e}", ca.display()))
    {
        let cert = cert.unwrap_or_else(|e| panic!("parse CA {}: {e}", ca.display()));
        roots
            .add(cert)
            .unwrap_or_else(|e| panic!("add CA {} to root store: {e}", ca.display()));
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring provider supports the default TLS versions")
    .with_root_certificates(roots);
    let mut config = match client_cert {
        None => builder.with_no_client_auth(),
        Some(pair) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&pair.cert)
                .unwrap_or_else(|e| panic!("open client cert {}: {e}", pair.cert.display()))
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("parse client cert {}: {e}", pair.cert.display()));
            let key = PrivateKeyDer::from_pem_file(&pair.key)
                .unwrap_or_else(|e| panic!("read client key {}: {e}", pair.key.display()));
            builder
                .with_client_auth_cert(chain, key)
                .expect("client cert and key match")
        }
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// TCP connect + TLS handshake to `addr` with SNI/verification name `server_name`,
/// bounded by [`HANDSHAKE_TIMEOUT`].
pub async fn connect(
    addr: SocketAddr,
    server_name: &str,
    config: Arc<rustls::ClientConfig>,
) -> io::Result<TlsStream<TcpStream>> {
    let name = ServerName::try_from(server_name.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let fut = async {
        let tcp = TcpStream::connect(addr).await?;
        TlsConnector::from(config).connect(name, tcp).await
    };
    tokio::time::timeout(HANDSHAKE_TIMEOUT, fut)
        .await
        .map_err(|_| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!("TLS handshake with {addr} timed out"),
            )
        })?
}

/// The negotiated ALPN protocol, e.g. `Some(b"h2")`.
pub fn alpn(stream: &TlsStream<TcpStream>) -> Option<Vec<u8>> {
    stream.get_ref().1.alpn_protocol().map(|p| p.to_vec())
}

/// The rustls error inside an I/O error from [`connect`], if any.
pub fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}
