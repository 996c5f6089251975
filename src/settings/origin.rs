//! Provenance of a resolved value: a command-line flag, an environment variable, or the default.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "name")]
pub enum Origin {
    /// A command-line flag, e.g. `--protocol`.
    Flag(String),
    /// An environment variable, e.g. `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`.
    Env(String),
    /// The spec's default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(name) => f.write_str(name),
            Origin::Env(name) => f.write_str(name),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A value together with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Sourced<T> {
    pub fn new(value: T, origin: Origin) -> Self {
        Sourced { value, origin }
    }

    pub fn default_value(value: T) -> Self {
        Sourced {
            value,
            origin: Origin::Default,
        }
    }

    pub fn is_default(&self) -> bool {
        self.origin == Origin::Default
    }
}
