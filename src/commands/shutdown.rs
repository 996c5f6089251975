//! The one shutdown signal of the long-running commands (`serve`, `probe-server`, `load`,
//! `overhead`): Ctrl-C, or SIGTERM (what Kubernetes and process managers send).

/// Completes on Ctrl-C or SIGTERM. A signal that cannot be watched never fires (the command
/// then runs to its own end) rather than stopping the command at once.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        #[cfg(unix)]
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
            return;
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
