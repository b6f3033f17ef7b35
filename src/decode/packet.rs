//! The decoded view of one packet: borrowed slices and copied header fields,
//! everything detection and the flow table need, built once per packet.

use crate::timestamp::Timestamp;
use std::net::IpAddr;

pub const MAX_VLAN_LAYERS: usize = 3;

/// VLAN ids from the outermost tag inwards.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VlanIds {
    ids: [u16; MAX_VLAN_LAYERS],
    len: u8,
}

impl VlanIds {
    pub fn push(&mut self, id: u16) -> bool {
        if usize::from(self.len) >= MAX_VLAN_LAYERS {
            return false;
        }
        self.ids[usize::from(self.len)] = id;
        self.len += 1;
        true
    }

    pub fn as_slice(&self) -> &[u16] {
        &self.ids[..usize::from(self.len)]
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// IPv4 option kinds seen in a header, as a bit set for `ipopts`.
pub mod ipopt {
    pub const EOL: u16 = 1 << 0;
    pub const NOP: u16 = 1 << 1;
    pub const RR: u16 = 1 << 2;
    pub const TS: u16 = 1 << 3;
    pub const SEC: u16 = 1 << 4;
    pub const ESEC: u16 = 1 << 5;
    pub const LSRR: u16 = 1 << 6;
    pub const SSRR: u16 = 1 << 7;
    pub const SATID: u16 = 1 << 8;
    pub const RTRALT: u16 = 1 << 9;
    pub const CIPSO: u16 = 1 << 10;
    pub const QS: u16 = 1 << 11;
}

/// The network layer.
#[derive(Clone, Copy, Debug)]
pub struct IpLayer<'a> {
    pub version: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Transport protocol number (for IPv6, after the extension headers).
    pub proto: u8,
    pub ttl: u8,
    pub tos: u8,
    /// IPv4 identification (IPv6: fragment header id, else 0).
    pub id: u32,
    pub dont_fragment: bool,
    pub more_fragments: bool,
    pub reserved_flag: bool,
    /// Fragment offset in 8-byte units.
    pub frag_offset: u16,
    /// Set on fragments: the transport header is not decoded.
    pub fragmented: bool,
    /// IPv4 options present (`ipopt` bits).
    pub options: u16,
    /// The IP header (IPv4 with options; IPv6 fixed header).
    pub header: &'a [u8],
    /// Everything after the IP header(s), up to the IP length.
    pub payload: &'a [u8],
    /// The whole IP packet, headers included, up to the IP length.
    pub raw: &'a [u8],
}

pub mod tcp_flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpHeader {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    pub urgent: u16,
    pub header_len: u8,
    /// TCP Fast Open cookie or SYN data may ride on a SYN: noted for the flow table.
    pub has_options: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpHeader {
    pub sport: u16,
    pub dport: u16,
    pub length: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcmpHeader {
    pub v6: bool,
    pub itype: u8,
    pub code: u8,
    /// Echo identifier and sequence when the message is an echo request/reply.
    pub id: Option<u16>,
    pub seq: Option<u16>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    None,
    Tcp(TcpHeader),
    Udp(UdpHeader),
    Icmp(IcmpHeader),
}

/// Where an inner packet starts, for tunnels the decoder understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inner<'a> {
    /// An Ethernet frame, with the VLAN id the tunnel header carried (ERSPAN).
    Ethernet(&'a [u8], Option<u16>),
    Ip(&'a [u8]),
}

/// A decoded packet.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    pub ts: Timestamp,
    /// 1-based packet number in the run (EVE `pcap_cnt`).
    pub pcap_cnt: u64,
    pub wire_len: u32,
    pub vlan: VlanIds,
    pub ip: IpLayer<'a>,
    pub transport: Transport,
    /// Application payload (after the transport header); empty when none.
    pub payload: &'a [u8],
    /// Set when checksum validation is on and a checksum did not verify.
    pub bad_checksum: bool,
    /// Tunnel payload to decode as a packet of its own.
    pub inner: Option<Inner<'a>>,
    /// 0 for the outer packet, 1.. for packets found inside tunnels.
    pub tunnel_depth: u8,
    /// Where the packet came from, as EVE `pkt_src` says it.
    pub pkt_src: &'static str,
}

/// `pkt_src` values.
pub mod origin {
    pub const WIRE: &str = "wire/pcap";
    pub const IPV4_DEFRAG: &str = "ipv4 defrag";
    pub const IPV6_DEFRAG: &str = "ipv6 defrag";
}

impl Packet<'static> {
    /// A stand-in for a packet that was never captured: used to inspect
    /// what is left in a flow when it ends. Addresses and ports say which
    /// direction the leftover bytes travel.
    pub fn pseudo(ts: Timestamp, src: (IpAddr, u16), dst: (IpAddr, u16), proto: u8, vlan: VlanIds) -> Packet<'static> {
        let version = if src.0.is_ipv4() { 4 } else { 6 };
        let transport = match proto {
            6 => Transport::Tcp(TcpHeader {
                sport: src.1,
                dport: dst.1,
                seq: 0,
                ack: 0,
                flags: 0,
                window: 0,
                urgent: 0,
                header_len: 20,
                has_options: false,
            }),
            17 => Transport::Udp(UdpHeader {
                sport: src.1,
                dport: dst.1,
                length: 8,
            }),
            _ => Transport::None,
        };
        Packet {
            ts,
            pcap_cnt: 0,
            wire_len: 0,
            vlan,
            ip: IpLayer {
                version,
                src: src.0,
                dst: dst.0,
                proto,
                ttl: 0,
                tos: 0,
                id: 0,
                dont_fragment: false,
                more_fragments: false,
                reserved_flag: false,
                frag_offset: 0,
                fragmented: false,
                options: 0,
                header: &[],
                payload: &[],
                raw: &[],
            },
            transport,
            payload: &[],
            bad_checksum: false,
            inner: None,
            tunnel_depth: 0,
            pkt_src: origin::WIRE,
        }
    }
}

impl Packet<'_> {
    pub fn sport(&self) -> u16 {
        match self.transport {
            Transport::Tcp(t) => t.sport,
            Transport::Udp(u) => u.sport,
            _ => 0,
        }
    }

    pub fn dport(&self) -> u16 {
        match self.transport {
            Transport::Tcp(t) => t.dport,
            Transport::Udp(u) => u.dport,
            _ => 0,
        }
    }

    pub fn tcp(&self) -> Option<&TcpHeader> {
        match &self.transport {
            Transport::Tcp(t) => Some(t),
            _ => None,
        }
    }

    pub fn icmp(&self) -> Option<&IcmpHeader> {
        match &self.transport {
            Transport::Icmp(i) => Some(i),
            _ => None,
        }
    }

    pub fn has_ports(&self) -> bool {
        matches!(self.transport, Transport::Tcp(_) | Transport::Udp(_))
    }
}
