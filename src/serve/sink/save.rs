//! `serve --save FILE`: every accepted export request appended to FILE as one OTLP JSON line (see
//! [`crate::otlp::capture`]), so a session can be opened in the view or replayed elsewhere.
//!
//! A live session writes each request where it is accepted, before it is answered ([`SaveFile`],
//! called by the receiver's intake), and flushes it: a session stopped by a kill keeps every
//! request it answered, and a request the view had to drop (its queue full) is saved all the
//! same. [`SaveSink`] reports a failed write once; with `--open` it writes the capture's requests
//! itself, as they are shown.

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
use std::sync::{Arc, Mutex};

/// The file `--save` appends to, shared by the listeners (a cheap handle).
#[derive(Clone)]
pub struct SaveFile(Arc<Shared>);

struct Shared {
    path: PathBuf,
    state: Mutex<State>,
}

struct State {
    /// `None` once a write failed: saving stops, the session goes on.
    file: Option<BufWriter<File>>,
    saved: u64,
    /// Why saving stopped, until a sink has reported it.
    failure: Option<String>,
}

impl SaveFile {
    /// Opens `path` for appending (made if missing), as the Collector's file exporter does, so a
    /// second session never overwrites the first one's capture.
    pub fn open(path: &Path) -> std::io::Result<SaveFile> {
        let file = File::options().create(true).append(true).open(path)?;
        Ok(SaveFile(Arc::new(Shared {
            path: path.to_path_buf(),
            state: Mutex::new(State {
                file: Some(BufWriter::new(file)),
                saved: 0,
                failure: None,
            }),
        })))
    }

    /// Appends one request and flushes it. A small blocking write into the page cache, made
    /// before the answer so that an answered request is on disk; after a failure, nothing.
    pub fn append(&self, received: &Received) {
        let mut state = self
            .0
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(file) = state.file.as_mut() else {
            return;
        };
        let written = capture::line(&received.payload)
            .map_err(|e| e.to_string())
            .and_then(|line| {
                file.write_all(&line)
                    .and_then(|()| file.flush())
                    .map_err(|e| e.to_string())
            });
        match written {
            Ok(()) => state.saved += 1,
            Err(error) => {
                state.file = None;
                state.failure = Some(format!(
                    "cannot write to {} ({error}); saving stopped after {} requests, receiving goes on",
                    self.0.path.display(),
                    state.saved
                ));
            }
        }
    }

    /// Why saving stopped, once.
    fn take_failure(&self) -> Option<String> {
        self.0
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .failure
            .take()
    }
}

impl std::fmt::Debug for SaveFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SaveFile").field(&self.0.path).finish()
    }
}

/// The same file, not merely the same path.
impl PartialEq for SaveFile {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

pub struct SaveSink<'p> {
    file: SaveFile,
    /// Whether this sink writes the batches (`--open`) or the intake already did (live).
    writes: bool,
    printer: &'p Printer,
}

impl<'p> SaveSink<'p> {
    /// For a live session, whose receiver saves each request as it accepts it: this sink only
    /// reports a failed write.
    pub fn reporting(file: SaveFile, printer: &'p Printer) -> Self {
        SaveSink {
            file,
            writes: false,
            printer,
        }
    }

    /// For requests that reach no receiver (`--open`): this sink writes each batch it is shown.
    pub fn writing(file: SaveFile, printer: &'p Printer) -> Self {
        SaveSink {
            file,
            writes: true,
            printer,
        }
    }
}

impl Sink for SaveSink<'_> {
    fn listening(&mut self, _: &Listening<'_>) {}

    fn batch(&mut self, received: &Received) {
        if self.writes {
            self.file.append(received);
        }
        if let Some(failure) = self.file.take_failure() {
            self.printer.error(&failure);
        }
    }

    fn refused(&mut self, _: &Refusal) {}

    fn finding(&mut self, _: &Finding) {}

    fn summary(&mut self, _: &Summary) {
        if let Some(failure) = self.file.take_failure() {
            self.printer.error(&failure);
        }
    }
}
