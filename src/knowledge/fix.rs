//! Fix lines as data: a finding names a fix by its key and binds the fix's parameters; the words
//! live once, in the knowledge base (`[fixes.<name>]` tables in `kb/<area>.toml`, key
//! `<area>.<name>`), and are rendered from there.
//!
//! A fix text marks a parameter as `{name}` (lowercase letters, digits and `_`); any other brace,
//! such as the YAML `{enabled: true}` or `${env:MY_POD_IP}` inside a fix, is plain text. So the
//! data reads exactly as users see it, without escapes. A fix that sets configuration also
//! declares it as data, `env = { OTEL_EXPORTER_OTLP_PROTOCOL = "{other}" }` (names and values
//! may use parameters too), which [`super::dialect`] renders as shell, Kubernetes and SDK code.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// A fix a finding carries: the knowledge base key and the values of its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    key: &'static str,
    params: Vec<(&'static str, String)>,
}

impl Fix {
    /// The fix with knowledge base key `key`, e.g. `network.start_collector_or_port`.
    pub fn new(key: &'static str) -> Self {
        Fix {
            key,
            params: Vec::new(),
        }
    }

    /// Binds the parameter `{name}` of the fix text to `value`.
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.params.push((name, value.to_string()));
        self
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    pub fn params(&self) -> &[(&'static str, String)] {
        &self.params
    }

    /// Mutable parameter values, for masking secrets in place.
    pub fn param_values_mut(&mut self) -> impl Iterator<Item = &mut String> {
        self.params.iter_mut().map(|(_, value)| value)
    }

    /// The variables the fix sets and their values, parameters filled in. A name that does not
    /// come out as an `OTEL_*` variable (a parameter that named a flag) is left out.
    pub fn env(&self) -> BTreeMap<String, String> {
        let Some(entry) = all().get(self.key) else {
            return BTreeMap::new();
        };
        entry
            .env
            .iter()
            .map(|(name, value)| (fill(name, &self.params), fill(value, &self.params)))
            .filter(|(name, _)| {
                name.starts_with("OTEL_")
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
            .collect()
    }

    /// The fix line as users read it: the knowledge base text with the parameters filled in.
    /// A key or parameter missing from the data is a defect the tests catch (`fix::tests`); in a
    /// release build the line then shows the key or the `{name}` rather than stopping the run.
    pub fn text(&self) -> String {
        match template(self.key) {
            Some(template) => fill(template, &self.params),
            None => {
                debug_assert!(false, "fix {} is not in the knowledge base", self.key);
                self.key.to_string()
            }
        }
    }
}

/// One `[fixes.<name>]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixEntry {
    /// The fix in the words every output prints.
    pub text: String,
    /// The `OTEL_*` variables the fix sets, to their values (templates like `text`).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// Every fix of the knowledge base by its full key (`<area>.<name>`), parsed once.
pub fn all() -> &'static BTreeMap<String, FixEntry> {
    static FIXES: OnceLock<BTreeMap<String, FixEntry>> = OnceLock::new();
    FIXES.get_or_init(|| {
        let mut fixes = BTreeMap::new();
        for (area, file) in super::files() {
            for (name, entry) in &file.fixes {
                fixes.insert(format!("{area}.{name}"), entry.clone());
            }
        }
        fixes
    })
}

fn template(key: &str) -> Option<&'static str> {
    all().get(key).map(|entry| entry.text.as_str())
}

/// The parameter names a template uses, in order of appearance (repeats included).
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match placeholder_at(after) {
            Some(name) => {
                names.push(name);
                rest = &after[name.len() + 1..];
            }
            None => rest = after,
        }
    }
    names
}

/// `name` when `text` (just after a `{`) starts with `name}` and `name` is a parameter name.
fn placeholder_at(text: &str) -> Option<&str> {
    let close = text.find('}')?;
    let name = &text[..close];
    let is_name = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    is_name.then_some(name)
}

pub(crate) fn fill(template: &str, params: &[(&'static str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match placeholder_at(after) {
            Some(name) => {
                match params.iter().find(|(bound, _)| *bound == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        debug_assert!(false, "parameter {{{name}}} of {template:?} is not bound");
                        out.push_str(&rest[open..open + name.len() + 2]);
                    }
                }
                rest = &after[name.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
