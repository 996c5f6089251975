//! LINT_INVALID_TRACE_ID and LINT_INVALID_SPAN_ID.

use super::build::*;
use crate::report::{Code, Severity};
use opentelemetry_proto::tonic::trace::v1::span::Link;

#[test]
fn an_all_zero_trace_id_is_invalid() {
    let mut broken = span("checkout", 1, 1);
    broken.trace_id = vec![0; 16];
    let found = lint(&traces(vec![broken]));
    let finding = only(&found, Code::LintInvalidTraceId);
    assert_eq!(finding.severity, Severity::Error);
    let text = text(&finding);
    assert!(text.contains("service `checkout`"), "{text}");
    assert!(
        text.contains(
            "span `checkout` (trace 00000000000000000000000000000000, span 00f067aa0ba90201)"
        ),
        "{text}"
    );
    assert!(text.contains("trace_id is all zeros"), "{text}");
}

#[test]
fn a_trace_id_of_the_wrong_length_is_invalid() {
    let mut broken = span("checkout", 1, 1);
    broken.trace_id = vec![7; 15];
    let found = lint(&traces(vec![broken]));
    assert!(
        text(&only(&found, Code::LintInvalidTraceId))
            .contains("trace_id is 15 bytes instead of 16")
    );
}

#[test]
fn hex_text_sent_as_bytes_is_recognised() {
    let mut broken = span("checkout", 1, 1);
    broken.trace_id = b"4bf92f3577b34da6a3ce929d0e0e4736".to_vec();
    let found = lint(&traces(vec![broken]));
    assert!(
        text(&only(&found, Code::LintInvalidTraceId))
            .contains("hex text of an id sent as raw bytes")
    );
}

#[test]
fn empty_and_zero_span_ids_are_invalid() {
    let mut empty = span("a", 1, 1);
    empty.span_id = vec![];
    let mut zero = span("b", 1, 2);
    zero.span_id = vec![0; 8];
    let found = lint(&traces(vec![empty, zero]));
    assert_eq!(
        codes(&found),
        vec![Code::LintInvalidSpanId, Code::LintInvalidSpanId]
    );
    assert!(text(&found[0]).contains("span_id is empty"));
    assert!(text(&found[1]).contains("span_id is all zeros"));
}

#[test]
fn a_parent_span_id_of_the_wrong_length_is_invalid() {
    let mut broken = span("checkout", 1, 1);
    broken.parent_span_id = vec![1, 2, 3, 4];
    let found = lint(&traces(vec![broken]));
    let text = text(&only(&found, Code::LintInvalidSpanId));
    assert!(
        text.contains("parent_span_id is 4 bytes instead of 8"),
        "{text}"
    );
    assert!(text.contains("root span"), "{text}");
}

#[test]
fn links_need_valid_ids() {
    let mut linked = span("consume", 1, 1);
    linked.links = vec![Link {
        trace_id: vec![9; 12],
        span_id: span_id(9),
        ..Link::default()
    }];
    let found = lint(&traces(vec![linked]));
    let finding = only(&found, Code::LintInvalidTraceId);
    assert_eq!(finding.title, "a span link has an invalid trace id");
    assert!(text(&finding).contains("link trace_id is 12 bytes instead of 16"));
}

#[test]
fn log_records_may_omit_ids_but_not_set_invalid_ones() {
    let mut outside_span = log_record("started");
    outside_span.trace_id = vec![];
    outside_span.span_id = vec![];
    assert_eq!(lint(&logs(vec![outside_span])), vec![]);

    let mut broken = log_record("paid");
    broken.trace_id = vec![0; 16];
    broken.span_id = vec![1; 4];
    let found = lint(&logs(vec![broken]));
    assert_eq!(
        codes(&found),
        vec![Code::LintInvalidTraceId, Code::LintInvalidSpanId]
    );
    assert_eq!(found[0].title, "a log record has an invalid trace id");
    assert!(
        text(&found[1]).contains("INFO log record"),
        "{:#?}",
        found[1]
    );
}

#[test]
fn invalid_ids_are_reported_once_per_span_name() {
    let spans = (1..=20u8)
        .map(|n| {
            let mut broken = span("checkout", n, 1);
            broken.trace_id = vec![0; 16];
            broken
        })
        .collect();
    assert_eq!(codes(&lint(&traces(spans))), vec![Code::LintInvalidTraceId]);
}
