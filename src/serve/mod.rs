//! `serve`, the mirror image of the checks: an OTLP receiver that accepts what an SDK or collector
//! exports, over gRPC and OTLP/HTTP (protobuf or JSON, optionally gzip), and turns every request
//! into one [`Received`] batch. [`consume`] takes those batches off the channel, lints them and
//! hands them to a [`sink::Sink`] (the human view, NDJSON); the fault policy answers requests;
//! [`Counters`] keep running totals.
//!
//! ```no_run
//! # async fn demo() -> Result<(), otlp_doctor::serve::ServeError> {
//! use otlp_doctor::serve::{Receiver, ReceiverConfig, batch_channel};
//! let (tx, mut batches) = batch_channel();
//! let bound = Receiver::bind(ReceiverConfig::ephemeral(), tx).await?;
//! let (grpc, http) = (bound.grpc_addr(), bound.http_addr()); // real ports, before serving
//! let running = bound.start();
//! // ... point an exporter at `grpc` or `http` ...
//! if let Some(received) = batches.recv().await {
//!     let (_signal, _items) = (received.signal, received.payload.item_count());
//! }
//! let _totals = running.counters().total();
//! running.stop().await
//! # }
//! ```

mod batch;
mod channel;
mod config;
mod consumer;
mod counters;
mod decode;
mod error;
pub mod faults;
mod grpc;
mod hashing;
mod http;
mod intake;
pub mod lint;
mod receiver;
pub mod refusal;
mod response;
pub mod sink;
pub mod tls;
pub mod ui;
pub mod view;

#[cfg(test)]
mod tests;

pub use batch::{Received, RequestMeta};
pub use channel::{Arrival, BatchSender, Batches, CheckedBody, batch_channel, batch_channel_of};
pub use config::{
    DEFAULT_BATCH_CAPACITY, DEFAULT_GRPC_LISTEN, DEFAULT_HTTP_LISTEN,
    DEFAULT_MAX_DECOMPRESSED_BYTES, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_QUEUE_BYTES, ReceiverConfig,
};
pub use consumer::{consume, open_capture, run};
pub use counters::{Counters, Counts};
pub use decode::{
    BodyEncoding, DecodeError, Readable, compression_from_header, decode_body, decompress,
    readable_body,
};
pub use error::{Listener, ServeError, StartError};
pub use receiver::{BoundReceiver, Receiver, RunningReceiver};
