//! The `metrics` check of `otlp-doctor collector`: scrapes the Collector's internal Prometheus
//! metrics twice, `--interval` apart, and reports per component what is moving: refusals at
//! receivers, drops in processors, failed sends and full queues at exporters.

pub mod analysis;
pub mod exposition;
mod rules;
pub mod series;

#[cfg(test)]
mod tests;

use super::CHECK_METRICS;
use crate::knowledge::fix::Fix;
use crate::report::layer::Layer;
use crate::report::{Code, Finding, Section, Severity};
use crate::transport::fetch::{self, FetchError};
use series::Snapshot;
use std::io;
use std::time::{Duration, Instant};

/// The internal telemetry's default pull endpoint (localhost since v0.111.0).
pub const DEFAULT_METRICS_URL: &str = "http://localhost:8888/metrics";

/// Asks for the classic text format (the Collector's Prometheus handler can also answer
/// OpenMetrics or protobuf when asked).
const ACCEPT: &str = "text/plain;version=0.0.4;q=1,*/*;q=0.1";

const INTERNAL_TELEMETRY_DOCS: &str = "https://opentelemetry.io/docs/collector/internal-telemetry/";

/// Scrapes `url` twice `interval` apart and analyses the difference.
pub async fn check(url: &str, interval: Duration, timeout: Duration) -> (Layer, Section) {
    let started = Instant::now();
    let first_at = Instant::now();
    let first = match scrape(url, timeout).await {
        Ok(snapshot) => snapshot,
        Err(finding) => return failed(url, *finding, started),
    };
    tokio::time::sleep(interval).await;
    let second_at = Instant::now();
    let second = match scrape(url, timeout).await {
        Ok(snapshot) => snapshot,
        Err(finding) => return failed(url, *finding, started),
    };
    let result = analysis::analyse(&first, &second, second_at - first_at);
    let layer = Layer::from_findings(
        CHECK_METRICS,
        result.summary,
        result.findings,
        started.elapsed(),
    );
    (layer, result.section)
}

fn failed(url: &str, finding: Finding, started: Instant) -> (Layer, Section) {
    let layer = Layer::from_findings(
        CHECK_METRICS,
        format!("could not scrape {url}"),
        vec![finding],
        started.elapsed(),
    );
    let section =
        Section::new("collector components").row("url", url, Some("--metrics-url".into()));
    (layer, section)
}

/// One scrape as a snapshot, or the finding that explains why there is none.
async fn scrape(url: &str, timeout: Duration) -> Result<Snapshot, Box<Finding>> {
    let answer = fetch::get(url, ACCEPT, timeout)
        .await
        .map_err(|error| Box::new(fetch_failure(url, &error)))?;
    if answer.status != 200 {
        let hint = if answer.status == 404 {
            "nothing is served at this path: the Collector serves its metrics at /metrics"
        } else {
            "the Collector's metrics endpoint answers 200"
        };
        return Err(Box::new(
            not_collector_metrics(url)
                .evidence(format!("GET {url} answered {}; {hint}", answer.status)),
        ));
    }
    let page = exposition::parse(&answer.body);
    let snapshot = Snapshot::from_page(&page);
    if !snapshot.has_collector_metrics {
        return Err(Box::new(not_collector_metrics(url).evidence(format!(
            "GET {url} answered 200 with {} sample line{} ({} unreadable), none named otelcol_*",
            page.samples.len(),
            if page.samples.len() == 1 { "" } else { "s" },
            page.skipped
        ))));
    }
    Ok(snapshot)
}

fn not_collector_metrics(url: &str) -> Finding {
    Finding::new(
        Code::ProtoNotOtlp,
        Severity::Error,
        CHECK_METRICS,
        format!("{url} does not serve the Collector's internal metrics"),
    )
    .fix(Fix::new("collector.point_metrics_url"))
    .fix(Fix::new("collector.check_telemetry_metrics_level"))
    .doc(INTERNAL_TELEMETRY_DOCS)
}

fn fetch_failure(url: &str, error: &FetchError) -> Finding {
    let (code, title) = match error {
        FetchError::Resolve { .. } => (
            Code::NetDnsFailed,
            "cannot resolve the host of the Collector's metrics endpoint",
        ),
        FetchError::TimedOut(_) => (
            Code::NetConnTimeout,
            "the Collector's metrics endpoint did not answer in time",
        ),
        FetchError::Connect { .. } => match error.connect_kind() {
            Some(io::ErrorKind::ConnectionRefused) => (
                Code::NetConnRefused,
                "nothing listens at the Collector's metrics endpoint",
            ),
            Some(io::ErrorKind::TimedOut) => (
                Code::NetConnTimeout,
                "the Collector's metrics endpoint did not answer in time",
            ),
            Some(io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted) => (
                Code::NetConnReset,
                "the Collector's metrics endpoint reset the connection",
            ),
            _ => (
                Code::NetUnreachable,
                "cannot connect to the Collector's metrics endpoint",
            ),
        },
        FetchError::InvalidUrl(_)
        | FetchError::TlsSetup(_)
        | FetchError::Http(_)
        | FetchError::TooLarge(_) => (
            Code::ProtoNotOtlp,
            "the Collector's metrics endpoint did not give a usable answer",
        ),
    };
    Finding::new(code, Severity::Error, CHECK_METRICS, title)
        .evidence(format!("GET {url}: {error}"))
        .fix(Fix::new("collector.metrics_listen_localhost"))
        .fix(Fix::new("collector.metrics_address_ignored"))
        .doc(INTERNAL_TELEMETRY_DOCS)
}
