//! LINT_DUPLICATE_SPAN_ID: a span id that arrives twice in one trace (as remembered by the
//! [`TraceWindow`](super::traces::TraceWindow)). Identical copies mean a resend, typically a retry
//! after an export timeout whose first attempt did arrive; differing copies mean two spans got
//! the same id. Reported once per service and span name.

use super::LINT_CHECK;
use super::seen::Findings;
use super::traces::Repeat;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};

pub(super) fn report(repeats: &[Repeat], out: &mut Findings<'_>) {
    for repeat in repeats {
        let span = &repeat.span;
        let key = (span.service.as_str(), span.name.as_str());
        out.once(Code::LintDuplicateSpanId, key, || {
            let service = if span.service.is_empty() {
                "a service without service.name".to_owned()
            } else {
                format!("service `{}`", span.service)
            };
            let finding = Finding::new(
                Code::LintDuplicateSpanId,
                Severity::Warning,
                LINT_CHECK,
                "the same span id appears more than once in a trace",
            )
            .evidence(format!(
                "{service}, span `{}` (trace {}, span {}) arrived twice",
                span.name,
                hex::encode(span.trace_id),
                hex::encode(span.span_id)
            ));
            if repeat.identical {
                finding
                    .evidence("both copies have the same name and times: the same span was exported twice")
                    .fix(Fix::new("lint.resent_after_timeout"))
                    .fix(Fix::new("lint.one_exporter_per_span"))
            } else {
                finding
                    .evidence("the copies differ in name or times: two different spans share one id")
                    .fix(Fix::new("lint.default_id_generator"))
                    .fix(Fix::new("lint.replayed_data"))
            }
        });
    }
}
