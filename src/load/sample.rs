//! One measurement: when a request started (relative to the start of the run), how long it
//! took, how many items it carried, and what came back. Workers send these to the collector
//! task; nothing else is measured.

use crate::settings::Signal;
use std::time::Duration;

/// The measurement of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Since the run started.
    pub started: Duration,
    /// From sending to the end of the answer (or the failure).
    pub latency: Duration,
    pub signal: Signal,
    pub items: u32,
    pub outcome: Outcome,
}

impl Sample {
    /// When the request finished, since the run started.
    pub fn ended(&self) -> Duration {
        self.started + self.latency
    }
}

/// What one request got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A success status; `rejected` items from a partial success (usually 0).
    Accepted { rejected: u64 },
    /// The server answered with an error status, e.g. `HTTP 503` or `gRPC UNAVAILABLE`.
    Refused { status: String },
    /// No answer: the connection failed or broke, or the timeout passed.
    NoAnswer { error: String },
}

impl Outcome {
    /// Whether the request succeeded.
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Accepted { .. })
    }

    /// The key failures are counted under, `None` for a success.
    pub fn failure_key(&self) -> Option<&str> {
        match self {
            Outcome::Accepted { .. } => None,
            Outcome::Refused { status } => Some(status),
            Outcome::NoAnswer { error } => Some(error),
        }
    }

    /// Whether the server answered (the latency is the server's).
    pub fn answered(&self) -> bool {
        !matches!(self, Outcome::NoAnswer { .. })
    }
}
