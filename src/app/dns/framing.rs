//! DNS over TCP framing: cuts a byte stream into messages using their 2-byte length prefix.

/// Buffer capacity kept between messages; a larger one is released once its message is delivered.
const KEPT_CAPACITY: usize = 4096;

/// Reassembles length-prefixed messages from one direction of a TCP stream.
/// Holds at most one prefix plus one message (`MAX_TCP_BUFFER` bytes).
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
}

impl Framer {
    /// Consumes `data`, calling `on_message` with each complete message (prefix removed), in order.
    /// Bytes of an incomplete message are kept for the next call.
    pub fn feed(&mut self, mut data: &[u8], mut on_message: impl FnMut(&[u8])) {
        if !self.buf.is_empty() {
            let want = self.wanted_len();
            let take = want.saturating_sub(self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            // With two bytes in, the wanted length is now known: top up again.
            let want = self.wanted_len();
            let more = want.saturating_sub(self.buf.len()).min(data.len());
            self.buf.reserve_exact(want - self.buf.len());
            self.buf.extend_from_slice(&data[..more]);
            data = &data[more..];
            if self.buf.len() < self.wanted_len() {
                return;
            }
            on_message(&self.buf[2..]);
            self.buf.clear();
            if self.buf.capacity() > KEPT_CAPACITY {
                self.buf = Vec::new();
            }
        }
        while data.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([data[0], data[1]]));
            if data.len() < 2 + len {
                break;
            }
            on_message(&data[2..2 + len]);
            data = &data[2 + len..];
        }
        // Here `data` is shorter than one prefix plus its message, so within MAX_TCP_BUFFER;
        // capacity is reserved exactly so the allocation stays within it too.
        if !data.is_empty() {
            let want = match data {
                [hi, lo, ..] => 2 + usize::from(u16::from_be_bytes([*hi, *lo])),
                _ => 2,
            };
            self.buf.reserve_exact(want);
            self.buf.extend_from_slice(data);
        }
    }

    /// Forgets any partial message (after a gap in the stream).
    pub fn reset(&mut self) {
        self.buf = Vec::new();
    }

    /// Bytes allocated for the buffer (at most `MAX_TCP_BUFFER`).
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Bytes held for an incomplete message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Total length (prefix included) of the message being assembled, or 2 if the prefix is incomplete.
    fn wanted_len(&self) -> usize {
        match self.buf.as_slice() {
            [hi, lo, ..] => 2 + usize::from(u16::from_be_bytes([*hi, *lo])),
            _ => 2,
        }
    }
}
