//! Reading the raw bytes a server answered with: a TLS record, plaintext HTTP/1 or HTTP/2, or
//! something else; a stream wrapper that keeps the first bytes read for that; and how to show
//! those bytes safely in evidence.

/// What the first bytes of the server's reply look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Nothing was received.
    Nothing,
    /// A TLS record header (content type 20..=24, version 3.x).
    Tls,
    /// `HTTP/1.x ...`: a plaintext HTTP/1 server.
    Http1,
    /// An HTTP/2 frame header (SETTINGS or GOAWAY): a plaintext HTTP/2 (h2c, gRPC) server.
    Http2,
    /// Something else that is not TLS.
    Other,
}

impl Reply {
    pub fn is_plaintext(self) -> bool {
        matches!(self, Reply::Http1 | Reply::Http2 | Reply::Other)
    }

    /// A short description for evidence.
    pub fn describe(self) -> &'static str {
        match self {
            Reply::Nothing => "nothing",
            Reply::Tls => "a TLS record",
            Reply::Http1 => "a plaintext HTTP/1 response",
            Reply::Http2 => "a plaintext HTTP/2 frame (h2c, as a gRPC server without TLS sends)",
            Reply::Other => "bytes that are not a TLS record",
        }
    }
}

/// Classifies the first bytes of a server's reply.
pub fn classify(bytes: &[u8]) -> Reply {
    match bytes {
        [] => Reply::Nothing,
        [b'H', b'T', b'T', b'P', b'/', ..] => Reply::Http1,
        // HTTP/2 frame: 24-bit length, type, flags, stream id; SETTINGS (4) or GOAWAY (7) on
        // stream 0 is what a server sends first. TLS records never start with a zero byte.
        [0, _, _, 4 | 7, _, 0, 0, 0, 0, ..] | [0, _, _, 4 | 7] => Reply::Http2,
        [20..=24, 3, ..] | [20..=24] => Reply::Tls,
        _ => Reply::Other,
    }
}

/// Printable ASCII as is, `\r`, `\n`, `\t` as escapes, anything else as `\xNN`; quoted.
/// [`escape`] of at most the first `limit` bytes, saying how many there were when cut: binary
/// answers (HTTP/2 frames, TLS records) stay readable as evidence.
pub fn escape_start(bytes: &[u8], limit: usize) -> String {
    if bytes.len() <= limit {
        return escape(bytes);
    }
    format!(
        "{} (the first {limit} of {} bytes)",
        escape(&bytes[..limit]),
        bytes.len()
    )
}

pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// How many bytes of a server's reply are kept for diagnosis.
const RECORDED_BYTES: usize = 1024;

/// A stream that keeps a copy of the first bytes read from it, so that when a protocol library
/// fails on a reply, the reply itself can still be classified.
pub struct RecordingStream<S> {
    inner: S,
    seen: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl<S> RecordingStream<S> {
    pub fn new(inner: S) -> (Self, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        (
            RecordingStream {
                inner,
                seen: seen.clone(),
            },
            seen,
        )
    }
}

/// The bytes recorded so far.
pub fn recorded(seen: &std::sync::Mutex<Vec<u8>>) -> Vec<u8> {
    seen.lock()
        .map(|bytes| bytes.clone())
        .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for RecordingStream<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if let std::task::Poll::Ready(Ok(())) = &result {
            let fresh = &buf.filled()[before..];
            if let Ok(mut seen) = self.seen.lock() {
                let room = RECORDED_BYTES.saturating_sub(seen.len());
                seen.extend_from_slice(&fresh[..fresh.len().min(room)]);
            }
        }
        result
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for RecordingStream<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_replies() {
        assert_eq!(classify(b"HTTP/1.1 400 Bad Request\r\n"), Reply::Http1);
        assert_eq!(classify(&[0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3]), Reply::Http2);
        assert_eq!(classify(&[22, 3, 3, 0, 90]), Reply::Tls);
        assert_eq!(classify(&[21, 3, 3, 0, 2, 2, 40]), Reply::Tls);
        assert_eq!(classify(b"SSH-2.0-OpenSSH"), Reply::Other);
        assert_eq!(classify(b""), Reply::Nothing);
    }

    #[test]
    fn escapes_control_bytes() {
        assert_eq!(
            escape(b"HTTP/1.1 400\r\n\x00"),
            "\"HTTP/1.1 400\\r\\n\\x00\""
        );
    }
}
