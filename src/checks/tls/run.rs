//! The probe's sequence: prepare roots, identity and verifier, run the verified handshake, then
//! turn what happened into an outcome — on success the session, warnings and the client-auth
//! follow-up; on failure the most specific explanation (certificate problems, plaintext server,
//! client certificate required, alerts, eof, timeout).

use super::certinfo::{CertSummary, dn_text, unix_seconds};
use super::diagnose::{CertFacts, date_findings, diagnose_rejection};
use super::findings::{self, TrustSource};
use super::handshake::{
    AfterHandshake, Attempt, Failure, Mode, Setup, alert_window, watch_after_handshake,
};
use super::{SessionInfo, TlsOutcome};
use crate::checks::wire::{self, escape};
use crate::knowledge::fix::Fix;
use crate::report::{CheckStatus, Finding, Severity};
use crate::transport::dialer::ALPN_H2;
use crate::transport::tls::{self, TlsRequest, parse_server_name};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::{AlertDescription, ClientConnection, InvalidMessage, ProtocolVersion, RootCertStore};
use rustls_pki_types::{CertificateDer, UnixTime};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::UNIX_EPOCH;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// `MAX_HANDSHAKE_SIZE` of rustls 0.23's deframer: the largest handshake message it accepts.
const RUSTLS_MAX_HANDSHAKE_MESSAGE: u32 = 0xffff;

/// The probe's fixed facts, shared by the steps below.
struct Context<'r> {
    setup: Setup,
    roots: Arc<RootCertStore>,
    trust: TrustSource,
    request: &'r TlsRequest<'r>,
    /// The client certificate we would send, if any.
    identity: Option<CertSummary>,
    now: i64,
}

pub(super) async fn run(addr: SocketAddr, request: &TlsRequest<'_>) -> TlsOutcome {
    let cx = match prepare(addr, request) {
        Ok(cx) => cx,
        Err(outcome) => return *outcome,
    };
    let first = cx.setup.attempt(Mode::Verified).await;
    match first.result {
        Ok(stream) => succeeded(&cx, stream, first.observed, first.elapsed).await,
        Err(ref failure) => failed(&cx, failure, &first).await,
    }
}

fn prepare<'r>(
    addr: SocketAddr,
    request: &'r TlsRequest<'r>,
) -> Result<Context<'r>, Box<TlsOutcome>> {
    let skip = |reason: String| {
        Box::new(TlsOutcome::without_handshake(
            CheckStatus::Skip,
            reason,
            Vec::new(),
        ))
    };
    let server_name = parse_server_name(request.server_name).map_err(|err| {
        let finding = findings::handshake_failed(
            format!(
                "'{}' cannot be used as a tls server name",
                request.server_name
            ),
            vec![format!("error: {err}")],
            vec![Fix::new("tls.server_name_dns_or_ip")],
        );
        Box::new(TlsOutcome::without_handshake(
            CheckStatus::Fail,
            finding.title.clone(),
            vec![finding],
        ))
    })?;
    if let (None, tls::DefaultRoots::Nothing(why)) = (request.ca_file, request.default_roots) {
        let finding = findings::no_trusted_roots(why);
        return Err(Box::new(TlsOutcome::without_handshake(
            CheckStatus::Fail,
            finding.title.clone(),
            vec![finding],
        )));
    }
    let (roots, trust, anchors) = match request.ca_file {
        Some(path) => {
            // Read once: the root store verifies, the parsed copies give the findings key ids.
            let certificates =
                tls::read_certificates(path).map_err(|err| skip(format!("skipped: {err}")))?;
            let cas = certificates.iter().filter_map(CertSummary::parse).collect();
            let roots = tls::root_store(path, certificates.clone())
                .map_err(|err| skip(format!("skipped: {err}")))?;
            let subjects = roots
                .subjects()
                .iter()
                .map(|dn| dn_text(dn.as_ref()))
                .collect();
            (
                Arc::new(roots),
                TrustSource::CaFile {
                    path: path.to_path_buf(),
                    subjects,
                    cas,
                },
                certificates,
            )
        }
        None => {
            let roots = tls::roots_without_ca_file(request.default_roots);
            let count = roots.len();
            (
                roots,
                TrustSource::Defaults {
                    count,
                    kind: request.default_roots,
                },
                Vec::new(),
            )
        }
    };
    let identity = match request.client_identity {
        Some((cert, key)) => {
            Some(tls::load_identity(cert, key).map_err(|err| skip(format!("skipped: {err}")))?)
        }
        None => None,
    };
    let provider = Arc::new(tls::provider());
    let verifier = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
        .build()
        .map_err(|err| skip(format!("skipped: no usable trusted roots: {err}")))?;
    let verifier: Arc<dyn ServerCertVerifier> = if request.accept_ca_as_leaf {
        Arc::new(tls::CaLeafVerifier::new(verifier, anchors))
    } else {
        verifier
    };
    let since_epoch = request.now.duration_since(UNIX_EPOCH).unwrap_or_default();
    Ok(Context {
        identity: identity
            .as_ref()
            .and_then(|id| id.chain().first())
            .and_then(CertSummary::parse),
        setup: Setup {
            addr,
            server_name,
            provider,
            verifier: Some(verifier),
            identity: identity.map(|id| id.certified),
            alpn: request.alpn.clone(),
            now: UnixTime::since_unix_epoch(since_epoch),
            timeout: request.timeout,
        },
        roots,
        trust,
        request,
        now: unix_seconds(request.now),
    })
}

fn summaries(chain: &[CertificateDer<'static>]) -> Vec<CertSummary> {
    chain.iter().filter_map(CertSummary::parse).collect()
}

fn session_info(conn: &ClientConnection) -> SessionInfo {
    let version = match conn.protocol_version() {
        Some(ProtocolVersion::TLSv1_3) => "TLSv1.3".to_string(),
        Some(ProtocolVersion::TLSv1_2) => "TLSv1.2".to_string(),
        Some(other) => format!("{other:?}"),
        None => "unknown".to_string(),
    };
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|suite| {
            let id = suite.suite();
            id.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{id:?}"))
        })
        .unwrap_or_else(|| "unknown".to_string());
    let alpn = conn
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    SessionInfo {
        version,
        cipher,
        alpn,
    }
}

fn acceptable_issuers(names: &[Vec<u8>]) -> Vec<String> {
    names.iter().map(|dn| dn_text(dn)).collect()
}

fn alpn_finding(cx: &Context<'_>, session: &SessionInfo) -> Option<Finding> {
    let h2 = std::str::from_utf8(ALPN_H2).unwrap_or("h2");
    let answer = match session.alpn.as_deref() {
        Some(protocol) => format!("the server selected: {protocol}"),
        None => "the server selected: none (it ignored ALPN)".to_string(),
    };
    (cx.request.require_h2 && session.alpn.as_deref() != Some(h2))
        .then(|| findings::no_h2(&cx.request.alpn, &answer))
}

const NO_CERT_SENT_REACTION: &str = "the handshake completed without one; the server may still refuse every request (nginx answers HTTP 400 \"No required SSL certificate was sent\")";

async fn succeeded(
    cx: &Context<'_>,
    stream: TlsStream<TcpStream>,
    observed: super::recorder::Observed,
    elapsed: std::time::Duration,
) -> TlsOutcome {
    let session = session_info(stream.get_ref().1);
    let chain = summaries(&observed.chain);
    // The chain verified at `now`: only warnings can come from its dates (an extra, expired
    // certificate the server sends but the verified path does not use is no error).
    let mut findings: Vec<Finding> = date_findings(&chain, cx.now)
        .into_iter()
        .filter(|f| f.severity == Severity::Warning)
        .collect();
    findings.extend(alpn_finding(cx, &session));
    if let Some(leaf) = chain.first().filter(|leaf| leaf.is_ca) {
        findings.push(findings::ca_as_server_cert(
            leaf,
            findings::CaLeaf::Accepted,
        ));
    }

    let mut stream = Some(stream);
    if observed.client_cert_requested {
        let acceptable = acceptable_issuers(&observed.acceptable_issuers);
        let verdict = if session.version == "TLSv1.3" {
            let again = cx.setup.attempt(Mode::Verified).await;
            match again.result {
                Ok(sacrificial) => {
                    watch_after_handshake(sacrificial, alert_window(elapsed, cx.request.timeout))
                        .await
                }
                Err(_) => AfterHandshake::Quiet,
            }
        } else {
            AfterHandshake::Quiet
        };
        match (verdict, cx.setup.identity.is_some()) {
            (AfterHandshake::Rejected(reason), has_identity) => {
                stream = None;
                let reaction = format!("right after the handshake the server refused it: {reason}");
                findings.push(if has_identity {
                    findings::client_cert_rejected(&reaction, cx.identity.as_ref(), &acceptable)
                } else {
                    findings::client_cert_required(Severity::Error, &reaction, &acceptable)
                });
            }
            (AfterHandshake::Quiet, false) => {
                findings.push(findings::client_cert_required(
                    Severity::Warning,
                    NO_CERT_SENT_REACTION,
                    &acceptable,
                ));
            }
            (AfterHandshake::Quiet, true) => {}
        }
    }

    let summary = match chain.first() {
        Some(leaf) => format!(
            "{} {}, ALPN {}, {} issued by {}",
            session.version,
            session.cipher,
            session.alpn.as_deref().unwrap_or("none"),
            leaf.subject,
            leaf.issuer
        ),
        None => format!(
            "{} {}, ALPN {}",
            session.version,
            session.cipher,
            session.alpn.as_deref().unwrap_or("none")
        ),
    };
    TlsOutcome {
        status: CheckStatus::of(&findings),
        summary,
        findings,
        session: Some(session),
        chain,
        client_cert_requested: observed.client_cert_requested,
        stream,
    }
}

async fn failed(cx: &Context<'_>, failure: &Failure, first: &Attempt) -> TlsOutcome {
    let observed = &first.observed;
    let mut chain = summaries(&observed.chain);
    let mut client_cert_requested = observed.client_cert_requested;
    let mut extra_summary = String::new();
    let tls_error = failure.rustls_error();

    let findings = if let Some(rejection) = &observed.verify_error {
        let mut out = diagnose_rejection(
            rejection,
            &CertFacts {
                der: &observed.chain,
                chain: &chain,
                server_name: &cx.setup.server_name,
                asked: cx.request.server_name,
                roots: &cx.roots,
                provider: &cx.setup.provider,
                now: cx.now,
                trust: &cx.trust,
            },
        );
        // What the aborted handshake never reached: ALPN and client authentication.
        let diagnostic = cx.setup.attempt(Mode::Diagnostic).await;
        if chain.is_empty() {
            chain = summaries(&diagnostic.observed.chain);
        }
        if let Ok(stream) = &diagnostic.result {
            let session = session_info(stream.get_ref().1);
            extra_summary = format!(
                " (unverified handshake: {} {}, ALPN {})",
                session.version,
                session.cipher,
                session.alpn.as_deref().unwrap_or("none")
            );
            out.extend(alpn_finding(cx, &session));
        }
        // The CertificateRequest may come before (TLS 1.3) or after (TLS 1.2) the certificate.
        client_cert_requested |= diagnostic.observed.client_cert_requested;
        if client_cert_requested && cx.setup.identity.is_none() {
            let issuers = match observed.acceptable_issuers.is_empty() {
                true => &diagnostic.observed.acceptable_issuers,
                false => &observed.acceptable_issuers,
            };
            let acceptable = acceptable_issuers(issuers);
            out.push(findings::client_cert_required(
                Severity::Warning,
                NO_CERT_SENT_REACTION,
                &acceptable,
            ));
        }
        out
    } else {
        vec![explain_failure(cx, failure, tls_error, observed)]
    };

    let summary = match findings.first() {
        Some(root) => format!("{}{extra_summary}", root.title),
        None => "tls handshake failed".to_string(),
    };
    TlsOutcome {
        status: CheckStatus::Fail,
        summary,
        findings,
        session: None,
        chain,
        client_cert_requested,
        stream: None,
    }
}

/// A failure that is not a certificate rejection.
fn explain_failure(
    cx: &Context<'_>,
    failure: &Failure,
    tls_error: Option<&rustls::Error>,
    observed: &super::recorder::Observed,
) -> Finding {
    let first_bytes = &observed.first_bytes;
    let reply = wire::classify(first_bytes);
    let tls_text = tls_error.map(|err| err.to_string());
    let invalid_content = matches!(
        tls_error,
        Some(rustls::Error::InvalidMessage(
            InvalidMessage::InvalidContentType
        ))
    );
    if reply.is_plaintext() || invalid_content {
        return findings::plaintext(first_bytes, reply, tls_text.as_deref());
    }
    let mut evidence = Vec::new();
    if let Some(text) = &tls_text {
        evidence.push(format!("tls error: {text}"));
    }
    if !first_bytes.is_empty() {
        evidence.push(format!("first bytes received: {}", escape(first_bytes)));
    }
    let host = cx.request.server_name;
    match (failure, tls_error) {
        (_, Some(rustls::Error::AlertReceived(AlertDescription::NoApplicationProtocol)))
            if cx.request.require_h2 =>
        {
            findings::no_h2(
                &cx.request.alpn,
                "the server aborted the handshake with alert NoApplicationProtocol: it supports none of the protocols offered",
            )
        }
        (_, Some(rustls::Error::AlertReceived(alert))) => {
            let acceptable = acceptable_issuers(&observed.acceptable_issuers);
            let reaction = format!("the handshake then failed: received fatal alert {alert:?}");
            let asked =
                observed.client_cert_requested || *alert == AlertDescription::CertificateRequired;
            match (asked, cx.setup.identity.is_some()) {
                (true, false) => {
                    findings::client_cert_required(Severity::Error, &reaction, &acceptable)
                }
                (true, true) if rejects_client_cert(*alert) => {
                    findings::client_cert_rejected(&reaction, cx.identity.as_ref(), &acceptable)
                }
                _ => findings::handshake_failed(
                    format!("the server aborted the tls handshake (alert {alert:?})"),
                    evidence,
                    alert_fixes(*alert, host),
                ),
            }
        }
        (Failure::Timeout(limit), _) => {
            if first_bytes.is_empty() {
                evidence.push(
                    "the server accepted the tcp connection but never answered our ClientHello"
                        .into(),
                );
            }
            findings::handshake_failed(
                format!(
                    "the tls handshake timed out after {}",
                    humantime::format_duration(*limit)
                ),
                evidence,
                vec![
                    Fix::new("tls.timeout_check_port_serves_tls"),
                    Fix::new("tls.timeout_check_path_or_raise"),
                ],
            )
        }
        (Failure::Connect(err), _) => findings::handshake_failed(
            "could not open a tcp connection for the tls handshake",
            vec![format!("connect to {}: {err}", cx.setup.addr)],
            vec![Fix::new("tls.see_tcp_check")],
        ),
        (Failure::Handshake(err), None) if err.kind() == io::ErrorKind::UnexpectedEof => {
            evidence.push(format!(
                "{err}: the server closed the connection before the handshake finished"
            ));
            findings::handshake_failed(
                "the server closed the connection during the tls handshake",
                evidence,
                vec![
                    Fix::new("tls.dropped_check_port_and_logs"),
                    Fix::new("tls.proxy_may_not_route_sni").with("host", host),
                ],
            )
        }
        (Failure::Handshake(err), None) => {
            evidence.push(format!("io error: {err}"));
            findings::handshake_failed(
                "the tls handshake failed",
                evidence,
                vec![Fix::new("tls.check_port_and_logs")],
            )
        }
        (
            Failure::Handshake(_),
            Some(rustls::Error::InvalidMessage(InvalidMessage::HandshakePayloadTooLarge)),
        ) => {
            evidence.push(format!(
                "rustls refuses handshake messages over {} bytes (64 KiB), to bound what a server can make it buffer; the certificate message carries the whole chain",
                RUSTLS_MAX_HANDSHAKE_MESSAGE
            ));
            findings::handshake_failed(
                "the server's handshake message is too large: its certificate chain is over 64 KiB",
                evidence,
                vec![Fix::new("tls.shrink_certificate_chain")],
            )
        }
        (Failure::Handshake(_), Some(_)) => findings::handshake_failed(
            "the tls handshake failed",
            evidence,
            vec![Fix::new("tls.check_server_tls_configuration")],
        ),
    }
}

/// Alerts a server sends when it does not accept the client certificate it got.
fn rejects_client_cert(alert: AlertDescription) -> bool {
    matches!(
        alert,
        AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnknownCA
            | AlertDescription::AccessDenied
            | AlertDescription::DecryptError
            | AlertDescription::HandshakeFailure
            | AlertDescription::CertificateRequired
    )
}

fn alert_fixes(alert: AlertDescription, host: &str) -> Vec<Fix> {
    let specific = match alert {
        AlertDescription::ProtocolVersion => Some(Fix::new("tls.alert_protocol_version")),
        AlertDescription::HandshakeFailure => Some(Fix::new("tls.alert_handshake_failure")),
        AlertDescription::UnrecognisedName => {
            Some(Fix::new("tls.alert_unrecognised_name").with("host", host))
        }
        AlertDescription::NoApplicationProtocol => {
            Some(Fix::new("tls.alert_no_application_protocol"))
        }
        _ => None,
    };
    specific
        .into_iter()
        .chain([Fix::new("tls.alert_read_server_logs")])
        .collect()
}
