//! What one `overhead` run measured, as plain data: one [`Sample`] per timed iteration, one
//! [`AllocPass`] per scenario, one [`LeakRound`] per round of the leak check. Statistics and the
//! report are derived from these, never measured on the side.

use super::alloc_counter::AllocCounts;
use super::exporter::Exported;
use super::plan::Scenario;
use super::procfs::CpuSource;
use std::time::Duration;

/// One timed iteration of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub scenario: Scenario,
    /// 0-based, warm-up iterations included.
    pub iteration: u32,
    pub warmup: bool,
    /// When the iteration started, since the run started.
    pub at: Duration,
    /// Spans created and ended.
    pub spans: u64,
    /// Wall time of creating and ending the spans on the application thread.
    pub create: Duration,
    /// Wall time of the `force_flush` afterwards: exporting what was still queued.
    pub flush: Duration,
    /// CPU time of the application thread while it created the spans.
    pub thread_cpu: Option<Duration>,
    /// CPU time of the whole process minus the built-in receiver's threads, over create + flush:
    /// the application thread, the batch processor's thread and the exporter's.
    pub process_cpu: Option<Duration>,
    /// What the processor handed to the exporter in this iteration (export scenarios).
    pub exported: Option<Exported>,
    /// Spans the built-in receiver took in during this iteration.
    pub received: Option<u64>,
}

impl Sample {
    /// Spans the processor never handed to the exporter: dropped because its queue was full.
    pub fn dropped(&self) -> Option<u64> {
        self.exported
            .map(|exported| self.spans.saturating_sub(exported.handed_over()))
    }
}

/// The allocations of one untimed iteration with counting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocPass {
    pub scenario: Scenario,
    pub spans: u64,
    /// On the application thread while creating the spans.
    pub thread: AllocCounts,
    /// On every thread but the built-in receiver's, over create + flush.
    pub process: AllocCounts,
}

/// One round of the leak check: build a provider, create spans, shut it down, then look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeakRound {
    /// 0-based.
    pub round: u32,
    pub warmup: bool,
    /// Resident set after the shutdown.
    pub rss_bytes: Option<u64>,
    /// Heap bytes allocated minus freed since the leak check began (counting allocator only).
    pub live_heap_bytes: Option<i64>,
    pub exported: Exported,
}

/// The machine the run was on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: Option<String>,
}

/// Everything one run measured, plus how it measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurements {
    pub machine: Machine,
    /// The URL the exporter sent to.
    pub endpoint: String,
    pub cpu_source: CpuSource,
    /// Whether the counting allocator is installed (allocations are measured).
    pub alloc_counting: bool,
    pub samples: Vec<Sample>,
    pub allocs: Vec<AllocPass>,
    pub leak: Vec<LeakRound>,
    /// The most recent export error, if any export failed.
    pub last_export_error: Option<String>,
    /// Stopped early by Ctrl-C: what is here is what was measured until then.
    pub interrupted: bool,
    pub elapsed: Duration,
}

impl Measurements {
    /// The measured (not warm-up) samples of one scenario, in order.
    pub fn measured(&self, scenario: Scenario) -> impl Iterator<Item = &Sample> {
        self.samples
            .iter()
            .filter(move |s| s.scenario == scenario && !s.warmup)
    }

    pub fn alloc_pass(&self, scenario: Scenario) -> Option<&AllocPass> {
        self.allocs.iter().find(|a| a.scenario == scenario)
    }
}
