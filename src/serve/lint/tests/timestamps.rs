//! LINT_ZERO_TIMESTAMP, LINT_END_BEFORE_START, LINT_TIMESTAMP_NOT_NANOS, LINT_FUTURE_TIMESTAMP.

use super::build::*;
use crate::report::{Code, Severity};
use crate::serve::lint::{LintConfig, Linter};

#[test]
fn a_span_without_end_time_has_a_zero_timestamp() {
    let mut broken = span("checkout", 1, 1);
    broken.end_time_unix_nano = 0;
    let found = lint(&traces(vec![broken]));
    let finding = only(&found, Code::LintZeroTimestamp);
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(finding.title, "a span has a zero timestamp");
    assert!(
        text(&finding).contains("end_time_unix_nano is 0"),
        "{finding:#?}"
    );
    assert_eq!(found.len(), 1, "no end-before-start on top: {found:#?}");
}

#[test]
fn a_log_record_needs_one_of_its_times() {
    let mut only_observed = log_record("a");
    only_observed.time_unix_nano = 0;
    assert_eq!(lint(&logs(vec![only_observed])), vec![]);

    let mut neither = log_record("b");
    neither.time_unix_nano = 0;
    neither.observed_time_unix_nano = 0;
    let found = lint(&logs(vec![neither]));
    assert!(text(&only(&found, Code::LintZeroTimestamp)).contains("both 0"));
}

#[test]
fn a_data_point_needs_a_time() {
    let mut broken = point(1.0);
    broken.time_unix_nano = 0;
    broken.start_time_unix_nano = 0;
    let found = lint(&metrics(vec![gauge("queue.depth", vec![broken])]));
    let finding = only(&found, Code::LintZeroTimestamp);
    assert!(
        text(&finding).contains("metric `queue.depth`"),
        "{finding:#?}"
    );
}

#[test]
fn a_span_that_ends_before_it_starts() {
    let mut broken = span("checkout", 1, 1);
    broken.end_time_unix_nano = broken.start_time_unix_nano - 3 * SECOND;
    let found = lint(&traces(vec![broken]));
    let finding = only(&found, Code::LintEndBeforeStart);
    assert_eq!(finding.severity, Severity::Error);
    assert!(
        text(&finding).contains("ends 3s before it starts"),
        "{finding:#?}"
    );
}

#[test]
fn milliseconds_are_recognised() {
    let mut broken = span("checkout", 1, 1);
    broken.start_time_unix_nano = NOW_NANOS / 1_000_000 - 2_000;
    broken.end_time_unix_nano = NOW_NANOS / 1_000_000 - 1_000;
    let found = lint(&traces(vec![broken]));
    let finding = only(&found, Code::LintTimestampNotNanos);
    assert_eq!(finding.severity, Severity::Warning);
    let text = text(&finding);
    assert!(text.contains("looks like milliseconds"), "{text}");
    assert!(text.contains("1970-01-01T00:29"), "{text}");
    assert!(
        text.contains("multiply milliseconds by 1,000,000"),
        "{text}"
    );
}

#[test]
fn seconds_and_microseconds_are_recognised() {
    let mut record = log_record("a");
    record.time_unix_nano = NOW_NANOS / SECOND;
    record.observed_time_unix_nano = NOW_NANOS / 1_000;
    let found = lint(&logs(vec![record]));
    assert_eq!(
        codes(&found),
        vec![Code::LintTimestampNotNanos, Code::LintTimestampNotNanos]
    );
    assert!(
        text(&found[0]).contains("looks like seconds"),
        "{:#?}",
        found[0]
    );
    assert!(
        text(&found[1]).contains("looks like microseconds"),
        "{:#?}",
        found[1]
    );
}

#[test]
fn a_tiny_timestamp_has_no_plausible_unit() {
    let mut broken = point(1.0);
    broken.start_time_unix_nano = 12_345;
    let found = lint(&metrics(vec![gauge("orders", vec![broken])]));
    assert!(text(&only(&found, Code::LintTimestampNotNanos)).contains("no plausible time"));
}

#[test]
fn a_timestamp_beyond_the_tolerance_is_in_the_future() {
    let mut ahead = span("checkout", 1, 1);
    ahead.start_time_unix_nano = NOW_NANOS + 3_600 * SECOND;
    ahead.end_time_unix_nano = NOW_NANOS + 3_601 * SECOND;
    let found = lint(&traces(vec![ahead]));
    let finding = only(&found, Code::LintFutureTimestamp);
    assert_eq!(finding.severity, Severity::Warning);
    let text = text(&finding);
    assert!(text.contains("1h ahead of this receiver's clock"), "{text}");
    assert!(text.contains("NTP"), "{text}");
}

#[test]
fn a_timestamp_within_the_tolerance_is_fine() {
    let mut slightly_ahead = span("checkout", 1, 1);
    slightly_ahead.start_time_unix_nano = NOW_NANOS + 60 * SECOND;
    slightly_ahead.end_time_unix_nano = NOW_NANOS + 61 * SECOND;
    assert_eq!(lint(&traces(vec![slightly_ahead])), vec![]);

    let strict = LintConfig {
        future_tolerance: std::time::Duration::from_secs(10),
        ..LintConfig::default()
    };
    let mut ahead = span("checkout", 1, 1);
    ahead.end_time_unix_nano = NOW_NANOS + 60 * SECOND;
    let found = Linter::new(strict).inspect(&traces(vec![ahead]), now());
    assert_eq!(codes(&found), vec![Code::LintFutureTimestamp]);
}
