//! Tunnels whose inner packets are inspected on their own: GRE (with ERSPAN
//! types II and III), IP-in-IP, VXLAN, Geneve and Teredo.

use super::anomaly::Anomaly;
use super::link::be16;
use super::packet::Inner;

const VXLAN_PORT: u16 = 4789;
const GENEVE_PORT: u16 = 6081;
const TEREDO_PORT: u16 = 3544;

/// A tunnel carried directly over IP (by protocol number).
pub fn over_ip(proto: u8, payload: &[u8]) -> Result<Option<Inner<'_>>, Anomaly> {
    match proto {
        4 | 41 => Ok(Some(Inner::Ip(payload))),
        47 => gre(payload).map(Some),
        _ => Ok(None),
    }
}

fn gre(p: &[u8]) -> Result<Inner<'_>, Anomaly> {
    let flags = be16(p, 0).ok_or(Anomaly::TunnelMalformed)?;
    let proto = be16(p, 2).ok_or(Anomaly::TunnelMalformed)?;
    let version = flags & 0x7;
    if version != 0 {
        return Err(Anomaly::TunnelMalformed);
    }
    let mut off = 4;
    if flags & 0x8000 != 0 || flags & 0x4000 != 0 {
        off += 4; // checksum + reserved (present if C or R)
    }
    if flags & 0x2000 != 0 {
        off += 4; // key
    }
    if flags & 0x1000 != 0 {
        off += 4; // sequence
    }
    let body = p.get(off..).ok_or(Anomaly::TunnelMalformed)?;
    match proto {
        0x0800 | 0x86dd => Ok(Inner::Ip(body)),
        0x6558 => Ok(Inner::Ethernet(body, None)),
        // ERSPAN type II: 8-byte header (version and VLAN in the first two
        // bytes), then the mirrored Ethernet frame.
        0x88be => erspan(body, 8),
        // ERSPAN type III: 12-byte header, plus an 8-byte platform subheader when O is set.
        0x22eb => {
            let o_bit = body.get(11).ok_or(Anomaly::TunnelMalformed)? & 0x01 != 0;
            erspan(body, if o_bit { 20 } else { 12 })
        }
        _ => Err(Anomaly::TunnelMalformed),
    }
}

/// ERSPAN: the VLAN of the mirrored traffic sits in the header's first two bytes.
fn erspan(body: &[u8], header_len: usize) -> Result<Inner<'_>, Anomaly> {
    let hdr = body.get(..header_len).ok_or(Anomaly::TunnelMalformed)?;
    let vlan = u16::from_be_bytes([hdr[0], hdr[1]]) & 0x0fff;
    Ok(Inner::Ethernet(&body[header_len..], (vlan != 0).then_some(vlan)))
}

/// A tunnel carried over UDP (by well-known port). Payloads that do not look
/// like the tunnel are left alone: the port may be in other use.
pub fn over_udp(sport: u16, dport: u16, payload: &[u8]) -> Option<Inner<'_>> {
    if dport == VXLAN_PORT && payload.len() >= 8 + 14 && payload[0] & 0x08 != 0 {
        return Some(Inner::Ethernet(&payload[8..], None));
    }
    if dport == GENEVE_PORT && payload.len() >= 8 && payload[0] >> 6 == 0 {
        let opt_len = usize::from(payload[0] & 0x3f) * 4;
        let proto = be16(payload, 2)?;
        let body = payload.get(8 + opt_len..)?;
        return match proto {
            0x6558 => Some(Inner::Ethernet(body, None)),
            0x0800 | 0x86dd => Some(Inner::Ip(body)),
            _ => None,
        };
    }
    if (sport == TEREDO_PORT || dport == TEREDO_PORT) && payload.len() >= 40 && payload[0] >> 4 == 6 {
        // Teredo may prefix origin/authentication indicators; plain IPv6 is the common case.
        let plen = usize::from(be16(payload, 4)?);
        if payload.len() == 40 + plen {
            return Some(Inner::Ip(payload));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gre_with_key_and_seq() {
        let mut p = vec![0x30, 0x00, 0x08, 0x00];
        p.extend_from_slice(&[0; 8]);
        p.push(0x45);
        assert_eq!(over_ip(47, &p), Ok(Some(Inner::Ip(&[0x45][..]))));
    }

    #[test]
    fn gre_erspan_two() {
        let mut p = vec![0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1];
        p.extend_from_slice(&[0x10, 0x17, 0, 0, 0, 0, 0, 0]);
        p.extend_from_slice(&[0xaa; 14]);
        assert_eq!(over_ip(47, &p), Ok(Some(Inner::Ethernet(&[0xaa; 14][..], Some(23)))));
    }

    #[test]
    fn gre_truncated() {
        assert_eq!(over_ip(47, &[0x20, 0x00, 0x08, 0x00, 1]), Err(Anomaly::TunnelMalformed));
        assert_eq!(over_ip(47, &[0x00]), Err(Anomaly::TunnelMalformed));
    }

    #[test]
    fn vxlan_needs_flag() {
        let mut p = vec![0x08, 0, 0, 0, 0, 0, 1, 0];
        p.extend_from_slice(&[0xbb; 14]);
        assert_eq!(over_udp(1234, 4789, &p), Some(Inner::Ethernet(&[0xbb; 14][..], None)));
        p[0] = 0;
        assert_eq!(over_udp(1234, 4789, &p), None);
    }
}
