//! The running summary of `check --watch`: how many rounds passed, the latency of each phase
//! (hdrhistogram percentiles), and a timeline of the codes seen (in which rounds each came and
//! went), turned into a report at the end: the codes as findings with that history as evidence,
//! and the figures as sections.

use super::finding::{Finding, Severity};
use super::model::{Report, TargetSummary, Verdict};
use super::phases::PHASES;
use super::section::Section;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// One code's history.
struct Seen {
    finding: Finding,
    rounds: Vec<u32>,
}

/// What the rounds so far showed.
pub struct Watch {
    rounds: u32,
    succeeded: u32,
    /// Microseconds per phase, in [`PHASES`] order.
    phases: Vec<Histogram<u64>>,
    /// Error and warning codes, by code.
    seen: BTreeMap<&'static str, Seen>,
    times: Vec<SystemTime>,
    last: Option<Report>,
    started: std::time::Instant,
}

impl Default for Watch {
    fn default() -> Self {
        Watch::new()
    }
}

impl Watch {
    pub fn new() -> Watch {
        Watch {
            rounds: 0,
            succeeded: 0,
            phases: PHASES
                .iter()
                .filter_map(|_| Histogram::new_with_bounds(1, 3_600_000_000, 3).ok())
                .collect(),
            seen: BTreeMap::new(),
            times: Vec::new(),
            last: None,
            started: std::time::Instant::now(),
        }
    }

    /// Adds one round's report, taken at `at`; returns its one-line summary.
    pub fn add(&mut self, report: Report, at: SystemTime) -> String {
        self.rounds += 1;
        self.times.push(at);
        let ok = report.verdict != Verdict::Broken;
        if ok {
            self.succeeded += 1;
        }
        if let Some(phases) = &report.phases {
            for (name, seconds) in phases.ran() {
                let index = PHASES.iter().position(|(n, _)| *n == name);
                if let Some(histogram) = index.and_then(|i| self.phases.get_mut(i)) {
                    let _ = histogram.record(((seconds * 1e6) as u64).max(1));
                }
            }
        }
        let mut codes = Vec::new();
        for finding in report
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
        {
            let code = finding.code.as_str();
            if !codes.contains(&code) {
                codes.push(code);
                let round = self.rounds;
                self.seen
                    .entry(code)
                    .or_insert_with(|| Seen {
                        finding: finding.clone(),
                        rounds: Vec::new(),
                    })
                    .rounds
                    .push(round);
            }
        }
        self.last = Some(report);
        format!(
            "round {} {}  {}{}  ({} of {} passed)",
            self.rounds,
            humantime::format_rfc3339_seconds(at),
            if ok { "ok" } else { "FAILED" },
            if codes.is_empty() {
                String::new()
            } else {
                format!("  {}", codes.join(", "))
            },
            self.succeeded,
            self.rounds
        )
    }

    pub fn rounds(&self) -> u32 {
        self.rounds
    }

    /// The summary as a report: the last round's checks, every error or warning code seen (the
    /// first finding of each, with its history as evidence) and the figures as sections.
    pub fn into_report(self, interval: Duration, interrupted: bool) -> Report {
        let Watch {
            rounds,
            succeeded,
            phases,
            seen,
            times,
            last,
            started,
        } = self;
        let time = |round: u32| {
            times
                .get(round as usize - 1)
                .map(|t| humantime::format_rfc3339_seconds(*t).to_string())
                .unwrap_or_default()
        };
        let mut findings = Vec::new();
        let mut timeline = Section::new("timeline (rounds each code was seen in)");
        for (code, history) in seen {
            let spans = spans(&history.rounds);
            let last_round = history.rounds.last().copied().unwrap_or(0);
            let state = if last_round == rounds {
                "still there in the last round".to_string()
            } else {
                format!("gone since round {}", last_round + 1)
            };
            let story = format!(
                "seen in {} of {rounds} rounds: {spans}; first {}, last {}; {state}",
                history.rounds.len(),
                time(history.rounds[0]),
                time(last_round)
            );
            timeline = timeline.row(code, story.clone(), None);
            findings.push(history.finding.evidence(format!("--watch: {story}")));
        }
        let last = last.unwrap_or_else(|| Report::new(None, Vec::new(), Vec::new(), 0.0));
        if findings.is_empty() {
            findings = last.findings.clone();
        }
        let rate = if rounds == 0 {
            0.0
        } else {
            f64::from(succeeded) * 100.0 / f64::from(rounds)
        };
        let summary = Section::new("watch")
            .row("rounds", rounds.to_string(), None)
            .row("passed", succeeded.to_string(), None)
            .row("success rate", format!("{rate:.1}%"), None)
            .row(
                "interval",
                humantime::format_duration(interval).to_string(),
                None,
            )
            .row(
                "ended by",
                if interrupted { "Ctrl-C" } else { "--count" },
                None,
            );
        let mut latency = Section::new("latency per phase (ms: p50, p90, p99, max)");
        for ((name, _), histogram) in PHASES.iter().zip(&phases) {
            if histogram.is_empty() {
                continue;
            }
            let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
            latency = latency.row(
                *name,
                format!(
                    "{:.1}, {:.1}, {:.1}, {:.1} ({} rounds)",
                    ms(0.5),
                    ms(0.9),
                    ms(0.99),
                    histogram.max() as f64 / 1000.0,
                    histogram.len()
                ),
                None,
            );
        }
        let target: Option<TargetSummary> = last.target.clone();
        let mut report = Report::new(
            target,
            last.checks.clone(),
            findings,
            started.elapsed().as_secs_f64() * 1000.0,
        )
        .with_sections(vec![summary, latency, timeline]);
        report.sdk = last.sdk;
        report
    }
}

/// `3, 6, 9` or `1-4, 7`.
fn spans(rounds: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    while index < rounds.len() {
        let start = rounds[index];
        let mut end = start;
        while index + 1 < rounds.len() && rounds[index + 1] == end + 1 {
            index += 1;
            end = rounds[index];
        }
        parts.push(if start == end {
            format!("round {start}")
        } else {
            format!("rounds {start}-{end}")
        });
        index += 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckRecord, CheckStatus, Code};

    fn round(fail: bool) -> Report {
        let checks = vec![CheckRecord {
            id: "export".into(),
            status: if fail {
                CheckStatus::Fail
            } else {
                CheckStatus::Pass
            },
            duration_ms: 2.0,
            summary: String::new(),
        }];
        let findings = if fail {
            vec![Finding::new(
                Code::ExportUnavailable,
                Severity::Error,
                "export",
                "503",
            )]
        } else {
            Vec::new()
        };
        Report::new(None, checks, findings, 2.0)
    }

    #[test]
    fn every_third_round_failing_is_a_third_and_its_code_has_a_timeline() {
        let mut watch = Watch::new();
        for n in 1..=6 {
            let line = watch.add(round(n % 3 == 0), SystemTime::now());
            assert!(line.starts_with(&format!("round {n} ")), "{line}");
        }
        let report = watch.into_report(Duration::from_secs(1), false);
        assert_eq!(report.sections[0].rows[2].value, "66.7%");
        let story = &report.sections[2].rows[0];
        assert_eq!(story.key, "EXPORT_UNAVAILABLE");
        assert!(
            story
                .value
                .starts_with("seen in 2 of 6 rounds: round 3, round 6"),
            "{}",
            story.value
        );
        assert!(
            report.sections[1].rows[0].value.starts_with("2.0, 2.0"),
            "{:?}",
            report.sections[1]
        );
    }

    #[test]
    fn consecutive_rounds_make_one_span() {
        assert_eq!(spans(&[1, 2, 3, 7]), "rounds 1-3, round 7");
    }
}
