//! The wording of every finding the TLS check emits: title, evidence lines and fix lines, built
//! from facts already established elsewhere. Nothing here decides whether a finding applies.

use super::certinfo::{CertSummary, rfc3339, span};
use crate::checks::wire::{Reply, escape};
use crate::knowledge::fix::Fix;
use crate::report::listing::first_few_joined;
use crate::report::{Code, Finding, Severity};
use crate::transport::tls::DefaultRoots;
use std::path::PathBuf;

const CHECK: &str = "tls";

/// Where the trusted roots came from, for evidence.
#[derive(Debug, Clone)]
pub(super) enum TrustSource {
    CaFile {
        path: PathBuf,
        subjects: Vec<String>,
        /// The file's certificates as read by x509-parser (for their key ids).
        cas: Vec<CertSummary>,
    },
    Defaults {
        count: usize,
        kind: DefaultRoots,
    },
}

impl TrustSource {
    fn describe(&self) -> String {
        match self {
            TrustSource::CaFile { path, subjects, .. } => {
                format!(
                    "trusted roots: {} ({})",
                    path.display(),
                    first_few_joined(subjects, 5, "; ")
                )
            }
            TrustSource::Defaults { count, kind } => {
                let which = match kind {
                    DefaultRoots::SystemAndMozilla => "the system store plus webpki-roots",
                    DefaultRoots::MozillaOnly => {
                        "Mozilla's roots (webpki-roots), as the SDK's bundled store; SSL_CERT_FILE does not count"
                    }
                    DefaultRoots::Nothing(_) => "none",
                };
                format!("trusted roots: {which} ({count} certificates); no CA file given")
            }
        }
    }
}

/// `server certificate 'CN=x'` or `chain certificate #2 'CN=ca'`.
pub(super) fn which(index: usize, cert: &CertSummary) -> String {
    if index == 0 {
        format!("server certificate '{}'", cert.label())
    } else {
        format!("chain certificate #{} '{}'", index + 1, cert.label())
    }
}

pub(super) fn expired(index: usize, cert: &CertSummary, now: i64) -> Finding {
    let ago = span(now.saturating_sub(cert.not_after_unix).max(0) as u64);
    Finding::new(
        Code::TlsCertExpired,
        Severity::Error,
        CHECK,
        format!("the {} has expired", which(index, cert)),
    )
    .evidence(format!("not after: {} ({ago} ago)", cert.not_after))
    .evidence(format!("checked at: {}", rfc3339(now)))
    .evidence(format!(
        "subject: {}; issuer: {}",
        cert.subject, cert.issuer
    ))
    .fix(Fix::new("tls.renew_and_reload"))
    .fix(Fix::new("tls.restart_after_renewal"))
}

pub(super) fn not_yet_valid(index: usize, cert: &CertSummary, now: i64) -> Finding {
    let until = span(cert.not_before_unix.saturating_sub(now).max(0) as u64);
    Finding::new(
        Code::TlsCertNotYetValid,
        Severity::Error,
        CHECK,
        format!("the {} is not valid yet", which(index, cert)),
    )
    .evidence(format!("not before: {} (in {until})", cert.not_before))
    .evidence(format!("checked at: {}", rfc3339(now)))
    .evidence(format!(
        "subject: {}; issuer: {}",
        cert.subject, cert.issuer
    ))
    .fix(Fix::new("tls.check_clocks"))
    .fix(Fix::new("tls.reissue_not_before_past"))
}

pub(super) fn expires_soon(index: usize, cert: &CertSummary, now: i64) -> Finding {
    let left = span(cert.not_after_unix.saturating_sub(now).max(0) as u64);
    Finding::new(
        Code::TlsCertExpiresSoon,
        Severity::Warning,
        CHECK,
        format!("the {} expires in {left}", which(index, cert)),
    )
    .evidence(format!("not after: {} (in {left})", cert.not_after))
    .evidence(format!(
        "subject: {}; issuer: {}",
        cert.subject, cert.issuer
    ))
    .fix(Fix::new("tls.renew_before_expiry"))
}

pub(super) fn hostname_mismatch(leaf: &CertSummary, asked: &str) -> Finding {
    let names = leaf.host_names();
    let mut finding = Finding::new(
        Code::TlsHostnameMismatch,
        Severity::Error,
        CHECK,
        format!("the server certificate is not valid for '{asked}'"),
    )
    .evidence(format!("we asked for: {asked}"));
    finding = if names.is_empty() {
        finding.evidence("the certificate has no DNS or IP subjectAltName")
    } else {
        finding.evidence(format!("the certificate holds: {}", leaf.sans.join(", ")))
    };
    finding = match &leaf.common_name {
        Some(cn) => finding.evidence(format!(
            "subject CN: {cn} (ignored for matching by modern clients; only subjectAltNames count)"
        )),
        None => finding,
    };
    if let Some(first) = names.first() {
        finding = finding.fix(Fix::new("tls.use_certificate_name").with("first", first));
    }
    let kind = if asked.parse::<std::net::IpAddr>().is_ok() {
        "an IP"
    } else {
        "a DNS"
    };
    finding.fix(
        Fix::new("tls.reissue_with_san")
            .with("kind", kind)
            .with("asked", asked),
    )
}

/// The CA file holds a CA of the right name but with another key than the one that signed the
/// server's chain: the CA was re-created or rotated on one side only.
pub(super) fn ca_key_mismatch(
    top: &CertSummary,
    signed_by: &str,
    trusted: &CertSummary,
    trust: &TrustSource,
) -> Finding {
    Finding::new(
        Code::TlsCaKeyMismatch,
        Severity::Error,
        CHECK,
        format!(
            "the CA file has '{}', but with a different key than the one that signed the server certificate",
            trusted.label()
        ),
    )
    .evidence(format!(
        "the server's chain ends at: {}, signed by key id {signed_by}",
        top.subject
    ))
    .evidence(format!(
        "the CA file's '{}' has key id {}",
        trusted.subject,
        trusted.subject_key_id.as_deref().unwrap_or("(none given)")
    ))
    .evidence(trust.describe())
    .fix(Fix::new("tls.give_the_rotated_ca").with("key_id", signed_by))
}

pub(super) fn unknown_ca(chain: &[CertSummary], trust: &TrustSource) -> Finding {
    let Some(top) = chain.last() else {
        return Finding::new(
            Code::TlsUnknownCa,
            Severity::Error,
            CHECK,
            "the server certificate is not signed by a trusted CA",
        )
        .evidence(trust.describe())
        .fix(Fix::new("tls.give_issuing_ca"));
    };
    let single_self_signed = chain.len() == 1 && top.self_signed;
    let (title, needed) = if single_self_signed {
        (
            "the server presents a self-signed certificate".to_string(),
            top.subject.clone(),
        )
    } else if top.self_signed {
        (
            format!(
                "the server's chain ends at the untrusted root '{}'",
                top.label()
            ),
            top.subject.clone(),
        )
    } else {
        (
            format!(
                "the server certificate is issued by an unknown CA '{}'",
                top.issuer
            ),
            top.issuer.clone(),
        )
    };
    let mut finding = Finding::new(Code::TlsUnknownCa, Severity::Error, CHECK, title);
    finding = if single_self_signed {
        finding.evidence(format!(
            "the chain is a single self-signed certificate: {}",
            top.subject
        ))
    } else {
        finding
            .evidence(format!(
                "the presented chain has {} certificate(s), the top one is: {}",
                chain.len(),
                top.subject
            ))
            .evidence(format!("issuer of the top of the chain: {}", top.issuer))
    };
    finding = finding.evidence(trust.describe());
    if chain.len() == 1 && !top.self_signed {
        finding = finding.evidence(
            "the server sent only its own certificate; if it was issued by an intermediate CA, the server must send the intermediate too (nginx: ssl_certificate must hold the full chain)",
        );
    }
    let what = if single_self_signed {
        "that certificate itself"
    } else {
        "the CA"
    };
    finding
        .fix(
            Fix::new("tls.give_named_ca")
                .with("what", what)
                .with("needed", needed),
        )
        .fix(Fix::new("tls.use_trusted_ca"))
}

/// The server asked for a client certificate and we had none to send.
pub(super) fn client_cert_required(
    severity: Severity,
    reaction: &str,
    acceptable: &[String],
) -> Finding {
    let title = match severity {
        Severity::Error => {
            "the server requires a client certificate (mutual TLS) and none is configured"
        }
        _ => "the server asked for a client certificate (mutual TLS) and none is configured",
    };
    let mut finding = Finding::new(Code::TlsClientCertRequired, severity, CHECK, title)
        .evidence("the server sent a CertificateRequest during the handshake; we answered with no certificate")
        .evidence(reaction.to_string());
    if !acceptable.is_empty() {
        finding = finding.evidence(format!(
            "client certificates it accepts are issued by: {}",
            acceptable.join("; ")
        ));
    }
    finding.fix(Fix::new("tls.give_client_certificate"))
}

/// We sent a client certificate and the server refused it.
pub(super) fn client_cert_rejected(
    reaction: &str,
    sent: Option<&CertSummary>,
    acceptable: &[String],
) -> Finding {
    let mut finding = Finding::new(
        Code::TlsHandshakeFailed,
        Severity::Error,
        CHECK,
        "the server rejected our client certificate",
    )
    .evidence(reaction.to_string());
    if let Some(cert) = sent {
        finding = finding.evidence(format!(
            "we sent: {} issued by {} (valid until {})",
            cert.subject, cert.issuer, cert.not_after
        ));
    }
    if !acceptable.is_empty() {
        finding = finding.evidence(format!(
            "client certificates it accepts are issued by: {}",
            acceptable.join("; ")
        ));
    }
    finding
        .fix(Fix::new("tls.client_cert_from_trusted_ca"))
        .fix(Fix::new("tls.client_cert_valid_for_client_auth"))
}

/// `offered`: the ALPN list we sent; `answer`: what the server did with it.
pub(super) fn no_h2(offered: &[Vec<u8>], answer: &str) -> Finding {
    let offered: Vec<String> = offered
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    Finding::new(
        Code::TlsNoH2Alpn,
        Severity::Error,
        CHECK,
        "the server did not negotiate HTTP/2 (ALPN h2), which gRPC needs",
    )
    .evidence(format!("we offered ALPN: {}", offered.join(", ")))
    .evidence(answer.to_string())
    .fix(Fix::new("tls.enable_http2"))
    .fix(Fix::new("tls.use_otlp_http"))
}

pub(super) fn plaintext(first: &[u8], reply: Reply, rustls_error: Option<&str>) -> Finding {
    let mut finding = Finding::new(
        Code::TlsServerIsPlaintext,
        Severity::Error,
        CHECK,
        "the server does not speak TLS on this port: it answered our ClientHello in plaintext",
    );
    if !first.is_empty() {
        finding = finding.evidence(format!(
            "first bytes received ({}): {}",
            reply.describe(),
            escape(first)
        ));
    }
    if let Some(text) = rustls_error {
        finding = finding.evidence(format!("tls error: {text}"));
    }
    finding
        .fix(Fix::new("tls.use_http_scheme"))
        .fix(Fix::new("tls.enable_server_tls"))
}

/// How a server certificate marked CA:TRUE fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CaLeaf {
    /// Trusted, and refused only for being a CA (rustls): every export fails.
    Refused,
    /// Trusted and accepted, as OpenSSL, Go and Java do.
    Accepted,
    /// Not trusted at all (a self-signed certificate nobody was told to trust): that is the
    /// root cause, and being a CA matters only once it is trusted.
    Untrusted,
}

/// The server certificate is marked CA:TRUE: an error where the client's TLS library refuses it
/// (rustls), a warning where it is accepted or not trusted anyway, since once trusted the Rust
/// SDK still fails on the same endpoint.
pub(super) fn ca_as_server_cert(leaf: &CertSummary, fared: CaLeaf) -> Finding {
    let (severity, verdict) = match fared {
        CaLeaf::Refused => (
            Severity::Error,
            "rustls, the TLS library of the Rust SDK, refuses it (CaUsedAsEndEntity), so every export fails",
        ),
        CaLeaf::Accepted => (
            Severity::Warning,
            "accepted here as OpenSSL (Python, Node, .NET), Go and Java accept it, but rustls (the Rust SDK) refuses it (CaUsedAsEndEntity)",
        ),
        CaLeaf::Untrusted => (
            Severity::Warning,
            "once it is trusted, OpenSSL (Python, Node, .NET), Go and Java accept it, but rustls (the Rust SDK) still refuses it (CaUsedAsEndEntity)",
        ),
    };
    Finding::new(
        Code::TlsCaAsServerCert,
        severity,
        CHECK,
        "the server certificate is a CA certificate (CA:TRUE)",
    )
    .evidence(format!(
        "server certificate '{}' issued by {}: basic constraints CA:TRUE",
        leaf.label(),
        leaf.issuer
    ))
    .evidence(verdict)
    .fix(Fix::new("tls.reissue_as_leaf"))
}

/// The modelled SDK trusts no CA for this endpoint, so no handshake can verify.
pub(super) fn no_trusted_roots(why: &str) -> Finding {
    Finding::new(
        Code::TlsNoTrustedRoots,
        Severity::Error,
        CHECK,
        "the exporter trusts no CA, so no server certificate can verify",
    )
    .evidence(why.to_string())
    .fix(Fix::new("tls.enable_roots_in_code"))
}

/// Anything else that stopped the handshake.
pub(super) fn handshake_failed(
    title: impl Into<String>,
    evidence: Vec<String>,
    fixes: Vec<Fix>,
) -> Finding {
    let mut finding = Finding::new(Code::TlsHandshakeFailed, Severity::Error, CHECK, title);
    for line in evidence {
        finding = finding.evidence(line);
    }
    for line in fixes {
        finding = finding.fix(line);
    }
    finding
}
