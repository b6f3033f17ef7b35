//! Bounded streaming decoding of gzip and deflate content codings (zlib-wrapped or raw), stacked layers included.
//!
//! The format is told from the first two bytes, whatever the header said:
//! gzip magic `1f 8b` means gzip, a valid zlib header means zlib, anything
//! else is tried as raw deflate (as browsers do for "deflate"). Checksums
//! (gzip CRC-32, zlib Adler-32) are not verified. Each layer stops producing
//! at the configured limit. When decoding fails before any byte came out,
//! the raw bytes are passed through instead (bodies labelled compressed that
//! are not); when it fails later, what was decoded is kept.
//!
//! Input is handed to the inflater in fixed blocks of [`BLOCK`] bytes (the
//! last one at the end of the body), so the output, also on corrupt input,
//! does not depend on how the body was split across calls.

use flate2::{Decompress, FlushDecompress, Status};

use super::framing::Coding;

const SCRATCH_LEN: usize = 8192;
/// Size of the input blocks given to the first layer.
pub(super) const BLOCK: usize = 4096;
/// Raw input remembered, before the first decoded byte, to pass it through
/// if decoding fails.
const RAW_KEEP: usize = 4096;

const FLAG_HCRC: u8 = 0x02;
const FLAG_EXTRA: u8 = 0x04;
const FLAG_NAME: u8 = 0x08;
const FLAG_COMMENT: u8 = 0x10;

/// Position inside a gzip member header (RFC 1952).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GzStep {
    /// The 10 fixed bytes; how many were read.
    Fixed(u8),
    /// The 2-byte length of the extra field; bytes read and value so far.
    ExtraLen(u8, u16),
    /// Extra field bytes left.
    Extra(u16),
    /// Zero-terminated file name.
    Name,
    /// Zero-terminated comment.
    Comment,
    /// Header CRC bytes left.
    Crc(u8),
    Done,
}

#[derive(Debug, Clone, Copy)]
struct GzipHeader {
    step: GzStep,
    flags: u8,
}

impl GzipHeader {
    fn new() -> Self {
        GzipHeader {
            step: GzStep::Fixed(0),
            flags: 0,
        }
    }

    /// The step after the fixed part or an optional field, from the flags.
    fn after(&self, from: GzStep) -> GzStep {
        let order = [
            (FLAG_EXTRA, GzStep::ExtraLen(0, 0)),
            (FLAG_NAME, GzStep::Name),
            (FLAG_COMMENT, GzStep::Comment),
            (FLAG_HCRC, GzStep::Crc(2)),
        ];
        let start = match from {
            GzStep::Fixed(_) => 0,
            GzStep::ExtraLen(..) | GzStep::Extra(_) => 1,
            GzStep::Name => 2,
            GzStep::Comment => 3,
            GzStep::Crc(_) | GzStep::Done => 4,
        };
        order
            .iter()
            .skip(start)
            .find(|(f, _)| self.flags & f != 0)
            .map_or(GzStep::Done, |&(_, s)| s)
    }

    /// Reads header bytes. Returns bytes consumed, or `Err` for a header that
    /// is not gzip. The header is complete when `step == Done`.
    fn feed(&mut self, input: &[u8]) -> Result<usize, ()> {
        let mut used = 0;
        for &b in input {
            if self.step == GzStep::Done {
                break;
            }
            used += 1;
            self.step = match self.step {
                GzStep::Fixed(n) => {
                    match n {
                        0 if b != 0x1f => return Err(()),
                        1 if b != 0x8b => return Err(()),
                        2 if b != 8 => return Err(()),
                        3 => self.flags = b,
                        _ => {}
                    }
                    if n == 9 {
                        self.after(GzStep::Fixed(n))
                    } else {
                        GzStep::Fixed(n + 1)
                    }
                }
                GzStep::ExtraLen(0, _) => GzStep::ExtraLen(1, u16::from(b)),
                GzStep::ExtraLen(_, lo) => {
                    let len = lo | u16::from(b) << 8;
                    if len == 0 {
                        self.after(GzStep::Extra(0))
                    } else {
                        GzStep::Extra(len)
                    }
                }
                GzStep::Extra(left) => {
                    if left <= 1 {
                        self.after(GzStep::Extra(0))
                    } else {
                        GzStep::Extra(left - 1)
                    }
                }
                GzStep::Name if b == 0 => self.after(GzStep::Name),
                GzStep::Comment if b == 0 => self.after(GzStep::Comment),
                s @ (GzStep::Name | GzStep::Comment) => s,
                GzStep::Crc(left) => {
                    if left <= 1 {
                        GzStep::Done
                    } else {
                        GzStep::Crc(left - 1)
                    }
                }
                GzStep::Done => GzStep::Done,
            };
        }
        Ok(used)
    }
}

enum Stage {
    /// Collecting the first two bytes. `next_member`: after a gzip member,
    /// where only another gzip member may follow.
    Sniff {
        buf: [u8; 2],
        len: usize,
        next_member: bool,
    },
    GzipHeader(GzipHeader),
    Inflate {
        z: Box<Decompress>,
        gzip: bool,
    },
    /// Bytes of the gzip member trailer left to skip.
    GzipTrailer(u8),
    Passthrough,
    /// Finished, failed or at the limit: input is ignored.
    Stopped,
}

/// One coding layer.
struct Layer {
    /// Raw deflate is only guessed for bodies labelled "deflate": almost
    /// any bytes inflate as raw deflate, so a "gzip" body without a gzip or
    /// zlib header passes through as it is.
    raw_deflate_allowed: bool,
    stage: Stage,
    scratch: Vec<u8>,
    produced: u64,
    raw: Vec<u8>,
    raw_usable: bool,
    failed: bool,
    limit_hit: bool,
    /// The rest of the current input was already passed through.
    swallow: bool,
}

impl Layer {
    fn new(coding: Coding) -> Self {
        Layer {
            raw_deflate_allowed: coding == Coding::Deflate,
            stage: Stage::Sniff {
                buf: [0; 2],
                len: 0,
                next_member: false,
            },
            scratch: Vec::new(),
            produced: 0,
            raw: Vec::new(),
            raw_usable: true,
            failed: false,
            limit_hit: false,
            swallow: false,
        }
    }

    fn push(&mut self, input: &[u8], limit: u64, sink: &mut dyn FnMut(&[u8])) {
        if self.raw_usable && self.produced == 0 {
            if self.raw.len() + input.len() <= RAW_KEEP {
                self.raw.extend_from_slice(input);
            } else {
                self.raw_usable = false;
                self.raw = Vec::new();
            }
        }
        self.swallow = false;
        self.run(input, limit, sink);
    }

    /// Sends decoded bytes on, within the limit. Returns false at the limit.
    fn emit(&mut self, data: &[u8], limit: u64, sink: &mut dyn FnMut(&[u8])) -> bool {
        if data.is_empty() {
            return true;
        }
        if self.raw_usable {
            self.raw_usable = false;
            self.raw = Vec::new();
        }
        let room = limit.saturating_sub(self.produced);
        let take = usize::try_from(room).unwrap_or(usize::MAX).min(data.len());
        if take > 0 {
            sink(data.get(..take).unwrap_or_default());
            self.produced += take as u64;
        }
        if take < data.len() {
            self.limit_hit = true;
            self.stage = Stage::Stopped;
            return false;
        }
        true
    }

    fn fail(&mut self, limit: u64, sink: &mut dyn FnMut(&[u8])) {
        self.failed = true;
        if self.produced == 0 && self.raw_usable {
            let raw = std::mem::take(&mut self.raw);
            self.stage = Stage::Passthrough;
            self.swallow = true;
            self.emit(&raw, limit, sink);
        } else {
            self.stage = Stage::Stopped;
        }
    }

    fn run(&mut self, mut input: &[u8], limit: u64, sink: &mut dyn FnMut(&[u8])) {
        while !input.is_empty() && !self.swallow {
            match &mut self.stage {
                Stage::Stopped => return,
                Stage::Passthrough => {
                    self.emit(input, limit, sink);
                    return;
                }
                Stage::Sniff { buf, len, next_member } => {
                    let next_member = *next_member;
                    while *len < 2 {
                        let Some((&b, rest)) = input.split_first() else { break };
                        if let Some(slot) = buf.get_mut(*len) {
                            *slot = b;
                        }
                        *len += 1;
                        input = rest;
                    }
                    if *len < 2 {
                        return;
                    }
                    let head = *buf;
                    let [b0, b1] = head;
                    let gzip = b0 == 0x1f && b1 == 0x8b;
                    let zlib = b0 & 0x0f == 8
                        && b0 >> 4 <= 7
                        && b1 & 0x20 == 0
                        && (u16::from(b0) << 8 | u16::from(b1)) % 31 == 0;
                    if gzip {
                        self.stage = Stage::GzipHeader(GzipHeader::new());
                        self.run(&head, limit, sink);
                    } else if next_member {
                        self.stage = Stage::Stopped;
                    } else if !zlib && !self.raw_deflate_allowed {
                        self.failed = true;
                        self.stage = Stage::Passthrough;
                        self.emit(&head, limit, sink);
                    } else {
                        // A zlib header is skipped: its stream is inflated raw.
                        self.scratch = vec![0; SCRATCH_LEN];
                        self.stage = Stage::Inflate {
                            z: Box::new(Decompress::new(false)),
                            gzip: false,
                        };
                        if !zlib {
                            self.run(&head, limit, sink);
                        }
                    }
                }
                Stage::GzipHeader(h) => {
                    match h.feed(input) {
                        Ok(used) => input = input.get(used..).unwrap_or_default(),
                        Err(()) => return self.fail(limit, sink),
                    }
                    if h.step == GzStep::Done {
                        if self.scratch.is_empty() {
                            self.scratch = vec![0; SCRATCH_LEN];
                        }
                        self.stage = Stage::Inflate {
                            z: Box::new(Decompress::new(false)),
                            gzip: true,
                        };
                    }
                }
                Stage::GzipTrailer(left) => {
                    let skip = usize::from(*left).min(input.len());
                    input = input.get(skip..).unwrap_or_default();
                    *left -= skip as u8;
                    if *left == 0 {
                        self.stage = Stage::Sniff {
                            buf: [0; 2],
                            len: 0,
                            next_member: true,
                        };
                    }
                }
                Stage::Inflate { .. } => match self.inflate(input, limit, sink) {
                    Some(rest) => input = rest,
                    None => return,
                },
            }
        }
    }

    /// Inflates as much of `input` as possible. Returns the input left after
    /// the end of the compressed stream, or `None` when all was used or the
    /// layer stopped.
    fn inflate<'a>(&mut self, mut input: &'a [u8], limit: u64, sink: &mut dyn FnMut(&[u8])) -> Option<&'a [u8]> {
        loop {
            let Stage::Inflate { z, gzip } = &mut self.stage else {
                return None;
            };
            let gzip = *gzip;
            let (in0, out0) = (z.total_in(), z.total_out());
            let res = z.decompress(input, &mut self.scratch, FlushDecompress::None);
            let used = usize::try_from(z.total_in() - in0).unwrap_or(input.len());
            let made = usize::try_from(z.total_out() - out0).unwrap_or(0);
            input = input.get(used..).unwrap_or_default();
            let out = std::mem::take(&mut self.scratch);
            let more = self.emit(out.get(..made).unwrap_or_default(), limit, sink);
            self.scratch = out;
            if !more {
                return None;
            }
            match res {
                Err(_) => {
                    self.fail(limit, sink);
                    return None;
                }
                Ok(Status::StreamEnd) => {
                    self.stage = if gzip { Stage::GzipTrailer(8) } else { Stage::Stopped };
                    return Some(input);
                }
                Ok(_) => {
                    let full = made == self.scratch.len();
                    if (input.is_empty() && !full) || (used == 0 && made == 0) {
                        return None;
                    }
                }
            }
        }
    }
}

/// A stack of coding layers for one body.
pub(super) struct Decoder {
    layers: Vec<Layer>,
    /// Input waiting to make a full block.
    staged: Vec<u8>,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Decoder({} layers)", self.layers.len())
    }
}

fn push_chain(layers: &mut [Layer], input: &[u8], limit: u64, sink: &mut dyn FnMut(&[u8])) {
    match layers.split_first_mut() {
        None => sink(input),
        Some((first, rest)) => first.push(input, limit, &mut |chunk: &[u8]| push_chain(rest, chunk, limit, sink)),
    }
}

impl Decoder {
    /// A decoder for `codings` in decoding order; `None` when there is
    /// nothing to decode.
    pub(super) fn new(codings: &[Coding]) -> Option<Self> {
        if codings.is_empty() {
            return None;
        }
        Some(Decoder {
            layers: codings.iter().map(|c| Layer::new(*c)).collect(),
            staged: Vec::new(),
        })
    }

    /// Decodes `input`, handing decoded bytes to `sink`; each layer produces
    /// at most `limit` bytes in total. Up to [`BLOCK`] - 1 bytes may wait for
    /// more input or for [`Self::end`].
    pub(super) fn push(&mut self, mut input: &[u8], limit: u64, sink: &mut dyn FnMut(&[u8])) {
        while !input.is_empty() {
            if self.staged.is_empty() && input.len() >= BLOCK {
                let (block, rest) = input.split_at_checked(BLOCK).unwrap_or((input, &[]));
                push_chain(&mut self.layers, block, limit, sink);
                input = rest;
                continue;
            }
            let take = (BLOCK - self.staged.len()).min(input.len());
            let (part, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
            self.staged.extend_from_slice(part);
            input = rest;
            if self.staged.len() >= BLOCK {
                let block = std::mem::take(&mut self.staged);
                push_chain(&mut self.layers, &block, limit, sink);
                self.staged = block;
                self.staged.clear();
            }
        }
    }

    /// The body ended: decodes the input still waiting.
    pub(super) fn end(&mut self, limit: u64, sink: &mut dyn FnMut(&[u8])) {
        if !self.staged.is_empty() {
            let block = std::mem::take(&mut self.staged);
            push_chain(&mut self.layers, &block, limit, sink);
        }
    }

    /// Some layer could not decode its input.
    pub(super) fn failed(&self) -> bool {
        self.layers.iter().any(|l| l.failed)
    }

    /// Some layer stopped at the limit.
    pub(super) fn limit_hit(&self) -> bool {
        self.layers.iter().any(|l| l.limit_hit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use std::io::Write;

    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn raw_deflate(data: &[u8]) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn decode(codings: &[Coding], input: &[u8], chunk: usize, limit: u64) -> (Vec<u8>, bool, bool) {
        let mut d = Decoder::new(codings).unwrap();
        let mut out = Vec::new();
        for c in input.chunks(chunk.max(1)) {
            d.push(c, limit, &mut |b: &[u8]| out.extend_from_slice(b));
        }
        d.end(limit, &mut |b: &[u8]| out.extend_from_slice(b));
        (out, d.failed(), d.limit_hit())
    }

    fn sample() -> Vec<u8> {
        (0..20000u32)
            .flat_map(|i| format!("line {i} of text\n").into_bytes())
            .collect()
    }

    #[test]
    fn gzip_any_chunking() {
        let data = sample();
        let z = gzip(&data);
        for chunk in [1, 2, 3, 7, 100, 4096, z.len()] {
            let (out, failed, limit) = decode(&[Coding::Gzip], &z, chunk, u64::MAX);
            assert_eq!(out, data, "chunk {chunk}");
            assert!(!failed && !limit);
        }
    }

    #[test]
    fn gzip_header_fields() {
        let data = b"hello gzip fields".to_vec();
        let mut e = flate2::GzBuilder::new()
            .filename("name.txt")
            .comment("a comment")
            .extra(vec![1, 2, 3, 4])
            .write(Vec::new(), Compression::default());
        e.write_all(&data).unwrap();
        let z = e.finish().unwrap();
        for chunk in [1, 5, z.len()] {
            assert_eq!(decode(&[Coding::Gzip], &z, chunk, u64::MAX).0, data);
        }
    }

    #[test]
    fn gzip_multi_member() {
        let mut z = gzip(b"first ");
        z.extend(gzip(b"second"));
        assert_eq!(decode(&[Coding::Gzip], &z, 3, u64::MAX).0, b"first second");
    }

    #[test]
    fn deflate_zlib_and_raw() {
        let data = sample();
        for z in [zlib(&data), raw_deflate(&data)] {
            for chunk in [1, 13, z.len()] {
                let (out, failed, _) = decode(&[Coding::Deflate], &z, chunk, u64::MAX);
                assert_eq!(out, data);
                assert!(!failed);
            }
        }
    }

    #[test]
    fn mislabelled_formats() {
        assert_eq!(decode(&[Coding::Deflate], &gzip(b"abc"), 1, u64::MAX).0, b"abc");
        assert_eq!(decode(&[Coding::Gzip], &zlib(b"abc"), 1, u64::MAX).0, b"abc");
    }

    #[test]
    fn limit_stops_bomb() {
        let zeros = vec![0u8; 10 * 1024 * 1024];
        let z = gzip(&zeros);
        assert!(z.len() < 64 * 1024);
        let (out, failed, limit) = decode(&[Coding::Gzip], &z, 4096, 1 << 20);
        assert_eq!(out.len(), 1 << 20);
        assert!(limit && !failed);
    }

    #[test]
    fn not_compressed_passes_through() {
        let (out, failed, _) = decode(&[Coding::Gzip], b"plain text body, not gzip at all", 4, u64::MAX);
        assert!(failed);
        assert_eq!(out, b"plain text body, not gzip at all");
    }

    #[test]
    fn corrupt_after_output_keeps_prefix() {
        let data = sample();
        let mut z = raw_deflate(&data);
        let cut = z.len() / 2;
        z.truncate(cut);
        z.extend_from_slice(&[0xff; 64]);
        let (out, failed, _) = decode(&[Coding::Deflate], &z, 512, u64::MAX);
        assert!(out.len() > 1000);
        assert_eq!(out[..1000], data[..1000]);
        for chunk in [1, 7, 3000, z.len()] {
            assert_eq!(
                decode(&[Coding::Deflate], &z, chunk, u64::MAX),
                (out.clone(), failed, false)
            );
        }
    }

    #[test]
    fn checksums_are_not_verified() {
        let data = sample();
        let mut z = zlib(&data);
        let last = z.len() - 1;
        z[last] ^= 0xff;
        for chunk in [1, 100, z.len()] {
            let (out, failed, _) = decode(&[Coding::Deflate], &z, chunk, u64::MAX);
            assert!(!failed, "chunk {chunk}");
            assert_eq!(out, data);
        }
    }

    #[test]
    fn stacked_layers() {
        let data = sample();
        // "Content-Encoding: deflate, gzip": deflate applied first, gzip second.
        let z = gzip(&zlib(&data));
        let (out, failed, _) = decode(&[Coding::Gzip, Coding::Deflate], &z, 100, u64::MAX);
        assert!(!failed);
        assert_eq!(out, data);
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x1234_5678_u64;
        for _ in 0..300 {
            let mut buf = Vec::new();
            let len = (seed % 300) as usize;
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                buf.push(seed as u8);
            }
            if seed.is_multiple_of(3) {
                buf.splice(0..0, [0x1f, 0x8b, 8, 0x1e]);
            }
            let _ = decode(&[Coding::Gzip], &buf, (seed % 17) as usize + 1, 10_000);
            let _ = decode(&[Coding::Deflate, Coding::Gzip], &buf, 64, 10_000);
        }
    }
}
