//! The TLS client pieces the layers after this one reuse for their own connections: the
//! verified client configuration (same roots, identity and ALPN as the probe), the server name,
//! and a quick test of whether a port answers a ClientHello with TLS at all (for the protocol
//! layer, to tell a TLS port from a server that just hangs up).

use super::files::{TlsFileError, default_roots, load_ca_file, load_identity, provider};
use super::handshake::{Mode, Setup};
use super::recorder::{ClientCertRecorder, Observations};
use super::{ALPN_H2, ALPN_HTTP1, TlsRequest};
use crate::checks::wire::{self, Reply};
use rustls::ClientConfig;
use rustls::client::WebPkiServerVerifier;
use rustls_pki_types::{InvalidDnsNameError, ServerName, UnixTime};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Why no client configuration could be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    #[error(transparent)]
    File(#[from] TlsFileError),
    #[error("cannot build the tls client configuration: {0}")]
    Rustls(String),
}

/// A verified client configuration for `request`: its CA file (else the system store plus
/// webpki-roots), its client identity, its ALPN list. Verification uses the real clock (not
/// `request.now`). Callers may replace `alpn_protocols` on a clone.
pub fn client_config(request: &TlsRequest<'_>) -> Result<Arc<ClientConfig>, TlsConfigError> {
    let provider = Arc::new(provider());
    let roots = match request.ca_file {
        Some(path) => Arc::new(load_ca_file(path)?),
        None => default_roots(),
    };
    let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|err| TlsConfigError::Rustls(err.to_string()))?;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| TlsConfigError::Rustls(err.to_string()))?
        .with_webpki_verifier(verifier);
    let mut config = match request.client_identity {
        Some((cert, key)) => {
            let identity = load_identity(cert, key)?;
            let resolver = ClientCertRecorder::new(
                Some(identity.certified),
                Arc::new(Observations::default()),
            );
            builder.with_client_cert_resolver(Arc::new(resolver))
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = request.alpn.clone();
    Ok(Arc::new(config))
}

/// The SNI / verification name for an endpoint host (DNS name or IP literal, brackets allowed).
pub(super) fn parse_server_name(host: &str) -> Result<ServerName<'static>, InvalidDnsNameError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_string())
}

/// Like [`parse_server_name`], for callers past the probe (which already reported a host that
/// is not a valid name): such a host becomes `0.0.0.0`, which no certificate is valid for.
pub fn server_name(host: &str) -> ServerName<'static> {
    parse_server_name(host)
        .unwrap_or_else(|_| ServerName::IpAddress(std::net::IpAddr::from([0u8, 0, 0, 0]).into()))
}

/// Whether the server at `address` answers a ClientHello with TLS (a handshake record or an
/// alert), within `timeout`. No certificate is verified; nothing is kept.
pub async fn speaks_tls(address: SocketAddr, host: &str, timeout: Duration) -> bool {
    let setup = Setup {
        addr: address,
        server_name: server_name(host),
        provider: Arc::new(provider()),
        verifier: None,
        identity: None,
        alpn: vec![ALPN_H2.to_vec(), ALPN_HTTP1.to_vec()],
        now: UnixTime::now(),
        timeout,
    };
    let attempt = setup.attempt(Mode::Diagnostic).await;
    attempt.result.is_ok() || wire::classify(&attempt.observed.first_bytes) == Reply::Tls
}
