//! Sending pre-encoded export requests: a [`Connector`] made once per run hands each worker a
//! [`Sender`] (a clone of the one shared gRPC channel, or its own OTLP/HTTP connection), and a
//! sender turns one request into an [`Outcome`]. Nothing here returns an error once the run has
//! started: what the endpoint does is measured.

mod codec;
mod grpc;
mod http;

pub use codec::RawCodec;

use super::payload::RequestPool;
use super::plan::LoadPlan;
use super::sample::Outcome;
use crate::settings::{Compression, Protocol, Signal};
use crate::transport::dialer::Dialer;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

/// The run cannot start with these settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("header '{0}' cannot be sent (invalid name or value)")]
    Header(String),
    #[error("the endpoint cannot be used: {0}")]
    Endpoint(String),
}

/// Makes the senders of a run.
pub enum Connector {
    /// Every worker gets a clone: one connection, one HTTP/2 stream per request.
    Grpc(Box<grpc::GrpcSender>),
    /// Every worker gets its own connection.
    Http(Arc<http::HttpShared>),
}

impl Connector {
    /// Prepares the transport; connects nothing yet.
    pub fn new(
        plan: &LoadPlan,
        pool: &RequestPool,
        dialer: Dialer,
    ) -> Result<Connector, TransportError> {
        let target = &plan.target;
        let authority = target.url.authority();
        match target.protocol {
            Protocol::Grpc => grpc::GrpcSender::new(grpc::GrpcSetup {
                dialer,
                authority: &authority,
                headers: &target.headers,
                gzip: target.compression == Compression::Gzip,
                timeout: plan.request_timeout(),
                message_capacity: pool.max_len(),
            })
            .map(|sender| Connector::Grpc(Box::new(sender))),
            Protocol::HttpProtobuf | Protocol::HttpJson => {
                let shared = http::HttpShared::new(http::HttpSetup {
                    dialer,
                    authority: &authority,
                    headers: &target.headers,
                    paths: &target.http_paths,
                    content_type: pool.content_type,
                    content_encoding: pool.content_encoding,
                    timeout: plan.request_timeout(),
                })?;
                Ok(Connector::Http(Arc::new(shared)))
            }
        }
    }

    /// A sender for one worker.
    pub fn sender(&self) -> Sender {
        match self {
            Connector::Grpc(sender) => Sender::Grpc(sender.clone()),
            Connector::Http(shared) => Sender::Http(http::HttpSender::new(shared.clone())),
        }
    }
}

/// One worker's way to send.
pub enum Sender {
    Grpc(Box<grpc::GrpcSender>),
    Http(http::HttpSender),
}

impl Sender {
    /// Sends one pre-encoded request of `signal` and says what came back.
    pub async fn send(&mut self, signal: Signal, body: &Bytes) -> Outcome {
        match self {
            Sender::Grpc(sender) => sender.send(signal, body).await,
            Sender::Http(sender) => sender.send(signal, body).await,
        }
    }
}

/// The outcome of a request the timeout cut short.
fn no_answer(timeout: Duration) -> Outcome {
    Outcome::NoAnswer {
        error: format!(
            "timeout: no answer within {}",
            humantime::format_duration(timeout)
        ),
    }
}
