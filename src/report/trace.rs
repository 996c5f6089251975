//! The wire trace of `-v`, like `curl -v`: what the resolver answered, each connect attempt with
//! its time, the TLS handshake, each request line with its headers (user header values masked)
//! and each answer's status, headers and first bytes, in the order they happened. The layers
//! record into the trace of the task they run in (a tokio task-local set by [`traced`]); outside
//! one, recording costs a failed lookup and nothing is kept.

use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One step on the wire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceEvent {
    /// Milliseconds since the trace started.
    pub at_ms: f64,
    /// `dns`, `connect`, `tls`, `request`, `answer` or `export`.
    pub kind: &'static str,
    pub text: String,
}

impl TraceEvent {
    /// The curl-like line: `> ` for what was sent, `< ` for what came back, `* ` otherwise.
    pub fn line(&self) -> String {
        let mark = match self.kind {
            "request" => '>',
            "answer" => '<',
            _ => '*',
        };
        format!("{mark} [{:>8.1} ms] {}", self.at_ms, self.text)
    }
}

struct Recorder {
    started: Instant,
    events: Mutex<Vec<TraceEvent>>,
}

tokio::task_local! {
    static TRACE: Arc<Recorder>;
}

/// Runs `work` with a trace when `enabled`, and returns what it recorded (empty otherwise).
pub async fn traced<T>(enabled: bool, work: impl Future<Output = T>) -> (T, Vec<TraceEvent>) {
    if !enabled {
        return (work.await, Vec::new());
    }
    let recorder = Arc::new(Recorder {
        started: Instant::now(),
        events: Mutex::new(Vec::new()),
    });
    let output = TRACE.scope(recorder.clone(), work).await;
    let events = recorder
        .events
        .lock()
        .map(|mut events| std::mem::take(&mut *events))
        .unwrap_or_default();
    (output, events)
}

/// Records one step when a trace is running; `text` is only built then.
pub fn record(kind: &'static str, text: impl FnOnce() -> String) {
    let _ = TRACE.try_with(|recorder| {
        let event = TraceEvent {
            at_ms: recorder.started.elapsed().as_secs_f64() * 1000.0,
            kind,
            text: text(),
        };
        if let Ok(mut events) = recorder.events.lock() {
            events.push(event);
        }
    });
}

/// Whether a trace is running (to skip building many lines for nothing).
pub fn enabled() -> bool {
    TRACE.try_with(|_| ()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_only_inside_a_trace() {
        record("dns", || unreachable!("not built outside a trace"));
        let ((), events) = traced(true, async {
            record("connect", || "127.0.0.1:4317: connected".into());
        })
        .await;
        assert_eq!(events.len(), 1);
        assert!(events[0].line().starts_with("* ["), "{}", events[0].line());
        let ((), none) = traced(false, async { record("dns", || "x".into()) }).await;
        assert!(none.is_empty());
    }
}
