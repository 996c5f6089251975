//! A pass-through gRPC codec: the request message is already protobuf (from the pool), so the
//! encoder copies its bytes into the frame and the decoder hands back the raw answer. tonic still
//! does the framing, compression, metadata and status handling; nothing is encoded per request.

use bytes::{Buf, BufMut, Bytes};
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

/// gRPC frame header: a compression flag byte and a 4-byte length.
const FRAME_HEADER_BYTES: usize = 5;
/// tonic's default: how much encoded data it gathers before handing it to HTTP/2.
const YIELD_THRESHOLD_BYTES: usize = 32 * 1024;

/// Sends [`Bytes`] that already hold an encoded message; receives the answer's bytes.
#[derive(Debug, Clone, Copy)]
pub struct RawCodec {
    /// The largest message sent, so the frame buffer is allocated once at the right size.
    pub message_capacity: usize,
}

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawEncoder;
    type Decoder = RawDecoder;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder {
            capacity: self.message_capacity + FRAME_HEADER_BYTES,
        }
    }

    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

/// Copies the pre-encoded message into the frame.
#[derive(Debug, Clone, Copy)]
pub struct RawEncoder {
    capacity: usize,
}

impl Encoder for RawEncoder {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::new(self.capacity, YIELD_THRESHOLD_BYTES)
    }
}

/// Hands back the answer's message bytes undecoded.
#[derive(Debug, Clone, Copy)]
pub struct RawDecoder;

impl Decoder for RawDecoder {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}
