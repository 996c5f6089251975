//! The verified TLS client configuration every outgoing connection uses (the protocol and
//! export checks, `send`, `load`, the Collector and backend fetches): the user's CA file or the
//! default roots, the optional client identity, the ALPN list, and the server name to verify.

use super::TlsRequest;
use super::ca_leaf::CaLeafVerifier;
use super::files::{
    TlsFileError, load_identity, provider, read_certificates, root_store, roots_without_ca_file,
};
use rustls::ClientConfig;
use rustls::SignatureScheme;
use rustls::client::danger::ServerCertVerifier;
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{InvalidDnsNameError, ServerName};
use std::fmt;
use std::sync::Arc;

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
    let (roots, anchors) = match request.ca_file {
        Some(path) => {
            let certificates = read_certificates(path)?;
            (
                Arc::new(root_store(path, certificates.clone())?),
                certificates,
            )
        }
        None => (roots_without_ca_file(request.default_roots), Vec::new()),
    };
    let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|err| TlsConfigError::Rustls(err.to_string()))?;
    let verifier: Arc<dyn ServerCertVerifier> = if request.accept_ca_as_leaf {
        Arc::new(CaLeafVerifier::new(verifier, anchors))
    } else {
        verifier
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| TlsConfigError::Rustls(err.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match request.client_identity {
        Some((cert, key)) => {
            let identity = load_identity(cert, key)?;
            builder.with_client_cert_resolver(Arc::new(FixedIdentity(identity.certified)))
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = request.alpn.clone();
    Ok(Arc::new(config))
}

/// The SNI / verification name for an endpoint host (DNS name or IP literal, brackets allowed).
pub fn parse_server_name(host: &str) -> Result<ServerName<'static>, InvalidDnsNameError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_string())
}

/// Like [`parse_server_name`], for callers past the probe (which already reported a host that
/// is not a valid name): such a host becomes `0.0.0.0`, which no certificate is valid for.
pub fn server_name(host: &str) -> ServerName<'static> {
    parse_server_name(host)
        .unwrap_or_else(|_| ServerName::IpAddress(std::net::IpAddr::from([0u8, 0, 0, 0]).into()))
}

/// Answers every CertificateRequest with the configured identity, whichever CAs the server
/// names: the server, not this client, judges whether the certificate is acceptable.
struct FixedIdentity(Arc<CertifiedKey>);

impl fmt::Debug for FixedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key.
        f.debug_struct("FixedIdentity").finish_non_exhaustive()
    }
}

impl ResolvesClientCert for FixedIdentity {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}
