//! Internet checksums (RFC 1071) for IPv4 headers and TCP/UDP/ICMP payloads.

use std::net::IpAddr;

/// Adds 16-bit big-endian words of `data` to a running 32-bit sum.
fn sum_words(mut sum: u64, data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        sum += u64::from(u16::from_be_bytes([c[0], c[1]]))
            + u64::from(u16::from_be_bytes([c[2], c[3]]))
            + u64::from(u16::from_be_bytes([c[4], c[5]]))
            + u64::from(u16::from_be_bytes([c[6], c[7]]));
    }
    let rest = chunks.remainder();
    let mut pairs = rest.chunks_exact(2);
    for p in &mut pairs {
        sum += u64::from(u16::from_be_bytes([p[0], p[1]]));
    }
    if let [last] = pairs.remainder() {
        sum += u64::from(*last) << 8;
    }
    sum
}

fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// True when the IPv4 header (checksum field included) sums to 0xffff.
pub fn ipv4_header_ok(header: &[u8]) -> bool {
    fold(sum_words(0, header)) == 0xffff
}

/// True when a TCP/UDP/ICMPv6 segment (checksum field included) verifies
/// against the IP pseudo-header.
pub fn transport_ok(src: IpAddr, dst: IpAddr, proto: u8, segment: &[u8]) -> bool {
    let mut sum = 0u64;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            sum = sum_words(sum, &s.octets());
            sum = sum_words(sum, &d.octets());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            sum = sum_words(sum, &s.octets());
            sum = sum_words(sum, &d.octets());
        }
        _ => return false,
    }
    sum += u64::from(proto) + segment.len() as u64;
    fold(sum_words(sum, segment)) == 0xffff
}

/// True when an ICMPv4 message (no pseudo-header) verifies.
pub fn icmpv4_ok(message: &[u8]) -> bool {
    fold(sum_words(0, message)) == 0xffff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ipv4_header() {
        // Classic example header with checksum 0xb861.
        let hdr = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
            0x00, 0xc7,
        ];
        assert!(ipv4_header_ok(&hdr));
        let mut bad = hdr;
        bad[11] ^= 1;
        assert!(!ipv4_header_ok(&bad));
    }

    #[test]
    fn odd_length_segment() {
        // UDP 10.0.0.1:1 -> 10.0.0.2:2, payload "abc" with checksum computed below.
        let src: IpAddr = "10.0.0.1".parse().unwrap();
        let dst: IpAddr = "10.0.0.2".parse().unwrap();
        let mut seg = vec![0, 1, 0, 2, 0, 11, 0, 0, b'a', b'b', b'c'];
        let sum = {
            let mut s = sum_words(0, &[10, 0, 0, 1, 10, 0, 0, 2]);
            s += 17 + seg.len() as u64;
            !fold(sum_words(s, &seg))
        };
        seg[6..8].copy_from_slice(&sum.to_be_bytes());
        assert!(transport_ok(src, dst, 17, &seg));
        seg[10] = b'd';
        assert!(!transport_ok(src, dst, 17, &seg));
    }
}
