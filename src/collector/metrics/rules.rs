//! The per-component rules of the metrics analysis: refusals at receivers, drops in
//! processors, failed sends and full queues at exporters, and each component's table row.

use super::analysis::{Reading, Samples, Unit, number};
use super::series::Stage;
use crate::collector::CHECK_METRICS;
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Section, Severity};

/// A queue this full is about to drop data.
const QUEUE_NEARLY_FULL_RATIO: f64 = 0.9;

/// Processor types that drop data by design (filters, samplers): a deficit there is
/// information, not a problem.
const DROPPING_BY_DESIGN: &[&str] = &["filter", "tail_sampling", "probabilistic_sampler"];

/// Processor types that hold data for a while, so incoming and outgoing differ in between.
const BUFFERING: &[&str] = &["batch", "groupbytrace", "tail_sampling", "queue_batch"];

const INTERNAL_TELEMETRY_DOCS: &str = "https://opentelemetry.io/docs/collector/internal-telemetry/";

/// Error while it is moving, warning when it only happened before the first sample.
fn severity_of(moving: bool) -> Severity {
    if moving {
        Severity::Error
    } else {
        Severity::Warning
    }
}

pub(super) fn receiver(
    samples: &Samples<'_>,
    unit: &Unit,
    findings: &mut Vec<Finding>,
    section: &mut Section,
) {
    let accepted = samples.read(unit, Stage::ReceiverAccepted);
    let refused = samples.read(unit, Stage::ReceiverRefused);
    let failed = samples.read(unit, Stage::ReceiverFailed);
    let mut value = format!(
        "accepted {}, refused {} (totals: accepted {}, refused {}",
        samples.rate(accepted),
        samples.rate(refused),
        number(accepted.total),
        number(refused.total)
    );
    if failed.total > 0.0 {
        value.push_str(&format!(", failed {}", number(failed.total)));
    }
    value.push(')');
    let transports = samples.second.transports.get(&unit.component);
    let source = transports.map(|t| format!("transport {}", t.join(", ")));
    take_row(section, unit.label(), value, source);

    if refused.total == 0.0 && failed.total == 0.0 {
        return;
    }
    let moving = refused.moving() || failed.moving();
    let title = if moving {
        format!("receiver '{}' is refusing {}", unit.component, unit.items())
    } else {
        format!(
            "receiver '{}' refused {} before the first sample",
            unit.component,
            unit.items()
        )
    };
    let mut finding = Finding::new(
        Code::ColReceiverRefused,
        severity_of(moving),
        CHECK_METRICS,
        title,
    );
    for stage in [Stage::ReceiverRefused, Stage::ReceiverFailed] {
        if samples.read(unit, stage).total > 0.0 {
            finding = finding.evidence(samples.describe(unit, stage));
        }
    }
    if samples.has(unit, Stage::ReceiverAccepted) {
        finding = finding.evidence(samples.describe(unit, Stage::ReceiverAccepted));
    }
    findings.push(
        finding
            .fix(Fix::new("collector.refused_is_retryable"))
            .fix(Fix::new("collector.more_memory_or_scale_out"))
            .doc(INTERNAL_TELEMETRY_DOCS),
    );
}

pub(super) fn processor(
    samples: &Samples<'_>,
    unit: &Unit,
    findings: &mut Vec<Finding>,
    section: &mut Section,
) {
    let incoming = samples.read(unit, Stage::ProcessorIncoming);
    let outgoing = samples.read(unit, Stage::ProcessorOutgoing);
    let has_flow =
        samples.has(unit, Stage::ProcessorIncoming) || samples.has(unit, Stage::ProcessorOutgoing);
    let mut parts = Vec::new();
    if has_flow {
        parts.push(format!(
            "in {}, out {} (totals: in {}, out {})",
            samples.rate(incoming),
            samples.rate(outgoing),
            number(incoming.total),
            number(outgoing.total)
        ));
    }
    let mut refusing = false;
    for (stage, what) in [
        (Stage::MemoryLimiterRefused, "refused by the memory limiter"),
        (Stage::ProcessorRefused, "refused"),
        (Stage::ProcessorDropped, "dropped"),
    ] {
        let reading = samples.read(unit, stage);
        if reading.total == 0.0 {
            continue;
        }
        parts.push(format!(
            "{what} {} (total {})",
            samples.rate(reading),
            number(reading.total)
        ));
        refusing = true;
        let title = if reading.moving() {
            format!(
                "processor '{}' is dropping {}: {what}",
                unit.component,
                unit.items()
            )
        } else {
            format!(
                "processor '{}' {what} {} before the first sample",
                unit.component,
                unit.items()
            )
        };
        let mut finding = Finding::new(
            Code::ColProcessorDropped,
            severity_of(reading.moving()),
            CHECK_METRICS,
            title,
        )
        .evidence(samples.describe(unit, stage));
        finding = if stage == Stage::MemoryLimiterRefused {
            finding
                .fix(Fix::new("collector.memory_limiter_refuses"))
                .fix(Fix::new("collector.check_slow_exporters"))
        } else {
            finding.fix(Fix::new("collector.read_processor_log_or_rules"))
        };
        findings.push(finding.doc(INTERNAL_TELEMETRY_DOCS));
    }
    if has_flow
        && !refusing
        && let Some(finding) = deficit_finding(samples, unit, incoming, outgoing)
    {
        findings.push(finding);
    }
    if parts.is_empty() {
        let accepted = samples.read(unit, Stage::ProcessorAccepted);
        parts.push(format!(
            "accepted {} (total {})",
            samples.rate(accepted),
            number(accepted.total)
        ));
    }
    take_row(section, unit.label(), parts.join("; "), None);
}

/// Fewer items out than in: `otelcol_processor_outgoing_items` below
/// `otelcol_processor_incoming_items` (the knowledge base's COL_PROCESSOR_DROPPED cause).
fn deficit_finding(
    samples: &Samples<'_>,
    unit: &Unit,
    incoming: Reading,
    outgoing: Reading,
) -> Option<Finding> {
    let deficit_now = incoming.delta - outgoing.delta;
    let deficit_total = incoming.total - outgoing.total;
    if deficit_now <= 0.0 && deficit_total <= 0.0 {
        return None;
    }
    let kind = unit.component_type();
    let by_design = DROPPING_BY_DESIGN.contains(&kind);
    let buffers = BUFFERING.contains(&kind);
    // Only a deficit that grew while we watched, in a processor that neither drops by design
    // nor holds data back, is worth a warning.
    let severity = if deficit_now > 0.0 && !by_design && !buffers {
        Severity::Warning
    } else {
        Severity::Info
    };
    let mut finding = Finding::new(
        Code::ColProcessorDropped,
        severity,
        CHECK_METRICS,
        format!(
            "processor '{}' emits fewer {} than it receives",
            unit.component,
            unit.items()
        ),
    )
    .evidence(format!(
        "{}: +{}, {}: +{} in {:.1}s (totals: in {}, out {}, difference {})",
        samples.name(unit, Stage::ProcessorIncoming),
        number(incoming.delta),
        samples.name(unit, Stage::ProcessorOutgoing),
        number(outgoing.delta),
        samples.seconds,
        number(incoming.total),
        number(outgoing.total),
        number(deficit_total)
    ));
    if by_design {
        finding = finding.evidence(format!("{kind} processors drop data by design"));
    }
    if buffers {
        finding = finding.evidence(format!("{kind} processors hold data back for a while, so part of the difference is still in flight"));
    }
    Some(
        finding
            .fix(Fix::new("collector.check_filter_rules"))
            .fix(Fix::new("collector.otherwise_read_processor_log"))
            .doc(INTERNAL_TELEMETRY_DOCS),
    )
}

pub(super) fn exporter(
    samples: &Samples<'_>,
    unit: &Unit,
    findings: &mut Vec<Finding>,
    section: &mut Section,
) {
    let sent = samples.read(unit, Stage::ExporterSent);
    let failed = samples.read(unit, Stage::ExporterSendFailed);
    let enqueue_failed = samples.read(unit, Stage::ExporterEnqueueFailed);
    let mut value = format!(
        "sent {}, failed {}",
        samples.rate(sent),
        samples.rate(failed)
    );
    if enqueue_failed.total > 0.0 {
        value.push_str(&format!(
            ", enqueue failed {}",
            samples.rate(enqueue_failed)
        ));
    }
    value.push_str(&format!(
        " (totals: sent {}, failed {}",
        number(sent.total),
        number(failed.total)
    ));
    if enqueue_failed.total > 0.0 {
        value.push_str(&format!(
            ", enqueue failed {}",
            number(enqueue_failed.total)
        ));
    }
    value.push(')');
    if let (Some(size), Some(capacity)) = (
        samples.gauge(unit, Stage::ExporterQueueSize),
        samples.gauge(unit, Stage::ExporterQueueCapacity),
    ) {
        value.push_str(&format!("; queue {}/{}", number(size), number(capacity)));
    }
    // A unit with only queue gauges and no data_type is shown by the queue finding alone.
    let has_counters = [
        Stage::ExporterSent,
        Stage::ExporterSendFailed,
        Stage::ExporterEnqueueFailed,
    ]
    .iter()
    .any(|s| samples.has(unit, *s));
    if has_counters || unit.signal.is_some() {
        take_row(section, unit.label(), value, None);
    }

    if failed.total > 0.0 {
        let title = match (failed.moving(), sent.moving()) {
            (true, true) => format!(
                "exporter '{}' fails to send part of its {}",
                unit.component,
                unit.items()
            ),
            (true, false) => format!(
                "exporter '{}' is failing to send {}",
                unit.component,
                unit.items()
            ),
            (false, _) => format!(
                "exporter '{}' failed to send {} before the first sample",
                unit.component,
                unit.items()
            ),
        };
        // Every failed send is data the Collector dropped, whether it happened during the
        // sampling window or before it.
        let mut finding = Finding::new(
            Code::ColExporterSendFailed,
            Severity::Error,
            CHECK_METRICS,
            title,
        )
        .evidence(samples.describe(unit, Stage::ExporterSendFailed));
        if samples.has(unit, Stage::ExporterSent) {
            finding = finding.evidence(samples.describe(unit, Stage::ExporterSent));
        }
        findings.push(
            finding
                .fix(Fix::new("collector.read_exporter_log").with("component", &unit.component))
                .fix(
                    Fix::new("collector.check_exporter_endpoint")
                        .with("component", &unit.component),
                )
                .doc(INTERNAL_TELEMETRY_DOCS),
        );
    }
    if unit.signal.is_some()
        && let Some(finding) = queue_finding(samples, unit)
    {
        findings.push(finding);
    }
}

/// `COL_QUEUE_FULL`: enqueue failures, or a queue at 90% of its capacity or more.
pub(super) fn queue_finding(samples: &Samples<'_>, unit: &Unit) -> Option<Finding> {
    let enqueue_failed = samples.read(unit, Stage::ExporterEnqueueFailed);
    let size = samples.gauge(unit, Stage::ExporterQueueSize);
    let capacity = samples
        .gauge(unit, Stage::ExporterQueueCapacity)
        .filter(|c| *c > 0.0);
    let ratio = size.zip(capacity).map(|(s, c)| s / c);
    let nearly_full = ratio.is_some_and(|r| r >= QUEUE_NEARLY_FULL_RATIO);
    if enqueue_failed.total == 0.0 && !nearly_full {
        return None;
    }
    let full = ratio.is_some_and(|r| r >= 1.0);
    let severity = if enqueue_failed.moving() || full {
        Severity::Error
    } else {
        Severity::Warning
    };
    let title = if enqueue_failed.moving() {
        format!(
            "exporter '{}' is dropping {}: its sending queue is full",
            unit.component,
            unit.items()
        )
    } else if full {
        format!("exporter '{}' has a full sending queue", unit.component)
    } else if nearly_full {
        format!(
            "exporter '{}' has a nearly full sending queue",
            unit.component
        )
    } else {
        format!(
            "exporter '{}' dropped {} on a full queue before the first sample",
            unit.component,
            unit.items()
        )
    };
    let mut finding = Finding::new(Code::ColQueueFull, severity, CHECK_METRICS, title);
    if enqueue_failed.total > 0.0 {
        finding = finding.evidence(samples.describe(unit, Stage::ExporterEnqueueFailed));
    }
    if let (Some(size), Some(capacity), Some(ratio)) = (size, capacity, ratio) {
        finding = finding.evidence(format!(
            "{}{{exporter=\"{}\"}} = {} of {} = {} ({:.0}%)",
            samples.name(unit, Stage::ExporterQueueSize),
            unit.component,
            number(size),
            samples.name(unit, Stage::ExporterQueueCapacity),
            number(capacity),
            ratio * 100.0
        ));
    }
    Some(
        finding
            .fix(Fix::new("collector.fix_exporter_path_first").with("component", &unit.component))
            .fix(Fix::new("collector.size_the_queue"))
            .doc(INTERNAL_TELEMETRY_DOCS),
    )
}

fn take_row(section: &mut Section, key: String, value: String, source: Option<String>) {
    section.push_row(key, value, source);
}
