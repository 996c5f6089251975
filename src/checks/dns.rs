//! The `dns` check: resolves the endpoint's host with the system resolver (getaddrinfo
//! semantics, so /etc/hosts and nsswitch apply as they do for the application) and lists
//! every address, IPv4 and IPv6.

use crate::knowledge::fix::Fix;
use crate::report::layer::{Layer, millis};
use crate::report::listing::first_few;
use crate::report::{Code, Finding, Severity};
use crate::settings::endpoint::EndpointUrl;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// Addresses named in the summary; a headless service can have hundreds (the `tcp` check tries
/// them all).
const ADDRESSES_SHOWN: usize = 8;

pub async fn resolve(url: &EndpointUrl, timeout: Duration) -> (Layer, Vec<SocketAddr>) {
    let started = Instant::now();
    if let Ok(ip) = url.host.parse::<IpAddr>() {
        let layer = Layer::from_findings(
            "dns",
            format!("{ip} is an IP address, no lookup needed"),
            Vec::new(),
            started.elapsed(),
        );
        return (layer, vec![SocketAddr::new(ip, url.port)]);
    }
    let lookup = tokio::net::lookup_host((url.host.as_str(), url.port));
    let answer = tokio::time::timeout(timeout, lookup).await;
    let elapsed = started.elapsed();
    let failure = |answer: String| {
        let finding = Finding::new(
            Code::NetDnsFailed,
            Severity::Error,
            "dns",
            format!("the host name '{}' does not resolve", url.host),
        )
        .evidence(format!("resolver answer for '{}': {answer}", url.host))
        .fix(Fix::new("network.check_host_spelling"))
        .fix(Fix::new("network.use_service_name"))
        .fix(Fix::new("network.container_localhost"));
        Layer::from_findings(
            "dns",
            format!("lookup of {} failed", url.host),
            vec![finding],
            elapsed,
        )
    };
    match answer {
        Err(_) => (
            failure(format!("no answer within {}", millis(timeout))),
            Vec::new(),
        ),
        Ok(Err(error)) => (failure(error.to_string()), Vec::new()),
        Ok(Ok(addresses)) => {
            let mut addresses: Vec<SocketAddr> = addresses.collect();
            addresses.dedup();
            if addresses.is_empty() {
                return (failure("no addresses".into()), Vec::new());
            }
            let list = first_few(addresses.iter().map(SocketAddr::ip), ADDRESSES_SHOWN);
            let summary = format!("{} → {list} in {}", url.host, millis(elapsed));
            (
                Layer::from_findings("dns", summary, Vec::new(), elapsed),
                addresses,
            )
        }
    }
}
