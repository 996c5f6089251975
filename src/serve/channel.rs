//! The bounded queue from the listeners to whoever consumes the batches. An OTLP/HTTP protobuf
//! body travels it as checked bytes ([`Arrival::Checked`]): the listener has proved it decodes
//! and counted its items ([`wire_check`](crate::otlp::wire_check)), answered the sender, and
//! leaves the decode to [`Batches`], on the consumer's side. Everything else arrives decoded.

use super::batch::{Received, RequestMeta};
use super::config::{DEFAULT_BATCH_CAPACITY, DEFAULT_QUEUE_BYTES};
use crate::otlp::payload::ExportRequest;
use crate::settings::{Protocol, Signal};
use bytes::Bytes;
use std::sync::Arc;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

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

/// A batch in the queue with its share of the queue's budget, returned when it is taken off.
#[derive(Debug)]
struct Queued {
    arrival: Arrival,
    _weight: OwnedSemaphorePermit,
}

/// What a decoded batch weighs in the queue: about what a batch of 512 spans takes in memory once
/// decoded, so the default budget holds as many decoded batches as [`DEFAULT_BATCH_CAPACITY`].
const DECODED_WEIGHT: usize = DEFAULT_QUEUE_BYTES / DEFAULT_BATCH_CAPACITY;
/// What a checked body weighs beyond its bytes: the request's metadata.
const CHECKED_OVERHEAD: usize = 1024;

/// The listeners' end of the queue. It holds batches up to a memory budget rather than a count:
/// checked bodies weigh their bytes, several times less than the same batch decoded, so a burst
/// over OTLP/HTTP queues several times more batches in the same memory.
#[derive(Debug, Clone)]
pub struct BatchSender {
    queue: mpsc::UnboundedSender<Queued>,
    budget: Arc<Semaphore>,
    capacity: usize,
}

impl BatchSender {
    /// Queues the batch without waiting; `false` when the budget is spent or the consumer gone.
    pub(crate) fn offer(&self, arrival: Arrival) -> bool {
        let weight = match &arrival {
            Arrival::Decoded(_) => DECODED_WEIGHT,
            Arrival::Checked(checked) => checked.body.len() + CHECKED_OVERHEAD,
        };
        // Never more than the whole budget, so one huge body can still be queued alone.
        let weight = weight.min(self.capacity).max(1);
        let weight = u32::try_from(weight).unwrap_or(u32::MAX);
        let Ok(permit) = self.budget.clone().try_acquire_many_owned(weight) else {
            return false;
        };
        self.queue
            .send(Queued {
                arrival,
                _weight: permit,
            })
            .is_ok()
    }
}

/// A queue with the default budget ([`DEFAULT_QUEUE_BYTES`]).
pub fn batch_channel() -> (BatchSender, Batches) {
    batch_channel_of(DEFAULT_BATCH_CAPACITY)
}

/// A queue that holds `batches` decoded batches (or the same memory of checked bodies) before
/// the listeners drop from the view.
pub fn batch_channel_of(batches: usize) -> (BatchSender, Batches) {
    let capacity = batches
        .saturating_mul(DECODED_WEIGHT)
        .min(Semaphore::MAX_PERMITS);
    let (queue, receiver) = mpsc::unbounded_channel();
    let sender = BatchSender {
        queue,
        budget: Arc::new(Semaphore::new(capacity)),
        capacity,
    };
    let batches = Batches {
        receiver,
        undecodable: 0,
    };
    (sender, batches)
}

/// The consumer's end: each batch comes out decoded, on the consumer's thread.
#[derive(Debug)]
pub struct Batches {
    receiver: mpsc::UnboundedReceiver<Queued>,
    undecodable: u64,
}

impl Batches {
    /// The next batch; `None` once every listener is gone and the channel is empty.
    pub async fn recv(&mut self) -> Option<Received> {
        loop {
            let queued = self.receiver.recv().await?;
            if let Some(received) = self.decoded(queued.arrival) {
                return Some(received);
            }
        }
    }

    /// The next batch if one is waiting.
    pub fn try_recv(&mut self) -> Result<Received, TryRecvError> {
        loop {
            let queued = self.receiver.try_recv()?;
            if let Some(received) = self.decoded(queued.arrival) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::ProbeData;
    use crate::settings::Compression;
    use std::time::SystemTime;

    fn meta() -> RequestMeta {
        RequestMeta {
            peer: None,
            user_agent: None,
            compression: Compression::None,
            received_at: SystemTime::now(),
        }
    }

    fn decoded() -> Arrival {
        let payload = ExportRequest::probe(Signal::Traces, &ProbeData::new());
        Arrival::Decoded(Received::new(Protocol::Grpc, payload, meta()))
    }

    fn probe_body() -> Vec<u8> {
        crate::otlp::encode::protobuf(&ExportRequest::probe(Signal::Traces, &ProbeData::new()))
    }

    fn checked() -> Arrival {
        Arrival::Checked(CheckedBody {
            transport: Protocol::HttpProtobuf,
            signal: Signal::Traces,
            body: probe_body().into(),
            meta: meta(),
        })
    }

    #[tokio::test]
    async fn a_decoded_batch_takes_a_whole_share_and_gives_it_back_when_taken() {
        let (sender, mut batches) = batch_channel_of(1);
        assert!(sender.offer(decoded()));
        assert!(
            !sender.offer(decoded()),
            "the budget holds one decoded batch"
        );
        assert!(batches.recv().await.is_some());
        assert!(sender.offer(decoded()), "taking it off returned its share");
    }

    #[tokio::test]
    async fn checked_bodies_weigh_their_bytes() {
        let (sender, mut batches) = batch_channel_of(1);
        let fit = DECODED_WEIGHT / (probe_body().len() + CHECKED_OVERHEAD);
        for n in 0..fit {
            assert!(sender.offer(checked()), "body {n} of {fit}");
        }
        assert!(!sender.offer(checked()));
        let received = batches.recv().await.expect("a batch");
        assert_eq!(received.transport, Protocol::HttpProtobuf);
        assert_eq!(received.payload.item_count(), ProbeData::new().count as u64);
        assert_eq!(batches.undecodable(), 0);
    }

    #[tokio::test]
    async fn a_body_that_will_not_decode_is_counted_not_lost() {
        let (sender, mut batches) = batch_channel_of(2);
        assert!(sender.offer(Arrival::Checked(CheckedBody {
            transport: Protocol::HttpProtobuf,
            signal: Signal::Traces,
            body: Bytes::from_static(&[0xff]),
            meta: meta(),
        })));
        assert!(sender.offer(decoded()));
        assert_eq!(
            batches.recv().await.map(|r| r.transport),
            Some(Protocol::Grpc)
        );
        assert_eq!(batches.undecodable(), 1);
    }
}
