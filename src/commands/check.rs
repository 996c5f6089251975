//! `otlp-doctor check`: walks config, DNS, TCP, TLS and protocol against the live endpoint.

use super::CommandError;
use crate::cli::CheckArgs;
use crate::report::ExitStatus;

pub fn run(_args: CheckArgs) -> Result<ExitStatus, CommandError> {
    Err(CommandError::NotBuilt("check"))
}
