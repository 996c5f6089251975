//! Runs a [`LoadPlan`]: resolves and dials the endpoint, encodes the request pool, starts one
//! worker per in-flight request, and folds their [`Sample`]s into a [`Tally`] until the pacer
//! ends the run or the interrupt (Ctrl-C) fires, which stops the workers at once and keeps
//! what was measured so far.

use super::pace::Pacer;
use super::payload::RequestPool;
use super::plan::LoadPlan;
use super::sample::Sample;
use super::stats::Tally;
use super::transport::{Connector, Sender, TransportError};
use crate::otlp::OtlpError;
use crate::settings::Protocol;
use crate::settings::endpoint::Scheme;
use crate::transport::dialer::{ALPN_H2, ALPN_HTTP1, Dialer};
use crate::transport::tls::{self, TlsConfigError, TlsRequest};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// After a request got no answer, its worker waits this long, so a dead endpoint is not
/// hammered in a tight loop (and the report is not a million identical failures).
pub const NO_ANSWER_PAUSE: Duration = Duration::from_millis(100);
/// How often the progress display is refreshed at most.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// Samples in flight between the workers and the collector; the collector folds a sample in
/// well under a microsecond, so this only absorbs scheduling hiccups.
const SAMPLE_QUEUE: usize = 16_384;
/// Samples the collector takes from the queue at once.
const SAMPLE_BATCH: usize = 256;

/// The run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        host: String,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Tls(#[from] TlsConfigError),
    #[error("cannot build the requests: {0}")]
    Encode(#[from] OtlpError),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// Shows the run as it goes (a terminal progress bar, or nothing).
pub trait Progress {
    fn update(&self, tally: &Tally);
}

/// No progress display.
pub struct Silent;

impl Progress for Silent {
    fn update(&self, _: &Tally) {}
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub tally: Tally,
    /// From the start of the run to the end of the last request.
    pub duration: Duration,
    /// The interrupt stopped the run before its budget was spent.
    pub interrupted: bool,
    /// Every request of the first [`FAILING_START`] failed, so the run stopped there.
    pub stopped_failing: bool,
}

/// A run whose every request failed this long is stopped: more of the same measures nothing,
/// and the cause is better named by `check` (the command runs it).
pub const FAILING_START: Duration = Duration::from_secs(1);

/// Runs the plan to its end, or until `interrupt` completes.
pub async fn run(
    plan: &LoadPlan,
    progress: &dyn Progress,
    interrupt: impl Future<Output = ()>,
) -> Result<Measurement, LoadError> {
    let dialer = dialer(plan).await?;
    let pool = Arc::new(RequestPool::build(plan, plan.tail_items())?);
    let connector = Connector::new(plan, &pool, dialer)?;

    let cancel = CancellationToken::new();
    let (samples, received) = mpsc::channel(SAMPLE_QUEUE);
    let pacer = Arc::new(Pacer::new(plan, cancel.clone()));
    let clock = Instant::now();
    for _ in 0..plan.concurrency {
        let worker = Worker {
            sender: connector.sender(),
            pacer: pacer.clone(),
            pool: pool.clone(),
            samples: samples.clone(),
            clock,
            cancel: cancel.clone(),
        };
        tokio::spawn(worker.run());
    }
    drop(samples);

    let collecting = collect(received, progress, cancel.clone());
    tokio::pin!(collecting, interrupt);
    let mut interrupted = false;
    let (tally, stopped_failing) = loop {
        tokio::select! {
            collected = &mut collecting => break collected,
            () = &mut interrupt, if !interrupted => {
                interrupted = true;
                cancel.cancel();
            }
        }
    };
    Ok(Measurement {
        duration: tally.last_end,
        tally,
        interrupted,
        stopped_failing,
    })
}

/// One in-flight request at a time, as long as the pacer hands out tickets.
struct Worker {
    sender: Sender,
    pacer: Arc<Pacer>,
    pool: Arc<RequestPool>,
    samples: mpsc::Sender<Sample>,
    clock: Instant,
    cancel: CancellationToken,
}

impl Worker {
    async fn run(mut self) {
        while let Some(ticket) = self.pacer.next().await {
            let (signal, body) = self.pool.body(&ticket);
            let started = Instant::now();
            let outcome = tokio::select! {
                biased;
                () = self.cancel.cancelled() => return,
                outcome = self.sender.send(signal, body) => outcome,
            };
            let latency = started.elapsed();
            let answered = outcome.answered();
            let sample = Sample {
                started: started.duration_since(self.clock),
                latency,
                signal,
                items: ticket.items,
                outcome,
            };
            if self.samples.send(sample).await.is_err() {
                return;
            }
            if !answered {
                tokio::select! {
                    () = self.cancel.cancelled() => return,
                    () = tokio::time::sleep(NO_ANSWER_PAUSE) => {}
                }
            }
        }
    }
}

/// The collector: folds every sample into the tally until all workers are done.
/// Tallies the samples until the workers stop; cancels the run when every request that ended
/// in its first [`FAILING_START`] failed (and says so).
async fn collect(
    mut received: mpsc::Receiver<Sample>,
    progress: &dyn Progress,
    cancel: CancellationToken,
) -> (Tally, bool) {
    let mut tally = Tally::new();
    let mut batch = Vec::with_capacity(SAMPLE_BATCH);
    let mut shown = Instant::now();
    let mut judged = false;
    let mut stopped_failing = false;
    while received.recv_many(&mut batch, SAMPLE_BATCH).await > 0 {
        for sample in batch.drain(..) {
            tally.record(&sample);
            if !judged && sample.ended() >= FAILING_START {
                judged = true;
                if tally.failed_requests == tally.requests {
                    stopped_failing = true;
                    cancel.cancel();
                }
            }
        }
        if shown.elapsed() >= PROGRESS_INTERVAL {
            progress.update(&tally);
            shown = Instant::now();
        }
    }
    progress.update(&tally);
    (tally, stopped_failing)
}

/// The endpoint's first address that accepts a connection (else its first address, whose
/// failures the run then measures), plaintext or with the verified TLS configuration.
async fn dialer(plan: &LoadPlan) -> Result<Dialer, LoadError> {
    let url = &plan.target.url;
    let timeout = plan.request_timeout();
    let host = url.host.trim_start_matches('[').trim_end_matches(']');
    let resolve_error = |source| LoadError::Resolve {
        host: url.host.clone(),
        source,
    };
    let addresses: Vec<SocketAddr> =
        match tokio::time::timeout(timeout, tokio::net::lookup_host((host, url.port))).await {
            Ok(Ok(addresses)) => addresses.collect(),
            Ok(Err(error)) => return Err(resolve_error(error)),
            Err(_) => {
                return Err(resolve_error(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "no answer from the resolver",
                )));
            }
        };
    let Some(first) = addresses.first().copied() else {
        return Err(resolve_error(io::Error::new(
            io::ErrorKind::NotFound,
            "no address",
        )));
    };
    let address = if addresses.len() == 1 {
        first
    } else {
        first_accepting(&addresses, timeout).await.unwrap_or(first)
    };
    if url.scheme != Scheme::Https {
        return Ok(Dialer::Plain { address });
    }
    let alpn = match plan.target.protocol {
        Protocol::Grpc => ALPN_H2,
        Protocol::HttpProtobuf | Protocol::HttpJson => ALPN_HTTP1,
    };
    let config = tls::client_config(&TlsRequest {
        default_roots: Default::default(),
        accept_ca_as_leaf: false,
        server_name: &url.host,
        ca_file: plan.target.tls.ca_file.as_deref(),
        client_identity: plan
            .target
            .tls
            .client_cert
            .as_deref()
            .zip(plan.target.tls.client_key.as_deref()),
        alpn: vec![alpn.to_vec()],
        require_h2: plan.target.protocol == Protocol::Grpc,
        timeout,
        now: SystemTime::now(),
    })?;
    Ok(Dialer::Tls {
        address,
        config,
        server_name: tls::server_name(&url.host),
    })
}

/// `localhost` is often `::1` and `127.0.0.1`, with the server on only one of them.
async fn first_accepting(addresses: &[SocketAddr], timeout: Duration) -> Option<SocketAddr> {
    for address in addresses {
        let connect = tokio::net::TcpStream::connect(address);
        if let Ok(Ok(_)) = tokio::time::timeout(timeout, connect).await {
            return Some(*address);
        }
    }
    None
}
