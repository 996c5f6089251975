//! Which of the Collector's internal metrics matter, and a scrape reduced to them.
//!
//! Names are matched by their stem and tolerate what Prometheus exporters append: counters
//! appear as `otelcol_receiver_accepted_spans` (the default reader, `without_type_suffix`) or
//! `otelcol_receiver_accepted_spans_total` (an explicitly configured reader from v0.119 to at
//! least v0.135; v0.165's serves no `_total` unless `without_type_suffix: false`), and
//! with unit words such as `otelcol_exporter_sent_spans__spans__total` (v0.130 without
//! `without_units`). See `shared/reference/otel-facts.md` section 5.2.

use super::exposition::{Page, Sample};
use std::collections::BTreeMap;

/// What a series counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    ReceiverAccepted,
    ReceiverRefused,
    /// Internal receiver errors (and, with the `receiverhelper.newReceiverMetrics` gate,
    /// downstream errors that are not back-pressure).
    ReceiverFailed,
    ProcessorIncoming,
    ProcessorOutgoing,
    /// `otelcol_processor_{accepted,refused,dropped}_*`, deprecated in v0.110.0.
    ProcessorAccepted,
    ProcessorRefused,
    ProcessorDropped,
    MemoryLimiterRefused,
    ExporterSent,
    ExporterSendFailed,
    ExporterEnqueueFailed,
    /// Gauge, in the queue's unit (batches or requests by default).
    ExporterQueueSize,
    /// Gauge.
    ExporterQueueCapacity,
}

/// The kind of component a stage belongs to, and the label that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Receiver,
    Processor,
    Exporter,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Receiver => "receiver",
            Role::Processor => "processor",
            Role::Exporter => "exporter",
        }
    }
}

impl Stage {
    pub fn role(self) -> Role {
        use Stage::*;
        match self {
            ReceiverAccepted | ReceiverRefused | ReceiverFailed => Role::Receiver,
            ProcessorIncoming | ProcessorOutgoing | ProcessorAccepted | ProcessorRefused
            | ProcessorDropped | MemoryLimiterRefused => Role::Processor,
            ExporterSent
            | ExporterSendFailed
            | ExporterEnqueueFailed
            | ExporterQueueSize
            | ExporterQueueCapacity => Role::Exporter,
        }
    }

    pub fn is_gauge(self) -> bool {
        matches!(
            self,
            Stage::ExporterQueueSize | Stage::ExporterQueueCapacity
        )
    }
}

/// Counters whose name ends in the item of a signal (`..._spans`, `..._metric_points`, ...).
const PER_ITEM: &[(&str, Stage)] = &[
    ("otelcol_receiver_accepted_", Stage::ReceiverAccepted),
    ("otelcol_receiver_refused_", Stage::ReceiverRefused),
    ("otelcol_receiver_failed_", Stage::ReceiverFailed),
    ("otelcol_processor_accepted_", Stage::ProcessorAccepted),
    ("otelcol_processor_refused_", Stage::ProcessorRefused),
    ("otelcol_processor_dropped_", Stage::ProcessorDropped),
    (
        "otelcol_processor_memory_limiter_refused_",
        Stage::MemoryLimiterRefused,
    ),
    ("otelcol_exporter_sent_", Stage::ExporterSent),
    ("otelcol_exporter_send_failed_", Stage::ExporterSendFailed),
    (
        "otelcol_exporter_enqueue_failed_",
        Stage::ExporterEnqueueFailed,
    ),
];

/// The item word of each signal, as the Collector's generated metric names spell it.
const ITEMS: &[(&str, &str)] = &[
    ("spans", "traces"),
    ("metric_points", "metrics"),
    ("log_records", "logs"),
    ("profile_samples", "profiles"),
];

/// Metrics that carry the signal in a label instead.
const PER_LABEL: &[(&str, Stage, &[&str])] = &[
    (
        "otelcol_processor_incoming_items",
        Stage::ProcessorIncoming,
        &["otel_signal", "otel.signal"],
    ),
    (
        "otelcol_processor_outgoing_items",
        Stage::ProcessorOutgoing,
        &["otel_signal", "otel.signal"],
    ),
    (
        "otelcol_exporter_queue_size",
        Stage::ExporterQueueSize,
        &["data_type"],
    ),
    (
        "otelcol_exporter_queue_capacity",
        Stage::ExporterQueueCapacity,
        &["data_type"],
    ),
];

/// Words an exporter may append to a stem: the counter suffix and unit words.
const SUFFIX_WORDS: &[&str] = &[
    "total", "spans", "metric", "points", "log", "records", "profile", "samples", "items", "item",
    "1", "batch", "batches", "requests", "ratio",
];

/// One series the analysis cares about, with the labels that tell components apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    pub stage: Stage,
    /// The component id from the `receiver`/`processor`/`exporter` label.
    pub component: String,
    /// `traces`, `metrics`, `logs`, `profiles`; `None` when the series does not say.
    pub signal: Option<&'static str>,
}

fn suffix_ok(tail: &str) -> bool {
    tail.split('_')
        .filter(|word| !word.is_empty())
        .all(|word| SUFFIX_WORDS.contains(&word))
}

fn signal_word(value: &str) -> Option<&'static str> {
    ["traces", "metrics", "logs", "profiles"]
        .into_iter()
        .find(|s| *s == value)
}

/// The series a sample belongs to, or `None` for metrics the analysis ignores.
pub fn classify(sample: &Sample) -> Option<SeriesKey> {
    let name = sample.name.replace('.', "_");
    let (stage, signal) = PER_ITEM
        .iter()
        .find_map(|(prefix, stage)| {
            let rest = name.strip_prefix(prefix)?;
            ITEMS.iter().find_map(|(item, signal)| {
                let tail = rest.strip_prefix(item)?;
                suffix_ok(tail).then_some((*stage, Some(*signal)))
            })
        })
        .or_else(|| {
            PER_LABEL.iter().find_map(|(stem, stage, labels)| {
                let tail = name.strip_prefix(stem)?;
                if !suffix_ok(tail) {
                    return None;
                }
                let signal = labels
                    .iter()
                    .find_map(|l| sample.label(l))
                    .and_then(signal_word);
                Some((*stage, signal))
            })
        })?;
    let component = sample
        .label(stage.role().label())
        .unwrap_or("(unnamed)")
        .to_string();
    Some(SeriesKey {
        stage,
        component,
        signal,
    })
}

/// One scrape reduced to the series that matter, summed over the labels that do not
/// (transport, `error_type` at detailed level, scope labels, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub values: BTreeMap<SeriesKey, f64>,
    /// The metric name each series was seen under (for evidence).
    pub names: BTreeMap<SeriesKey, String>,
    /// Transports seen per receiver (`grpc`, `http`).
    pub transports: BTreeMap<String, Vec<String>>,
    /// Whether the page had any `otelcol_` metric at all.
    pub has_collector_metrics: bool,
    pub samples: usize,
}

impl Snapshot {
    pub fn from_page(page: &Page) -> Snapshot {
        let mut snapshot = Snapshot {
            samples: page.samples.len(),
            ..Snapshot::default()
        };
        for sample in &page.samples {
            if sample.name.starts_with("otelcol_") || sample.name.starts_with("otelcol.") {
                snapshot.has_collector_metrics = true;
            }
            let Some(key) = classify(sample) else {
                continue;
            };
            if key.stage == Stage::ReceiverAccepted
                && let Some(transport) = sample.label("transport").filter(|t| !t.is_empty())
            {
                let seen = snapshot
                    .transports
                    .entry(key.component.clone())
                    .or_default();
                if !seen.iter().any(|t| t == transport) {
                    seen.push(transport.to_string());
                }
            }
            if !sample.value.is_finite() {
                continue;
            }
            snapshot
                .names
                .entry(key.clone())
                .or_insert_with(|| sample.name.clone());
            *snapshot.values.entry(key).or_insert(0.0) += sample.value;
        }
        snapshot
    }

    pub fn get(&self, key: &SeriesKey) -> Option<f64> {
        self.values.get(key).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collector::metrics::exposition::parse;

    fn key(line: &str) -> Option<SeriesKey> {
        classify(&parse(line).samples[0])
    }

    #[test]
    fn matches_old_total_and_unit_suffixed_names() {
        for line in [
            r#"otelcol_exporter_sent_spans{exporter="otlp"} 1"#,
            r#"otelcol_exporter_sent_spans_total{exporter="otlp"} 1"#,
            r#"otelcol_exporter_sent_spans__spans__total{exporter="otlp"} 1"#,
        ] {
            let key = key(line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(key.stage, Stage::ExporterSent);
            assert_eq!(key.component, "otlp");
            assert_eq!(key.signal, Some("traces"));
        }
        let k = key(
            r#"otelcol_receiver_refused_metric_points_total{receiver="otlp",transport="http"} 2"#,
        )
        .unwrap();
        assert_eq!(
            (k.stage, k.signal),
            (Stage::ReceiverRefused, Some("metrics"))
        );
        let k =
            key(r#"otelcol_exporter_enqueue_failed_log_records{exporter="otlphttp/x"} 0"#).unwrap();
        assert_eq!(
            (k.stage, k.signal),
            (Stage::ExporterEnqueueFailed, Some("logs"))
        );
        let k = key(
            r#"otelcol_processor_memory_limiter_refused_spans_total{processor="memory_limiter"} 0"#,
        )
        .unwrap();
        assert_eq!(k.stage, Stage::MemoryLimiterRefused);
    }

    #[test]
    fn label_signals_and_gauges() {
        let k = key(r#"otelcol_processor_incoming_items_total{otel_signal="logs",processor="memory_limiter"} 5"#)
            .unwrap();
        assert_eq!(
            (k.stage, k.signal),
            (Stage::ProcessorIncoming, Some("logs"))
        );
        let k =
            key(r#"otelcol_exporter_queue_capacity{data_type="logs",exporter="otlphttp"} 1000"#)
                .unwrap();
        assert_eq!(
            (k.stage, k.signal),
            (Stage::ExporterQueueCapacity, Some("logs"))
        );
        let k = key(r#"otelcol_exporter_queue_size{exporter="otlp"} 3"#).unwrap();
        assert_eq!((k.stage, k.signal), (Stage::ExporterQueueSize, None));
    }

    #[test]
    fn ignores_other_metrics() {
        for line in [
            r#"otelcol_exporter_queue_batch_send_size_sum{exporter="otlphttp"} 10"#,
            r#"otelcol_processor_batch_batch_send_size_count{processor="batch"} 2"#,
            r#"otelcol_exporter_sent_spans_bucket{le="1"} 2"#,
            r#"otelcol_process_uptime_seconds_total 5"#,
            r#"otelcol_processor_internal_duration_seconds_sum{processor="x"} 1"#,
        ] {
            assert_eq!(key(line), None, "{line}");
        }
    }

    #[test]
    fn snapshot_sums_over_other_labels() {
        let page = parse(
            r#"otelcol_receiver_accepted_spans_total{receiver="otlp",transport="grpc"} 3
otelcol_receiver_accepted_spans_total{receiver="otlp",transport="http"} 4
otelcol_exporter_send_failed_spans_total{exporter="otlp",error_type="Unavailable"} 1
otelcol_exporter_send_failed_spans_total{exporter="otlp",error_type="DeadlineExceeded"} 2
"#,
        );
        let snapshot = Snapshot::from_page(&page);
        assert!(snapshot.has_collector_metrics);
        let accepted = SeriesKey {
            stage: Stage::ReceiverAccepted,
            component: "otlp".into(),
            signal: Some("traces"),
        };
        assert_eq!(snapshot.get(&accepted), Some(7.0));
        assert_eq!(snapshot.transports["otlp"], ["grpc", "http"]);
        let failed = SeriesKey {
            stage: Stage::ExporterSendFailed,
            ..accepted
        };
        assert_eq!(snapshot.get(&failed), Some(3.0));
    }
}
