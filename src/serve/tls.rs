//! `serve --tls`: a CA and a server certificate for localhost made on the fly (rcgen), the CA
//! written to a file the user points their SDK at, and the acceptor for both listeners.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::io;
use std::path::PathBuf;

/// The server's certificate chain and key, PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerTls {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerTls { .. }")
    }
}

/// What `--tls` made: the server identity and where its CA was written.
pub struct TlsFiles {
    pub server: ServerTls,
    pub ca_path: PathBuf,
}

/// The names the certificate is valid for: what a local app uses to reach `serve`.
const SERVER_NAMES: &[&str] = &["localhost", "127.0.0.1", "::1"];

pub fn generate() -> io::Result<TlsFiles> {
    let failed =
        |e: rcgen::Error| io::Error::other(format!("cannot create the TLS certificate: {e}"));
    let ca_key = KeyPair::generate().map_err(failed)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    ca_params.distinguished_name = name("otlp-doctor serve CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(failed)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().map_err(failed)?;
    let mut params = CertificateParams::new(
        SERVER_NAMES
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )
    .map_err(failed)?;
    params.distinguished_name = name("localhost");
    let cert = params.signed_by(&key, &issuer).map_err(failed)?;

    let dir = std::env::temp_dir().join(format!("otlp-doctor-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, ca_cert.pem())?;
    Ok(TlsFiles {
        server: ServerTls {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        },
        ca_path,
    })
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

/// A rustls acceptor for the HTTP listener, offering h2 and http/1.1.
pub fn acceptor(tls: &ServerTls) -> io::Result<tokio_rustls::TlsAcceptor> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let invalid = |e: rustls_pki_types::pem::Error| io::Error::other(e.to_string());
    let certs = CertificateDer::pem_slice_iter(tls.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let key = PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes()).map_err(invalid)?;
    let mut config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(io::Error::other)?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config)))
}

/// tonic builds its server config from rustls' process-wide provider, which rustls cannot pick
/// by itself when the dependency graph enables more than one; we use ring everywhere.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
