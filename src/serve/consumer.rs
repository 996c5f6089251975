//! A `serve` session: the receiver bound, then one loop that takes every batch off the channel,
//! counts it in the [`Summary`], lints it and hands both to a [`Sink`], until the session is told
//! to stop. What is still queued then is counted and linted but not shown, so stopping stays
//! quick after a burst.

use super::lint::{LintConfig, Linter};
use super::refusal::Refusal;
use super::sink::{Listening, Sink};
use super::ui::{Endpoints, UiServer};
use super::view::summary::Summary;
use super::{
    Batches, Received, Receiver, ReceiverConfig, RequestMeta, RunningReceiver, StartError,
    batch_channel, tls,
};
use crate::otlp::payload::ExportRequest;
use crate::settings::{Compression, Protocol};
use std::future::Future;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;

/// How often idle traces are judged for orphan spans when no batch arrives.
const LINT_TICK: Duration = Duration::from_secs(5);

/// Runs a session on `config`: makes the TLS files when `tls` is set, binds both listeners, tells
/// the sink (and the web view, when there is one) where they listen, then [`consume`]s until
/// `stop` completes.
pub async fn run(
    mut config: ReceiverConfig,
    tls: bool,
    ui: Option<&UiServer>,
    sink: &mut dyn Sink,
    stop: impl Future<Output = ()>,
) -> Result<Summary, StartError> {
    let tls_files = if tls {
        Some(tls::generate().map_err(StartError::TlsFiles)?)
    } else {
        None
    };
    if let Some(files) = &tls_files {
        config.tls = Some(files.server.clone());
    }
    let (sender, batches) = batch_channel();
    let bound = Receiver::bind(config, sender).await?;
    let listening = Listening {
        grpc: bound.grpc_addr(),
        http: bound.http_addr(),
        tls_ca: tls_files.as_ref().map(|files| files.ca_path.as_path()),
        ui: None,
    };
    let ui_url = ui.map(UiServer::url);
    if let Some(ui) = ui {
        let scheme = if tls_files.is_some() { "https" } else { "http" };
        ui.set_endpoints(Endpoints {
            grpc: format!("{scheme}://{}", listening.grpc),
            http: format!("{scheme}://{}", listening.http),
        });
    }
    let listening = Listening {
        ui: ui_url.as_deref(),
        ..listening
    };
    let running = bound.start();
    sink.listening(&listening);
    Ok(consume(running, batches, sink, stop).await)
}

/// The consumer loop of a started receiver: every batch and lint finding to `sink` until `stop`
/// completes or the receiver's channel closes; then the receiver is stopped, what is left is
/// linted, and the sink gets the summary, which is also returned.
pub async fn consume(
    running: RunningReceiver,
    mut batches: Batches,
    sink: &mut dyn Sink,
    stop: impl Future<Output = ()>,
) -> Summary {
    let counters = running.counters();
    let mut refusals = counters.take_refusals();
    let mut session = Session::new(sink);
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(LINT_TICK);
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick() => {
                let findings = session.linter.tick(SystemTime::now());
                session.findings(findings);
            }
            Some(refusal) = next_refusal(&mut refusals) => {
                session.summary.add_refusal(&refusal);
                session.sink.refused(&refusal);
            }
            received = batches.recv() => {
                let Some(received) = received else { break };
                session.show(&received);
            }
        }
    }
    let _ = running.stop().await;
    while let Ok(received) = batches.try_recv() {
        session.summary.add(&received);
        session.lint(&received);
    }
    session.summary.dropped = counters.dropped() + batches.undecodable();
    while let Some(refusal) = refusals.as_mut().and_then(|r| r.try_recv().ok()) {
        session.summary.add_refusal(&refusal);
    }
    session.finish()
}

/// A saved capture as a session: each request shown, counted and linted as if it had just arrived
/// over OTLP/JSON (the form it was saved in), then the end-of-session lint and the summary.
pub fn open_capture(requests: Vec<ExportRequest>, sink: &mut dyn Sink) -> Summary {
    let mut session = Session::new(sink);
    for payload in requests {
        let meta = RequestMeta {
            peer: None,
            user_agent: None,
            compression: Compression::None,
            received_at: SystemTime::now(),
        };
        session.show(&Received::new(Protocol::HttpJson, payload, meta));
    }
    session.finish()
}

/// The next refusal, or never when another session took them.
async fn next_refusal(refusals: &mut Option<mpsc::Receiver<Refusal>>) -> Option<Refusal> {
    match refusals {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

/// What the loop keeps between batches.
struct Session<'s> {
    linter: Linter,
    summary: Summary,
    sink: &'s mut dyn Sink,
}

impl<'s> Session<'s> {
    fn new(sink: &'s mut dyn Sink) -> Self {
        Session {
            linter: Linter::new(LintConfig::default()),
            summary: Summary::default(),
            sink,
        }
    }

    /// One batch counted, shown, then linted (its findings follow it).
    fn show(&mut self, received: &Received) {
        self.summary.add(received);
        self.sink.batch(received);
        self.lint(received);
    }

    /// The end-of-session lint, then the summary to the sink; returns the summary.
    fn finish(mut self) -> Summary {
        let findings = self.linter.finish();
        self.findings(findings);
        self.sink.summary(&self.summary);
        self.summary
    }

    fn lint(&mut self, received: &Received) {
        let findings = self.linter.inspect(received, SystemTime::now());
        self.findings(findings);
    }

    fn findings(&mut self, findings: Vec<crate::report::Finding>) {
        for finding in findings {
            self.summary.add_finding(&finding);
            self.sink.finding(&finding);
        }
    }
}
