//! `otlp-doctor send`: sends test telemetry with the given count, attributes and names through
//! every layer of `check`, and prints the trace id and what the server answered.

use super::CommandError;
use crate::cli::SendArgs;
use crate::otlp::payload::ProbeData;
use crate::report::ExitStatus;

pub fn run(args: SendArgs) -> Result<ExitStatus, CommandError> {
    let data = ProbeData {
        service_name: args.service_name,
        span_name: args.span_name,
        count: args.count as usize,
        attributes: args.attributes,
        ..ProbeData::new()
    };
    super::check::diagnose(
        &args.target,
        &args.output,
        &data,
        &super::check::Optional::default(),
    )
}
