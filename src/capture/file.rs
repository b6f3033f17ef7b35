//! Streaming reader for pcap (micro/nanosecond) and pcapng capture files,
//! built on pcap-parser: memory stays bounded by one read buffer whatever
//! the file size.

use super::{CaptureError, RawPacket, linktype};
use crate::timestamp::Timestamp;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Read buffer size; a block larger than this grows the buffer up to `MAX_BLOCK`.
const READ_BUFFER: usize = 1 << 20;
/// No sane capture record is larger than this (pcap snaplen tops out at 256 KiB).
const MAX_BLOCK: usize = 16 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Pcap { nanosecond: bool },
    PcapNg,
}

#[derive(Clone, Copy, Debug)]
struct Interface {
    linktype: u32,
    /// Timestamp units per second.
    units_per_sec: u64,
    offset_secs: i64,
}

/// What the previous call left to do before the next block can be parsed.
enum Located {
    Packet {
        start: usize,
        len: usize,
        ts: Timestamp,
        linktype: u32,
        wire_len: u32,
        consume: usize,
    },
    Skip(usize),
    NeedData,
    End,
    Truncated(String),
}

/// An open capture file yielding packets in file order.
pub struct CaptureFile {
    path: PathBuf,
    reader: Box<dyn PcapReaderIterator + Send>,
    format: FileFormat,
    legacy_linktype: u32,
    interfaces: Vec<Interface>,
    to_consume: usize,
    packets: u64,
    truncated: Option<String>,
}

impl CaptureFile {
    /// Opens a capture file; `-` reads standard input (e.g. `tcpdump -w - | vigie replay -`).
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        if path.as_os_str() == "-" {
            return Self::from_reader(
                Path::new("<stdin>"),
                BufReader::with_capacity(64 << 10, std::io::stdin()),
            );
        }
        let file = File::open(path).map_err(|source| CaptureError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_reader(path, BufReader::with_capacity(64 << 10, file))
    }

    /// Reads a capture from any byte source; `path` names it in errors.
    pub fn from_reader(path: &Path, reader: impl std::io::Read + Send + 'static) -> Result<Self, CaptureError> {
        let not_capture = |reason: &str| CaptureError::NotACapture {
            path: path.to_path_buf(),
            reason: reason.into(),
        };
        let mut reader = match pcap_parser::create_reader(READ_BUFFER, reader) {
            Ok(r) => r,
            Err(PcapError::Eof) => return Err(not_capture("empty file")),
            Err(PcapError::HeaderNotRecognized) => {
                return Err(not_capture("unknown magic number"));
            }
            Err(PcapError::Incomplete(_)) => {
                return Err(not_capture("file header is truncated"));
            }
            Err(e) => return Err(not_capture(&format!("{e:?}"))),
        };
        let mut format = FileFormat::PcapNg;
        let mut legacy_linktype = 0;
        // A legacy reader yields its file header first; a pcapng reader yields the SHB.
        if let Ok((consumed, PcapBlockOwned::LegacyHeader(hdr))) = reader.next() {
            format = FileFormat::Pcap {
                nanosecond: hdr.is_nanosecond_precision(),
            };
            legacy_linktype = hdr.network.0 as u32;
            reader.consume(consumed);
            if !linktype::is_supported(legacy_linktype) {
                return Err(CaptureError::UnknownLinkType {
                    path: path.to_path_buf(),
                    packet: 1,
                    linktype: legacy_linktype,
                });
            }
        }
        Ok(CaptureFile {
            path: path.to_path_buf(),
            reader,
            format,
            legacy_linktype,
            interfaces: Vec::new(),
            to_consume: 0,
            packets: 0,
            truncated: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn format(&self) -> FileFormat {
        self.format
    }

    /// Packets returned so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Set when the file ended in the middle of a record: the reason, for a warning.
    pub fn truncation(&self) -> Option<&str> {
        self.truncated.as_deref()
    }

    /// The next packet, `Ok(None)` at the end of the file (or at a truncation,
    /// see [`CaptureFile::truncation`]).
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        loop {
            if self.to_consume > 0 {
                self.reader.consume(self.to_consume);
                self.to_consume = 0;
            }
            match self.locate()? {
                Located::Packet {
                    start,
                    len,
                    ts,
                    linktype,
                    wire_len,
                    consume,
                } => {
                    self.to_consume = consume;
                    self.packets += 1;
                    let data = self.reader.data().get(start..start + len).unwrap_or(&[]);
                    return Ok(Some(RawPacket {
                        ts,
                        linktype,
                        data,
                        wire_len,
                    }));
                }
                Located::Skip(n) => self.reader.consume(n),
                Located::NeedData => self.refill()?,
                Located::End => return Ok(None),
                Located::Truncated(reason) => {
                    self.truncated = Some(reason);
                    return Ok(None);
                }
            }
        }
    }

    fn damaged(&self, reason: impl Into<String>) -> CaptureError {
        CaptureError::Damaged {
            path: self.path.clone(),
            packet: self.packets + 1,
            reason: reason.into(),
        }
    }

    fn refill(&mut self) -> Result<(), CaptureError> {
        self.reader.refill().map_err(|_| CaptureError::Read {
            path: self.path.clone(),
            source: std::io::Error::other(format!("read failed before packet {}", self.packets + 1)),
        })
    }

    /// Parses the next block without keeping a borrow of the reader, so the
    /// packet bytes can be handed out afterwards by offset.
    fn locate(&mut self) -> Result<Located, CaptureError> {
        let next_number = self.packets + 1;
        let base = self.reader.data().as_ptr() as usize;
        let legacy_linktype = self.legacy_linktype;
        let nanosecond = matches!(self.format, FileFormat::Pcap { nanosecond: true });
        let result = match self.reader.next() {
            Ok((consume, block)) => match block {
                PcapBlockOwned::Legacy(b) => {
                    let frac = if nanosecond {
                        b.ts_usec
                    } else {
                        b.ts_usec.saturating_mul(1000)
                    };
                    Ok(Located::Packet {
                        start: b.data.as_ptr() as usize - base,
                        len: b.data.len(),
                        ts: Timestamp::new(i64::from(b.ts_sec), frac),
                        linktype: legacy_linktype,
                        wire_len: b.origlen,
                        consume,
                    })
                }
                PcapBlockOwned::LegacyHeader(_) => Ok(Located::Skip(consume)),
                PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                    self.interfaces.clear();
                    Ok(Located::Skip(consume))
                }
                PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                    let linktype = idb.linktype.0 as u32;
                    match idb.ts_resolution() {
                        Some(units) if units > 0 => {
                            let offset_secs = idb.ts_offset();
                            self.interfaces.push(Interface {
                                linktype,
                                units_per_sec: units,
                                offset_secs,
                            });
                            Ok(Located::Skip(consume))
                        }
                        _ => Err(format!(
                            "interface {} has an invalid timestamp resolution",
                            self.interfaces.len()
                        )),
                    }
                }
                PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => match self.interfaces.get(epb.if_id as usize) {
                    Some(iface) => {
                        let raw = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                        let secs = raw / iface.units_per_sec;
                        let frac = raw % iface.units_per_sec;
                        let nanos = (u128::from(frac) * 1_000_000_000 / u128::from(iface.units_per_sec)) as u32;
                        let captured = (epb.caplen as usize).min(epb.data.len());
                        Ok(Located::Packet {
                            start: epb.data.as_ptr() as usize - base,
                            len: captured,
                            ts: Timestamp::new((secs as i64).saturating_add(iface.offset_secs), nanos),
                            linktype: iface.linktype,
                            wire_len: epb.origlen,
                            consume,
                        })
                    }
                    None => Err(format!(
                        "packet names interface {} which was never described",
                        epb.if_id
                    )),
                },
                PcapBlockOwned::NG(Block::SimplePacket(spb)) => match self.interfaces.first() {
                    Some(iface) => Ok(Located::Packet {
                        start: spb.data.as_ptr() as usize - base,
                        len: spb.data.len().min(spb.origlen as usize),
                        ts: Timestamp::ZERO,
                        linktype: iface.linktype,
                        wire_len: spb.origlen,
                        consume,
                    }),
                    None => Err("simple packet block before any interface description".to_string()),
                },
                // Statistics, name resolution, secrets, custom blocks: nothing to inspect.
                PcapBlockOwned::NG(_) => Ok(Located::Skip(consume)),
            },
            Err(PcapError::Eof) => Ok(Located::End),
            Err(PcapError::Incomplete(_)) => Ok(Located::NeedData),
            Err(PcapError::UnexpectedEof) => Ok(Located::Truncated(format!(
                "file ends in the middle of packet {next_number}"
            ))),
            Err(PcapError::BufferTooSmall) => Ok(self.grow_for_large_block()?),
            Err(e) => Err(format!("unparseable record: {}", describe(&e))),
        };
        let located = result.map_err(|reason| self.damaged(reason))?;
        if let Located::Packet { linktype, .. } = located
            && !linktype::is_supported(linktype)
        {
            return Err(CaptureError::UnknownLinkType {
                path: self.path.clone(),
                packet: next_number,
                linktype,
            });
        }
        Ok(located)
    }

    /// A block larger than the read buffer: grow the buffer if the block's
    /// declared length is plausible, otherwise the file is damaged.
    fn grow_for_large_block(&mut self) -> Result<Located, CaptureError> {
        let data = self.reader.data();
        let declared = match self.format {
            FileFormat::Pcap { .. } => data
                .get(8..12)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize + 16),
            FileFormat::PcapNg => data
                .get(4..8)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
        };
        let declared_big_endian = match self.format {
            FileFormat::Pcap { .. } => data
                .get(8..12)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize + 16),
            FileFormat::PcapNg => data
                .get(4..8)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize),
        };
        let wanted = match (declared, declared_big_endian) {
            (Some(a), Some(b)) => a.min(b),
            _ => MAX_BLOCK + 1,
        };
        if wanted > MAX_BLOCK {
            return Err(self.damaged(format!(
                "record claims {} bytes, more than the {} byte limit",
                declared.unwrap_or(0),
                MAX_BLOCK
            )));
        }
        // A plausible record claiming more than what is left of the input is
        // a file cut short (its last header written, its data never).
        if self.input_ends_before(wanted) {
            return Ok(Located::Truncated(format!(
                "file ends in the middle of packet {} (its header claims {} bytes)",
                self.packets + 1,
                declared.unwrap_or(0)
            )));
        }
        if !self.reader.grow(wanted.next_power_of_two()) {
            return Err(self.damaged("cannot grow the read buffer for a large record"));
        }
        Ok(Located::NeedData)
    }

    /// Whether the input runs out before `wanted` more bytes (reading what
    /// fits in the buffer to find out).
    fn input_ends_before(&mut self, wanted: usize) -> bool {
        if !self.reader.reader_exhausted() && self.reader.refill().is_err() {
            return false;
        }
        self.reader.reader_exhausted() && self.reader.data().len() < wanted
    }
}

fn describe(e: &PcapError<&[u8]>) -> String {
    match e {
        PcapError::NomError(_, kind) => format!("malformed block ({kind:?})"),
        PcapError::OwnedNomError(_, kind) => format!("malformed block ({kind:?})"),
        PcapError::ReadError => "read error".into(),
        PcapError::HeaderNotRecognized => "unknown block".into(),
        other => format!("{other:?}"),
    }
}
