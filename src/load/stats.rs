//! The statistics of a load run, folded from [`Sample`]s by the collector task: counts, failures
//! by status, and an HDR histogram of the latency of every answered request (success or error
//! status; a request that got no answer has no server latency and is only counted as failed),
//! and one [`Second`] per second of the run for the series over time.

use super::sample::Sample;
use crate::report::charts::Bucket;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::time::Duration;

/// Latencies are recorded in microseconds, from 1 µs up to an hour, to 3 significant digits.
const HISTOGRAM_MAX_MICROS: u64 = 3_600_000_000;
const HISTOGRAM_DIGITS: u8 = 3;
/// The per-second series keep one entry per second; a request that ends later than this (a
/// week) is counted in the last one, so a forgotten run cannot grow them without bound.
const MAX_SECONDS: usize = 7 * 24 * 3600;
/// Logarithmic buckets are never narrower than this factor, so a run whose latencies are all
/// alike still gets a few buckets rather than hundreds of empty ones.
const MIN_BUCKET_FACTOR: f64 = 1.05;

/// Everything measured so far.
#[derive(Debug, Clone)]
pub struct Tally {
    latency: Histogram<u64>,
    pub requests: u64,
    pub items: u64,
    pub failed_requests: u64,
    pub failed_items: u64,
    /// Items the server took but rejected in a partial success.
    pub rejected_items: u64,
    /// Failed requests by status (`HTTP 503`, `gRPC UNAVAILABLE`) or transport error.
    pub failures: BTreeMap<String, u64>,
    /// When the last request finished, since the run started.
    pub last_end: Duration,
    /// What ended in each second of the run: `seconds[i]` covers `[i s, i+1 s)`.
    pub seconds: Vec<Second>,
}

/// The requests that ended in one second of the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Second {
    /// Items of the accepted requests.
    pub items: u64,
    pub requests: u64,
    pub failed_requests: u64,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally::new()
    }
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Tally {
        let latency = Histogram::new_with_bounds(1, HISTOGRAM_MAX_MICROS, HISTOGRAM_DIGITS)
            .expect("constant histogram bounds are valid");
        Tally {
            latency,
            requests: 0,
            items: 0,
            failed_requests: 0,
            failed_items: 0,
            rejected_items: 0,
            failures: BTreeMap::new(),
            last_end: Duration::ZERO,
            seconds: Vec::new(),
        }
    }

    /// Folds one request's measurement in.
    pub fn record(&mut self, sample: &Sample) {
        self.requests += 1;
        self.items += u64::from(sample.items);
        self.last_end = self.last_end.max(sample.ended());
        let index = usize::try_from(sample.ended().as_secs())
            .unwrap_or(usize::MAX)
            .min(MAX_SECONDS - 1);
        if self.seconds.len() <= index {
            self.seconds.resize(index + 1, Second::default());
        }
        let second = &mut self.seconds[index];
        second.requests += 1;
        if sample.outcome.is_ok() {
            second.items += u64::from(sample.items);
        } else {
            second.failed_requests += 1;
        }
        if sample.outcome.answered() {
            let micros = u64::try_from(sample.latency.as_micros()).unwrap_or(u64::MAX);
            self.latency.saturating_record(micros.max(1));
        }
        match sample.outcome.failure_key() {
            None => {
                if let super::Outcome::Accepted { rejected } = sample.outcome {
                    self.rejected_items += rejected;
                }
            }
            Some(key) => {
                self.failed_requests += 1;
                self.failed_items += u64::from(sample.items);
                *self.failures.entry(key.to_string()).or_default() += 1;
            }
        }
    }

    /// p50, p90, p99 and max of the answered requests; all zero when none was answered.
    pub fn percentiles(&self) -> Percentiles {
        if self.latency.is_empty() {
            return Percentiles::default();
        }
        let ms = |micros: u64| micros as f64 / 1000.0;
        Percentiles {
            p50: ms(self.latency.value_at_quantile(0.50)),
            p90: ms(self.latency.value_at_quantile(0.90)),
            p99: ms(self.latency.value_at_quantile(0.99)),
            max: ms(self.latency.max()),
        }
    }

    /// The latency distribution in at most `count` logarithmic buckets from the fastest to the
    /// slowest answer, in milliseconds; empty when no request was answered.
    pub fn latency_buckets(&self, count: usize) -> Vec<Bucket> {
        if self.latency.is_empty() || count == 0 {
            return Vec::new();
        }
        let low = self.latency.min().max(1) as f64;
        let high = self.latency.max().max(1) as f64 + 1.0;
        let factor = (high / low).powf(1.0 / count as f64).max(MIN_BUCKET_FACTOR);
        let mut buckets = Vec::with_capacity(count);
        let mut from = low;
        // Values are whole microseconds: a remainder under one is float rounding, not a bucket.
        while high - from >= 1.0 {
            let to = (from * factor).min(high);
            let (low_micros, high_micros) = (from as u64, to as u64);
            let count = self
                .latency
                .iter_recorded()
                .filter(|v| {
                    let value = self.latency.median_equivalent(v.value_iterated_to());
                    value >= low_micros && value < high_micros
                })
                .map(|v| v.count_at_value())
                .sum();
            buckets.push(Bucket {
                low_ms: from / 1000.0,
                high_ms: to / 1000.0,
                count,
            });
            from = to;
        }
        buckets
    }

    /// Items per second over `duration` (0 for an empty run).
    pub fn items_per_second(&self, duration: Duration) -> f64 {
        per_second(self.items, duration)
    }

    /// Requests per second over `duration` (0 for an empty run).
    pub fn requests_per_second(&self, duration: Duration) -> f64 {
        per_second(self.requests, duration)
    }
}

/// `count` over `duration`, 0 for an empty run.
pub(super) fn per_second(count: u64, duration: Duration) -> f64 {
    let seconds = duration.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Outcome;
    use crate::settings::Signal;

    fn sample(latency_ms: u64, outcome: Outcome) -> Sample {
        Sample {
            started: Duration::from_millis(10),
            latency: Duration::from_millis(latency_ms),
            signal: Signal::Traces,
            items: 100,
            outcome,
        }
    }

    #[test]
    fn counts_failures_by_status_and_times_only_answers() {
        let mut tally = Tally::new();
        for latency in 1..=100 {
            tally.record(&sample(latency, Outcome::Accepted { rejected: 0 }));
        }
        tally.record(&sample(
            7,
            Outcome::Refused {
                status: "HTTP 503".into(),
            },
        ));
        tally.record(&sample(
            5000,
            Outcome::NoAnswer {
                error: "timeout".into(),
            },
        ));
        assert_eq!(tally.requests, 102);
        assert_eq!(tally.items, 10_200);
        assert_eq!(tally.failed_requests, 2);
        assert_eq!(tally.failures.get("HTTP 503"), Some(&1));
        assert_eq!(tally.failures.get("timeout"), Some(&1));
        assert_eq!(tally.last_end, Duration::from_millis(5010));
        let p = tally.percentiles();
        assert!((p.p50 - 50.0).abs() < 0.1, "{p:?}");
        assert!((p.p99 - 99.0).abs() < 0.1, "{p:?}");
        assert!((p.max - 100.0).abs() < 0.1, "{p:?}");
        assert!((tally.items_per_second(Duration::from_secs(2)) - 5100.0).abs() < 1e-9);
    }

    #[test]
    fn keeps_one_entry_per_second_and_buckets_every_answer() {
        let mut tally = Tally::new();
        for index in 0..30u64 {
            let mut sample = sample(1 + index, Outcome::Accepted { rejected: 0 });
            sample.started = Duration::from_millis(index * 100);
            tally.record(&sample);
        }
        let mut refused = sample(
            2,
            Outcome::Refused {
                status: "HTTP 503".into(),
            },
        );
        refused.started = Duration::from_millis(2500);
        tally.record(&refused);
        assert_eq!(tally.seconds.len(), 3, "{:?}", tally.seconds);
        assert_eq!(tally.seconds[2].failed_requests, 1);
        let requests: u64 = tally.seconds.iter().map(|s| s.requests).sum();
        assert_eq!(requests, 31);
        let items: u64 = tally.seconds.iter().map(|s| s.items).sum();
        assert_eq!(items, 3000);
        let buckets = tally.latency_buckets(12);
        assert!(!buckets.is_empty() && buckets.len() <= 13, "{buckets:?}");
        assert_eq!(buckets.iter().map(|b| b.count).sum::<u64>(), 31);
        assert!(buckets.windows(2).all(|w| w[0].high_ms == w[1].low_ms));
        assert!(Tally::new().latency_buckets(12).is_empty());
    }

    #[test]
    fn an_empty_run_has_zero_figures() {
        let tally = Tally::new();
        assert_eq!(tally.percentiles(), Percentiles::default());
        assert_eq!(tally.items_per_second(Duration::ZERO), 0.0);
    }
}
