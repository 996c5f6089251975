//! The `config` check of `otlp-doctor collector`: reads a Collector YAML config (keeping the
//! line of every node) and lints it offline. A file that cannot be read or is not YAML is a
//! [`ConfigError`] (the tool cannot do its job); everything else is findings.

mod model;
mod rules;
pub mod yaml;

#[cfg(test)]
mod tests;

pub use model::{CollectorConfig, Component, Kind, Pipeline, Reference};
pub use yaml::YamlError;

use crate::collector::CHECK_CONFIG;
use crate::report::layer::Layer;
use crate::report::{Finding, Section};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Why a config file could not be linted.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read '{path}': {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("'{path}' is not valid YAML: {source}")]
    Malformed {
        path: PathBuf,
        #[source]
        source: YamlError,
    },
    #[error("'{path}' is not a Collector config: its top level is not a mapping")]
    NotAMapping { path: PathBuf },
}

/// A parsed config file, ready to lint.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// How the file is named in evidence (the path as given).
    pub source: String,
    pub config: CollectorConfig,
}

/// Reads and parses `path`; refuses anything that is not a YAML mapping.
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let root = yaml::parse(&text).map_err(|source| ConfigError::Malformed {
        path: path.to_path_buf(),
        source,
    })?;
    if !matches!(root.value, yaml::Value::Mapping(_)) {
        return Err(ConfigError::NotAMapping {
            path: path.to_path_buf(),
        });
    }
    Ok(LoadedConfig {
        source: path.display().to_string(),
        config: CollectorConfig::from_document(&root),
    })
}

/// Parses YAML text directly (tests, or a config that did not come from a file).
pub fn parse(text: &str, source: &str) -> Result<LoadedConfig, YamlError> {
    let root = yaml::parse(text)?;
    Ok(LoadedConfig {
        source: source.to_string(),
        config: CollectorConfig::from_document(&root),
    })
}

/// The lint's findings for a loaded config.
pub fn lint(loaded: &LoadedConfig) -> Vec<Finding> {
    rules::lint(&loaded.config, &loaded.source)
}

/// Lints a loaded config as the `config` check, with a section listing its pipelines.
pub fn check(loaded: &LoadedConfig) -> (Layer, Section) {
    let started = Instant::now();
    let findings = lint(loaded);
    let config = &loaded.config;
    let summary = format!(
        "linted {}: {} pipeline{}, {} component{}",
        loaded.source,
        config.pipelines.len(),
        plural(config.pipelines.len()),
        config.components.len(),
        plural(config.components.len())
    );
    let layer = Layer::from_findings(CHECK_CONFIG, summary, findings, started.elapsed());
    (layer, pipelines_section(loaded))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One row per pipeline: `receivers → processors → exporters`, sourced `FILE:LINE`.
fn pipelines_section(loaded: &LoadedConfig) -> Section {
    let ids = |refs: &[Reference]| {
        if refs.is_empty() {
            "(none)".to_string()
        } else {
            refs.iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut section = Section::new("collector pipelines");
    for pipeline in &loaded.config.pipelines {
        section = section.row(
            format!("pipeline {}", pipeline.id),
            format!(
                "{} → {} → {}",
                ids(&pipeline.receivers),
                ids(&pipeline.processors),
                ids(&pipeline.exporters)
            ),
            Some(format!("{}:{}", loaded.source, pipeline.line)),
        );
    }
    if loaded.config.pipelines.is_empty() {
        section = section.row("pipelines", "(none under service::pipelines)", None);
    }
    section
}
