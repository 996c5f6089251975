//! Values given on the command line, which override `OTEL_*` variables for every signal.

use super::signal::{Compression, Protocol};
use super::values::Header;
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The ENDPOINT argument: same meaning as `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub endpoint: Option<String>,
    pub protocol: Option<Protocol>,
    /// `--header K=V`, merged over the headers from the environment (same name: the flag wins).
    pub headers: Vec<Header>,
    pub ca_cert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure: bool,
    pub compression: Option<Compression>,
}
