//! What arrived from the app versus what the upstream accepted, per signal and per service,
//! shown when the proxy stops.

use super::exchange::{Exchange, Fate};
use crate::serve::view::summary::Summary;
use serde::Serialize;
use std::collections::BTreeMap;

/// One signal's totals.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SignalTotals {
    pub requests: u64,
    /// Items in the requests that decoded.
    pub items: u64,
    /// Items the upstream took (success, minus partial-success rejections).
    pub accepted_items: u64,
    /// Items the upstream reported as rejected in a partial success.
    pub rejected_items: u64,
    /// Requests the upstream refused (any non-success answer).
    pub refused: u64,
    /// Requests the upstream did not answer (the app got a retryable status).
    pub failed: u64,
    /// Requests answered by an injected fault, never forwarded.
    pub injected: u64,
    /// Requests whose payload had passed before: the app retrying.
    pub retries: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct ProxySummary {
    pub signals: BTreeMap<&'static str, SignalTotals>,
    /// Requests that were not OTLP exports (answered without forwarding).
    pub not_otlp: u64,
    /// Per service, everything that arrived.
    pub arrived: Summary,
    /// Per service, what was in requests the upstream accepted whole.
    pub accepted: Summary,
    /// What the upstream's failed answers meant, by finding code.
    pub upstream_findings: BTreeMap<&'static str, u64>,
    /// Exchanges not shown because the view fell behind (counted in `/metrics` all the same).
    pub unshown: u64,
}

impl ProxySummary {
    pub fn add(&mut self, exchange: &Exchange) {
        let Some(signal) = exchange.signal else {
            self.not_otlp += 1;
            return;
        };
        let totals = self.signals.entry(signal.as_str()).or_default();
        totals.requests += 1;
        let items = exchange.items();
        totals.items += items;
        totals.retries += u64::from(exchange.retry);
        match exchange.fate {
            Fate::Forwarded => {
                let accepted = exchange.accepted_items();
                let answered_ok = exchange.succeeded();
                totals.accepted_items += accepted;
                if answered_ok {
                    totals.rejected_items += items - accepted;
                } else {
                    totals.refused += 1;
                }
                if let Some(received) = &exchange.received {
                    self.arrived.add(received);
                    if answered_ok && accepted == items {
                        self.accepted.add(received);
                    }
                }
            }
            Fate::Failed => totals.failed += 1,
            Fate::Injected => totals.injected += 1,
            Fate::NotOtlp => self.not_otlp += 1,
        }
        if exchange.fate != Fate::Forwarded
            && let Some(received) = &exchange.received
        {
            self.arrived.add(received);
        }
    }

    pub fn add_finding(&mut self, finding: &crate::report::Finding) {
        self.arrived.add_finding(finding);
    }
}
