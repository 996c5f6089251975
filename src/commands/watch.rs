//! `check --watch`: the diagnosis again and again, `--interval` apart, one line per round on
//! stderr, until `--count` rounds or Ctrl-C; then the summary (success rate, latency per phase,
//! the timeline of codes) printed as a report, so it exits like `check` (1 when any round had an
//! error). For failures that come and go: load balancers, DNS rotation, pods restarting.

use super::check::Settings;
use super::{CommandError, Outcome};
use crate::checks::pipeline::{self, Quiet};
use crate::printer::Printer;
use crate::report::watch::Watch;
use std::time::{Duration, SystemTime};

/// How often, and how many times.
#[derive(Debug, Clone, Copy)]
pub struct Rounds {
    pub interval: Duration,
    pub count: Option<u32>,
}

pub async fn run(
    settings: Settings,
    rounds: Rounds,
    printer: &Printer,
) -> Result<Outcome, CommandError> {
    let target = &settings.target;
    let mut watch = Watch::new();
    let stop = super::shutdown_signal();
    tokio::pin!(stop);
    let mut interrupted = false;
    loop {
        let at = SystemTime::now();
        let round = pipeline::diagnose(
            &target.resolution,
            &target.selection,
            target.timeout,
            &settings.data,
            &Quiet,
        );
        let report = tokio::select! {
            report = round => report.with_sdk(target.sdk_summary()),
            _ = &mut stop => { interrupted = true; break; }
        };
        printer.error(&watch.add(report, at));
        if rounds.count.is_some_and(|count| watch.rounds() >= count) {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(rounds.interval) => {}
            _ = &mut stop => { interrupted = true; break; }
        }
    }
    let report = watch.into_report(rounds.interval, interrupted);
    printer.report(&report)?;
    Ok(Outcome::report(report, settings.strict))
}
