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
    /// The value as data beside its display text, for scripts: durations as integer
    /// milliseconds, flags as booleans, sizes and ratios as numbers. Absent for text values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typed: Option<Typed>,
    /// The unit of [`Row::typed`] when it has one (`ms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
}

/// A row's value as JSON data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Typed {
    Bool(bool),
    Integer(u64),
    Number(f64),
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
        self.push_row(key, value, source);
        self
    }

    pub fn push_row(
        &mut self,
        key: impl Into<String>,
        value: impl Into<String>,
        source: Option<String>,
    ) {
        self.rows.push(Row {
            key: key.into(),
            value: value.into(),
            source,
            typed: None,
            unit: None,
        });
    }

    /// Gives the last row its value as data.
    pub fn typed(mut self, typed: Typed) -> Self {
        if let Some(row) = self.rows.last_mut() {
            row.typed = Some(typed);
        }
        self
    }

    /// Gives the last row a duration, as integer milliseconds.
    pub fn millis(mut self, duration: std::time::Duration) -> Self {
        if let Some(row) = self.rows.last_mut() {
            row.typed = Some(Typed::Integer(
                u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            ));
            row.unit = Some("ms");
        }
        self
    }
}
