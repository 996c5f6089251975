//! Loading the user's TLS files: the CA bundle (`--ca-cert`, `OTEL_EXPORTER_OTLP_CERTIFICATE`)
//! into a root store, the client identity (`--client-cert`/`--client-key`,
//! `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`/`OTEL_EXPORTER_OTLP_CLIENT_KEY`) into a rustls
//! certified key, and the default roots (system store plus webpki-roots) when no CA file is
//! given. Every error names the file it is about; none ever quotes key material.

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Why a certificate or key file could not be used. Each variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsFileError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not valid PEM: {detail}", path.display())]
    Pem { path: PathBuf, detail: String },
    #[error("{} contains no PEM certificate (expected -----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificates { path: PathBuf },
    #[error("{} holds a certificate that cannot be used: {detail}", path.display())]
    BadCertificate { path: PathBuf, detail: String },
    #[error("{} contains no PEM private key (expected -----BEGIN PRIVATE KEY-----, RSA or EC)", path.display())]
    NoPrivateKey { path: PathBuf },
    #[error("the private key in {} cannot be used: {detail}", path.display())]
    UnsupportedKey { path: PathBuf, detail: String },
    #[error("the private key in {} does not belong to the certificate in {}", key.display(), cert.display())]
    KeyMismatch { cert: PathBuf, key: PathBuf },
}

impl TlsFileError {
    /// The file the error is about (for a key mismatch, the key file).
    pub fn path(&self) -> &Path {
        match self {
            TlsFileError::Read { path, .. }
            | TlsFileError::Pem { path, .. }
            | TlsFileError::NoCertificates { path }
            | TlsFileError::BadCertificate { path, .. }
            | TlsFileError::NoPrivateKey { path }
            | TlsFileError::UnsupportedKey { path, .. } => path,
            TlsFileError::KeyMismatch { key, .. } => key,
        }
    }
}

/// A client certificate chain with its private key, ready for rustls. Its `Debug` output shows
/// the file names only, never the key.
#[derive(Clone)]
pub struct ClientIdentity {
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    pub(crate) certified: Arc<CertifiedKey>,
}

impl ClientIdentity {
    /// The certificate chain, leaf first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.certified.cert
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("cert_path", &self.cert_path)
            .field("key_path", &self.key_path)
            .field("certificates", &self.certified.cert.len())
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsFileError> {
    std::fs::read(path).map_err(|source| TlsFileError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads every PEM certificate of a file.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsFileError> {
    let bytes = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| TlsFileError::Pem {
            path: path.to_path_buf(),
            detail: err.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsFileError::NoCertificates {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

/// Loads a PEM CA bundle into a root store; these roots replace the defaults, as the
/// OpenTelemetry SDKs do with `OTEL_EXPORTER_OTLP_CERTIFICATE`.
pub fn load_ca_file(path: &Path) -> Result<RootCertStore, TlsFileError> {
    root_store(path, read_certificates(path)?)
}

/// The certificates read from `path` as a root store (`path` names the file in errors).
pub fn root_store(
    path: &Path,
    certificates: Vec<CertificateDer<'static>>,
) -> Result<RootCertStore, TlsFileError> {
    let mut roots = RootCertStore::empty();
    for cert in certificates {
        roots
            .add(cert)
            .map_err(|err| TlsFileError::BadCertificate {
                path: path.to_path_buf(),
                detail: err.to_string(),
            })?;
    }
    Ok(roots)
}

/// Loads a client certificate chain (PEM, leaf first) and its private key (PEM: PKCS#8, PKCS#1
/// or SEC1), and checks that they belong together.
pub fn load_identity(cert: &Path, key: &Path) -> Result<ClientIdentity, TlsFileError> {
    let chain = read_certificates(cert)?;
    let key_bytes = read(key)?;
    // The PEM error text never contains key material, but keep it generic anyway: the key file
    // is a secret and its parse errors are of little use to the reader.
    let private_key = PrivateKeyDer::from_pem_slice(&key_bytes).map_err(|err| match err {
        rustls_pki_types::pem::Error::NoItemsFound => TlsFileError::NoPrivateKey {
            path: key.to_path_buf(),
        },
        _ => TlsFileError::Pem {
            path: key.to_path_buf(),
            detail: "malformed PEM section".into(),
        },
    })?;
    let provider = provider();
    let certified =
        CertifiedKey::from_der(chain, private_key, &provider).map_err(|err| match err {
            rustls::Error::InconsistentKeys(_) => TlsFileError::KeyMismatch {
                cert: cert.to_path_buf(),
                key: key.to_path_buf(),
            },
            other => TlsFileError::UnsupportedKey {
                path: key.to_path_buf(),
                detail: other.to_string(),
            },
        })?;
    Ok(ClientIdentity {
        cert_path: cert.to_path_buf(),
        key_path: key.to_path_buf(),
        certified: Arc::new(certified),
    })
}

/// The crypto provider every TLS config of this program uses.
pub fn provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// The roots used without a CA file: the operating system's store (unreadable entries are
/// skipped) plus the Mozilla roots of webpki-roots. Loaded once per process.
pub fn default_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            let native = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(native.certs);
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            Arc::new(roots)
        })
        .clone()
}

/// The roots trusted without a CA file, of the kind asked for.
pub fn roots_without_ca_file(kind: super::DefaultRoots) -> Arc<RootCertStore> {
    static MOZILLA: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    match kind {
        super::DefaultRoots::Nothing(_) => Arc::new(RootCertStore::empty()),
        super::DefaultRoots::SystemAndMozilla => default_roots(),
        super::DefaultRoots::MozillaOnly => MOZILLA
            .get_or_init(|| {
                let mut roots = RootCertStore::empty();
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                Arc::new(roots)
            })
            .clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_named() {
        let err = load_ca_file(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn file_without_certificates_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "not pem at all\n").unwrap();
        let err = load_ca_file(&path).unwrap_err();
        assert!(matches!(err, TlsFileError::NoCertificates { .. }), "{err}");
        assert_eq!(err.path(), path);
    }

    #[test]
    fn key_mismatch_is_detected_and_key_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let a = rcgen::generate_simple_self_signed(vec!["a".into()]).unwrap();
        let b = rcgen::generate_simple_self_signed(vec!["b".into()]).unwrap();
        let cert = dir.path().join("a.pem");
        let key = dir.path().join("b.key");
        std::fs::write(&cert, a.cert.pem()).unwrap();
        std::fs::write(&key, b.signing_key.serialize_pem()).unwrap();
        let err = load_identity(&cert, &key).unwrap_err();
        assert!(matches!(err, TlsFileError::KeyMismatch { .. }), "{err}");

        std::fs::write(&key, a.signing_key.serialize_pem()).unwrap();
        let identity = load_identity(&cert, &key).unwrap();
        assert_eq!(identity.chain().len(), 1);
        let shown = format!("{identity:?}");
        assert!(!shown.contains("PRIVATE"), "{shown}");
    }
}
