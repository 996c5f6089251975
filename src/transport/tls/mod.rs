//! TLS for outgoing connections: what to connect to and with which files ([`TlsRequest`]), the
//! user's PEM files ([`files`]), and the verified rustls client configuration built from them
//! ([`config`]). Diagnosing a handshake that fails is the `tls` check's job, not this module's.

mod ca_leaf;
mod config;
mod files;

pub use ca_leaf::CaLeafVerifier;
pub use config::{TlsConfigError, client_config, parse_server_name, server_name};
pub use files::{
    ClientIdentity, TlsFileError, default_roots, load_ca_file, load_identity, provider,
    read_certificates, root_store, roots_without_ca_file,
};

use std::path::Path;
use std::time::{Duration, SystemTime};

/// The roots trusted when no CA file is given, as the client being modelled chooses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DefaultRoots {
    /// The operating system's store (which `SSL_CERT_FILE`/`SSL_CERT_DIR` change) plus Mozilla's.
    #[default]
    SystemAndMozilla,
    /// Mozilla's roots only: the bundle that certifi, Node and the JVM ship in some form, which
    /// the system variables do not change.
    MozillaOnly,
    /// No root at all (why, for the evidence): no server certificate can verify.
    Nothing(&'static str),
}

/// What to handshake with, and how.
#[derive(Debug, Clone)]
pub struct TlsRequest<'a> {
    /// Host from the endpoint URL (DNS name or IP literal, brackets allowed), used for SNI and
    /// for verifying the certificate.
    pub server_name: &'a str,
    /// The user's CA bundle (`--ca-cert` / `OTEL_EXPORTER_OTLP_CERTIFICATE`). It replaces the
    /// defaults, as in the SDKs; `None` trusts the system store plus webpki-roots.
    pub ca_file: Option<&'a Path>,
    /// The roots when `ca_file` is `None`.
    pub default_roots: DefaultRoots,
    /// Accept a server certificate that is one of `ca_file`'s, CA:TRUE or not, as OpenSSL, Go
    /// and Java do ([`CaLeafVerifier`]); rustls alone refuses it.
    pub accept_ca_as_leaf: bool,
    /// Client certificate chain PEM and client key PEM, for mutual TLS.
    pub client_identity: Option<(&'a Path, &'a Path)>,
    /// ALPN protocols to offer, e.g. `[h2]` for gRPC, `[h2, http/1.1]` for OTLP/HTTP.
    pub alpn: Vec<Vec<u8>>,
    /// gRPC: the server must select `h2`.
    pub require_h2: bool,
    /// Bounds each handshake (TCP connect included) and each diagnostic step.
    pub timeout: Duration,
    /// The clock used for every date decision (verification and findings).
    pub now: SystemTime,
}
