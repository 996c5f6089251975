//! LINT_EMPTY_EXPORT: a request with no spans, data points or log records, whether it has no
//! resources at all or only empty ones. Not an error (the server accepts it), but a sign that a
//! sampler or filter drops everything, or that a periodic flush runs with nothing to send.
//! Reported once per signal and sender.

use super::LINT_CHECK;
use super::seen::Findings;
use super::walk::{clip, resources};
use crate::knowledge::fix::Fix;
use crate::otlp::payload::ExportRequest;
use crate::report::{Code, Finding, Severity};
use crate::serve::Received;
use crate::settings::Signal;

pub(super) fn check(received: &Received, out: &mut Findings<'_>) {
    let payload = &received.payload;
    if payload.item_count() > 0 {
        return;
    }
    let agent = received.meta.user_agent.as_deref().unwrap_or("");
    let peer = received.meta.peer.map(|addr| addr.ip());
    out.once(
        Code::LintEmptyExport,
        (received.signal, agent, peer),
        || {
            let items = items(received.signal);
            let mut finding = Finding::new(
                Code::LintEmptyExport,
                Severity::Info,
                LINT_CHECK,
                format!("an export request carried no {items}"),
            )
            .evidence(format!(
                "{} request over {}: {}",
                received.signal.as_str(),
                received.transport,
                shape(payload)
            ));
            if !agent.is_empty() {
                finding = finding.evidence(format!("sender: User-Agent {}", clip(agent)));
            }
            finding
                .fix(Fix::new("lint.check_sampler"))
                .fix(Fix::new("lint.code_runs_before_flush").with("items", items))
        },
    );
}

fn items(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "spans",
        Signal::Metrics => "data points",
        Signal::Logs => "log records",
    }
}

/// `2 resources, 3 scopes, no spans`, or what is missing first.
fn shape(payload: &ExportRequest) -> String {
    let resources = resources(payload).len();
    let scopes: usize = match payload {
        ExportRequest::Traces(r) => r.resource_spans.iter().map(|r| r.scope_spans.len()).sum(),
        ExportRequest::Metrics(r) => r
            .resource_metrics
            .iter()
            .map(|r| r.scope_metrics.len())
            .sum(),
        ExportRequest::Logs(r) => r.resource_logs.iter().map(|r| r.scope_logs.len()).sum(),
    };
    let items = items(payload.signal());
    match (resources, scopes) {
        (0, _) => "no resources at all".to_owned(),
        (r, 0) => format!("{r} resource(s) without any scope"),
        (r, s) => format!("{r} resource(s), {s} scope(s), no {items}"),
    }
}
