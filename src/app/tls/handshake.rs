//! Handshake message reassembly of one direction: messages split over several records, or
//! several messages in one record, become whole messages.

/// Largest handshake message kept for parsing; longer ones are skipped with an event.
pub(super) const MAX_HANDSHAKE_LEN: usize = 256 * 1024;
/// Capacity above which the buffer is released instead of reused.
const KEEP_CAPACITY: usize = 32 * 1024;

/// What the assembler hands back.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum HsItem<'a> {
    /// A complete message: its type and body (without the 4-byte header).
    Message { msg_type: u8, body: &'a [u8] },
    /// A message longer than [`MAX_HANDSHAKE_LEN`]; its bytes are being skipped.
    TooLarge { msg_type: u8, len: usize },
}

/// Buffers handshake bytes until a whole message is present.
#[derive(Debug, Default)]
pub(super) struct HandshakeAssembler {
    buf: Vec<u8>,
    discard: usize,
    pending_clear: bool,
}

impl HandshakeAssembler {
    /// Forget any partial message (e.g. when the direction turns encrypted).
    pub(super) fn reset(&mut self) {
        *self = HandshakeAssembler::default();
    }

    /// Consume bytes from `data` until a message is complete (returned) or `data` is used up.
    pub(super) fn next(&mut self, data: &mut &[u8]) -> Option<HsItem<'_>> {
        if self.pending_clear {
            self.pending_clear = false;
            if self.buf.capacity() > KEEP_CAPACITY {
                self.buf = Vec::new();
            } else {
                self.buf.clear();
            }
        }
        if self.discard > 0 {
            let k = self.discard.min(data.len());
            self.discard -= k;
            *data = &data[k..];
            if self.discard > 0 {
                return None;
            }
        }
        if self.buf.len() < 4 {
            self.take(data, 4);
            if self.buf.len() < 4 {
                return None;
            }
        }
        let len = usize::from(self.buf[1]) << 16 | usize::from(self.buf[2]) << 8 | usize::from(self.buf[3]);
        if len > MAX_HANDSHAKE_LEN {
            let msg_type = self.buf[0];
            self.buf.clear();
            self.discard = len;
            return Some(HsItem::TooLarge { msg_type, len });
        }
        self.take(data, 4 + len);
        if self.buf.len() < 4 + len {
            return None;
        }
        self.pending_clear = true;
        Some(HsItem::Message {
            msg_type: self.buf[0],
            body: &self.buf[4..],
        })
    }

    /// Move bytes from `data` into the buffer until it holds `want` bytes.
    fn take(&mut self, data: &mut &[u8], want: usize) {
        let k = want.saturating_sub(self.buf.len()).min(data.len());
        self.buf.extend_from_slice(&data[..k]);
        *data = &data[k..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(asm: &mut HandshakeAssembler, mut data: &[u8]) -> Vec<(u8, Vec<u8>)> {
        let mut out = Vec::new();
        while let Some(item) = asm.next(&mut data) {
            match item {
                HsItem::Message { msg_type, body } => out.push((msg_type, body.to_vec())),
                HsItem::TooLarge { msg_type, .. } => out.push((msg_type, b"too large".to_vec())),
            }
        }
        out
    }

    #[test]
    fn messages_split_and_joined() {
        let stream = [1, 0, 0, 3, 7, 8, 9, 14, 0, 0, 0, 2, 0, 0, 1, 5];
        let mut a = HandshakeAssembler::default();
        let whole = collect(&mut a, &stream);
        assert_eq!(whole, vec![(1, vec![7, 8, 9]), (14, vec![]), (2, vec![5])]);
        let mut b = HandshakeAssembler::default();
        let mut got = Vec::new();
        for c in stream.chunks(3) {
            got.extend(collect(&mut b, c));
        }
        assert_eq!(got, whole);
    }

    #[test]
    fn oversized_message_is_skipped() {
        let len = MAX_HANDSHAKE_LEN + 1;
        let mut stream = vec![11, (len >> 16) as u8, (len >> 8) as u8, len as u8];
        stream.extend(std::iter::repeat_n(0xeeu8, len));
        stream.extend([14, 0, 0, 0]);
        let mut a = HandshakeAssembler::default();
        let out = collect(&mut a, &stream);
        assert_eq!(out, vec![(11, b"too large".to_vec()), (14, vec![])]);
    }
}
