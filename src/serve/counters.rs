//! Running totals of what the receiver accepted, refused and dropped, per transport. Lock-free so
//! every request can count without contention; readers take a [`Counts`] snapshot.

use super::batch::Received;
use super::refusal::{Refusal, Refusals};
use crate::settings::{Protocol, Signal};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of one transport's totals (or the sum over all of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Export requests decoded and accepted.
    pub requests: u64,
    pub spans: u64,
    pub data_points: u64,
    pub log_records: u64,
    /// Requests refused after the transport was known: undecodable, too large, unreadable.
    pub rejected: u64,
}

impl Counts {
    fn add(self, other: Counts) -> Counts {
        Counts {
            requests: self.requests + other.requests,
            spans: self.spans + other.spans,
            data_points: self.data_points + other.data_points,
            log_records: self.log_records + other.log_records,
            rejected: self.rejected + other.rejected,
        }
    }
}

#[derive(Debug, Default)]
struct TransportCounters {
    requests: AtomicU64,
    spans: AtomicU64,
    data_points: AtomicU64,
    log_records: AtomicU64,
    rejected: AtomicU64,
}

impl TransportCounters {
    fn snapshot(&self) -> Counts {
        Counts {
            requests: self.requests.load(Ordering::Relaxed),
            spans: self.spans.load(Ordering::Relaxed),
            data_points: self.data_points.load(Ordering::Relaxed),
            log_records: self.log_records.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
        }
    }
}

/// Shared totals, updated by the listeners and readable at any time.
#[derive(Debug, Default)]
pub struct Counters {
    by_transport: [TransportCounters; 3],
    /// HTTP requests refused before a transport was known: unknown path, wrong method,
    /// unsupported content type or encoding.
    unroutable: AtomicU64,
    /// Accepted batches the consumer was too slow (or gone) to take.
    dropped: AtomicU64,
    /// Each refused request, for the view.
    refusals: Refusals,
}

impl Counters {
    pub fn new() -> Self {
        Counters::default()
    }

    /// The totals of one transport.
    pub fn get(&self, transport: Protocol) -> Counts {
        self.by_transport[transport.index()].snapshot()
    }

    /// The totals over all transports.
    pub fn total(&self) -> Counts {
        Protocol::ALL
            .into_iter()
            .map(|t| self.get(t))
            .fold(Counts::default(), Counts::add)
    }

    /// HTTP requests refused with 404, 405 or 415.
    pub fn unroutable(&self) -> u64 {
        self.unroutable.load(Ordering::Relaxed)
    }

    /// Accepted batches that never reached the consumer because its channel was full or closed.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub(crate) fn record(&self, received: &Received) {
        self.record_items(
            received.transport,
            received.signal,
            received.payload.item_count(),
        );
    }

    /// One accepted request of `signal` with `items` items.
    pub(crate) fn record_items(&self, transport: Protocol, signal: Signal, items: u64) {
        let counters = &self.by_transport[transport.index()];
        counters.requests.fetch_add(1, Ordering::Relaxed);
        let field = match signal {
            Signal::Traces => &counters.spans,
            Signal::Metrics => &counters.data_points,
            Signal::Logs => &counters.log_records,
        };
        field.fetch_add(items, Ordering::Relaxed);
    }

    pub(crate) fn record_rejected(&self, transport: Protocol) {
        self.by_transport[transport.index()]
            .rejected
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_unroutable(&self) {
        self.unroutable.fetch_add(1, Ordering::Relaxed);
    }

    /// A refused request: counted with its transport (when known) and offered to the view.
    pub(crate) fn record_refusal(&self, refusal: Refusal) {
        match refusal.transport {
            Some(transport) => self.record_rejected(transport),
            None => self.record_unroutable(),
        }
        self.refusals.offer(refusal);
    }

    /// The refusals as they happen, for the one session that shows them.
    pub fn take_refusals(&self) -> Option<tokio::sync::mpsc::Receiver<Refusal>> {
        self.refusals.take()
    }

    pub(crate) fn record_dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}
