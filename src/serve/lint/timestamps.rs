//! Timestamps: LINT_ZERO_TIMESTAMP (a span start or end of 0, a log record with neither time nor
//! observed time, a data point without a time), LINT_END_BEFORE_START, LINT_TIMESTAMP_NOT_NANOS
//! (a value that is only plausible as seconds, milliseconds or microseconds) and
//! LINT_FUTURE_TIMESTAMP (later than the receiver's clock by more than a tolerance: clock skew).

use super::LINT_CHECK;
use super::seen::Findings;
use super::walk::{Service, clip, log_label, log_records, points, span_label, spans};
use crate::knowledge::fix::Fix;
use crate::otlp::payload::ExportRequest;
use crate::report::{Code, Finding, Severity};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// 1e17 ns is March 1973: no real telemetry is older, while today's time in microseconds
/// (about 1.7e15) and anything smaller is below it.
const MIN_PLAUSIBLE_NANOS: u64 = 100_000_000_000_000_000;
/// The years a timestamp in a wrong unit is tested against: 2000-01-01 to 2100-01-01, in seconds.
const PLAUSIBLE_SECONDS: (u64, u64) = (946_684_800, 4_102_444_800);
/// The units a misread timestamp may be in, with how many of them make a second.
const UNITS: [(&str, u64, &str); 3] = [
    ("seconds", 1, "1,000,000,000"),
    ("milliseconds", 1_000, "1,000,000"),
    ("microseconds", 1_000_000, "1,000"),
];

/// The item whose timestamps are checked, and how evidence names it.
#[derive(Clone, Copy)]
struct Subject<'a> {
    service: Service<'a>,
    item: &'static str,
    label: &'a dyn Fn() -> String,
}

/// What the timestamps of one batch are checked against.
#[derive(Debug, Clone, Copy)]
struct Clock {
    now_nanos: u64,
    tolerance: Duration,
}

pub(super) fn check(
    payload: &ExportRequest,
    now: SystemTime,
    tolerance: Duration,
    out: &mut Findings<'_>,
) {
    let now_nanos = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    let clock = Clock {
        now_nanos,
        tolerance,
    };
    match payload {
        ExportRequest::Traces(request) => {
            for (service, span) in spans(request) {
                let label = || span_label(span);
                let subject = Subject {
                    service,
                    item: "span",
                    label: &label,
                };
                let (start, end) = (span.start_time_unix_nano, span.end_time_unix_nano);
                let zero = match (start == 0, end == 0) {
                    (true, true) => Some("start_time_unix_nano and end_time_unix_nano are 0"),
                    (true, false) => Some("start_time_unix_nano is 0"),
                    (false, true) => Some("end_time_unix_nano is 0"),
                    (false, false) => None,
                };
                if let Some(what) = zero {
                    report_zero(&subject, what, span.name.as_str(), out);
                }
                let start_ok = plausible(&subject, "start_time_unix_nano", start, clock, out);
                let end_ok = plausible(&subject, "end_time_unix_nano", end, clock, out);
                if start != 0 && end != 0 && start_ok && end_ok && end < start {
                    report_end_before_start(service, span, start - end, out);
                }
            }
        }
        ExportRequest::Logs(request) => {
            for (service, record) in log_records(request) {
                let label = || log_label(record);
                let subject = Subject {
                    service,
                    item: "log record",
                    label: &label,
                };
                let (time, observed) = (record.time_unix_nano, record.observed_time_unix_nano);
                if time == 0 && observed == 0 {
                    let what = "time_unix_nano and observed_time_unix_nano are both 0";
                    report_zero(&subject, what, "", out);
                }
                plausible(&subject, "time_unix_nano", time, clock, out);
                plausible(&subject, "observed_time_unix_nano", observed, clock, out);
            }
        }
        ExportRequest::Metrics(request) => {
            for (service, point) in points(request) {
                let label = || format!("a data point of metric `{}`", clip(point.metric));
                let subject = Subject {
                    service,
                    item: "data point",
                    label: &label,
                };
                if point.time_unix_nano == 0 {
                    report_zero(&subject, "time_unix_nano is 0", point.metric, out);
                }
                plausible(&subject, "time_unix_nano", point.time_unix_nano, clock, out);
                plausible(
                    &subject,
                    "start_time_unix_nano",
                    point.start_time_unix_nano,
                    clock,
                    out,
                );
            }
        }
    }
}

/// The unit a too-small timestamp is plausible in, if any.
fn unit_of(value: u64) -> Option<(&'static str, &'static str)> {
    UNITS.iter().find_map(|(unit, per_second, factor)| {
        let (from, to) = (
            PLAUSIBLE_SECONDS.0 * per_second,
            PLAUSIBLE_SECONDS.1 * per_second,
        );
        (from..to).contains(&value).then_some((*unit, *factor))
    })
}

/// Checks one timestamp for a wrong unit and for the future; true when it is 0 (judged by the
/// caller) or a plausible nanosecond time, so comparing it with another is meaningful.
fn plausible(
    subject: &Subject<'_>,
    field: &'static str,
    value: u64,
    clock: Clock,
    out: &mut Findings<'_>,
) -> bool {
    let Subject {
        service,
        item,
        label,
    } = *subject;
    if value == 0 {
        return true;
    }
    if value < MIN_PLAUSIBLE_NANOS {
        let unit = unit_of(value);
        let key = (service.key(), item, unit.map(|(u, _)| u));
        out.once(Code::LintTimestampNotNanos, key, || {
            let reading = match unit {
                Some((unit, _)) => format!("it looks like {unit} since the epoch"),
                None => "it is no plausible time in seconds, milliseconds or microseconds either"
                    .to_owned(),
            };
            let finding = Finding::new(
                Code::LintTimestampNotNanos,
                Severity::Warning,
                LINT_CHECK,
                format!("{item} timestamps are not in nanoseconds"),
            )
            .evidence(format!("{service}, {}: {field}={value}", label()))
            .evidence(format!(
                "read as nanoseconds that is {}; {reading}",
                date(value)
            ));
            match unit {
                Some((unit, factor)) => finding.fix(
                    Fix::new("lint.multiply_to_nanos")
                        .with("unit", unit)
                        .with("factor", factor),
                ),
                None => finding.fix(Fix::new("lint.check_time_conversion")),
            }
            .fix(Fix::new("lint.json_times_as_strings"))
        });
        return false;
    }
    let ahead = value.saturating_sub(clock.now_nanos);
    if Duration::from_nanos(ahead) > clock.tolerance {
        out.once(Code::LintFutureTimestamp, (service.key(), item), || {
            let ahead = Duration::from_secs(ahead / 1_000_000_000);
            Finding::new(
                Code::LintFutureTimestamp,
                Severity::Warning,
                LINT_CHECK,
                format!("{item} timestamps lie in the future"),
            )
            .evidence(format!(
                "{service}, {}: {field} is {}",
                label(),
                date(value)
            ))
            .evidence(format!(
                "that is {} ahead of this receiver's clock (tolerance {})",
                humantime::format_duration(ahead),
                humantime::format_duration(clock.tolerance)
            ))
            .fix(Fix::new("lint.sync_clock"))
            .fix(Fix::new("lint.check_explicit_timestamps"))
        });
    }
    true
}

/// `name` (span name or metric name) narrows the dedupe key where the item has one.
fn report_zero(subject: &Subject<'_>, what: &'static str, name: &str, out: &mut Findings<'_>) {
    let Subject {
        service,
        item,
        label,
    } = *subject;
    out.once(
        Code::LintZeroTimestamp,
        (service.key(), item, name, what),
        || {
            Finding::new(
                Code::LintZeroTimestamp,
                Severity::Error,
                LINT_CHECK,
                format!("a {item} has a zero timestamp"),
            )
            .evidence(format!("{service}, {}: {what}", label()))
            .evidence(
                "0 means 1 January 1970: backends file the data far outside every query window",
            )
            .fix(Fix::new("lint.set_timestamps"))
            .fix(Fix::new("lint.fix_conversion_code"))
        },
    );
}

fn report_end_before_start(
    service: Service<'_>,
    span: &opentelemetry_proto::tonic::trace::v1::Span,
    by_nanos: u64,
    out: &mut Findings<'_>,
) {
    out.once(
        Code::LintEndBeforeStart,
        (service.key(), span.name.as_str()),
        || {
            Finding::new(
                Code::LintEndBeforeStart,
                Severity::Error,
                LINT_CHECK,
                "a span ends before it starts",
            )
            .evidence(format!(
                "{service}, {}: ends {} before it starts",
                span_label(span),
                humantime::format_duration(Duration::from_nanos(by_nanos))
            ))
            .evidence(format!(
                "start_time_unix_nano={}, end_time_unix_nano={}",
                span.start_time_unix_nano, span.end_time_unix_nano
            ))
            .fix(Fix::new("lint.same_clock_for_both"))
            .fix(Fix::new("lint.check_explicit_start_end"))
        },
    );
}

/// A nanosecond timestamp as an RFC 3339 date.
fn date(nanos: u64) -> String {
    let time = UNIX_EPOCH + Duration::from_nanos(nanos);
    humantime::format_rfc3339_seconds(time).to_string()
}
