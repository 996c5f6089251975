//! Turns the shared target flags into [`TargetSettings`]: the validated [`TargetOptions`], the
//! selected signals and the configuration resolved from them over the process's `OTEL_*`
//! variables, refusing unreadable files given on the command line (exit 2) before anything
//! runs.

use super::CommandError;
use crate::checks::config::check_pem_file;
use crate::cli::{SdkArgs, TargetArgs};
use crate::report::SdkSummary;
use crate::report::mask::Redactor;
use crate::sdk_model::{self, SdkChoice};
use crate::settings::{self, EnvSource, ProcessEnv, Resolution, Selection, Signal, TargetOptions};
use std::time::Duration;

/// What a target-taking command (`check`, `send`, `env`, `load`) runs on.
pub struct TargetSettings {
    pub selection: Selection,
    /// The options over the process's `OTEL_*` variables.
    pub resolution: Resolution,
    /// Bound on each network step.
    pub timeout: Duration,
    /// The SDK whose way of reading the configuration `resolution` follows.
    pub sdk: SdkChoice,
}

impl TargetSettings {
    /// Validates the flags and resolves them over the process environment; `default` is the
    /// command's signals when `--signals` is not given.
    pub fn new(args: &TargetArgs, default: &[Signal]) -> Result<TargetSettings, CommandError> {
        Self::resolved(args, default, SdkChoice::spec())
    }

    /// [`Self::new`], read the way the SDK chosen by `sdk` (or `OTEL_DOCTOR_SDK`, or the
    /// project in the current directory) reads it.
    pub fn for_sdk(
        args: &TargetArgs,
        default: &[Signal],
        sdk: &SdkArgs,
    ) -> Result<TargetSettings, CommandError> {
        Self::resolved(args, default, choose_sdk(sdk)?)
    }

    fn resolved(
        args: &TargetArgs,
        default: &[Signal],
        sdk: SdkChoice,
    ) -> Result<TargetSettings, CommandError> {
        let options = options(args)?;
        let rules = sdk_model::reading_rules(&sdk);
        let mut resolution = settings::resolve_as(&ProcessEnv, &options, &rules);
        if sdk.sdk == Some(sdk_model::Sdk::Rust) {
            let cwd = std::env::current_dir().ok();
            resolution.problems.extend(
                cwd.as_deref()
                    .and_then(crate::checks::config::rust_release::departure),
            );
        }
        Ok(TargetSettings {
            selection: options.selection(default),
            resolution,
            timeout: options.timeout,
            sdk,
        })
    }

    /// The modelled SDK as the report shows it; `None` for the specification.
    pub fn sdk_summary(&self) -> Option<SdkSummary> {
        self.sdk.sdk.map(|sdk| SdkSummary {
            name: sdk.name().to_string(),
            release: self.sdk.release.to_string(),
            from: self.sdk.from.clone(),
        })
    }

    /// The secrets of the resolved configuration and of the environment.
    pub fn redactor(&self) -> Redactor {
        settings::secrets::redactor(&self.resolution, &ProcessEnv as &dyn EnvSource)
    }
}

/// The SDK of `--sdk`, else `OTEL_DOCTOR_SDK`, else the project in the current directory.
pub fn choose_sdk(args: &SdkArgs) -> Result<SdkChoice, CommandError> {
    let cwd = std::env::current_dir().ok();
    sdk_model::choose(args.sdk, ProcessEnv.get(sdk_model::SDK_ENV), cwd.as_deref())
        .map_err(|(variable, error)| CommandError::UnknownSdk { variable, error })
}

/// Refuses a TLS file flag whose file cannot be read as PEM.
pub fn check_tls_files(
    files: [(&'static str, &Option<std::path::PathBuf>); 3],
) -> Result<(), CommandError> {
    for (flag, path) in files {
        if let Some(path) = path {
            check_pem_file(path).map_err(|reason| CommandError::UnreadableFile {
                flag,
                path: path.clone(),
                reason,
            })?;
        }
    }
    Ok(())
}

/// The flags as [`TargetOptions`]; a TLS file that cannot be read is refused.
fn options(args: &TargetArgs) -> Result<TargetOptions, CommandError> {
    check_tls_files([
        ("--ca-cert", &args.ca_cert),
        ("--client-cert", &args.client_cert),
        ("--client-key", &args.client_key),
    ])?;
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
    Ok(options.with_signals(
        args.signals
            .iter()
            .flat_map(|choice| choice.signals().iter().copied()),
    ))
}
