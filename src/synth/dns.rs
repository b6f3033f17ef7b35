//! DNS wire-format messages: queries and A/AAAA answers (RFC 1035, RFC 3596).

use std::net::IpAddr;

/// Record types used by the generators.
pub mod qtype {
    pub const A: u16 = 1;
    pub const AAAA: u16 = 28;
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
    fn long_labels_are_cut() {
        let name = format!("{}.example", "a".repeat(100));
        let enc = encode_name(&name);
        assert_eq!(enc[0], 63);
        assert_eq!(enc.len(), 1 + 63 + 1 + 7 + 1);
    }
}
