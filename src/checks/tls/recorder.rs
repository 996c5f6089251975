//! The hooks rustls calls during a handshake, used as recorders: a server certificate verifier
//! that keeps the presented chain (even when it rejects it) and the error it returned, and a
//! client certificate resolver that notes the server sent a CertificateRequest (and which CAs it
//! said it accepts). What they saw is read back as an [`Observed`] snapshot.

use rustls::DigitallySignedStruct;
use rustls::SignatureScheme;
use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// What one handshake revealed, filled in by the hooks while it runs.
#[derive(Debug, Default)]
pub(super) struct Observations {
    inner: Mutex<Observed>,
    client_cert_requested: AtomicBool,
}

/// A copy of the observations, taken after the handshake ended.
#[derive(Debug, Default, Clone)]
pub(super) struct Observed {
    /// The chain the server presented, leaf first; empty if it never got that far.
    pub chain: Vec<CertificateDer<'static>>,
    /// The error our verifier returned for that chain.
    pub verify_error: Option<rustls::Error>,
    pub client_cert_requested: bool,
    /// DER distinguished names from the CertificateRequest (CAs the server accepts).
    pub acceptable_issuers: Vec<Vec<u8>>,
    /// The first bytes the server sent, peeked before rustls read them.
    pub first_bytes: Vec<u8>,
}

impl Observations {
    pub fn snapshot(&self) -> Observed {
        let mut observed = self.lock().clone();
        observed.client_cert_requested = self.client_cert_requested.load(Ordering::SeqCst);
        observed
    }

    pub fn set_first_bytes(&self, bytes: &[u8]) {
        self.lock().first_bytes = bytes.to_vec();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Observed> {
        // A poisoned lock only means a hook panicked; the data is still worth reading.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Verifies like its inner verifier (rustls' `WebPkiServerVerifier`, or the CA-leaf leniency
/// over it; with our injectable clock), or not at all for
/// the diagnostic handshake, and records the chain either way.
pub(super) struct RecordingVerifier {
    /// `None`: accept anything (diagnosis only; such a stream is never handed out).
    inner: Option<Arc<dyn ServerCertVerifier>>,
    schemes: Vec<SignatureScheme>,
    now: UnixTime,
    observations: Arc<Observations>,
}

impl RecordingVerifier {
    pub fn new(
        inner: Option<Arc<dyn ServerCertVerifier>>,
        schemes: Vec<SignatureScheme>,
        now: UnixTime,
        observations: Arc<Observations>,
    ) -> Self {
        RecordingVerifier {
            inner,
            schemes,
            now,
            observations,
        }
    }
}

impl fmt::Debug for RecordingVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingVerifier")
            .field("verifying", &self.inner.is_some())
            .finish()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = match &self.inner {
            Some(inner) => inner.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                self.now,
            ),
            None => Ok(ServerCertVerified::assertion()),
        };
        let mut observed = self.observations.lock();
        observed.chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|cert| cert.clone().into_owned())
            .collect();
        observed.verify_error = result.as_ref().err().cloned();
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.inner {
            Some(inner) => inner.verify_tls12_signature(message, cert, dss),
            None => Ok(HandshakeSignatureValid::assertion()),
        }
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.inner {
            Some(inner) => inner.verify_tls13_signature(message, cert, dss),
            None => Ok(HandshakeSignatureValid::assertion()),
        }
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

/// Answers a CertificateRequest with the configured identity (or none), noting that it came.
pub(super) struct ClientCertRecorder {
    identity: Option<Arc<CertifiedKey>>,
    observations: Arc<Observations>,
}

impl ClientCertRecorder {
    pub fn new(identity: Option<Arc<CertifiedKey>>, observations: Arc<Observations>) -> Self {
        ClientCertRecorder {
            identity,
            observations,
        }
    }
}

impl fmt::Debug for ClientCertRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the key.
        f.debug_struct("ClientCertRecorder")
            .field("has_identity", &self.identity.is_some())
            .finish()
    }
}

impl ResolvesClientCert for ClientCertRecorder {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.observations
            .client_cert_requested
            .store(true, Ordering::SeqCst);
        self.observations.lock().acceptable_issuers = root_hint_subjects
            .iter()
            .map(|name| name.to_vec())
            .collect();
        self.identity.clone()
    }

    fn has_certs(&self) -> bool {
        self.identity.is_some()
    }
}
