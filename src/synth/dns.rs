//! DNS wire-format messages: queries, A/AAAA answers, TXT/NULL records and EDNS(0) (RFC 1035, 3596, 6891).

use std::net::IpAddr;

/// Record types used by the generators.
pub mod qtype {
    pub const A: u16 = 1;
    pub const NULL: u16 = 10;
    pub const TXT: u16 = 16;
    pub const AAAA: u16 = 28;
    pub const OPT: u16 = 41;
    pub const ANY: u16 = 255;
}

const CLASS_IN: u16 = 1;
const FLAGS_QUERY: u16 = 0x0100; // standard query, recursion desired
const FLAGS_RESPONSE: u16 = 0x8180; // response, recursion desired and available
const RCODE_NXDOMAIN: u16 = 3;
/// Compression pointer to the question name, which always sits at offset 12.
const NAME_POINTER: [u8; 2] = [0xC0, 0x0C];

/// Encodes a dotted name as length-prefixed labels. Empty labels are
/// skipped, labels are cut at 63 bytes and the name at 255 bytes.
pub fn encode_name(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let label = &label.as_bytes()[..label.len().min(63)];
        if out.len() + label.len() + 2 > 255 {
            break;
        }
        out.push(label.len() as u8);
        out.extend_from_slice(label);
    }
    out.push(0);
    out
}

fn header(id: u16, flags: u16, qd: u16, an: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    for field in [id, flags, qd, an, 0, 0] {
        out.extend_from_slice(&field.to_be_bytes());
    }
    out
}

fn push_question(out: &mut Vec<u8>, name: &str, qtype: u16) {
    out.extend_from_slice(&encode_name(name));
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
}

/// A recursive query for one name.
pub fn query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut out = header(id, FLAGS_QUERY, 1, 0);
    push_question(&mut out, name, qtype);
    out
}

/// A NOERROR answer echoing the question. Only addresses matching the
/// queried type are included (none gives a valid empty "no data" answer).
pub fn response(id: u16, name: &str, qtype: u16, answers: &[IpAddr], ttl: u32) -> Vec<u8> {
    let rdatas: Vec<Vec<u8>> = answers
        .iter()
        .filter_map(|ip| match (ip, qtype) {
            (IpAddr::V4(v4), qtype::A) => Some(v4.octets().to_vec()),
            (IpAddr::V6(v6), qtype::AAAA) => Some(v6.octets().to_vec()),
            _ => None,
        })
        .take(usize::from(u16::MAX))
        .collect();
    let mut out = header(id, FLAGS_RESPONSE, 1, rdatas.len() as u16);
    push_question(&mut out, name, qtype);
    for rdata in rdatas {
        out.extend_from_slice(&NAME_POINTER);
        out.extend_from_slice(&qtype.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&ttl.to_be_bytes());
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(&rdata);
    }
    out
}

/// A "no such name" answer echoing the question.
pub fn nxdomain(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut out = header(id, FLAGS_RESPONSE | RCODE_NXDOMAIN, 1, 0);
    push_question(&mut out, name, qtype);
    out
}

/// One answer record: its type, TTL and encoded RDATA. Records are written
/// with the question's name (a compression pointer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub rtype: u16,
    pub ttl: u32,
    pub rdata: Vec<u8>,
}

/// Bytes a [`Record`] with `rdata_len` bytes of RDATA takes in a message.
pub const fn record_len(rdata_len: usize) -> usize {
    NAME_POINTER.len() + 10 + rdata_len
}

/// Size of the EDNS(0) OPT pseudo-record.
pub const OPT_RECORD_LEN: usize = 11;

/// TXT RDATA: each string as a length-prefixed character-string, cut at 255 bytes.
pub fn txt_rdata<S: AsRef<[u8]>>(strings: &[S]) -> Vec<u8> {
    let mut out = Vec::new();
    for s in strings {
        let s = s.as_ref();
        let s = &s[..s.len().min(255)];
        out.push(s.len() as u8);
        out.extend_from_slice(s);
    }
    out
}

/// Appends the EDNS(0) OPT pseudo-record advertising `udp_size` and bumps ARCOUNT.
fn push_opt(out: &mut Vec<u8>, udp_size: u16) {
    out.push(0); // root name
    out.extend_from_slice(&qtype::OPT.to_be_bytes());
    out.extend_from_slice(&udp_size.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // extended rcode, version, flags, empty RDATA
    let ar = u16::from_be_bytes([out[10], out[11]]).saturating_add(1);
    out[10..12].copy_from_slice(&ar.to_be_bytes());
}

/// A recursive query carrying an EDNS(0) OPT record that offers `udp_size`-byte responses.
pub fn query_edns(id: u16, name: &str, qtype: u16, udp_size: u16) -> Vec<u8> {
    let mut out = query(id, name, qtype);
    push_opt(&mut out, udp_size);
    out
}

/// A NOERROR answer echoing the question, with the given records (at most
/// 65535) and, when `edns_udp_size` is set, an OPT record.
pub fn records_response(id: u16, name: &str, qtype: u16, records: &[Record], edns_udp_size: Option<u16>) -> Vec<u8> {
    let records = &records[..records.len().min(usize::from(u16::MAX))];
    let mut out = header(id, FLAGS_RESPONSE, 1, records.len() as u16);
    push_question(&mut out, name, qtype);
    for r in records {
        let rdata = &r.rdata[..r.rdata.len().min(usize::from(u16::MAX))];
        out.extend_from_slice(&NAME_POINTER);
        out.extend_from_slice(&r.rtype.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&r.ttl.to_be_bytes());
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    }
    if let Some(size) = edns_udp_size {
        push_opt(&mut out, size);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::parse_dns;
    use super::*;

    #[test]
    fn query_bytes() {
        let q = query(0x1234, "www.example.com", qtype::A);
        let mut want = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
        assert_eq!(q, want);
    }

    #[test]
    fn responses_parse_back() {
        let answers: Vec<IpAddr> = vec![
            "93.184.216.34".parse().unwrap(),
            "2001:db8::10".parse().unwrap(),
            "93.184.216.35".parse().unwrap(),
        ];
        let r = response(7, "example.com.", qtype::A, &answers, 300);
        let m = parse_dns(&r).unwrap();
        assert_eq!((m.id, m.flags), (7, 0x8180));
        assert_eq!(m.questions, [("example.com".to_string(), qtype::A)]);
        assert_eq!(m.answers.len(), 2);
        assert_eq!(
            m.answers[1],
            ("example.com".to_string(), qtype::A, vec![93, 184, 216, 35])
        );
        let r6 = response(8, "example.com", qtype::AAAA, &answers, 60);
        assert_eq!(parse_dns(&r6).unwrap().answers[0].2.len(), 16);
        let nx = parse_dns(&nxdomain(9, "nope.example", qtype::A)).unwrap();
        assert_eq!(nx.flags & 0xF, 3);
    }

    #[test]
    fn txt_null_and_edns() {
        let txt = Record {
            rtype: qtype::TXT,
            ttl: 60,
            rdata: txt_rdata(&["v=spf1 -all", ""]),
        };
        assert_eq!(txt.rdata, b"\x0bv=spf1 -all\x00");
        let null = Record {
            rtype: qtype::NULL,
            ttl: 0,
            rdata: vec![0, 1, 2, 255],
        };
        let r = records_response(3, "x.example", qtype::ANY, &[txt.clone(), null], Some(4096));
        let m = parse_dns(&r).unwrap();
        assert_eq!(m.answers.len(), 2);
        assert_eq!(m.answers[0], ("x.example".to_string(), qtype::TXT, txt.rdata.clone()));
        assert_eq!(m.edns_udp_size, Some(4096));
        let expected = 12 + encode_name("x.example").len() + 4 + record_len(13) + record_len(4) + OPT_RECORD_LEN;
        assert_eq!(r.len(), expected);
        let q = query_edns(4, "x.example", qtype::TXT, 1232);
        assert_eq!(q.len(), query(4, "x.example", qtype::TXT).len() + OPT_RECORD_LEN);
        assert_eq!(parse_dns(&q).unwrap().edns_udp_size, Some(1232));
        assert_eq!(txt_rdata(&[vec![b'a'; 300]]).len(), 256);
    }

    #[test]
    fn long_labels_are_cut() {
        let name = format!("{}.example", "a".repeat(100));
        let enc = encode_name(&name);
        assert_eq!(enc[0], 63);
        assert_eq!(enc.len(), 1 + 63 + 1 + 7 + 1);
    }
}
