//! The `protocol` check: finds out what really listens on the endpoint (a gRPC server, an
//! OTLP/HTTP server, an HTTP server that is not OTLP, a TLS port, or something that is not HTTP)
//! by speaking the configured protocol, and when that fails, the other one, so the finding can
//! give the exact fix.

pub mod answer;
pub mod http_status;
pub mod probe;

use crate::knowledge::fix::Fix;
use crate::report::layer::Layer;
use crate::report::{Code, Finding, Severity};
use crate::settings::Protocol;
use crate::settings::target::Target;
use crate::transport::dialer::Dialer;
use answer::Answer;
use probe::Probe;
use std::time::Instant;

/// HTTP statuses a gRPC client turns into a gRPC code (401 UNAUTHENTICATED, 403
/// PERMISSION_DENIED, 429/502/503/504 UNAVAILABLE: grpc/doc/http-grpc-status-mapping.md). 400 and
/// 404 are left out: an HTTP server that is not gRPC answers those to any gRPC call.
const GRPC_MAPPED_HTTP_ERRORS: &[u16] = &[401, 403, 429, 502, 503, 504];

/// What the protocol layer learnt.
pub struct Identification {
    pub layer: Layer,
    /// The answer to the configured protocol's probe.
    pub answer: Answer,
}

/// Probes the endpoint. `speaks_tls` is asked only when a plaintext connection was closed or
/// reset without an answer, to tell a TLS port from a server that just hangs up.
pub async fn identify<F, Fut>(target: &Target, dialer: &Dialer, speaks_tls: F) -> Identification
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    let authority = target.url.authority();
    let probe = Probe {
        dialer,
        authority: &authority,
        headers: &target.headers,
        timeout: target.step_timeout,
    };
    let signal = target.signals[0];
    // A gRPC endpoint has no signal path; its OTLP/HTTP twin would be the base URL + /v1/<signal>.
    let http_path = match target.protocol {
        Protocol::Grpc => format!(
            "{}{}",
            target.url.path.trim_end_matches('/'),
            signal.http_path()
        ),
        _ => target.first_http_path().to_string(),
    };
    let http_url = target.url.with_path(&http_path);
    let http_protocol = if target.protocol == Protocol::Grpc {
        Protocol::HttpProtobuf
    } else {
        target.protocol
    };

    let answer = match target.protocol {
        Protocol::Grpc => probe.grpc(signal).await,
        protocol => probe.http(&http_path, protocol, signal).await,
    };

    // The configured protocol failed in a way worth a second opinion: ask in the other one.
    let needs_other = match (&answer, target.protocol) {
        // A Go HTTP/1 server (the Collector's OTLP/HTTP port) answers an HTTP/2 preface with a
        // 400 and closes; on a busy machine the close beats the client's writes and the answer
        // is lost in a broken pipe. What the port says to OTLP/HTTP tells the two apart.
        (Answer::Reset { .. }, Protocol::Grpc) => !dialer.is_tls(),
        (
            Answer::Silent
            | Answer::Reset { .. }
            | Answer::Unconnected { .. }
            | Answer::NotHttp { .. }
            | Answer::Tls { .. },
            _,
        ) => false,
        (Answer::Grpc { .. }, Protocol::Grpc) => false,
        (Answer::H2 { status, .. }, Protocol::Grpc) if GRPC_MAPPED_HTTP_ERRORS.contains(status) => {
            false
        }
        (Answer::Http1 { .. }, protocol) if protocol != Protocol::Grpc => false,
        _ => !is_tls_reply(&answer),
    };
    let other = if needs_other {
        Some(match target.protocol {
            Protocol::Grpc => probe.http(&http_path, http_protocol, signal).await,
            _ => probe.grpc(signal).await,
        })
    } else {
        None
    };

    let mut findings = Vec::new();
    let plaintext_to_tls = is_tls_reply(&answer) || other.as_ref().is_some_and(is_tls_reply);
    // A Go TLS server (the Collector's gRPC receiver) drops a plaintext HTTP/2 preface without
    // an alert: the client sees a close or, when the close beats its own writes, a broken pipe.
    let closed_without_answer = matches!(answer, Answer::Closed { .. } | Answer::Reset { .. });
    if plaintext_to_tls || (closed_without_answer && !dialer.is_tls() && speaks_tls().await) {
        let evidence = if is_tls_reply(&answer) {
            &answer
        } else {
            other.as_ref().unwrap_or(&answer)
        };
        findings.push(tls_required(target, evidence));
    } else {
        match (target.protocol, &answer, &other) {
            (_, Answer::Silent, _) => findings.push(silent(target)),
            (Protocol::Grpc, Answer::Reset { .. }, Some(other @ Answer::Http1 { .. })) => {
                findings.push(grpc_to_non_grpc(target, &answer, other, &http_url))
            }
            (_, Answer::Reset { error } | Answer::Unconnected { error }, _) => findings.push(
                Finding::new(
                    Code::NetConnReset,
                    Severity::Error,
                    "protocol",
                    "the connection broke as soon as a request was sent",
                )
                .evidence(format!("{}: {error}", target.url.authority()))
                .fix(Fix::new("protocol.connection_reset")),
            ),
            (_, Answer::NotHttp { .. }, _) => findings.push(not_http(target, &answer)),
            (Protocol::Grpc, Answer::Grpc { .. }, _) => {}
            // A proxy in front of a gRPC server (nginx grpc_pass) answers its own errors in plain
            // HTTP/2; gRPC clients map these statuses to codes, so the export layer judges them.
            (Protocol::Grpc, Answer::H2 { status, .. }, _)
                if GRPC_MAPPED_HTTP_ERRORS.contains(status) => {}
            (Protocol::Grpc, _, Some(other)) => {
                findings.push(grpc_to_non_grpc(target, &answer, other, &http_url))
            }
            // An HTTP/1.1 server: what its status codes mean is the export layer's to say.
            (_, Answer::Http1 { .. }, _) => {}
            (_, _, Some(other)) => findings.push(http_to_non_http1(target, &answer, other)),
            (_, _, None) => findings.push(not_http(target, &answer)),
        }
    }

    let summary = match &answer {
        Answer::Grpc { .. } if findings.is_empty() => format!("gRPC server: {}", answer.describe()),
        Answer::Http1 { status, .. } if findings.is_empty() => {
            format!("OTLP/HTTP server: POST {http_path} → {status}")
        }
        _ => answer.describe(),
    };
    Identification {
        layer: Layer::from_findings("protocol", summary, findings, started.elapsed()),
        answer,
    }
}

fn is_tls_reply(answer: &Answer) -> bool {
    matches!(answer, Answer::Tls { .. }) || http_status::is_plaintext_to_tls(answer)
}

fn tls_required(target: &Target, answer: &Answer) -> Finding {
    let https = target.url.with_path("").replacen("http://", "https://", 1);
    let mut finding = Finding::new(
        Code::TlsRequired,
        Severity::Error,
        "tls",
        format!(
            "{} expects TLS, but the endpoint is http:// (plaintext)",
            target.url.authority()
        ),
    )
    .evidence(format!(
        "plaintext request answered with {}",
        answer.describe()
    ))
    .fix(Fix::new("protocol.use_https").with("https", https));
    if target.protocol == Protocol::Grpc {
        finding = finding.fix(Fix::new("protocol.unset_insecure"));
    }
    finding.fix(Fix::new("protocol.give_ca"))
}

fn silent(target: &Target) -> Finding {
    Finding::new(
        Code::ExportTimeout,
        Severity::Error,
        "protocol",
        format!(
            "{} accepts connections but never answers",
            target.url.authority()
        ),
    )
    .evidence(format!(
        "no reply to a {} request within {:?}",
        target.protocol, target.step_timeout
    ))
    .fix(Fix::new("protocol.silent_port"))
    .fix(Fix::new("protocol.check_listener"))
}

fn not_http(target: &Target, answer: &Answer) -> Finding {
    Finding::new(
        Code::ProtoNotOtlp,
        Severity::Error,
        "protocol",
        format!("{} is not an HTTP or gRPC server", target.url.authority()),
    )
    .evidence(format!("the server sent {}", answer.describe()))
    .fix(Fix::new("protocol.not_http_port"))
}

/// gRPC was configured, but the server answered in a way no gRPC server does.
fn grpc_to_non_grpc(
    target: &Target,
    answer: &Answer,
    http_answer: &Answer,
    http_url: &str,
) -> Finding {
    let http_works = matches!(http_answer, Answer::Http1 { status, content_type, .. }
        if (200..300).contains(status) && !content_type.starts_with("text/html"));
    let http_server =
        matches!(http_answer, Answer::Http1 { .. }) || matches!(answer, Answer::Http1 { .. });
    if !http_server && !http_works {
        return Finding::new(
            Code::ProtoNotOtlp,
            Severity::Error,
            "protocol",
            format!(
                "{} answers HTTP/2 but is not a gRPC server",
                target.url.authority()
            ),
        )
        .evidence(format!("gRPC Export → {}", answer.describe()))
        .evidence(format!(
            "OTLP/HTTP POST {http_url} → {}",
            http_answer.describe()
        ))
        .fix(Fix::new("protocol.point_at_grpc_port"));
    }
    let mut finding = Finding::new(
        Code::ProtoGrpcToHttpServer,
        Severity::Error,
        "protocol",
        format!(
            "gRPC is configured, but {} is an HTTP server, not gRPC",
            target.url.authority()
        ),
    )
    .evidence(format!("gRPC Export → {}", answer.describe()))
    .evidence(format!(
        "OTLP/HTTP POST {http_url} → {}",
        http_answer.describe()
    ));
    if http_works {
        finding = finding.evidence("OTLP/HTTP works on this port").fix(
            Fix::new("protocol.http_or_grpc_port")
                .with("endpoint", target.url.with_path(""))
                .with("grpc_endpoint", with_port(target, 4317)),
        );
    } else {
        finding = finding
            .fix(Fix::new("protocol.use_grpc_port").with("grpc_endpoint", with_port(target, 4317)));
    }
    finding
}

/// OTLP/HTTP was configured, but the server did not answer in HTTP/1.1.
fn http_to_non_http1(target: &Target, answer: &Answer, grpc_answer: &Answer) -> Finding {
    if let Answer::Grpc { .. } = grpc_answer {
        return Finding::new(
            Code::ProtoHttpToGrpcServer,
            Severity::Error,
            "protocol",
            format!(
                "{} is configured, but {} is a gRPC server",
                target.protocol,
                target.url.authority()
            ),
        )
        .evidence(format!("OTLP/HTTP request → {}", answer.describe()))
        .evidence(format!("gRPC Export → {}", grpc_answer.describe()))
        .fix(
            Fix::new("protocol.grpc_or_http_port")
                .with("endpoint", target.url.with_path(""))
                .with("protocol", target.protocol)
                .with("http_endpoint", with_port(target, 4318)),
        );
    }
    Finding::new(
        Code::ProtoNotOtlp,
        Severity::Error,
        "protocol",
        format!(
            "{} is neither an OTLP/HTTP nor a gRPC server",
            target.url.authority()
        ),
    )
    .evidence(format!("OTLP/HTTP request → {}", answer.describe()))
    .evidence(format!("gRPC Export → {}", grpc_answer.describe()))
    .fix(Fix::new("protocol.point_at_otlp_port"))
}

fn with_port(target: &Target, port: u16) -> String {
    let mut url = target.url.clone();
    url.port = port;
    url.with_path("")
}
