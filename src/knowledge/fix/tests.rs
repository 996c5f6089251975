use super::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fix_with(key: &'static str, params: &[(&'static str, &str)]) -> Fix {
    params
        .iter()
        .fold(Fix::new(key), |fix, (name, value)| fix.with(name, value))
}

#[test]
fn a_fix_renders_its_knowledge_base_text_with_the_parameters() {
    let fix = fix_with(
        "config.timeout_times_thousand",
        &[
            ("variable", "OTEL_EXPORTER_OTLP_TIMEOUT"),
            ("milliseconds", "10000"),
        ],
    );
    assert_eq!(fix.text(), "set OTEL_EXPORTER_OTLP_TIMEOUT=10000");
    assert_eq!(fix.key(), "config.timeout_times_thousand");
    assert_eq!(fix.params().len(), 2);
}

#[test]
fn only_lowercase_names_in_braces_are_parameters() {
    let template = "exporters: {exporter}: sending_queue: {enabled: true, batch: {}} ${env:MY_POD_IP}:{port} {Name}";
    assert_eq!(placeholders(template), ["exporter", "port"]);
    let params = [
        ("exporter", "otlp".to_string()),
        ("port", "4317".to_string()),
    ];
    assert_eq!(
        fill(template, &params),
        "exporters: otlp: sending_queue: {enabled: true, batch: {}} ${env:MY_POD_IP}:4317 {Name}"
    );
}

#[test]
fn a_value_is_inserted_as_is_even_when_it_looks_like_a_parameter() {
    let params = [
        ("signal", "{url}".to_string()),
        ("url", "http://x".to_string()),
    ];
    assert_eq!(
        fill("send {signal} to {url}", &params),
        "send {url} to http://x"
    );
}

/// A `Fix::new` call in the sources: where, which key, which parameters it binds.
#[derive(Debug)]
struct Site {
    file: PathBuf,
    key: String,
    bound: BTreeSet<String>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Every source file outside this test, with its text.
fn sources() -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .filter(|path| !path.ends_with("knowledge/fix/tests.rs"))
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, text)
        })
        .collect()
}

/// The index just past the `)` that closes the `(` at `open`, skipping string literals.
fn after_close(text: &str, open: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, open);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
}

/// The text after `prefix`, then optional whitespace and an opening quote, if `text` starts so.
fn after_quote<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.strip_prefix(prefix)?.trim_start().strip_prefix('"')
}

/// `Fix::new("key")` followed by its chain of `.with("name", value)` calls.
fn sites() -> Vec<Site> {
    const NEW: &str = "Fix::new(";
    let mut sites = Vec::new();
    for (file, text) in sources() {
        let mut from = 0;
        while let Some(found) = text[from..].find(NEW) {
            let open = from + found + NEW.len() - 1;
            from = open + 1;
            let Some(key) = after_quote(&text[open..], "(") else {
                continue;
            };
            let key = key[..key.find('"').unwrap_or(0)].to_string();
            let mut rest = after_close(&text, open);
            let mut bound = BTreeSet::new();
            loop {
                let chain = text[rest..].trim_start();
                let Some(name) = after_quote(chain, ".with(") else {
                    break;
                };
                bound.insert(name[..name.find('"').unwrap_or(0)].to_string());
                rest = after_close(&text, text.len() - chain.len() + ".with".len());
            }
            sites.push(Site {
                file: file.clone(),
                key,
                bound,
            });
            from = rest;
        }
    }
    sites
}

#[test]
fn every_fix_in_the_code_exists_and_binds_exactly_its_parameters() {
    let sites = sites();
    assert!(sites.len() >= 150, "only {} fix sites found", sites.len());
    for site in &sites {
        let entry = all().get(&site.key).unwrap_or_else(|| {
            panic!(
                "{}: fix {} is not in the knowledge base",
                site.file.display(),
                site.key
            )
        });
        let wanted: BTreeSet<String> = placeholders(&entry.text)
            .into_iter()
            .map(str::to_string)
            .collect();
        assert_eq!(
            site.bound,
            wanted,
            "{}: fix {} binds other parameters than its text {:?} uses",
            site.file.display(),
            site.key,
            entry.text
        );
    }
}

#[test]
fn every_fix_in_the_knowledge_base_is_used() {
    let used: BTreeSet<String> = sites().into_iter().map(|site| site.key).collect();
    let unused: Vec<&String> = all().keys().filter(|key| !used.contains(*key)).collect();
    assert!(unused.is_empty(), "fixes no finding uses: {unused:?}");
}

#[test]
fn every_fix_text_is_one_line_without_padding() {
    for (key, entry) in all() {
        let text = &entry.text;
        assert!(
            !text.is_empty() && text.trim() == text && !text.contains('\n'),
            "{key}: {text:?}"
        );
    }
}

#[test]
fn no_fix_prose_outside_the_knowledge_base() {
    let knowledge = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/knowledge");
    for (file, text) in sources() {
        if file.starts_with(&knowledge) {
            continue;
        }
        for needle in [".fix(\"", ".fix(format!", ".fix(&format!"] {
            let compact: String = text.split_whitespace().collect();
            assert!(
                !compact.contains(needle),
                "{}: a fix written as prose ({needle}); give it a key in src/knowledge/kb/",
                file.display()
            );
        }
    }
}
