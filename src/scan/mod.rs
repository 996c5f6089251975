//! `scan`: what listens on the usual OTLP, Collector and tracing-backend ports of one host, and
//! what each speaks. Every port is looked at concurrently and every step is bounded by the
//! timeout, so a scan of the default list takes about one timeout on a quiet host and a few at
//! most.
//!
//! - [`ports`]: the default port list and what usually listens on each;
//! - [`identify`]: how one port is connected to and told apart;
//! - [`tls`]: the handshake that reads a TLS port's certificate;
//! - [`service`]: what a port speaks, as data;
//! - [`report`]: the `otlp-doctor/scan/v1` document and its renderings;
//! - [`neighbours`]: for `check`, the OTLP receivers on the other usual ports of a failing host.

pub mod identify;
pub mod neighbours;
pub mod ports;
pub mod report;
pub mod service;
pub mod tls;

use identify::{PortTarget, scan_port};
use report::ScanReport;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Why the scan could not start.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
}

/// Scans `ports` of `host`, all at once, each step bounded by `timeout`.
pub async fn scan(host: &str, ports: &[u16], timeout: Duration) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    let addresses = resolve(host, timeout).await?;
    let scans = ports.iter().map(|&port| {
        let addresses = &addresses;
        async move {
            scan_port(&PortTarget {
                host,
                addresses,
                port,
                timeout,
            })
            .await
        }
    });
    let ports = futures_util::future::join_all(scans).await;
    Ok(ScanReport {
        schema: report::SCHEMA,
        tool_version: env!("CARGO_PKG_VERSION"),
        host: host.to_string(),
        addresses: addresses.iter().map(IpAddr::to_string).collect(),
        timeout_ms: timeout.as_secs_f64() * 1000.0,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        ports,
        trace: Vec::new(),
    })
}

/// The host's addresses, IPv4 first (the Collector's defaults and most examples bind IPv4).
pub async fn resolve(host: &str, timeout: Duration) -> Result<Vec<IpAddr>, ScanError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let failed = |reason: String| ScanError::Resolve {
        host: host.to_string(),
        reason,
    };
    let found = tokio::time::timeout(timeout, tokio::net::lookup_host((bare, 0)))
        .await
        .map_err(|_| failed("no answer from the resolver in time".into()))?
        .map_err(|e| failed(e.to_string()))?;
    let mut addresses: Vec<IpAddr> = Vec::new();
    for address in found {
        if !addresses.contains(&address.ip()) {
            addresses.push(address.ip());
        }
    }
    addresses.sort_by_key(|ip| ip.is_ipv6());
    if addresses.is_empty() {
        return Err(failed("no address".into()));
    }
    Ok(addresses)
}
