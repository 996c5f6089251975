//! What a metric's data points say: the values of gauges and sums, the count and sum of
//! histograms and summaries, a sum's temporality. The live view shows the first few in a few
//! words ("sum 42 (cumulative, monotonic)"); NDJSON carries them as numbers.

use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value;
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, NumberDataPoint};
use serde::Serialize;

/// Points shown per metric: enough to see a value change, few enough for one line.
pub const SHOWN_POINTS: usize = 3;

/// One point's value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PointValue {
    /// A gauge or sum point; `None` when the point carries no value.
    Number { value: Option<Number> },
    /// A histogram, exponential histogram or summary point.
    Distribution { count: u64, sum: Option<f64> },
}

/// A number as sent: integers stay integers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Number {
    Int(i64),
    Double(f64),
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Int(n) => write!(f, "{n}"),
            Number::Double(x) => write!(f, "{x}"),
        }
    }
}

/// The first points of a metric and how to read them.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricValues {
    pub kind: &'static str,
    /// `cumulative` or `delta` for sums and histograms.
    pub temporality: Option<&'static str>,
    pub monotonic: bool,
    /// At most `limit` points, in the order sent.
    pub points: Vec<PointValue>,
    pub total: usize,
}

/// The first `limit` points of `data`.
pub fn of(data: Option<&Data>, limit: usize) -> MetricValues {
    let numbers = |points: &[NumberDataPoint]| -> Vec<PointValue> {
        points
            .iter()
            .take(limit)
            .map(|p| PointValue::Number {
                value: p.value.map(|v| match v {
                    Value::AsInt(n) => Number::Int(n),
                    Value::AsDouble(x) => Number::Double(x),
                }),
            })
            .collect()
    };
    let (kind, temporality, monotonic, points, total) = match data {
        Some(Data::Gauge(g)) => (
            "gauge",
            None,
            false,
            numbers(&g.data_points),
            g.data_points.len(),
        ),
        Some(Data::Sum(s)) => (
            "sum",
            temporality(s.aggregation_temporality),
            s.is_monotonic,
            numbers(&s.data_points),
            s.data_points.len(),
        ),
        Some(Data::Histogram(h)) => (
            "histogram",
            temporality(h.aggregation_temporality),
            false,
            distributions(h.data_points.iter().map(|p| (p.count, p.sum)), limit),
            h.data_points.len(),
        ),
        Some(Data::ExponentialHistogram(h)) => (
            "exponential histogram",
            temporality(h.aggregation_temporality),
            false,
            distributions(h.data_points.iter().map(|p| (p.count, p.sum)), limit),
            h.data_points.len(),
        ),
        Some(Data::Summary(s)) => (
            "summary",
            None,
            false,
            distributions(s.data_points.iter().map(|p| (p.count, Some(p.sum))), limit),
            s.data_points.len(),
        ),
        None => ("empty", None, false, Vec::new(), 0),
    };
    MetricValues {
        kind,
        temporality,
        monotonic,
        points,
        total,
    }
}

fn distributions(
    points: impl Iterator<Item = (u64, Option<f64>)>,
    limit: usize,
) -> Vec<PointValue> {
    points
        .take(limit)
        .map(|(count, sum)| PointValue::Distribution { count, sum })
        .collect()
}

fn temporality(value: i32) -> Option<&'static str> {
    match AggregationTemporality::try_from(value) {
        Ok(AggregationTemporality::Cumulative) => Some("cumulative"),
        Ok(AggregationTemporality::Delta) => Some("delta"),
        _ => None,
    }
}

impl MetricValues {
    /// `sum 42 (cumulative, monotonic)`, `gauge 1.5, 2.25 (+3 more)`,
    /// `histogram count 5 sum 12.5`.
    pub fn text(&self) -> String {
        let values: Vec<String> = self
            .points
            .iter()
            .map(|point| match point {
                PointValue::Number { value: Some(n) } => n.to_string(),
                PointValue::Number { value: None } => "(no value)".to_string(),
                PointValue::Distribution { count, sum } => match sum {
                    Some(sum) => format!("count {count} sum {sum}"),
                    None => format!("count {count}"),
                },
            })
            .collect();
        let mut text = format!("{} {}", self.kind, values.join(", "));
        if self.total > self.points.len() {
            text.push_str(&format!(" (+{} more)", self.total - self.points.len()));
        }
        let notes: Vec<&str> = self
            .temporality
            .into_iter()
            .chain(self.monotonic.then_some("monotonic"))
            .collect();
        if !notes.is_empty() {
            text.push_str(&format!(" ({})", notes.join(", ")));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::metrics::v1::{Gauge, HistogramDataPoint, Sum};

    fn number(value: Value) -> NumberDataPoint {
        NumberDataPoint {
            value: Some(value),
            ..Default::default()
        }
    }

    #[test]
    fn a_sum_says_its_value_and_temporality() {
        let sum = Data::Sum(Sum {
            data_points: vec![number(Value::AsInt(42))],
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
            is_monotonic: true,
        });
        assert_eq!(of(Some(&sum), 3).text(), "sum 42 (cumulative, monotonic)");
    }

    #[test]
    fn a_gauge_shows_its_first_points_and_counts_the_rest() {
        let points = (0..5)
            .map(|i| number(Value::AsDouble(f64::from(i) + 0.5)))
            .collect();
        let gauge = Data::Gauge(Gauge {
            data_points: points,
        });
        assert_eq!(of(Some(&gauge), 2).text(), "gauge 0.5, 1.5 (+3 more)");
    }

    #[test]
    fn a_histogram_shows_count_and_sum() {
        let histogram = Data::Histogram(opentelemetry_proto::tonic::metrics::v1::Histogram {
            data_points: vec![HistogramDataPoint {
                count: 5,
                sum: Some(12.5),
                ..Default::default()
            }],
            aggregation_temporality: AggregationTemporality::Delta as i32,
        });
        let values = of(Some(&histogram), 3);
        assert_eq!(values.text(), "histogram count 5 sum 12.5 (delta)");
        assert_eq!(
            serde_json::to_string(&values.points).unwrap(),
            r#"[{"count":5,"sum":12.5}]"#
        );
    }
}
