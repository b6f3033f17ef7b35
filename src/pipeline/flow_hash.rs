//! Which worker a frame goes to: a hash of its outermost IP address pair
//! that is the same both ways, so a flow, its fragments, its ICMP errors
//! between the same hosts and any tunnel it rides in all meet one worker.
//! Reads only the link and IP headers; anything else goes to worker 0.

use crate::capture::linktype;
use std::hash::{BuildHasher, Hasher};

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const VLAN_TAGS: [u16; 3] = [0x8100, 0x88a8, 0x9100];

/// The lane (0..lanes) of a frame of `linktype`.
pub fn lane_of(linktype: u32, frame: &[u8], lanes: usize) -> usize {
    if lanes <= 1 {
        return 0;
    }
    match ip_header(linktype, frame).and_then(address_pair) {
        Some((a, b)) => {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let mut h = foldhash::fast::FixedState::with_seed(0x1a7e).build_hasher();
            h.write(lo);
            h.write(hi);
            (h.finish() % lanes as u64) as usize
        }
        None => 0,
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// The IP header inside a frame, by link type.
fn ip_header(linktype: u32, frame: &[u8]) -> Option<&[u8]> {
    match linktype {
        linktype::ETHERNET => {
            let mut at = 12;
            let mut ethertype = be16(frame, at)?;
            while VLAN_TAGS.contains(&ethertype) {
                at += 4;
                ethertype = be16(frame, at)?;
            }
            by_ethertype(ethertype, frame.get(at + 2..)?)
        }
        linktype::LINUX_SLL => by_ethertype(be16(frame, 14)?, frame.get(16..)?),
        linktype::LINUX_SLL2 => by_ethertype(be16(frame, 0)?, frame.get(20..)?),
        linktype::NULL | linktype::LOOP => frame.get(4..),
        linktype::RAW | linktype::RAW_OPENBSD | linktype::RAW_BSDOS | linktype::IPV4 | linktype::IPV6 => Some(frame),
        _ => None,
    }
}

fn by_ethertype(ethertype: u16, rest: &[u8]) -> Option<&[u8]> {
    matches!(ethertype, ETHERTYPE_IPV4 | ETHERTYPE_IPV6).then_some(rest)
}

/// Source and destination addresses of an IPv4 or IPv6 header.
fn address_pair(ip: &[u8]) -> Option<(&[u8], &[u8])> {
    match ip.first()? >> 4 {
        4 => Some((ip.get(12..16)?, ip.get(16..20)?)),
        6 => Some((ip.get(8..24)?, ip.get(24..40)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4_frame(src: [u8; 4], dst: [u8; 4], vlan: bool) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        if vlan {
            f.extend([0x81, 0x00, 0x00, 0x0a]);
        }
        f.extend([0x08, 0x00]);
        let mut ip = vec![0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0];
        ip.extend(src);
        ip.extend(dst);
        f.extend(ip);
        f
    }

    #[test]
    fn both_directions_meet_one_lane() {
        for lanes in [2, 3, 8] {
            for i in 0..50u8 {
                let a = [10, 0, i, 1];
                let b = [192, 0, 2, i];
                let there = lane_of(linktype::ETHERNET, &ipv4_frame(a, b, false), lanes);
                let back = lane_of(linktype::ETHERNET, &ipv4_frame(b, a, true), lanes);
                assert_eq!(there, back);
                assert!(there < lanes);
            }
        }
    }

    #[test]
    fn pairs_spread_over_lanes() {
        let mut seen = [0usize; 4];
        for i in 0..=255u8 {
            seen[lane_of(linktype::ETHERNET, &ipv4_frame([10, 0, 0, i], [10, 1, 0, 1], false), 4)] += 1;
        }
        assert!(seen.iter().all(|&n| n > 32), "{seen:?}");
    }

    #[test]
    fn anything_unreadable_goes_to_lane_zero() {
        assert_eq!(lane_of(linktype::ETHERNET, &[], 4), 0);
        assert_eq!(lane_of(linktype::ETHERNET, &[0u8; 13], 4), 0);
        assert_eq!(lane_of(linktype::RAW, &[0x45, 0, 0], 4), 0);
        assert_eq!(lane_of(linktype::RAW, &[0x60; 30], 4), 0);
        assert_eq!(lane_of(9999, &[0x45; 60], 4), 0);
        assert_eq!(
            lane_of(linktype::ETHERNET, &ipv4_frame([1, 2, 3, 4], [5, 6, 7, 8], false), 1),
            0
        );
    }
}
