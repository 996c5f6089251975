//! The SDKs users really run, and how each one departs from the specification's ideal client.
//!
//! `check`, `env`, `send` and `explain` take `--sdk` (or `OTEL_DOCTOR_SDK`, or detection from
//! the project in the current directory); without one the specification is the model.

pub mod choice;
pub mod detect;
mod dotnet;
mod go;
mod java;
pub mod model;
mod node;
pub(crate) mod proxies;
mod python;
mod rules;
mod rust;
mod spec;

pub use choice::{SDK_ENV, SdkArg, SdkChoice, choose};
pub use model::Model;
pub use rules::reading_rules;

use std::fmt;
use std::str::FromStr;

/// An OpenTelemetry SDK, by the language it is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sdk {
    Rust,
    Python,
    Go,
    Java,
    Node,
    Dotnet,
}

impl Sdk {
    pub const ALL: [Sdk; 6] = [
        Sdk::Rust,
        Sdk::Python,
        Sdk::Go,
        Sdk::Java,
        Sdk::Node,
        Sdk::Dotnet,
    ];

    /// The model of this SDK's current release.
    pub fn model(self) -> &'static Model {
        match self {
            Sdk::Rust => &rust::MODEL,
            Sdk::Python => &python::MODEL,
            Sdk::Go => &go::MODEL,
            Sdk::Java => &java::MODEL,
            Sdk::Node => &node::MODEL,
            Sdk::Dotnet => &dotnet::MODEL,
        }
    }

    /// The name used on the command line, in JSON and in `OTEL_DOCTOR_SDK`.
    pub fn name(self) -> &'static str {
        match self {
            Sdk::Rust => "rust",
            Sdk::Python => "python",
            Sdk::Go => "go",
            Sdk::Java => "java",
            Sdk::Node => "node",
            Sdk::Dotnet => "dotnet",
        }
    }
}

impl fmt::Display for Sdk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The model of `sdk`, or the specification's.
pub fn model_of(sdk: Option<Sdk>) -> &'static Model {
    sdk.map_or(&spec::MODEL, Sdk::model)
}

/// A value that names no SDK; the message lists the ones that exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SDK {given:?}: expected one of rust, python, go, java, node, dotnet, or spec")]
pub struct UnknownSdk {
    pub given: String,
}

impl FromStr for Sdk {
    type Err = UnknownSdk;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        let alias = match wanted.as_str() {
            "js" | "javascript" | "nodejs" | "typescript" => "node",
            "py" => "python",
            "golang" => "go",
            ".net" | "net" | "csharp" | "c#" => "dotnet",
            other => other,
        };
        Sdk::ALL
            .into_iter()
            .find(|sdk| sdk.name() == alias)
            .ok_or_else(|| UnknownSdk {
                given: text.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_and_aliases_are_accepted() {
        for sdk in Sdk::ALL {
            assert_eq!(sdk.name().parse::<Sdk>(), Ok(sdk));
        }
        assert_eq!("JavaScript".parse::<Sdk>(), Ok(Sdk::Node));
        assert_eq!(" Golang ".parse::<Sdk>(), Ok(Sdk::Go));
        assert!(
            "ruby"
                .parse::<Sdk>()
                .unwrap_err()
                .to_string()
                .contains("rust, python")
        );
    }
}
