//! The bounded channel from the listeners to whoever consumes the batches. An OTLP/HTTP protobuf
//! body travels it as checked bytes ([`Arrival::Checked`]): the listener has proved it decodes
//! and counted its items ([`wire_check`](crate::otlp::wire_check)), answered the sender, and
//! leaves the decode to [`Batches`], on the consumer's side. Everything else arrives decoded.

use super::batch::{Received, RequestMeta};
use super::config::DEFAULT_BATCH_CAPACITY;
use crate::otlp::payload::ExportRequest;
use crate::settings::{Protocol, Signal};
use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;

/// One accepted request on its way to the consumer.
#[derive(Debug)]
pub enum Arrival {
    Decoded(Received),
    Checked(CheckedBody),
}

/// A protobuf export request known to decode, not decoded yet.
#[derive(Debug)]
pub struct CheckedBody {
    pub transport: Protocol,
    pub signal: Signal,
    /// The protobuf message, inflated.
    pub body: Bytes,
    pub meta: RequestMeta,
}

impl Arrival {
    /// The batch decoded; `None` only if the wire check passed something prost refuses, which
    /// the `grpc_decode` fuzz target exists to rule out.
    fn into_received(self) -> Option<Received> {
        match self {
            Arrival::Decoded(received) => Some(received),
            Arrival::Checked(checked) => {
                ExportRequest::decode_protobuf(checked.signal, checked.body)
                    .ok()
                    .map(|payload| Received::new(checked.transport, payload, checked.meta))
            }
        }
    }
}

/// The listeners' end of the channel.
pub type BatchSender = mpsc::Sender<Arrival>;

/// A channel with the default capacity ([`DEFAULT_BATCH_CAPACITY`] batches).
pub fn batch_channel() -> (BatchSender, Batches) {
    batch_channel_of(DEFAULT_BATCH_CAPACITY)
}

/// A channel that holds `capacity` batches before the listeners drop from the view.
pub fn batch_channel_of(capacity: usize) -> (BatchSender, Batches) {
    let (sender, receiver) = mpsc::channel(capacity);
    (
        sender,
        Batches {
            receiver,
            undecodable: 0,
        },
    )
}

/// The consumer's end: each batch comes out decoded, on the consumer's thread.
#[derive(Debug)]
pub struct Batches {
    receiver: mpsc::Receiver<Arrival>,
    undecodable: u64,
}

impl Batches {
    /// The next batch; `None` once every listener is gone and the channel is empty.
    pub async fn recv(&mut self) -> Option<Received> {
        loop {
            let arrival = self.receiver.recv().await?;
            if let Some(received) = self.decoded(arrival) {
                return Some(received);
            }
        }
    }

    /// The next batch if one is waiting.
    pub fn try_recv(&mut self) -> Result<Received, TryRecvError> {
        loop {
            let arrival = self.receiver.try_recv()?;
            if let Some(received) = self.decoded(arrival) {
                return Ok(received);
            }
        }
    }

    /// Accepted batches that would not decode here: never expected, counted as dropped from the
    /// view so that nothing vanishes unseen.
    pub fn undecodable(&self) -> u64 {
        self.undecodable
    }

    fn decoded(&mut self, arrival: Arrival) -> Option<Received> {
        let received = arrival.into_received();
        if received.is_none() {
            self.undecodable += 1;
        }
        received
    }
}
