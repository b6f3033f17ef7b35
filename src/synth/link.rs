//! Link-layer framing: Ethernet II with VLAN/QinQ tags, Linux SLL/SLL2, BSD null and raw IP.

use std::net::IpAddr;

/// A 48-bit MAC address.
pub type Mac = [u8; 6];

/// EtherType values used by the builders.
pub mod ethertype {
    pub const IPV4: u16 = 0x0800;
    pub const ARP: u16 = 0x0806;
    pub const VLAN: u16 = 0x8100;
    pub const IPV6: u16 = 0x86DD;
    pub const QINQ: u16 = 0x88A8;
}

/// Linux cooked-capture packet types (direction of the packet relative to the host).
pub mod sll_packet_type {
    pub const HOST: u16 = 0;
    pub const BROADCAST: u16 = 1;
    pub const MULTICAST: u16 = 2;
    pub const OTHER_HOST: u16 = 3;
    pub const OUTGOING: u16 = 4;
}

/// Address-family values found in the 4-byte header of BSD null/loopback captures.
pub mod null_family {
    pub const INET: u32 = 2;
    /// IPv6 as written by NetBSD and OpenBSD.
    pub const INET6_BSD: u32 = 24;
    pub const INET6_FREEBSD: u32 = 28;
    pub const INET6_DARWIN: u32 = 30;
}

/// Hardware type of Ethernet in Linux cooked headers (ARPHRD_ETHER).
const ARPHRD_ETHER: u16 = 1;

/// MAC used for everything reached through the default gateway.
pub const GATEWAY_MAC: Mac = [0x02, 0x76, 0x69, 0x67, 0x00, 0x01];

/// One 802.1Q (or 802.1ad) tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VlanTag {
    /// Tag protocol identifier: 0x8100 for 802.1Q, 0x88A8 for a QinQ service tag.
    pub tpid: u16,
    /// Priority code point (0-7).
    pub pcp: u8,
    /// VLAN identifier (12 bits).
    pub vid: u16,
}

impl VlanTag {
    /// A customer tag (802.1Q).
    pub fn dot1q(vid: u16) -> Self {
        VlanTag {
            tpid: ethertype::VLAN,
            pcp: 0,
            vid,
        }
    }

    /// An outer service tag (802.1ad, "QinQ").
    pub fn qinq(vid: u16) -> Self {
        VlanTag {
            tpid: ethertype::QINQ,
            pcp: 0,
            vid,
        }
    }

    fn tci(&self) -> u16 {
        (u16::from(self.pcp & 0x7) << 13) | (self.vid & 0x0FFF)
    }
}

/// Ethernet II header description; tags are written outermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ethernet {
    pub dst: Mac,
    pub src: Mac,
    pub vlans: Vec<VlanTag>,
}

impl Ethernet {
    /// An untagged header from `src` to `dst`.
    pub fn new(src: Mac, dst: Mac) -> Self {
        Ethernet {
            dst,
            src,
            vlans: Vec::new(),
        }
    }

    /// The same header with one more (inner) tag.
    pub fn with_vlan(mut self, tag: VlanTag) -> Self {
        self.vlans.push(tag);
        self
    }

    /// A frame carrying `payload` of the given EtherType.
    pub fn frame(&self, ether_type: u16, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(14 + 4 * self.vlans.len() + payload.len());
        out.extend_from_slice(&self.dst);
        out.extend_from_slice(&self.src);
        for tag in &self.vlans {
            out.extend_from_slice(&tag.tpid.to_be_bytes());
            out.extend_from_slice(&tag.tci().to_be_bytes());
        }
        out.extend_from_slice(&ether_type.to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    /// A frame carrying an IP packet; the EtherType follows the IP version.
    pub fn ip_frame(&self, ip_packet: &[u8]) -> Vec<u8> {
        self.frame(ip_ethertype(ip_packet), ip_packet)
    }
}

/// EtherType for an IP packet: IPv6 if the version nibble says 6, IPv4 otherwise.
pub fn ip_ethertype(ip_packet: &[u8]) -> u16 {
    match ip_packet.first() {
        Some(b) if b >> 4 == 6 => ethertype::IPV6,
        _ => ethertype::IPV4,
    }
}

/// Linux cooked capture v1 (link type 113): 16-byte header then the payload.
pub fn linux_sll(packet_type: u16, src: Mac, protocol: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + payload.len());
    out.extend_from_slice(&packet_type.to_be_bytes());
    out.extend_from_slice(&ARPHRD_ETHER.to_be_bytes());
    out.extend_from_slice(&6u16.to_be_bytes());
    out.extend_from_slice(&src);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&protocol.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Linux cooked capture v2 (link type 276): 20-byte header then the payload.
pub fn linux_sll2(protocol: u16, if_index: u32, packet_type: u8, src: Mac, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + payload.len());
    out.extend_from_slice(&protocol.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&if_index.to_be_bytes());
    out.extend_from_slice(&ARPHRD_ETHER.to_be_bytes());
    out.push(packet_type);
    out.push(6);
    out.extend_from_slice(&src);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(payload);
    out
}

/// BSD null/loopback (link type 0): the address family in little-endian
/// (the byte order of the capturing host, assumed x86 here) then the packet.
pub fn bsd_null(family: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + payload.len());
    out.extend_from_slice(&family.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Raw IP (link type 101): the packet itself, with no link header.
pub fn raw_ip(ip_packet: &[u8]) -> Vec<u8> {
    ip_packet.to_vec()
}

/// An untagged Ethernet frame carrying `ip_packet` from `src` to `dst`, with
/// the MACs [`mac_for_ip`] gives those addresses.
pub fn ip_frame_between(src: IpAddr, dst: IpAddr, ip_packet: &[u8]) -> Vec<u8> {
    Ethernet::new(mac_for_ip(src), mac_for_ip(dst)).ip_frame(ip_packet)
}

/// A stable MAC for an address: private-range hosts get their own
/// locally administered MAC derived from the address, everything else
/// sits behind [`GATEWAY_MAC`].
pub fn mac_for_ip(ip: IpAddr) -> Mac {
    match ip {
        IpAddr::V4(v4) if v4.is_private() => {
            let o = v4.octets();
            [0x02, 0x00, o[0], o[1], o[2], o[3]]
        }
        IpAddr::V6(v6) if (v6.segments()[0] & 0xFE00) == 0xFC00 => {
            let o = v6.octets();
            [0x02, 0x06, o[12], o[13], o[14], o[15]]
        }
        _ => GATEWAY_MAC,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Mac = [0xaa; 6];
    const B: Mac = [0xbb; 6];

    #[test]
    fn ethernet_with_qinq() {
        let eth = Ethernet::new(A, B).with_vlan(VlanTag::qinq(100)).with_vlan(VlanTag {
            pcp: 5,
            ..VlanTag::dot1q(42)
        });
        let f = eth.frame(ethertype::IPV4, &[0x45]);
        assert_eq!(&f[..6], &B);
        assert_eq!(&f[6..12], &A);
        assert_eq!(&f[12..22], &[0x88, 0xa8, 0x00, 100, 0x81, 0x00, 0xa0, 42, 0x08, 0x00]);
        assert_eq!(f.len(), 23);
        assert_eq!(Ethernet::new(A, B).ip_frame(&[0x60])[12..14], [0x86, 0xdd]);
    }

    #[test]
    fn cooked_and_null_headers() {
        let sll = linux_sll(sll_packet_type::OUTGOING, A, ethertype::IPV4, &[1, 2]);
        assert_eq!(sll.len(), 18);
        assert_eq!(&sll[..6], &[0, 4, 0, 1, 0, 6]);
        assert_eq!(&sll[14..16], &[0x08, 0x00]);
        let sll2 = linux_sll2(ethertype::IPV6, 3, 0, A, &[9]);
        assert_eq!(sll2.len(), 21);
        assert_eq!(&sll2[..12], &[0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6]);
        assert_eq!(bsd_null(null_family::INET6_DARWIN, &[7]), [30, 0, 0, 0, 7]);
        assert_eq!(raw_ip(&[0x45, 0]), [0x45, 0]);
    }

    #[test]
    fn macs_follow_addresses() {
        assert_eq!(mac_for_ip("10.20.1.2".parse().unwrap()), [2, 0, 10, 20, 1, 2]);
        assert_eq!(mac_for_ip("93.184.216.34".parse().unwrap()), GATEWAY_MAC);
        let f = ip_frame_between("198.51.100.1".parse().unwrap(), "10.10.0.80".parse().unwrap(), &[0x45]);
        assert_eq!(&f[..12], &[2, 0, 10, 10, 0, 80, 2, 0x76, 0x69, 0x67, 0, 1]);
    }
}
