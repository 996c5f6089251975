//! `proxy`: stands between an app and its collector or vendor, forwards every OTLP export
//! unchanged (gRPC and OTLP/HTTP, protobuf or JSON, gzip or not), passes the upstream's answer
//! back unchanged, and shows each export with what the upstream answered. `serve`'s decoding,
//! lint and view are reused on a copy of what passes; the export check's interpretation names
//! what each failed answer means.
//!
//! Data is never dropped or altered by the proxy: a request it cannot forward is answered with
//! the status SDKs retry on, and a slow upstream slows the app (a bounded number of requests in
//! flight) rather than filling the proxy's memory.

mod answer;
mod convert;
mod exchange;
mod failure;
mod handler;
mod metrics;
mod session;
mod summary;
mod upstream;
mod view;

pub use exchange::{Exchange, Fate};
pub use handler::ProxyView;
pub use session::{BoundProxy, ProxyConfig, ProxyError};
pub use summary::{ProxySummary, SignalTotals};
pub use upstream::UpstreamConfig;
pub use view::{HumanProxySink, NdjsonProxySink, ProxyListening, ProxySink, export_line};
