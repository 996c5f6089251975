//! [`TargetOptions`]: what the user asked to diagnose, before anything is resolved: the
//! endpoint, protocol, headers, signals, TLS files, insecure, compression and the bound on each
//! network step. One type for both ways of asking: the flags of `check`, `send`, `env` and
//! `load` (`cli::TargetArgs`, validated by the commands), and a `probe-server` module.
//!
//! The other types of a target each own a different concept: `cli::TargetArgs` is only the
//! clap surface; [`super::ExporterSettings`] is the configuration resolved per signal (these
//! options over the `OTEL_*` variables, each value with its origin); [`super::target::Target`]
//! is one endpoint the checks dial, built from the resolved settings of the signals sent there.
//!
//! Header values are secrets: they are kept out of `Debug`.

use super::Selection;
use super::signal::{Compression, Protocol, Signal};
use super::values::Header;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Bound on each network step when none is asked for (`--timeout`'s default).
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// What the user asked to diagnose. Set values override the `OTEL_*` variables for every
/// signal; unset ones leave them in force.
#[derive(Clone, PartialEq)]
pub struct TargetOptions {
    /// The ENDPOINT argument, with the meaning of `OTEL_EXPORTER_OTLP_ENDPOINT`, as given: it is
    /// parsed once, with the configuration it joins, so a malformed one is a finding.
    pub endpoint: Option<String>,
    pub protocol: Option<Protocol>,
    /// `--header K=V`, merged over the headers from the environment (same name: the flag wins).
    /// Secret values: never shown.
    pub headers: Vec<Header>,
    /// Sorted, without duplicates; empty means the command's default signals.
    pub signals: Vec<Signal>,
    pub ca_cert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure: bool,
    pub compression: Option<Compression>,
    /// Bound on each network step.
    pub timeout: Duration,
}

impl Default for TargetOptions {
    /// Nothing asked for: the environment decides, with 5 s per step.
    fn default() -> Self {
        TargetOptions {
            endpoint: None,
            protocol: None,
            headers: Vec::new(),
            signals: Vec::new(),
            ca_cert: None,
            client_cert: None,
            client_key: None,
            insecure: false,
            compression: None,
            timeout: DEFAULT_STEP_TIMEOUT,
        }
    }
}

impl TargetOptions {
    /// Sets the signals, sorted and without duplicates.
    pub fn with_signals(mut self, signals: impl IntoIterator<Item = Signal>) -> Self {
        self.signals = signals.into_iter().collect();
        self.signals.sort();
        self.signals.dedup();
        self
    }

    /// The signals asked for, or `default` (not chosen by the user) when none were.
    pub fn selection(&self, default: &[Signal]) -> Selection {
        if self.signals.is_empty() {
            Selection {
                signals: default.to_vec(),
                explicit: false,
            }
        } else {
            Selection {
                signals: self.signals.clone(),
                explicit: true,
            }
        }
    }
}

impl fmt::Debug for TargetOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|h| h.name.as_str()).collect();
        f.debug_struct("TargetOptions")
            .field("endpoint", &self.endpoint)
            .field("protocol", &self.protocol)
            .field("headers (names only)", &header_names)
            .field("signals", &self.signals)
            .field("ca_cert", &self.ca_cert)
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
            .field("insecure", &self.insecure)
            .field("compression", &self.compression)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_asked_for_are_explicit_and_none_means_the_default() {
        let asked =
            TargetOptions::default().with_signals([Signal::Logs, Signal::Traces, Signal::Logs]);
        assert_eq!(
            asked.selection(&[Signal::Traces]),
            Selection {
                signals: vec![Signal::Traces, Signal::Logs],
                explicit: true
            }
        );
        assert_eq!(
            TargetOptions::default().selection(&[Signal::Metrics]),
            Selection {
                signals: vec![Signal::Metrics],
                explicit: false
            }
        );
    }
}
