//! The Internet checksum (RFC 1071) and the pseudo-headers it covers for TCP, UDP and ICMPv6.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Running one's-complement sum over a sequence of byte slices.
///
/// Slices may have odd lengths: a dangling byte is paired with the first byte
/// of the next slice, exactly as if all data had been concatenated.
#[derive(Clone, Debug, Default)]
pub struct Checksum {
    sum: u64,
    pending: Option<u8>,
}

impl Checksum {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes to the sum.
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
        let mut words = data.chunks_exact(2);
        for w in &mut words {
            self.sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
        }
        if let [last] = words.remainder() {
            self.pending = Some(*last);
        }
        self
    }

    /// Finishes the sum and returns the checksum field value.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ipv4_header() {
        // Classic worked example: 192.168.0.1 -> 192.168.0.199, UDP, total length 0x73.
        let header = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
            0x00, 0xc7,
        ];
        assert_eq!(internet_checksum(&header), 0xb861);
        let mut with_sum = header;
        with_sum[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert_eq!(internet_checksum(&with_sum), 0);
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
}
