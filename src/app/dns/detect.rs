//! Recognising DNS from the first bytes of a flow, by content rather than port.

use super::message::{DnsHeader, HEADER_LEN};
use super::name::{NameError, read_name};
use super::rdata::be16;

pub use crate::app::Detection;

/// Most questions a plausible message carries.
const MAX_QUESTIONS: u16 = 16;

/// Smallest question on the wire: root name, type, class.
const MIN_QUESTION_LEN: usize = 5;

/// Smallest resource record on the wire: root name, type, class, ttl, rdlength.
const MIN_RECORD_LEN: usize = 11;

/// Is this UDP payload a DNS message?
pub fn detect_udp(payload: &[u8]) -> Detection {
    if payload.len() < HEADER_LEN {
        return Detection::No;
    }
    probe(payload, payload.len())
}

/// Do these TCP stream bytes start with a length-prefixed DNS message?
pub fn detect_tcp(data: &[u8]) -> Detection {
    let Some(len) = be16(data, 0) else {
        return Detection::NeedMore;
    };
    let len = usize::from(len);
    if len < HEADER_LEN {
        return Detection::No;
    }
    let available = &data[2..data.len().min(2 + len)];
    if available.len() < HEADER_LEN {
        return Detection::NeedMore;
    }
    probe(available, len)
}

/// Checks a message of `declared_len` bytes of which `msg` holds the first ones.
fn probe(msg: &[u8], declared_len: usize) -> Detection {
    let Some(header) = DnsHeader::parse(msg) else {
        return Detection::NeedMore;
    };
    if header.opcode > 5 || header.qdcount > MAX_QUESTIONS {
        return Detection::No;
    }
    if header.qdcount == 0 && (!header.qr || header.rcode == 0) {
        // Only an error response may come without its question.
        return Detection::No;
    }
    let records = usize::from(header.ancount) + usize::from(header.nscount) + usize::from(header.arcount);
    let min_len = HEADER_LEN + usize::from(header.qdcount) * MIN_QUESTION_LEN + records * MIN_RECORD_LEN;
    if min_len > declared_len {
        return Detection::No;
    }
    if header.qdcount == 0 {
        return Detection::Yes;
    }
    let partial = msg.len() < declared_len;
    let read = match read_name(msg, HEADER_LEN) {
        Ok(read) => read,
        Err(NameError::OutOfBounds | NameError::PointerOutOfRange) if partial => return Detection::NeedMore,
        Err(_) => return Detection::No,
    };
    if read.too_long {
        return Detection::No;
    }
    let (Some(qtype), Some(qclass)) = (be16(msg, read.end), be16(msg, read.end + 2)) else {
        return if partial { Detection::NeedMore } else { Detection::No };
    };
    if plausible_type(qtype) && plausible_class(qclass) {
        Detection::Yes
    } else {
        Detection::No
    }
}

/// Assigned query types: the data types, the meta types up to AXFR/ANY/URI/CAA and their neighbours,
/// and TA/DLV.
fn plausible_type(qtype: u16) -> bool {
    matches!(qtype, 1..=262 | 32768 | 32769)
}

/// IN, CH, HS, NONE, ANY; the top bit is mDNS's unicast-response flag.
fn plausible_class(qclass: u16) -> bool {
    matches!(qclass & 0x7FFF, 1 | 3 | 4 | 254 | 255)
}
