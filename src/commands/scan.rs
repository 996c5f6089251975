//! `otlp-doctor scan [HOST]`: probes the usual ports (and `--ports`) of one host and prints
//! what each speaks: a table, the `otlp-doctor/scan/v1` JSON document, or markdown. It judges
//! nothing: exit 0 once the scan ran, 2 when the host cannot be resolved.

use super::{CommandError, CommandSettings, Outcome};
use crate::cli::ScanArgs;
use crate::printer::Printer;
use crate::report::mask::Redactor;
use crate::report::render::Format;
use crate::scan::{self, ports};
use std::time::Duration;

pub struct Settings {
    pub host: String,
    pub ports: Vec<u16>,
    pub timeout: Duration,
    pub format: Format,
    /// `-v`: the probes' requests and answers on stderr and in the JSON document.
    pub verbose: bool,
}

impl CommandSettings for Settings {
    fn printer(&self) -> Printer {
        Printer::new(self.format, Redactor::new())
    }
}

pub fn settings(args: ScanArgs) -> Result<Settings, CommandError> {
    if let Some(refusal) = args.format.refused_by("scan") {
        return Err(CommandError::CannotRun(refusal));
    }
    let host = args.host.trim().to_string();
    if host.is_empty() || host.contains('/') {
        return Err(CommandError::CannotRun(format!(
            "'{}' is not a host name or address (give the host only, e.g. localhost or 10.0.0.5)",
            args.host
        )));
    }
    let base = if args.only {
        Vec::new()
    } else {
        ports::usual_numbers()
    };
    Ok(Settings {
        host,
        ports: ports::with_extra(&base, &args.ports),
        timeout: args.timeout,
        format: args.format,
        verbose: args.trace.verbose,
    })
}

pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    let spinner = printer.spinner(&format!(
        "scanning {} ports of {}",
        settings.ports.len(),
        settings.host
    ));
    let work = scan::scan(&settings.host, &settings.ports, settings.timeout);
    let (report, trace) = crate::report::trace::traced(settings.verbose, work).await;
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    let mut report = report.map_err(|e| CommandError::CannotRun(e.to_string()))?;
    for event in &trace {
        printer.error(&event.line());
    }
    report.trace = trace;
    let mut buffer = Vec::new();
    match settings.format {
        Format::Json => report.render_json(&mut buffer)?,
        Format::Markdown => report.render_markdown(&mut buffer)?,
        Format::Human => report.render_human(&mut buffer)?,
        Format::Html => return Err(crate::report::render::no_html("scan").into()),
    }
    printer.block(&String::from_utf8_lossy(&buffer));
    Ok(Outcome::Done)
}
