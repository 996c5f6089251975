//! Snapshots of each renderer on one report with findings of every severity and a secret in it.

use super::{Format, render};
use crate::knowledge::fix::Fix;
use crate::report::mask::Redactor;
use crate::report::{
    CheckRecord, CheckStatus, Code, Finding, Report, SdkSummary, Section, Severity, TargetSummary,
};

const TOKEN: &str = "Bearer s3cr3t-t0ken-abcdefghijklmnopqrstuvwxyz";

fn sample() -> Report {
    let target = TargetSummary {
        endpoint: "https://collector.example.com:4317".into(),
        protocol: "grpc".into(),
        signals: vec!["traces".into(), "logs".into()],
    };
    let checks = vec![
        CheckRecord {
            id: "config".into(),
            status: CheckStatus::Warn,
            duration_ms: 0.1,
            summary: "resolved and linted".into(),
        },
        CheckRecord {
            id: "tcp".into(),
            status: CheckStatus::Pass,
            duration_ms: 0.4,
            summary: "connected to 127.0.0.1:4317".into(),
        },
        CheckRecord {
            id: "tls".into(),
            status: CheckStatus::Fail,
            duration_ms: 3.2,
            summary: "certificate expired".into(),
        },
        CheckRecord {
            id: "protocol".into(),
            status: CheckStatus::Skip,
            duration_ms: 0.0,
            summary: "skipped: the TLS handshake failed".into(),
        },
    ];
    let mut findings = vec![
        Finding::new(
            Code::CfgTimeoutInvalid,
            Severity::Warning,
            "config",
            "OTEL_EXPORTER_OTLP_TIMEOUT=10 is 10 milliseconds",
        )
        .evidence("OTEL_* timeouts are milliseconds")
        .fix(
            Fix::new("config.timeout_times_thousand")
                .with("variable", "OTEL_EXPORTER_OTLP_TIMEOUT")
                .with("milliseconds", 10000),
        ),
        Finding::new(
            Code::TlsCertExpired,
            Severity::Error,
            "tls",
            "the server certificate expired 3 days ago",
        )
        .evidence("leaf CN=collector.example.com not_after 2026-11-22T00:00:00Z")
        .evidence(format!("server echoed authorization: {TOKEN}"))
        .doc("https://opentelemetry.io/docs/specs/otel/protocol/exporter/"),
        Finding::new(
            Code::CfgServiceNameMissing,
            Severity::Info,
            "config",
            "no service name in the environment",
        ),
    ];
    // Renderers print the rendered lines whatever their key; these two stand for any fix text.
    findings[1]
        .fix
        .push("renew the certificate on the server".into());
    findings[2].fix.push("set OTEL_SERVICE_NAME".into());
    let section = Section::new("traces exporter")
        .row(
            "protocol",
            "grpc",
            Some("OTEL_EXPORTER_OTLP_PROTOCOL".into()),
        )
        .row(
            "header authorization",
            crate::report::mask::mask(TOKEN),
            Some("--header".into()),
        );
    Report::new(Some(target), checks, findings, 12.5).with_sections(vec![section])
}

fn rendered(format: Format, color: bool) -> String {
    let mut out = Vec::new();
    render(&sample(), format, color, &mut out).expect("render");
    let mut redactor = Redactor::new();
    redactor.add(TOKEN);
    let text = redactor.redact(&String::from_utf8_lossy(&out));
    assert!(
        !text.contains("s3cr3t-t0ken"),
        "secret leaked in {format:?}"
    );
    text
}

#[test]
fn human() {
    insta::assert_snapshot!(rendered(Format::Human, false));
}

#[test]
fn human_in_colour_uses_ansi_escapes() {
    assert!(rendered(Format::Human, true).contains("\u{1b}["));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(rendered(Format::Markdown, false));
}

#[test]
fn html_is_one_escaped_document_with_the_root_cause_first_and_the_waterfall() {
    let html = rendered(Format::Html, false);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert_eq!(html.matches("<html").count(), 1);
    assert!(!html.contains("<script"), "{html}");
    let root = html
        .find("root cause TLS_CERT_EXPIRED")
        .expect("root cause");
    let layers = html.find("<h2>layers</h2>").expect("layers");
    assert!(root < layers, "{html}");
    assert!(html.contains("<td class=\"warn\">warn</td>"), "{html}");
    assert!(html.contains("data-chart=\"phases\""), "{html}");
    assert!(html.contains("<p class=\"label\">fix</p>"), "{html}");
}

#[test]
fn json() {
    let text = rendered(Format::Json, false);
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value["schema"], "otlp-doctor/report/v1");
    assert_eq!(value["verdict"], "broken");
    assert_eq!(
        value["findings"][0]["code"], "TLS_CERT_EXPIRED",
        "root cause first"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_keeps_placeholders_visible() {
    let mut finding = Finding::new(
        Code::AuthUnauthenticated,
        Severity::Error,
        "auth",
        "the backend wants <token>",
    )
    .evidence("sent Authorization=<none>");
    finding
        .fix
        .push("set OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<token>".into());
    let report = Report::new(None, Vec::new(), vec![finding], 1.0);
    let mut out = Vec::new();
    render(&report, Format::Markdown, false, &mut out).expect("render");
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("wants \\<token\\>"), "{text}");
    assert!(text.contains("Authorization=\\<none\\>"), "{text}");
    assert!(text.contains("Bearer%20\\<token\\>"), "{text}");
}

fn rendered_for_python(format: Format) -> String {
    let report = sample().with_sdk(Some(SdkSummary {
        name: "python".into(),
        release: "1.45.2".into(),
        from: "--sdk".into(),
    }));
    let mut out = Vec::new();
    render(&report, format, false, &mut out).expect("render");
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_modelled_sdk_adds_its_own_call_to_a_fix_in_every_format() {
    let human = rendered_for_python(Format::Human);
    insta::assert_snapshot!("human_python", human);
    let markdown = rendered_for_python(Format::Markdown);
    assert!(markdown.contains("  ```python\n  from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter"), "{markdown}");
    let json: serde_json::Value =
        serde_json::from_str(&rendered_for_python(Format::Json)).expect("valid JSON");
    let fix = &json["findings"][1]["fixes"][0];
    assert_eq!(fix["env"]["OTEL_EXPORTER_OTLP_TIMEOUT"], "10000");
    assert_eq!(fix["dialect"]["sdk"], "python");
    assert_eq!(fix["dialect"]["transport"], "grpc", "the report's protocol");
    assert!(
        fix["dialect"]["code"]
            .as_str()
            .is_some_and(|code| code.contains("    timeout=10,")),
        "Python takes seconds: {fix}"
    );
    assert_eq!(
        json["findings"][1]["fix"][0], fix["text"],
        "fix stays as it was"
    );
}
