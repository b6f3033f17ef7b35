//! One DNS message: header, questions and resource records, parsed as far as the bytes allow.

use std::fmt;

use super::event::{DnsEvent, push_event};
use super::limits::MAX_RECORDS_PER_MESSAGE;
use super::name::{NameError, read_name};
use super::rdata::{RData, RDataError, be16, be32, decode_rdata, raw};

/// Length of the fixed DNS header.
pub const HEADER_LEN: usize = 12;

/// The fixed header, with the flag bits split out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsHeader {
    pub id: u16,
    /// The 16 flag bits as sent.
    pub flags: u16,
    pub qr: bool,
    pub opcode: u8,
    pub aa: bool,
    pub tc: bool,
    pub rd: bool,
    pub ra: bool,
    pub z: bool,
    pub ad: bool,
    pub cd: bool,
    pub rcode: u8,
    pub qdcount: u16,
    pub ancount: u16,
    pub nscount: u16,
    pub arcount: u16,
}

impl DnsHeader {
    /// Reads the header at the start of `data`; `None` if fewer than 12 bytes.
    pub fn parse(data: &[u8]) -> Option<DnsHeader> {
        if data.len() < HEADER_LEN {
            return None;
        }
        let word = |i: usize| be16(data, i * 2).unwrap_or(0);
        let flags = word(1);
        let bit = |mask: u16| flags & mask != 0;
        Some(DnsHeader {
            id: word(0),
            flags,
            qr: bit(0x8000),
            opcode: ((flags >> 11) & 0x0F) as u8,
            aa: bit(0x0400),
            tc: bit(0x0200),
            rd: bit(0x0100),
            ra: bit(0x0080),
            z: bit(0x0040),
            ad: bit(0x0020),
            cd: bit(0x0010),
            rcode: (flags & 0x000F) as u8,
            qdcount: word(2),
            ancount: word(3),
            nscount: word(4),
            arcount: word(5),
        })
    }
}

/// One entry of the question section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsQuestion {
    /// Dotted form without trailing dot, case as sent.
    pub name: Vec<u8>,
    pub name_truncated: bool,
    pub qtype: u16,
    pub qclass: u16,
}

/// One resource record of the answer, authority or additional section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsRecord {
    /// Dotted form without trailing dot, case as sent.
    pub name: Vec<u8>,
    pub name_truncated: bool,
    pub rtype: u16,
    pub rclass: u16,
    pub ttl: u32,
    pub rdata: RData,
}

/// A parsed message. Sections may hold fewer entries than the header announced when the
/// message was cut or malformed; `events` then says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsMessage {
    pub header: DnsHeader,
    pub questions: Vec<DnsQuestion>,
    pub answers: Vec<DnsRecord>,
    pub authorities: Vec<DnsRecord>,
    pub additionals: Vec<DnsRecord>,
    /// Anomalies met while parsing, each at most once.
    pub events: Vec<DnsEvent>,
}

/// Why a message could not be parsed at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsError {
    /// Fewer than 12 bytes.
    HeaderTooShort,
    /// The first question's fixed fields were cut.
    QuestionTruncated,
    /// The first question's name was bad.
    QuestionName(NameError),
}

impl DnsError {
    /// The event a transaction carries for this failure.
    pub fn event(self) -> DnsEvent {
        match self {
            DnsError::QuestionName(NameError::Loop) => DnsEvent::InfiniteLoop,
            _ => DnsEvent::MalformedData,
        }
    }
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DnsError::HeaderTooShort => write!(f, "DNS message shorter than its header"),
            DnsError::QuestionTruncated => write!(f, "DNS question truncated"),
            DnsError::QuestionName(e) => write!(f, "bad DNS question name: {e:?}"),
        }
    }
}

impl std::error::Error for DnsError {}

/// Most distinct events one message can carry.
const MAX_MESSAGE_EVENTS: usize = DnsEvent::ALL.len();

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Answers,
    Authorities,
    Additionals,
}

/// Parses one DNS message (no TCP length prefix).
///
/// Fails only when the header or the first question cannot be read; later problems keep what
/// was parsed before them and are reported in [`DnsMessage::events`].
pub fn parse_message(data: &[u8]) -> Result<DnsMessage, DnsError> {
    let header = DnsHeader::parse(data).ok_or(DnsError::HeaderTooShort)?;
    let mut msg = DnsMessage {
        header,
        questions: Vec::new(),
        answers: Vec::new(),
        authorities: Vec::new(),
        additionals: Vec::new(),
        events: Vec::new(),
    };
    let mut pos = HEADER_LEN;
    let mut kept = 0usize;
    for index in 0..msg.header.qdcount {
        match read_question(data, pos, &mut msg.events) {
            Ok((question, next)) => {
                pos = next;
                if kept < MAX_RECORDS_PER_MESSAGE {
                    msg.questions.push(question);
                    kept += 1;
                } else {
                    msg.event(DnsEvent::TooManyRecords);
                }
            }
            Err(e) if index == 0 => return Err(e),
            Err(e) => {
                msg.event(e.event());
                msg.event(DnsEvent::MalformedData);
                return Ok(msg);
            }
        }
    }
    let sections = [
        (Section::Answers, msg.header.ancount),
        (Section::Authorities, msg.header.nscount),
        (Section::Additionals, msg.header.arcount),
    ];
    for (section, count) in sections {
        for _ in 0..count {
            match read_record(data, pos, &mut msg.events) {
                Ok((record, next)) => {
                    pos = next;
                    if kept < MAX_RECORDS_PER_MESSAGE {
                        msg.section_mut(section).push(record);
                        kept += 1;
                    } else {
                        msg.event(DnsEvent::TooManyRecords);
                    }
                }
                Err(e) => {
                    if e == NameError::Loop {
                        msg.event(DnsEvent::InfiniteLoop);
                    }
                    msg.event(match section {
                        Section::Answers => DnsEvent::MalformedData,
                        Section::Authorities => DnsEvent::InvalidAuthorities,
                        Section::Additionals => DnsEvent::InvalidAdditionals,
                    });
                    return Ok(msg);
                }
            }
        }
    }
    Ok(msg)
}

impl DnsMessage {
    fn event(&mut self, event: DnsEvent) {
        push_event(&mut self.events, event, MAX_MESSAGE_EVENTS);
    }

    fn section_mut(&mut self, section: Section) -> &mut Vec<DnsRecord> {
        match section {
            Section::Answers => &mut self.answers,
            Section::Authorities => &mut self.authorities,
            Section::Additionals => &mut self.additionals,
        }
    }
}

fn read_question(data: &[u8], pos: usize, events: &mut Vec<DnsEvent>) -> Result<(DnsQuestion, usize), DnsError> {
    let read = read_name(data, pos).map_err(DnsError::QuestionName)?;
    if read.too_long {
        push_event(events, DnsEvent::NameTooLong, MAX_MESSAGE_EVENTS);
    }
    let qtype = be16(data, read.end).ok_or(DnsError::QuestionTruncated)?;
    let qclass = be16(data, read.end + 2).ok_or(DnsError::QuestionTruncated)?;
    let question = DnsQuestion {
        name: read.name.value,
        name_truncated: read.name.truncated,
        qtype,
        qclass,
    };
    Ok((question, read.end + 4))
}

/// Reads one resource record; an error means the rest of the message cannot be located.
/// Record data that does not decode for its type is kept raw with a `malformed_data` event.
fn read_record(data: &[u8], pos: usize, events: &mut Vec<DnsEvent>) -> Result<(DnsRecord, usize), NameError> {
    let read = read_name(data, pos)?;
    if read.too_long {
        push_event(events, DnsEvent::NameTooLong, MAX_MESSAGE_EVENTS);
    }
    let at = read.end;
    let fixed = data.get(at..at + 10).ok_or(NameError::OutOfBounds)?;
    let rtype = be16(fixed, 0).unwrap_or(0);
    let rclass = be16(fixed, 2).unwrap_or(0);
    let ttl = be32(fixed, 4).unwrap_or(0);
    let rdlen = usize::from(be16(fixed, 8).unwrap_or(0));
    let start = at + 10;
    let rbytes = data.get(start..start + rdlen).ok_or(NameError::OutOfBounds)?;
    let rdata = match decode_rdata(data, rtype, start, rdlen) {
        Ok(decoded) => {
            if decoded.name_too_long {
                push_event(events, DnsEvent::NameTooLong, MAX_MESSAGE_EVENTS);
            }
            decoded.rdata
        }
        Err(e) => {
            if e == RDataError::Name(NameError::Loop) {
                push_event(events, DnsEvent::InfiniteLoop, MAX_MESSAGE_EVENTS);
            }
            push_event(events, DnsEvent::MalformedData, MAX_MESSAGE_EVENTS);
            raw(rbytes)
        }
    };
    let record = DnsRecord {
        name: read.name.value,
        name_truncated: read.name.truncated,
        rtype,
        rclass,
        ttl,
        rdata,
    };
    Ok((record, start + rdlen))
}
