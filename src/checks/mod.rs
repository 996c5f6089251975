//! The checks, one module per layer. Each returns findings as data; none prints.

pub mod config;
