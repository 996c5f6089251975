//! `serve --ui`: a web page, served by the binary, that shows what the receiver took in: traces
//! as a list and a waterfall, logs, metric charts, the lint findings linked to the items they
//! name, and every request received or refused. A [`StoreSink`] copies each batch into a
//! bounded [`Store`]; a [`UiServer`] answers the page from it. Without `--ui` neither exists,
//! so the receiver pays nothing for the view.

mod assets;
pub mod query;
mod server;
mod sink;
pub mod store;
pub mod stored;

#[cfg(test)]
mod tests;

pub use server::{DEFAULT_UI_LISTEN, Endpoints, SharedStore, UiServer};
pub use sink::StoreSink;
pub use store::{Limits, Store};
