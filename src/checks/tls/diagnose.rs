//! Why a certificate chain was rejected, established independently for each possible cause:
//! validity dates from the x509 data and the clock, trust by re-running rustls' chain
//! verification at a moment when every certificate is within its dates, and the name by rustls'
//! own name matching. The cause rustls reported first becomes the first finding (the root
//! cause); every other cause that also holds is reported after it, still as an error, because
//! each one has to be fixed before the connection works.

use super::certinfo::CertSummary;
use super::findings::{self, TrustSource};
use crate::knowledge::fix::Fix;
use crate::report::Finding;
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, RootCertStore};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::time::Duration;

/// A certificate expiring within this many seconds is a warning (14 days).
pub(super) const EXPIRES_SOON_SECS: i64 = 14 * 86_400;

/// The facts a diagnosis works from.
/// `MAX_SUB_CA_COUNT` of rustls-webpki 0.103: the intermediates a path may hold.
const WEBPKI_MAX_INTERMEDIATES: usize = 6;

pub(super) struct CertFacts<'a> {
    /// The chain as presented, leaf first.
    pub der: &'a [CertificateDer<'static>],
    /// The same chain read by x509-parser (certificates it could not read are left out).
    pub chain: &'a [CertSummary],
    pub server_name: &'a ServerName<'static>,
    /// The name as the user wrote it, for messages.
    pub asked: &'a str,
    pub roots: &'a RootCertStore,
    pub provider: &'a CryptoProvider,
    /// The clock of the probe, in seconds since the epoch.
    pub now: i64,
    pub trust: &'a TrustSource,
}

/// The kinds of certificate problem, in the order they are reported after the root cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    Dates,
    Trust,
    Name,
    Other,
}

fn cause_of(err: &rustls::Error) -> Cause {
    match err {
        rustls::Error::InvalidCertificate(cert_err) => match cert_err {
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => Cause::Dates,
            CertificateError::UnknownIssuer => Cause::Trust,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                Cause::Name
            }
            _ => Cause::Other,
        },
        _ => Cause::Other,
    }
}

/// Date problems of every certificate of the chain: expired or not yet valid (errors), or
/// expiring within 14 days (warnings).
pub(super) fn date_findings(chain: &[CertSummary], now: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    for (index, cert) in chain.iter().enumerate() {
        if now > cert.not_after_unix {
            out.push(findings::expired(index, cert, now));
        } else if now < cert.not_before_unix {
            out.push(findings::not_yet_valid(index, cert, now));
        } else if cert.not_after_unix - now < EXPIRES_SOON_SECS {
            out.push(findings::expires_soon(index, cert, now));
        }
    }
    out
}

/// All findings for a chain our verifier rejected with `primary`, root cause first.
pub(super) fn diagnose_rejection(primary: &rustls::Error, facts: &CertFacts<'_>) -> Vec<Finding> {
    let mut by_cause: Vec<(Cause, Finding)> = Vec::new();
    for finding in date_findings(facts.chain, facts.now) {
        by_cause.push((Cause::Dates, finding));
    }
    let rotated = rotated_ca(facts);
    // webpki refuses a CA:TRUE leaf before it looks for an issuer, so a self-signed CA leaf
    // that nobody trusts says CaUsedAsEndEntity, while every other TLS library says "self-signed
    // certificate": the missing trust is the root cause.
    let untrusted_ca_leaf = untrusted_self_signed_ca_leaf(facts);
    if let Some(finding) = &rotated {
        by_cause.push((Cause::Trust, finding.clone()));
    } else if untrusted_ca_leaf
        || trust_error(facts).is_some_and(|err| cause_of(&err) == Cause::Trust)
    {
        by_cause.push((Cause::Trust, findings::unknown_ca(facts.chain, facts.trust)));
    }
    if let (Some(leaf), false) = (facts.chain.first(), name_matches(facts)) {
        by_cause.push((Cause::Name, findings::hostname_mismatch(leaf, facts.asked)));
    }
    if let Some(leaf) = facts.chain.first().filter(|leaf| leaf.is_ca) {
        let fared = if untrusted_ca_leaf {
            findings::CaLeaf::Untrusted
        } else {
            findings::CaLeaf::Refused
        };
        by_cause.push((Cause::Other, findings::ca_as_server_cert(leaf, fared)));
    }

    // A signature that does not verify against the CA of that name is the rotated CA.
    let root = match cause_of(primary) {
        Cause::Other if rotated.is_some() || untrusted_ca_leaf => Cause::Trust,
        cause => cause,
    };
    let mut out = Vec::new();
    let explained = by_cause.iter().any(|(cause, finding)| {
        *cause == root && finding.severity == crate::report::Severity::Error
    });
    if !explained {
        out.push(other_rejection(primary, facts));
    }
    // Root cause first, then the rest in the fixed order of `Cause`; stable within a cause.
    by_cause.sort_by_key(|(cause, _)| (*cause != root, *cause as u8));
    out.extend(by_cause.into_iter().map(|(_, finding)| finding));
    out
}

/// The server sent a self-signed certificate marked CA:TRUE that is not one of the trusted
/// roots (no CA file names it; the system and Mozilla roots never hold such a server's own
/// certificate).
fn untrusted_self_signed_ca_leaf(facts: &CertFacts<'_>) -> bool {
    let Some(leaf) = facts
        .chain
        .first()
        .filter(|leaf| leaf.is_ca && leaf.self_signed)
    else {
        return false;
    };
    match facts.trust {
        TrustSource::CaFile { cas, .. } => !cas.iter().any(|ca| {
            ca.subject == leaf.subject
                && ca.subject_key_id == leaf.subject_key_id
                && ca.not_after_unix == leaf.not_after_unix
        }),
        TrustSource::Defaults { .. } => true,
    }
}

/// The top of the chain names a CA of the CA file as its issuer, but was signed by another key
/// (the key ids differ): the CA was re-created with the same name.
fn rotated_ca(facts: &CertFacts<'_>) -> Option<Finding> {
    let TrustSource::CaFile { cas, .. } = facts.trust else {
        return None;
    };
    let top = facts.chain.last()?;
    let signed_by = top.authority_key_id.as_deref()?;
    if top.self_signed {
        return None;
    }
    let same_name: Vec<&CertSummary> = cas.iter().filter(|ca| ca.subject == top.issuer).collect();
    let any_same_key = same_name
        .iter()
        .any(|ca| ca.subject_key_id.as_deref() == Some(signed_by));
    match same_name.first() {
        Some(trusted) if !any_same_key => Some(findings::ca_key_mismatch(
            top,
            signed_by,
            trusted,
            facts.trust,
        )),
        _ => None,
    }
}

/// Whether the chain leads to a trusted root, checked at a moment inside the validity window
/// of every presented certificate so that date problems do not hide trust problems.
fn trust_error(facts: &CertFacts<'_>) -> Option<rustls::Error> {
    let (leaf, intermediates) = facts.der.split_first()?;
    let parsed = ParsedCertificate::try_from(leaf).ok()?;
    let at = moment_within_dates(facts.chain, facts.now);
    let at = UnixTime::since_unix_epoch(Duration::from_secs(at.max(0) as u64));
    verify_server_cert_signed_by_trust_anchor(
        &parsed,
        facts.roots,
        intermediates,
        at,
        facts.provider.signature_verification_algorithms.all,
    )
    .err()
}

/// `now` if every certificate is valid then, else the middle of the window they share, else
/// `now` (no shared window: the date findings say so).
fn moment_within_dates(chain: &[CertSummary], now: i64) -> i64 {
    let start = chain.iter().map(|c| c.not_before_unix).max();
    let end = chain.iter().map(|c| c.not_after_unix).min();
    match (start, end) {
        (Some(start), Some(end)) if start <= end && !(start..=end).contains(&now) => {
            start + (end - start) / 2
        }
        _ => now,
    }
}

/// rustls' own subject name check of the leaf (SANs only, wildcards, IP addresses).
fn name_matches(facts: &CertFacts<'_>) -> bool {
    let Some(leaf) = facts.der.first() else {
        return true;
    };
    match ParsedCertificate::try_from(leaf) {
        Ok(parsed) => verify_server_name(&parsed, facts.server_name).is_ok(),
        Err(_) => true,
    }
}

/// A rejection none of the specific findings covers (bad signature, wrong key usage, a chain
/// deeper than the verifier follows, ...).
fn other_rejection(primary: &rustls::Error, facts: &CertFacts<'_>) -> Finding {
    let mut evidence = vec![format!("tls error: {primary}")];
    if let Some(leaf) = facts.chain.first() {
        evidence.push(format!(
            "server certificate: {} issued by {}",
            leaf.subject, leaf.issuer
        ));
    }
    let mut fixes = Vec::new();
    if let rustls::Error::InvalidCertificate(
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. },
    ) = primary
    {
        fixes.push(Fix::new("tls.reissue_with_server_auth"));
    }
    // webpki reports the depth limit only as an `Other` error, so its name is matched.
    if primary.to_string().contains("MaximumPathDepthExceeded") {
        evidence.push(format!(
            "the server sent {} certificates; rustls (webpki) follows at most {WEBPKI_MAX_INTERMEDIATES} intermediate CAs",
            facts.der.len()
        ));
        fixes.push(Fix::new("tls.shorten_chain"));
    } else {
        fixes.push(Fix::new("tls.reissue_with_standard_profile"));
    }
    findings::handshake_failed("the server certificate was rejected", evidence, fixes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(not_before: i64, not_after: i64) -> CertSummary {
        CertSummary {
            subject: "CN=x".into(),
            issuer: "CN=ca".into(),
            sans: vec![],
            common_name: Some("x".into()),
            not_before: String::new(),
            not_after: String::new(),
            not_before_unix: not_before,
            not_after_unix: not_after,
            self_signed: false,
            is_ca: false,
            subject_key_id: None,
            authority_key_id: None,
        }
    }

    #[test]
    fn moment_is_inside_every_window() {
        let chain = [cert(100, 1_000), cert(0, 2_000)];
        assert_eq!(moment_within_dates(&chain, 5_000), 550);
        assert_eq!(moment_within_dates(&chain, 500), 500);
    }

    #[test]
    fn dates_are_classified() {
        let now = 10 * 86_400 * 100;
        let chain = [
            cert(now - 10, now + 3 * 86_400),
            cert(now - 10, now - 5),
            cert(now + 60, now + 600),
        ];
        let codes: Vec<_> = date_findings(&chain, now).iter().map(|f| f.code).collect();
        use crate::report::Code;
        assert_eq!(
            codes,
            vec![
                Code::TlsCertExpiresSoon,
                Code::TlsCertExpired,
                Code::TlsCertNotYetValid
            ]
        );
    }
}
