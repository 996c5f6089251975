//! Reading the raw bytes a server answered our ClientHello with: is it a TLS record at all, or
//! plaintext HTTP/1 or HTTP/2, and how to show those bytes safely in evidence.

/// What the first bytes of the server's reply look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reply {
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
pub(super) fn classify(bytes: &[u8]) -> Reply {
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
pub(super) fn escape(bytes: &[u8]) -> String {
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
        assert_eq!(escape(b"HTTP/1.1 400\r\n\x00"), "\"HTTP/1.1 400\\r\\n\\x00\"");
    }
}
