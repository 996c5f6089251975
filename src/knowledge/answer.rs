//! What `explain` prints, as plain data with one renderer per format: the entries matching a
//! query (or the one entry of a code), and the catalog of every code. The JSON of an [`Answer`]
//! is the contract's `otlp-doctor/explain/v1`; `report::render::explain` renders both.

use super::matcher::Match;
use super::{Entry, Message};
use serde::Serialize;

/// Schema tag of an explain answer (contract: `explain TEXT --format json`).
pub const SCHEMA: &str = "otlp-doctor/explain/v1";
/// Schema tag of `explain --list --format json`.
pub const LIST_SCHEMA: &str = "otlp-doctor/explain-list/v1";

/// The answer to one query: matching entries, best first.
#[derive(Debug, Serialize)]
pub struct Answer<'a> {
    pub schema: &'static str,
    pub query: String,
    pub matches: Vec<Explained<'a>>,
    /// The query was a code: show everything known about that one entry.
    #[serde(skip)]
    pub by_code: bool,
}

/// One matching entry as the contract shows it.
#[derive(Debug, Serialize)]
pub struct Explained<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub cause: &'a str,
    pub fix: &'a [String],
    pub docs: &'a [String],
    pub score: f64,
    /// The real message that matched, shown to humans with its source.
    #[serde(skip)]
    pub message: Option<&'a Message>,
    #[serde(skip)]
    pub entry: &'a Entry,
}

impl<'a> Explained<'a> {
    fn new(entry: &'a Entry, score: f64, message: Option<&'a Message>) -> Self {
        Explained {
            code: &entry.code,
            title: &entry.title,
            cause: &entry.cause,
            fix: &entry.fix,
            docs: &entry.docs,
            // Two decimals are all the precision a confidence has.
            score: (score * 100.0).round() / 100.0,
            message,
            entry,
        }
    }
}

impl<'a> Answer<'a> {
    /// The answer made of matcher results.
    pub fn from_matches(query: String, matches: Vec<Match<'a>>) -> Self {
        Answer {
            schema: SCHEMA,
            query,
            matches: matches
                .into_iter()
                .map(|m| Explained::new(m.entry, m.score, m.message))
                .collect(),
            by_code: false,
        }
    }

    /// The answer to a query that named a code exactly.
    pub fn for_entry(query: String, entry: &'a Entry) -> Self {
        Answer {
            schema: SCHEMA,
            query,
            matches: vec![Explained::new(entry, 1.0, None)],
            by_code: true,
        }
    }
}

/// Every code with its title, grouped by area.
#[derive(Debug, Serialize)]
pub struct Catalog<'a> {
    pub schema: &'static str,
    pub areas: Vec<Area<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Area<'a> {
    pub area: &'a str,
    pub codes: Vec<CodeTitle<'a>>,
}

#[derive(Debug, Serialize)]
pub struct CodeTitle<'a> {
    pub code: &'a str,
    pub title: &'a str,
}

impl<'a> Catalog<'a> {
    /// Groups entries by area, areas in the given order.
    pub fn new(areas: impl IntoIterator<Item = &'a str>, entries: &'a [Entry]) -> Self {
        Catalog {
            schema: LIST_SCHEMA,
            areas: areas
                .into_iter()
                .map(|area| Area {
                    area,
                    codes: entries
                        .iter()
                        .filter(|e| e.area == area)
                        .map(|e| CodeTitle {
                            code: &e.code,
                            title: &e.title,
                        })
                        .collect(),
                })
                .filter(|a| !a.codes.is_empty())
                .collect(),
        }
    }
}
