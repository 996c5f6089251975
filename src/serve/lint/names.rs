//! LINT_HIGH_CARDINALITY_SPAN_NAME: span names that embed ids. A name is normalised (UUIDs become
//! `{uuid}`, hex runs of 8 or more with a digit `{hex}`, digit runs `{n}`, a query string
//! `?{query}`); once enough distinct names share one pattern, the pattern is reported once with a
//! few examples. Names without a variable part are never tracked, and patterns are bounded.

use super::LINT_CHECK;
use super::seen::Findings;
use super::walk::{clip, spans};
use crate::knowledge::fix::Fix;
use crate::report::{Code, Finding, Severity};
use crate::serve::hashing::{HashMap, HashMapExt, digest};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use std::collections::VecDeque;

/// Patterns remembered at once; the oldest is forgotten first. A forgotten pattern that keeps
/// occurring simply collects its distinct names again.
const MAX_PATTERNS: usize = 10_000;
/// Names whose pattern is remembered; past this the memo starts over (names with ids in them
/// would otherwise grow it without bound).
const MAX_REMEMBERED_NAMES: usize = 10_000;
/// Examples shown per pattern.
const MAX_EXAMPLES: usize = 3;
/// Hex runs at least this long are ids (a 32-bit id in hex; shorter runs are often words).
const MIN_HEX_RUN: usize = 8;
/// `8-4-4-4-12` hex digits with dashes.
const UUID_LEN: usize = 36;

/// Distinct names seen so far for one (service, pattern).
#[derive(Debug, Default)]
struct Pattern {
    /// Hashes of distinct names, up to the threshold; emptied once reported.
    names: Vec<u64>,
    examples: Vec<String>,
    reported: bool,
}

/// The span-name patterns of a session.
#[derive(Debug)]
pub(super) struct SpanNames {
    min_names: usize,
    patterns: HashMap<u64, Pattern>,
    order: VecDeque<u64>,
    /// Span name → its pattern (`None`: no variable part).
    normalised: HashMap<String, Option<String>>,
}

impl SpanNames {
    pub(super) fn new(min_names: usize) -> Self {
        SpanNames {
            min_names: min_names.max(1),
            patterns: HashMap::new(),
            order: VecDeque::new(),
            normalised: HashMap::new(),
        }
    }

    /// [`normalise`], remembered per name: most spans repeat a few names, and rewriting each
    /// one was a visible share of `serve`'s CPU under load.
    fn pattern_of(&mut self, name: &str) -> Option<String> {
        if let Some(pattern) = self.normalised.get(name) {
            return pattern.clone();
        }
        let pattern = normalise(name);
        if self.normalised.len() >= MAX_REMEMBERED_NAMES {
            self.normalised.clear();
        }
        self.normalised.insert(name.to_string(), pattern.clone());
        pattern
    }

    pub(super) fn check(&mut self, request: &ExportTraceServiceRequest, out: &mut Findings<'_>) {
        for (service, span) in spans(request) {
            let Some(pattern) = self.pattern_of(&span.name) else {
                continue;
            };
            let key = digest(&(service.key(), &pattern));
            let entry = match self.patterns.get_mut(&key) {
                Some(entry) => entry,
                None => {
                    if self.patterns.len() >= MAX_PATTERNS
                        && let Some(oldest) = self.order.pop_front()
                    {
                        self.patterns.remove(&oldest);
                    }
                    self.order.push_back(key);
                    self.patterns.entry(key).or_default()
                }
            };
            if entry.reported {
                continue;
            }
            let name = digest(&span.name);
            if !entry.names.contains(&name) {
                entry.names.push(name);
                if entry.examples.len() < MAX_EXAMPLES {
                    entry.examples.push(clip(&span.name));
                }
            }
            if entry.names.len() < self.min_names {
                continue;
            }
            entry.reported = true;
            let examples = std::mem::take(&mut entry.examples);
            entry.names = Vec::new();
            out.once(Code::LintHighCardinalitySpanName, (service.key(), &pattern), || {
                let shown: Vec<String> = examples.iter().map(|e| format!("`{e}`")).collect();
                Finding::new(
                    Code::LintHighCardinalitySpanName,
                    Severity::Warning,
                    LINT_CHECK,
                    "span names contain ids or other unique values",
                )
                .evidence(format!(
                    "{service} names spans `{}`: {} distinct names so far, e.g. {}",
                    clip(&pattern),
                    self.min_names,
                    shown.join(", ")
                ))
                .evidence("every distinct name becomes its own operation in backends: grouping, span metrics and search break")
                .fix(Fix::new("lint.name_by_template").with("example", clip(&template(examples.first().map_or(pattern.as_str(), String::as_str)))))
                .fix(Fix::new("lint.variable_part_in_attribute"))
            });
        }
    }
}

/// The pattern of a span name, or `None` when the name has no variable part.
pub(super) fn normalise(name: &str) -> Option<String> {
    let (pattern, changed) = rewrite(name, Style::Pattern);
    changed.then_some(pattern)
}

/// The name a span like `example` should have had: whole-word ids become `{id}` and the query
/// string goes (mixed words such as `v1` stay, they are usually part of the route).
fn template(example: &str) -> String {
    rewrite(example, Style::Template).0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `{uuid}`, `{hex}`, `{n}` (also inside words) and `?{query}`.
    Pattern,
    /// `{id}` for whole words only, query string dropped.
    Template,
}

/// Rewrites the variable parts of a name; true if there were any.
fn rewrite(name: &str, style: Style) -> (String, bool) {
    let (path, query) = match name.split_once('?') {
        Some((path, query)) if query.contains('=') => (path, true),
        _ => (name, false),
    };
    let (uuid, hex) = match style {
        Style::Pattern => ("{uuid}", "{hex}"),
        Style::Template => ("{id}", "{id}"),
    };
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut changed = query;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            let c = path[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        if is_uuid_at(bytes, i) {
            out.push_str(uuid);
            changed = true;
            i += UUID_LEN;
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(bytes.len(), |n| i + n);
        let word = &path[i..end];
        if word.len() >= MIN_HEX_RUN
            && word.bytes().all(|b| b.is_ascii_hexdigit())
            && word.bytes().any(|b| b.is_ascii_digit())
        {
            out.push_str(hex);
            changed = true;
        } else if style == Style::Template {
            if word.bytes().all(|b| b.is_ascii_digit()) {
                out.push_str("{id}");
                changed = true;
            } else {
                out.push_str(word);
            }
        } else {
            changed |= replace_numbers(word, &mut out);
        }
        i = end;
    }
    if query && style == Style::Pattern {
        out.push_str("?{query}");
    }
    (out, changed)
}

/// Copies `word`, replacing each run of digits by `{n}`; true if it replaced any.
fn replace_numbers(word: &str, out: &mut String) -> bool {
    let mut replaced = false;
    let mut in_number = false;
    for c in word.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push_str("{n}");
                replaced = true;
            }
            in_number = true;
        } else {
            out.push(c);
            in_number = false;
        }
    }
    replaced
}

fn is_uuid_at(bytes: &[u8], start: usize) -> bool {
    let Some(candidate) = bytes.get(start..start + UUID_LEN) else {
        return false;
    };
    let shape_ok = candidate.iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    });
    let ends_at_boundary = bytes
        .get(start + UUID_LEN)
        .is_none_or(|b| !b.is_ascii_alphanumeric());
    shape_ok && ends_at_boundary
}
