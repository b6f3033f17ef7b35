//! Where packets come from: capture files and live links (`live`). Owns the
//! raw packet record handed to the decoder, never its interpretation.

mod file;
mod inputs;
pub mod live;

pub use file::{CaptureFile, FileFormat};
pub use inputs::expand_inputs;

use crate::timestamp::Timestamp;
use std::path::PathBuf;

/// Data link types (the DLT/LINKTYPE registry values) vigie decodes.
pub mod linktype {
    pub const NULL: u32 = 0;
    pub const ETHERNET: u32 = 1;
    pub const RAW_OPENBSD: u32 = 12;
    pub const RAW_BSDOS: u32 = 14;
    pub const RAW: u32 = 101;
    pub const CHDLC: u32 = 104;
    pub const LOOP: u32 = 108;
    pub const LINUX_SLL: u32 = 113;
    pub const IPV4: u32 = 228;
    pub const IPV6: u32 = 229;
    pub const LINUX_SLL2: u32 = 276;

    pub fn is_supported(lt: u32) -> bool {
        matches!(
            lt,
            NULL | ETHERNET | RAW_OPENBSD | RAW_BSDOS | RAW | CHDLC | LOOP | LINUX_SLL | IPV4 | IPV6 | LINUX_SLL2
        )
    }

    pub fn name(lt: u32) -> &'static str {
        match lt {
            NULL => "null",
            ETHERNET => "ethernet",
            RAW_OPENBSD | RAW_BSDOS | RAW => "raw",
            CHDLC => "chdlc",
            LOOP => "loop",
            LINUX_SLL => "linux-sll",
            IPV4 => "ipv4",
            IPV6 => "ipv6",
            LINUX_SLL2 => "linux-sll2",
            _ => "unknown",
        }
    }
}

/// One captured frame, borrowed from the source's buffer.
#[derive(Clone, Copy, Debug)]
pub struct RawPacket<'a> {
    pub ts: Timestamp,
    pub linktype: u32,
    pub data: &'a [u8],
    /// Length on the wire (may exceed `data.len()` when the capture was snapped).
    pub wire_len: u32,
}

/// Why a capture could not be read. Every variant names the file, and where
/// it makes sense the 1-based packet number.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("{path}: cannot open: {source}")]
    Open { path: PathBuf, source: std::io::Error },
    #[error("{path}: not a pcap or pcapng file ({reason})")]
    NotACapture { path: PathBuf, reason: String },
    #[error("{path}: packet {packet}: unsupported link type {linktype}")]
    UnknownLinkType { path: PathBuf, packet: u64, linktype: u32 },
    #[error("{path}: packet {packet}: damaged capture: {reason}")]
    Damaged { path: PathBuf, packet: u64, reason: String },
    #[error("{path}: read error: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: no such file or directory")]
    Missing { path: PathBuf },
}
