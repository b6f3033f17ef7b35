//! Per-packet checks of a rule that need no payload: protocol, addresses
//! and ports, IP/TCP/ICMP header keywords and dsize.

use crate::decode::{PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, Packet, Transport};
use crate::flow::Flow;
use crate::rules::header_keywords::{FRAG_DONT, FRAG_MORE, FRAG_RESERVED, HeaderTest};
use crate::rules::{Protocol, Rule};

pub fn protocol_matches(rule: &Rule, pkt: &Packet<'_>) -> bool {
    match rule.proto {
        Protocol::Ip => true,
        Protocol::Tcp | Protocol::TcpPkt | Protocol::TcpStream => {
            pkt.ip.proto == PROTO_TCP && matches!(pkt.transport, Transport::Tcp(_))
        }
        Protocol::Udp => pkt.ip.proto == PROTO_UDP && matches!(pkt.transport, Transport::Udp(_)),
        Protocol::Icmp => matches!(pkt.ip.proto, PROTO_ICMP | PROTO_ICMPV6),
        Protocol::Icmpv4 => pkt.ip.proto == PROTO_ICMP && pkt.ip.version == 4,
        Protocol::Icmpv6 => pkt.ip.proto == PROTO_ICMPV6,
    }
}

/// Addresses and ports, in the rule's direction or, for `<>`, either.
pub fn endpoints_match(rule: &Rule, pkt: &Packet<'_>) -> bool {
    let ports = rule.proto.has_ports() || (rule.proto == Protocol::Ip && pkt.has_ports());
    let forward = |src_addr, src_port, dst_addr, dst_port| {
        rule.src.contains(src_addr)
            && rule.dst.contains(dst_addr)
            && (!ports || (rule.src_ports.contains(src_port) && rule.dst_ports.contains(dst_port)))
    };
    let (s, sp, d, dp) = (pkt.ip.src, pkt.sport(), pkt.ip.dst, pkt.dport());
    forward(s, sp, d, dp) || (rule.bidirectional && forward(d, dp, s, sp))
}

/// The application protocol a rule names (header or `app-layer-protocol`)
/// against what the flow was identified as.
pub fn app_matches(rule: &Rule, flow: &Flow) -> bool {
    if let Some(p) = rule.app_proto
        && flow.app_proto != Some(p)
    {
        return false;
    }
    if let Some(m) = rule.app_layer_protocol {
        let is = match m.proto {
            Some(p) => flow.app_proto == Some(p),
            None => flow.app_failed,
        };
        if is == m.negated {
            return false;
        }
    }
    true
}

pub fn header_matches(rule: &Rule, pkt: &Packet<'_>) -> bool {
    rule.header.iter().all(|t| test(t, pkt)) && rule.dsize.is_none_or(|d| d.matches(pkt.payload.len() as u64))
}

fn test(t: &HeaderTest, pkt: &Packet<'_>) -> bool {
    let ip = &pkt.ip;
    match t {
        HeaderTest::Ttl(c) => c.matches(u64::from(ip.ttl)),
        HeaderTest::Tos(c) => ip.version == 4 && c.matches(u64::from(ip.tos)),
        HeaderTest::IpId(c) => ip.version == 4 && c.matches(u64::from(ip.id)),
        HeaderTest::IpProto(c) => c.matches(u64::from(ip.proto)),
        HeaderTest::IpOpts(bits) => ip.version == 4 && ip.options & bits != 0,
        HeaderTest::FragBits(b) => {
            let v = if ip.more_fragments { FRAG_MORE } else { 0 }
                | if ip.dont_fragment { FRAG_DONT } else { 0 }
                | if ip.reserved_flag { FRAG_RESERVED } else { 0 };
            ip.version == 4 && b.matches(v)
        }
        HeaderTest::FragOffset(c) => c.matches(u64::from(ip.frag_offset)),
        HeaderTest::TcpFlags(b) => pkt.tcp().is_some_and(|t| b.matches(t.flags)),
        HeaderTest::Seq(n) => pkt.tcp().is_some_and(|t| t.seq == *n),
        HeaderTest::Ack(n) => pkt.tcp().is_some_and(|t| t.ack == *n),
        HeaderTest::Window(c) => pkt.tcp().is_some_and(|t| c.matches(u64::from(t.window))),
        HeaderTest::Itype(c) => pkt.icmp().is_some_and(|i| c.matches(u64::from(i.itype))),
        HeaderTest::Icode(c) => pkt.icmp().is_some_and(|i| c.matches(u64::from(i.code))),
        HeaderTest::IcmpId(n) => pkt.icmp().is_some_and(|i| i.id == Some(*n)),
        HeaderTest::IcmpSeq(n) => pkt.icmp().is_some_and(|i| i.seq == Some(*n)),
    }
}
