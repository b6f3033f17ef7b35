//! Flow identity: a direction-independent key over the 5-tuple and VLAN ids,
//! and the 51-bit flow_id that EVE carries.

use crate::decode::{Packet, VlanIds};
use std::net::IpAddr;

/// Which way a packet travels relative to the flow's initiator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    ToServer,
    ToClient,
}

impl Direction {
    pub fn index(self) -> usize {
        match self {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        }
    }

    pub fn eve_name(self) -> &'static str {
        match self {
            Direction::ToServer => "to_server",
            Direction::ToClient => "to_client",
        }
    }

    pub fn reverse(self) -> Direction {
        match self {
            Direction::ToServer => Direction::ToClient,
            Direction::ToClient => Direction::ToServer,
        }
    }
}

/// The same key for both directions of a conversation: the (address, port)
/// endpoints are stored lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub lo_addr: IpAddr,
    pub hi_addr: IpAddr,
    pub lo_port: u16,
    pub hi_port: u16,
    pub proto: u8,
    pub vlan: VlanIds,
    /// Tunnel depth keeps an inner conversation apart from an outer one.
    pub depth: u8,
}

impl FlowKey {
    /// The key of `pkt`, and whether the packet's source is the `lo` endpoint.
    pub fn of(pkt: &Packet<'_>) -> (FlowKey, bool) {
        let (sport, dport) = match pkt.transport {
            crate::decode::Transport::Icmp(i) => {
                // Echo request and reply share a flow through their identifier.
                let id = i.id.unwrap_or(0);
                (id, id)
            }
            _ => (pkt.sport(), pkt.dport()),
        };
        let src = (pkt.ip.src, sport);
        let dst = (pkt.ip.dst, dport);
        let src_is_lo = src <= dst;
        let (lo, hi) = if src_is_lo { (src, dst) } else { (dst, src) };
        let key = FlowKey {
            lo_addr: lo.0,
            hi_addr: hi.0,
            lo_port: lo.1,
            hi_port: hi.1,
            proto: pkt.ip.proto,
            vlan: pkt.vlan,
            depth: pkt.tunnel_depth,
        };
        (key, src_is_lo)
    }

    /// A stable 64-bit mix of the key, for the flow hash and flow_id.
    pub fn stable_hash(&self) -> u64 {
        let mut h = Mixer::default();
        match self.lo_addr {
            IpAddr::V4(a) => h.write(u64::from(u32::from(a))),
            IpAddr::V6(a) => {
                let v = u128::from(a);
                h.write(v as u64);
                h.write((v >> 64) as u64);
            }
        }
        match self.hi_addr {
            IpAddr::V4(a) => h.write(u64::from(u32::from(a))),
            IpAddr::V6(a) => {
                let v = u128::from(a);
                h.write(v as u64);
                h.write((v >> 64) as u64);
            }
        }
        h.write((u64::from(self.lo_port) << 32) | (u64::from(self.hi_port) << 16) | u64::from(self.proto));
        for id in self.vlan.as_slice() {
            h.write(u64::from(*id));
        }
        h.write(u64::from(self.depth));
        h.finish()
    }
}

/// splitmix64-style mixing: stable across runs and platforms.
#[derive(Default)]
struct Mixer(u64);

impl Mixer {
    fn write(&mut self, v: u64) {
        let mut z = self.0 ^ v.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        self.0 = z ^ (z >> 31);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// EVE flow_id: 51 bits so JSON readers keep it exact, never zero. The
/// start time is mixed in so a reused 5-tuple gets a new id.
/// `key_hash` is the key's [`FlowKey::stable_hash`].
pub fn flow_id(key_hash: u64, start_micros: i64) -> u64 {
    let mut h = Mixer(key_hash);
    h.write(start_micros as u64);
    let id = h.finish() & ((1u64 << 51) - 1);
    id.max(1)
}
