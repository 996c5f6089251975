//! Dedupe: each (code, key) is reported once per session, and each code at most a configured
//! number of times, so memory and output stay bounded however long `serve` runs.

use crate::report::{Code, Finding};
use crate::serve::hashing::{HashMap, HashMapExt, HashSet, digest};
use std::hash::Hash;

/// The keys already reported, per code. Keys are stored as 64-bit hashes, so a key's size does
/// not matter; a collision merely hides one finding.
#[derive(Debug)]
pub(super) struct Seen {
    keys: HashMap<Code, HashSet<u64>>,
    max_per_code: usize,
}

impl Seen {
    pub(super) fn new(max_per_code: usize) -> Self {
        Seen {
            keys: HashMap::new(),
            max_per_code,
        }
    }

    /// True the first time `(code, key)` comes by while the code still has room.
    pub(super) fn first(&mut self, code: Code, key: impl Hash) -> bool {
        let hash = digest(&key);
        let keys = self.keys.entry(code).or_default();
        if keys.contains(&hash) || keys.len() >= self.max_per_code {
            return false;
        }
        keys.insert(hash)
    }
}

/// The findings of one call, filtered through [`Seen`].
pub(super) struct Findings<'s> {
    seen: &'s mut Seen,
    list: Vec<Finding>,
}

impl<'s> Findings<'s> {
    pub(super) fn new(seen: &'s mut Seen) -> Self {
        Findings {
            seen,
            list: Vec::new(),
        }
    }

    /// Adds the finding `build` makes, unless `(code, key)` was reported before; `build` runs
    /// only for new keys, so the evidence is formatted only when it is shown.
    pub(super) fn once(&mut self, code: Code, key: impl Hash, build: impl FnOnce() -> Finding) {
        if self.seen.first(code, key) {
            let finding = build();
            debug_assert_eq!(
                finding.code, code,
                "a rule reported under another code's key"
            );
            self.list.push(finding);
        }
    }

    pub(super) fn into_list(self) -> Vec<Finding> {
        self.list
    }
}
