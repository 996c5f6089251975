//! LINT_INVALID_TRACE_ID and LINT_INVALID_SPAN_ID: trace ids must be 16 bytes and span ids 8,
//! neither all zeros (trace.proto). Spans and their links must carry both; a parent span id and
//! the ids of a log record are optional, but invalid when set. Reported once per service, span
//! name (or record kind), field and kind of problem.

use super::LINT_CHECK;
use super::seen::Findings;
use super::walk::{Service, log_label, log_records, span_label, spans};
use crate::knowledge::fix::Fix;
use crate::otlp::payload::ExportRequest;
use crate::report::{Code, Finding, Severity};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::trace::v1::Span;

pub(super) const TRACE_ID_LEN: usize = 16;
pub(super) const SPAN_ID_LEN: usize = 8;

/// Why an id is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Problem {
    Empty,
    Length(usize),
    Zero,
}

/// Which id of which item is invalid.
#[derive(Debug, Clone, Copy)]
struct Field {
    code: Code,
    /// The proto field name, as users see it in OTLP/JSON and SDK code.
    name: &'static str,
    expected: usize,
}

const TRACE_ID: Field = Field {
    code: Code::LintInvalidTraceId,
    name: "trace_id",
    expected: TRACE_ID_LEN,
};
const SPAN_ID: Field = Field {
    code: Code::LintInvalidSpanId,
    name: "span_id",
    expected: SPAN_ID_LEN,
};
const PARENT_SPAN_ID: Field = Field {
    code: Code::LintInvalidSpanId,
    name: "parent_span_id",
    expected: SPAN_ID_LEN,
};

fn problem(bytes: &[u8], expected: usize) -> Option<Problem> {
    if bytes.is_empty() {
        Some(Problem::Empty)
    } else if bytes.len() != expected {
        Some(Problem::Length(bytes.len()))
    } else if bytes.iter().all(|b| *b == 0) {
        Some(Problem::Zero)
    } else {
        None
    }
}

fn describe(field: Field, bytes: &[u8], problem: Problem) -> String {
    let what = match problem {
        Problem::Empty => "is empty".to_owned(),
        Problem::Length(n) => format!("is {n} bytes instead of {}", field.expected),
        Problem::Zero => "is all zeros".to_owned(),
    };
    let hex_text = bytes.len() == 2 * field.expected && bytes.iter().all(u8::is_ascii_hexdigit);
    if hex_text {
        format!(
            "{} {what}: it is the hex text of an id sent as raw bytes",
            field.name
        )
    } else {
        format!("{} {what}", field.name)
    }
}

pub(super) fn check(payload: &ExportRequest, out: &mut Findings<'_>) {
    match payload {
        ExportRequest::Traces(request) => {
            for (service, span) in spans(request) {
                check_span(service, span, out);
            }
        }
        ExportRequest::Logs(request) => {
            for (service, record) in log_records(request) {
                check_log(service, record, out);
            }
        }
        ExportRequest::Metrics(_) => {}
    }
}

fn check_span(service: Service<'_>, span: &Span, out: &mut Findings<'_>) {
    let required = [(TRACE_ID, &span.trace_id), (SPAN_ID, &span.span_id)];
    for (field, bytes) in required {
        if let Some(problem) = problem(bytes, field.expected) {
            report_span(service, span, "", field, bytes, problem, out);
        }
    }
    if !span.parent_span_id.is_empty()
        && let Some(problem) = problem(&span.parent_span_id, SPAN_ID_LEN)
    {
        report_span(
            service,
            span,
            "",
            PARENT_SPAN_ID,
            &span.parent_span_id,
            problem,
            out,
        );
    }
    for link in &span.links {
        for (field, bytes) in [(TRACE_ID, &link.trace_id), (SPAN_ID, &link.span_id)] {
            if let Some(problem) = problem(bytes, field.expected) {
                report_span(service, span, "link ", field, bytes, problem, out);
            }
        }
    }
}

fn report_span(
    service: Service<'_>,
    span: &Span,
    link: &'static str,
    field: Field,
    bytes: &[u8],
    problem: Problem,
    out: &mut Findings<'_>,
) {
    let key = (service.key(), span.name.as_str(), link, field.name, problem);
    out.once(field.code, key, || {
        let noun = if field.code == Code::LintInvalidTraceId {
            "trace id"
        } else {
            "span id"
        };
        let title = if link.is_empty() {
            format!("a span has an invalid {noun}")
        } else {
            format!("a span link has an invalid {noun}")
        };
        Finding::new(field.code, Severity::Error, LINT_CHECK, title)
            .evidence(format!(
                "{service}, {}: {link}{}",
                span_label(span),
                describe(field, bytes, problem)
            ))
            .fix(fix(field))
            .fix(Fix::new("lint.json_ids_as_hex"))
    });
}

fn check_log(service: Service<'_>, record: &LogRecord, out: &mut Findings<'_>) {
    for (field, bytes) in [(TRACE_ID, &record.trace_id), (SPAN_ID, &record.span_id)] {
        if bytes.is_empty() {
            continue;
        }
        let Some(problem) = problem(bytes, field.expected) else {
            continue;
        };
        let key = (service.key(), "log record", field.name, problem);
        out.once(field.code, key, || {
            let noun = if field.code == Code::LintInvalidTraceId {
                "trace id"
            } else {
                "span id"
            };
            Finding::new(
                field.code,
                Severity::Error,
                LINT_CHECK,
                format!("a log record has an invalid {noun}"),
            )
            .evidence(format!(
                "{service}, {}: {}",
                log_label(record),
                describe(field, bytes, problem)
            ))
            .fix(Fix::new("lint.log_ids_from_context"))
            .fix(Fix::new("lint.json_ids_as_hex"))
        });
    }
}

fn fix(field: Field) -> Fix {
    match field.name {
        "parent_span_id" => Fix::new("lint.parent_span_id_from_context"),
        _ => Fix::new("lint.let_sdk_generate_ids"),
    }
}
