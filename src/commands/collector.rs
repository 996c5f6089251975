//! `otlp-doctor collector`: checks a Collector's health endpoint, its internal metrics and its
//! config file, whichever are given. A config file that cannot be read or parsed stops the
//! command before anything runs (exit 2).

use super::{CommandError, CommandSettings, Outcome};
use crate::cli::CollectorArgs;
use crate::collector::config::{self, ConfigError};
use crate::collector::{self, CollectorSettings};
use crate::printer::Printer;
use crate::report::mask::Redactor;
use crate::report::render::Format;

/// What `collector` runs on.
pub struct Settings {
    pub collector: CollectorSettings,
    pub format: Format,
    pub strict: bool,
}

impl CommandSettings for Settings {
    fn printer(&self) -> Printer {
        Printer::new(self.format, redactor(&self.collector))
    }
}

/// Validates the arguments; reads and parses `--config` first.
pub fn settings(args: CollectorArgs) -> Result<Settings, CommandError> {
    Ok(Settings {
        collector: collector_settings(&args)?,
        format: args.output.format,
        strict: args.output.strict,
    })
}

/// Checks whichever surfaces were given and prints the report.
pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    let spinner = printer.spinner("checking the collector");
    let report = collector::diagnose(&settings.collector).await;
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    printer.report(&report)?;
    Ok(Outcome::report(report, settings.strict))
}

fn collector_settings(args: &CollectorArgs) -> Result<CollectorSettings, CommandError> {
    let config = match &args.config {
        Some(path) => Some(config::load(path).map_err(|error| {
            let reason = match &error {
                ConfigError::Unreadable { source, .. } => source.to_string(),
                ConfigError::Malformed { source, .. } => source.to_string(),
                ConfigError::NotAMapping { .. } => {
                    "not a Collector config: its top level is not a mapping".to_string()
                }
            };
            CommandError::UnreadableFile {
                flag: "--config",
                path: path.clone(),
                reason,
            }
        })?),
        None => None,
    };
    Ok(CollectorSettings {
        health_url: args.health_url.clone(),
        metrics_url: args.metrics_url.clone(),
        config,
        interval: args.interval,
        timeout: args.timeout,
    })
}

/// A password in a URL (`http://user:secret@host/`) is a secret.
fn redactor(settings: &CollectorSettings) -> Redactor {
    let mut redactor = Redactor::new();
    for url in [&settings.health_url, &settings.metrics_url]
        .into_iter()
        .flatten()
    {
        let authority = url
            .split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default();
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && let Some((_, password)) = userinfo.split_once(':')
        {
            redactor.add(password);
        }
    }
    redactor
}
