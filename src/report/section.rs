//! Command-specific details shown beside the findings, e.g. the resolved configuration of `env`:
//! titled tables of key, value and where the value came from.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub key: String,
    pub value: String,
    /// Where the value came from: a flag, a variable name, or `default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Section {
    pub fn new(title: impl Into<String>) -> Self {
        Section {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    pub fn row(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
        source: Option<String>,
    ) -> Self {
        self.rows.push(Row {
            key: key.into(),
            value: value.into(),
            source,
        });
        self
    }
}
