//! LINT_DEPRECATED_SEMCONV and its table.

use super::build::*;
use crate::report::{Code, Severity};
use crate::serve::lint::Linter;
use crate::serve::lint::semconv_table::{DEPRECATIONS, lookup};
use std::collections::HashSet;

#[test]
fn a_deprecated_http_key_is_flagged_with_its_replacement() {
    let mut old = span("GET /users/{id}", 1, 1);
    old.attributes = vec![kv("http.method", "GET"), int_kv("http.status_code", 200)];
    let found = lint(&traces(vec![old]));
    assert_eq!(
        codes(&found),
        vec![Code::LintDeprecatedSemconv, Code::LintDeprecatedSemconv]
    );
    let finding = &found[0];
    assert_eq!(finding.severity, Severity::Warning);
    assert_eq!(
        finding.title,
        "deprecated attribute `http.method`, use `http.request.method`"
    );
    let text = text(finding);
    assert!(
        text.contains("service `checkout`, span `GET /users/{id}`"),
        "{text}"
    );
    assert!(
        text.contains("deprecated since semantic conventions v1.21.0"),
        "{text}"
    );
    assert!(
        text.contains("OTEL_SEMCONV_STABILITY_OPT_IN=http"),
        "{text}"
    );
    assert_eq!(
        finding.docs,
        vec![
            "https://github.com/open-telemetry/semantic-conventions/blob/v1.21.0/model/deprecated/http.yaml"
        ]
    );
}

#[test]
fn both_names_side_by_side_mean_dup_mode() {
    let mut both = span("SELECT", 1, 1);
    both.attributes = vec![
        kv("db.statement", "SELECT 1"),
        kv("db.query.text", "SELECT 1"),
    ];
    let found = lint(&traces(vec![both]));
    let text = text(&only(&found, Code::LintDeprecatedSemconv));
    assert!(text.contains("old and new names side by side"), "{text}");
    assert!(
        text.contains("OTEL_SEMCONV_STABILITY_OPT_IN=database (instead of database/dup)"),
        "{text}"
    );
}

#[test]
fn resource_and_log_keys_are_checked_once_per_key_and_service() {
    let mut old_resource = resource(Some(SERVICE));
    old_resource
        .attributes
        .push(kv("deployment.environment", "prod"));
    let mut linter = Linter::default();
    let found = linter.inspect(
        &logs_of(Some(old_resource.clone()), vec![log_record("a")]),
        now(),
    );
    let text = text(&only(&found, Code::LintDeprecatedSemconv));
    assert!(text.contains("`deployment.environment.name`"), "{text}");
    assert!(text.contains("the resource"), "{text}");
    let again = linter.inspect(&traces_of(Some(old_resource), vec![span("a", 1, 1)]), now());
    assert_eq!(again, vec![]);
}

#[test]
fn split_and_context_dependent_keys_say_so() {
    let mut old = span("GET", 1, 1);
    old.attributes = vec![kv("http.target", "/a?b=c"), kv("net.peer.name", "db")];
    let found = lint(&traces(vec![old]));
    let all: Vec<String> = found.iter().map(text).collect();
    assert!(all[0].contains("`url.path` and `url.query`"), "{all:#?}");
    assert!(
        all[1].contains("server.address on client spans, client.address on server spans"),
        "{all:#?}"
    );
}

#[test]
fn current_keys_are_not_flagged() {
    let mut current = span("publish", 1, 1);
    current.attributes = vec![
        kv("messaging.destination.name", "orders"),
        kv("exception.type", "IOError"),
        kv("k8s.pod.name", "api-1"),
        kv("enduser.id", "u1"),
        kv("http.request.method", "GET"),
        kv("url.full", "https://example.com/"),
    ];
    assert_eq!(lint(&traces(vec![current])), vec![]);
}

#[test]
fn the_table_is_consistent() {
    let mut keys = HashSet::new();
    for row in DEPRECATIONS {
        assert!(keys.insert(row.key), "{} twice", row.key);
        assert!(!row.replacements.is_empty(), "{}", row.key);
        for replacement in row.replacements {
            assert!(
                lookup(replacement).is_none(),
                "{} replaces with a deprecated key",
                row.key
            );
        }
        let version = row.since.strip_prefix("v1.").unwrap_or("");
        assert!(version.ends_with(".0"), "{}: {}", row.key, row.since);
        let source = format!(
            "https://github.com/open-telemetry/semantic-conventions/blob/{}/model/",
            row.since
        );
        assert!(
            row.source.starts_with(&source),
            "{}: {} not at {}",
            row.key,
            row.source,
            row.since
        );
    }
    for required in [
        "http.method",
        "http.status_code",
        "http.url",
        "http.target",
        "http.scheme",
        "http.user_agent",
        "http.client_ip",
        "net.peer.name",
        "net.peer.port",
        "net.host.name",
        "net.host.port",
        "net.sock.peer.addr",
        "net.protocol.name",
        "db.statement",
        "db.system",
        "code.function",
        "code.filepath",
        "code.lineno",
        "deployment.environment",
    ] {
        assert!(lookup(required).is_some(), "{required} missing");
    }
}
