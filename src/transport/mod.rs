//! The shared transport every outgoing connection goes through: the checks, `send`, `load`, the
//! Collector and backend fetches (and next `scan` and `proxy`) sit on it.
//!
//! - [`dialer`]: a fresh plaintext or TLS connection to one address, with the ALPN the caller
//!   speaks, bounded by a timeout;
//! - [`tls`]: the verified rustls client configuration from the user's CA file and client
//!   identity, and the PEM loading under it;
//! - [`fetch`]: a bounded HTTP/1.1 GET over the dialer, for the Collector's own endpoints and the
//!   backends' query APIs.
//!
//! Diagnosing what goes wrong on these connections belongs to the checks, never here.

pub mod dialer;
pub mod fetch;
pub mod listener;
pub mod tls;
