//! Lint rule tests over hand-built requests in the official generated types: one file per rule,
//! the clean cases and the bounds here.

mod attributes;
mod build;
mod empty;
mod ids;
mod names;
mod resource;
mod semconv;
mod timestamps;
mod traces;

use super::{LintConfig, Linter};
use crate::report::Code;
use build::*;

#[test]
fn well_formed_traces_give_no_finding() {
    let received = traces(vec![
        span("GET /users/{id}", 1, 1),
        child("SELECT users", 1, 2, 1),
        child("redis GET", 1, 3, 1),
    ]);
    assert_eq!(lint(&received), vec![]);
}

#[test]
fn well_formed_logs_give_no_finding() {
    let mut record = log_record("user logged in");
    record.attributes = vec![kv("user.id", "42")];
    assert_eq!(lint(&logs(vec![record])), vec![]);
}

#[test]
fn well_formed_metrics_give_no_finding() {
    let mut data_point = point(1.5);
    data_point.attributes = vec![kv("http.request.method", "GET")];
    assert_eq!(
        lint(&metrics(vec![gauge("queue.depth", vec![data_point])])),
        vec![]
    );
}

#[test]
fn all_signals_in_one_session_give_no_finding() {
    let mut linter = Linter::default();
    for received in [
        traces(vec![span("checkout", 1, 1), child("charge card", 1, 2, 1)]),
        logs(vec![log_record("paid")]),
        metrics(vec![gauge("orders", vec![point(1.0)])]),
    ] {
        assert_eq!(linter.inspect(&received, now()), vec![]);
    }
    assert_eq!(linter.finish(), vec![]);
}

#[test]
fn every_finding_names_the_lint_check_and_gives_a_fix() {
    let mut broken = span("GET /x", 1, 1);
    broken.trace_id = vec![0; 16];
    broken.end_time_unix_nano = 0;
    broken.attributes = vec![kv("http.method", "GET")];
    let found = lint(&traces_of(None, vec![broken]));
    assert!(found.len() >= 4, "{found:#?}");
    for finding in found {
        assert_eq!(finding.check, "lint");
        assert!(!finding.fix.is_empty(), "{finding:#?}");
        assert!(!finding.evidence.is_empty(), "{finding:#?}");
    }
}

#[test]
fn each_code_is_capped_per_session() {
    let config = LintConfig {
        max_findings_per_code: 2,
        ..LintConfig::default()
    };
    let mut linter = Linter::new(config);
    let mut total = 0;
    for n in 0..10u8 {
        let mut broken = span(&format!("op-{}", char::from(b'a' + n)), 1, n + 1);
        broken.start_time_unix_nano = 0;
        total += linter.inspect(&traces(vec![broken]), now()).len();
    }
    assert_eq!(total, 2);
}

#[test]
fn a_repeated_problem_is_reported_once() {
    let mut linter = Linter::default();
    let mut total = Vec::new();
    for n in 0..50u8 {
        let mut broken = span("checkout", n + 1, 1);
        broken.end_time_unix_nano = 0;
        total.extend(linter.inspect(&traces(vec![broken]), now()));
    }
    assert_eq!(codes(&total), vec![Code::LintZeroTimestamp]);
}

/// Every LINT code must be produced by a test in this directory: the sources are scanned for
/// `Code::` followed by the variant name.
#[test]
fn every_lint_code_is_produced_by_a_test() {
    let sources = [
        include_str!("attributes.rs"),
        include_str!("empty.rs"),
        include_str!("ids.rs"),
        include_str!("names.rs"),
        include_str!("resource.rs"),
        include_str!("semconv.rs"),
        include_str!("timestamps.rs"),
        include_str!("traces.rs"),
    ]
    .concat();
    let lint_codes: Vec<&Code> = Code::ALL
        .iter()
        .filter(|c| c.as_str().starts_with("LINT_"))
        .collect();
    assert_eq!(lint_codes.len(), 13);
    for code in lint_codes {
        let variant = format!("Code::{code:?}");
        assert!(sources.contains(&variant), "{code} has no test");
    }
}
