//! Opens fresh connections to an endpoint: plaintext TCP, or TLS with the verified client
//! configuration of [`super::tls`] and the ALPN each caller needs (the protocol probes, the
//! export check, `send`, `load`, the Collector and backend fetches).

use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// A byte stream a probe can speak HTTP over.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}

/// The ALPN protocol gRPC requires.
pub const ALPN_H2: &[u8] = b"h2";
/// The ALPN protocol of HTTP/1.1.
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

#[derive(Clone)]
pub enum Dialer {
    Plain {
        address: SocketAddr,
    },
    Tls {
        address: SocketAddr,
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
    },
}

impl Dialer {
    pub fn address(&self) -> SocketAddr {
        match self {
            Dialer::Plain { address } | Dialer::Tls { address, .. } => *address,
        }
    }

    pub fn is_tls(&self) -> bool {
        matches!(self, Dialer::Tls { .. })
    }

    /// Connects (and for TLS, handshakes offering `alpn`) within `timeout`.
    pub async fn dial(&self, alpn: &[u8], timeout: Duration) -> io::Result<Box<dyn Io>> {
        let work = async {
            let tcp = TcpStream::connect(self.address()).await?;
            let _ = tcp.set_nodelay(true);
            match self {
                Dialer::Plain { .. } => Ok(Box::new(tcp) as Box<dyn Io>),
                Dialer::Tls {
                    config,
                    server_name,
                    ..
                } => {
                    let mut config = (**config).clone();
                    config.alpn_protocols = vec![alpn.to_vec()];
                    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
                    let stream = connector.connect(server_name.clone(), tcp).await?;
                    Ok(Box::new(stream) as Box<dyn Io>)
                }
            }
        };
        tokio::time::timeout(timeout, work)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))?
    }
}
