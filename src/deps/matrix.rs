//! The compatibility matrix: which `opentelemetry` line each release line of the companion
//! crates (`opentelemetry_sdk`, `opentelemetry-otlp`, `opentelemetry-appender-tracing`,
//! `tracing-opentelemetry`) is built for. The data lives in `matrix.toml`, compiled in, each row
//! with the source it was verified against; a line that is not listed is unknown and never
//! reported.

use super::version::{Line, Version};
use serde::Deserialize;
use std::sync::OnceLock;

const MATRIX_TOML: &str = include_str!("matrix.toml");

/// The `opentelemetry` API crate itself; every pairing is stated against its line.
pub const API_CRATE: &str = "opentelemetry";

/// What a crate line is built for, and how that is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairing {
    pub krate: String,
    pub line: Line,
    pub opentelemetry: Line,
    pub source: String,
}

/// All pairings, lockstep ranges expanded.
#[derive(Debug)]
pub struct Matrix {
    pairings: Vec<Pairing>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    #[serde(default)]
    pairing: Vec<RawPairing>,
    #[serde(default)]
    lockstep: Vec<RawLockstep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPairing {
    #[serde(rename = "crate")]
    krate: String,
    line: String,
    opentelemetry: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLockstep {
    #[serde(rename = "crate")]
    krate: String,
    from: String,
    through: String,
    source: String,
}

impl Matrix {
    /// The compiled-in matrix. A malformed `matrix.toml` is a build defect the tests catch.
    pub fn get() -> &'static Matrix {
        static MATRIX: OnceLock<Matrix> = OnceLock::new();
        MATRIX.get_or_init(|| match Matrix::parse(MATRIX_TOML) {
            Ok(matrix) => matrix,
            Err(error) => panic!("src/deps/matrix.toml is malformed: {error}"),
        })
    }

    /// Parses matrix data; lockstep ranges must be 0.x lines.
    pub fn parse(text: &str) -> Result<Matrix, String> {
        let raw: RawMatrix = toml::from_str(text).map_err(|e| e.to_string())?;
        let line = |text: &str| Line::parse(text).ok_or_else(|| format!("'{text}' is not a line"));
        let mut pairings = Vec::new();
        for row in raw.pairing {
            pairings.push(Pairing {
                line: line(&row.line)?,
                opentelemetry: line(&row.opentelemetry)?,
                krate: row.krate,
                source: row.source,
            });
        }
        for range in raw.lockstep {
            let minor = |text: &str| -> Result<u64, String> {
                let version = Version::parse(&format!("{text}.0"))
                    .filter(|v| v.major == 0 && v.minor > 0)
                    .ok_or_else(|| format!("lockstep bound '{text}' is not a 0.x line"))?;
                Ok(version.minor)
            };
            for n in minor(&range.from)?..=minor(&range.through)? {
                let same = line(&format!("0.{n}"))?;
                pairings.push(Pairing {
                    krate: range.krate.clone(),
                    line: same,
                    opentelemetry: same,
                    source: format!("released in lockstep with opentelemetry: {}", range.source),
                });
            }
        }
        Ok(Matrix { pairings })
    }

    /// The opentelemetry line a crate version is built for: the version's own line for the API
    /// crate, the matrix row otherwise.
    pub fn built_for(&self, krate: &str, version: &Version) -> Option<Pairing> {
        if krate == API_CRATE {
            return Some(Pairing {
                krate: krate.to_string(),
                line: version.line(),
                opentelemetry: version.line(),
                source: "the API crate itself".into(),
            });
        }
        self.pairings
            .iter()
            .find(|p| p.krate == krate && p.line == version.line())
            .cloned()
    }

    /// The line of `krate` built for opentelemetry `target` (the newest, if several are).
    pub fn release_for(&self, krate: &str, target: Line) -> Option<Line> {
        if krate == API_CRATE {
            return Some(target);
        }
        self.pairings
            .iter()
            .filter(|p| p.krate == krate && p.opentelemetry == target)
            .map(|p| p.line)
            .max()
    }

    /// Whether the matrix knows this crate at all.
    pub fn knows(&self, krate: &str) -> bool {
        krate == API_CRATE || self.pairings.iter().any(|p| p.krate == krate)
    }

    pub fn pairings(&self) -> &[Pairing] {
        &self.pairings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> Version {
        Version::parse(text).expect(text)
    }

    fn line(text: &str) -> Line {
        Line::parse(text).expect(text)
    }

    #[test]
    fn the_compiled_in_matrix_parses_and_cites_every_row() {
        let matrix = Matrix::get();
        assert!(matrix.pairings().len() > 20);
        for pairing in matrix.pairings() {
            assert!(!pairing.source.trim().is_empty(), "{pairing:?}");
        }
    }

    #[test]
    fn tracing_opentelemetry_is_one_minor_ahead() {
        let matrix = Matrix::get();
        let pairing = matrix
            .built_for("tracing-opentelemetry", &version("0.31.0"))
            .expect("known");
        assert_eq!(pairing.opentelemetry, line("0.30"));
        assert_eq!(
            matrix.release_for("tracing-opentelemetry", line("0.33")),
            Some(line("0.34"))
        );
        assert_eq!(
            matrix.release_for("tracing-opentelemetry", line("0.31")),
            Some(line("0.32"))
        );
    }

    #[test]
    fn lockstep_crates_share_the_line() {
        let matrix = Matrix::get();
        for krate in [
            "opentelemetry_sdk",
            "opentelemetry-otlp",
            "opentelemetry-appender-tracing",
        ] {
            let pairing = matrix.built_for(krate, &version("0.33.1")).expect(krate);
            assert_eq!(pairing.opentelemetry, line("0.33"), "{krate}");
            assert!(pairing.source.contains("lockstep"), "{krate}");
        }
        let otlp = matrix
            .built_for("opentelemetry-otlp", &version("0.14.0"))
            .expect("pre-0.25 numbering");
        assert_eq!(otlp.opentelemetry, line("0.21"));
    }

    #[test]
    fn unknown_lines_are_unknown() {
        let matrix = Matrix::get();
        assert_eq!(
            matrix.built_for("tracing-opentelemetry", &version("0.99.0")),
            None
        );
        assert_eq!(
            matrix.built_for("opentelemetry-otlp", &version("0.20.0")),
            None
        );
        assert_eq!(
            matrix.release_for("tracing-opentelemetry", line("0.99")),
            None
        );
        assert!(!matrix.knows("actix-web-opentelemetry"));
    }

    #[test]
    fn malformed_rows_are_rejected() {
        assert!(Matrix::parse("[[pairing]]\ncrate = \"x\"\nline = \"zero\"\nopentelemetry = \"0.1\"\nsource = \"s\"").is_err());
        assert!(
            Matrix::parse(
                "[[lockstep]]\ncrate = \"x\"\nfrom = \"1.2\"\nthrough = \"1.3\"\nsource = \"s\""
            )
            .is_err()
        );
        assert!(Matrix::parse("[[pairing]]\ncrate = \"x\"\nextra = 1").is_err());
    }
}
