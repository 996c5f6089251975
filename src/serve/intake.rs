//! Where every decoded request enters: counted first, then offered to the consumer without waiting,
//! so a slow consumer costs a dropped batch, never a slow answer to the sender.

use super::batch::Received;
use super::counters::Counters;
use super::faults::FaultPolicy;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The shared sink both listeners deliver into.
#[derive(Debug, Clone)]
pub(crate) struct Intake {
    counters: Arc<Counters>,
    batches: mpsc::Sender<Received>,
    faults: Arc<FaultPolicy>,
}

impl Intake {
    pub(crate) fn new(
        counters: Arc<Counters>,
        batches: mpsc::Sender<Received>,
        faults: FaultPolicy,
    ) -> Self {
        Intake {
            counters,
            batches,
            faults: Arc::new(faults),
        }
    }

    pub(crate) fn faults(&self) -> &FaultPolicy {
        &self.faults
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Counts the batch and hands it on; a full or closed channel drops it (counted).
    pub(crate) fn accept(&self, received: Received) {
        self.counters.record(&received);
        if self.batches.try_send(received).is_err() {
            self.counters.record_dropped();
        }
    }
}
