//! The `tcp` check: connects to every resolved address concurrently, happy-eyeballs style: the
//! first that connects wins, and each attempt's outcome and timing is kept as evidence. When the
//! name's first address refuses but a later one connects, that is a warning: clients that only
//! try the first address (resolver order) fail where this check succeeds.

use crate::knowledge::fix::Fix;
use crate::report::layer::{Layer, millis};
use crate::report::listing::first_few;
use crate::report::{Code, Finding, Severity};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// After a later address connected, how long to wait for the first address's outcome. A refusal
/// from the same host arrives within a round trip; a first address that stays silent longer is
/// not judged (happy-eyeballs clients move on after 250 ms, RFC 8305).
const FIRST_ADDRESS_GRACE: Duration = Duration::from_millis(250);

/// Addresses named per line of a summary or evidence; a headless service can have hundreds.
const ADDRESSES_SHOWN: usize = 4;

/// How one address failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailure {
    Refused,
    TimedOut,
    Unreachable,
    Reset,
}

impl ConnectFailure {
    pub fn code(self) -> Code {
        match self {
            ConnectFailure::Refused => Code::NetConnRefused,
            ConnectFailure::TimedOut => Code::NetConnTimeout,
            ConnectFailure::Unreachable => Code::NetUnreachable,
            ConnectFailure::Reset => Code::NetConnReset,
        }
    }

    pub fn of(error: &io::Error) -> Self {
        match error.kind() {
            io::ErrorKind::ConnectionRefused => ConnectFailure::Refused,
            io::ErrorKind::TimedOut => ConnectFailure::TimedOut,
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => ConnectFailure::Reset,
            _ => ConnectFailure::Unreachable,
        }
    }
}

/// Connects within `timeout`; returns the first address that accepted.
pub async fn connect(addresses: &[SocketAddr], timeout: Duration) -> (Layer, Option<SocketAddr>) {
    let started = Instant::now();
    let mut attempts: FuturesUnordered<_> = addresses
        .iter()
        .map(|address| async move {
            let attempt_started = Instant::now();
            let result = tokio::time::timeout(timeout, TcpStream::connect(address)).await;
            let result = match result {
                Ok(Ok(_stream)) => Ok(()),
                Ok(Err(error)) => Err((ConnectFailure::of(&error), error.to_string())),
                Err(_) => Err((
                    ConnectFailure::TimedOut,
                    format!("no answer within {}", millis(timeout)),
                )),
            };
            let elapsed = attempt_started.elapsed();
            crate::report::trace::record("connect", || match &result {
                Ok(()) => format!("connect {address}: connected in {}", millis(elapsed)),
                Err((_, error)) => format!("connect {address}: {error} after {}", millis(elapsed)),
            });
            (*address, result, elapsed)
        })
        .collect();

    let mut failures: Vec<(SocketAddr, ConnectFailure, String)> = Vec::new();
    while let Some((address, result, elapsed)) = attempts.next().await {
        match result {
            Ok(()) => {
                let first = addresses.first().copied();
                if first != Some(address) && !failures.iter().any(|f| Some(f.0) == first) {
                    // Learn how the first address fares, briefly.
                    let _ = tokio::time::timeout(FIRST_ADDRESS_GRACE, async {
                        while let Some((other, result, _)) = attempts.next().await {
                            if let Err((failure, text)) = result {
                                failures.push((other, failure, text));
                            }
                            if Some(other) == first {
                                break;
                            }
                        }
                    })
                    .await;
                }
                let mut summary = format!("connected to {address} in {}", millis(elapsed));
                if !failures.is_empty() {
                    summary.push_str(&format!(" (also tried {})", by_outcome(&failures)));
                }
                // Only a first address that answers and refuses is judged: an unroutable IPv6
                // address is skipped by resolvers that ask for configured families only
                // (AI_ADDRCONFIG), so the application may never try it.
                let findings = failures
                    .iter()
                    .find(|f| Some(f.0) == first)
                    .filter(|f| matches!(f.1, ConnectFailure::Refused | ConnectFailure::Reset))
                    .map(|failed_first| {
                        first_address_failed(failed_first, address, addresses.len())
                    })
                    .into_iter()
                    .collect();
                return (
                    Layer::from_findings("tcp", summary, findings, started.elapsed()),
                    Some(address),
                );
            }
            Err((failure, text)) => failures.push((address, failure, text)),
        }
    }
    let layer = Layer::from_findings(
        "tcp",
        format!(
            "no address of {} accepted a connection",
            describe(addresses)
        ),
        vec![failure_finding(&failures, timeout)],
        started.elapsed(),
    );
    (layer, None)
}

fn describe(addresses: &[SocketAddr]) -> String {
    first_few(addresses, ADDRESSES_SHOWN)
}

/// Failed attempts grouped by what happened, each group naming a few of its addresses:
/// `127.0.0.2:4317, 127.0.0.3:4317 and 47 more: Connection refused (os error 111)`.
fn by_outcome(failures: &[(SocketAddr, ConnectFailure, String)]) -> String {
    outcome_groups(failures)
        .iter()
        .map(|(text, addresses)| format!("{}: {text}", first_few(addresses, ADDRESSES_SHOWN)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The failures' distinct error texts, in order of first appearance, with their addresses.
fn outcome_groups(
    failures: &[(SocketAddr, ConnectFailure, String)],
) -> Vec<(&str, Vec<SocketAddr>)> {
    let mut groups: Vec<(&str, Vec<SocketAddr>)> = Vec::new();
    for (address, _, text) in failures {
        match groups.iter_mut().find(|(seen, _)| *seen == text.as_str()) {
            Some((_, addresses)) => addresses.push(*address),
            None => groups.push((text, vec![*address])),
        }
    }
    groups
}

/// One finding for all failed addresses, coded by the most telling failure: a refusal proves
/// the host is reachable, so it is the clearest root cause.
fn failure_finding(
    failures: &[(SocketAddr, ConnectFailure, String)],
    timeout: Duration,
) -> Finding {
    let kinds: Vec<ConnectFailure> = failures.iter().map(|(_, k, _)| *k).collect();
    let kind = [
        ConnectFailure::Refused,
        ConnectFailure::Reset,
        ConnectFailure::Unreachable,
        ConnectFailure::TimedOut,
    ]
    .into_iter()
    .find(|k| kinds.contains(k))
    .unwrap_or(ConnectFailure::Unreachable);
    let port = failures
        .first()
        .map(|(a, _, _)| a.port())
        .unwrap_or_default();
    let mut finding = match kind {
        ConnectFailure::Refused => Finding::new(
            kind.code(),
            Severity::Error,
            "tcp",
            format!("connection refused: nothing listens on port {port}"),
        )
        .fix(Fix::new("network.start_collector_or_fix_port"))
        .fix(Fix::new("network.listen_on_all_interfaces")),
        ConnectFailure::TimedOut => Finding::new(
            kind.code(),
            Severity::Error,
            "tcp",
            format!("connecting timed out after {}", millis(timeout)),
        )
        .fix(Fix::new("network.allow_through_firewall"))
        .fix(Fix::new("network.check_host_and_port")),
        ConnectFailure::Unreachable => Finding::new(
            kind.code(),
            Severity::Error,
            "tcp",
            "the network or host is unreachable",
        )
        .fix(Fix::new("network.check_routing"))
        .fix(Fix::new("network.try_ipv4")),
        ConnectFailure::Reset => Finding::new(
            kind.code(),
            Severity::Error,
            "tcp",
            "the connection was reset while connecting",
        )
        .fix(Fix::new("network.path_resets")),
    };
    for (text, addresses) in outcome_groups(failures) {
        let addresses = first_few(&addresses, ADDRESSES_SHOWN);
        finding = finding.evidence(format!("connect {addresses}: {text}"));
    }
    finding
}

/// The warning for a name whose first address refuses while a later one connects.
fn first_address_failed(
    (first, failure, text): &(SocketAddr, ConnectFailure, String),
    connected: SocketAddr,
    resolved: usize,
) -> Finding {
    let port = connected.port();
    let both = if resolved > 2 {
        format!("the name resolves to {resolved} addresses, these two among them")
    } else {
        "the name resolves to both".to_string()
    };
    Finding::new(
        failure.code(),
        Severity::Warning,
        "tcp",
        format!("the host's first address {first} refuses; {connected} works"),
    )
    .evidence(format!("connect {first}: {text}"))
    .evidence(format!("connect {connected}: connected"))
    .evidence(format!("{both}, first address first: clients that connect only to the first address (Node.js 17-19 by default, for one) fail, while clients that try every address succeed"))
    .fix(Fix::new("network.listen_on_every_address").with("port", port))
    .fix(Fix::new("network.use_working_address").with("address", connected.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operating_system_errors_map_to_codes() {
        let of = |kind| ConnectFailure::of(&io::Error::from(kind));
        assert_eq!(
            of(io::ErrorKind::ConnectionRefused),
            ConnectFailure::Refused
        );
        assert_eq!(
            of(io::ErrorKind::NetworkUnreachable),
            ConnectFailure::Unreachable
        );
        assert_eq!(
            of(io::ErrorKind::HostUnreachable),
            ConnectFailure::Unreachable
        );
        assert_eq!(of(io::ErrorKind::ConnectionReset), ConnectFailure::Reset);
        assert_eq!(of(io::ErrorKind::TimedOut), ConnectFailure::TimedOut);
    }

    #[test]
    fn unreachable_finding_is_net_unreachable() {
        let address: SocketAddr = "[2001:db8::1]:4317".parse().expect("address");
        let failures = [(
            address,
            ConnectFailure::Unreachable,
            "Network is unreachable (os error 101)".to_string(),
        )];
        let finding = failure_finding(&failures, Duration::from_secs(1));
        assert_eq!(finding.code, Code::NetUnreachable);
        assert!(finding.evidence[0].contains("os error 101"));
    }

    /// A listener on 127.0.0.1 and a port on 127.0.0.2 where nothing listens (both loopback).
    async fn one_listening_address() -> (tokio::net::TcpListener, SocketAddr, SocketAddr) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let listening = listener.local_addr().expect("address");
        let refusing = SocketAddr::from(([127, 0, 0, 2], listening.port()));
        (listener, listening, refusing)
    }

    #[tokio::test]
    async fn a_refusing_first_address_is_a_warning_even_though_a_later_one_connects() {
        let (_listener, listening, refusing) = one_listening_address().await;
        let (layer, connected) = connect(&[refusing, listening], Duration::from_secs(2)).await;
        assert_eq!(connected, Some(listening));
        let [finding] = layer.findings.as_slice() else {
            panic!("one finding expected: {:?}", layer.findings);
        };
        assert_eq!(finding.code, Code::NetConnRefused);
        assert_eq!(finding.severity, Severity::Warning);
        assert!(
            finding.title.contains(&refusing.to_string()),
            "{}",
            finding.title
        );
        assert!(finding.fix.iter().any(|f| f.contains("127.0.0.1")));
    }

    #[tokio::test]
    async fn a_refusing_later_address_is_no_finding() {
        let (_listener, listening, refusing) = one_listening_address().await;
        let (layer, connected) = connect(&[listening, refusing], Duration::from_secs(2)).await;
        assert_eq!(connected, Some(listening));
        assert!(layer.findings.is_empty(), "{:?}", layer.findings);
    }
}
