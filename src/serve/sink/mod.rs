//! Where received telemetry goes once the receiver has it: a [`Sink`] takes the events of a
//! `serve` session, in order, from [`consume`](crate::serve::consume). The human view and NDJSON
//! print them; a web view or a proxy is another sink behind the same loop.

mod human;
mod ndjson;
mod save;

pub use human::HumanSink;
pub use ndjson::NdjsonSink;
pub use save::{SaveFile, SaveSink};

use crate::report::Finding;
use crate::serve::Received;
use crate::serve::refusal::Refusal;
use crate::serve::view::summary::Summary;
use std::net::SocketAddr;
use std::path::Path;

/// Where the receiver listens, once both listeners are bound.
#[derive(Debug, Clone, Copy)]
pub struct Listening<'a> {
    pub grpc: SocketAddr,
    pub http: SocketAddr,
    /// The CA file an SDK must trust, when `serve` runs with TLS.
    pub tls_ca: Option<&'a Path>,
    /// The web view's address, with `--ui`.
    pub ui: Option<&'a str>,
}

/// The events of a session, in the order they happen: [`Sink::listening`] once, then batches and
/// findings as they come, [`Sink::summary`] once at the end. `Send` so a session can run on any
/// runtime worker.
pub trait Sink: Send {
    fn listening(&mut self, listening: &Listening<'_>);
    /// One accepted export request, shown before the findings it reveals.
    fn batch(&mut self, received: &Received);
    /// A request refused (auth, size, body, not OTLP, TLS handshake, an injected fault).
    fn refused(&mut self, refusal: &Refusal);
    /// A lint finding, from a batch, from the idle timer or at the end of the session.
    fn finding(&mut self, finding: &Finding);
    /// The totals per service when the session ends.
    fn summary(&mut self, summary: &Summary);
}

/// Several sinks behind one: every event goes to each, in the order given.
pub struct Fanout<'a>(pub Vec<Box<dyn Sink + 'a>>);

impl Sink for Fanout<'_> {
    fn listening(&mut self, listening: &Listening<'_>) {
        self.0.iter_mut().for_each(|sink| sink.listening(listening));
    }

    fn batch(&mut self, received: &Received) {
        self.0.iter_mut().for_each(|sink| sink.batch(received));
    }

    fn refused(&mut self, refusal: &Refusal) {
        self.0.iter_mut().for_each(|sink| sink.refused(refusal));
    }

    fn finding(&mut self, finding: &Finding) {
        self.0.iter_mut().for_each(|sink| sink.finding(finding));
    }

    fn summary(&mut self, summary: &Summary) {
        self.0.iter_mut().for_each(|sink| sink.summary(summary));
    }
}
