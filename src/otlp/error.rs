//! The errors of the `otlp` layer: only the ones where the tool itself could not build a
//! request. Whatever the network or the server does is an [`crate::otlp::Outcome`], not an error.

use crate::settings::Signal;

/// Building or encoding an export request failed.
#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    /// serde_json refused the generated types (not expected: every key is a string).
    #[error("could not encode the {signal} request as OTLP/JSON")]
    Json {
        signal: Signal,
        #[source]
        source: serde_json::Error,
    },
    /// Writing into the in-memory gzip encoder failed.
    #[error("could not gzip the {signal} request body")]
    Gzip {
        signal: Signal,
        #[source]
        source: std::io::Error,
    },
}
