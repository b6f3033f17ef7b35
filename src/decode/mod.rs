//! Bytes to a layered packet view. Owns link, network, transport and tunnel
//! decoding and the anomaly counters; never keeps state across packets
//! beyond the checksum auto-detection sample.

pub mod anomaly;
pub mod checksum;
mod ip;
pub mod link;
pub mod packet;
mod tunnel;

pub use anomaly::{Anomaly, AnomalyCounters};
pub use ip::{PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};
pub use packet::{IcmpHeader, Inner, IpLayer, Packet, TcpHeader, Transport, UdpHeader, VlanIds, origin, tcp_flags};

use crate::capture::{RawPacket, linktype};
use link::Network;

/// How far tunnels are followed.
pub const MAX_TUNNEL_DEPTH: u8 = 3;
/// Packets sampled before `auto` checksum mode decides.
const CHECKSUM_SAMPLE: u64 = 1000;

/// Checksum validation, as Suricata's `-k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChecksumMode {
    None,
    All,
    /// Validate, but stop once a sample shows checksums are mostly wrong
    /// (offloading on the capturing host).
    #[default]
    Auto,
}

impl std::str::FromStr for ChecksumMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" | "no" => Ok(ChecksumMode::None),
            "all" | "yes" => Ok(ChecksumMode::All),
            "auto" => Ok(ChecksumMode::Auto),
            other => Err(format!("checksum mode must be none, all or auto, not '{other}'")),
        }
    }
}

pub struct Decoder {
    pub counters: AnomalyCounters,
    mode: ChecksumMode,
    validate: bool,
    sampled: u64,
    sampled_bad: u64,
    /// Frames that were not IP (ARP, LLDP, …).
    pub not_ip: u64,
}

impl Decoder {
    pub fn new(mode: ChecksumMode) -> Self {
        Decoder {
            counters: AnomalyCounters::default(),
            mode,
            validate: mode != ChecksumMode::None,
            sampled: 0,
            sampled_bad: 0,
            not_ip: 0,
        }
    }

    /// True while checksums are being validated.
    pub fn validating(&self) -> bool {
        self.validate
    }

    /// Decodes a captured frame; `None` when it has no inspectable IP layer
    /// (the reason is counted).
    pub fn decode<'a>(&mut self, raw: &RawPacket<'a>, pcap_cnt: u64) -> Option<Packet<'a>> {
        let mut vlan = VlanIds::default();
        let network = match link::decode_link(raw.linktype, raw.data, &mut vlan) {
            Ok(n) => n,
            Err(a) => {
                self.counters.add(a);
                return None;
            }
        };
        let pkt = self.network(network, raw, pcap_cnt, vlan, 0)?;
        Some(pkt)
    }

    /// Decodes the packet carried inside `outer`'s tunnel, if any.
    pub fn decode_inner<'a>(&mut self, outer: &Packet<'a>) -> Option<Packet<'a>> {
        let inner = outer.inner?;
        if outer.tunnel_depth >= MAX_TUNNEL_DEPTH {
            self.counters.add(Anomaly::TunnelTooDeep);
            return None;
        }
        let mut vlan = outer.vlan;
        let network = match inner {
            Inner::Ethernet(frame, tunnel_vlan) => {
                if let Some(id) = tunnel_vlan
                    && !vlan.push(id)
                {
                    self.counters.add(Anomaly::VlanTooManyLayers);
                    return None;
                }
                link::ethernet(frame, &mut vlan)
            }
            Inner::Ip(bytes) => link::raw_ip(bytes),
        };
        let network = match network {
            Ok(n) => n,
            Err(a) => {
                self.counters.add(a);
                return None;
            }
        };
        let raw = RawPacket {
            ts: outer.ts,
            linktype: linktype::RAW,
            data: &[],
            wire_len: outer.wire_len,
        };
        self.network(network, &raw, outer.pcap_cnt, vlan, outer.tunnel_depth + 1)
    }

    /// Decodes a reassembled IP datagram that stands for `like` (same time,
    /// packet number, VLANs and tunnel depth).
    pub fn decode_datagram<'a>(
        &mut self,
        datagram: &'a [u8],
        like: &Packet<'_>,
        pkt_src: &'static str,
    ) -> Option<Packet<'a>> {
        let network = match link::raw_ip(datagram) {
            Ok(n) => n,
            Err(a) => {
                self.counters.add(a);
                return None;
            }
        };
        let raw = RawPacket {
            ts: like.ts,
            linktype: linktype::RAW,
            data: datagram,
            wire_len: datagram.len() as u32,
        };
        let mut pkt = self.network(network, &raw, like.pcap_cnt, like.vlan, like.tunnel_depth)?;
        pkt.pkt_src = pkt_src;
        Some(pkt)
    }

    fn network<'a>(
        &mut self,
        network: Network<'a>,
        raw: &RawPacket<'a>,
        pcap_cnt: u64,
        vlan: VlanIds,
        depth: u8,
    ) -> Option<Packet<'a>> {
        let decoded = match network {
            Network::Ipv4(b) => ip::ipv4(b, self.validate),
            Network::Ipv6(b) => ip::ipv6(b, self.validate),
            Network::NotIp => {
                self.not_ip += 1;
                return None;
            }
        };
        let d = match decoded {
            Ok(d) => d,
            Err(a) => {
                self.counters.add(a);
                return None;
            }
        };
        if let Some(a) = d.transport_anomaly {
            self.counters.add(a);
        }
        if self.validate && self.mode == ChecksumMode::Auto && depth == 0 {
            self.sample_checksum(d.bad_checksum);
        }
        Some(Packet {
            ts: raw.ts,
            pcap_cnt,
            wire_len: raw.wire_len,
            vlan,
            ip: d.ip,
            transport: d.transport,
            payload: d.payload,
            bad_checksum: d.bad_checksum && self.validate,
            inner: d.inner,
            tunnel_depth: depth,
            pkt_src: packet::origin::WIRE,
        })
    }

    fn sample_checksum(&mut self, bad: bool) {
        self.sampled += 1;
        self.sampled_bad += u64::from(bad);
        if self.sampled == CHECKSUM_SAMPLE && self.sampled_bad * 10 > self.sampled {
            tracing::info!(
                bad = self.sampled_bad,
                sampled = self.sampled,
                "most checksums are wrong (offloading?): checksum validation turned off"
            );
            self.validate = false;
        }
    }
}
