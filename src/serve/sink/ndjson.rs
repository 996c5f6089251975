//! The NDJSON sink (`serve --format json`): one JSON object per line, as the contract says.

use super::{Listening, Sink};
use crate::printer::Printer;
use crate::report::Finding;
use crate::serve::Received;
use crate::serve::refusal::Refusal;
use crate::serve::view::ndjson;
use crate::serve::view::summary::Summary;

pub struct NdjsonSink<'p> {
    printer: &'p Printer,
    /// The NDJSON of one batch, reused so that its memory is not allocated again for every batch.
    lines: Vec<u8>,
}

impl<'p> NdjsonSink<'p> {
    pub fn new(printer: &'p Printer) -> Self {
        NdjsonSink {
            printer,
            lines: Vec::new(),
        }
    }
}

impl Sink for NdjsonSink<'_> {
    fn listening(&mut self, listening: &Listening<'_>) {
        let mut line =
            ndjson::listening(listening.grpc, listening.http, listening.tls_ca.is_some());
        if let (Some(ca), serde_json::Value::Object(map)) = (listening.tls_ca, &mut line) {
            map.insert("tls_ca_file".into(), ca.display().to_string().into());
        }
        if let (Some(ui), serde_json::Value::Object(map)) = (listening.ui, &mut line) {
            map.insert("ui_url".into(), ui.into());
        }
        self.printer.json_line(&line);
    }

    fn batch(&mut self, received: &Received) {
        self.lines.clear();
        ndjson::items(received, &mut self.lines);
        self.printer.block_bytes(&self.lines);
    }

    fn refused(&mut self, refusal: &Refusal) {
        self.printer.json_line(&ndjson::refusal(refusal));
    }

    fn finding(&mut self, finding: &Finding) {
        self.printer.json_line(&ndjson::finding(finding));
    }

    fn summary(&mut self, summary: &Summary) {
        self.printer.json_line(&ndjson::summary(summary));
    }
}
