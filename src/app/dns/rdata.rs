//! Resource record data: the typed forms kept for common record types and their decoding.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::limits::{MAX_RAW_RDATA, MAX_TXT_BYTES};
use super::name::{DnsName, NameError, read_name};

pub const TYPE_A: u16 = 1;
pub const TYPE_NS: u16 = 2;
pub const TYPE_CNAME: u16 = 5;
pub const TYPE_SOA: u16 = 6;
pub const TYPE_NULL: u16 = 10;
pub const TYPE_PTR: u16 = 12;
pub const TYPE_MX: u16 = 15;
pub const TYPE_TXT: u16 = 16;
pub const TYPE_AAAA: u16 = 28;
pub const TYPE_SRV: u16 = 33;
pub const TYPE_OPT: u16 = 41;
pub const TYPE_SSHFP: u16 = 44;

/// Start of authority data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Soa {
    pub mname: DnsName,
    pub rname: DnsName,
    pub serial: u32,
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub minimum: u32,
}

/// Service location data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Srv {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    pub target: DnsName,
}

/// The data of one resource record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(DnsName),
    Ns(DnsName),
    Ptr(DnsName),
    Mx {
        preference: u16,
        exchange: DnsName,
    },
    /// The character-strings of a TXT record; `truncated` when more than [`MAX_TXT_BYTES`] (length bytes
    /// included) were sent.
    Txt {
        strings: Vec<Vec<u8>>,
        truncated: bool,
    },
    Soa(Soa),
    Srv(Srv),
    /// Any other type, or a known type whose data did not decode: the first [`MAX_RAW_RDATA`] bytes.
    Raw {
        data: Vec<u8>,
        truncated: bool,
    },
}

/// What went wrong decoding typed record data; the record is then kept as [`RData::Raw`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RDataError {
    /// The data's length does not fit its type.
    BadLength,
    /// A name inside the data was bad.
    Name(NameError),
}

/// A decoded record data with whether one of its names was longer than allowed.
pub struct DecodedRData {
    pub rdata: RData,
    pub name_too_long: bool,
}

/// Decodes the `len` bytes of record data at `start` in `msg` for type `rtype`.
/// `msg` is the whole message, so names inside the data can use compression.
/// The caller has checked that `start + len <= msg.len()`.
pub fn decode_rdata(msg: &[u8], rtype: u16, start: usize, len: usize) -> Result<DecodedRData, RDataError> {
    let data = msg.get(start..start + len).ok_or(RDataError::BadLength)?;
    let end = start + len;
    let mut too_long = false;
    let mut name_at = |at: usize| -> Result<(DnsName, usize), RDataError> {
        let read = read_name(msg, at).map_err(RDataError::Name)?;
        if read.end > end {
            return Err(RDataError::BadLength);
        }
        too_long |= read.too_long;
        Ok((read.name, read.end))
    };
    let rdata = match rtype {
        TYPE_A => RData::A(Ipv4Addr::from(
            <[u8; 4]>::try_from(data).map_err(|_| RDataError::BadLength)?,
        )),
        TYPE_AAAA => RData::Aaaa(Ipv6Addr::from(
            <[u8; 16]>::try_from(data).map_err(|_| RDataError::BadLength)?,
        )),
        TYPE_CNAME | TYPE_NS | TYPE_PTR => {
            let (name, _) = name_at(start)?;
            match rtype {
                TYPE_CNAME => RData::Cname(name),
                TYPE_NS => RData::Ns(name),
                _ => RData::Ptr(name),
            }
        }
        TYPE_MX => {
            let preference = be16(data, 0).ok_or(RDataError::BadLength)?;
            let (exchange, _) = name_at(start + 2)?;
            RData::Mx { preference, exchange }
        }
        TYPE_TXT => decode_txt(data)?,
        TYPE_SOA => {
            let (mname, after_m) = name_at(start)?;
            let (rname, after_r) = name_at(after_m)?;
            let fixed = msg
                .get(after_r..end)
                .filter(|f| f.len() == 20)
                .ok_or(RDataError::BadLength)?;
            let word = |i: usize| be32(fixed, i * 4).unwrap_or(0);
            RData::Soa(Soa {
                mname,
                rname,
                serial: word(0),
                refresh: word(1),
                retry: word(2),
                expire: word(3),
                minimum: word(4),
            })
        }
        TYPE_SRV => {
            let priority = be16(data, 0).ok_or(RDataError::BadLength)?;
            let weight = be16(data, 2).ok_or(RDataError::BadLength)?;
            let port = be16(data, 4).ok_or(RDataError::BadLength)?;
            let (target, _) = name_at(start + 6)?;
            RData::Srv(Srv {
                priority,
                weight,
                port,
                target,
            })
        }
        _ => raw(data),
    };
    Ok(DecodedRData {
        rdata,
        name_too_long: too_long,
    })
}

/// Keeps the first [`MAX_RAW_RDATA`] bytes of `data`.
pub fn raw(data: &[u8]) -> RData {
    let take = data.len().min(MAX_RAW_RDATA);
    RData::Raw {
        data: data[..take].to_vec(),
        truncated: take < data.len(),
    }
}

fn decode_txt(data: &[u8]) -> Result<RData, RDataError> {
    let mut strings = Vec::new();
    let mut kept = 0usize;
    let mut truncated = false;
    let mut pos = 0usize;
    while pos < data.len() {
        let len = usize::from(data[pos]);
        let s = data.get(pos + 1..pos + 1 + len).ok_or(RDataError::BadLength)?;
        // Each string costs its length byte too, so empty strings cannot pile up unbounded.
        if kept < MAX_TXT_BYTES {
            let take = len.min(MAX_TXT_BYTES - kept - 1);
            truncated |= take < len;
            strings.push(s[..take].to_vec());
            kept += 1 + take;
        } else {
            truncated = true;
        }
        pos += 1 + len;
    }
    Ok(RData::Txt { strings, truncated })
}

pub(super) fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at + 2)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

pub(super) fn be32(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}
