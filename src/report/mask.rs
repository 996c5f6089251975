//! Secrets never leave the process unmasked: header values, tokens and keys are shown as
//! `Bearer abcd…(41 chars)`, and every rendered output passes through a [`Redactor`] that
//! replaces any secret a server may have echoed back.

/// Secrets shorter than this are never revealed in part.
const MIN_LEN_TO_SHOW_PREFIX: usize = 16;
/// Shorter strings are too likely to occur by chance to be replaced inside arbitrary text.
const MIN_LEN_TO_REDACT_IN_TEXT: usize = 4;

/// Masks a secret value, keeping an auth scheme word (`Bearer`, `Basic`, ...) visible because it
/// is not secret and is often what is wrong.
pub fn mask(value: &str) -> String {
    let (scheme, secret) = split_scheme(value);
    let shown: String = if secret.chars().count() >= MIN_LEN_TO_SHOW_PREFIX {
        secret.chars().take(4).collect()
    } else {
        String::new()
    };
    let length = secret.chars().count();
    match scheme {
        Some(scheme) => format!("{scheme} {shown}…({length} chars)"),
        None => format!("{shown}…({length} chars)"),
    }
}

fn split_scheme(value: &str) -> (Option<&str>, &str) {
    if let Some((first, rest)) = value.split_once(' ') {
        let looks_like_scheme = !first.is_empty()
            && first.len() <= 12
            && first.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
        if looks_like_scheme && !rest.trim().is_empty() {
            return (Some(first), rest);
        }
    }
    (None, value)
}

/// Replaces every known secret in a piece of text with its masked form.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Registers a secret; its token part (without an auth scheme) is registered too, since a
    /// server may echo only that.
    pub fn add(&mut self, secret: &str) {
        let mut push = |s: &str| {
            let s = s.trim();
            if s.chars().count() >= MIN_LEN_TO_REDACT_IN_TEXT
                && !self.secrets.iter().any(|k| k == s)
            {
                self.secrets.push(s.to_string());
            }
        };
        push(secret);
        push(split_scheme(secret).1);
        // HTML output escapes text before the redactor sees it: a secret holding `&` or `<`
        // must be found in its escaped form too.
        let escaped = super::page::escape(secret);
        if escaped != secret {
            push(&escaped);
            push(&super::page::escape(split_scheme(secret).1));
        }
        // Longest first, so a whole value is replaced before its token part.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Whether there is anything to redact at all.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    pub fn redact(&self, text: &str) -> String {
        self.redacted(text).into_owned()
    }

    /// [`Redactor::redact`] without a copy when there is nothing to redact (the common case for
    /// the bulk of `serve`'s output).
    pub fn redacted<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        let mut out = std::borrow::Cow::Borrowed(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = std::borrow::Cow::Owned(out.replace(secret.as_str(), &mask(secret)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_scheme_and_length() {
        let token = "abcdefghijklmnopqrstuvwxyz0123456789ABCDE";
        assert_eq!(mask(&format!("Bearer {token}")), "Bearer abcd…(41 chars)");
    }

    #[test]
    fn short_secrets_show_nothing() {
        assert_eq!(mask("hunter2"), "…(7 chars)");
    }

    #[test]
    fn redactor_finds_a_secret_in_escaped_html() {
        let mut redactor = Redactor::new();
        redactor.add("Bearer a&b<c-secret-token");
        let html = crate::report::page::escape("token a&b<c-secret-token refused");
        let redacted = redactor.redact(&html);
        assert!(!redacted.contains("secret-token"), "{redacted}");
    }

    #[test]
    fn redactor_replaces_echoed_token() {
        let mut redactor = Redactor::new();
        redactor.add("Bearer s3cr3t-token-value-123");
        let text = "server said: invalid token s3cr3t-token-value-123";
        let redacted = redactor.redact(text);
        assert!(!redacted.contains("s3cr3t-token-value-123"), "{redacted}");
    }
}
