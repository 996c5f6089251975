//! "Did you mean": the known value a misspelt one was most likely meant to be. SDKs treat an
//! unknown enum value as unset and fall back to a default, so `http/protobuff` or `always_of`
//! silently changes behaviour; naming the intended value turns that into a one-line fix.

/// The known value closest to `raw` by Damerau-Levenshtein distance (a swap of two letters counts
/// as one edit), when it is close enough to be a typo: at most two edits, and fewer than a third
/// of the value's letters, so that `1` is not taken for `none` nor `yes` for `true`. Case and
/// surrounding blanks are ignored, as SDKs ignore them. Between equally close values, one that
/// begins with the value wins: a letter left off the end is the commonest slip (`always_of` is
/// `always_off`, not `always_on`).
pub fn closest<'a>(raw: &str, known: &[&'a str]) -> Option<&'a str> {
    let raw = raw.trim().to_ascii_lowercase();
    if raw.is_empty() {
        return None;
    }
    known
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(&raw, candidate), *candidate))
        .filter(|(distance, candidate)| {
            let length = raw.chars().count().max(candidate.chars().count());
            *distance > 0 && *distance <= 2 && *distance * 3 < length
        })
        .min_by_key(|(distance, candidate)| (*distance, !candidate.starts_with(&raw)))
        .map(|(_, candidate)| candidate)
}

/// `" (did you mean 'x'?)"` when `raw` looks like a typo of a known value, else nothing.
pub fn hint(raw: &str, known: &[&str]) -> String {
    closest(raw, known)
        .map(|candidate| format!(" (did you mean '{candidate}'?)"))
        .unwrap_or_default()
}

/// A comma list with each misspelt item replaced by the value it was meant to be, when at least
/// one item is a typo: the value to set instead.
pub fn corrected_list(items: &[String], known: &[&str]) -> Option<String> {
    let mut changed = false;
    let corrected: Vec<&str> = items
        .iter()
        .map(|item| {
            if known.contains(&item.as_str()) {
                return item.as_str();
            }
            match closest(item, known) {
                Some(candidate) => {
                    changed = true;
                    candidate
                }
                None => item.as_str(),
            }
        })
        .collect();
    changed.then(|| corrected.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_intended_value() {
        let protocols = ["grpc", "http/protobuf", "http/json"];
        assert_eq!(closest("http/protobuff", &protocols), Some("http/protobuf"));
        assert_eq!(closest("HTTP/PROTBUF", &protocols), Some("http/protobuf"));
        assert_eq!(closest("grcp", &protocols), Some("grpc"));
        assert_eq!(closest("http/jsno", &protocols), Some("http/json"));
        assert_eq!(
            closest("always_of", crate::settings::sdk::KNOWN_SAMPLERS),
            Some("always_off")
        );
        assert_eq!(closest("ture", &["true", "false"]), Some("true"));
        assert_eq!(closest("gzipp", &["gzip", "none"]), Some("gzip"));
    }

    #[test]
    fn unrelated_values_get_no_suggestion() {
        assert_eq!(closest("1", &["true", "false"]), None);
        assert_eq!(closest("yes", &["true", "false"]), None);
        assert_eq!(
            closest("thrift", &["grpc", "http/protobuf", "http/json"]),
            None
        );
        assert_eq!(closest("grpc", &["grpc"]), None);
        assert_eq!(closest("", &["none"]), None);
    }

    #[test]
    fn lists_are_corrected_item_by_item() {
        let items = vec!["tracecontex".to_string(), "baggage".to_string()];
        assert_eq!(
            corrected_list(&items, crate::settings::sdk::KNOWN_PROPAGATORS).as_deref(),
            Some("tracecontext,baggage")
        );
        assert_eq!(
            corrected_list(
                &["baggage".to_string()],
                crate::settings::sdk::KNOWN_PROPAGATORS
            ),
            None
        );
    }
}
