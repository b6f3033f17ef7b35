//! Capture file writers: classic pcap (micro/nanosecond) and pcapng, little-endian, over any `io::Write`.

use std::borrow::Borrow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::frame::{Frame, FrameTime};

/// Link-layer type numbers (LINKTYPE_* values as stored in capture files).
pub mod linktype {
    pub const NULL: u32 = 0;
    pub const ETHERNET: u32 = 1;
    pub const RAW: u32 = 101;
    pub const LINUX_SLL: u32 = 113;
    pub const LINUX_SLL2: u32 = 276;
}

/// Snapshot length written into headers.
pub const DEFAULT_SNAPLEN: u32 = 262_144;

/// Magic of a microsecond-resolution classic pcap file.
pub const PCAP_MAGIC_MICROS: u32 = 0xA1B2_C3D4;
/// Magic of a nanosecond-resolution classic pcap file.
pub const PCAP_MAGIC_NANOS: u32 = 0xA1B2_3C4D;

/// Timestamp resolution of a classic pcap file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TsResolution {
    Micros,
    Nanos,
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.to_string())
}

fn len32(len: usize) -> io::Result<u32> {
    u32::try_from(len).map_err(|_| invalid("packet longer than 4 GiB"))
}

/// Writes a classic pcap file. Captured data is written as given (the caller
/// decides about truncation); the original length is recorded separately.
pub struct PcapWriter<W: Write> {
    out: W,
    resolution: TsResolution,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the global header with [`DEFAULT_SNAPLEN`].
    pub fn new(out: W, link_type: u32, resolution: TsResolution) -> io::Result<Self> {
        Self::with_snaplen(out, link_type, resolution, DEFAULT_SNAPLEN)
    }

    /// Writes the global header with an explicit snapshot length.
    pub fn with_snaplen(mut out: W, link_type: u32, resolution: TsResolution, snaplen: u32) -> io::Result<Self> {
        let magic = match resolution {
            TsResolution::Micros => PCAP_MAGIC_MICROS,
            TsResolution::Nanos => PCAP_MAGIC_NANOS,
        };
        let mut header = Vec::with_capacity(24);
        header.extend_from_slice(&magic.to_le_bytes());
        header.extend_from_slice(&2u16.to_le_bytes());
        header.extend_from_slice(&4u16.to_le_bytes());
        header.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        header.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        header.extend_from_slice(&snaplen.to_le_bytes());
        header.extend_from_slice(&link_type.to_le_bytes());
        out.write_all(&header)?;
        Ok(PcapWriter { out, resolution })
    }

    /// Writes one record. Fails if the seconds do not fit the format's 32 bits.
    pub fn write_packet(&mut self, time: FrameTime, data: &[u8], orig_len: u32) -> io::Result<()> {
        let secs = u32::try_from(time.secs).map_err(|_| invalid("pcap seconds exceed 32 bits"))?;
        let frac = match self.resolution {
            TsResolution::Micros => time.nanos / 1_000,
            TsResolution::Nanos => time.nanos,
        };
        let mut header = [0u8; 16];
        header[0..4].copy_from_slice(&secs.to_le_bytes());
        header[4..8].copy_from_slice(&frac.to_le_bytes());
        header[8..12].copy_from_slice(&len32(data.len())?.to_le_bytes());
        header[12..16].copy_from_slice(&orig_len.to_le_bytes());
        self.out.write_all(&header)?;
        self.out.write_all(data)
    }

    /// Writes a frame whose original length equals its captured length.
    pub fn write_frame(&mut self, frame: &Frame) -> io::Result<()> {
        self.write_packet(frame.time, &frame.data, len32(frame.data.len())?)
    }

    /// Flushes and hands back the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes `frames` (owned or borrowed, e.g. straight from a streaming
/// generator) to a new Ethernet, microsecond-resolution pcap file at `path`,
/// holding only one frame at a time; returns how many were written.
pub fn write_ethernet_pcap<I>(path: &Path, frames: I) -> io::Result<u64>
where
    I: IntoIterator,
    I::Item: Borrow<Frame>,
{
    write_ethernet_pcap_to(File::create(path)?, frames)
}

/// [`write_ethernet_pcap`] to any byte sink (a pipe, standard output),
/// buffered and flushed at the end.
pub fn write_ethernet_pcap_to<W, I>(out: W, frames: I) -> io::Result<u64>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Frame>,
{
    let mut w = PcapWriter::new(
        BufWriter::with_capacity(1 << 20, out),
        linktype::ETHERNET,
        TsResolution::Micros,
    )?;
    let mut count = 0;
    for f in frames {
        w.write_frame(f.borrow())?;
        count += 1;
    }
    w.into_inner()?.flush()?;
    Ok(count)
}

/// Description of one pcapng interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub link_type: u16,
    pub snaplen: u32,
    /// `if_tsresol`: low 7 bits are the exponent; the high bit selects
    /// base 2 instead of base 10 (6 = microseconds, 9 = nanoseconds).
    pub tsresol: u8,
    pub name: Option<String>,
}

impl Interface {
    /// An unnamed interface with [`DEFAULT_SNAPLEN`].
    pub fn new(link_type: u16, tsresol: u8) -> Self {
        Interface {
            link_type,
            snaplen: DEFAULT_SNAPLEN,
            tsresol,
            name: None,
        }
    }

    /// Ticks of this interface's clock since the epoch.
    fn ticks(&self, time: FrameTime) -> io::Result<u64> {
        let exp = u32::from(self.tsresol & 0x7F);
        let nanos = time.as_nanos();
        let ticks = if self.tsresol & 0x80 != 0 {
            let unit = 1u128.checked_shl(exp).ok_or_else(|| invalid("tsresol too fine"))?;
            nanos.checked_mul(unit).map(|t| t / 1_000_000_000)
        } else if exp <= 9 {
            Some(nanos / 10u128.pow(9 - exp))
        } else {
            10u128.checked_pow(exp - 9).and_then(|unit| nanos.checked_mul(unit))
        };
        ticks
            .and_then(|t| u64::try_from(t).ok())
            .ok_or_else(|| invalid("timestamp does not fit 64-bit pcapng ticks"))
    }
}

const BLOCK_SHB: u32 = 0x0A0D_0D0A;
const BLOCK_IDB: u32 = 0x0000_0001;
const BLOCK_EPB: u32 = 0x0000_0006;
const OPT_END: u16 = 0;
const OPT_IF_NAME: u16 = 2;
const OPT_IF_TSRESOL: u16 = 9;

/// Appends one option, value padded to 4 bytes.
fn push_option(body: &mut Vec<u8>, code: u16, value: &[u8]) -> io::Result<()> {
    let len = u16::try_from(value.len()).map_err(|_| invalid("pcapng option too long"))?;
    body.extend_from_slice(&code.to_le_bytes());
    body.extend_from_slice(&len.to_le_bytes());
    body.extend_from_slice(value);
    body.resize(body.len().div_ceil(4) * 4, 0);
    Ok(())
}

/// Writes a pcapng file: one section, any number of interfaces, enhanced packet blocks.
pub struct PcapNgWriter<W: Write> {
    out: W,
    interfaces: Vec<Interface>,
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes the Section Header Block.
    pub fn new(out: W) -> io::Result<Self> {
        let mut body = Vec::with_capacity(16);
        body.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&u64::MAX.to_le_bytes()); // section length unknown
        let mut w = PcapNgWriter {
            out,
            interfaces: Vec::new(),
        };
        w.write_block(BLOCK_SHB, &body)?;
        Ok(w)
    }

    /// Writes an Interface Description Block and returns its interface id.
    pub fn add_interface(&mut self, iface: &Interface) -> io::Result<u32> {
        let mut body = Vec::with_capacity(32);
        body.extend_from_slice(&iface.link_type.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&iface.snaplen.to_le_bytes());
        if let Some(name) = &iface.name {
            push_option(&mut body, OPT_IF_NAME, name.as_bytes())?;
        }
        push_option(&mut body, OPT_IF_TSRESOL, &[iface.tsresol])?;
        push_option(&mut body, OPT_END, &[])?;
        self.write_block(BLOCK_IDB, &body)?;
        self.interfaces.push(iface.clone());
        len32(self.interfaces.len() - 1)
    }

    /// Writes an Enhanced Packet Block on a previously added interface.
    pub fn write_packet(&mut self, interface_id: u32, time: FrameTime, data: &[u8], orig_len: u32) -> io::Result<()> {
        let iface = usize::try_from(interface_id)
            .ok()
            .and_then(|i| self.interfaces.get(i))
            .ok_or_else(|| invalid("unknown pcapng interface id"))?;
        let ticks = iface.ticks(time)?;
        let mut body = Vec::with_capacity(20 + data.len() + 3);
        body.extend_from_slice(&interface_id.to_le_bytes());
        body.extend_from_slice(&((ticks >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(ticks as u32).to_le_bytes());
        body.extend_from_slice(&len32(data.len())?.to_le_bytes());
        body.extend_from_slice(&orig_len.to_le_bytes());
        body.extend_from_slice(data);
        body.resize(body.len().div_ceil(4) * 4, 0);
        self.write_block(BLOCK_EPB, &body)
    }

    /// Writes a frame whose original length equals its captured length.
    pub fn write_frame(&mut self, interface_id: u32, frame: &Frame) -> io::Result<()> {
        let len = len32(frame.data.len())?;
        self.write_packet(interface_id, frame.time, &frame.data, len)
    }

    /// Flushes and hands back the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }

    /// Type, total length, body (already 4-byte aligned), total length again.
    fn write_block(&mut self, block_type: u32, body: &[u8]) -> io::Result<()> {
        let total = len32(body.len() + 12)?;
        self.out.write_all(&block_type.to_le_bytes())?;
        self.out.write_all(&total.to_le_bytes())?;
        self.out.write_all(body)?;
        self.out.write_all(&total.to_le_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcap_parser::{Block, PcapCapture, PcapNGCapture};

    fn t(secs: u64, nanos: u32) -> FrameTime {
        FrameTime::new(secs, nanos)
    }

    #[test]
    fn classic_micro_and_nano() {
        for (res, magic, frac) in [
            (TsResolution::Micros, PCAP_MAGIC_MICROS, 123_456),
            (TsResolution::Nanos, PCAP_MAGIC_NANOS, 123_456_789),
        ] {
            let mut w = PcapWriter::new(Vec::new(), linktype::LINUX_SLL2, res).unwrap();
            w.write_packet(t(1_700_000_000, 123_456_789), &[1, 2, 3], 60).unwrap();
            w.write_frame(&Frame::new(t(1_700_000_001, 0), vec![9; 5])).unwrap();
            assert!(w.write_packet(t(1 << 33, 0), &[], 0).is_err());
            let bytes = w.into_inner().unwrap();
            let cap = PcapCapture::from_file(&bytes).unwrap();
            let h = &cap.header;
            assert_eq!((h.magic_number, h.network.0, h.snaplen), (magic, 276, DEFAULT_SNAPLEN));
            let recs: Vec<_> = cap
                .blocks
                .iter()
                .map(|b| (b.ts_sec, b.ts_usec, b.data, b.origlen))
                .collect();
            assert_eq!(
                recs,
                [
                    (1_700_000_000, frac, &[1, 2, 3][..], 60),
                    (1_700_000_001, 0, &[9; 5][..], 5)
                ]
            );
        }
    }

    #[test]
    fn ethernet_file_from_iterator() {
        let path = std::env::temp_dir().join(format!("synth-pcapw-{}.pcap", std::process::id()));
        let frames = (0..3u8).map(|i| Frame::new(t(1_700_000_000, u32::from(i) * 1000), vec![i; 60]));
        assert_eq!(write_ethernet_pcap(&path, frames).unwrap(), 3);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let cap = PcapCapture::from_file(&bytes).unwrap();
        assert_eq!((cap.header.network.0, cap.header.magic_number), (1, PCAP_MAGIC_MICROS));
        assert_eq!(cap.blocks.len(), 3);
        assert_eq!((cap.blocks[2].ts_usec, cap.blocks[2].data[0]), (2, 2));
    }

    #[test]
    fn pcapng_multiple_interfaces() {
        let mut w = PcapNgWriter::new(Vec::new()).unwrap();
        let named = Interface {
            name: Some("eth0".into()),
            ..Interface::new(1, 6)
        };
        let ids: Vec<u32> = [named, Interface::new(101, 9), Interface::new(0, 0x80 | 20)]
            .iter()
            .map(|i| w.add_interface(i).unwrap())
            .collect();
        assert_eq!(ids, [0, 1, 2]);
        w.write_packet(0, t(1_700_000_000, 5_000), &[0xaa; 7], 1514).unwrap();
        w.write_frame(1, &Frame::new(t(1_700_000_000, 999), vec![0x45; 20]))
            .unwrap();
        w.write_packet(2, t(2, 500_000_000), &[2, 0, 0, 0], 4).unwrap();
        assert!(w.write_packet(7, t(0, 0), &[], 0).is_err());
        let bytes = w.into_inner().unwrap();
        assert_eq!(bytes.len() % 4, 0);
        let cap = PcapNGCapture::from_file(&bytes).unwrap();
        let (mut idbs, mut epbs) = (Vec::new(), Vec::new());
        for block in &cap.sections[0].blocks {
            match block {
                Block::InterfaceDescription(i) => idbs.push((i.linktype.0, i.if_tsresol)),
                Block::EnhancedPacket(e) => epbs.push((
                    e.if_id,
                    (u64::from(e.ts_high) << 32) | u64::from(e.ts_low),
                    &e.data[..e.caplen as usize],
                    e.origlen,
                )),
                _ => {}
            }
        }
        assert_eq!(idbs, [(1, 6), (101, 9), (0, 0x80 | 20)]);
        assert_eq!(epbs[0], (0, 1_700_000_000_000_005, &[0xaa; 7][..], 1514));
        assert_eq!(epbs[1], (1, 1_700_000_000_000_000_999, &[0x45; 20][..], 20));
        assert_eq!(epbs[2], (2, (2 << 20) + (1 << 19), &[2, 0, 0, 0][..], 4));
    }
}
