//! The knowledge base: for every finding code a title, cause, fix and links, and the real error
//! messages that point to it. Kept as data in `kb/*.toml` (one file per area), compiled in;
//! [`matcher`] looks pasted error text up in it and [`answer`] renders what `explain` prints.
//!
//! Each `[[entry]]` has `code`, `title`, `cause`, `fix` (a list) and `docs` (links). Each
//! `[[entry.messages]]` below it is an error message exactly as some SDK, library or the
//! Collector prints it: `text`, `source` (the code or issue where it was read, never invented),
//! `ecosystem` (whose wording it is) and optionally `also`, the codes that may share the top
//! spot when this message is looked up (for wording that honestly fits more than one cause),
//! `summary`, set on a line an SDK prints for many causes (its last word after the retries ran
//! out), which the matcher then scores as a lead rather than an answer, and `note`, shown with
//! the match to say where the real cause is printed.
//!
//! The `[fixes.<name>]` tables hold the fix lines the checks attach to their findings, by key
//! ([`fix`]).

pub mod answer;
pub mod code;
pub mod dialect;
pub mod fix;
pub mod matcher;
mod normalize;

pub use code::Code;
use serde::{Deserialize, Serialize};
use std::fmt;
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
    /// The data file (area) the entry comes from, e.g. `network`.
    #[serde(skip)]
    pub area: &'static str,
}

/// A real error message as users see it, and where it came from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub text: String,
    pub source: String,
    pub ecosystem: Ecosystem,
    /// Other codes this wording may equally point to.
    #[serde(default)]
    pub also: Vec<String>,
    /// The wording sums up failures of many causes (its `also` codes among them), so a match
    /// is a lead, not an answer: the matcher scores it at [`matcher::SUMMARY_FACTOR`].
    #[serde(default)]
    pub summary: bool,
    /// Shown with the match: what the message does not say, and where to read it.
    #[serde(default)]
    pub note: Option<String>,
}

/// Whose wording a message is: an SDK's, a library's, the Collector's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// opentelemetry-rust and the crates under it (tonic, hyper, reqwest, rustls).
    Rust,
    /// The Go SDK and Go's standard library and grpc-go, outside the Collector.
    Go,
    Java,
    Python,
    /// JavaScript / Node.js.
    Js,
    /// .NET.
    Dotnet,
    /// The OpenTelemetry Collector's own logs and answers.
    Collector,
    /// C++ and gRPC core (also under Python's grpcio), curl.
    Cpp,
    /// Proxies and backends (nginx, Jaeger, vendors) and other tools.
    Other,
}

impl Ecosystem {
    pub const ALL: &'static [Ecosystem] = &[
        Ecosystem::Rust,
        Ecosystem::Go,
        Ecosystem::Java,
        Ecosystem::Python,
        Ecosystem::Js,
        Ecosystem::Dotnet,
        Ecosystem::Collector,
        Ecosystem::Cpp,
        Ecosystem::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Rust => "rust",
            Ecosystem::Go => "go",
            Ecosystem::Java => "java",
            Ecosystem::Python => "python",
            Ecosystem::Js => "js",
            Ecosystem::Dotnet => "dotnet",
            Ecosystem::Collector => "collector",
            Ecosystem::Cpp => "cpp",
            Ecosystem::Other => "other",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KbFile {
    #[serde(default)]
    entry: Vec<Entry>,
    /// The fix lines of findings in this area, by name.
    #[serde(default)]
    fixes: std::collections::BTreeMap<String, fix::FixEntry>,
}

/// The data files parsed once, with their areas. A malformed data file is a build defect caught
/// by the tests.
fn files() -> &'static [(&'static str, KbFile)] {
    static FILES: OnceLock<Vec<(&'static str, KbFile)>> = OnceLock::new();
    FILES.get_or_init(|| {
        KB_FILES
            .iter()
            .map(|(area, text)| match toml::from_str::<KbFile>(text) {
                Ok(file) => (*area, file),
                Err(error) => panic!("knowledge base file kb/{area}.toml is malformed: {error}"),
            })
            .collect()
    })
}

/// All entries, parsed once.
pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        files()
            .iter()
            .flat_map(|(area, file)| {
                file.entry.iter().cloned().map(move |mut entry| {
                    entry.area = area;
                    entry
                })
            })
            .collect()
    })
}

/// The areas, in the order their data files are listed (config, network, tls, ...).
pub fn areas() -> impl Iterator<Item = &'static str> {
    KB_FILES.iter().map(|(area, _)| *area)
}

/// The entry of a code, if it has one (every code does; a test enforces it).
pub fn entry(code: Code) -> Option<&'static Entry> {
    entries().iter().find(|e| e.code == code.as_str())
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

    #[test]
    fn every_message_cites_a_source_and_valid_alternatives() {
        for entry in entries() {
            for message in &entry.messages {
                assert!(
                    !message.text.trim().is_empty(),
                    "{}: empty message",
                    entry.code
                );
                assert!(
                    message.source.starts_with("https://"),
                    "{}: {:?} has no URL source",
                    entry.code,
                    message.text
                );
                for also in &message.also {
                    assert!(
                        Code::parse(also).is_some() && *also != entry.code,
                        "{}: {:?} lists a bad alternative {also}",
                        entry.code,
                        message.text
                    );
                }
            }
        }
    }

    #[test]
    fn the_messages_cover_the_sdks_and_the_collector() {
        let mut texts = std::collections::HashSet::new();
        let mut per_ecosystem = std::collections::BTreeMap::new();
        for message in entries().iter().flat_map(|e| &e.messages) {
            assert!(
                texts.insert(message.text.as_str()),
                "duplicate message {:?}",
                message.text
            );
            *per_ecosystem.entry(message.ecosystem).or_insert(0usize) += 1;
        }
        assert!(texts.len() >= 80, "only {} distinct messages", texts.len());
        for ecosystem in [
            Ecosystem::Rust,
            Ecosystem::Go,
            Ecosystem::Java,
            Ecosystem::Python,
            Ecosystem::Js,
            Ecosystem::Dotnet,
            Ecosystem::Collector,
        ] {
            let count = per_ecosystem.get(&ecosystem).copied().unwrap_or(0);
            assert!(count >= 5, "only {count} messages from {ecosystem}");
        }
    }

    #[test]
    fn every_entry_knows_its_area() {
        let known: Vec<&str> = areas().collect();
        for entry in entries() {
            assert!(
                known.contains(&entry.area),
                "{} has area {:?}",
                entry.code,
                entry.area
            );
        }
    }
}
