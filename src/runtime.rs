//! The tokio runtime: one builder for the whole crate, so every runtime has the same drivers
//! (I/O, time, signals). `commands::run` builds the one runtime every command runs on;
//! `overhead` builds its helper and exporter runtimes from it too, with their own thread names
//! and start hooks, so that their threads can be told apart from the measured one.

use tokio::runtime::{Builder, Runtime};

/// A multi-threaded runtime builder with every driver enabled; callers add thread names or
/// counts before building.
pub fn builder() -> Builder {
    let mut builder = Builder::new_multi_thread();
    builder.enable_all();
    builder
}

/// The runtime a command runs on.
pub fn build() -> std::io::Result<Runtime> {
    builder().build()
}
