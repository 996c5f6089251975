//! `probe-server`, the blackbox-exporter pattern for OTLP: Prometheus scrapes
//! `/probe?target=URL&module=NAME`, the server runs `check`'s pipeline (config lint, dns, tcp,
//! tls, protocol, export) against the target with the module's settings, and answers the result
//! as Prometheus metrics (`probe_success`, `probe_duration_seconds`, one `otlp_doctor_finding`
//! per problem). `/metrics` has the server's own metrics.
//!
//! ```no_run
//! # async fn demo() -> Result<(), otlp_doctor::probe::BindError> {
//! use otlp_doctor::probe::{ProbeServer, ServerConfig};
//! use tokio_util::sync::CancellationToken;
//! let bound = ProbeServer::bind(ServerConfig::default()).await?; // 127.0.0.1:0
//! let addr = bound.local_addr(); // the real port, before serving
//! let token = CancellationToken::new();
//! tokio::spawn(bound.serve(token.clone()));
//! // ... GET http://{addr}/probe?target=http://localhost:4318 ...
//! token.cancel();
//! # Ok(()) }
//! ```

pub mod exposition;
pub mod module;
pub mod render;
pub mod request;
pub mod run;
mod server;
pub mod stats;

pub use module::{Module, ModuleError, Modules};
pub use request::{Budget, ProbeRequest};
pub use server::{
    BindError, BoundProbeServer, DEFAULT_MAX_CONCURRENT, ProbeServer, Reloader, ServerConfig,
};
