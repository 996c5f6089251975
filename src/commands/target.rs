//! Turns the shared target flags into [`TargetSettings`]: the validated [`TargetOptions`], the
//! selected signals and the configuration resolved from them over the process's `OTEL_*`
//! variables, refusing unreadable files given on the command line (exit 2) before anything
//! runs.

use super::CommandError;
use crate::checks::config::check_pem_file;
use crate::cli::TargetArgs;
use crate::report::mask::Redactor;
use crate::settings::{self, EnvSource, ProcessEnv, Resolution, Selection, Signal, TargetOptions};
use std::time::Duration;

/// What a target-taking command (`check`, `send`, `env`, `load`) runs on.
pub struct TargetSettings {
    pub selection: Selection,
    /// The options over the process's `OTEL_*` variables.
    pub resolution: Resolution,
    /// Bound on each network step.
    pub timeout: Duration,
}

impl TargetSettings {
    /// Validates the flags and resolves them over the process environment; `default` is the
    /// command's signals when `--signals` is not given.
    pub fn new(args: &TargetArgs, default: &[Signal]) -> Result<TargetSettings, CommandError> {
        let options = options(args)?;
        Ok(TargetSettings {
            selection: options.selection(default),
            resolution: settings::resolve(&ProcessEnv, &options),
            timeout: options.timeout,
        })
    }

    /// The secrets of the resolved configuration and of the environment.
    pub fn redactor(&self) -> Redactor {
        settings::secrets::redactor(&self.resolution, &ProcessEnv as &dyn EnvSource)
    }
}

/// The flags as [`TargetOptions`]; a TLS file that cannot be read is refused.
fn options(args: &TargetArgs) -> Result<TargetOptions, CommandError> {
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
    let options = TargetOptions {
        endpoint: args.endpoint.clone(),
        protocol: args.protocol,
        headers: args.headers.clone(),
        signals: Vec::new(),
        ca_cert: args.ca_cert.clone(),
        client_cert: args.client_cert.clone(),
        client_key: args.client_key.clone(),
        insecure: args.insecure,
        compression: args.compression,
        timeout: args.timeout,
    };
    Ok(options.with_signals(args.signals.iter().copied()))
}
