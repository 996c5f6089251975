//! LINT_ATTRIBUTE_VALUE_TOO_LONG.

use super::build::*;
use crate::report::{Code, Severity};
use crate::serve::lint::{LintConfig, Linter};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue};

#[test]
fn a_long_span_attribute_is_flagged_without_showing_it() {
    let mut long = span("SELECT orders", 1, 1);
    let statement = format!("SELECT {} FROM orders", "secret_column, ".repeat(400));
    long.attributes = vec![kv("db.query.text", &statement)];
    let found = lint(&traces(vec![long]));
    let finding = only(&found, Code::LintAttributeValueTooLong);
    assert_eq!(finding.severity, Severity::Warning);
    let text = text(&finding);
    assert!(
        text.contains(&format!(
            "`db.query.text` is {} bytes, above the lint limit of 4096",
            statement.len()
        )),
        "{text}"
    );
    assert!(
        text.contains("service `checkout`, span `SELECT orders`"),
        "{text}"
    );
    assert!(
        !text.contains("secret_column"),
        "the value is never shown: {text}"
    );
}

#[test]
fn resources_logs_and_data_points_are_checked() {
    let big = "x".repeat(5_000);
    let mut with_resource = resource(Some(SERVICE));
    with_resource
        .attributes
        .push(kv("process.command_line", &big));
    let found = lint(&traces_of(Some(with_resource), vec![span("a", 1, 1)]));
    assert!(text(&only(&found, Code::LintAttributeValueTooLong)).contains("the resource"));

    let mut record = log_record("boom");
    record.attributes = vec![kv("exception.stacktrace", &big)];
    let found = lint(&logs(vec![record]));
    assert!(text(&only(&found, Code::LintAttributeValueTooLong)).contains("INFO log record"));

    let mut data_point = point(1.0);
    data_point.attributes = vec![kv("url.full", &big)];
    let found = lint(&metrics(vec![gauge("requests", vec![data_point])]));
    assert!(text(&only(&found, Code::LintAttributeValueTooLong)).contains("metric `requests`"));
}

#[test]
fn nested_values_count() {
    let mut nested = span("a", 1, 1);
    nested.attributes = vec![KeyValue {
        key: "messages".to_owned(),
        value: Some(AnyValue {
            value: Some(Value::ArrayValue(ArrayValue {
                values: vec![AnyValue {
                    value: Some(Value::StringValue("y".repeat(5_000))),
                }],
            })),
        }),
        ..KeyValue::default()
    }];
    assert_eq!(
        codes(&lint(&traces(vec![nested]))),
        vec![Code::LintAttributeValueTooLong]
    );
}

#[test]
fn the_limit_is_configurable_and_reported_once_per_key_and_service() {
    let mut linter = Linter::new(LintConfig {
        max_attribute_value_bytes: 16,
        ..LintConfig::default()
    });
    let spans = (1..=5u8)
        .map(|n| {
            let mut s = span("a", n, 1);
            s.attributes = vec![kv("note", "longer than sixteen bytes"), kv("short", "ok")];
            s
        })
        .collect();
    assert_eq!(
        codes(&linter.inspect(&traces(spans), now())),
        vec![Code::LintAttributeValueTooLong]
    );
    let mut at_limit = span("b", 9, 1);
    at_limit.attributes = vec![kv("other", "exactly sixteen!")];
    assert_eq!(linter.inspect(&traces(vec![at_limit]), now()), vec![]);
}
