//! Reading back recorded metrics, capturing log lines, and making spans for the wrapper tests.

use opentelemetry::metrics::{Meter, MeterProvider as _};
use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};

/// A meter provider whose metrics can be read back after a flush.
pub struct Metrics {
    provider: SdkMeterProvider,
    exporter: InMemoryMetricExporter,
}

/// One data point: its attributes and its value (a counter's sum, a histogram's count).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub attributes: BTreeMap<String, String>,
    pub value: f64,
    /// A histogram's sum; 0 for counters.
    pub sum: f64,
}

impl Metrics {
    pub fn new() -> Self {
        let exporter = InMemoryMetricExporter::default();
        let provider = SdkMeterProvider::builder()
            .with_periodic_exporter(exporter.clone())
            .build();
        Metrics { provider, exporter }
    }

    pub fn meter(&self) -> Meter {
        self.provider.meter("test")
    }

    /// Flushes and returns the points of the metric `name` (cumulative: everything so far).
    pub fn points(&self, name: &str) -> Vec<Point> {
        self.provider.force_flush().expect("metrics flush");
        let exported = self.exporter.get_finished_metrics().expect("metrics");
        let Some(last) = exported.last() else {
            return Vec::new();
        };
        let mut points = Vec::new();
        for metric in last
            .scope_metrics()
            .flat_map(|s| s.metrics())
            .filter(|m| m.name() == name)
        {
            match metric.data() {
                AggregatedMetrics::U64(MetricData::Sum(sum)) => {
                    points.extend(sum.data_points().map(|p| Point {
                        attributes: attributes(p.attributes()),
                        value: p.value() as f64,
                        sum: 0.0,
                    }));
                }
                AggregatedMetrics::F64(MetricData::Histogram(histogram)) => {
                    points.extend(histogram.data_points().map(|p| Point {
                        attributes: attributes(p.attributes()),
                        value: p.count() as f64,
                        sum: p.sum(),
                    }));
                }
                other => panic!("unexpected data for {name}: {other:?}"),
            }
        }
        points
    }

    /// The value of the point of `name` with exactly these attributes (0 when absent).
    pub fn value(&self, name: &str, attributes: &[(&str, &str)]) -> f64 {
        let wanted: BTreeMap<String, String> = attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.points(name)
            .into_iter()
            .find(|p| p.attributes == wanted)
            .map_or(0.0, |p| p.value)
    }
}

fn attributes<'a>(
    kvs: impl Iterator<Item = &'a opentelemetry::KeyValue>,
) -> BTreeMap<String, String> {
    kvs.map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

/// `count` finished spans named `span-<i>`.
pub fn spans(count: usize) -> Vec<SpanData> {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let tracer = provider.tracer("test");
    for i in 0..count {
        tracer.in_span(format!("span-{i}"), |_| {});
    }
    exporter.get_finished_spans().expect("spans")
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("buffer")).into_owned()
    }

    /// A subscriber writing plain lines here, active on this thread until the guard drops.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
