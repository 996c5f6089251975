//! Every JSON document and NDJSON line the binary prints is checked against its published JSON
//! Schema (`docs/schema/`), chosen by the document's `schema` tag or, for `serve` lines, by their
//! `kind`. The schemas refuse fields they do not list, so a field added to an output fails here
//! until `docs/contract.md` and its schema document it.

use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The schema file of each tag, under `docs/schema/`.
const SCHEMAS: &[(&str, &str)] = &[
    ("otlp-doctor/report/v1", "report.v1.schema.json"),
    ("otlp-doctor/explain/v1", "explain.v1.schema.json"),
    ("otlp-doctor/explain-list/v1", "explain-list.v1.schema.json"),
    ("otlp-doctor/load/v1", "load.v1.schema.json"),
    ("otlp-doctor/scan/v1", "scan.v1.schema.json"),
];
const SERVE_LINE_SCHEMA: &str = "serve-line.v1.schema.json";
const PROXY_LINE_SCHEMA: &str = "proxy-line.v1.schema.json";

fn validator(file: &str) -> &'static jsonschema::Validator {
    static VALIDATORS: OnceLock<Vec<(String, jsonschema::Validator)>> = OnceLock::new();
    let validators = VALIDATORS.get_or_init(|| {
        let files = SCHEMAS
            .iter()
            .map(|(_, file)| *file)
            .chain([SERVE_LINE_SCHEMA, PROXY_LINE_SCHEMA]);
        files
            .map(|file| {
                let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("docs/schema")
                    .join(file);
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                let schema: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
                let validator = jsonschema::validator_for(&schema)
                    .unwrap_or_else(|e| panic!("{} is not a valid schema: {e}", path.display()));
                (file.to_string(), validator)
            })
            .collect()
    });
    validators
        .iter()
        .find(|(name, _)| name == file)
        .map(|(_, validator)| validator)
        .unwrap_or_else(|| panic!("no schema file {file}"))
}

fn check(validator: &jsonschema::Validator, value: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("  {} at '{}'", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not follow its schema in docs/schema/:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// Panics unless `document` follows the schema its `schema` tag names.
pub fn assert_valid(document: &Value) {
    let tag = document["schema"].as_str().unwrap_or_else(|| {
        panic!("a JSON document without a schema tag: {document}");
    });
    let (_, file) = SCHEMAS
        .iter()
        .find(|(name, _)| *name == tag)
        .unwrap_or_else(|| panic!("schema tag {tag} has no file in docs/schema/"));
    check(validator(file), document, tag);
}

/// Parses stdout as exactly one JSON document and checks it against its schema; `context` is
/// shown when stdout is not JSON (stderr, usually).
pub fn parse_document(stdout: &str, context: &str) -> Value {
    let document: Value = serde_json::from_str(stdout).unwrap_or_else(|e| {
        panic!("stdout is not one JSON document ({e}):\n{stdout}\n{context}");
    });
    assert_valid(&document);
    document
}

/// Panics unless one `serve --format json` line follows the serve line schema.
pub fn assert_valid_serve_line(line: &Value) {
    check(validator(SERVE_LINE_SCHEMA), line, "a serve NDJSON line");
}

/// Panics unless one `proxy --format json` line follows the proxy line schema.
pub fn assert_valid_proxy_line(line: &Value) {
    check(validator(PROXY_LINE_SCHEMA), line, "a proxy NDJSON line");
}
