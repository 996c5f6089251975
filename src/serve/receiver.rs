//! The receiver's life: bind both listeners (so their addresses are known before anything is
//! served), serve until told to stop, then drain in-flight requests for a bounded time.

use super::channel::BatchSender;
use super::config::ReceiverConfig;
use super::counters::Counters;
use super::error::{Listener, ServeError};
use super::intake::Intake;
use super::{grpc, http};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

/// After shutdown is requested, in-flight exports get this long to be answered; a client that
/// keeps a request open longer is cut off so stopping never hangs.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The OTLP receiver: gRPC and HTTP listeners feeding one channel of [`Received`] batches.
#[derive(Debug)]
pub struct Receiver;

impl Receiver {
    /// Binds both listeners. Every decoded request is offered to `batches` without waiting: when
    /// the channel is full or closed the sender is still answered and the batch counted as dropped.
    pub async fn bind(
        config: ReceiverConfig,
        batches: BatchSender,
    ) -> Result<BoundReceiver, ServeError> {
        let (grpc, grpc_addr) = listen(Listener::Grpc, config.grpc_listen).await?;
        let (http, http_addr) = listen(Listener::Http, config.http_listen).await?;
        let counters = Arc::new(Counters::new());
        Ok(BoundReceiver {
            grpc,
            http,
            grpc_addr,
            http_addr,
            intake: Intake::new(
                counters.clone(),
                batches,
                config.faults.clone(),
                config.save.clone(),
            ),
            counters,
            config,
        })
    }
}

async fn listen(
    listener: Listener,
    addr: SocketAddr,
) -> Result<(TcpListener, SocketAddr), ServeError> {
    let bound =
        crate::transport::listener::bind(addr).map_err(|e| ServeError::bind(listener, addr, e))?;
    let local = bound
        .local_addr()
        .map_err(|e| ServeError::bind(listener, addr, e))?;
    Ok((bound, local))
}

/// Both listeners bound, nothing served yet.
#[derive(Debug)]
pub struct BoundReceiver {
    grpc: TcpListener,
    http: TcpListener,
    grpc_addr: SocketAddr,
    http_addr: SocketAddr,
    intake: Intake,
    counters: Arc<Counters>,
    config: ReceiverConfig,
}

impl BoundReceiver {
    /// The address the gRPC listener actually got (the real port when 0 was asked for).
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    /// The address the HTTP listener actually got.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }

    /// Serves until `shutdown` completes, then gives in-flight requests `SHUTDOWN_GRACE` (5 s) to
    /// finish. Returns early only if the gRPC server fails.
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), ServeError> {
        let token = CancellationToken::new();
        let http_state = Arc::new(http::HttpState {
            intake: self.intake.clone(),
            max_message_bytes: self.config.max_message_bytes,
            max_decompressed_bytes: self.config.max_decompressed_bytes,
            tls: match &self.config.tls {
                Some(tls) => {
                    super::tls::install_crypto_provider();
                    Some(super::tls::acceptor(tls).map_err(ServeError::Tls)?)
                }
                None => None,
            },
        });
        let grpc = grpc::serve(
            self.grpc,
            self.intake,
            self.config.max_message_bytes,
            self.config.tls.as_ref(),
            token.clone().cancelled_owned(),
        );
        let http = http::serve(self.http, http_state, token.clone());
        let servers = async {
            let (grpc, ()) = tokio::join!(grpc, http);
            grpc
        };
        tokio::pin!(servers, shutdown);
        tokio::select! {
            result = &mut servers => return result,
            () = &mut shutdown => token.cancel(),
        }
        tokio::time::timeout(SHUTDOWN_GRACE, servers)
            .await
            .unwrap_or(Ok(()))
    }

    /// Serves on a spawned task; stop it with [`RunningReceiver::stop`] (or by dropping it).
    /// Must be called from within a tokio runtime.
    pub fn start(self) -> RunningReceiver {
        let token = CancellationToken::new();
        let grpc_addr = self.grpc_addr;
        let http_addr = self.http_addr;
        let counters = self.counters.clone();
        let task = tokio::spawn(self.serve(token.clone().cancelled_owned()));
        RunningReceiver {
            grpc_addr,
            http_addr,
            counters,
            token: token.clone(),
            _stop_on_drop: token.drop_guard(),
            task,
        }
    }
}

/// A receiver serving on its own task. Dropping it requests shutdown.
#[derive(Debug)]
pub struct RunningReceiver {
    grpc_addr: SocketAddr,
    http_addr: SocketAddr,
    counters: Arc<Counters>,
    token: CancellationToken,
    _stop_on_drop: DropGuard,
    task: JoinHandle<Result<(), ServeError>>,
}

impl RunningReceiver {
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }

    /// The token that stops the receiver when cancelled (hand it to a Ctrl-C handler).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Requests shutdown and waits until both listeners have drained and closed.
    pub async fn stop(self) -> Result<(), ServeError> {
        self.token.cancel();
        self.wait().await
    }

    /// Waits until the receiver ends (after its token is cancelled, or on a gRPC failure).
    pub async fn wait(self) -> Result<(), ServeError> {
        self.task.await.map_err(ServeError::Task)?
    }
}
