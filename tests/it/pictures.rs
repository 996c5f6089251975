//! Pictures in reports: `load --report`, `check --format html` and `overhead --report` write one
//! self-contained HTML document each (inline CSS and SVG charts drawn by plotters, nothing
//! fetched), against the project's own `serve` and a closed port; secrets stay masked; a report
//! path that cannot be written, and `--format html` where there is no report, exit 2.

use crate::serve::Serve;
use crate::support::{closed_port, otlp_doctor};
use std::path::Path;

/// One document, no script, no external asset; returns it.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert_eq!(html.matches("<html").count(), 1, "{html}");
    assert_eq!(html.matches("</html>").count(), 1, "{html}");
    assert!(html.trim_end().ends_with("</html>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    for attribute in ["src=", "href="] {
        for quote in ["\"", "'"] {
            for scheme in ["http:", "https:", "//"] {
                let external = format!("{attribute}{quote}{scheme}");
                assert!(!html.contains(&external), "{external} in {html}");
            }
        }
    }
}

/// The inline `<svg>` inside the figure whose `data-chart` is `name`.
fn chart<'a>(html: &'a str, name: &str) -> &'a str {
    let start = html
        .find(&format!("<figure data-chart=\"{name}\">"))
        .unwrap_or_else(|| panic!("no {name} chart in {html}"));
    let figure = &html[start..];
    let end = figure.find("</figure>").expect("a closed figure");
    let figure = &figure[..end];
    assert!(figure.contains("<svg"), "{figure}");
    assert!(figure.contains("</svg>"), "{figure}");
    figure
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn load_draws_its_histogram_in_the_terminal_and_writes_an_html_report() {
    let serve = Serve::start(&["--fail-rate", "0.3"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("load.html");
    let output = otlp_doctor()
        .args([
            "load",
            &serve.grpc,
            "--protocol",
            "grpc",
            "--spans",
            "20000",
        ])
        .arg("--report")
        .arg(&path)
        .output()
        .expect("load runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Some requests failed on purpose: exit 1, and the run is still measured and drawn.
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("distribution"), "{stdout}");
    assert!(stdout.contains('█'), "{stdout}");
    let summary_at = stdout.find("latency   p50").expect("the summary");
    assert!(stdout.find("distribution").expect("histogram") > summary_at);

    let html = read(&path);
    assert_self_contained(&html);
    assert!(chart(&html, "latency").contains("latency distribution"));
    assert!(chart(&html, "throughput").contains("items/s"));
    assert!(chart(&html, "failures").contains("requests/s"));
    assert!(html.contains(&serve.grpc), "{html}");
    assert!(html.contains("p99"), "{html}");
    assert!(html.contains("failures by status"), "{html}");

    // JSON output stays one document, without the terminal histogram.
    let output = otlp_doctor()
        .args(["load", &serve.grpc, "--protocol", "grpc", "--spans", "1000"])
        .args(["--format", "json"])
        .output()
        .expect("load runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = crate::support::schema::parse_document(&stdout, "");
    assert_eq!(report["schema"], "otlp-doctor/load/v1");
    assert!(!stdout.contains('█'), "{stdout}");
}

#[test]
fn an_unwritable_report_path_exits_2_before_the_run() {
    let serve = Serve::start(&[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-dir").join("load.html");
    for command in [
        vec!["load", serve.grpc.as_str(), "--protocol", "grpc"],
        vec!["overhead"],
    ] {
        let output = otlp_doctor()
            .args(&command)
            .arg("--report")
            .arg(&missing)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(
            stderr.contains("cannot write --report file") && stderr.contains("does not exist"),
            "{stderr}"
        );
        assert!(output.stdout.is_empty(), "{command:?} ran");
        let output = otlp_doctor()
            .args(&command)
            .arg("--report")
            .arg(dir.path())
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("is a directory"), "{stderr}");
    }
}

fn check_html(args: &[&str]) -> (i32, String) {
    let output = otlp_doctor()
        .arg("check")
        .args(args)
        .args(["--format", "html"])
        .env("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer sekrit")
        .output()
        .expect("check runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn check_as_html_against_a_healthy_serve_shows_the_layers_and_their_waterfall() {
    let serve = Serve::start(&[]);
    let (exit, html) = check_html(&[&serve.http, "--protocol", "http/protobuf"]);
    assert_eq!(exit, 0, "{html}");
    assert_self_contained(&html);
    assert!(html.contains("otlp-doctor report: healthy"), "{html}");
    for layer in ["config", "dns", "tcp", "protocol", "export"] {
        assert!(
            html.contains(&format!("<td>{layer}</td>")),
            "{layer}: {html}"
        );
    }
    let phases = chart(&html, "phases");
    for layer in ["dns", "tcp", "protocol", "export"] {
        assert!(
            phases.contains(&format!(">\n{layer} ")),
            "{layer}: {phases}"
        );
    }
    assert!(html.contains("EXPORT_OK"), "{html}");
    assert!(!html.contains("sekrit"), "{html}");
}

#[test]
fn check_as_html_against_a_closed_port_shows_the_root_cause_and_its_fix() {
    let port = closed_port();
    let (exit, html) = check_html(&[&format!("http://{port}"), "--protocol", "grpc"]);
    assert_eq!(exit, 1, "{html}");
    assert_self_contained(&html);
    assert!(html.contains("otlp-doctor report: broken"), "{html}");
    assert!(html.contains("root cause NET_CONN_REFUSED"), "{html}");
    let fix_at = html.find("<p class=\"label\">fix</p>").expect("a fix");
    assert!(html[fix_at..].contains("<li>"), "{html}");
    assert!(html.contains("<td class=\"skip\">skip</td>"), "{html}");
    assert!(chart(&html, "phases").contains("(skipped)"));
    assert!(!html.contains("sekrit"), "{html}");
}

#[test]
fn html_is_refused_by_the_commands_without_a_report() {
    for command in [
        vec!["scan", "127.0.0.1", "--only", "--ports", "9"],
        vec!["explain", "connection refused"],
    ] {
        let output = otlp_doctor()
            .args(&command)
            .args(["--format", "html"])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(
            stderr.contains("--format html is not available"),
            "{stderr}"
        );
    }
    // The report commands take it: env is offline, and shows the header masked.
    let output = otlp_doctor()
        .args(["env", "--format", "html"])
        .env("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer sekrit")
        .output()
        .expect("env runs");
    let html = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{html}");
    assert_self_contained(&html);
    assert!(!html.contains("sekrit"), "{html}");
    assert!(html.contains("Bearer …(6 chars)"), "{html}");
}

#[test]
fn overhead_report_plots_cost_per_span_per_batch_setting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("overhead.html");
    let output = otlp_doctor()
        .args([
            "overhead",
            "--spans",
            "1000",
            "--iterations",
            "2",
            "--warmup",
            "0",
        ])
        .args(["--leak-rounds", "0", "--format", "json", "--report"])
        .arg(&path)
        .output()
        .expect("overhead runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // stdout is still the JSON report.
    crate::support::schema::parse_document(&String::from_utf8_lossy(&output.stdout), "");
    let html = read(&path);
    assert_self_contained(&html);
    let wall = chart(&html, "overhead");
    assert!(
        wall.contains("batch-default (queue 2048, batch 512)"),
        "{wall}"
    );
    assert!(
        wall.contains("batch-small-queue (queue 64, batch 64)"),
        "{wall}"
    );
    assert!(wall.contains("no-processor (baseline)"), "{wall}");
    assert!(chart(&html, "overhead-cpu").contains("CPU"));
    assert!(html.contains("scenario batch-default"), "{html}");
}
