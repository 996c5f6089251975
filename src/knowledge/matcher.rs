//! Finds the knowledge base entries that best explain a pasted error text: one message, a whole
//! log line with its timestamp and JSON wrapper, or a piped log of many lines.
//!
//! Two channels score each entry, both weighting tokens by rarity (inverse document frequency
//! over every kb message, title and cause, so `error` counts little and `econnrefused` a lot):
//!
//! - **messages**: each real message is aligned with each line of the query (and each pair of
//!   adjacent lines) by a weighted longest common token subsequence. The score is how much of the
//!   message's weight appears in order (or, for a short query, how much of the query's weight the
//!   message explains), three quarters from the subsequence and one quarter from the longest
//!   contiguous run (exact containment), damped when the matched weight is too small to be
//!   distinctive. The best message of an entry is its message score.
//! - **description**: how much of the query's weight appears in the entry's title (fully) or
//!   cause (partly), so plain words such as "connection refused" or "certificate expired" work.
//!
//! The stronger channel gives the score and the weaker one adds a bonus; entries below
//! [`MIN_SCORE`] are dropped, so unrelated text yields nothing. Scores are in `0..=1`.

use super::normalize::{self, is_placeholder};
use super::{Entry, Message};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

/// Below this score a candidate is not an answer, and `explain` says "no match". Chosen from the
/// data in `tests/data/explain_heldout.toml` (see `matcher/heldout.rs`, which checks it): without a
/// floor the ordinary log lines there score at most 0.355 and the correctly ranked held-out
/// messages at least 0.364 (but one at 0.27); the floor sits between the two. The margin is thin:
/// short real messages and chance resemblances of ordinary lines meet there.
/// A real message pasted inside a log line scores above 0.8.
pub const MIN_SCORE: f64 = 0.36;
/// Placeholders (`<ip>`, `<url>`...) help align a message but say little about which one it is.
const PLACEHOLDER_WEIGHT: f64 = 0.3;
/// How much matched weight makes a message match convincing: at this much, a full match of a
/// short message scores about 0.8 of a long one.
const STRENGTH_SCALE: f64 = 6.0;
/// Share of the message score that rewards the words being contiguous rather than scattered.
const CONTIGUITY_SHARE: f64 = 0.25;
/// The description channel tops out below a real message match.
const DESCRIPTION_WEIGHT: f64 = 0.7;
/// A query word found in the cause counts this much of one found in the title: causes are long
/// prose, so common words land there by chance.
const CAUSE_FACTOR: f64 = 0.5;
/// A short query that a message contains whole is good evidence, if a little less than a message
/// the query contains whole.
const PRECISION_FACTOR: f64 = 0.85;
/// Matched weight a match by query coverage needs, so that a word or two of common vocabulary
/// ("failed to export") is not an answer.
const MIN_PRECISION_EVIDENCE: f64 = 3.0;
/// Matches by query coverage and by description also need one word at least this rare (found in
/// about one in twelve messages, titles and causes, or fewer), for the same reason.
const RARE_WEIGHT: f64 = 2.5;
/// Matched weight a description match needs, so that a single common word is not an answer.
const MIN_DESCRIPTION_EVIDENCE: f64 = 3.0;
/// An entry a matched message names in its `also` list ranks at this share of that message's
/// score: just under the entry the message belongs to, above everything else.
const ALSO_FACTOR: f64 = 0.95;
/// A message that names an outcome (an HTTP status, a gRPC status, how a connection failed)
/// explains a line that names another one of that kind, and not the message's, this much less: the rest of the wording is the
/// envelope an SDK prints around every outcome, so a 404 message must not explain a 401 line.
const CONFLICT_FACTOR: f64 = 0.5;
/// A message marked `summary` (an SDK's last word after its retries, printed whatever the
/// cause) explains a line this much less: a lead among its `also` codes, never a confident
/// answer, and below any line of the same log that names the cause.
pub const SUMMARY_FACTOR: f64 = 0.6;
/// The words that name an outcome, before normalization, by kind: gRPC statuses, the ways a
/// connection fails, the ways a TLS handshake fails. HTTP statuses 400 to 599 are a kind too.
/// Outcomes conflict only within a kind: "Unavailable" wraps "connection refused", it does not
/// contradict it.
const OUTCOME_KINDS: &[&str] = &[
    "unauthenticated unimplemented unavailable permission exhausted deadline",
    "timeout timed refused reset unreachable broken aborted",
    "handshakefailure required expired valid authority",
];
/// The kind of the HTTP statuses.
const HTTP_STATUS_KIND: usize = OUTCOME_KINDS.len();
/// Distinct words (not placeholders) a line must share with a message to match it.
const MIN_MESSAGE_WORDS: usize = 2;
/// A window of fewer distinct words than this is a short query typed on purpose.
const SHORT_QUERY_WORDS: usize = 3;
/// Distinct query words a description match needs.
const MIN_DESCRIPTION_WORDS: usize = 2;
/// Share of the weaker channel's score added to the stronger one.
const SECOND_CHANNEL_BONUS: f64 = 0.25;
/// A piped log is read up to this many lines; errors repeat, and each line costs a scan.
pub const MAX_LINES: usize = 20_000;
/// Longer lines (minified JSON, base64 blobs) are cut: no message is anywhere near this long.
const MAX_LINE_TOKENS: usize = 400;
/// Token id of a query word that occurs nowhere in the knowledge base.
const UNKNOWN: u32 = u32::MAX;

/// One entry that explains the query, with its score and the message that matched best.
#[derive(Debug, Clone)]
pub struct Match<'a> {
    pub entry: &'a Entry,
    /// Confidence in `0..=1`.
    pub score: f64,
    /// The real message that matched, when the match came from one.
    pub message: Option<&'a Message>,
    /// Matched token weight, the tie-breaker between equal scores.
    evidence: f64,
}

/// The knowledge base indexed for matching; build once, query many times.
pub struct Matcher<'a> {
    entries: &'a [Entry],
    vocabulary: HashMap<String, u32>,
    weights: Vec<f64>,
    unknown_weight: f64,
    /// Token ids of placeholders such as `<ip>`.
    placeholders: HashSet<u32>,
    patterns: Vec<Pattern>,
    /// For each token id, the patterns holding it: (pattern, summed weight there).
    postings: Vec<Vec<(usize, f64)>>,
    descriptions: Vec<Description>,
    /// Token ids that name an outcome, with their kind ([`OUTCOME_KINDS`], HTTP error statuses).
    outcomes: HashMap<u32, usize>,
}

/// One kb message as weighted tokens.
struct Pattern {
    entry: usize,
    message: usize,
    tokens: Vec<u32>,
    weights: Vec<f64>,
    total: f64,
    /// The outcomes the message names.
    outcomes: Vec<u32>,
    /// The message is a summary of many causes.
    summary: bool,
}

/// The words of an entry's title and cause.
struct Description {
    title: HashSet<u32>,
    cause: HashSet<u32>,
}

/// Best message match of one entry so far.
#[derive(Clone, Copy)]
struct Best {
    score: f64,
    evidence: f64,
    message: usize,
}

impl Matcher<'static> {
    /// The matcher over the compiled-in knowledge base.
    pub fn global() -> &'static Matcher<'static> {
        static MATCHER: OnceLock<Matcher<'static>> = OnceLock::new();
        MATCHER.get_or_init(|| Matcher::new(super::entries()))
    }
}

impl<'a> Matcher<'a> {
    /// Indexes entries: tokenizes every message, title and cause and weighs each token by how
    /// rare it is among them.
    pub fn new(entries: &'a [Entry]) -> Self {
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let mut document_frequency: Vec<usize> = Vec::new();
        let mut intern = |token: String, seen: &mut HashSet<u32>| -> u32 {
            let next = vocabulary.len() as u32;
            let id = *vocabulary.entry(token).or_insert(next);
            if id as usize == document_frequency.len() {
                document_frequency.push(0);
            }
            if seen.insert(id) {
                document_frequency[id as usize] += 1;
            }
            id
        };

        let mut documents = 0usize;
        let mut raw_patterns = Vec::new();
        let mut descriptions = Vec::new();
        for (entry_index, entry) in entries.iter().enumerate() {
            for (message_index, message) in entry.messages.iter().enumerate() {
                let mut seen = HashSet::new();
                let tokens: Vec<(u32, bool)> = normalize::tokens(&message.text)
                    .into_iter()
                    .map(|t| {
                        let placeholder = is_placeholder(&t);
                        (intern(t, &mut seen), placeholder)
                    })
                    .collect();
                documents += 1;
                raw_patterns.push((entry_index, message_index, tokens));
            }
            let mut seen = HashSet::new();
            let title: HashSet<u32> = words(&entry.title).map(|t| intern(t, &mut seen)).collect();
            let cause: HashSet<u32> = words(&entry.cause).map(|t| intern(t, &mut seen)).collect();
            documents += 1;
            descriptions.push(Description { title, cause });
        }

        let idf = |df: usize| (1.0 + documents as f64 / (df as f64 + 0.5)).ln();
        let weights: Vec<f64> = document_frequency.iter().map(|df| idf(*df)).collect();
        let patterns: Vec<Pattern> = raw_patterns
            .into_iter()
            .map(|(entry, message, tokens)| {
                let weights: Vec<f64> = tokens
                    .iter()
                    .map(|(id, placeholder)| {
                        if *placeholder {
                            PLACEHOLDER_WEIGHT
                        } else {
                            weights[*id as usize]
                        }
                    })
                    .collect();
                Pattern {
                    entry,
                    message,
                    tokens: tokens.into_iter().map(|(id, _)| id).collect(),
                    total: weights.iter().sum(),
                    weights,
                    outcomes: Vec::new(),
                    summary: entries[entry].messages[message].summary,
                }
            })
            .collect();
        let mut postings: Vec<Vec<(usize, f64)>> = vec![Vec::new(); weights.len()];
        for (index, pattern) in patterns.iter().enumerate() {
            let mut sums: HashMap<u32, f64> = HashMap::new();
            for (token, weight) in pattern.tokens.iter().zip(&pattern.weights) {
                *sums.entry(*token).or_default() += weight;
            }
            for (token, sum) in sums {
                postings[token as usize].push((index, sum));
            }
        }
        let placeholders = vocabulary
            .iter()
            .filter(|(token, _)| is_placeholder(token))
            .map(|(_, id)| *id)
            .collect();
        let outcome_words: HashMap<String, usize> = OUTCOME_KINDS
            .iter()
            .enumerate()
            .flat_map(|(kind, words)| normalize::tokens(words).into_iter().map(move |w| (w, kind)))
            .collect();
        let outcomes: HashMap<u32, usize> = vocabulary
            .iter()
            .filter_map(|(token, id)| {
                let kind = outcome_words.get(token).copied().or_else(|| {
                    token
                        .parse::<u16>()
                        .is_ok_and(|code| (400..=599).contains(&code))
                        .then_some(HTTP_STATUS_KIND)
                })?;
                Some((*id, kind))
            })
            .collect();
        let mut patterns = patterns;
        for pattern in &mut patterns {
            pattern.outcomes = pattern
                .tokens
                .iter()
                .copied()
                .filter(|t| outcomes.contains_key(t))
                .collect();
        }
        Matcher {
            entries,
            vocabulary,
            weights,
            unknown_weight: idf(0),
            placeholders,
            patterns,
            postings,
            descriptions,
            outcomes,
        }
    }

    /// The entries that best explain `query`, best first, at most `limit`, one per code; none
    /// below the confidence floor [`MIN_SCORE`], so unrelated text gets "no match".
    pub fn search(&self, query: &str, limit: usize) -> Vec<Match<'a>> {
        self.search_above(query, limit, MIN_SCORE)
    }

    /// [`Self::search`] with another floor: the tests read the scores under the floor to choose it.
    pub(crate) fn search_above(&self, query: &str, limit: usize, floor: f64) -> Vec<Match<'a>> {
        let mut best: Vec<Option<Best>> = vec![None; self.entries.len()];
        for window in self.windows(query) {
            self.match_messages(&window, &mut best);
        }
        let query_words = self.query_words(query);
        let shared = self.shared_messages(&best);

        let mut matches: Vec<Match<'a>> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(index, entry)| {
                let (description, covered) = self.describe(index, &query_words);
                let own = best[index].unwrap_or(Best {
                    score: 0.0,
                    evidence: 0.0,
                    message: 0,
                });
                let (message, text) = match shared.get(entry.code.as_str()) {
                    Some((borrowed, text)) if borrowed.score > own.score => {
                        (*borrowed, Some(*text))
                    }
                    _ => (own, entry.messages.get(own.message)),
                };
                let strong = message.score.max(description);
                let weak = message.score.min(description);
                let score = (strong + SECOND_CHANNEL_BONUS * weak).min(1.0);
                (score > 0.0 && score >= floor).then(|| Match {
                    entry,
                    score,
                    message: (message.score >= MIN_SCORE).then_some(text).flatten(),
                    evidence: message.evidence.max(covered),
                })
            })
            .collect();
        matches.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.evidence.total_cmp(&a.evidence))
        });
        matches.truncate(limit);
        matches
    }

    /// For each code that a matched message names in `also` (wording that honestly fits more
    /// than one cause), the score it shares and that message.
    fn shared_messages(&self, best: &[Option<Best>]) -> HashMap<&'a str, (Best, &'a Message)> {
        let mut shared: HashMap<&'a str, (Best, &'a Message)> = HashMap::new();
        for (entry, found) in self.entries.iter().zip(best) {
            let Some(found) = found.filter(|b| b.score >= MIN_SCORE) else {
                continue;
            };
            let Some(message) = entry.messages.get(found.message) else {
                continue;
            };
            let borrowed = Best {
                score: found.score * ALSO_FACTOR,
                ..found
            };
            for code in &message.also {
                let slot = shared.entry(code.as_str()).or_insert((borrowed, message));
                if borrowed.score > slot.0.score {
                    *slot = (borrowed, message);
                }
            }
        }
        shared
    }

    /// The token ids of each line, and of each pair of adjacent lines (a message may wrap),
    /// without repeats: a log says the same thing many times.
    fn windows(&self, query: &str) -> Vec<Vec<u32>> {
        let lines: Vec<Vec<u32>> = query
            .lines()
            .take(MAX_LINES)
            .map(|line| {
                normalize::tokens(line)
                    .into_iter()
                    .take(MAX_LINE_TOKENS)
                    .map(|t| self.vocabulary.get(&t).copied().unwrap_or(UNKNOWN))
                    .collect::<Vec<u32>>()
            })
            .filter(|tokens| !tokens.is_empty())
            .collect();
        let mut seen = HashSet::new();
        let mut windows = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            if seen.insert(line.clone()) {
                windows.push(line.clone());
            }
            if let Some(next) = lines.get(index + 1) {
                let pair: Vec<u32> = line.iter().chain(next).copied().collect();
                if seen.insert(pair.clone()) {
                    windows.push(pair);
                }
            }
        }
        windows
    }

    fn match_messages(&self, window: &[u32], best: &mut [Option<Best>]) {
        let mut distinct: Vec<u32> = window.iter().copied().filter(|t| *t != UNKNOWN).collect();
        distinct.sort_unstable();
        distinct.dedup();
        // A line of several words must share two of them with a message; a query of a word or
        // two ("x509") is asked on purpose and may match by one.
        let line_words = window
            .iter()
            .filter(|t| !self.placeholders.contains(t))
            .collect::<HashSet<_>>()
            .len();
        let min_shared = if line_words >= SHORT_QUERY_WORDS {
            MIN_MESSAGE_WORDS
        } else {
            1
        };
        let window_total: f64 = window.iter().map(|t| self.weight(*t)).sum();
        // Only patterns sharing a token with the window can match; gather how much of each
        // pattern's weight is present at all, and whether a rare word is among it.
        let mut reachable: BTreeMap<usize, (f64, bool, usize)> = BTreeMap::new();
        for token in distinct {
            let rare = self.weight(token) >= RARE_WEIGHT;
            let word = !self.placeholders.contains(&token);
            for (pattern, weight) in &self.postings[token as usize] {
                let slot = reachable.entry(*pattern).or_default();
                slot.0 += weight;
                slot.1 |= rare;
                slot.2 += usize::from(word);
            }
        }
        for (pattern_index, (reachable, rare, shared_words)) in reachable {
            let pattern = &self.patterns[pattern_index];
            // One shared word ("connect", "server") and an address is how any log line
            // resembles some message; it is not evidence of that message.
            if shared_words < min_shared {
                continue;
            }
            // The score never exceeds the share of the message's weight present at all.
            let coverable = (reachable / pattern.total)
                .max(PRECISION_FACTOR * reachable / window_total.max(f64::EPSILON));
            if pattern.total <= 0.0 || coverable < MIN_SCORE {
                continue;
            }
            let (subsequence, run) = align(&pattern.tokens, &pattern.weights, window);
            let mut score = message_score(
                subsequence,
                run,
                pattern.total,
                rare.then_some(window_total),
            );
            if self.conflicts(&pattern.outcomes, window) {
                score *= CONFLICT_FACTOR;
            }
            if pattern.summary {
                score *= SUMMARY_FACTOR;
            }
            let slot = &mut best[pattern.entry];
            let better = slot
                .is_none_or(|b| score > b.score || (score == b.score && subsequence > b.evidence));
            if better && score > 0.0 {
                *slot = Some(Best {
                    score,
                    evidence: subsequence,
                    message: self.patterns[pattern_index].message,
                });
            }
        }
    }

    /// Whether the message names an outcome that the window lacks while the window names
    /// another outcome of that kind: Go wraps a refused and a timed-out dial alike in "context
    /// deadline exceeded ... Unavailable", so only the outcome they differ in tells them apart.
    fn conflicts(&self, message_outcomes: &[u32], window: &[u32]) -> bool {
        let kind_of = |token: &u32| self.outcomes.get(token).copied();
        message_outcomes.iter().any(|outcome| {
            let kind = kind_of(outcome);
            !window.contains(outcome) && window.iter().any(|t| t != outcome && kind_of(t) == kind)
        })
    }

    /// The weight of a query token: its rarity, little for a placeholder, most for an unknown word.
    fn weight(&self, token: u32) -> f64 {
        if token == UNKNOWN {
            self.unknown_weight
        } else if self.placeholders.contains(&token) {
            PLACEHOLDER_WEIGHT
        } else {
            self.weights[token as usize]
        }
    }

    /// The distinct informative words of the whole query with their weights.
    fn query_words(&self, query: &str) -> Vec<(u32, f64)> {
        let mut seen = HashSet::new();
        words(query)
            .take(MAX_LINE_TOKENS)
            .filter_map(|t| {
                let id = self.vocabulary.get(&t).copied();
                let weight = id.map_or(self.unknown_weight, |id| self.weights[id as usize]);
                let key = id.unwrap_or(UNKNOWN);
                // Unknown words all count, known ones once each.
                (key == UNKNOWN || seen.insert(key)).then_some((key, weight))
            })
            .collect()
    }

    /// Description score of an entry, and the matched weight behind it.
    fn describe(&self, entry: usize, query: &[(u32, f64)]) -> (f64, f64) {
        let description = &self.descriptions[entry];
        let total: f64 = query.iter().map(|(_, w)| w).sum();
        if total <= 0.0 {
            return (0.0, 0.0);
        }
        let mut rare = false;
        let mut found_words = 0;
        let covered: f64 = query
            .iter()
            .map(|(token, weight)| {
                let found = if description.title.contains(token) {
                    *weight
                } else if description.cause.contains(token) {
                    weight * CAUSE_FACTOR
                } else {
                    return 0.0;
                };
                rare |= *weight >= RARE_WEIGHT;
                found_words += 1;
                found
            })
            .sum();
        // One word that happens to be in a title ("listening", "connected") is not a description
        // of the problem; the plain-words queries this channel is for have two or more.
        if covered < MIN_DESCRIPTION_EVIDENCE || !rare || found_words < MIN_DESCRIPTION_WORDS {
            return (0.0, covered);
        }
        // A one-word query is weaker evidence than a phrase.
        let phrase = 0.6 + 0.4 * (total / 8.0).min(1.0);
        (DESCRIPTION_WEIGHT * covered / total * phrase, covered)
    }
}

/// The informative words of a text: its tokens without placeholders.
fn words(text: &str) -> impl Iterator<Item = String> {
    normalize::tokens(text)
        .into_iter()
        .filter(|t| !is_placeholder(t))
}

/// Weighted longest common subsequence of a message and a window, and the weight of their
/// longest common contiguous run. Weights are the message's.
fn align(pattern: &[u32], weights: &[f64], window: &[u32]) -> (f64, f64) {
    let n = pattern.len();
    let mut previous = vec![0.0f64; n + 1];
    let mut current = vec![0.0f64; n + 1];
    let mut previous_run = vec![0.0f64; n + 1];
    let mut current_run = vec![0.0f64; n + 1];
    let mut longest_run = 0.0f64;
    for &token in window {
        for i in 1..=n {
            let skip = previous[i].max(current[i - 1]);
            if pattern[i - 1] == token {
                current[i] = skip.max(previous[i - 1] + weights[i - 1]);
                current_run[i] = previous_run[i - 1] + weights[i - 1];
                longest_run = longest_run.max(current_run[i]);
            } else {
                current[i] = skip;
                current_run[i] = 0.0;
            }
        }
        std::mem::swap(&mut previous, &mut current);
        std::mem::swap(&mut previous_run, &mut current_run);
    }
    (previous[n], longest_run)
}

/// The share of the message found in the query (or, with enough evidence, of the query found in
/// the message), counted mostly in order and partly as one contiguous run, and damped when
/// little weight matched at all (a two-word message is weak evidence even when complete).
fn message_score(subsequence: f64, run: f64, total: f64, window_total: Option<f64>) -> f64 {
    if subsequence <= 0.0 || total <= 0.0 {
        return 0.0;
    }
    let share = |of: f64| (1.0 - CONTIGUITY_SHARE) * subsequence / of + CONTIGUITY_SHARE * run / of;
    let recall = share(total);
    let precision = match window_total {
        Some(window_total) if subsequence >= MIN_PRECISION_EVIDENCE && window_total > 0.0 => {
            PRECISION_FACTOR * share(window_total).min(1.0)
        }
        _ => 0.0,
    };
    let strength = 1.0 - (-subsequence / STRENGTH_SCALE).exp();
    recall.max(precision) * (0.55 + 0.45 * strength)
}

#[cfg(test)]
mod heldout;
#[cfg(test)]
mod tests;
