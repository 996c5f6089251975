//! The statistics of a run, derived from its [`Measurements`]: per scenario the median and spread
//! of the per-span costs over the measured iterations, totals of exported, dropped and received
//! spans, and the growth of memory over the leak check's rounds. No measuring, no printing.

use super::exporter::Exported;
use super::plan::Scenario;
use super::sample::{AllocPass, Measurements, Sample};
use super::stats::{Growth, Spread};
use std::time::Duration;

/// Live heap kept per provider lifecycle above which the leak check calls it growth: anything
/// smaller is within what lazily grown caches and the allocator's own bookkeeping move.
pub const HEAP_GROWTH_PER_ROUND: f64 = 4096.0;
/// Resident-set growth per round above which it counts: the allocator keeps freed pages around
/// and hands whole arenas to new threads, so the resident set moves in steps of many pages.
pub const RSS_GROWTH_PER_ROUND: f64 = 256.0 * 1024.0;

/// One scenario's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSummary {
    pub scenario: Scenario,
    /// Measured iterations (warm-up excluded).
    pub iterations: usize,
    /// Spans created over the measured iterations.
    pub spans: u64,
    /// Wall time per span of creating and ending spans, in ns.
    pub wall_ns: Option<Spread>,
    /// CPU time per span on the application thread, in ns.
    pub thread_cpu_ns: Option<Spread>,
    /// CPU time per span of every thread but the built-in receiver's, create + flush, in ns.
    pub process_cpu_ns: Option<Spread>,
    /// Wall time of the flush after each iteration, in ms.
    pub flush_ms: Option<Spread>,
    /// Totals over the measured iterations (export scenarios only).
    pub exported: Option<Exported>,
    pub dropped: Option<u64>,
    /// Spans the built-in receiver counted over the measured iterations.
    pub received: Option<u64>,
    pub allocs: Option<AllocPass>,
    /// Time spent measuring this scenario (create + flush, every iteration).
    pub duration: Duration,
}

impl ScenarioSummary {
    pub fn of(measured: &Measurements, scenario: Scenario) -> ScenarioSummary {
        let samples: Vec<&Sample> = measured.measured(scenario).collect();
        let per_span = |value: &dyn Fn(&Sample) -> Option<Duration>| {
            let values: Vec<f64> = samples
                .iter()
                .filter(|s| s.spans > 0)
                .filter_map(|s| value(s).map(|d| d.as_nanos() as f64 / s.spans as f64))
                .collect();
            Spread::of(&values)
        };
        let sum = |value: &dyn Fn(&Sample) -> Option<u64>| {
            samples
                .iter()
                .map(|s| value(s))
                .try_fold(0u64, |total, v| v.map(|v| total + v))
                .filter(|_| !samples.is_empty())
        };
        let flush: Vec<f64> = samples
            .iter()
            .map(|s| s.flush.as_secs_f64() * 1000.0)
            .collect();
        let exported = samples
            .iter()
            .map(|s| s.exported)
            .try_fold(Exported::default(), |total, e| {
                e.map(|e| Exported {
                    ok: total.ok + e.ok,
                    failed: total.failed + e.failed,
                })
            })
            .filter(|_| !samples.is_empty());
        ScenarioSummary {
            scenario,
            iterations: samples.len(),
            spans: samples.iter().map(|s| s.spans).sum(),
            wall_ns: per_span(&|s| Some(s.create)),
            thread_cpu_ns: per_span(&|s| s.thread_cpu),
            process_cpu_ns: per_span(&|s| s.process_cpu),
            flush_ms: Spread::of(&flush),
            exported,
            dropped: sum(&|s| s.dropped()),
            received: sum(&|s| s.received),
            allocs: measured.alloc_pass(scenario).copied(),
            duration: measured
                .samples
                .iter()
                .filter(|s| s.scenario == scenario)
                .map(|s| s.create + s.flush)
                .sum(),
        }
    }

    /// Dropped spans as a share of those created, 0..=1.
    pub fn drop_rate(&self) -> Option<f64> {
        let dropped = self.dropped?;
        (self.spans > 0).then(|| dropped as f64 / self.spans as f64)
    }
}

/// What the leak check saw after its warm-up rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct LeakSummary {
    pub rounds: usize,
    pub rss_bytes: Vec<u64>,
    pub live_heap_bytes: Vec<i64>,
    pub rss: Option<Growth>,
    pub heap: Option<Growth>,
}

impl LeakSummary {
    /// `None` when the leak check did not run (or only warmed up).
    pub fn of(measured: &Measurements) -> Option<LeakSummary> {
        let rounds: Vec<_> = measured.leak.iter().filter(|r| !r.warmup).collect();
        if rounds.is_empty() {
            return None;
        }
        let rss_bytes: Vec<u64> = rounds.iter().filter_map(|r| r.rss_bytes).collect();
        let live_heap_bytes: Vec<i64> = rounds.iter().filter_map(|r| r.live_heap_bytes).collect();
        let as_f64 = |values: &[f64]| Growth::of(values);
        Some(LeakSummary {
            rounds: rounds.len(),
            rss: as_f64(&rss_bytes.iter().map(|&b| b as f64).collect::<Vec<_>>()),
            heap: as_f64(
                &live_heap_bytes
                    .iter()
                    .map(|&b| b as f64)
                    .collect::<Vec<_>>(),
            ),
            rss_bytes,
            live_heap_bytes,
        })
    }

    pub fn heap_keeps_growing(&self) -> bool {
        self.heap
            .is_some_and(|g| g.keeps_growing(HEAP_GROWTH_PER_ROUND))
    }

    pub fn rss_keeps_growing(&self) -> bool {
        self.rss
            .is_some_and(|g| g.keeps_growing(RSS_GROWTH_PER_ROUND))
    }

    /// A leak: the live heap keeps growing, or, where the heap is not measured, the resident set.
    pub fn leaking(&self) -> bool {
        match self.heap {
            Some(_) => self.heap_keeps_growing(),
            None => self.rss_keeps_growing(),
        }
    }
}

/// The statistics of a whole run.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub scenarios: Vec<ScenarioSummary>,
    pub leak: Option<LeakSummary>,
    /// Spans the exporter delivered, over every iteration (warm-up included) of every export
    /// scenario, and how many of them the built-in receiver counted.
    pub delivered: u64,
    pub received: Option<u64>,
}

impl Summary {
    pub fn of(measured: &Measurements) -> Summary {
        let exporting = || measured.samples.iter().filter(|s| s.exported.is_some());
        Summary {
            scenarios: Scenario::ALL
                .into_iter()
                .map(|scenario| ScenarioSummary::of(measured, scenario))
                .collect(),
            leak: LeakSummary::of(measured),
            delivered: exporting().filter_map(|s| s.exported).map(|e| e.ok).sum(),
            received: exporting()
                .map(|s| s.received)
                .try_fold(0u64, |total, r| r.map(|r| total + r)),
        }
    }

    pub fn scenario(&self, scenario: Scenario) -> Option<&ScenarioSummary> {
        self.scenarios
            .iter()
            .find(|s| s.scenario == scenario && s.iterations > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::overhead::procfs::CpuSource;
    use crate::overhead::sample::{LeakRound, Machine};

    fn sample(scenario: Scenario, warmup: bool, create_us: u64, exported: Option<u64>) -> Sample {
        Sample {
            scenario,
            iteration: 0,
            warmup,
            at: Duration::ZERO,
            spans: 1000,
            create: Duration::from_micros(create_us),
            flush: Duration::from_millis(2),
            thread_cpu: Some(Duration::from_micros(create_us / 2)),
            process_cpu: Some(Duration::from_micros(create_us * 2)),
            exported: exported.map(|ok| Exported { ok, failed: 0 }),
            received: exported,
        }
    }

    fn measurements(samples: Vec<Sample>, leak: Vec<LeakRound>) -> Measurements {
        Measurements {
            machine: Machine {
                cpus: 2,
                cpu_model: None,
            },
            endpoint: "http://127.0.0.1:4317".into(),
            cpu_source: CpuSource::Schedstat,
            alloc_counting: false,
            samples,
            allocs: Vec::new(),
            leak,
            last_export_error: None,
            interrupted: false,
            elapsed: Duration::from_secs(1),
        }
    }

    #[test]
    fn per_span_statistics_skip_the_warm_up() {
        let measured = measurements(
            vec![
                sample(Scenario::BatchDefault, true, 99_000, Some(10)),
                sample(Scenario::BatchDefault, false, 1_000, Some(600)),
                sample(Scenario::BatchDefault, false, 3_000, Some(400)),
                sample(Scenario::BatchDefault, false, 2_000, Some(1000)),
            ],
            Vec::new(),
        );
        let summary = ScenarioSummary::of(&measured, Scenario::BatchDefault);
        assert_eq!(summary.iterations, 3);
        assert_eq!(summary.spans, 3000);
        let wall = summary.wall_ns.expect("wall");
        assert_eq!((wall.median, wall.min, wall.max), (2000.0, 1000.0, 3000.0));
        assert_eq!(summary.thread_cpu_ns.expect("cpu").median, 1000.0);
        assert_eq!(summary.process_cpu_ns.expect("cpu").median, 4000.0);
        assert_eq!(summary.dropped, Some(1000));
        assert_eq!(summary.drop_rate(), Some(1000.0 / 3000.0));
        assert_eq!(summary.received, Some(2000));
    }

    #[test]
    fn baselines_have_no_export_totals() {
        let measured = measurements(
            vec![sample(Scenario::NoProcessor, false, 500, None)],
            Vec::new(),
        );
        let summary = Summary::of(&measured);
        let baseline = summary.scenario(Scenario::NoProcessor).expect("measured");
        assert_eq!((baseline.exported, baseline.dropped), (None, None));
        assert!(summary.scenario(Scenario::BatchRoomy).is_none());
        assert_eq!((summary.delivered, summary.received), (0, Some(0)));
    }

    fn round(round: u32, rss: u64, heap: i64) -> LeakRound {
        LeakRound {
            round,
            warmup: round == 0,
            rss_bytes: Some(rss),
            live_heap_bytes: Some(heap),
            exported: Exported::default(),
        }
    }

    #[test]
    fn a_heap_that_keeps_growing_is_a_leak() {
        let rounds = (0..6)
            .map(|r| round(r, 50 << 20, i64::from(r) * 100_000))
            .collect();
        let leak = LeakSummary::of(&measurements(Vec::new(), rounds)).expect("rounds");
        assert_eq!(leak.rounds, 5);
        assert!(leak.heap_keeps_growing());
        assert!(!leak.rss_keeps_growing());
        assert!(leak.leaking());
    }

    #[test]
    fn a_growing_resident_set_over_a_stable_heap_is_not_a_leak() {
        let rounds = (0..6)
            .map(|r| round(r, (50 << 20) + u64::from(r) * (1 << 20), 1000))
            .collect();
        let leak = LeakSummary::of(&measurements(Vec::new(), rounds)).expect("rounds");
        assert!(leak.rss_keeps_growing());
        assert!(!leak.leaking());
    }
}
