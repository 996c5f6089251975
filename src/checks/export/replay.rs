//! `send --replay`: the export layer sends a capture's requests of one signal, in file order,
//! instead of the probe, and interprets every answer as it would the probe's. The first request
//! the server does not accept stops that signal's replay (the rest would most likely meet the
//! same answer, each after its own timeout); its findings are the signal's result. When every
//! request is taken, one EXPORT_OK sums them up and the warnings met on the way (partial
//! success, slow exports) are kept once each, with how often they happened.

use super::SignalResult;
use super::interpret::{Context, Interpretation, interpret, item_name};
use crate::otlp::client::{Destination, export};
use crate::otlp::payload::Replay;
use crate::report::{Code, Finding, Severity};
use crate::settings::Signal;
use crate::settings::target::Target;

/// Replays the capture's requests of `signal` to `destination`.
pub(super) async fn run(
    destination: &Destination<'_>,
    target: &Target,
    signal: Signal,
    replay: &Replay,
) -> SignalResult {
    let url = target.url.with_path(destination.http_path);
    let total = replay.of(signal).count();
    let mut warnings: Vec<(Finding, usize)> = Vec::new();
    let mut items = 0;
    for (index, request) in replay.of(signal).enumerate() {
        let answer = export(destination, request).await;
        let cx = Context {
            signal,
            protocol: destination.protocol,
            url: &url,
            items: request.item_count(),
            trace_id: "",
            throttled: &target.throttled,
        };
        let mut interpretation = interpret(&answer, &cx);
        if !interpretation.accepted {
            let unsent = total - index - 1;
            for finding in &mut interpretation.findings {
                finding.evidence.push(format!(
                    "request {} of the capture's {total} export requests of {signal}; the {index} before it were accepted{}",
                    index + 1,
                    if unsent > 0 {
                        format!(", the {unsent} after it were not sent")
                    } else {
                        String::new()
                    }
                ));
            }
            return SignalResult {
                signal,
                interpretation,
            };
        }
        items += request.item_count();
        for finding in interpretation.findings {
            if finding.code == Code::ExportOk {
                continue;
            }
            match warnings
                .iter_mut()
                .find(|(kept, _)| kept.code == finding.code)
            {
                Some((_, seen)) => *seen += 1,
                None => warnings.push((finding, 1)),
            }
        }
    }
    let mut findings = vec![Finding::new(
        Code::ExportOk,
        Severity::Info,
        "export",
        format!(
            "replayed the capture's {total} export requests of {signal} ({items} {}) to {url}",
            item_name(signal)
        ),
    )];
    findings.extend(warnings.into_iter().map(|(finding, seen)| {
        finding.evidence(format!("on {seen} of the {total} requests replayed"))
    }));
    SignalResult {
        signal,
        interpretation: Interpretation {
            findings,
            accepted: true,
            not_found: false,
            unsupported_media_type: false,
            go_not_found: false,
        },
    }
}
