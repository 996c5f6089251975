//! What `serve` shows: the human live view or NDJSON, and the summary at the end.

pub mod human;
mod json_line;
pub mod ndjson;
pub mod summary;
pub mod values;
