//! `otlp-doctor send`: sends test telemetry with the given count, attributes and names through
//! every layer of `check`, and prints the trace id and what the server answered.

use super::CommandError;
use super::check::{self, Optional};
use crate::cli::SendArgs;
use crate::otlp::payload::ProbeData;

/// `send` is `check` with the user's test telemetry; it runs as [`check::run`].
pub fn settings(args: SendArgs) -> Result<check::Settings, CommandError> {
    let data = ProbeData {
        service_name: args.service_name,
        span_name: args.span_name,
        count: args.count as usize,
        attributes: args.attributes,
        ..ProbeData::new()
    };
    let mut settings = check::diagnosis(
        &args.target,
        &args.sdk,
        &args.output,
        data,
        Optional::default(),
    )?;
    settings.verbose = args.trace.verbose;
    Ok(settings)
}
