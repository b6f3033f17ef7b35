//! Record framing of one direction: TLS and SSLv2 record headers, bodies reassembled across chunks.

use super::events::TlsEvent;

/// Largest record body TLS allows (TLSCiphertext: 2^14 + 2048).
pub(super) const MAX_TLS_RECORD_LEN: usize = 16384 + 2048;
/// Capacity above which the body buffer is released instead of reused.
const KEEP_CAPACITY: usize = 32 * 1024;

/// TLS content types.
pub(super) const CT_CHANGE_CIPHER_SPEC: u8 = 20;
pub(super) const CT_ALERT: u8 = 21;
pub(super) const CT_HANDSHAKE: u8 = 22;
pub(super) const CT_APPLICATION_DATA: u8 = 23;
pub(super) const CT_HEARTBEAT: u8 = 24;

/// Which record format a direction uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Framing {
    /// Not decided yet: the first byte chooses.
    Unknown,
    /// TLS records (5-byte header).
    Tls,
    /// SSLv2 records (2- or 3-byte header).
    Ssl2,
}

/// What the framer hands back.
#[derive(Debug)]
pub(super) enum Frame<'a> {
    /// A complete TLS record of a type whose body is kept.
    Tls {
        content_type: u8,
        version: u16,
        body: &'a [u8],
    },
    /// The header of an application_data record; its body is skipped, never buffered.
    TlsOpaque { version: u16 },
    /// A complete SSLv2 record (body including any padding).
    Ssl2 { body: &'a [u8] },
    /// An anomaly in a header; framing goes on.
    Anomaly(TlsEvent),
    /// Framing is lost; nothing more is framed in this direction.
    Fatal(TlsEvent),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Header,
    TlsBody { content_type: u8, version: u16, len: usize },
    Ssl2Body { len: usize },
    Skip(usize),
    Dead,
}

/// Splits one direction's byte stream into records; memory is bounded by the largest
/// possible record (64 KiB + header).
#[derive(Debug)]
pub(super) struct Framer {
    framing: Framing,
    hdr: [u8; 5],
    hdr_len: usize,
    stage: Stage,
    body: Vec<u8>,
    pending_clear: bool,
}

impl Framer {
    pub(super) fn new() -> Self {
        Framer {
            framing: Framing::Unknown,
            hdr: [0; 5],
            hdr_len: 0,
            stage: Stage::Header,
            body: Vec::new(),
            pending_clear: false,
        }
    }

    #[cfg(test)]
    pub(super) fn framing(&self) -> Framing {
        self.framing
    }

    /// Switch format between records (an SSLv2-compatible hello is followed by TLS records).
    pub(super) fn set_framing(&mut self, framing: Framing) {
        self.framing = framing;
    }

    /// Drop buffered bytes and stop framing.
    pub(super) fn kill(&mut self) {
        self.stage = Stage::Dead;
        self.body = Vec::new();
        self.hdr_len = 0;
    }

    /// Consume bytes from `data` until a frame is ready (returned) or `data` is used up (`None`).
    ///
    /// Call again until it returns `None`: a frame may be ready without consuming input.
    pub(super) fn push(&mut self, data: &mut &[u8]) -> Option<Frame<'_>> {
        if self.pending_clear {
            self.pending_clear = false;
            if self.body.capacity() > KEEP_CAPACITY {
                self.body = Vec::new();
            } else {
                self.body.clear();
            }
        }
        loop {
            match self.stage {
                Stage::Dead => {
                    *data = &[];
                    return None;
                }
                Stage::Skip(n) => {
                    let k = n.min(data.len());
                    *data = &data[k..];
                    if k < n {
                        self.stage = Stage::Skip(n - k);
                        return None;
                    }
                    self.stage = Stage::Header;
                }
                Stage::Header => {
                    if self.hdr_len == 0 {
                        let (&first, rest) = data.split_first()?;
                        self.hdr[0] = first;
                        self.hdr_len = 1;
                        *data = rest;
                    }
                    let need = match self.header_len() {
                        Ok(n) => n,
                        Err(event) => {
                            self.kill();
                            return Some(Frame::Fatal(event));
                        }
                    };
                    let k = (need - self.hdr_len).min(data.len());
                    self.hdr[self.hdr_len..self.hdr_len + k].copy_from_slice(&data[..k]);
                    self.hdr_len += k;
                    *data = &data[k..];
                    if self.hdr_len < need {
                        return None;
                    }
                    self.hdr_len = 0;
                    if let Some(frame) = self.on_header(need) {
                        return Some(frame);
                    }
                }
                Stage::TlsBody {
                    content_type,
                    version,
                    len,
                } => {
                    if !self.fill(data, len) {
                        return None;
                    }
                    self.stage = Stage::Header;
                    self.pending_clear = true;
                    return Some(Frame::Tls {
                        content_type,
                        version,
                        body: &self.body,
                    });
                }
                Stage::Ssl2Body { len } => {
                    if !self.fill(data, len) {
                        return None;
                    }
                    self.stage = Stage::Header;
                    self.pending_clear = true;
                    return Some(Frame::Ssl2 { body: &self.body });
                }
            }
        }
    }

    /// Append bytes to the body until it holds `len`; true when complete.
    fn fill(&mut self, data: &mut &[u8], len: usize) -> bool {
        let k = (len - self.body.len()).min(data.len());
        self.body.extend_from_slice(&data[..k]);
        *data = &data[k..];
        self.body.len() == len
    }

    /// Header size implied by the first byte, or the reason the stream is not framed.
    fn header_len(&mut self) -> Result<usize, TlsEvent> {
        let b0 = self.hdr[0];
        let is_tls_type = (CT_CHANGE_CIPHER_SPEC..=CT_HEARTBEAT).contains(&b0);
        match self.framing {
            Framing::Tls if is_tls_type => Ok(5),
            Framing::Tls => Err(TlsEvent::InvalidRecordType),
            Framing::Unknown if is_tls_type => {
                self.framing = Framing::Tls;
                Ok(5)
            }
            Framing::Unknown if b0 & 0x80 != 0 => {
                self.framing = Framing::Ssl2;
                Ok(2)
            }
            Framing::Unknown => Err(TlsEvent::InvalidRecordType),
            Framing::Ssl2 if b0 & 0x80 != 0 => Ok(2),
            Framing::Ssl2 => Ok(3),
        }
    }

    /// A complete header of `n` bytes is in `hdr`: choose the next stage.
    fn on_header(&mut self, n: usize) -> Option<Frame<'static>> {
        let h = self.hdr;
        if n == 5 {
            let content_type = h[0];
            let version = u16::from_be_bytes([h[1], h[2]]);
            let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
            if h[1] != 3 {
                self.kill();
                return Some(Frame::Fatal(TlsEvent::InvalidRecordVersion));
            }
            if content_type == CT_APPLICATION_DATA {
                self.stage = Stage::Skip(len);
                return Some(Frame::TlsOpaque { version });
            }
            self.stage = Stage::TlsBody {
                content_type,
                version,
                len,
            };
            if len > MAX_TLS_RECORD_LEN {
                return Some(Frame::Anomaly(TlsEvent::RecordTooLarge));
            }
            if len == 0 {
                return Some(Frame::Anomaly(TlsEvent::InvalidTlsHeader));
            }
            return None;
        }
        let len = if n == 2 {
            usize::from(h[0] & 0x7f) << 8 | usize::from(h[1])
        } else {
            usize::from(h[0] & 0x3f) << 8 | usize::from(h[1])
        };
        self.stage = Stage::Ssl2Body { len };
        if len == 0 || (n == 3 && usize::from(h[2]) > len) {
            return Some(Frame::Anomaly(TlsEvent::InvalidSslv2Header));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(framer: &mut Framer, mut data: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(f) = framer.push(&mut data) {
            out.push(format!("{f:?}"));
        }
        out
    }

    #[test]
    fn tls_records_across_chunks() {
        let stream = [
            22, 3, 1, 0, 2, 0xaa, 0xbb, 23, 3, 3, 0, 3, 1, 2, 3, 21, 3, 3, 0, 2, 2, 40,
        ];
        let mut whole = Framer::new();
        let expected = frames(&mut whole, &stream);
        assert_eq!(expected.len(), 3);
        assert!(expected[0].contains("content_type: 22") && expected[0].contains("[170, 187]"));
        assert!(expected[1].contains("TlsOpaque"));
        let mut split = Framer::new();
        let mut got = Vec::new();
        for b in stream.chunks(1) {
            got.extend(frames(&mut split, b));
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn bad_type_and_version_are_fatal() {
        let mut f = Framer::new();
        assert_eq!(frames(&mut f, &[0x30, 3, 1, 0, 1, 0]), vec!["Fatal(InvalidRecordType)"]);
        assert!(frames(&mut f, &[22, 3, 1, 0, 1, 1]).is_empty());
        let mut f = Framer::new();
        assert_eq!(
            frames(&mut f, &[22, 4, 1, 0, 1, 0]),
            vec!["Fatal(InvalidRecordVersion)"]
        );
    }

    #[test]
    fn oversized_record_still_framed() {
        let mut f = Framer::new();
        let mut stream = vec![22, 3, 3, 0xff, 0xff];
        stream.extend(std::iter::repeat_n(0u8, 0xffff));
        let out = frames(&mut f, &stream);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], "Anomaly(RecordTooLarge)");
        assert_eq!(f.framing(), Framing::Tls);
    }

    #[test]
    fn ssl2_records() {
        let mut f = Framer::new();
        let out = frames(&mut f, &[0x80, 3, 1, 2, 3, 0x00, 2, 1, 9, 9]);
        assert_eq!(out, vec!["Ssl2 { body: [1, 2, 3] }", "Ssl2 { body: [9, 9] }"]);
        assert_eq!(f.framing(), Framing::Ssl2);
    }
}
