//! The result of a load run as plain data ([`LoadReport`], the contract's
//! `otlp-doctor/load/v1` JSON document) and its two renderings, each into any `impl Write`.
//! `sent` counts the requests the server accepted (a request that never connected or was
//! refused is `failed`, never sent), `attempted` every request that completed; `spans` means
//! items of any signal (spans, data points, log records); latency covers the requests the
//! server answered.

use super::plan::{Budget, LoadPlan};
use super::run::Measurement;
use super::stats::{Percentiles, per_second};
use crate::report::render::format_ms;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The `schema` of the JSON document.
pub const SCHEMA: &str = "otlp-doctor/load/v1";

/// Everything a load run reports; serialises to the contract's JSON document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadReport {
    pub schema: &'static str,
    pub tool_version: &'static str,
    pub target: LoadTarget,
    pub sent: Sent,
    pub failed: Failed,
    /// Every request that completed, accepted or failed.
    pub attempted: Sent,
    pub duration_s: f64,
    pub spans_per_second: f64,
    pub latency_ms: Percentiles,
    pub requests_per_second: f64,
    /// Failed requests by status (`HTTP 503`, `gRPC UNAVAILABLE`) or by transport error.
    pub failures_by_status: BTreeMap<String, u64>,
    /// Items servers took but rejected in a partial success.
    pub rejected_spans: u64,
    pub concurrency: usize,
    pub batch_size: u32,
    /// Items per second asked for; `null` for as fast as possible.
    pub rate: Option<u64>,
    /// Ctrl-C stopped the run early; the figures cover what was measured until then.
    pub interrupted: bool,
    /// Why the run stopped before its budget was spent (every request failed); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// When no request was accepted: `check`'s root cause for the same target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_cause: Option<RootCause>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RootCause {
    pub code: String,
    pub title: String,
}

/// Where the load went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadTarget {
    pub endpoint: String,
    pub protocol: String,
    pub signals: Vec<String>,
    pub compression: String,
}

/// Requests and the items in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub spans: u64,
    pub requests: u64,
}

/// Requests that failed (error status or no answer) and the items in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Failed {
    pub requests: u64,
    pub spans: u64,
}

impl LoadReport {
    pub fn new(plan: &LoadPlan, measured: &Measurement) -> LoadReport {
        let tally = &measured.tally;
        LoadReport {
            schema: SCHEMA,
            tool_version: env!("CARGO_PKG_VERSION"),
            target: LoadTarget {
                endpoint: plan.endpoint(),
                protocol: plan.target.protocol.as_str().to_string(),
                signals: plan
                    .target
                    .signals
                    .iter()
                    .map(|s| s.as_str().to_string())
                    .collect(),
                compression: plan.target.compression.as_str().to_string(),
            },
            sent: Sent {
                spans: tally.items - tally.failed_items,
                requests: tally.requests - tally.failed_requests,
            },
            failed: Failed {
                requests: tally.failed_requests,
                spans: tally.failed_items,
            },
            attempted: Sent {
                spans: tally.items,
                requests: tally.requests,
            },
            duration_s: measured.duration.as_secs_f64(),
            spans_per_second: per_second(tally.items - tally.failed_items, measured.duration),
            latency_ms: tally.percentiles(),
            requests_per_second: per_second(
                tally.requests - tally.failed_requests,
                measured.duration,
            ),
            failures_by_status: tally.failures.clone(),
            rejected_spans: tally.rejected_items,
            concurrency: plan.concurrency,
            batch_size: plan.batch_size,
            rate: plan.rate,
            interrupted: measured.interrupted,
            stopped: measured.stopped_failing.then(|| {
                format!(
                    "every request of the first {} s failed",
                    super::run::FAILING_START.as_secs()
                )
            }),
            root_cause: None,
        }
    }

    /// Nothing got through: no request was accepted and at least one failed.
    pub fn nothing_arrived(&self) -> bool {
        self.sent.requests == 0 && self.failed.requests > 0
    }

    /// Whether any request failed (exit status 1).
    pub fn has_failures(&self) -> bool {
        self.failed.requests > 0
    }

    /// The JSON document, pretty-printed, with a final newline.
    pub fn render_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    /// The summary for people.
    pub fn render_human(&self, out: &mut impl Write) -> io::Result<()> {
        let items = self.items_word();
        let rate = match self.rate {
            Some(rate) => format!("{} {items}/s", thousands(rate)),
            None => "unlimited".to_string(),
        };
        writeln!(
            out,
            "load {} ({}, {}) batch {}, concurrency {}, rate {rate}{}",
            self.target.endpoint,
            self.target.protocol,
            self.target.signals.join(","),
            self.batch_size,
            self.concurrency,
            if self.target.compression == "none" {
                String::new()
            } else {
                format!(", {}", self.target.compression)
            },
        )?;
        if self.interrupted {
            writeln!(out, "interrupted: what was measured until Ctrl-C")?;
        }
        if let Some(stopped) = &self.stopped {
            writeln!(out, "stopped: {stopped}")?;
        }
        writeln!(
            out,
            "  sent      {} {items} in {} requests over {:.2} s",
            thousands(self.sent.spans),
            thousands(self.sent.requests),
            self.duration_s
        )?;
        writeln!(
            out,
            "  rate      {} {items}/s, {:.1} requests/s",
            thousands(self.spans_per_second.round() as u64),
            self.requests_per_second
        )?;
        let l = &self.latency_ms;
        if l.max == 0.0 {
            writeln!(out, "  latency   no request was answered")?;
        } else {
            writeln!(
                out,
                "  latency   p50 {}  p90 {}  p99 {}  max {}",
                format_ms(l.p50),
                format_ms(l.p90),
                format_ms(l.p99),
                format_ms(l.max)
            )?;
        }
        if self.rejected_spans > 0 {
            writeln!(
                out,
                "  rejected  {} {items} (partial success)",
                thousands(self.rejected_spans)
            )?;
        }
        if self.failed.requests == 0 {
            return writeln!(out, "  failed    none");
        }
        writeln!(
            out,
            "  failed    {} of {} requests ({} {items})",
            thousands(self.failed.requests),
            thousands(self.attempted.requests),
            thousands(self.failed.spans)
        )?;
        let mut failures: Vec<_> = self.failures_by_status.iter().collect();
        failures.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (status, count) in failures {
            writeln!(out, "    {:>8} × {status}", thousands(*count))?;
        }
        if let Some(cause) = &self.root_cause {
            writeln!(out, "  root cause {} {}", cause.code, cause.title)?;
            writeln!(
                out,
                "  (run `otlp-doctor check` with the same settings for the evidence and the fix)"
            )?;
        }
        Ok(())
    }

    fn items_word(&self) -> &'static str {
        match self.target.signals.as_slice() {
            [only] if only == "metrics" => "data points",
            [only] if only == "logs" => "log records",
            [only] if only == "traces" => "spans",
            _ => "items",
        }
    }
}

/// How the human summary names the budget, e.g. for a progress bar.
pub fn budget_text(budget: Budget) -> String {
    match budget {
        Budget::Items(items) => format!("{} items", thousands(items)),
        Budget::Duration(duration) => humantime::format_duration(duration).to_string(),
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::plan::tests::target;
    use crate::load::sample::{Outcome, Sample};
    use crate::load::stats::Tally;
    use crate::settings::{Protocol, Signal};
    use std::time::Duration;

    fn report(failures: bool) -> LoadReport {
        let plan = LoadPlan::new(
            target("http://127.0.0.1:4317", Protocol::Grpc),
            Budget::Items(2048),
            0,
            4,
            512,
            0,
            0,
        );
        let mut tally = Tally::new();
        for index in 0..4u64 {
            let outcome = if failures && index == 3 {
                Outcome::Refused {
                    status: "gRPC UNAVAILABLE".into(),
                }
            } else {
                Outcome::Accepted { rejected: 0 }
            };
            tally.record(&Sample {
                started: Duration::from_millis(index * 10),
                latency: Duration::from_millis(5 + index),
                signal: Signal::Traces,
                items: 512,
                outcome,
            });
        }
        let measured = Measurement {
            duration: tally.last_end,
            tally,
            interrupted: false,
            stopped_failing: false,
        };
        LoadReport::new(&plan, &measured)
    }

    #[test]
    fn json_has_the_contract_fields() {
        let mut out = Vec::new();
        report(false).render_json(&mut out).expect("writes");
        let value: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(value["schema"], "otlp-doctor/load/v1");
        assert_eq!(value["target"]["endpoint"], "http://127.0.0.1:4317");
        assert_eq!(value["target"]["protocol"], "grpc");
        assert_eq!(value["sent"]["spans"], 2048);
        assert_eq!(value["sent"]["requests"], 4);
        assert_eq!(value["failed"]["requests"], 0);
        assert!((value["duration_s"].as_f64().expect("number") - 0.038).abs() < 1e-9);
        assert!(value["spans_per_second"].as_f64().expect("number") > 50_000.0);
        for key in ["p50", "p90", "p99", "max"] {
            assert!(value["latency_ms"][key].as_f64().expect("number") >= 5.0);
        }
    }

    #[test]
    fn human_summary_lists_failures() {
        let mut out = Vec::new();
        report(true).render_human(&mut out).expect("writes");
        let text = String::from_utf8(out).expect("UTF-8");
        // The refused request is not among the sent ones.
        assert!(text.contains("1,536 spans in 3 requests"), "{text}");
        assert!(text.contains("failed    1 of 4 requests"), "{text}");
        assert!(text.contains("1 × gRPC UNAVAILABLE"), "{text}");
        assert!(text.contains("p99"), "{text}");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
