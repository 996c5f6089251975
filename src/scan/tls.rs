//! What a TLS port presents: one handshake that accepts any certificate (scan explores; judging
//! the certificate is `check`'s job) to read the negotiated version and ALPN and the chain, and
//! the same unverified client configuration for the requests that then find out what the port
//! speaks.

use crate::checks::tls::CertSummary;
use crate::transport::dialer::{ALPN_H2, ALPN_HTTP1};
use crate::transport::tls::{provider, server_name};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpStream;

/// What the handshake showed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TlsFacts {
    /// `TLSv1.3` or `TLSv1.2`.
    pub version: String,
    /// The ALPN protocol the server chose from `h2, http/1.1`, if any.
    pub alpn: Option<String>,
    /// The leaf certificate's subject.
    pub subject: String,
    /// The names it is valid for (`DNS:…`, `IP:…`).
    pub names: Vec<String>,
    pub issuer: String,
    /// RFC 3339, UTC.
    pub not_after: String,
    /// Whole days until it expires (negative once expired).
    pub expires_in_days: i64,
    pub self_signed: bool,
}

impl TlsFacts {
    /// `TLSv1.3, CN=localhost (DNS:localhost), expires in 364 days`.
    pub fn describe(&self) -> String {
        let names = if self.names.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.names.join(", "))
        };
        let expiry = match self.expires_in_days {
            days if days < 0 => format!("expired {} days ago", -days),
            days => format!("expires in {days} days"),
        };
        format!("{}, {}{names}, {expiry}", self.version, self.subject)
    }
}

/// A client configuration that accepts any certificate, offering `alpn`.
pub fn any_certificate(alpn: &[&[u8]]) -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = Arc::new(provider());
    let schemes = provider
        .signature_verification_algorithms
        .supported_schemes();
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(schemes)))
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// One handshake with `address`, `None` when it does not complete within `timeout` (a server
/// that demands a client certificate, say: the port still speaks TLS, the facts are unknown).
pub async fn handshake(address: SocketAddr, host: &str, timeout: Duration) -> Option<TlsFacts> {
    let connector = tokio_rustls::TlsConnector::from(any_certificate(&[ALPN_H2, ALPN_HTTP1]).ok()?);
    let work = async {
        let tcp = TcpStream::connect(address).await.ok()?;
        connector.connect(server_name(host), tcp).await.ok()
    };
    let stream = tokio::time::timeout(timeout, work).await.ok()??;
    let (_, session) = stream.get_ref();
    let leaf = session
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(CertSummary::parse);
    let version = session
        .protocol_version()
        .and_then(|v| v.as_str())
        .map(|v| v.replace("TLSv1_", "TLSv1."))
        .unwrap_or_else(|| "TLS".into());
    let alpn = session
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Some(match leaf {
        Some(leaf) => TlsFacts {
            version,
            alpn,
            subject: leaf.label(),
            names: leaf.sans.clone(),
            issuer: leaf.issuer.clone(),
            not_after: leaf.not_after.clone(),
            expires_in_days: (leaf.not_after_unix - now).div_euclid(86_400),
            self_signed: leaf.self_signed,
        },
        None => TlsFacts {
            version,
            alpn,
            subject: "(no certificate read)".into(),
            names: Vec::new(),
            issuer: String::new(),
            not_after: String::new(),
            expires_in_days: 0,
            self_signed: false,
        },
    })
}

/// Accepts every certificate and signature: only for looking.
#[derive(Debug)]
struct AnyCertificate(Vec<SignatureScheme>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.clone()
    }
}
