//! The checks, one module per layer. Each returns findings as data; none prints.

pub mod auth;
pub mod backend;
pub mod config;
pub mod dns;
pub mod export;
pub mod pipeline;
pub mod protocol;
pub mod proxy;
pub mod tcp;
pub mod tls;
pub mod wire;
