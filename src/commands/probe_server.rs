//! `otlp-doctor probe-server`: serves `/probe?target=URL` for Prometheus (the blackbox-exporter
//! pattern) until Ctrl-C or SIGTERM; SIGHUP reloads the module file.

use super::{CommandError, CommandSettings, Outcome};
use crate::cli::ProbeServerArgs;
use crate::printer::Printer;
use crate::probe::{Modules, ProbeServer, Reloader, ServerConfig};
use crate::report::mask::Redactor;
use crate::report::render::Format;
use tokio_util::sync::CancellationToken;

/// What `probe-server` serves: the listen address, the modules and the concurrency bound.
pub struct Settings {
    pub config: ServerConfig,
}

impl CommandSettings for Settings {
    /// Every header value of every module is a secret.
    fn printer(&self) -> Printer {
        let mut redactor = Redactor::new();
        for secret in self.config.modules.secrets() {
            redactor.add(secret);
        }
        Printer::new(Format::Human, redactor)
    }
}

/// Reads the module file (or takes the built-in `default` module); a bad file is refused here.
pub fn settings(args: ProbeServerArgs) -> Result<Settings, CommandError> {
    let modules = match &args.config {
        Some(path) => Modules::load(path).map_err(|e| CommandError::Serve(e.to_string()))?,
        None => Modules::builtin(),
    };
    Ok(Settings {
        config: ServerConfig {
            listen: args.listen,
            max_concurrent: args.max_concurrent as usize,
            modules,
            module_file: args.config,
        },
    })
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn run(settings: Settings, printer: &Printer) -> Result<Outcome, CommandError> {
    serve(settings.config, printer).await
}

async fn serve(config: ServerConfig, printer: &Printer) -> Result<Outcome, CommandError> {
    let names = config.modules.names().collect::<Vec<_>>().join(", ");
    let bound = ProbeServer::bind(config)
        .await
        .map_err(|e| CommandError::Serve(e.to_string()))?;
    printer.line(&format!("listening on http://{}", bound.local_addr()));
    printer.line(&format!(
        "probe with /probe?target=URL[&module=NAME]; modules: {names}"
    ));
    let reloader = bound.reloader();
    let token = CancellationToken::new();
    let server = tokio::spawn(bound.serve(token.clone()));
    tokio::select! {
        () = super::shutdown_signal() => {}
        () = reload_on_hangup(&reloader, printer) => {}
    }
    token.cancel();
    let _ = server.await;
    Ok(Outcome::Done)
}

/// Reloads the module file on every SIGHUP; never completes.
async fn reload_on_hangup(reloader: &Reloader, printer: &Printer) {
    #[cfg(unix)]
    if let Ok(mut hangup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        while hangup.recv().await.is_some() {
            match reloader.reload() {
                Ok(Some(count)) => printer.error(&format!("reloaded {count} modules")),
                Ok(None) => printer.error("SIGHUP ignored: no --config file to reload"),
                Err(error) => printer.error(&format!(
                    "otlp-doctor: reload failed, the previous modules stay in use: {error}"
                )),
            }
        }
    }
    std::future::pending::<()>().await
}
