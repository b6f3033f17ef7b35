//! Spoofed IPv4 sources: a seeded permutation of the 32-bit space that skips
//! private, shared, loopback, link-local, documentation, benchmarking,
//! multicast and reserved ranges, so no source is ever drawn twice.

use std::net::Ipv4Addr;

use super::rng::Rng;

/// Ranges never used as spoofed sources, as (network, prefix length). The
/// documentation and benchmarking ranges are left out too, so spoofed sources
/// never collide with the named attackers and reflectors.
const EXCLUDED: [(u32, u32); 14] = [
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
    (0x0A00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 shared address space
    (0x7F00_0000, 8),  // 127.0.0.0/8 loopback
    (0xA9FE_0000, 16), // 169.254.0.0/16 link-local
    (0xAC10_0000, 12), // 172.16.0.0/12 private
    (0xC000_0000, 24), // 192.0.0.0/24 protocol assignments
    (0xC000_0200, 24), // 192.0.2.0/24 TEST-NET-1
    (0xC058_6300, 24), // 192.88.99.0/24 6to4 relay anycast
    (0xC0A8_0000, 16), // 192.168.0.0/16 private
    (0xC612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xC633_6400, 24), // 198.51.100.0/24 TEST-NET-2
    (0xCB00_7100, 24), // 203.0.113.0/24 TEST-NET-3
    (0xE000_0000, 3),  // 224.0.0.0/3 multicast, reserved, broadcast
];

/// Addresses outside every excluded range: 3,702,258,432 of them.
pub const SPOOFABLE_COUNT: u64 = 3_702_258_432;

/// True when `addr` may serve as a spoofed source.
pub fn is_spoofable(addr: Ipv4Addr) -> bool {
    let a = u32::from(addr);
    EXCLUDED.iter().all(|&(net, len)| (a ^ net) >> (32 - len) != 0)
}

/// A seeded bijection on `u32`: odd multiplications, additions and
/// xor-shifts, each invertible modulo 2^32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressPermutation {
    keys: [u32; 4],
}

impl AddressPermutation {
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        AddressPermutation {
            keys: [rng.next_u32() | 1, rng.next_u32(), rng.next_u32() | 1, rng.next_u32()],
        }
    }

    pub fn apply(&self, x: u32) -> u32 {
        let [m1, a1, m2, a2] = self.keys;
        let mut x = x.wrapping_mul(m1).wrapping_add(a1);
        x ^= x >> 16;
        x = x.wrapping_mul(m2);
        x ^= x >> 13;
        x = x.wrapping_add(a2);
        x ^ (x >> 16)
    }
}

/// Distinct spoofable IPv4 addresses in a seed-dependent order: walks the
/// permutation of 0..2^32 and skips excluded addresses, so it yields up to
/// [`SPOOFABLE_COUNT`] addresses, never the same one twice.
#[derive(Clone, Debug)]
pub struct SpoofedSources {
    perm: AddressPermutation,
    position: u64,
}

impl SpoofedSources {
    pub fn new(seed: u64) -> Self {
        SpoofedSources {
            perm: AddressPermutation::new(seed),
            position: 0,
        }
    }
}

impl Iterator for SpoofedSources {
    type Item = Ipv4Addr;

    fn next(&mut self) -> Option<Ipv4Addr> {
        while let Ok(x) = u32::try_from(self.position) {
            self.position += 1;
            let addr = Ipv4Addr::from(self.perm.apply(x));
            if is_spoofable(addr) {
                return Some(addr);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inverse of `x * m` modulo 2^32 for odd `m` (Newton's iteration).
    fn mul_inverse(m: u32) -> u32 {
        let mut inv = m;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(m.wrapping_mul(inv)));
        }
        inv
    }

    fn unshift(y: u32, k: u32) -> u32 {
        let mut x = y;
        for _ in 0..32 / k + 1 {
            x = y ^ (x >> k);
        }
        x
    }

    fn invert(p: &AddressPermutation, y: u32) -> u32 {
        let [m1, a1, m2, a2] = p.keys;
        let mut x = unshift(y, 16).wrapping_sub(a2);
        x = unshift(x, 13).wrapping_mul(mul_inverse(m2));
        unshift(x, 16).wrapping_sub(a1).wrapping_mul(mul_inverse(m1))
    }

    #[test]
    fn permutation_is_a_bijection() {
        // An explicit inverse exists, so no two inputs share an output.
        let mut rng = Rng::new(99);
        for seed in 0..20 {
            let p = AddressPermutation::new(seed);
            for x in [0, 1, u32::MAX, 0x8000_0000]
                .into_iter()
                .chain((0..2000).map(|_| rng.next_u32()))
            {
                assert_eq!(invert(&p, p.apply(x)), x);
                assert_eq!(p.apply(invert(&p, x)), x);
            }
        }
    }

    #[test]
    fn excluded_ranges() {
        for bad in [
            "0.1.2.3",
            "10.20.0.5",
            "100.100.0.1",
            "127.0.0.1",
            "169.254.1.1",
            "172.31.255.255",
            "192.0.2.7",
            "192.168.1.1",
            "198.19.0.1",
            "198.51.100.7",
            "203.0.113.7",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
        ] {
            assert!(!is_spoofable(bad.parse().unwrap()), "{bad}");
        }
        for good in [
            "1.1.1.1",
            "100.63.255.255",
            "172.32.0.1",
            "198.17.255.255",
            "223.255.255.254",
        ] {
            assert!(is_spoofable(good.parse().unwrap()), "{good}");
        }
        let excluded: u64 = EXCLUDED.iter().map(|&(_, len)| 1u64 << (32 - len)).sum();
        assert_eq!(SPOOFABLE_COUNT, (1u64 << 32) - excluded);
    }

    #[test]
    fn sources_follow_the_seed() {
        let a: Vec<Ipv4Addr> = SpoofedSources::new(1).take(1000).collect();
        assert_eq!(a, SpoofedSources::new(1).take(1000).collect::<Vec<_>>());
        assert_ne!(a, SpoofedSources::new(2).take(1000).collect::<Vec<_>>());
        assert!(a.iter().all(|&x| is_spoofable(x)));
        let distinct: std::collections::HashSet<_> = a.iter().collect();
        assert_eq!(distinct.len(), 1000);
    }
}
