//! What a drill's captures carry, seen from outside the sensor: packets and
//! bytes over time, the attack's share of them, when its first packet came,
//! and who talked most. Bounded whatever the capture's length or number of
//! hosts.

use super::result::{Talker, Timeline};
use crate::capture::RawPacket;
use crate::decode::{ChecksumMode, Decoder};
use crate::rules::address::IpSet;
use crate::timestamp::Timestamp;
use std::collections::HashMap;
use std::net::IpAddr;

/// Finest bin; doubled (adjacent bins merged) whenever the capture outgrows [`MAX_BINS`].
const FIRST_BIN_US: i64 = 100_000;
const MAX_BINS: usize = 2048;
/// Distinct sources remembered for the top-talkers table; later ones are
/// counted together (a spoofed flood has millions).
const MAX_TALKERS: usize = 65_536;

pub struct TrafficRecorder {
    decoder: Decoder,
    attacker: IpSet,
    victim: IpSet,
    packets_seen: u64,
    origin: Option<i64>,
    last: i64,
    bin_us: i64,
    packets: Vec<u64>,
    bytes: Vec<u64>,
    attack: Vec<u64>,
    first_attack_packet: Option<Timestamp>,
    talkers: HashMap<IpAddr, (u64, u64)>,
}

impl TrafficRecorder {
    pub fn new(attacker: IpSet, victim: IpSet) -> Self {
        TrafficRecorder {
            decoder: Decoder::new(ChecksumMode::None),
            attacker,
            victim,
            packets_seen: 0,
            origin: None,
            last: 0,
            bin_us: FIRST_BIN_US,
            packets: Vec::new(),
            bytes: Vec::new(),
            attack: Vec::new(),
            first_attack_packet: None,
            talkers: HashMap::new(),
        }
    }

    pub fn record(&mut self, raw: &RawPacket<'_>) {
        self.packets_seen += 1;
        let t = raw.ts.as_micros();
        let origin = *self.origin.get_or_insert(t);
        self.last = self.last.max(t);
        let bin = self.bin_for(t - origin);
        let wire = u64::from(raw.wire_len);
        self.packets[bin] += 1;
        self.bytes[bin] += wire;
        let Some(pkt) = self.decoder.decode(raw, self.packets_seen) else {
            return;
        };
        let (src, dst) = (pkt.ip.src, pkt.ip.dst);
        let forward = self.attacker.contains(src) && self.victim.contains(dst);
        if forward && self.first_attack_packet.is_none() {
            self.first_attack_packet = Some(raw.ts);
        }
        if forward || (self.victim.contains(src) && self.attacker.contains(dst)) {
            self.attack[bin] += 1;
        }
        let room = self.talkers.len() < MAX_TALKERS;
        if let Some(e) = self.talkers.get_mut(&src) {
            e.0 += 1;
            e.1 += wire;
        } else if room {
            self.talkers.insert(src, (1, wire));
        }
    }

    /// The bin for `offset` µs after the first packet, growing the bins (and
    /// coarsening them when there would be too many).
    fn bin_for(&mut self, offset: i64) -> usize {
        let offset = offset.max(0);
        let mut idx = (offset / self.bin_us) as usize;
        while idx >= MAX_BINS {
            self.coarsen();
            idx = (offset / self.bin_us) as usize;
        }
        if idx >= self.packets.len() {
            self.packets.resize(idx + 1, 0);
            self.bytes.resize(idx + 1, 0);
            self.attack.resize(idx + 1, 0);
        }
        idx
    }

    /// Doubles the bin width, adding adjacent bins together.
    fn coarsen(&mut self) {
        for v in [&mut self.packets, &mut self.bytes, &mut self.attack] {
            let merged: Vec<u64> = v.chunks(2).map(|c| c.iter().sum()).collect();
            *v = merged;
        }
        self.bin_us *= 2;
    }

    pub fn capture_start(&self) -> Option<Timestamp> {
        self.origin.map(Timestamp::from_micros)
    }

    pub fn capture_end(&self) -> Option<Timestamp> {
        self.origin.map(|_| Timestamp::from_micros(self.last))
    }

    pub fn first_attack_packet(&self) -> Option<Timestamp> {
        self.first_attack_packet
    }

    /// The timeline without alerts (the drill adds them).
    pub fn timeline(&self) -> Timeline {
        Timeline {
            start: self.origin.map_or(0.0, |o| o as f64 / 1e6),
            bin_secs: self.bin_us as f64 / 1e6,
            packets: self.packets.clone(),
            bytes: self.bytes.clone(),
            attack_packets: self.attack.clone(),
            alerts: Vec::new(),
            alerts_omitted: 0,
        }
    }

    /// The `n` sources that sent the most bytes.
    pub fn top_talkers(&self, n: usize) -> Vec<Talker> {
        let mut all: Vec<(&IpAddr, &(u64, u64))> = self.talkers.iter().collect();
        all.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
        all.into_iter()
            .take(n)
            .map(|(addr, &(packets, bytes))| Talker {
                addr: addr.to_string(),
                packets,
                bytes,
                attacker: !self.attacker.is_any() && self.attacker.contains(*addr),
                victim: self.victim.contains(*addr),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An Ethernet/IPv4/UDP frame from `src` to `dst`.
    fn frame(src: [u8; 4], dst: [u8; 4]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend([0x08, 0x00]);
        f.extend([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0]);
        f.extend(src);
        f.extend(dst);
        f.extend([0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0]);
        f
    }

    fn raw(data: &[u8], micros: i64) -> RawPacket<'_> {
        RawPacket {
            ts: Timestamp::from_micros(micros),
            linktype: 1,
            data,
            wire_len: data.len() as u32,
        }
    }

    fn set(s: &str) -> IpSet {
        crate::rules::vars::Resolver::new(&crate::rules::Vars::default())
            .addresses(s)
            .unwrap()
    }

    #[test]
    fn bins_attack_share_first_packet_and_talkers() {
        let mut r = TrafficRecorder::new(set("203.0.113.7"), set("10.10.0.80"));
        let benign = frame([10, 20, 0, 1], [10, 10, 0, 80]);
        let attack = frame([203, 0, 113, 7], [10, 10, 0, 80]);
        let reply = frame([10, 10, 0, 80], [203, 0, 113, 7]);
        r.record(&raw(&benign, 1_000_000));
        r.record(&raw(&benign, 1_050_000));
        r.record(&raw(&reply, 1_250_000)); // a reply before the attack does not start it
        r.record(&raw(&attack, 1_300_000));
        r.record(&raw(&attack, 1_310_000));
        r.record(&raw(&attack, 1_320_000));
        let t = r.timeline();
        assert_eq!(t.packets, vec![2, 0, 1, 3]);
        assert_eq!(t.attack_packets, vec![0, 0, 1, 3]);
        assert_eq!(t.bin_secs, 0.1);
        assert_eq!(r.first_attack_packet(), Some(Timestamp::from_micros(1_300_000)));
        let top = r.top_talkers(1);
        assert_eq!(top[0].addr, "203.0.113.7");
        assert!(top[0].attacker && !top[0].victim);
    }

    #[test]
    fn long_captures_coarsen_instead_of_growing() {
        let mut r = TrafficRecorder::new(set("any"), set("10.10.0.80"));
        let f = frame([10, 20, 0, 1], [10, 10, 0, 80]);
        for s in 0..3600i64 {
            r.record(&raw(&f, s * 1_000_000));
        }
        let t = r.timeline();
        assert!(t.packets.len() <= MAX_BINS);
        assert_eq!(t.packets.iter().sum::<u64>(), 3600);
        assert_eq!(t.bin_secs, 3.2);
    }
}
