//! `otlp-doctor collector`: what an OpenTelemetry Collector says about itself. Three
//! independent checks, each run only when asked for: the health_check extension
//! ([`health`]), the internal Prometheus metrics sampled twice to see what is moving
//! ([`metrics`]), and an offline lint of the YAML config ([`config`]).

pub mod config;
pub mod health;
pub mod metrics;

use crate::report::{Report, Section};
use std::time::{Duration, Instant};

/// Check id of the health_check probe.
pub const CHECK_HEALTH: &str = "health";
/// Check id of the internal-metrics analysis.
pub const CHECK_METRICS: &str = "metrics";
/// Check id of the config lint.
pub const CHECK_CONFIG: &str = "config";

/// What to check, validated: URLs parse, the config file is already read and parsed.
#[derive(Debug, Clone)]
pub struct CollectorSettings {
    pub health_url: Option<String>,
    pub metrics_url: Option<String>,
    pub config: Option<config::LoadedConfig>,
    /// Gap between the two metric samples.
    pub interval: Duration,
    /// Bound on each HTTP request.
    pub timeout: Duration,
}

/// Runs the requested checks (the network ones concurrently) and builds the report, checks in
/// the order health, metrics, config.
pub async fn diagnose(settings: &CollectorSettings) -> Report {
    let started = Instant::now();
    let health = async {
        match &settings.health_url {
            Some(url) => Some(health::check(url, settings.timeout).await),
            None => None,
        }
    };
    let metrics = async {
        match &settings.metrics_url {
            Some(url) => Some(metrics::check(url, settings.interval, settings.timeout).await),
            None => None,
        }
    };
    let (health, metrics) = tokio::join!(health, metrics);
    let config = settings.config.as_ref().map(config::check);

    let mut checks = Vec::new();
    let mut findings = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    for (layer, section) in [health, metrics, config].into_iter().flatten() {
        checks.push(layer.record());
        findings.extend(layer.findings);
        sections.push(section);
    }
    Report::new(
        None,
        checks,
        findings,
        started.elapsed().as_secs_f64() * 1000.0,
    )
    .with_sections(sections)
}
