//! `overhead --report FILE.html`: the report's HTML document with two charts, the wall time and
//! the CPU time per span of each scenario, each bar labelled with the scenario's batch span
//! processor settings (queue and batch size), the baselines muted. `overhead` measures a fixed
//! set of scenarios, so this plots cost per span against those settings, not a sweep.

use super::plan::{Plan, Scenario};
use super::sample::Measurements;
use super::stats::Spread;
use super::summary::{ScenarioSummary, Summary};
use crate::report::charts::{self, Bar, ChartError};
use crate::report::render::html_with_charts;
use std::io::{self, Write};

/// The HTML document: `report` (the one the other formats print) and the charts.
pub fn render_html(
    plan: &Plan,
    measured: &Measurements,
    report: &crate::report::Report,
    out: &mut dyn Write,
) -> io::Result<()> {
    let summary = Summary::of(measured);
    let scenarios: Vec<&ScenarioSummary> = summary
        .scenarios
        .iter()
        .filter(|s| s.iterations > 0)
        .collect();
    let chart = |name: &'static str,
                 caption: &str,
                 cost: fn(&ScenarioSummary) -> Option<&Spread>|
     -> Result<String, ChartError> {
        let rows: Vec<Bar> = scenarios
            .iter()
            .filter_map(|s| {
                Some(Bar {
                    label: label(plan, s.scenario),
                    start: 0.0,
                    length: cost(s)?.median,
                    muted: s.scenario.is_baseline(),
                })
            })
            .collect();
        charts::bars(name, caption, "ns per span (median)", &rows)
    };
    let wall = chart("overhead", "wall time per span", |s| s.wall_ns.as_ref())?;
    let cpu = chart("overhead-cpu", "process CPU time per span", |s| {
        s.process_cpu_ns.as_ref()
    })?;
    html_with_charts(report, &[("overhead", wall), ("overhead-cpu", cpu)], out)
}

/// `batch-default (queue 2048, batch 512)`, `no-processor (baseline)`.
fn label(plan: &Plan, scenario: Scenario) -> String {
    match scenario.batch(plan.spans) {
        Some(batch) => format!(
            "{} (queue {}, batch {})",
            scenario.id(),
            batch.max_queue_size,
            batch.max_export_batch_size
        ),
        None => format!("{} (baseline)", scenario.id()),
    }
}
