//! The one record every sink receives: an alert with the packet, flow and
//! signature facts EVE, fast.log and the store need.

use crate::decode::VlanIds;
use crate::flow::Direction;
use crate::timestamp::Timestamp;
use std::net::IpAddr;
use std::sync::Arc;

/// Signature facts shared by all alerts of one rule (built once at load).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureInfo {
    pub gid: u32,
    pub sid: u32,
    pub rev: u32,
    pub msg: String,
    pub category: String,
    pub severity: u8,
    /// `metadata` pairs in rule order (EVE groups them by key).
    pub metadata: crate::rules::metadata::Metadata,
    pub target_is_src: Option<bool>,
}

/// Flow counters at the time of the alert (EVE `flow{}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowSnapshot {
    pub pkts_toserver: u64,
    pub pkts_toclient: u64,
    pub bytes_toserver: u64,
    pub bytes_toclient: u64,
    pub start: Timestamp,
    /// The flow's initiator and responder.
    pub src_ip: IpAddr,
    pub dest_ip: IpAddr,
    pub src_port: u16,
    pub dest_port: u16,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub ts: Timestamp,
    pub pcap_cnt: u64,
    pub flow_id: u64,
    pub src_ip: IpAddr,
    pub dest_ip: IpAddr,
    pub src_port: u16,
    pub dest_port: u16,
    /// IP protocol number.
    pub proto: u8,
    pub ip_version: u8,
    pub has_ports: bool,
    pub icmp: Option<(u8, u8)>,
    pub vlan: VlanIds,
    pub direction: Direction,
    /// `wire/pcap`, `stream`, …
    pub pkt_src: &'static str,
    pub signature: Arc<SignatureInfo>,
    /// `allowed` in IDS mode.
    pub action: &'static str,
    pub app_proto: Option<&'static str>,
    /// The transaction an application rule matched in.
    pub tx_id: Option<u64>,
    /// The protocol's EVE object for that transaction: ("http", {...}).
    pub app_meta: Option<(&'static str, serde_json::Value)>,
    /// Traffic tags from `traffic/id/…` and `traffic/label/…` flowbits.
    pub traffic: Option<Traffic>,
    pub flow: FlowSnapshot,
    /// The rule's threshold, detection filter or suppression while it is
    /// still to be applied (in capture order, by the sequencer); None once
    /// decided or when it has none.
    pub threshold: Option<crate::detect::threshold::Pending>,
    /// The rule's xbits while they are still to be tested and applied (in
    /// capture order, by the sequencer); None once done or when it has none.
    pub xbits: Option<Arc<[crate::rules::xbits::XbitOp]>>,
    /// The match of a `noalert` rule, carried only for its xbits: the
    /// sequencer drops it once they are applied.
    pub silent: bool,
}

/// Where an alert is raised: the packet, direction and flow facts, without
/// the signature. Rate matches carry one until the count decides.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlertSite {
    pub ts: Timestamp,
    pub pcap_cnt: u64,
    pub flow_id: u64,
    pub src_ip: IpAddr,
    pub dest_ip: IpAddr,
    pub src_port: u16,
    pub dest_port: u16,
    pub proto: u8,
    pub ip_version: u8,
    pub has_ports: bool,
    pub icmp: Option<(u8, u8)>,
    pub vlan: VlanIds,
    pub direction: Direction,
    pub pkt_src: &'static str,
    pub app_proto: Option<&'static str>,
    pub flow: FlowSnapshot,
}

impl AlertSite {
    /// Packet `pkt` of `flow`, travelling `dir`.
    pub fn of(pkt: &crate::decode::Packet<'_>, flow: &crate::flow::Flow, dir: Direction) -> AlertSite {
        AlertSite {
            ts: pkt.ts,
            pcap_cnt: pkt.pcap_cnt,
            flow_id: flow.id,
            src_ip: pkt.ip.src,
            dest_ip: pkt.ip.dst,
            src_port: pkt.sport(),
            dest_port: pkt.dport(),
            proto: pkt.ip.proto,
            ip_version: pkt.ip.version,
            has_ports: pkt.has_ports(),
            icmp: pkt.icmp().map(|i| (i.itype, i.code)),
            vlan: pkt.vlan,
            direction: dir,
            pkt_src: pkt.pkt_src,
            app_proto: flow.app_proto.map(|p| p.name()),
            flow: FlowSnapshot {
                pkts_toserver: flow.pkts[0],
                pkts_toclient: flow.pkts[1],
                bytes_toserver: flow.bytes[0],
                bytes_toclient: flow.bytes[1],
                start: flow.start,
                src_ip: flow.client.0,
                dest_ip: flow.server.0,
                src_port: flow.client.1,
                dest_port: flow.server.1,
            },
        }
    }
}

/// EVE `traffic`: the flow's tags.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Traffic {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub id: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub label: Vec<String>,
}

impl Alert {
    /// An alert raised by `signature` on packet `pkt` of `flow`.
    pub fn for_packet(
        signature: Arc<SignatureInfo>,
        pkt: &crate::decode::Packet<'_>,
        flow: &crate::flow::Flow,
        dir: Direction,
    ) -> Alert {
        Alert::at(AlertSite::of(pkt, flow, dir), signature)
    }

    /// An alert raised by `signature` at `site`.
    pub fn at(site: AlertSite, signature: Arc<SignatureInfo>) -> Alert {
        Alert {
            ts: site.ts,
            pcap_cnt: site.pcap_cnt,
            flow_id: site.flow_id,
            src_ip: site.src_ip,
            dest_ip: site.dest_ip,
            src_port: site.src_port,
            dest_port: site.dest_port,
            proto: site.proto,
            ip_version: site.ip_version,
            has_ports: site.has_ports,
            icmp: site.icmp,
            vlan: site.vlan,
            direction: site.direction,
            pkt_src: site.pkt_src,
            signature,
            action: "allowed",
            app_proto: site.app_proto,
            tx_id: None,
            app_meta: None,
            traffic: None,
            flow: site.flow,
            threshold: None,
            xbits: None,
            silent: false,
        }
    }
}

/// IANA protocol names as EVE prints them.
pub fn proto_name(proto: u8) -> std::borrow::Cow<'static, str> {
    match proto {
        1 => "ICMP".into(),
        2 => "IGMP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        47 => "GRE".into(),
        50 => "ESP".into(),
        51 => "AH".into(),
        58 => "IPv6-ICMP".into(),
        132 => "SCTP".into(),
        other => other.to_string().into(),
    }
}
