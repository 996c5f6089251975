//! What it means when the upstream gave no answer: the resolver, connect or TLS failure found in
//! the error's source chain, named with the code `check` gives the same failure (a refused port
//! is `NET_CONN_REFUSED`, an unknown CA `TLS_UNKNOWN_CA`), so the view names the cause rather
//! than "transport error".

use crate::checks::tcp::ConnectFailure;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};
use crate::settings::Signal;
use rustls::{AlertDescription, CertificateError};
use std::error::Error;
use std::io;

/// The resolver found no address for the upstream's host.
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {host}: {reason}")]
pub struct ResolveError {
    pub host: String,
    pub reason: String,
}

/// Why a request got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unanswered {
    Resolve,
    Connect(ConnectFailure),
    Tls(TlsFailure),
    /// The connection broke after it was made, or something else failed.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    UnknownCa,
    Expired,
    NotYetValid,
    WrongName,
    ClientCertRequired,
    Plaintext,
    Other,
}

impl Unanswered {
    /// Reads the cause off `error`'s chain; `connecting` says the client was still connecting
    /// (so an I/O error is about the connection, not the exchange).
    pub fn of(error: &(dyn Error + 'static), connecting: bool) -> Unanswered {
        let mut next = Some(error);
        while let Some(cause) = next {
            if cause.downcast_ref::<ResolveError>().is_some() {
                return Unanswered::Resolve;
            }
            if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
                return Unanswered::Tls(TlsFailure::of(tls));
            }
            if let Some(io) = cause.downcast_ref::<io::Error>() {
                if let Some(inner) = io.get_ref() {
                    if inner.downcast_ref::<ResolveError>().is_some() {
                        return Unanswered::Resolve;
                    }
                    if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
                        return Unanswered::Tls(TlsFailure::of(tls));
                    }
                }
                if connecting {
                    return Unanswered::Connect(ConnectFailure::of(io));
                }
            }
            next = cause.source();
        }
        Unanswered::Other
    }

    /// The finding for `signal` sent to `url`; `None` for causes the export check already names.
    pub fn finding(self, signal: Signal, url: &str, detail: &str) -> Option<Finding> {
        let evidence = format!("{url}: {detail}");
        let (code, title, fixes): (Code, String, &[&'static str]) = match self {
            Unanswered::Resolve => (
                Code::NetDnsFailed,
                format!(
                    "the upstream's host does not resolve; {signal} exports are answered 503 / UNAVAILABLE"
                ),
                &["network.check_host_spelling"],
            ),
            Unanswered::Connect(failure) => (
                failure.code(),
                format!(
                    "the proxy cannot connect to the upstream; {signal} exports are answered 503 / UNAVAILABLE"
                ),
                match failure {
                    ConnectFailure::Refused => &[
                        "network.start_collector_or_fix_port",
                        "network.listen_on_all_interfaces",
                    ],
                    ConnectFailure::TimedOut => &[
                        "network.allow_through_firewall",
                        "network.check_host_and_port",
                    ],
                    ConnectFailure::Unreachable => &["network.check_routing"],
                    ConnectFailure::Reset => &["network.path_resets"],
                },
            ),
            Unanswered::Tls(failure) => {
                let (code, fixes) = failure.code_and_fixes();
                (
                    code,
                    format!(
                        "the TLS handshake with the upstream fails; {signal} exports are answered 503 / UNAVAILABLE"
                    ),
                    fixes,
                )
            }
            Unanswered::Other => return None,
        };
        let mut finding = Finding::new(code, Severity::Error, "upstream", title)
            .evidence(evidence)
            .evidence("the app was told to retry: nothing it sent reached the upstream");
        for key in fixes {
            finding = finding.fix(Fix::new(key));
        }
        Some(finding)
    }
}

impl TlsFailure {
    fn of(error: &rustls::Error) -> TlsFailure {
        match error {
            rustls::Error::InvalidCertificate(certificate) => match certificate {
                CertificateError::UnknownIssuer => TlsFailure::UnknownCa,
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    TlsFailure::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    TlsFailure::NotYetValid
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => TlsFailure::WrongName,
                _ => TlsFailure::Other,
            },
            rustls::Error::AlertReceived(AlertDescription::CertificateRequired) => {
                TlsFailure::ClientCertRequired
            }
            rustls::Error::InvalidMessage(_) => TlsFailure::Plaintext,
            _ => TlsFailure::Other,
        }
    }

    fn code_and_fixes(self) -> (Code, &'static [&'static str]) {
        match self {
            TlsFailure::UnknownCa => (
                Code::TlsUnknownCa,
                &["tls.give_issuing_ca", "tls.use_trusted_ca"],
            ),
            TlsFailure::Expired => (Code::TlsCertExpired, &["tls.renew_and_reload"]),
            TlsFailure::NotYetValid => (Code::TlsCertNotYetValid, &["tls.check_clocks"]),
            TlsFailure::WrongName => (
                Code::TlsHostnameMismatch,
                &["tls.check_server_tls_configuration"],
            ),
            TlsFailure::ClientCertRequired => (
                Code::TlsClientCertRequired,
                &["tls.give_client_certificate"],
            ),
            TlsFailure::Plaintext => (Code::TlsServerIsPlaintext, &["tls.use_http_scheme"]),
            TlsFailure::Other => (
                Code::TlsHandshakeFailed,
                &["tls.check_server_tls_configuration"],
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_connect_is_named_as_check_names_it() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let cause = Unanswered::of(&refused, true);
        assert_eq!(cause, Unanswered::Connect(ConnectFailure::Refused));
        let finding = cause.finding(Signal::Traces, "http://h:4317", "refused");
        assert_eq!(finding.map(|f| f.code), Some(Code::NetConnRefused));
    }

    #[test]
    fn a_rustls_error_inside_an_io_error_is_found() {
        let tls = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let wrapped = io::Error::new(io::ErrorKind::InvalidData, tls);
        assert_eq!(
            Unanswered::of(&wrapped, true),
            Unanswered::Tls(TlsFailure::UnknownCa)
        );
    }

    #[test]
    fn a_broken_exchange_is_left_to_the_export_check() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(Unanswered::of(&reset, false), Unanswered::Other);
        assert!(Unanswered::Other.finding(Signal::Logs, "u", "d").is_none());
    }
}
