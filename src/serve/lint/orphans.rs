//! LINT_ORPHAN_SPAN: spans whose parent span never arrived in their trace. Judged when the
//! [`TraceWindow`](super::traces::TraceWindow) closes a trace, after it was idle for the grace
//! period or when the session ends, never earlier: a parent arriving in a later batch is normal
//! (parents end, and so are exported, after their children). Grouped and reported once per
//! service and span name.

use super::LINT_CHECK;
use super::seen::Findings;
use super::traces::SpanNote;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};
use std::collections::BTreeMap;
use std::time::Duration;

/// Example spans shown per finding.
const MAX_EXAMPLES: usize = 3;

/// When the traces were closed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Judged {
    /// Idle for this long.
    Idle(Duration),
    SessionEnd,
}

pub(super) fn report(orphans: &[SpanNote], judged: Judged, out: &mut Findings<'_>) {
    let mut groups: BTreeMap<(&str, &str), Vec<&SpanNote>> = BTreeMap::new();
    for orphan in orphans {
        groups
            .entry((orphan.service.as_str(), orphan.name.as_str()))
            .or_default()
            .push(orphan);
    }
    for ((service, name), spans) in groups {
        out.once(Code::LintOrphanSpan, (service, name), || {
            let service = if service.is_empty() {
                "a service without service.name".to_owned()
            } else {
                format!("service `{service}`")
            };
            let when = match judged {
                Judged::Idle(grace) => format!(
                    "within {} after the trace's last span",
                    humantime::format_duration(grace)
                ),
                Judged::SessionEnd => "before the session ended".to_owned(),
            };
            let mut finding = Finding::new(
                Code::LintOrphanSpan,
                Severity::Warning,
                LINT_CHECK,
                format!("span `{name}` references a parent span that never arrived"),
            )
            .evidence(format!(
                "{service}: {} span(s) named `{name}` name a parent that was not received {when}",
                spans.len()
            ));
            for span in spans.iter().take(MAX_EXAMPLES) {
                finding = finding.evidence(format!(
                    "trace {}, span {}, missing parent {}",
                    hex::encode(span.trace_id),
                    hex::encode(span.span_id),
                    hex::encode(span.parent_span_id)
                ));
            }
            finding
                .fix(Fix::new("lint.shutdown_before_exit"))
                .fix(Fix::new("lint.same_destination"))
                .fix(Fix::new("lint.external_parent"))
        });
    }
}
