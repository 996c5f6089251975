//! One handshake attempt: open a fresh TCP connection, run a rustls client handshake over it
//! with recording hooks, all under one deadline, and return the stream or how it failed together
//! with what the hooks observed. Also the post-handshake read that catches a server rejecting
//! the (missing) client certificate only after a TLS 1.3 handshake completed.

use super::recorder::{ClientCertRecorder, Observations, Observed, RecordingVerifier};
use rustls::ClientConfig;
use rustls::client::Resumption;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::{ServerName, UnixTime};
use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// How many bytes of the server's first reply are kept as evidence.
const FIRST_BYTES: usize = 64;

/// Everything a handshake attempt needs; built once per probe.
pub(super) struct Setup {
    pub addr: SocketAddr,
    pub server_name: ServerName<'static>,
    pub provider: Arc<CryptoProvider>,
    /// Needed for [`Mode::Verified`] only.
    pub verifier: Option<Arc<dyn ServerCertVerifier>>,
    pub identity: Option<Arc<CertifiedKey>>,
    pub alpn: Vec<Vec<u8>>,
    pub now: UnixTime,
    pub timeout: Duration,
}

/// Whether the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Verified,
    /// Accept any certificate: only to learn what the server would negotiate.
    Diagnostic,
}

/// How an attempt failed.
#[derive(Debug)]
pub(super) enum Failure {
    /// The TCP connection for the handshake could not be opened.
    Connect(io::Error),
    /// Connect plus handshake did not finish within the timeout.
    Timeout(Duration),
    Handshake(io::Error),
}

impl Failure {
    /// The rustls error inside, if the handshake failed with one.
    pub fn rustls_error(&self) -> Option<&rustls::Error> {
        match self {
            Failure::Handshake(err) => err.get_ref()?.downcast_ref::<rustls::Error>(),
            _ => None,
        }
    }
}

/// The result of one attempt.
pub(super) struct Attempt {
    pub result: Result<TlsStream<TcpStream>, Failure>,
    pub observed: Observed,
    pub elapsed: Duration,
}

impl Setup {
    fn config(
        &self,
        mode: Mode,
        observations: &Arc<Observations>,
    ) -> Result<ClientConfig, rustls::Error> {
        let inner = match mode {
            Mode::Verified => {
                let verifier = self.verifier.clone();
                Some(
                    verifier
                        .ok_or_else(|| rustls::Error::General("no certificate verifier".into()))?,
                )
            }
            Mode::Diagnostic => None,
        };
        let schemes = self
            .provider
            .signature_verification_algorithms
            .supported_schemes();
        let verifier = RecordingVerifier::new(inner, schemes, self.now, observations.clone());
        let resolver = ClientCertRecorder::new(self.identity.clone(), observations.clone());
        let mut config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_cert_resolver(Arc::new(resolver));
        config.alpn_protocols = self.alpn.clone();
        // Every attempt must be a full handshake, so that the hooks see the certificate messages.
        config.resumption = Resumption::disabled();
        Ok(config)
    }

    /// Connects and handshakes under one deadline of `timeout`.
    pub async fn attempt(&self, mode: Mode) -> Attempt {
        let started = Instant::now();
        let observations = Arc::new(Observations::default());
        let result = match self.config(mode, &observations) {
            Err(err) => Err(Failure::Handshake(io::Error::other(err))),
            Ok(config) => {
                let connector = TlsConnector::from(Arc::new(config));
                let run = async {
                    let tcp = TcpStream::connect(self.addr)
                        .await
                        .map_err(Failure::Connect)?;
                    let _ = tcp.set_nodelay(true);
                    handshake(&connector, self.server_name.clone(), tcp, &observations)
                        .await
                        .map_err(Failure::Handshake)
                };
                match tokio::time::timeout(self.timeout, run).await {
                    Ok(result) => result,
                    Err(_) => Err(Failure::Timeout(self.timeout)),
                }
            }
        };
        Attempt {
            result,
            observed: observations.snapshot(),
            elapsed: started.elapsed(),
        }
    }
}

/// Runs the client handshake, peeking (without consuming) at the first bytes the server sends,
/// which is how a plaintext reply is shown as evidence. The first poll writes the ClientHello
/// (a fresh socket always has room for it) and then waits for the reply; the peek waits for
/// the same reply, and rustls then reads it as usual.
async fn handshake(
    connector: &TlsConnector,
    name: ServerName<'static>,
    tcp: TcpStream,
    observations: &Observations,
) -> io::Result<TlsStream<TcpStream>> {
    let mut connect = connector.connect(name, tcp);
    if let Poll::Ready(result) = poll_fn(|cx| Poll::Ready(Pin::new(&mut connect).poll(cx))).await {
        return result;
    }
    if let Some(tcp) = connect.get_mut() {
        let mut buf = [0u8; FIRST_BYTES];
        if let Ok(n) = tcp.peek(&mut buf).await {
            observations.set_first_bytes(&buf[..n]);
        }
    }
    connect.await
}

/// What the server did right after a completed handshake in which it asked for a client
/// certificate.
#[derive(Debug)]
pub(super) enum AfterHandshake {
    /// Nothing within the window, or it started talking (an HTTP/2 SETTINGS frame): no rejection.
    Quiet,
    /// It sent a TLS alert (e.g. `CertificateRequired`) or closed the connection.
    Rejected(String),
}

/// Reads from a sacrificial stream for a short window to see whether the server rejects the
/// client authentication after the handshake, as TLS 1.3 servers do (the client finishes its
/// side first). The stream is consumed: never hand it on.
pub(super) async fn watch_after_handshake(
    mut stream: TlsStream<TcpStream>,
    window: Duration,
) -> AfterHandshake {
    let mut buf = [0u8; 256];
    match tokio::time::timeout(window, stream.read(&mut buf)).await {
        Err(_) | Ok(Ok(1..)) => AfterHandshake::Quiet,
        Ok(Ok(0)) => AfterHandshake::Rejected(
            "the server closed the connection right after the handshake".into(),
        ),
        Ok(Err(err)) => {
            let text = match err
                .get_ref()
                .and_then(|e| e.downcast_ref::<rustls::Error>())
            {
                Some(tls) => tls.to_string(),
                None => err.to_string(),
            };
            AfterHandshake::Rejected(text)
        }
    }
}

/// How long to wait for a post-handshake alert: a few round trips (estimated from how long the
/// handshake took), at least 300 ms, at most the probe timeout.
pub(super) fn alert_window(handshake: Duration, timeout: Duration) -> Duration {
    (handshake * 3).max(Duration::from_millis(300)).min(timeout)
}
