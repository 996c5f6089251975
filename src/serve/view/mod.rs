//! What `serve` shows: the view model of each batch, painted for a terminal (human) or written
//! as NDJSON, and the summary at the end.

pub mod human;
mod json_line;
pub mod metric_values;
pub mod model;
pub mod ndjson;
pub mod summary;
pub mod values;
