//! LINT_ATTRIBUTE_VALUE_TOO_LONG: string (or bytes) attribute values above a configured size on
//! resources, scopes, spans, events, links, log records and data points, including values nested
//! in arrays and maps. Reported once per attribute key per service; the value itself is never
//! shown, it may be a request body or a secret.

use super::LINT_CHECK;
use super::seen::Findings;
use super::walk::{AttributeSet, clip};
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};

/// Nested arrays and maps deeper than this are not searched; real attributes are flat.
const MAX_DEPTH: usize = 4;

/// One attribute of `set`: reported when its longest string or bytes value is above `limit`.
pub(super) fn check(set: &AttributeSet<'_>, kv: &KeyValue, limit: usize, out: &mut Findings<'_>) {
    let Some(len) = kv.value.as_ref().map(|v| longest(v, 0)) else {
        return;
    };
    if len <= limit {
        return;
    }
    out.once(Code::LintAttributeValueTooLong, (set.service.key(), &kv.key), || {
        Finding::new(
            Code::LintAttributeValueTooLong,
            Severity::Warning,
            LINT_CHECK,
            format!("attribute `{}` carries a very long value", clip(&kv.key)),
        )
        .evidence(format!(
            "{}, {}: `{}` is {len} bytes, above the lint limit of {limit}",
            set.service,
            set.owner,
            clip(&kv.key)
        ))
        .evidence("long values inflate every export towards size limits (4 MiB by default for gRPC) and backends may truncate or reject them")
        .fix(Fix::new("lint.shorten_at_source"))
        .fix(Fix::new("lint.attribute_length_limit"))
    });
}

/// The size in bytes of the longest string or bytes value in `value`.
fn longest(value: &AnyValue, depth: usize) -> usize {
    match &value.value {
        Some(Value::StringValue(text)) => text.len(),
        Some(Value::BytesValue(bytes)) => bytes.len(),
        Some(Value::ArrayValue(array)) if depth < MAX_DEPTH => array
            .values
            .iter()
            .map(|v| longest(v, depth + 1))
            .max()
            .unwrap_or(0),
        Some(Value::KvlistValue(list)) if depth < MAX_DEPTH => list
            .values
            .iter()
            .filter_map(|kv| kv.value.as_ref())
            .map(|v| longest(v, depth + 1))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}
