//! One export as the proxy saw it: what the app sent (decoded copy, size, protocol), what
//! happened to it (forwarded and answered, refused by an injected fault, or not forwarded), and
//! whether the same payload had passed before (an SDK retrying).

use super::failure::Unanswered;
use crate::otlp::client::Outcome;
use crate::serve::Received;
use crate::settings::{Protocol, Signal};
use std::collections::{HashSet, VecDeque};
use std::time::Duration;

/// What became of one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// Sent upstream; the upstream answered (whatever it answered).
    Forwarded,
    /// Sent upstream, no answer: the app got a retryable status.
    Failed,
    /// Answered by `--fail-rate`/`--require-header` without forwarding.
    Injected,
    /// Not OTLP (path, method or content type); answered 404/405/415 without forwarding.
    NotOtlp,
}

impl Fate {
    pub fn as_str(&self) -> &'static str {
        match self {
            Fate::Forwarded => "forwarded",
            Fate::Failed => "failed",
            Fate::Injected => "injected",
            Fate::NotOtlp => "not_otlp",
        }
    }
}

/// One request and its answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// How the app sent it.
    pub protocol: Protocol,
    pub signal: Option<Signal>,
    pub path: String,
    /// The body as it arrived (still compressed, gRPC framing included).
    pub request_bytes: usize,
    /// The decoded copy; `None` when the body did not decode (it is forwarded all the same), or
    /// in the exports-only view, which counts the items instead.
    pub received: Option<Received>,
    /// The items counted off the wire when no decoded copy is kept.
    pub counted_items: Option<u64>,
    pub fate: Fate,
    /// The upstream's answer (or, for `Failed`, why there was none).
    pub outcome: Option<Outcome>,
    /// For `Failed`: the resolver, connect or TLS failure behind it.
    pub unanswered: Option<Unanswered>,
    /// From receiving the request to having the upstream's whole answer.
    pub round_trip: Duration,
    /// A digest of the body as it arrived, to recognise the app sending it again.
    pub digest: u64,
    /// The same payload passed through the proxy before (set by the session, which keeps the
    /// [`RetryDetector`]).
    pub retry: bool,
}

impl Exchange {
    pub fn items(&self) -> u64 {
        match (&self.received, self.counted_items) {
            (Some(received), _) => received.payload.item_count(),
            (None, counted) => counted.unwrap_or(0),
        }
    }

    /// Keeps the count of the decoded copy and drops the copy (the exports-only view).
    pub fn keep_only_the_count(&mut self) {
        if self.received.is_some() {
            self.counted_items = Some(self.items());
            self.received = None;
        }
    }

    /// The upstream answered with success (gRPC OK, HTTP 2xx), partial or whole.
    pub fn succeeded(&self) -> bool {
        match &self.outcome {
            Some(Outcome::Grpc { code, .. }) => *code == 0,
            Some(Outcome::Http { status, .. }) => (200..300).contains(status),
            _ => false,
        }
    }

    /// Items the upstream took: all of them on success, minus partial-success rejections.
    pub fn accepted_items(&self) -> u64 {
        let rejected = |partial: &Option<crate::otlp::client::PartialSuccess>| {
            partial
                .as_ref()
                .map_or(0, |p| u64::try_from(p.rejected).unwrap_or(0))
        };
        match &self.outcome {
            Some(Outcome::Grpc { partial, .. } | Outcome::Http { partial, .. })
                if self.succeeded() =>
            {
                self.items().saturating_sub(rejected(partial))
            }
            _ => 0,
        }
    }
}

/// Remembers the digests of recent payloads, so a resent batch is recognised by content. Bounded:
/// the oldest digest is forgotten first.
pub struct RetryDetector {
    seen: HashSet<u64>,
    order: VecDeque<u64>,
    capacity: usize,
}

impl RetryDetector {
    pub fn new(capacity: usize) -> Self {
        RetryDetector {
            seen: HashSet::with_capacity(capacity),
            order: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// True when `digest` was seen before; remembers it either way.
    pub fn is_retry(&mut self, digest: u64) -> bool {
        if self.seen.contains(&digest) {
            return true;
        }
        if self.order.len() == self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        self.seen.insert(digest);
        self.order.push_back(digest);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_seen_again_is_a_retry_until_it_is_forgotten() {
        let mut detector = RetryDetector::new(2);
        assert!(!detector.is_retry(1));
        assert!(detector.is_retry(1));
        assert!(!detector.is_retry(2));
        assert!(!detector.is_retry(3));
        assert!(!detector.is_retry(1), "1 was the oldest and is forgotten");
    }
}
