//! LINT_ORPHAN_SPAN and LINT_DUPLICATE_SPAN_ID, and the bounds of the trace window.

use super::build::*;
use crate::report::{Code, Severity};
use crate::serve::lint::traces::{TraceWindow, WindowLimits};
use crate::serve::lint::{DEFAULT_ORPHAN_GRACE, LintConfig, Linter};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use std::time::Duration;

#[test]
fn a_span_whose_parent_never_arrives_is_an_orphan_at_finish() {
    let mut linter = Linter::default();
    let batch = traces(vec![child("charge card", 1, 2, 1)]);
    assert_eq!(linter.inspect(&batch, now()), vec![]);
    let found = linter.finish();
    let finding = only(&found, Code::LintOrphanSpan);
    assert_eq!(finding.severity, Severity::Warning);
    let text = text(&finding);
    assert!(
        text.contains("service `checkout`: 1 span(s) named `charge card`"),
        "{text}"
    );
    assert!(text.contains("before the session ended"), "{text}");
    assert!(
        text.contains("trace 4bf92f35010101010101010101010101, span 00f067aa0ba90202, missing parent 00f067aa0ba90201"),
        "{text}"
    );
    assert!(text.contains("shutdown()"), "{text}");
}

#[test]
fn a_parent_arriving_in_a_later_batch_is_no_orphan() {
    let mut linter = Linter::default();
    let children = traces(vec![child("SELECT", 1, 2, 1), child("redis GET", 1, 3, 1)]);
    let parent = traces(vec![span("GET /users/{id}", 1, 1)]);
    assert_eq!(linter.inspect(&children, now()), vec![]);
    assert_eq!(linter.inspect(&parent, later(5)), vec![]);
    assert_eq!(
        linter.inspect(&traces(vec![span("other", 2, 1)]), later(600)),
        vec![]
    );
    assert_eq!(linter.finish(), vec![]);
}

#[test]
fn a_parent_later_in_the_same_batch_is_no_orphan() {
    let batch = traces(vec![child("SELECT", 1, 2, 1), span("GET /", 1, 1)]);
    assert_eq!(lint(&batch), vec![]);
}

#[test]
fn an_idle_trace_is_judged_after_the_grace_period() {
    let mut linter = Linter::default();
    assert_eq!(
        linter.inspect(&traces(vec![child("SELECT", 1, 2, 1)]), now()),
        vec![]
    );
    let early = linter.inspect(&traces(vec![span("other", 2, 1)]), later(10));
    assert_eq!(early, vec![]);
    let grace = DEFAULT_ORPHAN_GRACE.as_secs();
    let found = linter.inspect(&traces(vec![span("other", 3, 1)]), later(grace + 1));
    let finding = only(&found, Code::LintOrphanSpan);
    assert!(
        text(&finding).contains("within 1m after the trace's last span"),
        "{finding:#?}"
    );
    assert_eq!(linter.finish(), vec![], "judged once");
}

#[test]
fn orphans_are_grouped_by_service_and_span_name() {
    let spans = (1..=30u8).map(|n| child("charge card", n, 2, 1)).collect();
    let mut linter = Linter::default();
    linter.inspect(&traces(spans), now());
    let found = linter.finish();
    let finding = only(&found, Code::LintOrphanSpan);
    assert!(
        text(&finding).contains("30 span(s) named `charge card`"),
        "{finding:#?}"
    );
    let examples = finding
        .evidence
        .iter()
        .filter(|e| e.starts_with("trace "))
        .count();
    assert_eq!(examples, 3);
}

#[test]
fn the_same_span_sent_twice_is_a_duplicate() {
    let mut linter = Linter::default();
    let batch = traces(vec![span("checkout", 1, 1)]);
    assert_eq!(linter.inspect(&batch, now()), vec![]);
    let found = linter.inspect(&batch, later(1));
    let finding = only(&found, Code::LintDuplicateSpanId);
    assert_eq!(finding.severity, Severity::Warning);
    let text = text(&finding);
    assert!(text.contains("span `checkout` (trace 4bf92f35010101010101010101010101, span 00f067aa0ba90201) arrived twice"), "{text}");
    assert!(text.contains("exported twice"), "{text}");
    assert!(text.contains("OTEL_EXPORTER_OTLP_TIMEOUT"), "{text}");
}

#[test]
fn two_different_spans_with_one_id_are_a_collision() {
    let found = lint(&traces(vec![span("checkout", 1, 1), span("charge", 1, 1)]));
    let finding = only(&found, Code::LintDuplicateSpanId);
    assert!(
        text(&finding).contains("two different spans share one id"),
        "{finding:#?}"
    );
}

#[test]
fn the_same_span_id_in_different_traces_is_fine() {
    assert_eq!(
        lint(&traces(vec![span("a", 1, 1), span("a", 2, 1)])),
        vec![]
    );
}

#[test]
fn duplicates_are_reported_once_per_span_name() {
    let batch = traces((1..=10u8).map(|n| span("checkout", n, 1)).collect());
    let mut linter = Linter::default();
    linter.inspect(&batch, now());
    assert_eq!(
        codes(&linter.inspect(&batch, later(1))),
        vec![Code::LintDuplicateSpanId]
    );
}

#[test]
fn the_window_is_bounded_by_traces_and_forgets_without_judging() {
    let config = LintConfig {
        max_tracked_traces: 10,
        ..LintConfig::default()
    };
    let mut linter = Linter::new(config);
    for n in 1..=100u8 {
        let batch = traces(vec![child("waiting", n, 2, 1)]);
        let at = now() + Duration::from_millis(u64::from(n));
        assert_eq!(linter.inspect(&batch, at), vec![]);
    }
    assert_eq!(linter.traces.tracked().0, 10);
    let found = linter.finish();
    let finding = only(&found, Code::LintOrphanSpan);
    assert!(
        text(&finding).contains("10 span(s)"),
        "only the tracked traces are judged: {finding:#?}"
    );
}

#[test]
fn the_window_is_bounded_by_spans() {
    let limits = WindowLimits {
        max_traces: 1_000,
        max_spans: 50,
        max_spans_per_trace: 20,
        grace: Duration::from_secs(60),
    };
    let mut window = TraceWindow::new(limits);
    for n in 1..=40u8 {
        let spans = (1..=10u8).map(|id| span("s", n, id)).collect();
        let request = request(traces(spans));
        window.observe(&request, later(u64::from(n)));
        let (_, weight) = window.tracked();
        assert!(weight <= 50, "weight {weight}");
    }
    // One huge trace stops being tracked (and judged) instead of growing.
    let huge = (1..=60u8).map(|id| child("s", 200, id, 250)).collect();
    window.observe(&request(traces(huge)), later(100));
    let (_, weight) = window.tracked();
    assert!(weight <= 50, "weight {weight}");
    assert_eq!(
        window
            .drain()
            .iter()
            .filter(|s| s.trace_id[15] == 200)
            .count(),
        0
    );
}

fn request(received: crate::serve::Received) -> ExportTraceServiceRequest {
    match received.payload {
        crate::otlp::payload::ExportRequest::Traces(request) => request,
        other => panic!("not traces: {other:?}"),
    }
}

#[test]
fn a_tick_judges_idle_traces_without_a_batch() {
    let mut linter = Linter::default();
    linter.inspect(&traces(vec![child("SELECT", 1, 2, 1)]), now());
    assert_eq!(linter.tick(later(10)), vec![]);
    let grace = DEFAULT_ORPHAN_GRACE.as_secs();
    assert_eq!(
        codes(&linter.tick(later(grace))),
        vec![Code::LintOrphanSpan]
    );
    assert_eq!(linter.finish(), vec![]);
}
