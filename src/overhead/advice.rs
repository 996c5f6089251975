//! Recommendations drawn from a run's numbers: queue size against the drops measured, batch
//! size against the export cost, the sampler where per-span cost matters, the provider
//! lifecycle against the leak check, and caveats about the measurement itself.

use super::plan::{Plan, SDK_MAX_EXPORT_BATCH_SIZE, SDK_MAX_QUEUE_SIZE, Scenario};
use super::report::{bytes_text, number, percent};
use super::sample::Measurements;
use super::summary::Summary;
use crate::load::report::thousands;
use crate::report::Section;

/// Runs that vary more than this ((p90 - p10) / median) are called noisy.
const NOISY_SPREAD: f64 = 0.5;

/// The "recommendations" section.
pub fn recommendations(plan: &Plan, measured: &Measurements, summary: &Summary) -> Section {
    let mut section = Section::new("recommendations");
    let default = summary.scenario(Scenario::BatchDefault);
    let roomy = summary.scenario(Scenario::BatchRoomy);
    let small = summary.scenario(Scenario::BatchSmallQueue);

    match (default.and_then(|d| d.drop_rate()), roomy) {
        (Some(rate), Some(roomy)) if rate > 0.0 => {
            let queue = roomy
                .scenario
                .batch(plan.spans)
                .map_or(0, |b| b.max_queue_size);
            let memory = roomy
                .allocs
                .map(|a| {
                    format!(
                        " (at least {} of span data while full)",
                        bytes_text(a.thread.bytes as f64 / a.spans.max(1) as f64 * queue as f64)
                    )
                })
                .unwrap_or_default();
            section = section.row(
                "queue size",
                format!(
                    "bursts of {} spans overflow the default queue of {SDK_MAX_QUEUE_SIZE}: {} were dropped; a queue of {} dropped {}{memory}. Set OTEL_BSP_MAX_QUEUE_SIZE (or with_max_queue_size) to the largest burst you create between exports",
                    thousands(u64::from(plan.spans)),
                    percent(rate),
                    thousands(queue as u64),
                    roomy.drop_rate().map_or("none".into(), |r| if r > 0.0 { percent(r) } else { "none".into() }),
                ),
                None,
            );
        }
        (Some(_), _) => {
            section = section.row(
                "queue size",
                format!(
                    "the default queue of {SDK_MAX_QUEUE_SIZE} held bursts of {} spans without drops here",
                    thousands(u64::from(plan.spans))
                ),
                None,
            );
        }
        _ => {}
    }
    if let Some(rate) = small.and_then(|s| s.drop_rate()).filter(|&r| r > 0.0) {
        section = section.row(
            "full queue",
            format!(
                "a full queue drops spans silently (one SDK warning, then a count at shutdown): the small queue lost {}. Watch for BatchSpanProcessor.SpanDroppingStarted in the SDK's internal logs",
                percent(rate)
            ),
            None,
        );
    }
    if let Some((process, thread)) = roomy.and_then(|r| Some((r.process_cpu_ns?, r.thread_cpu_ns?)))
    {
        section = section.row(
                "batch size",
                format!(
                    "with batches of {SDK_MAX_EXPORT_BATCH_SIZE}, the batch processor and exporter used about {} ns of CPU per span off the application thread, which itself spent {} ns. Keep {SDK_MAX_EXPORT_BATCH_SIZE} unless one export nears the collector's 4 MiB message limit; larger batches pay only when exporting, not creating spans, is the bottleneck",
                    number((process.median - thread.median).max(0.0)),
                    number(thread.median)
                ),
                None,
            );
    }
    if let (Some(off), Some(on)) = (
        summary
            .scenario(Scenario::AlwaysOff)
            .and_then(|s| s.process_cpu_ns),
        roomy.and_then(|s| s.process_cpu_ns),
    ) {
        section = section.row(
            "sampler",
            format!(
                "an exported span cost {} ns of CPU, an unsampled one {} ns: where per-span cost matters, sample (OTEL_TRACES_SAMPLER=parentbased_traceidratio) and unsampled spans cost about the always_off figure",
                number(on.median),
                number(off.median)
            ),
            None,
        );
    }
    if let Some(leak) = &summary.leak {
        section = section.row(
            "provider lifecycle",
            if leak.leaking() {
                "memory grew with every provider built and shut down: build the tracer provider once and keep it for the life of the process"
            } else {
                "building and shutting down providers gave memory back: no leak to work around"
            },
            None,
        );
    }
    // Scenarios that drop spans vary with how the drops fall; only the others say the machine was busy.
    let noisy = summary
        .scenarios
        .iter()
        .filter(|s| s.drop_rate().is_none_or(|rate| rate == 0.0))
        .filter_map(|s| s.wall_ns.as_ref()?.relative_spread())
        .any(|spread| spread > NOISY_SPREAD);
    if noisy {
        section = section.row(
            "noise",
            "some scenarios varied by more than half their median between iterations: the machine was busy; rerun with more --iterations on an idle machine before comparing",
            None,
        );
    }
    if cfg!(debug_assertions) {
        section = section.row(
            "build",
            "a debug build measured this: quote numbers from a release build (cargo build --release)",
            None,
        );
    }
    if !measured.alloc_counting {
        section = section.row(
            "allocations",
            "allocations were not counted: this binary does not install otlp_doctor::overhead::CountingAllocator as its global allocator",
            None,
        );
    }
    section
}
