//! Where every decoded request enters: counted, saved with `--save` (before it is answered, so a
//! kill never loses what was acknowledged), then offered to the consumer without waiting, so a
//! slow consumer costs a dropped batch from the view, never a slow answer to the sender.

use super::batch::Received;
use super::counters::Counters;
use super::faults::FaultPolicy;
use super::sink::SaveFile;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The shared sink both listeners deliver into.
#[derive(Debug, Clone)]
pub(crate) struct Intake {
    counters: Arc<Counters>,
    batches: mpsc::Sender<Received>,
    faults: Arc<FaultPolicy>,
    save: Option<SaveFile>,
}

impl Intake {
    pub(crate) fn new(
        counters: Arc<Counters>,
        batches: mpsc::Sender<Received>,
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
        if self.batches.try_send(received).is_err() {
            self.counters.record_dropped();
        }
    }
}
