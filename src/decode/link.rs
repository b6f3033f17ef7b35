//! Link layers: finds where the network layer starts in a captured frame for
//! each supported link type, collecting VLAN tags on the way.

use super::anomaly::Anomaly;
use super::packet::VlanIds;
use crate::capture::linktype;

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const ETHERTYPE_QINQ_OLD: u16 = 0x9100;
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
const ETHERTYPE_MPLS_UNICAST: u16 = 0x8847;
const ETHERTYPE_MPLS_MULTICAST: u16 = 0x8848;
const ETHERTYPE_NSH: u16 = 0x894f;

/// The network layer found in a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network<'a> {
    Ipv4(&'a [u8]),
    Ipv6(&'a [u8]),
    /// A non-IP frame (ARP, LLDP, …): counted, not inspected.
    NotIp,
}

/// Decodes the link layer of `frame` for link type `lt`.
pub fn decode_link<'a>(lt: u32, frame: &'a [u8], vlan: &mut VlanIds) -> Result<Network<'a>, Anomaly> {
    match lt {
        linktype::ETHERNET => ethernet(frame, vlan),
        linktype::LINUX_SLL => {
            let proto = be16(frame, 14).ok_or(Anomaly::LinkTruncated)?;
            by_ethertype(proto, &frame[16..], vlan, 0)
        }
        linktype::LINUX_SLL2 => {
            let proto = be16(frame, 0).ok_or(Anomaly::LinkTruncated)?;
            if frame.len() < 20 {
                return Err(Anomaly::LinkTruncated);
            }
            by_ethertype(proto, &frame[20..], vlan, 0)
        }
        linktype::NULL | linktype::LOOP => {
            let fam = frame.get(0..4).ok_or(Anomaly::LinkTruncated)?;
            // The family is in the capturing host's byte order: accept both.
            let le = u32::from_le_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let be = u32::from_be_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let body = &frame[4..];
            match (le, be) {
                (2, _) | (_, 2) => Ok(Network::Ipv4(body)),
                (24 | 28 | 30, _) | (_, 24 | 28 | 30) => Ok(Network::Ipv6(body)),
                _ => Ok(Network::NotIp),
            }
        }
        linktype::RAW | linktype::RAW_OPENBSD | linktype::RAW_BSDOS => raw_ip(frame),
        linktype::IPV4 => Ok(Network::Ipv4(frame)),
        linktype::IPV6 => Ok(Network::Ipv6(frame)),
        linktype::CHDLC => {
            let proto = be16(frame, 2).ok_or(Anomaly::LinkTruncated)?;
            by_ethertype(proto, &frame[4..], vlan, 0)
        }
        _ => Ok(Network::NotIp),
    }
}

/// Raw IP: the version nibble says which.
pub fn raw_ip(frame: &[u8]) -> Result<Network<'_>, Anomaly> {
    match frame.first().map(|b| b >> 4) {
        Some(4) => Ok(Network::Ipv4(frame)),
        Some(6) => Ok(Network::Ipv6(frame)),
        Some(_) => Ok(Network::NotIp),
        None => Err(Anomaly::EmptyFrame),
    }
}

pub fn ethernet<'a>(frame: &'a [u8], vlan: &mut VlanIds) -> Result<Network<'a>, Anomaly> {
    if frame.is_empty() {
        return Err(Anomaly::EmptyFrame);
    }
    let ethertype = be16(frame, 12).ok_or(Anomaly::LinkTruncated)?;
    by_ethertype(ethertype, &frame[14..], vlan, 0)
}

fn by_ethertype<'a>(ethertype: u16, body: &'a [u8], vlan: &mut VlanIds, depth: u8) -> Result<Network<'a>, Anomaly> {
    if depth > 8 {
        return Err(Anomaly::VlanTooManyLayers);
    }
    match ethertype {
        ETHERTYPE_IPV4 => Ok(Network::Ipv4(body)),
        ETHERTYPE_IPV6 => Ok(Network::Ipv6(body)),
        ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD => {
            let tci = be16(body, 0).ok_or(Anomaly::VlanTruncated)?;
            let inner = be16(body, 2).ok_or(Anomaly::VlanTruncated)?;
            if !vlan.push(tci & 0x0fff) {
                return Err(Anomaly::VlanTooManyLayers);
            }
            by_ethertype(inner, &body[4..], vlan, depth + 1)
        }
        ETHERTYPE_PPPOE_SESSION => {
            // 6-byte PPPoE header, then the 2-byte PPP protocol.
            let ppp = be16(body, 6).ok_or(Anomaly::LinkTruncated)?;
            match ppp {
                0x0021 => Ok(Network::Ipv4(&body[8..])),
                0x0057 => Ok(Network::Ipv6(&body[8..])),
                _ => Ok(Network::NotIp),
            }
        }
        ETHERTYPE_MPLS_UNICAST | ETHERTYPE_MPLS_MULTICAST => {
            let mut rest = body;
            for _ in 0..16 {
                let entry = rest.get(0..4).ok_or(Anomaly::LinkTruncated)?;
                let bottom = entry[2] & 0x01 != 0;
                rest = &rest[4..];
                if bottom {
                    return raw_ip(rest).map_err(|_| Anomaly::LinkTruncated);
                }
            }
            Err(Anomaly::TunnelTooDeep)
        }
        ETHERTYPE_NSH => nsh(body, vlan, depth),
        _ => Ok(Network::NotIp),
    }
}

/// Network Service Header (RFC 8300): base + service path header, then the
/// next protocol.
fn nsh<'a>(body: &'a [u8], vlan: &mut VlanIds, depth: u8) -> Result<Network<'a>, Anomaly> {
    let base = body.get(0..4).ok_or(Anomaly::TunnelMalformed)?;
    // Ver(2) O(1) U(1) TTL(6) Length(6): the length is the low 6 bits, in 4-byte words.
    let len_words = usize::from(base[1] & 0x3f);
    let next = base[3];
    let hdr_len = len_words * 4;
    if hdr_len < 8 || body.len() < hdr_len {
        return Err(Anomaly::TunnelMalformed);
    }
    let inner = &body[hdr_len..];
    match next {
        1 => Ok(Network::Ipv4(inner)),
        2 => Ok(Network::Ipv6(inner)),
        3 => {
            let ethertype = be16(inner, 12).ok_or(Anomaly::TunnelMalformed)?;
            by_ethertype(ethertype, &inner[14..], vlan, depth + 1)
        }
        4 => nsh(inner, vlan, depth + 1),
        _ => Ok(Network::NotIp),
    }
}

pub fn be16(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at + 2)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth(ethertype: u16, body: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(body);
        f
    }

    #[test]
    fn qinq_collects_both_ids() {
        let mut body = vec![];
        body.extend_from_slice(&[0x00, 0x64]); // outer id 100
        body.extend_from_slice(&ETHERTYPE_VLAN.to_be_bytes());
        body.extend_from_slice(&[0x20, 0x0a]); // inner id 10 with priority bits
        body.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
        body.extend_from_slice(&[0x45, 0]);
        let frame = eth(ETHERTYPE_QINQ, &body);
        let mut vlan = VlanIds::default();
        assert_eq!(
            decode_link(linktype::ETHERNET, &frame, &mut vlan),
            Ok(Network::Ipv4(&[0x45, 0][..]))
        );
        assert_eq!(vlan.as_slice(), &[100, 10]);
    }

    #[test]
    fn truncated_vlan_is_an_anomaly() {
        let frame = eth(ETHERTYPE_VLAN, &[0x00]);
        let mut vlan = VlanIds::default();
        assert_eq!(
            decode_link(linktype::ETHERNET, &frame, &mut vlan),
            Err(Anomaly::VlanTruncated)
        );
    }

    #[test]
    fn too_many_vlan_layers() {
        let mut body = vec![];
        for _ in 0..5 {
            body.extend_from_slice(&[0, 1]);
            body.extend_from_slice(&ETHERTYPE_VLAN.to_be_bytes());
        }
        let frame = eth(ETHERTYPE_VLAN, &body);
        let mut vlan = VlanIds::default();
        assert_eq!(
            decode_link(linktype::ETHERNET, &frame, &mut vlan),
            Err(Anomaly::VlanTooManyLayers)
        );
    }

    #[test]
    fn null_loopback_either_byte_order() {
        let mut vlan = VlanIds::default();
        assert_eq!(
            decode_link(linktype::NULL, &[2, 0, 0, 0, 0x45], &mut vlan),
            Ok(Network::Ipv4(&[0x45][..]))
        );
        assert_eq!(
            decode_link(linktype::NULL, &[0, 0, 0, 30, 0x60], &mut vlan),
            Ok(Network::Ipv6(&[0x60][..]))
        );
    }

    #[test]
    fn sll_and_sll2() {
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
        sll.push(0x60);
        let mut vlan = VlanIds::default();
        assert_eq!(
            decode_link(linktype::LINUX_SLL, &sll, &mut vlan),
            Ok(Network::Ipv6(&[0x60][..]))
        );
        let mut sll2 = ETHERTYPE_IPV4.to_be_bytes().to_vec();
        sll2.extend_from_slice(&[0u8; 18]);
        sll2.push(0x45);
        assert_eq!(
            decode_link(linktype::LINUX_SLL2, &sll2, &mut vlan),
            Ok(Network::Ipv4(&[0x45][..]))
        );
        assert_eq!(
            decode_link(linktype::LINUX_SLL2, &sll2[..10], &mut vlan),
            Err(Anomaly::LinkTruncated)
        );
    }

    #[test]
    fn nsh_md_type_one_to_ipv4() {
        let mut body = vec![0x00, 0x06, 0x01, 0x01];
        body.extend_from_slice(&[0u8; 20]);
        body.push(0x45);
        let frame = eth(ETHERTYPE_NSH, &body);
        let mut vlan = VlanIds::default();
        assert_eq!(
            decode_link(linktype::ETHERNET, &frame, &mut vlan),
            Ok(Network::Ipv4(&[0x45][..]))
        );
        let short = eth(ETHERTYPE_NSH, &[0x00, 0x06, 0x01, 0x01, 0, 0]);
        assert_eq!(
            decode_link(linktype::ETHERNET, &short, &mut vlan),
            Err(Anomaly::TunnelMalformed)
        );
    }

    #[test]
    fn raw_and_empty() {
        let mut vlan = VlanIds::default();
        assert_eq!(
            decode_link(linktype::RAW, &[0x45], &mut vlan),
            Ok(Network::Ipv4(&[0x45][..]))
        );
        assert_eq!(decode_link(linktype::RAW, &[], &mut vlan), Err(Anomaly::EmptyFrame));
        assert_eq!(
            decode_link(linktype::ETHERNET, &[], &mut vlan),
            Err(Anomaly::EmptyFrame)
        );
        assert_eq!(
            decode_link(linktype::ETHERNET, &[1, 2, 3], &mut vlan),
            Err(Anomaly::LinkTruncated)
        );
    }
}
