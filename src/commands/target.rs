//! Turns the shared target flags into [`TargetSettings`]: the overrides, the selected signals
//! and the configuration resolved from them over the process's `OTEL_*` variables, refusing
//! unreadable files given on the command line (exit 2) before anything runs.

use super::CommandError;
use crate::checks::config::check_pem_file;
use crate::cli::TargetArgs;
use crate::report::mask::Redactor;
use crate::settings::{self, EnvSource, Overrides, ProcessEnv, Resolution, Selection, Signal};
use std::time::Duration;

/// What a target-taking command (`check`, `send`, `env`, `load`) runs on.
pub struct TargetSettings {
    pub selection: Selection,
    /// The flags over the process's `OTEL_*` variables.
    pub resolution: Resolution,
    /// Bound on each network step.
    pub timeout: Duration,
}

impl TargetSettings {
    /// Validates the flags and resolves them over the process environment; `default` is the
    /// command's signals when `--signals` is not given.
    pub fn new(args: &TargetArgs, default: &[Signal]) -> Result<TargetSettings, CommandError> {
        let overrides = overrides(args)?;
        Ok(TargetSettings {
            selection: selection(args, default),
            resolution: settings::resolve(&ProcessEnv, &overrides),
            timeout: args.timeout,
        })
    }

    /// The secrets of the resolved configuration and of the environment.
    pub fn redactor(&self) -> Redactor {
        settings::secrets::redactor(&self.resolution, &ProcessEnv as &dyn EnvSource)
    }
}

fn overrides(args: &TargetArgs) -> Result<Overrides, CommandError> {
    let files = [
        ("--ca-cert", &args.ca_cert),
        ("--client-cert", &args.client_cert),
        ("--client-key", &args.client_key),
    ];
    for (flag, path) in files {
        if let Some(path) = path {
            check_pem_file(path).map_err(|reason| CommandError::UnreadableFile {
                flag,
                path: path.clone(),
                reason,
            })?;
        }
    }
    Ok(Overrides {
        endpoint: args.endpoint.clone(),
        protocol: args.protocol,
        headers: args.headers.clone(),
        ca_cert: args.ca_cert.clone(),
        client_cert: args.client_cert.clone(),
        client_key: args.client_key.clone(),
        insecure: args.insecure,
        compression: args.compression,
    })
}

/// `--signals`, or the command's default when not given.
fn selection(args: &TargetArgs, default: &[Signal]) -> Selection {
    if args.signals.is_empty() {
        Selection {
            signals: default.to_vec(),
            explicit: false,
        }
    } else {
        let mut signals = args.signals.clone();
        signals.sort();
        signals.dedup();
        Selection {
            signals,
            explicit: true,
        }
    }
}
