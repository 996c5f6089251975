//! The sink that fills the web view's store. It copies what it keeps, so the batch can be
//! dropped as soon as every sink has seen it.

use super::server::SharedStore;
use crate::report::Finding;
use crate::serve::Received;
use crate::serve::refusal::Refusal;
use crate::serve::sink::{Listening, Sink};
use crate::serve::view::summary::Summary;
use std::time::Instant;

pub struct StoreSink {
    store: SharedStore,
}

impl StoreSink {
    pub fn new(store: SharedStore) -> Self {
        StoreSink { store }
    }
}

impl Sink for StoreSink {
    fn listening(&mut self, _: &Listening<'_>) {}

    fn batch(&mut self, received: &Received) {
        self.store.lock().add_batch(received, Instant::now());
    }

    fn refused(&mut self, refusal: &Refusal) {
        self.store.lock().add_refusal(refusal, Instant::now());
    }

    fn finding(&mut self, finding: &Finding) {
        self.store.lock().add_finding(finding);
    }

    fn summary(&mut self, _: &Summary) {}
}
