//! [`SdkChoice`]: which SDK a command models, and what chose it: `--sdk`, `OTEL_DOCTOR_SDK`, the
//! project in the current directory, or nothing (the specification).

use super::detect::detect;
use super::{Sdk, UnknownSdk};
use serde::Serialize;
use std::path::Path;

/// The environment variable that works exactly like `--sdk`.
pub const SDK_ENV: &str = "OTEL_DOCTOR_SDK";

/// What `--sdk` and `OTEL_DOCTOR_SDK` accept: an SDK, or `spec` for the specification's
/// ideal client (which also turns detection off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdkArg {
    Sdk(Sdk),
    Spec,
}

impl std::str::FromStr for SdkArg {
    type Err = UnknownSdk;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim().eq_ignore_ascii_case("spec") {
            return Ok(SdkArg::Spec);
        }
        text.parse().map(SdkArg::Sdk)
    }
}

/// The SDK a command models and what chose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SdkChoice {
    /// `None`: the specification.
    #[serde(rename = "name", serialize_with = "name_or_spec")]
    pub sdk: Option<Sdk>,
    /// The release the model describes.
    pub release: &'static str,
    /// `--sdk`, `OTEL_DOCTOR_SDK`, the manifest (`./pyproject.toml`), or `default`.
    pub from: String,
}

fn name_or_spec<S: serde::Serializer>(sdk: &Option<Sdk>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(sdk.map_or("spec", Sdk::name))
}

impl SdkChoice {
    fn new(sdk: Option<Sdk>, from: impl Into<String>) -> Self {
        SdkChoice {
            sdk,
            release: super::model_of(sdk).release,
            from: from.into(),
        }
    }

    /// The specification, chosen by nothing.
    pub fn spec() -> Self {
        SdkChoice::new(None, "default")
    }

    /// `sdk: python 1.45.2, from ./pyproject.toml`.
    pub fn describe(&self) -> String {
        match self.sdk {
            Some(sdk) => format!("{sdk} {}, from {}", self.release, self.from),
            None => format!("none (the specification), from {}", self.from),
        }
    }
}

/// Picks the SDK: the flag, else `OTEL_DOCTOR_SDK` (`env_value`), else the project in `dir`.
/// A bad `OTEL_DOCTOR_SDK` is an error, as a bad flag is.
pub fn choose(
    flag: Option<SdkArg>,
    env_value: Option<String>,
    dir: Option<&Path>,
) -> Result<SdkChoice, (String, UnknownSdk)> {
    let chosen = |arg: SdkArg, from: &str| match arg {
        SdkArg::Sdk(sdk) => SdkChoice::new(Some(sdk), from),
        SdkArg::Spec => SdkChoice::new(None, from),
    };
    if let Some(arg) = flag {
        return Ok(chosen(arg, "--sdk"));
    }
    if let Some(value) = env_value.filter(|v| !v.trim().is_empty()) {
        let arg = value
            .parse::<SdkArg>()
            .map_err(|e| (SDK_ENV.to_string(), e))?;
        return Ok(chosen(arg, SDK_ENV));
    }
    Ok(dir
        .and_then(detect)
        .map(|(sdk, manifest)| SdkChoice::new(Some(sdk), manifest.display().to_string()))
        .unwrap_or_else(SdkChoice::spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_the_variable_then_the_project() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("go.mod"),
            "require go.opentelemetry.io/otel v1.47.0\n",
        )
        .unwrap();
        let pick = |flag, env: Option<&str>| {
            choose(flag, env.map(String::from), Some(dir.path())).unwrap()
        };
        assert_eq!(
            pick(Some(SdkArg::Sdk(Sdk::Java)), Some("python")).from,
            "--sdk"
        );
        let by_env = pick(None, Some("python"));
        assert_eq!(
            (by_env.sdk, by_env.from.as_str()),
            (Some(Sdk::Python), SDK_ENV)
        );
        assert_eq!(pick(None, Some("spec")).sdk, None);
        assert_eq!(pick(None, None).describe(), "go 1.47.0, from ./go.mod");
        let (variable, error) = choose(None, Some("ruby".into()), None).unwrap_err();
        assert_eq!(variable, SDK_ENV);
        assert!(
            error
                .to_string()
                .contains("rust, python, go, java, node, dotnet")
        );
    }
}
