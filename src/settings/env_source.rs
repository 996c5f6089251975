//! Where `OTEL_*` variables are read from: the process environment, or a fixed map in tests.

use std::collections::BTreeMap;

/// A source of environment variables. Implementations return the raw value; the spec's
/// "empty means unset" rule is applied by [`EnvSource::get`].
pub trait EnvSource {
    fn raw(&self, name: &str) -> Option<String>;

    /// The value of a variable, `None` when unset or empty (spec: empty = unset).
    fn get(&self, name: &str) -> Option<String> {
        self.raw(name).filter(|value| !value.is_empty())
    }
}

/// The real process environment.
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn raw(&self, name: &str) -> Option<String> {
        std::env::var_os(name).map(|value| value.to_string_lossy().into_owned())
    }
}

/// A fixed set of variables, for tests and for the library's callers.
#[derive(Debug, Clone, Default)]
pub struct MapEnv(pub BTreeMap<String, String>);

impl MapEnv {
    pub fn new<const N: usize>(pairs: [(&str, &str); N]) -> Self {
        MapEnv(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

impl EnvSource for MapEnv {
    fn raw(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}
