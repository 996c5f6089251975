//! Two scrapes of the Collector's internal metrics, `--interval` apart, turned into findings:
//! what is moving (deltas) and what only happened before (totals), per component.

use super::rules;
use super::series::{Role, SeriesKey, Snapshot, Stage};
use crate::report::{Finding, Section};
use std::collections::BTreeSet;
use std::time::Duration;

/// A counter's value at the second scrape and how much it grew since the first.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Reading {
    pub total: f64,
    pub delta: f64,
}

impl Reading {
    pub(super) fn moving(self) -> bool {
        self.delta > 0.0
    }
}

/// What the analysis produced.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub summary: String,
    pub findings: Vec<Finding>,
    pub section: Section,
}

/// A component and signal, e.g. exporter `otlphttp` for `logs`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Unit {
    pub(super) role: Role,
    pub(super) component: String,
    pub(super) signal: Option<&'static str>,
}

impl Unit {
    pub(super) fn key(&self, stage: Stage) -> SeriesKey {
        SeriesKey {
            stage,
            component: self.component.clone(),
            signal: self.signal,
        }
    }

    /// `spans`, `metric points`, ... for titles.
    pub(super) fn items(&self) -> &'static str {
        match self.signal {
            Some("traces") => "spans",
            Some("metrics") => "metric points",
            Some("logs") => "log records",
            Some("profiles") => "profile samples",
            _ => "items",
        }
    }

    pub(super) fn label(&self) -> String {
        match self.signal {
            Some(signal) => format!("{} {} ({signal})", self.role.label(), self.component),
            None => format!("{} {}", self.role.label(), self.component),
        }
    }

    pub(super) fn component_type(&self) -> &str {
        self.component
            .split_once('/')
            .map_or(self.component.as_str(), |(t, _)| t)
    }
}

pub(super) struct Samples<'a> {
    pub(super) first: &'a Snapshot,
    pub(super) second: &'a Snapshot,
    pub(super) seconds: f64,
}

impl Samples<'_> {
    pub(super) fn reading(&self, key: &SeriesKey) -> Option<Reading> {
        let total = self.second.get(key)?;
        let before = self.first.get(key).unwrap_or(0.0);
        // A counter that went down was reset (the Collector restarted in between).
        let delta = if total >= before {
            total - before
        } else {
            total
        };
        Some(Reading { total, delta })
    }

    pub(super) fn read(&self, unit: &Unit, stage: Stage) -> Reading {
        self.reading(&unit.key(stage)).unwrap_or_default()
    }

    pub(super) fn has(&self, unit: &Unit, stage: Stage) -> bool {
        self.second.values.contains_key(&unit.key(stage))
    }

    pub(super) fn gauge(&self, unit: &Unit, stage: Stage) -> Option<f64> {
        self.second.get(&unit.key(stage))
    }

    pub(super) fn name(&self, unit: &Unit, stage: Stage) -> String {
        self.second
            .names
            .get(&unit.key(stage))
            .cloned()
            .unwrap_or_else(|| format!("{stage:?}"))
    }

    pub(super) fn rate(&self, reading: Reading) -> String {
        format!("{:.1}/s", reading.delta / self.seconds)
    }

    /// `otelcol_x{exporter="y"}: +3 in 2.0s (total 10)`.
    pub(super) fn describe(&self, unit: &Unit, stage: Stage) -> String {
        let reading = self.read(unit, stage);
        format!(
            "{}{{{}=\"{}\"}}: +{} in {:.1}s (total {})",
            self.name(unit, stage),
            unit.role.label(),
            unit.component,
            number(reading.delta),
            self.seconds,
            number(reading.total)
        )
    }
}

pub(super) fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:.2}")
    }
}

/// Compares two snapshots taken `elapsed` apart.
pub fn analyse(first: &Snapshot, second: &Snapshot, elapsed: Duration) -> Analysis {
    let samples = Samples {
        first,
        second,
        seconds: elapsed.as_secs_f64().max(0.001),
    };
    let units: BTreeSet<Unit> = second
        .values
        .keys()
        .map(|key| Unit {
            role: key.stage.role(),
            component: key.component.clone(),
            signal: key.signal,
        })
        .collect();
    let mut findings = Vec::new();
    let mut section = Section::new(format!(
        "collector components (rates over {:.1}s)",
        samples.seconds
    ));
    for unit in &units {
        match unit.role {
            Role::Receiver => rules::receiver(&samples, unit, &mut findings, &mut section),
            Role::Processor => rules::processor(&samples, unit, &mut findings, &mut section),
            Role::Exporter => rules::exporter(&samples, unit, &mut findings, &mut section),
        }
    }
    // Queue gauges may come without `data_type` (older Collectors): judge them on their own.
    for unit in units
        .iter()
        .filter(|u| u.role == Role::Exporter && u.signal.is_none())
    {
        if let Some(finding) = rules::queue_finding(&samples, unit) {
            findings.push(finding);
        }
    }
    let summary = summary(&samples, &units);
    if units.is_empty() {
        section = section.row(
            "components",
            "(no receiver, processor or exporter series yet: no data has passed through the Collector, or its telemetry level is none)",
            None,
        );
    }
    Analysis {
        summary,
        findings,
        section,
    }
}

fn summary(samples: &Samples<'_>, units: &BTreeSet<Unit>) -> String {
    let count = |role| units.iter().filter(|u| u.role == role).count();
    let sum = |stage: Stage| -> f64 {
        samples
            .second
            .values
            .keys()
            .filter(|k| k.stage == stage)
            .filter_map(|k| samples.reading(k))
            .map(|r| r.delta)
            .sum()
    };
    let accepted = sum(Stage::ReceiverAccepted);
    let sent = sum(Stage::ExporterSent);
    let failed = sum(Stage::ExporterSendFailed) + sum(Stage::ExporterEnqueueFailed);
    let per_second = |v: f64| format!("{:.1}/s", v / samples.seconds);
    let moving = if accepted + sent + failed == 0.0 {
        "no data moved between the samples".to_string()
    } else {
        format!(
            "accepted {}, sent {}, failed {}",
            per_second(accepted),
            per_second(sent),
            per_second(failed)
        )
    };
    format!(
        "2 samples {:.1}s apart: {} receiver, {} processor, {} exporter series; {moving}",
        samples.seconds,
        count(Role::Receiver),
        count(Role::Processor),
        count(Role::Exporter)
    )
}
