//! Where every decoded request enters: counted, saved with `--save` (before it is answered, so a
//! kill never loses what was acknowledged), then offered to the consumer without waiting, so a
//! slow consumer costs a dropped batch from the view, never a slow answer to the sender.

use super::batch::Received;
use super::channel::{Arrival, BatchSender, CheckedBody};
use super::counters::Counters;
use super::faults::FaultPolicy;
use super::sink::SaveFile;
use std::sync::Arc;

/// The shared sink both listeners deliver into.
#[derive(Debug, Clone)]
pub(crate) struct Intake {
    counters: Arc<Counters>,
    batches: BatchSender,
    faults: Arc<FaultPolicy>,
    save: Option<SaveFile>,
}

impl Intake {
    pub(crate) fn new(
        counters: Arc<Counters>,
        batches: BatchSender,
        faults: FaultPolicy,
        save: Option<SaveFile>,
    ) -> Self {
        Intake {
            counters,
            batches,
            faults: Arc::new(faults),
            save,
        }
    }

    pub(crate) fn faults(&self) -> &FaultPolicy {
        &self.faults
    }

    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Counts the batch, saves it (`--save`) and hands it on; a full or closed channel drops it
    /// from the view (counted). The caller answers the sender after this returns.
    pub(crate) fn accept(&self, received: Received) {
        self.counters.record(&received);
        if let Some(save) = &self.save {
            save.append(&received);
        }
        self.offer(Arrival::Decoded(received));
    }

    /// `--save` writes decoded requests before they are answered, so with it a listener decodes
    /// every body itself rather than hand on checked bytes.
    pub(crate) fn decodes_before_answering(&self) -> bool {
        self.save.is_some()
    }

    /// Counts a body the wire check passed with `items` items and hands it on to be decoded by
    /// the consumer. Never called with `--save` ([`Self::decodes_before_answering`]).
    pub(crate) fn accept_checked(&self, checked: CheckedBody, items: u64) {
        self.counters
            .record_items(checked.transport, checked.signal, items);
        self.offer(Arrival::Checked(checked));
    }

    fn offer(&self, arrival: Arrival) {
        if !self.batches.offer(arrival) {
            self.counters.record_dropped();
        }
    }
}
