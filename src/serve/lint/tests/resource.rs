//! LINT_SERVICE_NAME_MISSING.

use super::build::*;
use crate::report::{Code, Severity};
use crate::serve::lint::Linter;

#[test]
fn a_resource_without_service_name_is_flagged() {
    let found = lint(&traces_of(
        Some(resource(None)),
        vec![span("checkout", 1, 1)],
    ));
    let finding = only(&found, Code::LintServiceNameMissing);
    assert_eq!(finding.severity, Severity::Warning);
    let text = text(&finding);
    assert!(text.contains("has no service.name attribute"), "{text}");
    assert!(text.contains("telemetry.sdk.language=\"rust\""), "{text}");
    assert!(text.contains(USER_AGENT), "{text}");
    assert!(text.contains("OTEL_SERVICE_NAME"), "{text}");
}

#[test]
fn a_missing_resource_is_flagged() {
    let found = lint(&logs_of(None, vec![log_record("hello")]));
    let finding = only(&found, Code::LintServiceNameMissing);
    assert!(text(&finding).contains("none at all"), "{finding:#?}");
    assert!(finding.title.starts_with("logs"), "{}", finding.title);
}

#[test]
fn the_unknown_service_fallback_is_flagged() {
    let found = lint(&metrics_of(
        Some(resource(Some("unknown_service:my-app"))),
        vec![gauge("orders", vec![point(1.0)])],
    ));
    let finding = only(&found, Code::LintServiceNameMissing);
    assert!(
        text(&finding).contains("unknown_service:my-app"),
        "{finding:#?}"
    );
    assert!(text(&finding).contains("SDK fallback"), "{finding:#?}");
}

#[test]
fn a_non_string_service_name_is_flagged() {
    let mut broken = resource(None);
    broken.attributes.push(int_kv("service.name", 7));
    let found = lint(&traces_of(Some(broken), vec![span("checkout", 1, 1)]));
    assert!(text(&only(&found, Code::LintServiceNameMissing)).contains("not a string"));
}

#[test]
fn each_resource_identity_is_reported_once() {
    let mut linter = Linter::default();
    let first = linter.inspect(
        &traces_of(Some(resource(None)), vec![span("a", 1, 1)]),
        now(),
    );
    let again = linter.inspect(
        &traces_of(Some(resource(None)), vec![span("b", 2, 1)]),
        now(),
    );
    let mut other = resource(None);
    other.attributes.push(kv("host.name", "worker-2"));
    let different = linter.inspect(&traces_of(Some(other), vec![span("c", 3, 1)]), now());
    assert_eq!(codes(&first), vec![Code::LintServiceNameMissing]);
    assert_eq!(codes(&again), vec![]);
    assert_eq!(codes(&different), vec![Code::LintServiceNameMissing]);
}
