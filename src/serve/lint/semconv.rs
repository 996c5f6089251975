//! LINT_DEPRECATED_SEMCONV: attribute keys the semantic conventions deprecated, with their
//! replacement from [`semconv_table`](super::semconv_table). Reported once per key per service;
//! when the replacement is present too, the instrumentation is mid-migration (`…/dup` mode).

use super::LINT_CHECK;
use super::seen::Findings;
use super::semconv_table::{Deprecation, lookup};
use super::walk::AttributeSet;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};
use opentelemetry_proto::tonic::common::v1::KeyValue;

/// One attribute of `set`: reported when its key is a deprecated semantic-convention name.
pub(super) fn check(set: &AttributeSet<'_>, kv: &KeyValue, out: &mut Findings<'_>) {
    let Some(row) = lookup(&kv.key) else {
        return;
    };
    out.once(
        Code::LintDeprecatedSemconv,
        (set.service.key(), row.key),
        || finding(set, row),
    );
}

fn finding(set: &AttributeSet<'_>, row: &Deprecation) -> Finding {
    let replacement = row
        .replacements
        .iter()
        .map(|key| format!("`{key}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    let mut finding = Finding::new(
        Code::LintDeprecatedSemconv,
        Severity::Warning,
        LINT_CHECK,
        format!("deprecated attribute `{}`, use {replacement}", row.key),
    )
    .evidence(format!(
        "{}, {}: `{}` is deprecated since semantic conventions {}",
        set.service, set.owner, row.key, row.since
    ));
    if !row.note.is_empty() {
        finding = finding.evidence(format!("replacement: {}", row.note));
    }
    let both = set
        .attributes
        .iter()
        .any(|kv| row.replacements.contains(&kv.key.as_str()));
    if both {
        finding = finding.evidence(
            "the replacement is sent as well: the instrumentation emits old and new names side by side",
        );
    }
    finding = finding.fix(
        Fix::new("lint.rename_deprecated")
            .with("key", row.key)
            .with("replacement", replacement),
    );
    if let Some(opt_in) = row.opt_in {
        finding = if both {
            finding.fix(Fix::new("lint.opt_in_new_only").with("opt_in", opt_in))
        } else {
            finding.fix(Fix::new("lint.opt_in_switch").with("opt_in", opt_in))
        };
    }
    finding.doc(row.source)
}
