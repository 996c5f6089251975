//! The neighbours of a failing port, for `check` and `send`: when the configured port refuses,
//! speaks the other OTLP protocol, or TLS where plaintext is configured, the same host's usual
//! OTLP ports are looked at (briefly: a few hundred milliseconds) and every OTLP receiver found
//! becomes a fix of the root cause, with the endpoint and protocol to set. Only the host the
//! user named is ever contacted.
//!
//! Tests run peers on free ports, not on 4317/4318: the hidden variable
//! `OTLP_DOCTOR_NEIGHBOUR_PORTS` (comma-separated ports) replaces the list of candidates.

use super::identify::{PortTarget, scan_port};
use super::ports;
use super::service::{PortScan, endpoint_and_protocol};
use crate::knowledge::fix::Fix;
use crate::report::{Code, Report, Severity};
use crate::settings::target::Target;
use std::time::Duration;

/// Replaces the candidate ports (tests point it at their peers).
pub const PORTS_VARIABLE: &str = "OTLP_DOCTOR_NEIGHBOUR_PORTS";
/// Bound on each step of looking at one neighbour.
const STEP: Duration = Duration::from_millis(300);
/// Bound on looking at one neighbour, all steps together.
const PER_PORT: Duration = Duration::from_millis(900);

/// The root causes a working neighbour answers: the port is wrong, or its protocol is.
const WRONG_PORT: &[Code] = &[
    Code::NetConnRefused,
    Code::ProtoGrpcToHttpServer,
    Code::ProtoHttpToGrpcServer,
    Code::TlsRequired,
    Code::CfgPortProtocolMismatch,
    Code::ProtoNotOtlp,
];

/// Adds a fix per OTLP receiver found on a neighbouring port to the root cause, when the root
/// cause says the configured port is the wrong one. The configured protocol's receiver comes
/// first.
pub async fn add_to_root_cause(report: &mut Report, targets: &[Target]) {
    let Some(cause) = report.root_cause() else {
        return;
    };
    if !WRONG_PORT.contains(&cause.code) {
        return;
    }
    let Some(target) = targets.first() else {
        return;
    };
    let host = target.url.host.as_str();
    let mut found = neighbours(host, target.url.port, target.step_timeout.min(STEP)).await;
    let wanted = target.protocol.as_str();
    found.sort_by_key(|(_, _, protocol)| (*protocol == "grpc") != (wanted == "grpc"));
    let Some(cause) = report
        .findings
        .iter_mut()
        .find(|f| f.severity == Severity::Error)
    else {
        return;
    };
    for (port, endpoint, protocol) in found.into_iter().rev() {
        cause.prepend_fix(
            Fix::new("network.otlp_neighbour")
                .with("speaks", port.speaks.map_or("OTLP", |s| s.label()))
                .with("port", port.port)
                .with("host", host)
                .with("endpoint", endpoint)
                .with("protocol", protocol),
        );
    }
}

/// The OTLP receivers among `host`'s candidate ports other than `configured`, with the endpoint
/// and protocol to configure for each.
pub async fn neighbours(
    host: &str,
    configured: u16,
    step: Duration,
) -> Vec<(PortScan, String, &'static str)> {
    let Ok(addresses) = super::resolve(host, step).await else {
        return Vec::new();
    };
    let candidates: Vec<u16> = candidate_ports()
        .into_iter()
        .filter(|&port| port != configured)
        .collect();
    let scans = candidates.iter().map(|&port| {
        let addresses = &addresses;
        async move {
            let target = PortTarget {
                host,
                addresses,
                port,
                timeout: step,
            };
            tokio::time::timeout(PER_PORT, scan_port(&target))
                .await
                .ok()
        }
    });
    futures_util::future::join_all(scans)
        .await
        .into_iter()
        .flatten()
        .filter_map(|scan| {
            let (endpoint, protocol) =
                endpoint_and_protocol(scan.speaks?, host, scan.port, scan.tls.unwrap_or(false))?;
            Some((scan, endpoint, protocol))
        })
        .collect()
}

/// The usual OTLP ports, or the ports `OTLP_DOCTOR_NEIGHBOUR_PORTS` lists.
fn candidate_ports() -> Vec<u16> {
    match std::env::var(PORTS_VARIABLE) {
        Ok(list) => parse_ports(&list),
        Err(_) => ports::OTLP.to_vec(),
    }
}

fn parse_ports(list: &str) -> Vec<u16> {
    list.split(',')
        .filter_map(|p| p.trim().parse::<u16>().ok())
        .filter(|&p| p != 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_variable_lists_ports() {
        assert_eq!(parse_ports("4317, 40001,x,0"), [4317, 40001]);
    }
}
