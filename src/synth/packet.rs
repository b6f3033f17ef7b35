//! IP and transport packet builders (IPv4, IPv6, TCP, UDP, ICMPv4, ICMPv6 echo) with correct checksums.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::decode::checksum::{Checksum, internet_checksum};

/// IP protocol / IPv6 next-header numbers.
pub mod proto {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ICMPV6: u8 = 58;
    pub const DEST_OPTS: u8 = 60;
}

/// TCP flag bits, to be OR-ed together.
pub use crate::decode::tcp_flags;

/// Length field value for `len`; lengths past the field's range saturate
/// (deliberately producing a lying header rather than failing).
fn len16(len: usize) -> u16 {
    u16::try_from(len).unwrap_or(u16::MAX)
}

/// IPv4 header description. Fill it with struct-update syntax over [`Ipv4Builder::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv4Builder {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub ttl: u8,
    pub tos: u8,
    pub id: u16,
    pub dont_fragment: bool,
    pub more_fragments: bool,
    /// Fragment offset in 8-byte units (13 bits).
    pub fragment_offset: u16,
    /// Raw option bytes; padded with zeros (end-of-options) to a 4-byte
    /// boundary and cut at 40 bytes.
    pub options: Vec<u8>,
}

impl Ipv4Builder {
    /// TTL 64, everything else zero/empty.
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr) -> Self {
        Ipv4Builder {
            src,
            dst,
            ttl: 64,
            tos: 0,
            id: 0,
            dont_fragment: false,
            more_fragments: false,
            fragment_offset: 0,
            options: Vec::new(),
        }
    }

    /// Header plus `payload`, with the header checksum filled in.
    pub fn build(&self, protocol: u8, payload: &[u8]) -> Vec<u8> {
        let mut options = self.options.clone();
        options.truncate(40);
        options.resize(options.len().div_ceil(4) * 4, 0);
        let header_len = 20 + options.len();
        let mut flags_frag = self.fragment_offset & 0x1FFF;
        if self.dont_fragment {
            flags_frag |= 0x4000;
        }
        if self.more_fragments {
            flags_frag |= 0x2000;
        }
        let mut out = Vec::with_capacity(header_len + payload.len());
        out.push(0x40 | (header_len / 4) as u8);
        out.push(self.tos);
        out.extend_from_slice(&len16(header_len + payload.len()).to_be_bytes());
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&flags_frag.to_be_bytes());
        out.push(self.ttl);
        out.push(protocol);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        out.extend_from_slice(&options);
        let sum = internet_checksum(&out);
        out[10..12].copy_from_slice(&sum.to_be_bytes());
        out.extend_from_slice(payload);
        out
    }
}

/// An IPv6 extension header carrying TLV options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ipv6Ext {
    HopByHop(Vec<u8>),
    DestinationOptions(Vec<u8>),
}

impl Ipv6Ext {
    fn kind(&self) -> u8 {
        match self {
            Ipv6Ext::HopByHop(_) => proto::HOP_BY_HOP,
            Ipv6Ext::DestinationOptions(_) => proto::DEST_OPTS,
        }
    }

    /// Encodes the header, padding the options (Pad1/PadN) to an 8-byte multiple.
    fn encode(&self, next_header: u8) -> Vec<u8> {
        let (Ipv6Ext::HopByHop(opts) | Ipv6Ext::DestinationOptions(opts)) = self;
        // The length field counts 8-byte units beyond the first: at most 2048 bytes in all.
        let opts = &opts[..opts.len().min(2046)];
        let total = (2 + opts.len()).div_ceil(8) * 8;
        let mut out = Vec::with_capacity(total);
        out.push(next_header);
        out.push((total / 8 - 1) as u8);
        out.extend_from_slice(opts);
        match total - out.len() {
            0 => {}
            1 => out.push(0),
            pad => {
                out.push(1);
                out.push((pad - 2) as u8);
                out.resize(total, 0);
            }
        }
        out
    }
}

/// IPv6 header description. Fill it with struct-update syntax over [`Ipv6Builder::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ipv6Builder {
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub hop_limit: u8,
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
    /// Extension headers, in wire order, between the fixed header and the payload.
    pub extensions: Vec<Ipv6Ext>,
}

impl Ipv6Builder {
    /// Hop limit 64, no extension headers.
    pub fn new(src: Ipv6Addr, dst: Ipv6Addr) -> Self {
        Ipv6Builder {
            src,
            dst,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
            extensions: Vec::new(),
        }
    }

    /// Fixed header, extension headers, then `payload` whose type is `next_header`.
    pub fn build(&self, next_header: u8, payload: &[u8]) -> Vec<u8> {
        let mut exts = Vec::new();
        for (i, ext) in self.extensions.iter().enumerate() {
            let next = self.extensions.get(i + 1).map_or(next_header, Ipv6Ext::kind);
            exts.extend_from_slice(&ext.encode(next));
        }
        let first = self.extensions.first().map_or(next_header, Ipv6Ext::kind);
        let vtf = (6u32 << 28) | (u32::from(self.traffic_class) << 20) | (self.flow_label & 0xF_FFFF);
        let mut out = Vec::with_capacity(40 + exts.len() + payload.len());
        out.extend_from_slice(&vtf.to_be_bytes());
        out.extend_from_slice(&len16(exts.len() + payload.len()).to_be_bytes());
        out.push(first);
        out.push(self.hop_limit);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        out.extend_from_slice(&exts);
        out.extend_from_slice(payload);
        out
    }
}

/// Either IP version; knows how to seed transport checksums with its pseudo-header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IpBuilder {
    V4(Ipv4Builder),
    V6(Ipv6Builder),
}

impl IpBuilder {
    /// Default header between two addresses. When the families differ the
    /// IPv4 side is written as an IPv4-mapped IPv6 address.
    pub fn between(src: IpAddr, dst: IpAddr) -> Self {
        match (src, dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => IpBuilder::V4(Ipv4Builder::new(s, d)),
            _ => IpBuilder::V6(Ipv6Builder::new(as_v6(src), as_v6(dst))),
        }
    }

    /// The whole IP packet around `payload`.
    pub fn build(&self, protocol: u8, payload: &[u8]) -> Vec<u8> {
        match self {
            IpBuilder::V4(h) => h.build(protocol, payload),
            IpBuilder::V6(h) => h.build(protocol, payload),
        }
    }

    /// The same header with another TTL (IPv4) or hop limit (IPv6).
    pub fn with_ttl(self, ttl: u8) -> Self {
        match self {
            IpBuilder::V4(h) => IpBuilder::V4(Ipv4Builder { ttl, ..h }),
            IpBuilder::V6(h) => IpBuilder::V6(Ipv6Builder { hop_limit: ttl, ..h }),
        }
    }

    /// The same header with another identification and "don't fragment"
    /// flag; IPv6 headers have neither and are returned unchanged.
    pub fn with_id(self, id: u16, dont_fragment: bool) -> Self {
        match self {
            IpBuilder::V4(h) => IpBuilder::V4(Ipv4Builder { id, dont_fragment, ..h }),
            v6 => v6,
        }
    }

    /// Checksum state preloaded with this header's pseudo-header.
    pub fn pseudo_header(&self, protocol: u8, length: usize) -> Checksum {
        match self {
            IpBuilder::V4(h) => Checksum::ipv4_pseudo(h.src, h.dst, protocol, len16(length)),
            IpBuilder::V6(h) => {
                let len = u32::try_from(length).unwrap_or(u32::MAX);
                Checksum::ipv6_pseudo(h.src, h.dst, protocol, len)
            }
        }
    }
}

fn as_v6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// A TCP option, for [`tcp_options`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpOption {
    Nop,
    Mss(u16),
    WindowScale(u8),
    SackPermitted,
    Timestamps { value: u32, echo: u32 },
}

/// Encodes options in order, padding with end-of-option bytes to a 4-byte boundary.
pub fn tcp_options(options: &[TcpOption]) -> Vec<u8> {
    let mut out = Vec::new();
    for opt in options {
        match *opt {
            TcpOption::Nop => out.push(1),
            TcpOption::Mss(mss) => {
                out.extend_from_slice(&[2, 4]);
                out.extend_from_slice(&mss.to_be_bytes());
            }
            TcpOption::WindowScale(shift) => out.extend_from_slice(&[3, 3, shift]),
            TcpOption::SackPermitted => out.extend_from_slice(&[4, 2]),
            TcpOption::Timestamps { value, echo } => {
                out.extend_from_slice(&[8, 10]);
                out.extend_from_slice(&value.to_be_bytes());
                out.extend_from_slice(&echo.to_be_bytes());
            }
        }
    }
    out.resize(out.len().div_ceil(4) * 4, 0);
    out
}

/// TCP header description. Fill it with struct-update syntax over [`TcpBuilder::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpBuilder {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// Bitmask of [`tcp_flags`].
    pub flags: u8,
    pub window: u16,
    pub urgent: u16,
    /// Raw option bytes (see [`tcp_options`]); zero-padded to 4 bytes, cut at 40.
    pub options: Vec<u8>,
}

impl TcpBuilder {
    /// Window 64240, no flags, zero sequence numbers.
    pub fn new(src_port: u16, dst_port: u16) -> Self {
        TcpBuilder {
            src_port,
            dst_port,
            seq: 0,
            ack: 0,
            flags: 0,
            window: 64240,
            urgent: 0,
            options: Vec::new(),
        }
    }

    /// The TCP segment (header + payload) with its checksum for `ip`.
    pub fn segment(&self, ip: &IpBuilder, payload: &[u8]) -> Vec<u8> {
        let mut options = self.options.clone();
        options.truncate(40);
        options.resize(options.len().div_ceil(4) * 4, 0);
        let header_len = 20 + options.len();
        let mut out = Vec::with_capacity(header_len + payload.len());
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.ack.to_be_bytes());
        out.push(((header_len / 4) as u8) << 4);
        out.push(self.flags);
        out.extend_from_slice(&self.window.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.urgent.to_be_bytes());
        out.extend_from_slice(&options);
        out.extend_from_slice(payload);
        let sum = ip.pseudo_header(proto::TCP, out.len()).add(&out).finish();
        out[16..18].copy_from_slice(&sum.to_be_bytes());
        out
    }

    /// The whole IP packet carrying this segment.
    pub fn packet(&self, ip: &IpBuilder, payload: &[u8]) -> Vec<u8> {
        ip.build(proto::TCP, &self.segment(ip, payload))
    }
}

/// UDP header description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpBuilder {
    pub src_port: u16,
    pub dst_port: u16,
}

impl UdpBuilder {
    pub fn new(src_port: u16, dst_port: u16) -> Self {
        UdpBuilder { src_port, dst_port }
    }

    /// The UDP datagram (header + payload) with its checksum for `ip`.
    pub fn datagram(&self, ip: &IpBuilder, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + payload.len());
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        out.extend_from_slice(&len16(8 + payload.len()).to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(payload);
        let sum = match ip.pseudo_header(proto::UDP, out.len()).add(&out).finish() {
            // Zero means "no checksum" in UDP, so a computed zero is sent as all ones.
            0 => 0xFFFF,
            s => s,
        };
        out[6..8].copy_from_slice(&sum.to_be_bytes());
        out
    }

    /// The whole IP packet carrying this datagram.
    pub fn packet(&self, ip: &IpBuilder, payload: &[u8]) -> Vec<u8> {
        ip.build(proto::UDP, &self.datagram(ip, payload))
    }
}

/// ICMPv4 message with the identifier/sequence layout of echo messages
/// (for other types the two fields simply fill bytes 4..8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Icmpv4Builder {
    pub icmp_type: u8,
    pub code: u8,
    pub id: u16,
    pub seq: u16,
}

impl Icmpv4Builder {
    pub const ECHO_REPLY: u8 = 0;
    pub const ECHO_REQUEST: u8 = 8;

    pub fn echo_request(id: u16, seq: u16) -> Self {
        Icmpv4Builder {
            icmp_type: Self::ECHO_REQUEST,
            code: 0,
            id,
            seq,
        }
    }

    pub fn echo_reply(id: u16, seq: u16) -> Self {
        Icmpv4Builder {
            icmp_type: Self::ECHO_REPLY,
            ..Self::echo_request(id, seq)
        }
    }

    /// The ICMP message with its checksum.
    pub fn message(&self, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![self.icmp_type, self.code, 0, 0];
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(payload);
        let sum = internet_checksum(&out);
        out[2..4].copy_from_slice(&sum.to_be_bytes());
        out
    }

    /// The whole IPv4 packet carrying this message.
    pub fn packet(&self, ip: &Ipv4Builder, payload: &[u8]) -> Vec<u8> {
        ip.build(proto::ICMP, &self.message(payload))
    }
}

/// ICMPv6 echo request or reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Icmpv6EchoBuilder {
    pub reply: bool,
    pub id: u16,
    pub seq: u16,
}

impl Icmpv6EchoBuilder {
    /// The ICMPv6 message with its pseudo-header checksum for `ip`.
    pub fn message(&self, ip: &Ipv6Builder, payload: &[u8]) -> Vec<u8> {
        let icmp_type = if self.reply { 129 } else { 128 };
        let mut out = vec![icmp_type, 0, 0, 0];
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(payload);
        let len = u32::try_from(out.len()).unwrap_or(u32::MAX);
        let sum = Checksum::ipv6_pseudo(ip.src, ip.dst, proto::ICMPV6, len)
            .add(&out)
            .finish();
        out[2..4].copy_from_slice(&sum.to_be_bytes());
        out
    }

    /// The whole IPv6 packet carrying this message.
    pub fn packet(&self, ip: &Ipv6Builder, payload: &[u8]) -> Vec<u8> {
        ip.build(proto::ICMPV6, &self.message(ip, payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::{Ipv4HeaderSlice, Ipv6Slice, TcpSlice, UdpSlice};

    fn v4(a: &str) -> Ipv4Addr {
        a.parse().unwrap()
    }

    #[test]
    fn ipv4_header_matches_reference() {
        // Same fields as the classic checksum example: expected sum 0xb861.
        let ip = Ipv4Builder {
            dont_fragment: true,
            ..Ipv4Builder::new(v4("192.168.0.1"), v4("192.168.0.199"))
        };
        let pkt = ip.build(proto::UDP, &[0; 0x73 - 20]);
        assert_eq!(&pkt[..12], &[0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0xb8, 0x61]);
    }

    #[test]
    fn ipv4_options_and_fragments() {
        let ip = Ipv4Builder {
            id: 0x1234,
            more_fragments: true,
            fragment_offset: 185,
            tos: 0x10,
            options: vec![0x94, 0x04, 0, 0, 1],
            ..Ipv4Builder::new(v4("10.0.0.1"), v4("10.0.0.2"))
        };
        let pkt = ip.build(proto::UDP, &[1, 2, 3]);
        let h = Ipv4HeaderSlice::from_slice(&pkt).unwrap();
        assert_eq!(h.ihl(), 7);
        assert!(h.more_fragments());
        assert_eq!(h.fragments_offset().value(), 185);
        assert_eq!(h.options(), &[0x94, 4, 0, 0, 1, 0, 0, 0]);
        assert_eq!(h.to_header().calc_header_checksum(), h.header_checksum());
        assert_eq!(pkt.len(), 31);
    }

    #[test]
    fn tcp_and_udp_checksums_v4_and_v6() {
        let opts = tcp_options(&[
            TcpOption::Mss(1460),
            TcpOption::SackPermitted,
            TcpOption::Timestamps { value: 1, echo: 0 },
            TcpOption::Nop,
            TcpOption::WindowScale(7),
        ]);
        assert_eq!(opts.len(), 20);
        for ip in [
            IpBuilder::between("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()),
            IpBuilder::between("2001:db8::1".parse().unwrap(), "2001:db8::2".parse().unwrap()),
        ] {
            let (src, dst) = match &ip {
                IpBuilder::V4(h) => (h.src.to_ipv6_mapped(), h.dst.to_ipv6_mapped()),
                IpBuilder::V6(h) => (h.src, h.dst),
            };
            let tcp = TcpBuilder {
                seq: 100,
                flags: tcp_flags::SYN,
                options: opts.clone(),
                ..TcpBuilder::new(40000, 80)
            };
            let seg = tcp.segment(&ip, b"hello");
            let t = TcpSlice::from_slice(&seg).unwrap();
            assert!(t.syn());
            assert_eq!(t.payload(), b"hello");
            let u = UdpBuilder::new(5353, 53).datagram(&ip, b"odd");
            let us = UdpSlice::from_slice(&u).unwrap();
            match &ip {
                IpBuilder::V4(_) => {
                    let (s, d) = (src.to_ipv4_mapped().unwrap(), dst.to_ipv4_mapped().unwrap());
                    assert_eq!(t.calc_checksum_ipv4(s.octets(), d.octets()).unwrap(), t.checksum());
                    let want = us.to_header().calc_checksum_ipv4_raw(s.octets(), d.octets(), b"odd");
                    assert_eq!(want.unwrap(), us.checksum());
                }
                IpBuilder::V6(_) => {
                    assert_eq!(t.calc_checksum_ipv6(src.octets(), dst.octets()).unwrap(), t.checksum());
                    let want = us
                        .to_header()
                        .calc_checksum_ipv6_raw(src.octets(), dst.octets(), b"odd");
                    assert_eq!(want.unwrap(), us.checksum());
                }
            }
        }
    }

    #[test]
    fn ipv6_extension_headers_are_padded() {
        let ip = Ipv6Builder {
            extensions: vec![Ipv6Ext::HopByHop(vec![5, 2, 0, 0]), Ipv6Ext::DestinationOptions(vec![])],
            hop_limit: 1,
            ..Ipv6Builder::new("fe80::1".parse().unwrap(), "ff02::1".parse().unwrap())
        };
        let msg = Icmpv6EchoBuilder {
            reply: false,
            id: 7,
            seq: 1,
        };
        let pkt = msg.packet(&ip, b"ping");
        assert_eq!(pkt[6], proto::HOP_BY_HOP);
        assert_eq!(&pkt[40..48], &[proto::DEST_OPTS, 0, 5, 2, 0, 0, 1, 0]);
        assert_eq!(&pkt[48..56], &[proto::ICMPV6, 0, 1, 4, 0, 0, 0, 0]);
        let s = Ipv6Slice::from_slice(&pkt).unwrap();
        assert_eq!(s.payload().ip_number.0, proto::ICMPV6);
        let icmp = etherparse::Icmpv6Slice::from_slice(s.payload().payload).unwrap();
        assert!(icmp.is_checksum_valid(ip.src.octets(), ip.dst.octets()));
        assert_eq!(u16::from_be_bytes([pkt[4], pkt[5]]), 16 + 12);
    }

    #[test]
    fn icmpv4_echo_checksum() {
        // Echo request id 1 seq 1 with no payload: 0800 0000 0001 0001 -> f7fd.
        let m = Icmpv4Builder::echo_request(1, 1).message(&[]);
        assert_eq!(m, [8, 0, 0xf7, 0xfd, 0, 1, 0, 1]);
        let reply = Icmpv4Builder::echo_reply(1, 1).message(b"abc");
        assert_eq!(internet_checksum(&reply), 0);
    }

    #[test]
    fn ttl_and_id_setters() {
        let ip = IpBuilder::between("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap())
            .with_ttl(33)
            .with_id(0xBEEF, true);
        let pkt = ip.build(proto::UDP, &[]);
        assert_eq!((pkt[8], &pkt[4..7]), (33, &[0xBE, 0xEF, 0x40][..]));
        let v6 = IpBuilder::between("2001:db8::1".parse().unwrap(), "2001:db8::2".parse().unwrap())
            .with_ttl(7)
            .with_id(1, true);
        assert_eq!(v6.build(proto::UDP, &[])[7], 7);
    }

    #[test]
    fn mixed_families_use_mapped_v6() {
        let ip = IpBuilder::between("10.0.0.1".parse().unwrap(), "2001:db8::1".parse().unwrap());
        assert!(matches!(ip, IpBuilder::V6(_)));
    }
}
