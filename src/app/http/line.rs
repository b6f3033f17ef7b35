//! Bounded accumulation of one text line (up to LF) across arbitrarily split input.

/// Collects the bytes of a line until LF, keeping at most `limit` of them.
#[derive(Debug, Default)]
pub(super) struct LineBuf {
    buf: Vec<u8>,
    overflow: bool,
}

impl LineBuf {
    /// Appends `data` up to and including the first LF (which is not stored).
    /// Returns how many bytes were consumed and whether the line is complete.
    pub(super) fn push(&mut self, data: &[u8], limit: usize) -> (usize, bool) {
        match memchr::memchr(b'\n', data) {
            Some(i) => {
                self.append(data.get(..i).unwrap_or_default(), limit);
                (i + 1, true)
            }
            None => {
                self.append(data, limit);
                (data.len(), false)
            }
        }
    }

    fn append(&mut self, data: &[u8], limit: usize) {
        let room = limit.saturating_sub(self.buf.len());
        let take = room.min(data.len());
        self.buf.extend_from_slice(data.get(..take).unwrap_or_default());
        if take < data.len() {
            self.overflow = true;
        }
    }

    /// The bytes collected so far (CR included, LF never).
    pub(super) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    pub(super) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Hands out the collected line (CR kept) and whether it was cut; the
    /// buffer starts empty again. Give the vector back with [`Self::recycle`].
    pub(super) fn take(&mut self) -> (Vec<u8>, bool) {
        let overflow = std::mem::replace(&mut self.overflow, false);
        (std::mem::take(&mut self.buf), overflow)
    }

    /// Returns a vector obtained from [`Self::take`] to reuse its storage.
    pub(super) fn recycle(&mut self, mut v: Vec<u8>) {
        if self.buf.is_empty() {
            v.clear();
            self.buf = v;
        }
    }

    pub(super) fn clear(&mut self) {
        self.buf.clear();
        self.overflow = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_line() {
        let mut l = LineBuf::default();
        assert_eq!(l.push(b"GET / HT", 100), (8, false));
        assert_eq!(l.push(b"TP/1.1\r\nHost", 100), (8, true));
        let (line, ovf) = l.take();
        assert_eq!(line, b"GET / HTTP/1.1\r");
        assert!(!ovf);
        assert!(l.is_empty());
    }

    #[test]
    fn bounded() {
        let mut l = LineBuf::default();
        assert_eq!(l.push(&[b'a'; 50], 10), (50, false));
        assert_eq!(l.push(b"bb\nc", 10), (3, true));
        let (line, ovf) = l.take();
        assert_eq!(line.len(), 10);
        assert!(ovf);
        assert!(!l.take().1);
    }
}
