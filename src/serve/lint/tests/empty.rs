//! LINT_EMPTY_EXPORT.

use super::build::*;
use crate::otlp::payload::ExportRequest;
use crate::report::{Code, Severity};
use crate::serve::lint::Linter;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

#[test]
fn a_request_without_resources_is_an_empty_export() {
    let found = lint(&received(ExportRequest::Traces(
        ExportTraceServiceRequest::default(),
    )));
    let finding = only(&found, Code::LintEmptyExport);
    assert_eq!(finding.severity, Severity::Info);
    assert_eq!(finding.title, "an export request carried no spans");
    assert!(
        text(&finding).contains("no resources at all"),
        "{finding:#?}"
    );
    assert!(text(&finding).contains(USER_AGENT), "{finding:#?}");
}

#[test]
fn only_empty_scopes_is_an_empty_export() {
    let found = lint(&logs(vec![]));
    let finding = only(&found, Code::LintEmptyExport);
    assert!(
        text(&finding).contains("1 resource(s), 1 scope(s), no log records"),
        "{finding:#?}"
    );
    let found = lint(&received(ExportRequest::Metrics(
        ExportMetricsServiceRequest::default(),
    )));
    assert_eq!(codes(&found), vec![Code::LintEmptyExport]);
}

#[test]
fn empty_exports_are_reported_once_per_signal_and_sender() {
    let mut linter = Linter::default();
    let first = linter.inspect(&traces(vec![]), now());
    let again = linter.inspect(&traces(vec![]), now());
    let logs = linter.inspect(&logs(vec![]), now());
    assert_eq!(codes(&first), vec![Code::LintEmptyExport]);
    assert_eq!(codes(&again), vec![]);
    assert_eq!(codes(&logs), vec![Code::LintEmptyExport]);
}
