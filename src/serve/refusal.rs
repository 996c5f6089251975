//! Requests `serve` answered with a refusal: why, over which transport, with what answer. They
//! reach the view like batches do, so a session where everything was refused says so ("3
//! requests refused: auth") instead of "nothing arrived", which sends users looking in the wrong
//! place.

use crate::settings::Protocol;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Refusals waiting for the view; beyond this they are counted but not shown.
const REFUSAL_CAPACITY: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// `--require-header` missing or wrong.
    Auth,
    /// `--fail-rate` chose this request.
    Injected,
    /// Over `--max-message-bytes`, or a gzip body that inflates past the limit.
    TooLarge,
    /// The body does not decode as the OTLP message its path and content type announce.
    BadBody,
    /// Not an OTLP export: unknown path, wrong method, content type or encoding.
    NotOtlp,
    /// The TLS handshake failed (with `--tls`): a plaintext client, or one that distrusts the CA.
    TlsHandshake,
}

impl RefusalReason {
    /// Why the fault policy refused a request.
    pub fn of(decision: crate::serve::faults::Decision) -> RefusalReason {
        match decision {
            crate::serve::faults::Decision::Unauthenticated => RefusalReason::Auth,
            _ => RefusalReason::Injected,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::Auth => "auth",
            RefusalReason::Injected => "injected",
            RefusalReason::TooLarge => "too_large",
            RefusalReason::BadBody => "bad_body",
            RefusalReason::NotOtlp => "not_otlp",
            RefusalReason::TlsHandshake => "tls_handshake",
        }
    }
}

/// One refused request.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub reason: RefusalReason,
    /// `None` when the request never said which OTLP transport it was (an unknown path, a failed
    /// handshake).
    pub transport: Option<Protocol>,
    /// The HTTP path or gRPC method; empty when no request was read.
    pub path: String,
    /// What the client was answered: an HTTP status (`401`) or a gRPC status name.
    pub answer: String,
    pub message: String,
    pub peer: Option<SocketAddr>,
    /// The client's own name for itself, when it got as far as sending headers.
    pub user_agent: Option<String>,
}

/// The channel from both listeners to the view. The receiving end is taken once, by the session
/// that shows them.
#[derive(Debug)]
pub struct Refusals {
    sender: mpsc::Sender<Refusal>,
    receiver: Mutex<Option<mpsc::Receiver<Refusal>>>,
}

impl Default for Refusals {
    fn default() -> Self {
        let (sender, receiver) = mpsc::channel(REFUSAL_CAPACITY);
        Refusals {
            sender,
            receiver: Mutex::new(Some(receiver)),
        }
    }
}

impl Refusals {
    /// Offers `refusal` to the view without waiting; `false` when it was not taken (no view, or
    /// the view is behind).
    pub fn offer(&self, refusal: Refusal) -> bool {
        self.sender.try_send(refusal).is_ok()
    }

    /// The receiving end, for the one session that shows refusals.
    pub fn take(&self) -> Option<mpsc::Receiver<Refusal>> {
        self.receiver.lock().ok()?.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_refusals_reach_the_one_taker() {
        let refusals = Refusals::default();
        let mut receiver = refusals.take().expect("the receiving end");
        assert!(refusals.take().is_none());
        assert!(refusals.offer(Refusal {
            reason: RefusalReason::Auth,
            transport: Some(Protocol::Grpc),
            path: "/x".into(),
            answer: "UNAUTHENTICATED".into(),
            message: "missing header".into(),
            peer: None,
            user_agent: None,
        }));
        assert_eq!(
            receiver.try_recv().map(|r| r.reason).ok(),
            Some(RefusalReason::Auth)
        );
    }
}
