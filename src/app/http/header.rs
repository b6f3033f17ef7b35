//! Header block assembly: field lines, folded continuations, name/value split, count and size limits.

use super::bytes::{is_space, is_token, strip_cr, trim, trim_end};
use super::event::push_unique;
use super::{Direction, HttpEvent, HttpLimits};

/// A header block being read, line by line.
#[derive(Debug, Default)]
pub(super) struct HeaderBuilder {
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    raw: Vec<u8>,
    events: Vec<HttpEvent>,
    pending: Option<(Vec<u8>, Vec<u8>)>,
    /// Fields started so far (kept or dropped), counting from `start_count`.
    count: usize,
    /// Name and value bytes kept so far.
    parsed_bytes: usize,
    /// Raw bytes already held by the transaction before this block.
    raw_base: usize,
    raw_full: bool,
}

/// A finished header block.
#[derive(Debug, Default)]
pub(super) struct HeaderBlock {
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    pub raw: Vec<u8>,
    pub events: Vec<HttpEvent>,
}

/// Does this line look like `name: value` with a token name?
pub(super) fn looks_like_field(line: &[u8]) -> bool {
    match memchr::memchr(b':', line) {
        Some(c) => is_token(line.get(..c).unwrap_or_default()),
        None => false,
    }
}

impl HeaderBuilder {
    /// A builder whose limits also count `count` fields and `bytes` bytes
    /// already kept for the message (used for trailers).
    pub(super) fn continuing(count: usize, parsed_bytes: usize, raw_bytes: usize) -> Self {
        HeaderBuilder {
            count,
            parsed_bytes,
            raw_base: raw_bytes,
            ..HeaderBuilder::default()
        }
    }

    /// Takes one line (LF removed, CR possibly present). Returns true when the
    /// line is the empty line ending the block.
    pub(super) fn push_line(&mut self, line: &[u8], cut: bool, dir: Direction, limits: &HttpLimits) -> bool {
        if !self.raw_full {
            if self.raw_base + self.raw.len() + line.len() < limits.max_header_block {
                self.raw.extend_from_slice(line);
                self.raw.push(b'\n');
            } else {
                self.raw_full = true;
                push_unique(&mut self.events, HttpEvent::HeaderBlockTooLarge(dir));
            }
        }
        if cut {
            push_unique(&mut self.events, HttpEvent::HeaderTooLong(dir));
        }
        let l = strip_cr(line);
        if l.is_empty() {
            self.commit(dir, limits);
            return true;
        }
        if l.first().is_some_and(|&b| is_space(b)) {
            let cont = trim(l);
            if let Some((_, value)) = self.pending.as_mut() {
                if !cont.is_empty() {
                    let room = limits.max_header_line.saturating_sub(value.len() + 1);
                    if cont.len() > room {
                        push_unique(&mut self.events, HttpEvent::HeaderTooLong(dir));
                    }
                    if room > 0 {
                        value.push(b' ');
                        value.extend_from_slice(cont.get(..room.min(cont.len())).unwrap_or_default());
                    }
                }
                return false;
            }
            if cont.is_empty() {
                return false;
            }
            push_unique(&mut self.events, HttpEvent::InvalidFolding(dir));
            self.start_field(cont, dir);
            return false;
        }
        self.commit(dir, limits);
        self.start_field(l, dir);
        false
    }

    fn start_field(&mut self, l: &[u8], dir: Direction) {
        let (name, value) = match memchr::memchr(b':', l) {
            None => {
                push_unique(&mut self.events, HttpEvent::HeaderMissingColon(dir));
                (&l[..0], trim(l))
            }
            Some(c) => {
                let raw_name = l.get(..c).unwrap_or_default();
                let name = trim_end(raw_name);
                if name.len() != raw_name.len() || !is_token(name) {
                    push_unique(&mut self.events, HttpEvent::InvalidHeaderName(dir));
                }
                (name, trim(l.get(c + 1..).unwrap_or_default()))
            }
        };
        self.pending = Some((name.to_vec(), value.to_vec()));
    }

    fn commit(&mut self, dir: Direction, limits: &HttpLimits) {
        let Some((name, value)) = self.pending.take() else {
            return;
        };
        self.count += 1;
        if self.count > limits.max_headers {
            push_unique(&mut self.events, HttpEvent::TooManyHeaders(dir));
            return;
        }
        let size = name.len() + value.len();
        if self.parsed_bytes + size > limits.max_header_block {
            push_unique(&mut self.events, HttpEvent::HeaderBlockTooLarge(dir));
            return;
        }
        self.parsed_bytes += size;
        self.headers.push((name, value));
    }

    /// Ends the block early (lost bytes, end of flow): the field being read
    /// is kept.
    pub(super) fn flush(&mut self, dir: Direction, limits: &HttpLimits) {
        self.commit(dir, limits);
    }

    /// Hands out the block and resets the builder.
    pub(super) fn take_block(&mut self) -> HeaderBlock {
        let b = std::mem::take(self);
        HeaderBlock {
            headers: b.headers,
            raw: b.raw,
            events: b.events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(lines: &[&[u8]], limits: &HttpLimits) -> (HeaderBlock, bool) {
        let mut b = HeaderBuilder::default();
        let mut ended = false;
        for l in lines {
            ended = b.push_line(l, false, Direction::ToServer, limits);
            if ended {
                break;
            }
        }
        (b.take_block(), ended)
    }

    #[test]
    fn simple_block() {
        let (b, ended) = build(
            &[b"Host: example.com\r", b"User-Agent:  x y \r", b"\r"],
            &HttpLimits::default(),
        );
        assert!(ended);
        assert_eq!(
            b.headers,
            vec![
                (b"Host".to_vec(), b"example.com".to_vec()),
                (b"User-Agent".to_vec(), b"x y".to_vec())
            ]
        );
        assert_eq!(b.raw, b"Host: example.com\r\nUser-Agent:  x y \r\n\r\n");
        assert!(b.events.is_empty());
    }

    #[test]
    fn folding() {
        let (b, _) = build(
            &[b"X-A: one", b"  two", b"\tthree", b"X-B: b", b""],
            &HttpLimits::default(),
        );
        assert_eq!(b.headers[0], (b"X-A".to_vec(), b"one two three".to_vec()));
        assert_eq!(b.headers[1], (b"X-B".to_vec(), b"b".to_vec()));
    }

    #[test]
    fn invalid_lines() {
        let (b, _) = build(
            &[b" leading: fold", b"nocolon", b"Bad Name: v", b"Sp : v", b""],
            &HttpLimits::default(),
        );
        assert!(b.events.contains(&HttpEvent::InvalidFolding(Direction::ToServer)));
        assert!(b.events.contains(&HttpEvent::HeaderMissingColon(Direction::ToServer)));
        assert!(b.events.contains(&HttpEvent::InvalidHeaderName(Direction::ToServer)));
        assert_eq!(b.headers[0], (b"leading".to_vec(), b"fold".to_vec()));
        assert_eq!(b.headers[1], (b"".to_vec(), b"nocolon".to_vec()));
        assert_eq!(b.headers[2], (b"Bad Name".to_vec(), b"v".to_vec()));
        assert_eq!(b.headers[3], (b"Sp".to_vec(), b"v".to_vec()));
    }

    #[test]
    fn count_limit() {
        let limits = HttpLimits {
            max_headers: 2,
            ..HttpLimits::default()
        };
        let (b, _) = build(&[b"A: 1", b"B: 2", b"C: 3", b" folded", b""], &limits);
        assert_eq!(b.headers.len(), 2);
        assert!(b.events.contains(&HttpEvent::TooManyHeaders(Direction::ToServer)));
    }

    #[test]
    fn block_limit() {
        let limits = HttpLimits {
            max_header_block: 20,
            ..HttpLimits::default()
        };
        let (b, ended) = build(&[b"A: 1234567890", b"B: 1234567890", b""], &limits);
        assert!(ended);
        assert_eq!(b.headers.len(), 1);
        assert!(b.raw.len() < 20);
        assert!(b.events.contains(&HttpEvent::HeaderBlockTooLarge(Direction::ToServer)));
    }

    #[test]
    fn fold_limit() {
        let limits = HttpLimits {
            max_header_line: 64,
            ..HttpLimits::default()
        };
        let long = [b'x'; 60];
        let mut lines: Vec<Vec<u8>> = vec![b"A: v".to_vec()];
        for _ in 0..10 {
            let mut l = b" ".to_vec();
            l.extend_from_slice(&long);
            lines.push(l);
        }
        lines.push(Vec::new());
        let refs: Vec<&[u8]> = lines.iter().map(|l| l.as_slice()).collect();
        let (b, _) = build(&refs, &limits);
        assert!(b.headers[0].1.len() <= 64);
        assert!(b.events.contains(&HttpEvent::HeaderTooLong(Direction::ToServer)));
    }

    #[test]
    fn field_shape() {
        assert!(looks_like_field(b"Host: x"));
        assert!(!looks_like_field(b"GET /x"));
        assert!(!looks_like_field(b": x"));
        assert!(!looks_like_field(b"A B: x"));
    }
}
