//! Internet checksums (RFC 1071): a running sum that both verifies decoded
//! IPv4/TCP/UDP/ICMP packets and fills in the fields of built ones.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Adds the 16-bit big-endian words of `data` (even length) to `sum`.
///
/// The one's-complement sum is taken eight bytes at a time, as native
/// little-endian words whose carries out of bit 63 are added back in:
/// modulo 2^16 - 1 that is the sum of the little-endian 16-bit words, and a
/// 16-bit word read the other way round is 256 times itself, so the folded
/// result, byte-swapped, is the sum of the big-endian words. One addition
/// per eight bytes instead of four.
fn sum_words(sum: u64, data: &[u8]) -> u64 {
    let mut wide = 0u64;
    let mut carries = 0u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let (next, carried) = wide.overflowing_add(word);
        wide = next;
        carries += u64::from(carried);
    }
    let mut folded = (wide & 0xFFFF_FFFF) + (wide >> 32) + carries;
    while folded > 0xFFFF {
        folded = (folded & 0xFFFF) + (folded >> 16);
    }
    let mut sum = sum + u64::from((folded as u16).swap_bytes());
    for p in chunks.remainder().chunks_exact(2) {
        sum += u64::from(u16::from_be_bytes([p[0], p[1]]));
    }
    sum
}

/// Running one's-complement sum over a sequence of byte slices. Slices may
/// have odd lengths: a dangling byte pairs with the first byte of the next
/// slice, exactly as if all data had been concatenated.
#[derive(Clone, Debug, Default)]
pub struct Checksum {
    sum: u64,
    pending: Option<u8>,
}

impl Checksum {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, mut data: &[u8]) -> &mut Self {
        if let Some(high) = self.pending.take() {
            match data.split_first() {
                Some((&low, rest)) => {
                    self.sum += u64::from(u16::from_be_bytes([high, low]));
                    data = rest;
                }
                None => {
                    self.pending = Some(high);
                    return self;
                }
            }
        }
        let even = data.len() & !1;
        self.sum = sum_words(self.sum, &data[..even]);
        if even < data.len() {
            self.pending = Some(data[even]);
        }
        self
    }

    /// The checksum field value: the folded sum, complemented. A buffer that
    /// includes a correct checksum field finishes to 0.
    pub fn finish(&self) -> u16 {
        let mut sum = self.sum;
        if let Some(high) = self.pending {
            sum += u64::from(high) << 8;
        }
        while sum > 0xFFFF {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        !(sum as u16)
    }

    /// A sum preloaded with the IPv4 pseudo-header.
    pub fn ipv4_pseudo(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, length: u16) -> Self {
        let mut c = Checksum::new();
        c.add(&src.octets())
            .add(&dst.octets())
            .add(&[0, protocol])
            .add(&length.to_be_bytes());
        c
    }

    /// A sum preloaded with the IPv6 pseudo-header.
    pub fn ipv6_pseudo(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, length: u32) -> Self {
        let mut c = Checksum::new();
        c.add(&src.octets())
            .add(&dst.octets())
            .add(&length.to_be_bytes())
            .add(&[0, 0, 0, next_header]);
        c
    }
}

/// Checksum of one contiguous buffer.
pub fn internet_checksum(data: &[u8]) -> u16 {
    Checksum::new().add(data).finish()
}

/// True when the IPv4 header (checksum field included) verifies.
pub fn ipv4_header_ok(header: &[u8]) -> bool {
    internet_checksum(header) == 0
}

/// True when a TCP/UDP/ICMPv6 segment (checksum field included) verifies
/// against the IP pseudo-header.
pub fn transport_ok(src: IpAddr, dst: IpAddr, proto: u8, segment: &[u8]) -> bool {
    let pseudo = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => match u16::try_from(segment.len()) {
            Ok(len) => Checksum::ipv4_pseudo(s, d, proto, len),
            Err(_) => return false,
        },
        (IpAddr::V6(s), IpAddr::V6(d)) => Checksum::ipv6_pseudo(s, d, proto, segment.len() as u32),
        _ => return false,
    };
    pseudo.clone().add(segment).finish() == 0
}

/// True when an ICMPv4 message (no pseudo-header) verifies.
pub fn icmpv4_ok(message: &[u8]) -> bool {
    internet_checksum(message) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sum of the big-endian words, one at a time, as RFC 1071 puts it.
    fn word_by_word(data: &[u8]) -> u16 {
        let mut sum: u64 = data
            .chunks(2)
            .map(|p| u64::from(u16::from_be_bytes([p[0], p.get(1).copied().unwrap_or(0)])))
            .sum();
        while sum > 0xFFFF {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn wide_sum_agrees_with_the_word_by_word_sum() {
        let mut rng = crate::synth::rng::Rng::new(5);
        for len in 0..300usize {
            // All-0xff data makes the 64-bit sum carry out at every step.
            let data: Vec<u8> = match len % 3 {
                0 => vec![0xff; len],
                1 => vec![0; len],
                _ => (0..len).map(|_| rng.range(0, 256) as u8).collect(),
            };
            assert_eq!(internet_checksum(&data), word_by_word(&data), "{data:?}");
        }
    }

    #[test]
    fn known_ipv4_header() {
        // Classic example header with checksum 0xb861.
        let mut hdr = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
            0x00, 0xc7,
        ];
        assert_eq!(internet_checksum(&hdr), 0xb861);
        hdr[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert!(ipv4_header_ok(&hdr));
        hdr[11] ^= 1;
        assert!(!ipv4_header_ok(&hdr));
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to ddf2 before complement.
        assert_eq!(
            internet_checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            !0xddf2
        );
    }

    #[test]
    fn odd_splits_match_contiguous() {
        let data: Vec<u8> = (0..=40u8).map(|b| b.wrapping_mul(37)).collect();
        let whole = internet_checksum(&data);
        let mut parts = Checksum::new();
        parts
            .add(&data[..3])
            .add(&data[3..4])
            .add(&[])
            .add(&data[4..17])
            .add(&data[17..]);
        assert_eq!(parts.finish(), whole);
        assert_eq!(internet_checksum(&[0xab]), !0xab00);
    }

    #[test]
    fn odd_length_segment_verifies() {
        // UDP 10.0.0.1:1 -> 10.0.0.2:2, payload "abc".
        let (src, dst) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let mut seg = vec![0, 1, 0, 2, 0, 11, 0, 0, b'a', b'b', b'c'];
        let sum = Checksum::ipv4_pseudo(src, dst, 17, seg.len() as u16).add(&seg).finish();
        seg[6..8].copy_from_slice(&sum.to_be_bytes());
        assert!(transport_ok(src.into(), dst.into(), 17, &seg));
        seg[10] = b'd';
        assert!(!transport_ok(src.into(), dst.into(), 17, &seg));
        assert!(!transport_ok(src.into(), Ipv6Addr::LOCALHOST.into(), 17, &seg));
    }
}
