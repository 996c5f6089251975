//! What a presented certificate says, read with x509-parser: subject, issuer, names, validity
//! window, and whether it signed itself. Also the small time helpers the findings use to say
//! "expired 3 days ago".

use rustls_pki_types::CertificateDer;
use serde::Serialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// One certificate of the chain the server presented, leaf first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    /// Distinguished name, e.g. `CN=localhost, O=acme`.
    pub subject: String,
    pub issuer: String,
    /// Subject alternative names as `DNS:name` / `IP:address`.
    pub sans: Vec<String>,
    /// The first common name of the subject, if any.
    pub common_name: Option<String>,
    /// RFC 3339, UTC.
    pub not_before: String,
    pub not_after: String,
    /// Seconds since the Unix epoch (negative before 1970).
    pub not_before_unix: i64,
    pub not_after_unix: i64,
    /// Subject and issuer are the same name.
    pub self_signed: bool,
    /// The basic constraints mark it as a CA.
    pub is_ca: bool,
    /// Subject key identifier, hex with colons (which key this certificate holds).
    #[serde(skip)]
    pub subject_key_id: Option<String>,
    /// Authority key identifier, hex with colons (which key signed it).
    #[serde(skip)]
    pub authority_key_id: Option<String>,
}

impl CertSummary {
    /// Parses one DER certificate; `None` when x509-parser cannot read it.
    pub fn parse(der: &CertificateDer<'_>) -> Option<CertSummary> {
        let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
        Some(summarize(&cert))
    }

    /// The DNS and IP names the certificate is valid for, without the `DNS:`/`IP:` prefix.
    pub fn host_names(&self) -> Vec<&str> {
        self.sans
            .iter()
            .filter_map(|san| san.strip_prefix("DNS:").or_else(|| san.strip_prefix("IP:")))
            .collect()
    }

    /// A short label for a certificate in a sentence: its CN, else its whole subject.
    pub fn label(&self) -> String {
        match &self.common_name {
            Some(cn) => format!("CN={cn}"),
            None if self.subject.is_empty() => "(empty subject)".to_string(),
            None => self.subject.clone(),
        }
    }
}

fn summarize(cert: &X509Certificate<'_>) -> CertSummary {
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(dns) => sans.push(format!("DNS:{dns}")),
                GeneralName::IPAddress(bytes) => sans.push(format!("IP:{}", ip_text(bytes))),
                GeneralName::URI(uri) => sans.push(format!("URI:{uri}")),
                GeneralName::RFC822Name(mail) => sans.push(format!("email:{mail}")),
                _ => {}
            }
        }
    }
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string);
    let validity = cert.validity();
    let not_before_unix = validity.not_before.timestamp();
    let not_after_unix = validity.not_after.timestamp();
    let (subject_key_id, authority_key_id) = key_ids(cert);
    CertSummary {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        sans,
        common_name,
        not_before: rfc3339(not_before_unix),
        not_after: rfc3339(not_after_unix),
        not_before_unix,
        not_after_unix,
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        is_ca: cert.is_ca(),
        subject_key_id,
        authority_key_id,
    }
}

/// (subject key id, authority key id) of a certificate, when it carries them.
fn key_ids(cert: &X509Certificate<'_>) -> (Option<String>, Option<String>) {
    use x509_parser::extensions::ParsedExtension;
    let (mut subject, mut authority) = (None, None);
    for extension in cert.extensions() {
        match extension.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => subject = Some(colon_hex(id.0)),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority = aki.key_identifier.as_ref().map(|id| colon_hex(id.0));
            }
            _ => {}
        }
    }
    (subject, authority)
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).unwrap_or_default()).to_string(),
        16 => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).unwrap_or_default()).to_string(),
        _ => hex::encode(bytes),
    }
}

/// Renders a DER-encoded distinguished name (as in a CertificateRequest's CA list).
pub fn dn_text(der: &[u8]) -> String {
    match x509_parser::x509::X509Name::from_der(der) {
        Ok((_, name)) => name.to_string(),
        Err(_) => format!("(unparsable name, {} bytes)", der.len()),
    }
}

/// Seconds since the epoch of a point in time (negative before 1970).
pub fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs() as i64,
        Err(before) => -(before.duration().as_secs() as i64),
    }
}

/// RFC 3339 in UTC, e.g. `2025-01-31T12:00:00Z`; dates before 1970 are shown as seconds.
pub fn rfc3339(unix: i64) -> String {
    if unix < 0 {
        return format!("{unix} seconds since the epoch");
    }
    let time = UNIX_EPOCH + Duration::from_secs(unix as u64);
    humantime::format_rfc3339_seconds(time).to_string()
}

/// A rough human span, rounded to the nearest unit: `3 days`, `5 hours`, `12 minutes`.
pub fn span(seconds: u64) -> String {
    let unit_of = |size: u64| (seconds + size / 2) / size;
    let (amount, unit) = match seconds {
        s if s >= 86_400 - 1_800 => (unit_of(86_400), "day"),
        s if s >= 3_600 - 30 => (unit_of(3_600), "hour"),
        s if s >= 60 => (unit_of(60), "minute"),
        s => (s, "second"),
    };
    if amount == 1 {
        format!("1 {unit}")
    } else {
        format!("{amount} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(3 * 86_400 + 5), "3 days");
        assert_eq!(span(3 * 86_400 - 5), "3 days");
        assert_eq!(span(3_600), "1 hour");
        assert_eq!(span(59), "59 seconds");
    }

    #[test]
    fn rfc3339_is_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn summary_reads_names() {
        let generated =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .unwrap();
        let summary = CertSummary::parse(generated.cert.der()).unwrap();
        assert!(
            summary.sans.contains(&"DNS:localhost".to_string()),
            "{:?}",
            summary.sans
        );
        assert!(
            summary.sans.contains(&"IP:127.0.0.1".to_string()),
            "{:?}",
            summary.sans
        );
        assert!(summary.self_signed);
        assert_eq!(summary.host_names(), vec!["localhost", "127.0.0.1"]);
    }
}
