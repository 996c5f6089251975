//! `otlp-doctor serve`: a local OTLP receiver that shows and lints what an application sends,
//! with optional fault injection and TLS. Runs until Ctrl-C (or `--duration`), then prints a
//! summary per service.

use super::{CommandError, CommandSettings, Outcome};
use crate::cli::{FaultArgs, LiveFormat, ServeArgs, UiArgs};
use crate::otlp::capture;
use crate::otlp::payload::ExportRequest;
use crate::printer::Printer;
use crate::report::mask::Redactor;
use crate::report::render::Format;
use crate::serve::ReceiverConfig;
use crate::serve::faults::FaultPolicy;
use crate::serve::sink::{Fanout, HumanSink, NdjsonSink, SaveFile, SaveSink, Sink};
use crate::serve::ui::{Limits, SharedStore, Store, StoreSink, UiServer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What `serve` runs on: the receiver's listeners and faults, the live format, and when to stop.
pub struct Settings {
    pub config: ReceiverConfig,
    pub format: LiveFormat,
    /// `--duration`; without it, until Ctrl-C or SIGTERM.
    pub duration: Option<Duration>,
    /// `--tls`: a certificate made on the fly.
    pub tls: bool,
    /// `--ui`: where the web view listens and what it keeps.
    pub ui: Option<UiSettings>,
    /// `--save`: the capture file, opened for appending.
    pub save: Option<SaveFile>,
    /// `--open`: a capture read whole, shown instead of listening.
    pub open: Option<(PathBuf, Vec<ExportRequest>)>,
}

#[derive(Debug, Clone, Copy)]
pub struct UiSettings {
    pub listen: SocketAddr,
    pub limits: Limits,
}

impl UiSettings {
    pub fn of(args: &UiArgs) -> Option<UiSettings> {
        args.listen.map(|listen| UiSettings {
            listen,
            limits: Limits {
                max_items: args.ui_max_items,
                max_age: args.ui_max_age,
            },
        })
    }

    /// Binds the web view over a new store.
    pub async fn start(&self, rejected_per_request: u64) -> Result<UiServer, CommandError> {
        let store = SharedStore::new(Store::new(self.limits, rejected_per_request));
        UiServer::start(self.listen, store).await.map_err(|e| {
            CommandError::Serve(format!(
                "the web view cannot listen on {}: {e}; pick another address with --ui ADDR (port 0 picks a free one)",
                self.listen
            ))
        })
    }
}

/// The faults `serve` and `proxy` inject toward the app, from their shared flags.
pub(super) fn fault_policy(args: &FaultArgs, reject_partial: u64) -> FaultPolicy {
    FaultPolicy {
        require_header: args
            .require_header
            .as_ref()
            .map(|h| (h.name.clone(), h.value.clone())),
        fail_rate: args.fail_rate,
        fail_with: Some(args.fail_with),
        delay: args.delay.unwrap_or_default(),
        reject_partial,
    }
}

impl CommandSettings for Settings {
    /// The required header's value is a secret.
    fn printer(&self) -> Printer {
        let mut redactor = Redactor::new();
        if let Some((_, value)) = &self.config.faults.require_header {
            redactor.add(value);
        }
        let format = Format::from(self.format);
        Printer::new(format, redactor)
    }
}

/// Validates `serve`'s arguments: the `--open` capture is read and the `--save` file opened here,
/// so a bad file is refused before anything listens.
pub fn settings(args: ServeArgs) -> Result<Settings, CommandError> {
    let faults = fault_policy(&args.faults, args.reject_partial);
    let config = ReceiverConfig {
        grpc_listen: args.grpc_listen,
        http_listen: args.http_listen,
        max_message_bytes: args.max_message_bytes,
        faults,
        ..ReceiverConfig::default()
    };
    let save = match args.save {
        Some(path) => {
            let file = SaveFile::open(&path).map_err(|e| CommandError::UnwritableFile {
                flag: "--save",
                path: path.clone(),
                reason: e.to_string(),
            })?;
            Some(file)
        }
        None => None,
    };
    let open = match args.open {
        Some(path) => {
            let requests =
                capture::read(&path).map_err(|e| CommandError::CannotRun(e.to_string()))?;
            Some((path, requests))
        }
        None => None,
    };
    Ok(Settings {
        config,
        format: args.format,
        duration: args.duration,
        tls: args.tls,
        ui: UiSettings::of(&args.ui),
        save,
        open,
    })
}

/// Receives, shows and lints until stopped, then prints the summary; with `--open`, shows the
/// capture instead.
pub async fn run(mut settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    let ui = match &settings.ui {
        Some(ui) => Some(ui.start(settings.config.faults.reject_partial).await?),
        None => None,
    };
    let mut sinks: Vec<Box<dyn Sink + '_>> = vec![match settings.format {
        LiveFormat::Human => Box::new(HumanSink::new(printer)),
        LiveFormat::Json => Box::new(NdjsonSink::new(printer)),
    }];
    if let Some(ui) = &ui {
        sinks.push(Box::new(StoreSink::new(ui.store())));
    }
    // A live receiver saves each request before answering it; an opened capture reaches no
    // receiver, so its sink writes what it is shown.
    if let Some(file) = settings.save.take() {
        if settings.open.is_some() {
            sinks.push(Box::new(SaveSink::writing(file, printer)));
        } else {
            settings.config.save = Some(file.clone());
            sinks.push(Box::new(SaveSink::reporting(file, printer)));
        }
    }
    if let Some((path, requests)) = settings.open.take() {
        announce_capture(&path, requests.len(), ui.as_ref(), settings.format, printer);
        crate::serve::open_capture(requests, &mut Fanout(sinks));
        if let Some(ui) = ui {
            stop_signal(settings.duration).await;
            ui.stop().await;
        }
        return Ok(Outcome::Done);
    }
    let result = crate::serve::run(
        settings.config,
        settings.tls,
        ui.as_ref(),
        &mut Fanout(sinks),
        stop_signal(settings.duration),
    )
    .await;
    if let Some(ui) = ui {
        ui.stop().await;
    }
    result.map_err(|e| CommandError::Serve(e.to_string()))?;
    Ok(Outcome::Done)
}

/// The first line of `serve --open`: which capture, how many requests, and the view's address.
fn announce_capture(
    path: &Path,
    requests: usize,
    ui: Option<&UiServer>,
    format: LiveFormat,
    printer: &Printer,
) {
    let ui_url = ui.map(UiServer::url);
    match format {
        LiveFormat::Json => {
            let mut line = serde_json::json!({
                "kind": "opened",
                "file": path.display().to_string(),
                "requests": requests,
            });
            if let (Some(url), serde_json::Value::Object(map)) = (&ui_url, &mut line) {
                map.insert("ui_url".into(), url.clone().into());
            }
            printer.json_line(&line);
        }
        LiveFormat::Human => {
            printer.line(&format!("{}: {requests} export requests", path.display()));
            if let Some(url) = ui_url {
                printer.line(&format!("web view: {url} (Ctrl-C to stop)"));
            }
        }
    }
}

/// Completes on Ctrl-C, SIGTERM, or after `duration`.
pub(super) async fn stop_signal(duration: Option<Duration>) {
    let timer = async {
        match duration {
            Some(duration) => tokio::time::sleep(duration).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = super::shutdown_signal() => {}
        () = timer => {}
    }
}
