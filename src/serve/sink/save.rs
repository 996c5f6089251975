//! `serve --save FILE`: every accepted export request appended to FILE as one OTLP JSON line (see
//! [`crate::otlp::capture`]), so a session can be opened in the view or replayed elsewhere.
//! Each batch is flushed as it is written: a session stopped by a kill keeps what it answered.

use super::{Listening, Sink};
use crate::otlp::capture;
use crate::printer::Printer;
use crate::report::Finding;
use crate::serve::Received;
use crate::serve::refusal::Refusal;
use crate::serve::view::summary::Summary;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct SaveSink<'p> {
    path: PathBuf,
    /// `None` once a write failed: saving stops, the session goes on.
    file: Option<BufWriter<File>>,
    printer: &'p Printer,
    saved: u64,
}

impl<'p> SaveSink<'p> {
    /// Opens `path` for appending (made if missing), as the Collector's file exporter does, so a
    /// second session never overwrites the first one's capture.
    pub fn open_file(path: &Path) -> std::io::Result<File> {
        File::options().create(true).append(true).open(path)
    }

    pub fn new(path: PathBuf, file: File, printer: &'p Printer) -> Self {
        SaveSink {
            path,
            file: Some(BufWriter::new(file)),
            printer,
            saved: 0,
        }
    }

    fn append(&mut self, received: &Received) -> Result<(), String> {
        let line = capture::line(&received.payload).map_err(|e| e.to_string())?;
        let file = self.file.as_mut().expect("checked by the caller");
        file.write_all(&line)
            .and_then(|()| file.flush())
            .map_err(|e| e.to_string())
    }
}

impl Sink for SaveSink<'_> {
    fn listening(&mut self, _: &Listening<'_>) {}

    fn batch(&mut self, received: &Received) {
        if self.file.is_none() {
            return;
        }
        match self.append(received) {
            Ok(()) => self.saved += 1,
            Err(error) => {
                self.file = None;
                self.printer.error(&format!(
                    "cannot write to {} ({error}); saving stopped after {} requests, receiving goes on",
                    self.path.display(),
                    self.saved
                ));
            }
        }
    }

    fn refused(&mut self, _: &Refusal) {}

    fn finding(&mut self, _: &Finding) {}

    fn summary(&mut self, _: &Summary) {}
}
