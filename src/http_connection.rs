//! Serving one accepted HTTP connection (HTTP/1.1 or h2c, detected) for the project's servers,
//! `serve`'s OTLP/HTTP listener, `proxy` and `probe-server`: with a bound on how long the request headers
//! may take, until the client closes or the token fires, then a graceful shutdown that lets the
//! in-flight request finish.

use bytes::Bytes;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Accept fails transiently when the process is out of file descriptors; pausing lets
/// connections close instead of spinning on the error.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(50);

/// Accepts connections until `token` fires, running `connection` for each on its own task; then
/// closes the listener and waits for those tasks, which see the same token and finish their
/// in-flight requests. Dropping the future aborts the connections still open.
pub async fn accept_until<F, Fut>(listener: TcpListener, token: CancellationToken, connection: F)
where
    F: Fn(TcpStream, SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = token.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Exporters send one small request and wait for the answer: Nagle only adds latency.
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(stream, peer));
                }
                Err(_) => tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

pub async fn serve<F, Fut, B>(
    io: impl AsyncRead + AsyncWrite + Unpin + Send + 'static,
    header_read_timeout: Duration,
    token: CancellationToken,
    handle: F,
) where
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<B>> + Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let service = service_fn(move |request| {
        let answer = handle(request);
        async move { Ok::<_, Infallible>(answer.await) }
    });
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        () = token.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
