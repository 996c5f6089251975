//! The safety catch: `load` sends unbounded or fast load only to this machine unless the user
//! says `--yes`. Decided from the endpoint's host as written, before any name is resolved or any
//! connection is opened, so a refused run never touches the network.

use super::plan::LoadPlan;
use std::net::IpAddr;

/// Items per second that may go anywhere without `--yes`: a trickle no collector notices, while
/// a mistyped production endpoint with unlimited load would be a real incident.
pub const UNCONFIRMED_RATE_LIMIT: u64 = 100;

/// Why a run was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing to send {load} to {host}, which is not this machine (only 127.0.0.0/8, ::1 and localhost are); pass --yes if you own that endpoint, or --rate {UNCONFIRMED_RATE_LIMIT} or lower"
)]
pub struct Refusal {
    pub host: String,
    /// `unlimited load` or `5000 items/s`.
    pub load: String,
}

/// Whether `host` (a name or an IP literal, IPv6 brackets allowed) is this machine's loopback.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let name = bare.trim_end_matches('.');
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.to_canonical().is_loopback(),
        Err(_) => false,
    }
}

/// `Some` when the plan sends more than [`UNCONFIRMED_RATE_LIMIT`] items/s (or unlimited) to a
/// host that is not loopback and the user did not confirm.
pub fn refusal(plan: &LoadPlan, confirmed: bool) -> Option<Refusal> {
    if confirmed || is_loopback_host(&plan.target.url.host) {
        return None;
    }
    let load = match plan.rate {
        Some(rate) if rate <= UNCONFIRMED_RATE_LIMIT => return None,
        Some(rate) => format!("{rate} items/s"),
        None => "unlimited load".to_string(),
    };
    Some(Refusal {
        host: plan.target.url.host.clone(),
        load,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::plan::{Budget, tests::target};
    use crate::settings::Protocol;

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "192.0.2.1",
            "10.0.0.1",
            "example.com",
            "localhost.example.com",
            "::2",
            "0.0.0.0",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    fn plan(url: &str, rate: u64) -> LoadPlan {
        LoadPlan::new(
            target(url, Protocol::Grpc),
            Budget::Items(1000),
            rate,
            1,
            10,
            0,
            0,
        )
    }

    #[test]
    fn fast_load_elsewhere_needs_confirmation() {
        let refused = refusal(&plan("http://192.0.2.1:4317", 0), false).expect("refused");
        assert_eq!(refused.load, "unlimited load");
        assert!(refused.to_string().contains("--yes"), "{refused}");
        assert!(refusal(&plan("http://192.0.2.1:4317", 101), false).is_some());
        assert!(refusal(&plan("http://192.0.2.1:4317", 100), false).is_none());
        assert!(refusal(&plan("http://192.0.2.1:4317", 0), true).is_none());
        assert!(refusal(&plan("http://127.0.0.1:4317", 0), false).is_none());
        assert!(refusal(&plan("http://[::1]:4317", 0), false).is_none());
    }
}
