//! The TLS check: handshakes with the endpoint the way an OTLP exporter would (SNI, ALPN, the
//! configured CA file or the default roots, the optional client identity) and, when that fails,
//! finds out exactly why: expired or not-yet-valid certificates, a name mismatch, an unknown CA,
//! a required client certificate, a missing `h2` ALPN, a plaintext server, or any other
//! handshake failure, each as a finding with evidence and a fix. On success it hands the
//! verified stream to the next layer.
//!
//! How the probe uses the network (every step bounded by [`TlsRequest::timeout`](crate::transport::tls::TlsRequest::timeout)):
//! 1. one TCP connection to the given address and a fully verified handshake; the chain the
//!    server presented is recorded even when verification fails;
//! 2. only if the certificate was rejected: a second, diagnostic handshake with verification off
//!    to learn the ALPN and client-auth facts the aborted one never reached (its stream is
//!    dropped, never handed out);
//! 3. only if the server asked for a client certificate in a TLS 1.3 handshake that completed:
//!    a second verified handshake whose stream is read briefly to see whether the server then
//!    rejects the client authentication with an alert (the client finishes its side of a TLS 1.3
//!    handshake before the server judges its certificate).

mod certinfo;
mod diagnose;
mod findings;
mod handshake;
mod recorder;
mod run;
mod speaks_tls;

#[cfg(test)]
mod tests;

use crate::report::{CheckStatus, Finding};
use crate::transport::tls::TlsRequest;
use serde::Serialize;
use std::net::SocketAddr;
use tokio::net::TcpStream;

pub use certinfo::CertSummary;
pub use speaks_tls::speaks_tls;

/// The server refused the client certificate we sent after a completed handshake (the
/// protocol layer saw it in the answer).
pub fn client_cert_rejected_after_handshake(reaction: &str) -> crate::report::Finding {
    findings::client_cert_rejected(reaction, None, &[])
}

/// What was negotiated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// `TLSv1.3` or `TLSv1.2`.
    pub version: String,
    /// e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// The ALPN protocol the server selected, if any (`h2`, `http/1.1`).
    pub alpn: Option<String>,
}

/// The result of [`probe`].
#[derive(Debug)]
pub struct TlsOutcome {
    pub status: CheckStatus,
    /// One line, e.g. `TLSv1.3 TLS13_AES_256_GCM_SHA384, ALPN h2, CN=localhost issued by CN=test CA`.
    pub summary: String,
    /// All with check id `tls`; on failure the root cause comes first.
    pub findings: Vec<Finding>,
    /// Set only when the verified handshake completed.
    pub session: Option<SessionInfo>,
    /// The chain the server presented, leaf first (also when verification failed).
    pub chain: Vec<CertSummary>,
    /// The server sent a CertificateRequest during the handshake.
    pub client_cert_requested: bool,
    /// The verified, established stream for the next layer. `None` when verification failed, and
    /// also when the server was seen rejecting the client authentication right after the
    /// handshake (the stream would be dead). Present even with other error findings (such as
    /// `TLS_NO_H2_ALPN`) since the handshake itself is sound.
    pub stream: Option<tokio_rustls::client::TlsStream<TcpStream>>,
}

/// Handshakes with `addr` (as resolved by the TCP layer) and diagnoses the result. The probe
/// opens its own TCP connections (one, or two when a diagnostic handshake is needed), each
/// connect plus handshake bounded by `request.timeout`.
///
/// A CA or identity file that cannot be loaded makes the check `Skip` with no finding: the
/// config layer reports it (`CFG_CERT_FILE_UNREADABLE`, via
/// [`crate::transport::tls::load_ca_file`] and [`crate::transport::tls::load_identity`]).
pub async fn probe(addr: SocketAddr, request: &TlsRequest<'_>) -> TlsOutcome {
    run::run(addr, request).await
}

impl TlsOutcome {
    /// An outcome without any handshake.
    fn without_handshake(status: CheckStatus, summary: String, findings: Vec<Finding>) -> Self {
        TlsOutcome {
            status,
            summary,
            findings,
            session: None,
            chain: Vec::new(),
            client_cert_requested: false,
            stream: None,
        }
    }
}
