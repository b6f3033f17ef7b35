//! Decoder anomalies: the kinds of malformed input the decoder recognises,
//! and their counters. Names follow Suricata's `decoder.*` event names so
//! analysts recognise them.

/// One kind of malformed or unexpected packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Anomaly {
    EmptyFrame,
    LinkTruncated,
    VlanTruncated,
    VlanTooManyLayers,
    UnknownEtherType,
    Ipv4TooSmall,
    Ipv4HeaderTooSmall,
    Ipv4WrongVersion,
    Ipv4TotalLenTooSmall,
    Ipv4Truncated,
    Ipv4OptionsMalformed,
    Ipv4BadChecksum,
    Ipv6TooSmall,
    Ipv6WrongVersion,
    Ipv6Truncated,
    Ipv6ExtHeaderMalformed,
    TcpTooSmall,
    TcpHeaderTooSmall,
    TcpOptionsTruncated,
    TcpBadChecksum,
    UdpTooSmall,
    UdpLengthInvalid,
    UdpBadChecksum,
    IcmpTooSmall,
    IcmpBadChecksum,
    Icmpv6TooSmall,
    TunnelMalformed,
    TunnelTooDeep,
}

impl Anomaly {
    pub const ALL: [Anomaly; 28] = [
        Anomaly::EmptyFrame,
        Anomaly::LinkTruncated,
        Anomaly::VlanTruncated,
        Anomaly::VlanTooManyLayers,
        Anomaly::UnknownEtherType,
        Anomaly::Ipv4TooSmall,
        Anomaly::Ipv4HeaderTooSmall,
        Anomaly::Ipv4WrongVersion,
        Anomaly::Ipv4TotalLenTooSmall,
        Anomaly::Ipv4Truncated,
        Anomaly::Ipv4OptionsMalformed,
        Anomaly::Ipv4BadChecksum,
        Anomaly::Ipv6TooSmall,
        Anomaly::Ipv6WrongVersion,
        Anomaly::Ipv6Truncated,
        Anomaly::Ipv6ExtHeaderMalformed,
        Anomaly::TcpTooSmall,
        Anomaly::TcpHeaderTooSmall,
        Anomaly::TcpOptionsTruncated,
        Anomaly::TcpBadChecksum,
        Anomaly::UdpTooSmall,
        Anomaly::UdpLengthInvalid,
        Anomaly::UdpBadChecksum,
        Anomaly::IcmpTooSmall,
        Anomaly::IcmpBadChecksum,
        Anomaly::Icmpv6TooSmall,
        Anomaly::TunnelMalformed,
        Anomaly::TunnelTooDeep,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Anomaly::EmptyFrame => "decoder.empty_frame",
            Anomaly::LinkTruncated => "decoder.link.trunc_pkt",
            Anomaly::VlanTruncated => "decoder.vlan.header_too_small",
            Anomaly::VlanTooManyLayers => "decoder.vlan.too_many_layers",
            Anomaly::UnknownEtherType => "decoder.ethernet.unknown_ethertype",
            Anomaly::Ipv4TooSmall => "decoder.ipv4.pkt_too_small",
            Anomaly::Ipv4HeaderTooSmall => "decoder.ipv4.hlen_too_small",
            Anomaly::Ipv4WrongVersion => "decoder.ipv4.wrong_ip_version",
            Anomaly::Ipv4TotalLenTooSmall => "decoder.ipv4.iplen_smaller_than_hlen",
            Anomaly::Ipv4Truncated => "decoder.ipv4.trunc_pkt",
            Anomaly::Ipv4OptionsMalformed => "decoder.ipv4.opt_malformed",
            Anomaly::Ipv4BadChecksum => "decoder.ipv4.bad_checksum",
            Anomaly::Ipv6TooSmall => "decoder.ipv6.pkt_too_small",
            Anomaly::Ipv6WrongVersion => "decoder.ipv6.wrong_ip_version",
            Anomaly::Ipv6Truncated => "decoder.ipv6.trunc_pkt",
            Anomaly::Ipv6ExtHeaderMalformed => "decoder.ipv6.exthdr_malformed",
            Anomaly::TcpTooSmall => "decoder.tcp.pkt_too_small",
            Anomaly::TcpHeaderTooSmall => "decoder.tcp.hlen_too_small",
            Anomaly::TcpOptionsTruncated => "decoder.tcp.opt_invalid_len",
            Anomaly::TcpBadChecksum => "decoder.tcp.bad_checksum",
            Anomaly::UdpTooSmall => "decoder.udp.pkt_too_small",
            Anomaly::UdpLengthInvalid => "decoder.udp.len_invalid",
            Anomaly::UdpBadChecksum => "decoder.udp.bad_checksum",
            Anomaly::IcmpTooSmall => "decoder.icmpv4.pkt_too_small",
            Anomaly::IcmpBadChecksum => "decoder.icmpv4.bad_checksum",
            Anomaly::Icmpv6TooSmall => "decoder.icmpv6.pkt_too_small",
            Anomaly::TunnelMalformed => "decoder.tunnel.malformed",
            Anomaly::TunnelTooDeep => "decoder.tunnel.too_deep",
        }
    }
}

/// Counters, one per anomaly kind.
#[derive(Clone, Debug, Default)]
pub struct AnomalyCounters {
    counts: [u64; Anomaly::ALL.len()],
}

impl AnomalyCounters {
    pub fn add(&mut self, anomaly: Anomaly) {
        self.counts[anomaly as usize] += 1;
    }

    pub fn get(&self, anomaly: Anomaly) -> u64 {
        self.counts[anomaly as usize]
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn merge(&mut self, other: &AnomalyCounters) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
    }

    /// Non-zero counters, by name.
    pub fn nonzero(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        Anomaly::ALL.iter().filter_map(|a| {
            let n = self.get(*a);
            (n > 0).then(|| (a.name(), n))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_kind_in_order() {
        for (i, a) in Anomaly::ALL.iter().enumerate() {
            assert_eq!(*a as usize, i, "{a:?} out of order");
        }
    }

    #[test]
    fn counters_merge() {
        let mut a = AnomalyCounters::default();
        a.add(Anomaly::TcpTooSmall);
        let mut b = AnomalyCounters::default();
        b.add(Anomaly::TcpTooSmall);
        b.add(Anomaly::EmptyFrame);
        a.merge(&b);
        assert_eq!(a.get(Anomaly::TcpTooSmall), 2);
        assert_eq!(a.total(), 3);
        assert_eq!(a.nonzero().count(), 2);
    }
}
