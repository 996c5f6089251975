//! A server certificate that is itself one of the CA file's certificates, marked CA:TRUE: what
//! `openssl req -x509` makes by default. OpenSSL (Python, Node, .NET), Go and Java accept it, as
//! the certificate is a trust anchor of its own; rustls' webpki refuses a CA certificate as the
//! end entity (`CaUsedAsEndEntity`), so the Rust SDK fails on the same endpoint. The
//! [`CaLeafVerifier`] gives the lenient answer, for modelling the SDKs that accept it.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::sync::Arc;
use x509_parser::prelude::{ASN1Time, FromDer, X509Certificate};

/// Verifies as rustls does, except that a server certificate equal to one of `anchors` is
/// accepted when it names the server and is within its dates, CA:TRUE or not.
#[derive(Debug)]
pub struct CaLeafVerifier {
    inner: Arc<WebPkiServerVerifier>,
    anchors: Vec<CertificateDer<'static>>,
}

impl CaLeafVerifier {
    pub fn new(inner: Arc<WebPkiServerVerifier>, anchors: Vec<CertificateDer<'static>>) -> Self {
        CaLeafVerifier { inner, anchors }
    }

    fn anchor_serves(
        &self,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> bool {
        if !self
            .anchors
            .iter()
            .any(|a| a.as_ref() == end_entity.as_ref())
        {
            return false;
        }
        let names_the_server = ParsedCertificate::try_from(end_entity)
            .is_ok_and(|parsed| verify_server_name(&parsed, server_name).is_ok());
        let in_dates = X509Certificate::from_der(end_entity.as_ref()).is_ok_and(|(_, cert)| {
            ASN1Time::from_timestamp(now.as_secs() as i64)
                .is_ok_and(|at| cert.validity().is_valid_at(at))
        });
        names_the_server && in_dates
    }
}

impl ServerCertVerifier for CaLeafVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            // webpki reports CaUsedAsEndEntity as an "other" certificate error.
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(_)))
                if self.anchor_serves(end_entity, server_name, now) =>
            {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
