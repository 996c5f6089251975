//! Crate versions as Cargo.lock writes them, and Cargo's notion of which versions are
//! semver-compatible: the "line" a version belongs to.
//!
//! Cargo treats `^0.33.0` as `>=0.33.0, <0.34.0`, so for 0.x crates the minor number is the
//! breaking one: 0.30.0 and 0.33.1 are two incompatible lines, 0.33.0 and 0.33.1 one line. A
//! crate can be in a lock file once per line, and each copy has its own types and globals. Only
//! what the lock file needs is parsed here (no ranges), so no semver crate is pulled in.

use std::cmp::Ordering;
use std::fmt;

/// A parsed `major.minor.patch[-pre][+build]` version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    /// The pre-release part after `-`, empty for a release.
    pub pre: String,
    /// The version exactly as written (build metadata included).
    pub text: String,
}

impl Version {
    /// Parses a version such as `0.33.1`, `1.0.0-rc.1` or `1.2.2+spec-1.1.0`.
    pub fn parse(text: &str) -> Option<Version> {
        let trimmed = text.trim();
        let core_and_pre = trimmed.split('+').next().unwrap_or(trimmed);
        let (core, pre) = match core_and_pre.split_once('-') {
            Some((core, pre)) => (core, pre),
            None => (core_and_pre, ""),
        };
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Version {
            major,
            minor,
            patch,
            pre: pre.to_string(),
            text: trimmed.to_string(),
        })
    }

    /// The semver-compatible line this version belongs to.
    pub fn line(&self) -> Line {
        match (self.major, self.minor) {
            (0, 0) => Line {
                major: 0,
                minor: 0,
                patch: Some(self.patch),
            },
            (0, minor) => Line {
                major: 0,
                minor,
                patch: None,
            },
            (major, _) => Line {
                major,
                minor: 0,
                patch: None,
            },
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            // A pre-release sorts before its release; pre-releases compare as text, which is
            // enough to give a stable order.
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A semver-compatible line: `0.33` (any 0.33.x), `1` (any 1.x.y) or `0.0.4` (only 0.0.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Line {
    major: u64,
    minor: u64,
    patch: Option<u64>,
}

impl Line {
    /// Parses a line as the compatibility matrix writes it: `0.33`, `1` or a full version.
    pub fn parse(text: &str) -> Option<Line> {
        let text = text.trim();
        if let Some(version) = Version::parse(text) {
            return Some(version.line());
        }
        let mut parts = text.split('.');
        let major: u64 = parts.next()?.parse().ok()?;
        let minor: u64 = match parts.next() {
            Some(minor) => minor.parse().ok()?,
            None if major > 0 => 0,
            None => return None,
        };
        if parts.next().is_some() || (major == 0 && minor == 0) {
            return None;
        }
        Version::parse(&format!("{major}.{minor}.0")).map(|v| v.line())
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.major, self.patch) {
            (0, Some(patch)) => write!(f, "0.0.{patch}"),
            (0, None) => write!(f, "0.{}", self.minor),
            (major, _) => write!(f, "{major}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).expect(text)
    }

    #[test]
    fn zero_minor_is_the_breaking_number() {
        assert_eq!(v("0.33.0").line(), v("0.33.1").line());
        assert_ne!(v("0.30.0").line(), v("0.33.1").line());
        assert_eq!(v("0.33.1").line().to_string(), "0.33");
    }

    #[test]
    fn major_and_zero_zero_lines() {
        assert_eq!(v("1.2.3").line(), v("1.54.1").line());
        assert_eq!(v("1.2.3").line().to_string(), "1");
        assert_ne!(v("0.0.3").line(), v("0.0.4").line());
        assert_eq!(v("0.0.3").line().to_string(), "0.0.3");
    }

    #[test]
    fn pre_release_and_build_metadata() {
        let toml = v("1.2.2+spec-1.1.0");
        assert_eq!((toml.major, toml.minor, toml.patch), (1, 2, 2));
        assert_eq!(toml.to_string(), "1.2.2+spec-1.1.0");
        let rc = v("0.34.0-rc.1");
        assert_eq!(rc.pre, "rc.1");
        assert!(rc < v("0.34.0"));
        assert!(v("0.33.1") < rc);
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for bad in ["", "1", "1.2", "a.b.c", "1.2.3.4"] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn lines_parse_like_the_matrix_writes_them() {
        assert_eq!(Line::parse("0.33"), Some(v("0.33.9").line()));
        assert_eq!(Line::parse("1"), Some(v("1.0.0").line()));
        assert_eq!(Line::parse("0.33.1"), Some(v("0.33.0").line()));
        assert_eq!(Line::parse("0"), None);
        assert_eq!(Line::parse("x"), None);
    }
}
