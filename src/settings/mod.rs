//! Flags + `OTEL_*` environment → validated settings, resolved exactly as OpenTelemetry SDKs do
//! (see `shared/reference/otel-facts.md` §1). Every value keeps its [`Origin`] so `env` can show
//! where it came from. Malformed values never fail resolution: they become `config` findings.

pub mod endpoint;
pub mod env_source;
pub mod exporter;
pub mod options;
pub mod origin;
pub mod problems;
pub mod proxy;
pub mod rules;
pub mod sdk;
pub mod secrets;
pub mod signal;
pub mod suggest;
pub mod target;
pub mod values;

pub use env_source::{EnvSource, MapEnv, ProcessEnv};
pub use exporter::ExporterSettings;
pub use options::TargetOptions;
pub use origin::{Origin, Sourced};
pub use rules::{DefaultTrust, PerTransport, ReadingRules, TimeoutUnit, TrustRule};
pub use sdk::SdkSettings;
pub use signal::{Compression, Protocol, Signal};

use crate::report::Finding;

/// The signals a command looks at, and whether the user chose them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub signals: Vec<Signal>,
    /// The user named these signals (`--signals`), so a disabled one is an error, not a note.
    pub explicit: bool,
}

impl Selection {
    pub fn all_implicit() -> Self {
        Selection {
            signals: Signal::ALL.to_vec(),
            explicit: false,
        }
    }

    pub fn contains(&self, signal: Signal) -> bool {
        self.signals.contains(&signal)
    }
}

/// The complete effective configuration.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// One entry per signal, in `Signal::ALL` order.
    pub exporters: Vec<ExporterSettings>,
    pub sdk: SdkSettings,
    /// Malformed values found while resolving.
    pub problems: Vec<Finding>,
    /// What the SDK does with a throttled export.
    pub throttling: rules::Throttling,
    /// What the SDK does with data while the endpoint is down.
    pub outages: rules::Outages,
}

impl Resolution {
    pub fn exporter(&self, signal: Signal) -> &ExporterSettings {
        self.exporters
            .iter()
            .find(|e| e.signal == signal)
            .unwrap_or(&self.exporters[0])
    }
}

/// Resolves the effective configuration from the environment and what the user asked for
/// (its set values override the environment).
pub fn resolve(env: &dyn EnvSource, overrides: &TargetOptions) -> Resolution {
    resolve_as(env, overrides, &ReadingRules::spec())
}

/// [`resolve`], read the way `rules` say (one SDK's departures from the specification).
pub fn resolve_as(
    env: &dyn EnvSource,
    overrides: &TargetOptions,
    rules: &ReadingRules,
) -> Resolution {
    let mut problems = problems::Problems::default();
    let exporters = Signal::ALL
        .into_iter()
        .map(|signal| exporter::resolve_exporter(env, overrides, rules, signal, &mut problems))
        .collect();
    let sdk = sdk::resolve_sdk(env, &mut problems);
    Resolution {
        exporters,
        sdk,
        problems: problems.into_findings(),
        throttling: rules.throttling.clone(),
        outages: rules.outages.clone(),
    }
}
