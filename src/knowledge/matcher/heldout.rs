//! The matcher measured on data it was not built from: `tests/data/explain_heldout.toml` holds
//! real messages (with where each is printed and the code it means) that are not in the knowledge
//! base, and ordinary log lines that must match nothing. Top-1 must be at least 95%, and the
//! confidence floor [`MIN_SCORE`] must sit between the two: above every ordinary line, below the
//! held-out answers. Run with `--nocapture` to see the score, the misses and the margins.

use super::*;
use crate::knowledge::entries;
use serde::Deserialize;

const DATA: &str = include_str!("../../../tests/data/explain_heldout.toml");
const REQUIRED_TOP1: f64 = 0.95;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeldOut {
    message: Vec<Case>,
    unrelated: Vec<Unrelated>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    text: String,
    source: String,
    code: String,
    /// Other codes that honestly fit the line as well (as a kb message's `also`).
    #[serde(default)]
    also: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Unrelated {
    text: String,
    #[serde(default)]
    #[allow(dead_code)] // documentation of where the line comes from
    source: Option<String>,
}

fn data() -> HeldOut {
    toml::from_str(DATA).expect("tests/data/explain_heldout.toml parses")
}

/// The best candidate with no floor at all: its code and score.
fn unfloored_top(query: &str) -> Option<(&'static str, f64)> {
    Matcher::global()
        .search_above(query, 1, 0.0)
        .first()
        .map(|m| (m.entry.code.as_str(), m.score))
}

#[test]
fn the_held_out_set_is_real_and_not_in_the_knowledge_base() {
    let data = data();
    assert!(data.message.len() >= 60, "{} messages", data.message.len());
    let kb_texts: HashSet<String> = entries()
        .iter()
        .flat_map(|e| e.messages.iter().map(|m| m.text.to_lowercase()))
        .collect();
    for case in &data.message {
        assert!(
            case.source.starts_with("https://github.com/"),
            "{}: source {}",
            case.text,
            case.source
        );
        assert!(
            crate::knowledge::code::Code::parse(&case.code).is_some(),
            "{}: unknown code {}",
            case.text,
            case.code
        );
        assert!(
            !kb_texts.contains(&case.text.to_lowercase()),
            "held-out message is in the kb: {}",
            case.text
        );
    }
}

#[test]
fn held_out_messages_score_top1_of_at_least_95_percent() {
    let data = data();
    let mut hits = 0;
    let mut misses = Vec::new();
    let mut hit_scores: Vec<(f64, &str)> = Vec::new();
    for case in &data.message {
        match unfloored_top(&case.text) {
            Some((code, score))
                if (code == case.code || case.also.iter().any(|a| a == code))
                    && score >= MIN_SCORE =>
            {
                hits += 1;
                hit_scores.push((score, &case.text));
            }
            found => misses.push(format!(
                "  expected {} got {:?}: {}",
                case.code, found, case.text
            )),
        }
    }
    let top1 = hits as f64 / data.message.len() as f64;
    hit_scores.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!(
        "held-out top-1: {hits}/{} = {:.1}% (floor {MIN_SCORE})",
        data.message.len(),
        top1 * 100.0
    );
    for (score, text) in hit_scores.iter().take(5) {
        println!("  lowest correct: {score:.2} {text}");
    }
    for miss in &misses {
        println!("{miss}");
    }
    assert!(
        top1 >= REQUIRED_TOP1,
        "top-1 {:.1}% < {:.0}%; misses:\n{}",
        top1 * 100.0,
        REQUIRED_TOP1 * 100.0,
        misses.join("\n")
    );
}

#[test]
fn the_floor_sits_above_every_ordinary_log_line() {
    let data = data();
    let mut highest: Option<(f64, &str, &str)> = None;
    for line in &data.unrelated {
        if let Some((code, score)) = unfloored_top(&line.text)
            && highest.is_none_or(|(best, _, _)| score > best)
        {
            highest = Some((score, code, &line.text));
        }
    }
    println!(
        "ordinary lines: {} checked, highest unfloored score {:?}, floor {MIN_SCORE}",
        data.unrelated.len(),
        highest
    );
    for line in &data.unrelated {
        let found = Matcher::global().search(&line.text, 3);
        assert!(
            found.is_empty(),
            "an ordinary line matched {:?}: {}",
            found
                .iter()
                .map(|m| (m.entry.code.as_str(), m.score))
                .collect::<Vec<_>>(),
            line.text
        );
    }
}
