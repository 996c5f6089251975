//! A YAML document as a small tree that remembers the line of every node, built from
//! `saphyr-parser`'s event stream. Only what the config lint needs: mappings keep their key
//! order, scalars stay text (the Collector's own decoder decides types), aliases are expanded.

use saphyr_parser::{Event, Parser, ScanError, Span, SpannedEventReceiver};
use std::collections::HashMap;

/// Collections nested deeper than this are refused: a Collector config is a few levels deep
/// (`processors: transform: trace_statements: - context:` is five), and the tree, its drop and
/// the lint's walks recurse once per level (a fuzzed `- - - …` of 5,000 levels overflowed the
/// stack).
pub const MAX_DEPTH: usize = 64;

/// What aliases may add to a document, in nodes plus scalar bytes: an alias copies its anchor,
/// so anchors of aliases of anchors grow exponentially ("billion laughs"). Real configs alias a
/// few small blocks.
pub const MAX_ALIAS_EXPANSION: usize = 1024 * 1024;

/// One node of the tree with the 1-based line where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Plain or quoted text; `~`, `null` and an empty value are [`Value::Null`].
    Scalar(String),
    Null,
    Sequence(Vec<Node>),
    /// Entries in file order; a key is kept as text with the line of the key.
    Mapping(Vec<(Key, Node)>),
}

/// A mapping key: its text and the line it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub text: String,
    pub line: usize,
}

/// Why a document could not be read as YAML.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid YAML at line {line} column {column}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl From<ScanError> for YamlError {
    fn from(error: ScanError) -> Self {
        YamlError {
            line: error.marker().line(),
            column: error.marker().col() + 1,
            message: error.info().to_string(),
        }
    }
}

impl Node {
    /// The entry `key` of a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k.text == key)
            .map(|(_, v)| v)
    }

    /// The entries of a mapping node; empty for anything else.
    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Mapping(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence node; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Sequence(items) => items,
            _ => &[],
        }
    }

    /// The text of a scalar node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text) => Some(text),
            _ => None,
        }
    }

    /// A boolean scalar as the Collector reads it (`true`/`false`, any case).
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()?.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
}

/// Parses the first document of `text`. An empty document is a null node on line 1.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut builder = Builder::default();
    // The events are pulled one by one: `Parser::load` recurses once per nesting level.
    for event in Parser::new_from_str(text) {
        let (event, span) = event?;
        let end = matches!(event, Event::DocumentEnd | Event::StreamEnd);
        builder.on_event(event, span);
        if end || builder.stopped {
            break;
        }
    }
    if let Some(error) = builder.error {
        return Err(error);
    }
    Ok(builder.root.unwrap_or(Node {
        line: 1,
        value: Value::Null,
    }))
}

/// A collection being filled, with the key waiting for its value in a mapping.
enum Open {
    Sequence {
        line: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        line: usize,
        anchor: usize,
        entries: Vec<(Key, Node)>,
        key: Option<Key>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    error: Option<YamlError>,
    /// What aliases have added so far (see [`MAX_ALIAS_EXPANSION`]).
    expanded: usize,
    /// A limit was passed: the document is refused and the remaining events are ignored.
    stopped: bool,
}

/// A node's nodes plus its scalar bytes, the unit of [`MAX_ALIAS_EXPANSION`].
fn expansion(node: &Node) -> usize {
    1 + match &node.value {
        Value::Scalar(text) => text.len(),
        Value::Null => 0,
        Value::Sequence(items) => items.iter().map(expansion).sum(),
        Value::Mapping(entries) => entries
            .iter()
            .map(|(key, value)| key.text.len() + expansion(value))
            .sum(),
    }
}

impl Builder {
    /// Refuses the document with `message` at `span`, and ignores what follows.
    fn stop(&mut self, span: Span, message: String) {
        self.error = Some(YamlError {
            line: span.start.line(),
            column: span.start.col() + 1,
            message,
        });
        self.stopped = true;
        self.stack.clear();
        self.anchors.clear();
    }

    fn open(&mut self, collection: Open, span: Span) {
        if self.stack.len() >= MAX_DEPTH {
            return self.stop(
                span,
                format!("collections nested deeper than {MAX_DEPTH} levels"),
            );
        }
        self.stack.push(collection);
    }

    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Open::Sequence { items, .. }) => items.push(node),
            Some(Open::Mapping { entries, key, .. }) => match key.take() {
                Some(key) => entries.push((key, node)),
                None => {
                    // A key: the Collector's config keys are always scalars; a complex key is
                    // kept as its flattened text so the value still has a place.
                    let text = match &node.value {
                        Value::Scalar(text) => text.clone(),
                        Value::Null => String::new(),
                        _ => "<complex key>".to_string(),
                    };
                    *key = Some(Key {
                        text,
                        line: node.line,
                    });
                }
            },
        }
    }
}

impl<'input> SpannedEventReceiver<'input> for Builder {
    fn on_event(&mut self, event: Event<'input>, span: Span) {
        if self.stopped {
            return;
        }
        let line = span.start.line();
        match event {
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = matches!(style, saphyr_parser::ScalarStyle::Plain);
                let value = if plain && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL")
                {
                    Value::Null
                } else {
                    Value::Scalar(text.into_owned())
                };
                self.finish(Node { line, value }, anchor);
            }
            Event::Alias(anchor) => match self.anchors.get(&anchor) {
                Some(node) => {
                    self.expanded = self.expanded.saturating_add(expansion(node));
                    if self.expanded > MAX_ALIAS_EXPANSION {
                        return self.stop(
                            span,
                            format!(
                                "aliases expand the document by more than {MAX_ALIAS_EXPANSION} nodes and bytes"
                            ),
                        );
                    }
                    let mut node = node.clone();
                    node.line = line;
                    self.finish(node, 0);
                }
                None => {
                    self.error.get_or_insert(YamlError {
                        line,
                        column: span.start.col() + 1,
                        message: "alias to an unknown anchor".into(),
                    });
                    self.finish(
                        Node {
                            line,
                            value: Value::Null,
                        },
                        0,
                    );
                }
            },
            Event::SequenceStart(anchor, _) => self.open(
                Open::Sequence {
                    line,
                    anchor,
                    items: Vec::new(),
                },
                span,
            ),
            Event::MappingStart(anchor, _) => self.open(
                Open::Mapping {
                    line,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                },
                span,
            ),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Open::Sequence {
                    line,
                    anchor,
                    items,
                }) => self.finish(
                    Node {
                        line,
                        value: Value::Sequence(items),
                    },
                    anchor,
                ),
                Some(Open::Mapping {
                    line,
                    anchor,
                    entries,
                    ..
                }) => self.finish(
                    Node {
                        line,
                        value: Value::Mapping(entries),
                    },
                    anchor,
                ),
                None => {}
            },
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_of_keys_and_values() {
        let doc = parse("a:\n  b: 1\n  c:\n    - x\n    - y\nd: ~\n").unwrap();
        let a = doc.get("a").unwrap();
        assert_eq!(a.line, 2);
        assert_eq!(a.get("b").unwrap().as_str(), Some("1"));
        assert_eq!(a.get("b").unwrap().line, 2);
        let c = a.get("c").unwrap();
        assert_eq!(c.items()[1].as_str(), Some("y"));
        assert_eq!(c.items()[1].line, 5);
        assert!(doc.get("d").unwrap().is_null());
        assert_eq!(doc.entries()[1].0.line, 6);
    }

    #[test]
    fn flow_collections_and_empty_values() {
        let doc = parse("receivers: [otlp, jaeger]\nbatch:\nq: \"\"\n").unwrap();
        let list: Vec<_> = doc
            .get("receivers")
            .unwrap()
            .items()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(list, ["otlp", "jaeger"]);
        assert!(doc.get("batch").unwrap().is_null());
        assert_eq!(doc.get("q").unwrap().as_str(), Some(""));
    }

    #[test]
    fn expands_aliases() {
        let doc = parse("base: &b\n  x: 1\nother: *b\n").unwrap();
        assert_eq!(
            doc.get("other").unwrap().get("x").unwrap().as_str(),
            Some("1")
        );
    }

    #[test]
    fn reports_the_line_of_a_syntax_error() {
        let error = parse("a:\n  b: 1\n c: [\n").unwrap_err();
        assert!(error.line >= 3, "{error}");
        let error = parse("a: b: c\n").unwrap_err();
        assert_eq!(error.line, 1, "{error}");
    }

    #[test]
    fn refuses_deep_nesting_and_alias_bombs() {
        let error = parse(&"- ".repeat(5_000)).unwrap_err();
        assert!(error.message.contains("nested deeper than 64"), "{error}");
        assert!(parse(&"- ".repeat(MAX_DEPTH)).is_ok());
        let mut bomb = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let previous = level - 1;
            bomb += &format!(
                "l{level}: &l{level} [{}]\n",
                vec![format!("*l{previous}"); 10].join(", ")
            );
        }
        let error = parse(&bomb).unwrap_err();
        assert!(error.message.contains("aliases expand"), "{error}");
        assert!(error.line > 1, "{error}");
    }

    #[test]
    fn empty_document_is_null() {
        assert!(parse("").unwrap().is_null());
        assert!(parse("# only a comment\n").unwrap().is_null());
    }
}
