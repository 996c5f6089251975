//! `proxy --metrics-listen`: the proxy's own counts in the Prometheus text format, so it can run
//! as a sidecar under Prometheus: requests and items per signal, fate and upstream status, and
//! the round-trip time through the proxy as a histogram per signal.

use super::exchange::{Exchange, Fate};
use crate::otlp::client::Outcome;
use crate::otlp::rpc::grpc_code_name;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Upper bounds of the round-trip buckets, in seconds: loopback is sub-millisecond, a vendor a
/// few hundred milliseconds, and an SDK's default timeout is 10 s.
const BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5, 10.0,
];

#[derive(Default)]
struct RequestCount {
    requests: u64,
    items: u64,
}

#[derive(Default)]
struct Latency {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

/// The totals since the proxy started.
#[derive(Default)]
pub struct ProxyMetrics {
    requests: Mutex<BTreeMap<(String, &'static str, String), RequestCount>>,
    latency: Mutex<BTreeMap<String, Latency>>,
}

impl ProxyMetrics {
    pub fn record(&self, exchange: &Exchange) {
        let signal = exchange.signal.map_or("none", |s| s.as_str()).to_string();
        let status = upstream_status(exchange);
        if let Ok(mut requests) = self.requests.lock() {
            let count = requests
                .entry((signal.clone(), exchange.fate.as_str(), status))
                .or_default();
            count.requests += 1;
            count.items += exchange.items();
        }
        if exchange.fate != Fate::Forwarded {
            return;
        }
        let seconds = exchange.round_trip.as_secs_f64();
        if let Ok(mut latency) = self.latency.lock() {
            let entry = latency.entry(signal).or_default();
            for (bucket, bound) in entry.buckets.iter_mut().zip(BUCKETS) {
                if seconds <= bound {
                    *bucket += 1;
                }
            }
            entry.count += 1;
            entry.sum_seconds += seconds;
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut text = String::new();
        text.push_str("# HELP otlp_doctor_proxy_requests_total Export requests received, by signal, fate and upstream status.\n");
        text.push_str("# TYPE otlp_doctor_proxy_requests_total counter\n");
        let mut items = String::new();
        items.push_str("# HELP otlp_doctor_proxy_items_total Spans, data points and log records received, by signal, fate and upstream status.\n");
        items.push_str("# TYPE otlp_doctor_proxy_items_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((signal, fate, status), count) in requests.iter() {
                let labels = format!("signal=\"{signal}\",fate=\"{fate}\",status=\"{status}\"");
                let _ = writeln!(
                    text,
                    "otlp_doctor_proxy_requests_total{{{labels}}} {}",
                    count.requests
                );
                let _ = writeln!(
                    items,
                    "otlp_doctor_proxy_items_total{{{labels}}} {}",
                    count.items
                );
            }
        }
        text.push_str(&items);
        text.push_str("# HELP otlp_doctor_proxy_round_trip_seconds From receiving an export to having the upstream's whole answer.\n");
        text.push_str("# TYPE otlp_doctor_proxy_round_trip_seconds histogram\n");
        if let Ok(latency) = self.latency.lock() {
            for (signal, entry) in latency.iter() {
                for (count, bound) in entry.buckets.iter().zip(BUCKETS) {
                    let _ = writeln!(
                        text,
                        "otlp_doctor_proxy_round_trip_seconds_bucket{{signal=\"{signal}\",le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    text,
                    "otlp_doctor_proxy_round_trip_seconds_bucket{{signal=\"{signal}\",le=\"+Inf\"}} {}\notlp_doctor_proxy_round_trip_seconds_sum{{signal=\"{signal}\"}} {}\notlp_doctor_proxy_round_trip_seconds_count{{signal=\"{signal}\"}} {}",
                    entry.count, entry.sum_seconds, entry.count
                );
            }
        }
        text
    }
}

/// The upstream's answer as a label: the HTTP status, the gRPC code name, or `none`.
pub fn upstream_status(exchange: &Exchange) -> String {
    match &exchange.outcome {
        Some(Outcome::Http { status, .. }) => status.to_string(),
        Some(Outcome::Grpc { code, .. }) => grpc_code_name(*code).to_string(),
        Some(Outcome::Transport { .. }) | None => "none".to_string(),
    }
}
