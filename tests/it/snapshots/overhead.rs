//! `overhead`: a tiny run against the built-in receiver. Every figure is a measurement (and the
//! machine line names the CPU), so the shape is pinned: the label of each line in the human
//! view, and the checks, sections and row keys of the JSON report.

use crate::support::snapshot::{Run, assert_text_with, cli};
use serde_json::Value;

const TINY: &[&str] = &[
    "overhead",
    "--spans",
    "200",
    "--iterations",
    "1",
    "--warmup",
    "0",
    "--leak-rounds",
    "0",
];

/// Each line cut at its first gap of two spaces (after the indent): labels, not values.
fn labels(text: &str) -> String {
    text.lines()
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            match line[indent..].find("  ") {
                Some(end) => line[..indent + end].to_string(),
                None => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn shape_of_report(report: &Value) -> String {
    let mut out = vec![
        format!("schema: {}", report["schema"]),
        format!("verdict: {}", report["verdict"]),
        format!("target: {}", report["target"]),
    ];
    for check in report["checks"].as_array().into_iter().flatten() {
        out.push(format!("check {} {}", check["id"], check["status"]));
    }
    for finding in report["findings"].as_array().into_iter().flatten() {
        out.push(format!(
            "finding {} {}",
            finding["code"], finding["severity"]
        ));
    }
    for section in report["sections"].as_array().into_iter().flatten() {
        out.push(format!("section {}", section["title"]));
        for row in section["rows"].as_array().into_iter().flatten() {
            out.push(format!("  row {}", row["key"]));
        }
    }
    out.join("\n")
}

fn shape(run: &Run, stdout: String) -> String {
    Run {
        stdout,
        ..run.clone()
    }
    .render()
}

#[test]
fn a_tiny_run_human() {
    let run = cli(TINY).run();
    assert_text_with("overhead_human", &shape(&run, labels(&run.stdout)), &[]);
}

#[test]
fn a_tiny_run_json() {
    let run = cli(&[TINY, &["--format", "json"]].concat()).run();
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", run.render()));
    assert_text_with("overhead_json", &shape(&run, shape_of_report(&report)), &[]);
}
