//! Turns the shared target flags into [`Overrides`] and a [`Selection`], refusing unreadable
//! files given on the command line (exit 2) before anything runs.

use super::CommandError;
use crate::checks::config::check_pem_file;
use crate::cli::TargetArgs;
use crate::settings::{Overrides, Selection, Signal};

pub fn overrides(args: &TargetArgs) -> Result<Overrides, CommandError> {
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
pub fn selection(args: &TargetArgs, default: &[Signal]) -> Selection {
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

pub use crate::settings::secrets::redactor;
