//! The `export` check: sends real test telemetry (official OTLP types, a fresh trace id) for each
//! selected signal and interprets what the server answered. When the answer is a 404 or a 415,
//! it asks again the way that would work (the standard path, the other encoding) so the fix can
//! name it.

pub mod interpret;
mod replay;

use crate::knowledge::fix::Fix;
use crate::otlp::client::{Destination, export};
use crate::otlp::payload::{ExportRequest, ProbeData};
use crate::report::layer::Layer;
use crate::report::{Code, Finding, Severity};
use crate::settings::target::Target;
use crate::settings::{Protocol, Signal};
use crate::transport::dialer::Dialer;
use interpret::{Context, Interpretation, interpret};
use std::time::Instant;

/// One signal's export and what it meant.
struct SignalResult {
    signal: Signal,
    interpretation: Interpretation,
}

/// Exports every signal of the target concurrently and interprets the answers.
pub async fn run(target: &Target, dialer: &Dialer, data: &ProbeData) -> Layer {
    let started = Instant::now();
    let authority = target.url.authority();
    let trace_id = data.trace_id_hex();
    let exports = target.signals.iter().map(|signal| {
        let path = path_for(target, *signal);
        let (authority, trace_id) = (authority.as_str(), trace_id.as_str());
        async move {
            if let Some(replay) = &data.replay {
                let destination = destination(target, dialer, authority, &path, target.protocol);
                return replay::run(&destination, target, *signal, replay).await;
            }
            let url = target.url.with_path(&path);
            let request = ExportRequest::probe(*signal, data);
            let answer = export(
                &destination(target, dialer, authority, &path, target.protocol),
                &request,
            )
            .await;
            let cx = Context {
                signal: *signal,
                protocol: target.protocol,
                url: &url,
                items: request.item_count(),
                trace_id,
                throttled: &target.throttled,
            };
            let interpretation = interpret(&answer, &cx);
            SignalResult {
                signal: *signal,
                interpretation,
            }
        }
    });
    let mut results = futures_util::future::join_all(exports).await;
    let any_accepted = results.iter().any(|r| r.interpretation.accepted);
    for result in &mut results {
        follow_up(target, dialer, data, result, any_accepted).await;
    }

    let findings: Vec<Finding> = results
        .into_iter()
        .flat_map(|r| {
            let signal = r.signal;
            r.interpretation.findings.into_iter().map(move |mut f| {
                f.about_signal(signal.as_str());
                f
            })
        })
        .collect();
    let summary = match findings.iter().any(|f| f.severity != Severity::Info) {
        false if data.replay.is_some() => format!(
            "replayed the capture's {} to {authority}",
            target
                .signals
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        true if data.replay.is_some() => first_problem(&findings),
        false => format!(
            "exported {} to {}; trace id {}",
            target
                .signals
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            authority,
            data.trace_id_hex()
        ),
        true => format!(
            "trace id {}: {}",
            data.trace_id_hex(),
            first_problem(&findings)
        ),
    };
    Layer::from_findings("export", summary, findings, started.elapsed())
}

fn first_problem(findings: &[Finding]) -> String {
    findings
        .iter()
        .find(|f| f.severity != Severity::Info)
        .map(|f| format!("{} {}", f.code, f.title))
        .unwrap_or_default()
}

fn destination<'a>(
    target: &'a Target,
    dialer: &'a Dialer,
    authority: &'a str,
    path: &'a str,
    protocol: Protocol,
) -> Destination<'a> {
    Destination {
        dialer,
        authority,
        http_path: path,
        protocol,
        headers: &target.headers,
        compression: target.compression,
        timeout: target.step_timeout,
    }
}

fn path_for(target: &Target, signal: Signal) -> String {
    target
        .http_paths
        .iter()
        .find(|(s, _)| *s == signal)
        .map(|(_, path)| path.clone())
        .unwrap_or_else(|| signal.http_path().to_string())
}

/// Second opinions that turn "404" and "415" into an exact fix.
async fn follow_up(
    target: &Target,
    dialer: &Dialer,
    data: &ProbeData,
    result: &mut SignalResult,
    others_accepted: bool,
) {
    let signal = result.signal;
    if result.interpretation.not_found {
        let standard = signal.http_path();
        let tried = path_for(target, signal);
        if others_accepted {
            // The server takes other signals on the same base: it has no receiver for this one.
            signal_unimplemented(result, &tried, None);
        } else if let Some(works) = sibling_accepting(target, dialer, data, signal, &tried).await {
            signal_unimplemented(result, &tried, Some(format!("POST {works} works")));
        } else if tried == standard {
            not_an_otlp_receiver(result, target);
        } else {
            let url = target.url.with_path(standard);
            if accepted_elsewhere(target, dialer, data, signal, standard, target.protocol).await {
                for finding in findings_with(result, Code::ProtoPathNotFound) {
                    finding.evidence.push(format!("POST {url} works"));
                    finding.prepend_fix(
                        Fix::new("protocol.send_signal_to_url")
                            .with("signal", signal)
                            .with("url", &url),
                    );
                }
            }
        }
    }
    if result.interpretation.unsupported_media_type && target.protocol.is_http() {
        let other = if target.protocol == Protocol::HttpJson {
            Protocol::HttpProtobuf
        } else {
            Protocol::HttpJson
        };
        let path = path_for(target, signal);
        if accepted_elsewhere(target, dialer, data, signal, &path, other).await {
            for finding in findings_with(result, Code::ProtoUnsupportedMediaType) {
                finding
                    .evidence
                    .push(format!("the same export in {other} is accepted"));
                finding
                    .replace_fixes([Fix::new("protocol.set_other_protocol").with("other", other)]);
            }
        }
    }
}

/// A 404 on the standard path of the server's root, and no other signal's path takes an export:
/// no base URL can help, this HTTP server has no OTLP receiver (a metrics endpoint, a web app).
/// A Go server's own 404 may still be a Collector whose receiver sets `traces_url_path` (or has
/// no pipeline for the signal), which is said instead.
fn not_an_otlp_receiver(result: &mut SignalResult, target: &Target) {
    let others: Vec<&str> = Signal::ALL
        .into_iter()
        .filter(|s| *s != result.signal)
        .map(Signal::http_path)
        .collect();
    let signal = result.signal;
    let go_not_found = result.interpretation.go_not_found;
    for finding in findings_with(result, Code::ProtoPathNotFound) {
        if go_not_found {
            finding.title = format!(
                "{} serves none of the OTLP/HTTP paths, with the 404 of a Go server such as the Collector",
                target.url.authority()
            );
            finding.evidence.push(format!(
                "{} accept no export either; '404 page not found' is what the Collector's OTLP/HTTP receiver answers for a path it does not serve",
                others.join(" and ")
            ));
            finding.replace_fixes([
                Fix::new("protocol.custom_url_path")
                    .with("signal", signal)
                    .with("infix", signal.env_infix()),
                Fix::new("protocol.prefix_behind_proxy"),
            ]);
            continue;
        }
        finding.code = Code::ProtoNotOtlp;
        finding.title = format!(
            "{} serves none of the OTLP/HTTP paths: an HTTP server, but not an OTLP receiver",
            target.url.authority()
        );
        finding
            .evidence
            .push(format!("{} accept no export either", others.join(" and ")));
        finding.replace_fixes([
            Fix::new("export.point_at_http_receiver"),
            Fix::new("protocol.prefix_behind_proxy"),
        ]);
    }
}

/// A 404 on this signal's path while another signal's path on the same base works: the
/// receiver has that signal disabled, it is not a wrong URL.
fn signal_unimplemented(result: &mut SignalResult, tried: &str, evidence: Option<String>) {
    let signal = result.signal;
    for finding in findings_with(result, Code::ProtoPathNotFound) {
        finding.code = Code::ProtoSignalUnimplemented;
        finding.title = format!(
            "the server accepts other signals but has no OTLP/HTTP receiver for {signal} (404 on {tried})"
        );
        finding.evidence.extend(evidence.clone());
        finding.replace_fixes([Fix::new("protocol.enable_signal_pipeline").with("signal", signal)]);
    }
}

/// The URL of another signal's path beside `tried` (same base) that accepts an export, when
/// `tried` ends in this signal's standard path. Sends one probe export per other signal.
async fn sibling_accepting(
    target: &Target,
    dialer: &Dialer,
    data: &ProbeData,
    signal: Signal,
    tried: &str,
) -> Option<String> {
    let base = tried.strip_suffix(signal.http_path())?;
    for other in Signal::ALL.into_iter().filter(|s| *s != signal) {
        let path = format!("{base}{}", other.http_path());
        if accepted_elsewhere(target, dialer, data, other, &path, target.protocol).await {
            return Some(target.url.with_path(&path));
        }
    }
    None
}

/// Whether the same export sent to `path` in `protocol` would be accepted.
async fn accepted_elsewhere(
    target: &Target,
    dialer: &Dialer,
    data: &ProbeData,
    signal: Signal,
    path: &str,
    protocol: Protocol,
) -> bool {
    let authority = target.url.authority();
    let answer = export(
        &destination(target, dialer, &authority, path, protocol),
        &ExportRequest::probe(signal, data),
    )
    .await;
    let url = target.url.with_path(path);
    let cx = Context {
        signal,
        protocol,
        url: &url,
        items: 1,
        trace_id: "",
        throttled: &target.throttled,
    };
    interpret(&answer, &cx).accepted
}

fn findings_with(result: &mut SignalResult, code: Code) -> impl Iterator<Item = &mut Finding> {
    result
        .interpretation
        .findings
        .iter_mut()
        .filter(move |f| f.code == code)
}
