//! Turns a run's [`Measurements`] and their [`Summary`] into the common report: one check per
//! scenario, sections with the per-span numbers (always in ns per span, so scripts can read the
//! first number of a value), the comparison with the baseline, the leak check, and
//! recommendations drawn from the numbers. The contract has no finding codes for overhead, so
//! recommendations are a section, not findings.

use super::advice;
use super::plan::{Destination, Plan, Scenario};
use super::sample::Measurements;
use super::stats::Spread;
use super::summary::{LeakSummary, ScenarioSummary, Summary};
use crate::load::report::thousands;
use crate::report::{CheckRecord, CheckStatus, Report, Section, TargetSummary};

/// Spans per second the "cost at a rate" rows assume: a busy service.
const REFERENCE_RATE: f64 = 10_000.0;

/// The report of one `overhead` run.
pub fn report(plan: &Plan, measured: &Measurements) -> Report {
    let summary = Summary::of(measured);
    let mut checks: Vec<CheckRecord> = summary
        .scenarios
        .iter()
        .filter(|s| s.iterations > 0)
        .map(scenario_check)
        .collect();
    checks.extend(delivery_check(plan, &summary));
    if let Some(leak) = &summary.leak {
        checks.push(leak_check(leak));
    }

    let mut sections = vec![setup_section(plan, measured)];
    sections.extend(
        summary
            .scenarios
            .iter()
            .filter(|s| s.iterations > 0)
            .map(|s| scenario_section(plan, s)),
    );
    sections.extend(comparison_section(&summary));
    if let Some(leak) = &summary.leak {
        sections.push(leak_section(leak, measured.alloc_counting));
    }
    sections.push(advice::recommendations(plan, measured, &summary));

    let target = TargetSummary {
        endpoint: match &plan.destination {
            Destination::BuiltIn => format!("built-in receiver {}", measured.endpoint),
            Destination::Endpoint { .. } => measured.endpoint.clone(),
        },
        protocol: plan.protocol.as_str().into(),
        signals: vec!["traces".into()],
    };
    Report::new(
        Some(target),
        checks,
        Vec::new(),
        measured.elapsed.as_secs_f64() * 1000.0,
    )
    .with_sections(sections)
}

/// A number of nanoseconds (or any small quantity) with sensible precision.
pub(super) fn number(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// `812 ns (p10 790, p90 860; min 780, max 900; 7 runs)`
fn spread_text(spread: &Spread, unit: &str) -> String {
    format!(
        "{} {unit} (p10 {}, p90 {}; min {}, max {}; {} runs)",
        number(spread.median),
        number(spread.p10),
        number(spread.p90),
        number(spread.min),
        number(spread.max),
        spread.n
    )
}

pub(super) fn bytes_text(bytes: f64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes.abs() >= MIB {
        format!("{:.1} MiB", bytes / MIB)
    } else if bytes.abs() >= 1024.0 {
        format!("{:.1} KiB", bytes / 1024.0)
    } else {
        format!("{bytes:.0} B")
    }
}

pub(super) fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn scenario_check(summary: &ScenarioSummary) -> CheckRecord {
    let mut parts = vec![format!(
        "{} × {} spans",
        summary.iterations,
        thousands(summary.spans / summary.iterations.max(1) as u64)
    )];
    if let Some(wall) = &summary.wall_ns {
        parts.push(format!("{} ns wall", number(wall.median)));
    }
    if let Some(cpu) = &summary.process_cpu_ns {
        parts.push(format!("{} ns CPU per span", number(cpu.median)));
    }
    if let Some(rate) = summary.drop_rate().filter(|&r| r > 0.0) {
        parts.push(format!("{} dropped", percent(rate)));
    }
    let failed = summary.exported.is_some_and(|e| e.failed > 0);
    CheckRecord {
        id: summary.scenario.id().into(),
        status: if failed {
            CheckStatus::Fail
        } else {
            CheckStatus::Pass
        },
        duration_ms: summary.duration.as_secs_f64() * 1000.0,
        summary: parts.join(", "),
    }
}

fn delivery_check(plan: &Plan, summary: &Summary) -> Option<CheckRecord> {
    if plan.destination != Destination::BuiltIn {
        return None;
    }
    let received = summary.received?;
    let all_arrived = received == summary.delivered && received > 0;
    Some(CheckRecord {
        id: "receiver".into(),
        status: if all_arrived {
            CheckStatus::Pass
        } else {
            CheckStatus::Fail
        },
        duration_ms: 0.0,
        summary: format!(
            "the built-in receiver counted {} of the {} spans the exporter delivered",
            thousands(received),
            thousands(summary.delivered)
        ),
    })
}

fn leak_check(leak: &LeakSummary) -> CheckRecord {
    let (status, summary) = if leak.leaking() {
        (
            CheckStatus::Warn,
            format!(
                "memory keeps growing over {} provider lifecycles",
                leak.rounds
            ),
        )
    } else {
        (
            CheckStatus::Pass,
            format!("no steady growth over {} provider lifecycles", leak.rounds),
        )
    };
    CheckRecord {
        id: "leak".into(),
        status,
        duration_ms: 0.0,
        summary,
    }
}

fn setup_section(plan: &Plan, measured: &Measurements) -> Section {
    let lock = crate::deps::lockfile::Lockfile::parse(include_str!("../../Cargo.lock")).ok();
    let version = |name: &str| {
        lock.as_ref()
            .and_then(|lock| {
                lock.named(name)
                    .first()
                    .map(|&id| lock.package(id).version.to_string())
            })
            .map(|v| format!("{name} {v}"))
            .unwrap_or_else(|| name.to_string())
    };
    let machine = match &measured.machine.cpu_model {
        Some(model) => format!(
            "{} CPUs ({model}), {}/{}",
            measured.machine.cpus,
            std::env::consts::OS,
            std::env::consts::ARCH
        ),
        None => format!(
            "{} CPUs, {}/{}",
            measured.machine.cpus,
            std::env::consts::OS,
            std::env::consts::ARCH
        ),
    };
    let mut section = Section::new("setup")
        .row(
            "sdk",
            format!(
                "{}, {}, {}",
                version("opentelemetry"),
                version("opentelemetry_sdk"),
                version("opentelemetry-otlp")
            ),
            None,
        )
        .row(
            "exporting to",
            format!("{} ({})", measured.endpoint, plan.protocol.as_str()),
            Some(match plan.destination {
                Destination::BuiltIn => "built-in receiver, in-process".into(),
                Destination::Endpoint { .. } => "ENDPOINT".into(),
            }),
        )
        .row(
            "iterations",
            format!(
                "{} measured after {} warm-up, {} spans each, scenarios interleaved",
                plan.iterations,
                plan.warmup,
                thousands(u64::from(plan.spans))
            ),
            None,
        )
        .row(
            "span",
            format!(
                "root span, {} attributes, started and ended on one thread",
                plan.attributes
            ),
            None,
        )
        .row("machine", machine, None)
        .row(
            "build",
            if cfg!(debug_assertions) {
                "debug (unoptimised: expect several times the cost of a release build)"
            } else {
                "release"
            },
            None,
        )
        .row("cpu time", measured.cpu_source.describe(), None)
        .row(
            "allocations",
            if measured.alloc_counting {
                "counted by the binary's counting allocator, in one extra untimed iteration"
            } else {
                "not measured (this binary has no counting global allocator)"
            },
            None,
        );
    if measured.interrupted {
        section = section.row(
            "interrupted",
            "stopped by Ctrl-C: the numbers cover the iterations measured until then",
            None,
        );
    }
    if let Some(error) = &measured.last_export_error {
        section = section.row("last export error", error, None);
    }
    section
}

fn scenario_section(plan: &Plan, summary: &ScenarioSummary) -> Section {
    let not_measured = || "not measured".to_string();
    let ns = |spread: &Option<Spread>| {
        spread
            .as_ref()
            .map(|s| spread_text(s, "ns"))
            .unwrap_or_else(not_measured)
    };
    let mut section = Section::new(format!("scenario {}", summary.scenario.id()))
        .row("what", summary.scenario.describe(plan.spans), None)
        .row(
            "wall per span",
            ns(&summary.wall_ns),
            Some("create + set attributes + end".into()),
        )
        .row(
            "app-thread CPU per span",
            ns(&summary.thread_cpu_ns),
            Some("the thread that creates the spans".into()),
        )
        .row(
            "process CPU per span",
            ns(&summary.process_cpu_ns),
            Some("all threads but the built-in receiver's, incl. flush".into()),
        );
    if let Some(flush) = &summary.flush_ms {
        section = section.row(
            "flush after each iteration",
            spread_text(flush, "ms"),
            Some("force_flush: export what is still queued".into()),
        );
    }
    if let Some(exported) = summary.exported {
        section = section.row(
            "exported",
            format!(
                "{} of {} spans",
                thousands(exported.ok),
                thousands(summary.spans)
            ),
            None,
        );
        if exported.failed > 0 {
            section = section.row(
                "export failed",
                format!("{} spans", thousands(exported.failed)),
                None,
            );
        }
    }
    if let (Some(dropped), Some(rate)) = (summary.dropped, summary.drop_rate()) {
        section = section.row(
            "dropped (queue full)",
            format!("{} spans ({})", thousands(dropped), percent(rate)),
            Some("created minus handed to the exporter".into()),
        );
    }
    if let Some(received) = summary.received.filter(|_| summary.exported.is_some()) {
        section = section.row(
            "reached the receiver",
            format!("{} spans", thousands(received)),
            None,
        );
    }
    match &summary.allocs {
        Some(pass) if pass.spans > 0 => {
            let spans = pass.spans as f64;
            section = section
                .row(
                    "allocations per span",
                    format!(
                        "{} ({} per span)",
                        number(pass.thread.allocations as f64 / spans),
                        bytes_text(pass.thread.bytes as f64 / spans)
                    ),
                    Some("app thread".into()),
                )
                .row(
                    "allocations per span, all threads",
                    format!(
                        "{} ({} per span)",
                        number(pass.process.allocations as f64 / spans),
                        bytes_text(pass.process.bytes as f64 / spans)
                    ),
                    Some("incl. batch processor and exporter, excl. receiver".into()),
                );
        }
        _ => section = section.row("allocations per span", not_measured(), None),
    }
    section
}

/// Each scenario against the no-processor baseline, and what its CPU cost means at a rate.
fn comparison_section(summary: &Summary) -> Option<Section> {
    let baseline = summary.scenario(Scenario::NoProcessor)?;
    let base_wall = baseline.wall_ns.as_ref()?.median;
    let mut section = Section::new("compared with the no-processor baseline");
    for scenario in summary
        .scenarios
        .iter()
        .filter(|s| s.iterations > 0 && s.scenario != Scenario::NoProcessor)
    {
        let Some(wall) = &scenario.wall_ns else {
            continue;
        };
        let mut value = format!("{:+.0} ns wall per span", wall.median - base_wall);
        if let (Some(cpu), Some(base_cpu)) = (&scenario.process_cpu_ns, &baseline.process_cpu_ns) {
            value.push_str(&format!(
                ", {:+.0} ns CPU per span (all threads)",
                cpu.median - base_cpu.median
            ));
        }
        section = section.row(scenario.scenario.id(), value, None);
    }
    for scenario in summary.scenarios.iter().filter(|s| s.iterations > 0) {
        if let Some(cpu) = &scenario.process_cpu_ns {
            section = section.row(
                format!(
                    "{} at {} spans/s",
                    scenario.scenario.id(),
                    thousands(REFERENCE_RATE as u64)
                ),
                format!(
                    "{} of one CPU core",
                    percent(cpu.median * REFERENCE_RATE / 1e9)
                ),
                None,
            );
        }
    }
    Some(section)
}

fn leak_section(leak: &LeakSummary, alloc_counting: bool) -> Section {
    let mut section = Section::new("leak check").row(
        "rounds",
        format!(
            "{} after warm-up: build a provider, create the spans, shut it down",
            leak.rounds
        ),
        None,
    );
    if !leak.rss_bytes.is_empty() {
        section = section.row(
            "resident set after each round",
            leak.rss_bytes
                .iter()
                .map(|&b| format!("{:.1}", b as f64 / (1024.0 * 1024.0)))
                .collect::<Vec<_>>()
                .join(", ")
                + " MiB",
            None,
        );
    }
    if let Some(growth) = &leak.rss {
        section = section.row(
            "resident set growth",
            format!(
                "{} per round (fitted), {} in total, up in {} of {} rounds",
                bytes_text(growth.per_step),
                bytes_text(growth.total),
                growth.rising_steps,
                growth.steps
            ),
            None,
        );
    }
    match &leak.heap {
        Some(growth) => {
            section = section.row(
                "live heap growth",
                format!(
                    "{} per round (fitted), {} in total, up in {} of {} rounds",
                    bytes_text(growth.per_step),
                    bytes_text(growth.total),
                    growth.rising_steps,
                    growth.steps
                ),
                Some("bytes allocated minus freed".into()),
            );
        }
        None if !alloc_counting => {
            section = section.row("live heap growth", "not measured", None);
        }
        None => {}
    }
    let verdict = if leak.leaking() {
        "keeps growing: memory is not given back when a provider shuts down"
    } else if leak.rss_keeps_growing() {
        "the resident set grows while the live heap does not: the allocator keeps freed memory, not a leak"
    } else {
        "stable"
    };
    section.row("verdict", verdict, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_significant_digits_or_so() {
        assert_eq!(number(1234.4), "1234");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(1.2345), "1.23");
    }

    #[test]
    fn spread_text_starts_with_the_median_so_scripts_can_read_it() {
        let spread = Spread::of(&[800.0, 812.0, 900.0]).expect("values");
        let text = spread_text(&spread, "ns");
        assert!(text.starts_with("812 ns (p10 "), "{text}");
        assert!(text.ends_with("; 3 runs)"), "{text}");
    }

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(bytes_text(512.0), "512 B");
        assert_eq!(bytes_text(2048.0), "2.0 KiB");
        assert_eq!(bytes_text(3.0 * 1024.0 * 1024.0), "3.0 MiB");
    }
}
