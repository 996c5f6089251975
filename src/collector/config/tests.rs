use super::*;
use crate::report::{Code, Severity};

fn findings(text: &str) -> Vec<Finding> {
    lint(&parse(text, "c.yaml").expect("valid yaml"))
}

fn codes(findings: &[Finding]) -> Vec<Code> {
    findings.iter().map(|f| f.code).collect()
}

const GOOD: &str = "\
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 0.0.0.0:4317
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 100
  batch:
exporters:
  otlp:
    endpoint: backend:4317
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [otlp]
";

#[test]
fn a_good_config_has_no_findings() {
    assert!(findings(GOOD).is_empty(), "{:#?}", findings(GOOD));
}

#[test]
fn undefined_component_names_the_line_and_the_defined_ids() {
    let text = GOOD.replace("exporters: [otlp]", "exporters: [otlp/backend]");
    let found = findings(&text);
    let undefined: Vec<_> = found
        .iter()
        .filter(|f| f.code == Code::ColConfigUndefinedComponent)
        .collect();
    assert_eq!(undefined.len(), 1, "{found:#?}");
    assert_eq!(undefined[0].severity, Severity::Error);
    assert!(
        undefined[0].evidence[0]
            .starts_with("c.yaml:19: pipeline 'traces' lists exporter 'otlp/backend'"),
        "{:?}",
        undefined[0].evidence
    );
    assert!(undefined[0].evidence[0].contains("defined: otlp"));
    // The exporter that is defined is now unused.
    assert!(codes(&found).contains(&Code::ColConfigUnusedComponent));
}

#[test]
fn block_style_lists_give_each_item_its_line() {
    let text = GOOD.replace(
        "      exporters: [otlp]\n",
        "      exporters:\n        - otlp\n        - otlp/two\n",
    );
    let found = findings(&text);
    let undefined = found
        .iter()
        .find(|f| f.code == Code::ColConfigUndefinedComponent)
        .expect("undefined otlp/two");
    assert!(
        undefined.evidence[0].starts_with("c.yaml:21:"),
        "{:?}",
        undefined.evidence
    );
}

#[test]
fn processors_cannot_be_connectors() {
    let text = format!("{GOOD}connectors:\n  forward:\n").replace(
        "processors: [memory_limiter, batch]",
        "processors: [memory_limiter, batch, forward]",
    );
    let found = findings(&text);
    assert!(
        found
            .iter()
            .any(|f| f.code == Code::ColConfigUndefinedComponent
                && f.title.contains("processor 'forward'")),
        "{found:#?}"
    );
}

#[test]
fn extensions_must_be_listed_and_defined() {
    let text = format!("extensions:\n  zpages:\n{GOOD}  extensions: [pprof]\n");
    let found = findings(&text);
    let unused = found
        .iter()
        .find(|f| f.code == Code::ColConfigUnusedComponent)
        .expect("zpages unused");
    assert!(
        unused.evidence[0].starts_with("c.yaml:2: extension 'zpages'"),
        "{:?}",
        unused.evidence
    );
    let undefined = found
        .iter()
        .find(|f| f.code == Code::ColConfigUndefinedComponent)
        .expect("pprof undefined");
    assert!(
        undefined.evidence[0].starts_with("c.yaml:22:"),
        "{:?}",
        undefined.evidence
    );
}

#[test]
fn connectors_on_both_sides_are_fine_and_half_used_ones_are_errors() {
    let both = "\
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 0.0.0.0:4317
processors:
  memory_limiter:
  batch:
connectors:
  spanmetrics:
exporters:
  otlp:
    endpoint: x:4317
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [otlp, spanmetrics]
    metrics:
      receivers: [spanmetrics]
      processors: [batch]
      exporters: [otlp]
";
    assert!(findings(both).is_empty(), "{:#?}", findings(both));
    let half = both.replace(
        "      receivers: [spanmetrics]\n",
        "      receivers: [otlp]\n",
    );
    let found = findings(&half);
    let connector = found
        .iter()
        .find(|f| f.code == Code::ColConfigUnusedComponent)
        .expect("half-used connector");
    assert_eq!(connector.severity, Severity::Error);
    assert!(
        connector.evidence[0].starts_with("c.yaml:10: connector 'spanmetrics'"),
        "{:?}",
        connector.evidence
    );
    assert!(connector.evidence[0].contains("receiver of no pipeline"));
}

#[test]
fn localhost_binds() {
    let bare = GOOD.replace(
        "      grpc:\n        endpoint: 0.0.0.0:4317\n",
        "      grpc:\n      http:\n        endpoint: \"[::1]:4318\"\n",
    );
    let found = findings(&bare);
    let binds: Vec<_> = found
        .iter()
        .filter(|f| f.code == Code::ColConfigLocalhostBind)
        .collect();
    assert_eq!(binds.len(), 2, "{found:#?}");
    assert!(
        binds[0].evidence[0]
            .starts_with("c.yaml:4: receiver 'otlp' protocols::grpc sets no endpoint"),
        "{:?}",
        binds[0].evidence
    );
    assert!(binds[0].fix[0].contains("endpoint: 0.0.0.0:4317"));
    assert!(
        binds[1].evidence[0]
            .starts_with("c.yaml:6: receiver 'otlp' protocols::http listens on [::1]:4318"),
        "{:?}",
        binds[1].evidence
    );
    assert!(binds.iter().all(|f| f.severity == Severity::Warning));

    for endpoint in [
        "0.0.0.0:4317",
        "${env:MY_POD_IP}:4317",
        ":4317",
        "otel-gateway:4317",
    ] {
        let text = GOOD.replace("0.0.0.0:4317", endpoint);
        assert!(
            findings(&text).is_empty(),
            "{endpoint}: {:#?}",
            findings(&text)
        );
    }
    let text = GOOD.replace("0.0.0.0:4317", "127.0.0.2:4317");
    assert_eq!(codes(&findings(&text)), [Code::ColConfigLocalhostBind]);
}

#[test]
fn health_check_extension_default_binds_localhost() {
    let text = format!("extensions:\n  health_check:\n{GOOD}  extensions: [health_check]\n");
    let found = findings(&text);
    assert_eq!(codes(&found), [Code::ColConfigLocalhostBind], "{found:#?}");
    assert!(found[0].fix[0].contains("0.0.0.0:13133"));
}

#[test]
fn memory_limiter_and_batching() {
    let text = GOOD.replace("processors: [memory_limiter, batch]", "processors: []");
    let found = findings(&text);
    assert_eq!(
        codes(&found)
            .into_iter()
            .filter(|c| *c != Code::ColConfigUnusedComponent)
            .collect::<Vec<_>>(),
        [Code::ColConfigNoMemoryLimiter, Code::ColConfigNoBatching],
        "{found:#?}"
    );
    let batching = found
        .iter()
        .find(|f| f.code == Code::ColConfigNoBatching)
        .unwrap();
    assert!(
        batching.evidence[0].starts_with("c.yaml:16: pipeline 'traces'"),
        "{:?}",
        batching.evidence
    );
    assert!(
        batching.fix[0].contains("sending_queue"),
        "{:?}",
        batching.fix
    );

    // Exporter-side batching counts; turning it off does not.
    let exporter_batching = GOOD
        .replace("processors: [memory_limiter, batch]", "processors: [memory_limiter]")
        .replace("  batch:\n", "")
        .replace(
            "    endpoint: backend:4317\n",
            "    endpoint: backend:4317\n    sending_queue:\n      batch:\n        flush_timeout: 200ms\n",
        );
    assert!(
        findings(&exporter_batching).is_empty(),
        "{:#?}",
        findings(&exporter_batching)
    );
    let off = exporter_batching.replace("      batch:\n", "      enabled: false\n      batch:\n");
    assert_eq!(codes(&findings(&off)), [Code::ColConfigNoBatching]);
}

#[test]
fn not_yaml_is_an_error_with_a_line() {
    let error = parse("receivers:\n  otlp:\n   bad: [\n", "c.yaml").unwrap_err();
    assert!(error.line >= 3, "{error}");
}

#[test]
fn load_refuses_missing_and_non_mapping_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.yaml");
    assert!(matches!(
        load(&missing),
        Err(ConfigError::Unreadable { .. })
    ));
    let list = dir.path().join("list.yaml");
    std::fs::write(&list, "- a\n- b\n").unwrap();
    assert!(matches!(load(&list), Err(ConfigError::NotAMapping { .. })));
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "a: [\n").unwrap();
    let error = load(&bad).unwrap_err();
    assert!(matches!(error, ConfigError::Malformed { .. }));
}

#[test]
fn the_section_lists_pipelines_with_their_lines() {
    let loaded = parse(GOOD, "c.yaml").unwrap();
    let (layer, section) = check(&loaded);
    assert_eq!(layer.status, crate::report::CheckStatus::Pass);
    assert_eq!(section.rows[0].key, "pipeline traces");
    assert_eq!(section.rows[0].value, "otlp → memory_limiter, batch → otlp");
    assert_eq!(section.rows[0].source.as_deref(), Some("c.yaml:16"));
}
