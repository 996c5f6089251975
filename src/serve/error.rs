//! Why the receiver could not do its job. A bad request from a client is not an error here: it is
//! answered (400, 413, 415, ...) and counted.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// Which of the two listeners an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    Grpc,
    Http,
}

impl fmt::Display for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Listener::Grpc => "otlp/grpc",
            Listener::Http => "otlp/http",
        })
    }
}

/// A failure of the receiver itself.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot set up TLS: {0}")]
    Tls(std::io::Error),
    #[error("cannot listen on {addr}: {reason}")]
    Bind {
        listener: Listener,
        addr: SocketAddr,
        /// The cause in plain words ("address in use").
        reason: String,
        #[source]
        source: io::Error,
    },
    #[error("the otlp/grpc listener stopped: {0}")]
    Grpc(#[source] tonic::transport::Error),
    #[error("the receiver task ended abnormally: {0}")]
    Task(#[source] tokio::task::JoinError),
}

impl ServeError {
    pub(crate) fn bind(listener: Listener, addr: SocketAddr, source: io::Error) -> Self {
        ServeError::Bind {
            listener,
            addr,
            reason: describe(&source),
            source,
        }
    }
}

/// The common bind failures in words a person recognises; the OS text for the rest.
fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => "address in use".to_owned(),
        io::ErrorKind::AddrNotAvailable => "address not available on this host".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

/// Why a `serve` session could not start; shown as its cause alone.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The certificate for `--tls`, or the CA file beside it, could not be made.
    #[error(transparent)]
    TlsFiles(io::Error),
    #[error(transparent)]
    Receiver(#[from] ServeError),
}
