//! `otlp-doctor send`: sends test telemetry with the given count, attributes and names through
//! every layer of `check`, and prints the trace id and what the server answered.

use super::CommandError;
use super::check::{self, Optional};
use crate::cli::{SendArgs, SignalChoice, TargetArgs};
use crate::otlp::payload::{ProbeData, Replay};
use crate::otlp::{capture, retime};
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// `send` is `check` with the user's test telemetry; it runs as [`check::run`].
pub fn settings(mut args: SendArgs) -> Result<check::Settings, CommandError> {
    let replay = match &args.replay {
        Some(path) => Some(replay(path, args.replay_now, &mut args.target)?),
        None => None,
    };
    let data = ProbeData {
        service_name: args.service_name,
        span_name: args.span_name,
        count: args.count as usize,
        attributes: args.attributes,
        replay,
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

/// Reads the `--replay` capture, moved to now with `--replay-now`. Without `--signals` its signals are the capture's; with it, each
/// one asked for must be in the capture.
fn replay(path: &Path, now: bool, target: &mut TargetArgs) -> Result<Replay, CommandError> {
    let mut requests = capture::read(path).map_err(|e| CommandError::CannotRun(e.to_string()))?;
    if now {
        let now_unix_nano = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        retime::to_now(&mut requests, now_unix_nano);
    }
    let replay = Replay(Arc::new(requests));
    let held = replay.signals();
    if target.signals.is_empty() {
        target.signals = held.iter().map(|s| SignalChoice::of(*s)).collect();
        return Ok(replay);
    }
    let mut asked = target.signals.iter().flat_map(|choice| choice.signals());
    if let Some(missing) = asked.find(|s| !held.contains(s)) {
        return Err(CommandError::CannotRun(format!(
            "--signals asks for {missing}, but {} holds only {}; leave --signals out to replay everything it holds",
            path.display(),
            held.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(replay)
}
