//! IP defragmentation (IPv4 and IPv6): fragments are collected per datagram
//! until it is whole, then rebuilt as one IP packet for inspection. Bounded
//! by a memory cap and timeouts; overlaps, oversize datagrams and too many
//! fragments are counted as anomalies.

mod fragment;

pub use fragment::{DatagramKey, Fragment, fragment_of};

use crate::decode::checksum::internet_checksum;
use crate::stream::{OverlapPolicy, Segments};
use crate::timestamp::Timestamp;
use foldhash::fast::FixedState;
use hashlink::LinkedHashMap;

/// Largest IP datagram (the 16-bit length fields).
const MAX_DATAGRAM: u32 = 65_535;

#[derive(Clone, Copy, Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DefragConfig {
    /// Bytes of fragments held at once; past it the oldest datagram is dropped.
    pub memcap: usize,
    /// Seconds a datagram may wait for its missing fragments.
    pub timeout: u64,
    /// Fragments one datagram may have.
    pub max_fragments: u32,
    pub overlap_policy: OverlapPolicy,
}

impl Default for DefragConfig {
    fn default() -> Self {
        DefragConfig {
            memcap: 32 << 20,
            timeout: 60,
            max_fragments: 256,
            overlap_policy: OverlapPolicy::First,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DefragStats {
    pub fragments: u64,
    pub reassembled: u64,
    pub overlaps: u64,
    pub overlaps_different: u64,
    pub too_many_fragments: u64,
    pub oversize: u64,
    pub timeouts: u64,
    pub evicted: u64,
}

impl DefragStats {
    /// Adds another defragmenter's counters (one per worker).
    pub fn merge(&mut self, o: &DefragStats) {
        self.fragments += o.fragments;
        self.reassembled += o.reassembled;
        self.overlaps += o.overlaps;
        self.overlaps_different += o.overlaps_different;
        self.too_many_fragments += o.too_many_fragments;
        self.oversize += o.oversize;
        self.timeouts += o.timeouts;
        self.evicted += o.evicted;
    }
}

struct Tracker {
    first_seen: Timestamp,
    data: Segments,
    fragments: u32,
    /// Payload length, known once the last fragment arrived.
    total: Option<u32>,
    /// Headers of the first fragment, to rebuild the datagram with.
    header: Option<(Vec<u8>, usize)>,
}

pub struct Defragmenter {
    trackers: LinkedHashMap<DatagramKey, Tracker, FixedState>,
    bytes: usize,
    cfg: DefragConfig,
    pub stats: DefragStats,
}

impl Defragmenter {
    pub fn new(cfg: DefragConfig) -> Self {
        Defragmenter {
            trackers: LinkedHashMap::with_hasher(FixedState::with_seed(0xf4a9)),
            bytes: 0,
            cfg,
            stats: DefragStats::default(),
        }
    }

    pub fn pending(&self) -> usize {
        self.trackers.len()
    }

    /// Adds a fragment; returns the rebuilt IP datagram once it is whole.
    pub fn add(&mut self, frag: &Fragment<'_>, now: Timestamp) -> Option<Vec<u8>> {
        self.stats.fragments += 1;
        self.expire(now);
        let end = frag.offset + frag.data.len() as u32;
        let header_len = frag.unfragmentable.len() as u32;
        if end + header_len > MAX_DATAGRAM || (frag.more && !frag.data.len().is_multiple_of(8) && !frag.data.is_empty())
        {
            self.stats.oversize += u64::from(end + header_len > MAX_DATAGRAM);
            self.drop_tracker(&frag.key);
            return None;
        }
        if !self.trackers.contains_key(&frag.key) {
            self.trackers.insert(
                frag.key,
                Tracker {
                    first_seen: now,
                    data: Segments::default(),
                    fragments: 0,
                    total: None,
                    header: None,
                },
            );
        }
        let policy = self.cfg.overlap_policy;
        let max_fragments = self.cfg.max_fragments;
        let t = self.trackers.to_back(&frag.key)?;
        t.fragments += 1;
        if t.fragments > max_fragments {
            self.stats.too_many_fragments += 1;
            self.drop_tracker(&frag.key);
            return None;
        }
        let before = t.data.bytes();
        let ins = t.data.insert(u64::from(frag.offset), frag.data, policy);
        let grown = t.data.bytes() - before;
        if ins.overlap > 0 {
            self.stats.overlaps += 1;
        }
        if ins.overlap_differs {
            self.stats.overlaps_different += 1;
        }
        if !frag.more {
            t.total = Some(end);
        }
        if frag.offset == 0 && t.header.is_none() {
            t.header = Some((frag.unfragmentable.to_vec(), frag.next_header_at));
        }
        self.bytes += grown;
        let complete = match (t.total, &t.header) {
            (Some(total), Some(_)) => t.data.bytes() as u32 == total && t.data.first_offset() == Some(0),
            _ => false,
        };
        if complete {
            let t = self.trackers.remove(&frag.key)?;
            self.bytes -= t.data.bytes();
            self.stats.reassembled += 1;
            return rebuild(t, frag.key.proto);
        }
        while self.bytes > self.cfg.memcap {
            match self.trackers.pop_front() {
                Some((_, old)) => {
                    self.bytes -= old.data.bytes();
                    self.stats.evicted += 1;
                }
                None => break,
            }
        }
        None
    }

    fn drop_tracker(&mut self, key: &DatagramKey) {
        if let Some(t) = self.trackers.remove(key) {
            self.bytes -= t.data.bytes();
        }
    }

    fn expire(&mut self, now: Timestamp) {
        while let Some((_, t)) = self.trackers.front() {
            if now.secs_since(t.first_seen) < self.cfg.timeout {
                break;
            }
            if let Some((_, t)) = self.trackers.pop_front() {
                self.bytes -= t.data.bytes();
                self.stats.timeouts += 1;
            }
        }
    }
}

/// Puts the first fragment's headers in front of the whole payload and
/// fixes the length fields (and the IPv4 header checksum).
fn rebuild(mut t: Tracker, proto: u8) -> Option<Vec<u8>> {
    let (mut header, next_at) = t.header.take()?;
    let payload = t.data.take_at(0)?;
    let version = header.first()? >> 4;
    match version {
        4 => {
            let total = u16::try_from(header.len() + payload.len()).ok()?;
            header[2..4].copy_from_slice(&total.to_be_bytes());
            // Clear MF and the offset, keep DF.
            header[6] &= 0x40;
            header[7] = 0;
            header[10..12].copy_from_slice(&[0, 0]);
            let sum = internet_checksum(&header);
            header[10..12].copy_from_slice(&sum.to_be_bytes());
        }
        6 => {
            let plen = u16::try_from(header.len() - 40 + payload.len()).ok()?;
            header[4..6].copy_from_slice(&plen.to_be_bytes());
            *header.get_mut(next_at)? = proto;
        }
        _ => return None,
    }
    header.extend_from_slice(&payload);
    Some(header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{RawPacket, linktype};
    use crate::decode::{ChecksumMode, Decoder, Transport};
    use crate::synth::packet::{IpBuilder, Ipv4Builder, Ipv6Builder, UdpBuilder};
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// Splits a whole IPv4 packet into fragments of `size` payload bytes.
    fn v4_fragments(payload: &[u8], size: usize) -> Vec<Vec<u8>> {
        let ip = Ipv4Builder::new(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let udp = UdpBuilder::new(1000, 2000).datagram(&IpBuilder::V4(ip.clone()), payload);
        udp.chunks(size)
            .enumerate()
            .map(|(i, chunk)| {
                let mut b = ip.clone();
                b.id = 77;
                b.fragment_offset = (i * size / 8) as u16;
                b.more_fragments = (i + 1) * size < udp.len();
                b.build(17, chunk)
            })
            .collect()
    }

    fn run(frags: &[Vec<u8>], d: &mut Defragmenter) -> Option<Vec<u8>> {
        let mut dec = Decoder::new(ChecksumMode::All);
        let mut out = None;
        for f in frags {
            let raw = RawPacket {
                ts: Timestamp::new(1, 0),
                linktype: linktype::RAW,
                data: f,
                wire_len: f.len() as u32,
            };
            let pkt = dec.decode(&raw, 1).expect("fragment decodes");
            let frag = fragment_of(&pkt.ip, pkt.vlan).expect("is a fragment");
            if let Some(dg) = d.add(&frag, Timestamp::new(1, 0)) {
                out = Some(dg);
            }
        }
        out
    }

    fn decoded_payload(dg: &[u8]) -> Vec<u8> {
        let mut dec = Decoder::new(ChecksumMode::All);
        let raw = RawPacket {
            ts: Timestamp::new(1, 0),
            linktype: linktype::RAW,
            data: dg,
            wire_len: dg.len() as u32,
        };
        let pkt = dec.decode(&raw, 1).expect("datagram decodes");
        assert!(!pkt.bad_checksum, "rebuilt datagram has valid checksums");
        assert!(matches!(pkt.transport, Transport::Udp(_)));
        pkt.payload.to_vec()
    }

    #[test]
    fn ipv4_in_order_and_reversed() {
        let payload: Vec<u8> = (0..200u8).collect();
        let frags = v4_fragments(&payload, 64);
        assert!(frags.len() > 2);
        let mut d = Defragmenter::new(DefragConfig::default());
        assert_eq!(decoded_payload(&run(&frags, &mut d).unwrap()), payload);
        let reversed: Vec<Vec<u8>> = frags.iter().rev().cloned().collect();
        assert_eq!(decoded_payload(&run(&reversed, &mut d).unwrap()), payload);
        assert_eq!(d.stats.reassembled, 2);
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn ipv6_fragments() {
        let src = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
        let dst = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
        let payload = vec![0x5a; 150];
        let udp = UdpBuilder::new(1, 2).datagram(&IpBuilder::V6(Ipv6Builder::new(src, dst)), &payload);
        let mut frags = Vec::new();
        for (i, chunk) in udp.chunks(80).enumerate() {
            let more = (i + 1) * 80 < udp.len();
            let off = ((i * 80 / 8) as u16) << 3 | u16::from(more);
            let mut fh = vec![17, 0];
            fh.extend_from_slice(&off.to_be_bytes());
            fh.extend_from_slice(&0xabcdu32.to_be_bytes());
            fh.extend_from_slice(chunk);
            frags.push(Ipv6Builder::new(src, dst).build(44, &fh));
        }
        let mut d = Defragmenter::new(DefragConfig::default());
        let dg = run(&frags, &mut d).unwrap();
        assert_eq!(decoded_payload(&dg), payload);
    }

    #[test]
    fn overlap_is_counted_and_first_wins() {
        let payload = vec![b'A'; 64];
        let mut frags = v4_fragments(&payload, 32);
        // A second copy of the middle fragment with different bytes.
        let mut evil = frags[1].clone();
        let n = evil.len();
        evil[n - 4..].copy_from_slice(b"EVIL");
        let sum_fix = |p: &mut Vec<u8>| {
            p[10..12].copy_from_slice(&[0, 0]);
            let s = internet_checksum(&p[..20]);
            p[10..12].copy_from_slice(&s.to_be_bytes());
        };
        sum_fix(&mut evil);
        frags.insert(2, evil);
        let mut d = Defragmenter::new(DefragConfig::default());
        let dg = run(&frags, &mut d).unwrap();
        assert_eq!(decoded_payload(&dg), payload);
        assert_eq!(d.stats.overlaps_different, 1);
    }

    #[test]
    fn limits() {
        let mut d = Defragmenter::new(DefragConfig {
            max_fragments: 2,
            ..Default::default()
        });
        let frags = v4_fragments(&[0u8; 200], 32);
        assert!(run(&frags, &mut d).is_none());
        assert!(d.stats.too_many_fragments >= 1);
        assert_eq!(d.stats.reassembled, 0);

        let mut d = Defragmenter::new(DefragConfig {
            memcap: 100,
            ..Default::default()
        });
        for id in 0..10u16 {
            let mut b = Ipv4Builder::new(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
            b.id = id;
            b.more_fragments = true;
            run(&[b.build(17, &[0u8; 64])], &mut d);
        }
        assert!(d.stats.evicted >= 8);
        assert!(d.bytes <= 100);

        let mut d = Defragmenter::new(DefragConfig::default());
        let mut b = Ipv4Builder::new(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        b.fragment_offset = 8190;
        run(&[b.build(17, &[0u8; 200])], &mut d);
        assert_eq!(d.stats.oversize, 1);
    }

    #[test]
    fn timeouts() {
        let mut d = Defragmenter::new(DefragConfig {
            timeout: 5,
            ..Default::default()
        });
        let frags = v4_fragments(&[1u8; 100], 32);
        let mut dec = Decoder::new(ChecksumMode::None);
        let raw = RawPacket {
            ts: Timestamp::new(1, 0),
            linktype: linktype::RAW,
            data: &frags[0],
            wire_len: 0,
        };
        let pkt = dec.decode(&raw, 1).unwrap();
        d.add(&fragment_of(&pkt.ip, pkt.vlan).unwrap(), Timestamp::new(1, 0));
        let raw = RawPacket {
            ts: Timestamp::new(10, 0),
            linktype: linktype::RAW,
            data: &frags[1],
            wire_len: 0,
        };
        let pkt = dec.decode(&raw, 2).unwrap();
        d.add(&fragment_of(&pkt.ip, pkt.vlan).unwrap(), Timestamp::new(10, 0));
        assert_eq!(d.stats.timeouts, 1);
    }
}
