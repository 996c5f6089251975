//! Hashing for the lint's state. The lint looks at every span `serve` receives, and SipHash
//! (std's default) was a visible share of `serve`'s profile under load; foldhash is several
//! times faster and still seeded per process for the maps keyed by what clients send.

use std::hash::{BuildHasher, Hash};

pub(super) use foldhash::{HashMap, HashMapExt, HashSet};

/// A 64-bit digest of `value` (fixed seed: equal values always give the same digest).
pub(super) fn digest(value: &impl Hash) -> u64 {
    foldhash::fast::FixedState::default().hash_one(value)
}
