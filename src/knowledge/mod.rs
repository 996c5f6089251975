//! The knowledge base: for every finding code a title, cause, fix and links, and the real error
//! messages that point to it. Kept as data in `kb/*.toml` (one file per area), compiled in.

use crate::report::{Code, Finding};
use serde::Deserialize;
use std::sync::OnceLock;

/// The data files, one per area.
const KB_FILES: &[(&str, &str)] = &[
    ("config", include_str!("kb/config.toml")),
    ("network", include_str!("kb/network.toml")),
    ("tls", include_str!("kb/tls.toml")),
    ("protocol", include_str!("kb/protocol.toml")),
    ("auth", include_str!("kb/auth.toml")),
    ("export", include_str!("kb/export.toml")),
    ("collector", include_str!("kb/collector.toml")),
    ("backend", include_str!("kb/backend.toml")),
    ("deps", include_str!("kb/deps.toml")),
    ("lint", include_str!("kb/lint.toml")),
];

/// One knowledge base entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub code: String,
    pub title: String,
    pub cause: String,
    pub fix: Vec<String>,
    #[serde(default)]
    pub docs: Vec<String>,
    /// Real error messages that mean this code, each with where it was seen.
    #[serde(default)]
    pub messages: Vec<Message>,
}

/// A real error message as users see it, and where it came from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub text: String,
    pub source: String,
}

#[derive(Deserialize)]
struct KbFile {
    #[serde(default)]
    entry: Vec<Entry>,
}

/// All entries, parsed once. A malformed data file is a build defect caught by the tests.
pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        KB_FILES
            .iter()
            .flat_map(|(area, text)| match toml::from_str::<KbFile>(text) {
                Ok(file) => file.entry,
                Err(error) => panic!("knowledge base file kb/{area}.toml is malformed: {error}"),
            })
            .collect()
    })
}

/// The entry of a code, if it has one (every code does; a test enforces it).
pub fn entry(code: Code) -> Option<&'static Entry> {
    entries().iter().find(|e| e.code == code.as_str())
}

/// Gives a finding the knowledge base's links when its check did not name any.
pub fn add_docs_link(finding: &mut Finding) {
    if finding.docs.is_empty()
        && let Some(entry) = entry(finding.code)
    {
        finding.docs.extend(entry.docs.iter().take(2).cloned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_entry() {
        let missing: Vec<&str> = Code::ALL
            .iter()
            .filter(|code| entry(**code).is_none())
            .map(|code| code.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "codes without a knowledge base entry: {missing:?}"
        );
    }

    #[test]
    fn every_entry_is_a_known_code_once() {
        let mut seen = std::collections::HashSet::new();
        for entry in entries() {
            assert!(
                Code::parse(&entry.code).is_some(),
                "unknown code {}",
                entry.code
            );
            assert!(
                seen.insert(entry.code.clone()),
                "duplicate entry {}",
                entry.code
            );
            assert!(!entry.fix.is_empty(), "{} has no fix", entry.code);
        }
    }
}
