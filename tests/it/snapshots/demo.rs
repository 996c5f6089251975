//! `demo`: the built-in receiver checked over every protocol, in every format.

use crate::support::snapshot::snapshot;

#[test]
fn demo_in_every_format() {
    snapshot("demo_human", &["demo"]);
    snapshot("demo_json", &["demo", "--format", "json"]);
    snapshot("demo_markdown", &["demo", "--format", "markdown"]);
}
