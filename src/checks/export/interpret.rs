//! What the server answered a real export, per the OTLP spec ("OTLP/gRPC Response",
//! "OTLP/HTTP Response"), as findings: success, partial success, throttling, retryable and
//! permanent failures.

use crate::checks::protocol::probe::grpc_path;
use crate::knowledge::fix::Fix;
use crate::otlp::client::{ExportAnswer, Outcome, PartialSuccess};
use crate::otlp::rpc::grpc_code_name;
use crate::otlp::rpc::{grpc_code_for_http, proxied_http_status};
use crate::report::{Code, Finding, Severity};
use crate::settings::{Protocol, Signal};
use std::time::Duration;

/// hyper 1's `DEFAULT_MAX_BUFFER_SIZE`: how much of a response head it reads before giving up.
const HYPER_MAX_HEAD_BYTES: usize = 8192 + 4096 * 100;

/// An export slower than this works, but risks the SDK's timeout and back-pressure.
pub const SLOW_EXPORT: Duration = Duration::from_secs(1);

/// Body texts and gRPC messages that mean "the request is too large".
const TOO_LARGE_HINTS: &[&str] = &[
    "larger than max",
    "too large",
    "Too Large",
    "message length too large",
];

/// The interpretation of one signal's export.
pub struct Interpretation {
    pub findings: Vec<Finding>,
    /// The server accepted the data (fully or partly).
    pub accepted: bool,
    /// A 404: whether another path would work is worth asking.
    pub not_found: bool,
    /// A 415: the other encoding is worth trying.
    pub unsupported_media_type: bool,
    /// The 404 was Go net/http's own plain "404 page not found", which the Collector's
    /// OTLP/HTTP receiver answers for every path it does not serve.
    pub go_not_found: bool,
}

/// Go net/http's body and type for a path nothing serves.
const GO_NOT_FOUND_BODY: &str = "404 page not found";
const GO_NOT_FOUND_TYPE: &str = "text/plain; charset=utf-8";

/// What was exported where, for the messages.
pub struct Context<'a> {
    pub signal: Signal,
    pub protocol: Protocol,
    pub url: &'a str,
    pub items: u64,
    /// The probe's trace id, to search for in the backend.
    pub trace_id: &'a str,
    /// What the SDK does when throttled on this transport (empty: unknown).
    pub throttled: &'a str,
}

pub fn interpret(answer: &ExportAnswer, cx: &Context<'_>) -> Interpretation {
    let mut result = Interpretation {
        findings: Vec::new(),
        accepted: false,
        not_found: false,
        unsupported_media_type: false,
        go_not_found: false,
    };
    let (signal, url) = (cx.signal, cx.url);
    match &answer.outcome {
        Outcome::Grpc {
            code: 0, partial, ..
        } => {
            result.accepted = true;
            accepted(&mut result, cx, partial.as_ref(), answer.round_trip);
        }
        Outcome::Http {
            status: 200..=299,
            content_type,
            body_excerpt,
            partial,
            ..
        } => {
            if content_type.starts_with("text/html") {
                result.findings.push(
                    Finding::new(
                        Code::ProtoNotOtlp,
                        Severity::Error,
                        "export",
                        format!(
                            "{url} answered with an HTML page: a web server, not an OTLP receiver"
                        ),
                    )
                    .evidence(format!(
                        "POST {url} → 200, content-type {content_type}: {body_excerpt}"
                    ))
                    .fix(Fix::new("export.point_at_http_receiver")),
                );
            } else {
                result.accepted = true;
                accepted(&mut result, cx, partial.as_ref(), answer.round_trip);
            }
        }
        Outcome::Grpc {
            code,
            message,
            retry_delay,
            ..
        } => {
            let seen = format!(
                "gRPC {} → status {code} {}: {message}",
                grpc_path(signal),
                grpc_code_name(*code)
            );
            // A proxy's own HTTP error (nginx's HTML 502) reaches tonic as a garbled gRPC answer;
            // the HTTP status inside the message is the real answer, so it is said first and
            // tonic's words follow.
            let proxied_status = proxied_http_status(message);
            let proxied = proxied_status.and_then(grpc_code_for_http);
            let effective = proxied.unwrap_or(*code);
            let mut found = match proxied_status.and_then(proxy_refusal) {
                // The client saw UNAVAILABLE or INTERNAL, so the SDK's throttling rules for
                // RESOURCE_EXHAUSTED do not apply: no retry-behaviour sentence.
                Some(failure) => failure.finding(),
                None => {
                    let failure = grpc_failure(effective, message, retry_delay.is_some(), signal);
                    with_retry_behaviour(failure.finding(), cx)
                }
            };
            if let Some(status) = proxied_status {
                let mapped = proxied
                    .map(|mapped| format!("; gRPC maps it to {}", grpc_code_name(mapped)))
                    .unwrap_or_default();
                found = found.evidence(format!(
                    "the answer was HTTP {status}, not gRPC: it came from a proxy or a non-gRPC server{mapped}"
                ));
            }
            found = naming_the_memory_limiter(found.evidence(seen), message);
            if let Some(delay) = retry_delay {
                found = found.evidence(format!("RetryInfo: retry after {delay:?}"));
            }
            result.findings.push(found);
        }
        Outcome::Http {
            status: status @ 300..=399,
            location,
            ..
        } => result.findings.push(redirected(*status, location.as_deref(), cx)),
        Outcome::Http {
            status,
            content_type,
            body_excerpt,
            retry_after,
            ..
        } => {
            let seen = format!(
                "POST {url} ({}) → {status}, content-type '{content_type}': {body_excerpt}",
                cx.protocol
            );
            let failure = http_failure(*status, body_excerpt, retry_after.is_some(), cx);
            result.not_found = *status == 404;
            result.unsupported_media_type = *status == 415;
            result.go_not_found = *status == 404
                && content_type == GO_NOT_FOUND_TYPE
                && body_excerpt == GO_NOT_FOUND_BODY;
            let mut found = with_retry_behaviour(failure.finding(), cx).evidence(seen);
            found = naming_the_memory_limiter(found, body_excerpt);
            if let Some(after) = retry_after {
                found = found.evidence(format!("Retry-After: {after}"));
            }
            result.findings.push(found);
        }
        Outcome::Transport {
            error,
            timed_out: true,
            ..
        } => result.findings.push(
            Finding::new(
                Code::ExportTimeout,
                Severity::Error,
                "export",
                format!("the {signal} export got no answer in time"),
            )
            .evidence(format!("{url}: {error}"))
            .fix(Fix::new("export.receiver_hung")),
        ),
        // Headers that never end are no OTLP receiver, whatever the first line said.
        Outcome::Transport {
            error,
            head_too_large: true,
            ..
        } => {
            result.findings.push(
                Finding::new(
                    Code::ProtoNotOtlp,
                    Severity::Error,
                    "export",
                    format!("{url} answers with HTTP headers that do not end: not an OTLP receiver"),
                )
                .evidence(format!("{url}: {error}"))
                .evidence(format!(
                    "the response head passed {HYPER_MAX_HEAD_BYTES} bytes (hyper's limit) without its blank line"
                ))
                .fix(Fix::new("export.point_at_http_receiver")),
            )
        }
        Outcome::Transport { error, .. } => result.findings.push(
            Finding::new(
                Code::ExportUnavailable,
                Severity::Error,
                "export",
                format!("the {signal} export failed at the transport level"),
            )
            .evidence(format!("{url}: {error}"))
            .fix(Fix::new("export.connection_broke")),
        ),
    }
    result
}

fn accepted(
    result: &mut Interpretation,
    cx: &Context<'_>,
    partial: Option<&PartialSuccess>,
    round_trip: Duration,
) {
    let rtt = format!("{:.1} ms", round_trip.as_secs_f64() * 1000.0);
    let (signal, url, items) = (cx.signal, cx.url, cx.items);
    match partial {
        Some(partial) => result.findings.push(
            Finding::new(Code::ExportPartialSuccess, Severity::Warning, "export", format!("the server accepted the {signal} export but rejected {} of {items} items", partial.rejected))
                .evidence(format!("{url}: partial_success rejected={} error_message=\"{}\"", partial.rejected, partial.message))
                .evidence("most SDKs do not log partial success (opentelemetry-rust before 0.32 ignores it): the data is silently lost")
                .fix(Fix::new("export.read_partial_success_message")),
        ),
        None => result.findings.push(
            Finding::new(Code::ExportOk, Severity::Info, "export", format!("exported {items} {} to {url} in {rtt}", item_name(signal)))
                .evidence(format!("trace id {}", cx.trace_id)),
        ),
    }
    if round_trip > SLOW_EXPORT {
        result.findings.push(
            Finding::new(
                Code::ExportSlow,
                Severity::Warning,
                "export",
                format!("the {signal} export took {rtt}"),
            )
            .evidence(format!(
                "over {SLOW_EXPORT:?} for a request of {items} items"
            ))
            .fix(Fix::new("export.slow_export_path")),
        );
    }
}

pub fn item_name(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "spans",
        Signal::Metrics => "metric data points",
        Signal::Logs => "log records",
    }
}

/// A throttled export's fix also says what the SDK does with it: retry after the server's delay,
/// or drop the batch.
fn with_retry_behaviour(finding: Finding, cx: &Context<'_>) -> Finding {
    if finding.code != Code::ExportThrottled || cx.throttled.is_empty() {
        return finding;
    }
    finding.fix(Fix::new("export.what_the_sdk_does_when_throttled").with("behaviour", cx.throttled))
}

/// A refused export: its code, title and fix. Every refusal is an error, throttling included:
/// the data of a refused export did not arrive.
struct Failure {
    code: Code,
    title: String,
    fix: Fix,
}

impl Failure {
    fn error(code: Code, title: impl Into<String>, fix: Fix) -> Self {
        Failure {
            code,
            title: title.into(),
            fix,
        }
    }

    fn finding(self) -> Finding {
        Finding::new(self.code, Severity::Error, "export", self.title).fix(self.fix)
    }
}

/// What the Collector's memory_limiter says when it refuses data (internal/memorylimiter), as
/// an UNAVAILABLE over gRPC and a 503 over OTLP/HTTP.
const MEMORY_LIMITER_REFUSAL: &str = "data refused due to high memory usage";

/// An unavailable answer whose message names the memory_limiter says so, and what to do first.
fn naming_the_memory_limiter(mut found: Finding, message: &str) -> Finding {
    if found.code == Code::ExportUnavailable && message.contains(MEMORY_LIMITER_REFUSAL) {
        found.title = "the Collector's memory_limiter refused the data: the Collector is near its memory limit".into();
        found.prepend_fix(Fix::new("collector.memory_limiter_refuses"));
    }
    found
}

/// A proxy's HTTP refusal in front of a gRPC server whose meaning survives gRPC's mapping: a
/// body limit (413, which gRPC clients see as INTERNAL) or a rate limit (429, seen as
/// UNAVAILABLE, its Retry-After unread).
fn proxy_refusal(status: u16) -> Option<Failure> {
    match status {
        413 => Some(Failure::error(
            Code::ExportPayloadTooLarge,
            "a proxy in front of the gRPC server refused the request as too large (HTTP 413)",
            Fix::new("export.proxy_body_limit"),
        )),
        429 => Some(Failure::error(
            Code::ExportThrottled,
            "a proxy in front of the gRPC server is rate-limiting exports (HTTP 429)",
            Fix::new("export.proxy_rate_limit_grpc"),
        )),
        _ => None,
    }
}

/// A 3xx: the endpoint moved. OTLP exporters do not follow redirects reliably (Python's does
/// not follow them and counts the 3xx as success, so the data is lost silently; a client that
/// follows a 301/302 may resend the POST as a body-less GET, RFC 9110 15.4.2), so the endpoint
/// must name the final URL.
fn redirected(status: u16, location: Option<&str>, cx: &Context<'_>) -> Finding {
    let url = cx.url;
    let finding = Finding::new(
        Code::ProtoRedirected,
        Severity::Error,
        "export",
        match location {
            Some(to) => format!("{url} redirects ({status}) to {to}"),
            None => format!("{url} answered a redirect ({status}) without a Location"),
        },
    )
    .evidence(format!(
        "POST {url} ({}) → {status}, Location: {}",
        cx.protocol,
        location.unwrap_or("(none)")
    ))
    .evidence("the Python exporter 1.45.2 counts a 3xx as a successful export, so its data is lost without an error; clients that follow a 301 or 302 may resend the POST as a GET without the data");
    match location {
        Some(to) => finding.fix(Fix::new("protocol.use_redirect_target").with("location", to)),
        None => finding.fix(Fix::new("export.read_receiver_logs")),
    }
}

fn grpc_failure(code: i32, message: &str, has_retry_info: bool, signal: Signal) -> Failure {
    let too_large = TOO_LARGE_HINTS.iter().any(|hint| message.contains(hint));
    match code {
        16 => Failure::error(
            Code::AuthUnauthenticated,
            "the server requires authentication (UNAUTHENTICATED)",
            Fix::new("export.auth_credential"),
        ),
        7 => Failure::error(
            Code::AuthPermissionDenied,
            "the credential was refused (PERMISSION_DENIED)",
            Fix::new("export.credential_lacks_permission"),
        ),
        12 => Failure::error(
            Code::ProtoSignalUnimplemented,
            format!("the server has no OTLP {signal} service (UNIMPLEMENTED)"),
            Fix::new("protocol.enable_signal_pipeline").with("signal", signal),
        ),
        8 if too_large => Failure::error(
            Code::ExportPayloadTooLarge,
            "the request is larger than the server accepts (RESOURCE_EXHAUSTED)",
            Fix::new("export.send_smaller_batches"),
        ),
        8 | 14 if has_retry_info => Failure::error(
            Code::ExportThrottled,
            "the server is throttling exports",
            Fix::new("export.reduce_rate_or_raise_quota"),
        ),
        8 => Failure::error(
            Code::ExportThrottled,
            "the server is out of resources (RESOURCE_EXHAUSTED)",
            Fix::new("export.over_a_limit"),
        ),
        14 => Failure::error(
            Code::ExportUnavailable,
            "the server is unavailable (UNAVAILABLE)",
            Fix::new("export.receiver_down_grpc"),
        ),
        4 | 1 => Failure::error(
            Code::ExportTimeout,
            "the export did not finish in time",
            Fix::new("export.receiver_slow_or_hung"),
        ),
        3 => Failure::error(
            Code::ExportBadRequest,
            "the server rejected the request as invalid (INVALID_ARGUMENT)",
            Fix::new("export.receiver_speaks_otlp"),
        ),
        _ => Failure::error(
            Code::ExportServerError,
            "the server failed to handle the export",
            Fix::new("export.read_receiver_logs"),
        ),
    }
}

fn http_failure(status: u16, body: &str, retry_after: bool, cx: &Context<'_>) -> Failure {
    let (signal, url) = (cx.signal, cx.url);
    match status {
        400 => Failure::error(
            Code::ExportBadRequest,
            format!("{url} rejected the export as bad (400)"),
            Fix::new("export.receiver_could_not_decode"),
        ),
        401 => Failure::error(
            Code::AuthUnauthenticated,
            "the endpoint requires authentication (401)",
            Fix::new("export.auth_credential"),
        ),
        403 => Failure::error(
            Code::AuthPermissionDenied,
            "the credential was refused (403)",
            Fix::new("export.credential_lacks_permission"),
        ),
        404 => Failure::error(
            Code::ProtoPathNotFound,
            format!("{url} does not exist on this server (404)"),
            Fix::new("protocol.receivers_serve_signal_path")
                .with("path", signal.http_path())
                .with("infix", signal.env_infix()),
        ),
        405 => Failure::error(
            Code::ProtoMethodNotAllowed,
            format!("{url} does not accept POST (405)"),
            Fix::new("export.path_not_otlp_receiver"),
        ),
        413 => Failure::error(
            Code::ExportPayloadTooLarge,
            "the request is larger than the server or a proxy accepts (413)",
            Fix::new("export.send_smaller_batches"),
        ),
        415 => Failure::error(
            Code::ProtoUnsupportedMediaType,
            format!("the server does not accept {} (415)", cx.protocol),
            Fix::new("export.use_accepted_encoding"),
        ),
        429 => Failure::error(
            Code::ExportThrottled,
            "the server is throttling exports (429)",
            Fix::new("export.reduce_rate_or_raise_quota"),
        ),
        503 if retry_after => Failure::error(
            Code::ExportThrottled,
            "the server is throttling exports (503 with Retry-After)",
            Fix::new("export.reduce_rate_or_raise_quota"),
        ),
        // No OTLP receiver answers "Not Implemented" to a POST: the server has no POST at all
        // (a static file server, Python's http.server).
        501 => Failure::error(
            Code::ProtoNotOtlp,
            format!("{url} does not accept POST at all (501): a web server, not an OTLP receiver"),
            Fix::new("export.point_at_http_receiver"),
        ),
        502..=504 => Failure::error(
            Code::ExportUnavailable,
            format!("the server is unavailable ({status})"),
            Fix::new("export.receiver_down_http"),
        ),
        _ if TOO_LARGE_HINTS.iter().any(|hint| body.contains(hint)) => Failure::error(
            Code::ExportPayloadTooLarge,
            format!("the request is too large ({status})"),
            Fix::new("export.send_smaller_batches"),
        ),
        _ => Failure::error(
            Code::ExportServerError,
            format!("the server answered {status}"),
            Fix::new("export.read_receiver_logs"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_status_inside_tonic_messages() {
        let garbled = "protocol error: received message with invalid compression flag: 60 (valid flags are 0 and 1) while receiving response with status: 502 Bad Gateway";
        assert_eq!(proxied_http_status(garbled), Some(502));
        assert_eq!(
            proxied_http_status("grpc-status header missing, mapped from HTTP status code 401"),
            Some(401)
        );
        assert_eq!(proxied_http_status("deadline exceeded"), None);
        assert_eq!(grpc_code_for_http(502), Some(14));
    }
}
