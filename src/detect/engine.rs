//! The compiled detection engine: rules in evaluation order, grouped by
//! protocol, direction and server port, each group with its prefilter;
//! per packet it gathers candidates and evaluates them in full.

use super::address_index::AddressIndex;
use super::app_pass::AppGroups;
use super::payload::InspectState;
use super::prefilter::{Prefilter, ScanScratch};
use super::threshold::RuleRates;
use crate::alert::SignatureInfo;
use crate::decode::{PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, Packet, Transport};
use crate::flow::Direction;
use crate::rules::flow_keywords::FlowDirection;
use crate::rules::{Action, Protocol, Rule, RuleSet};
use std::collections::HashMap;
use std::sync::Arc;

/// Port sets with at most this many ports get per-port groups.
const PORT_GROUP_LIMIT: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Class {
    Tcp = 0,
    Udp = 1,
    Icmp = 2,
    Other = 3,
}

const CLASSES: [Class; 4] = [Class::Tcp, Class::Udp, Class::Icmp, Class::Other];

pub struct CompiledRule {
    pub rule: Rule,
    pub info: Arc<SignatureInfo>,
    pub(super) rates: Arc<RuleRates>,
    pub ip_only: bool,
    pub(super) payload_mode: PayloadMode,
}

/// Which bytes a rule's payload keywords look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PayloadMode {
    /// Packet payloads only (`tcp-pkt`, `flow:no_stream`, `dsize`, non-TCP).
    Packet,
    /// The reassembled stream only (`tcp-stream`, `flow:only_stream`).
    Stream,
    /// The stream when the packet's bytes belong to one, else the packet.
    Both,
}

fn payload_mode(r: &Rule) -> PayloadMode {
    use crate::rules::flow_keywords::StreamScope;
    if r.proto == Protocol::TcpPkt || r.flow.stream == StreamScope::NoStream || r.dsize.is_some() {
        PayloadMode::Packet
    } else if r.proto == Protocol::TcpStream || r.flow.stream == StreamScope::OnlyStream {
        PayloadMode::Stream
    } else if r.proto.is_tcp() || r.proto == Protocol::Ip {
        PayloadMode::Both
    } else {
        PayloadMode::Packet
    }
}

/// Reassembled bytes ready for inspection: `data[new_from..]` was never
/// inspected; what precedes it is context for matches that straddle.
#[derive(Clone, Copy, Debug)]
pub struct StreamWindow<'a> {
    pub data: &'a [u8],
    pub new_from: usize,
    /// Rules whose fast pattern an earlier scan found in `data[..new_from]`:
    /// the prefilter only scans the new bytes, these stand for the rest.
    pub recent: &'a [u32],
}

/// What one detection pass looks at.
pub struct Subject<'a, 'p> {
    pub pkt: &'a Packet<'p>,
    pub dir: Direction,
    /// Stream windows ready in this direction.
    pub stream: &'a [StreamWindow<'a>],
    /// The packet's payload is part of the reassembled stream (so rules
    /// that look at both see it through the stream, once).
    pub payload_in_stream: bool,
    /// A flow-end pass: no real packet, only leftover stream data.
    pub pseudo: bool,
    /// This packet completed the identification of the flow's protocol.
    pub app_identified: bool,
    /// Payload keywords may look at this subject's payload and stream
    /// (false once a flow's payload is encrypted).
    pub payload_inspection: bool,
}

impl<'a, 'p> Subject<'a, 'p> {
    /// A plain packet with no stream data.
    pub fn packet(pkt: &'a Packet<'p>, dir: Direction) -> Self {
        Subject {
            pkt,
            dir,
            stream: &[],
            payload_in_stream: false,
            pseudo: false,
            app_identified: false,
            payload_inspection: true,
        }
    }
}

#[derive(Default)]
pub(super) struct Group {
    /// Rules evaluated on every packet of the group (no usable fast pattern).
    pub(super) always: Vec<u32>,
    pub(super) prefilter: Option<Prefilter>,
}

#[derive(Default)]
pub(super) struct DirGroups {
    /// Per server port: the rules for that port and the wildcard rules.
    pub(super) ports: HashMap<u16, Group>,
    /// Rules for any port (and every rule of a class without ports).
    pub(super) wild: Group,
}

/// Rules of one (class, direction) before building: per port, and wildcard.
type GroupMembers = (HashMap<u16, Vec<u32>>, Vec<u32>);

#[derive(Clone, Debug, Default)]
pub struct EngineStats {
    pub rules: usize,
    pub ip_only: usize,
    pub groups: usize,
    pub prefilter_patterns: usize,
    /// Rules without a fast pattern: they cost every packet of their groups.
    pub without_fast_pattern: Vec<u32>,
}

#[derive(Clone, Copy, Debug)]
pub struct EngineOptions {
    /// When false every rule is a candidate for every packet: the plain
    /// reference the grouped engine is tested against.
    pub prefilter: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { prefilter: true }
    }
}

pub struct Engine {
    pub(super) rules: Vec<CompiledRule>,
    pub(super) groups: Vec<[DirGroups; 2]>,
    pub(super) ip_only: AddressIndex,
    pub(super) app: AppGroups,
    pub(super) all: Vec<u32>,
    /// Flowbits named `traffic/id/X` or `traffic/label/X`: EVE reports them
    /// under `traffic` (true for `id`).
    pub(super) traffic_bits: Vec<(u32, bool, String)>,
    names: crate::rules::flow_keywords::NameTable,
    pub(super) opts: EngineOptions,
    pub stats: EngineStats,
}

/// Per-worker scratch and state for detection.
pub struct DetectCtx {
    pub(super) inspect: InspectState,
    pub(super) stamp: Vec<u32>,
    pub(super) generation: u32,
    pub(super) scan: ScanScratch,
    pub(super) scan_generation: u32,
    pub(super) candidates: Vec<u32>,
    /// Per stream window of the last packet pass: rules its new bytes
    /// brought in through the prefilter (kept by the stream for later windows).
    pub window_hits: Vec<Vec<u32>>,
    /// Threshold state when this worker is the only one: thresholds are
    /// then decided as rules match (see `fire`).
    pub thresholds: Option<super::threshold::ThresholdState>,
    /// Rules whose inspection hit the work limit.
    pub inspection_limit_hits: u64,
}

impl DetectCtx {
    /// Starts a pass: fresh candidate stamps sized for `rules`.
    pub(super) fn begin(&mut self, rules: usize) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        if self.stamp.len() < rules {
            self.stamp.resize(rules, 0);
        }
        self.candidates.clear();
    }

    pub fn new() -> Self {
        DetectCtx {
            inspect: InspectState::new(),
            stamp: Vec::new(),
            generation: 0,
            scan: ScanScratch::default(),
            scan_generation: 0,
            candidates: Vec::new(),
            window_hits: Vec::new(),
            thresholds: None,
            inspection_limit_hits: 0,
        }
    }
}

impl Default for DetectCtx {
    fn default() -> Self {
        DetectCtx::new()
    }
}

fn action_rank(a: Action) -> u8 {
    match a {
        Action::Pass => 0,
        Action::Drop => 1,
        Action::Reject => 2,
        Action::Alert => 3,
    }
}

/// Flowbit setters run before readers so one packet can set and test.
fn flowbit_rank(r: &Rule) -> u8 {
    let writes = r.writes_flowbits();
    let reads = r.flowbits.iter().any(|c| c.reads()) || r.flowints.iter().any(|c| !c.writes());
    match (writes, reads) {
        (true, false) => 0,
        (true, true) => 1,
        (false, true) => 2,
        (false, false) => 3,
    }
}

/// Rules decided by addresses alone: Suricata evaluates them once per flow
/// direction rather than on every packet.
fn is_ip_only(r: &Rule) -> bool {
    let ports_any = !r.proto.has_ports() || (r.src_ports.is_any() && r.dst_ports.is_any());
    r.payload.is_empty()
        && r.app_proto.is_none()
        && r.app_layer_protocol.is_none()
        && !r.is_app_rule()
        && r.app_checks.is_empty()
        && r.header.is_empty()
        && r.dsize.is_none()
        && r.flow == Default::default()
        // Setting flowbits is allowed (IP reputation rules do); reading them is not.
        && r.flowbits.iter().all(|c| !c.reads())
        && r.flowints.is_empty()
        && r.stream_size.is_none()
        && ports_any
        && !matches!(r.proto, Protocol::TcpStream)
}

/// The rule's alert facts; its message, category and metadata move out of
/// the rule (nothing reads them there once the engine is built).
fn signature_info(r: &mut Rule) -> SignatureInfo {
    let mut metadata = std::mem::take(&mut r.metadata);
    metadata.shrink();
    SignatureInfo {
        gid: r.gid,
        sid: r.sid,
        rev: r.rev,
        msg: std::mem::take(&mut r.msg),
        category: std::mem::take(&mut r.category),
        severity: r.priority,
        metadata,
        target_is_src: r.target_is_src,
    }
}

pub(super) fn classes_of(p: Protocol) -> &'static [Class] {
    match p {
        Protocol::Ip => &CLASSES,
        Protocol::Tcp | Protocol::TcpPkt | Protocol::TcpStream => &[Class::Tcp],
        Protocol::Udp => &[Class::Udp],
        Protocol::Icmp | Protocol::Icmpv4 | Protocol::Icmpv6 => &[Class::Icmp],
    }
}

pub(super) fn packet_class(pkt: &Packet<'_>) -> Class {
    match (pkt.ip.proto, &pkt.transport) {
        (PROTO_TCP, Transport::Tcp(_)) => Class::Tcp,
        (PROTO_UDP, Transport::Udp(_)) => Class::Udp,
        (PROTO_ICMP | PROTO_ICMPV6, _) => Class::Icmp,
        _ => Class::Other,
    }
}

impl Engine {
    pub fn build(set: RuleSet, opts: EngineOptions) -> Engine {
        let traffic_bits = set
            .names
            .iter()
            .filter_map(|(id, name)| {
                if let Some(label) = name.strip_prefix("traffic/id/") {
                    Some((id, true, label.to_string()))
                } else {
                    name.strip_prefix("traffic/label/")
                        .map(|label| (id, false, label.to_string()))
                }
            })
            .collect();
        let names = set.names.clone();
        let mut ordered: Vec<(usize, Rule)> = set.rules.into_iter().enumerate().collect();
        ordered.sort_by_key(|(i, r)| (action_rank(r.action), flowbit_rank(r), r.priority, *i));
        let rules: Vec<CompiledRule> = ordered
            .into_iter()
            .map(|(_, mut rule)| CompiledRule {
                info: Arc::new(signature_info(&mut rule)),
                rates: Arc::new(RuleRates::resolve(&rule, &set.thresholds)),
                ip_only: is_ip_only(&rule),
                payload_mode: payload_mode(&rule),
                rule,
            })
            .collect();

        let mut stats = EngineStats {
            rules: rules.len(),
            ..Default::default()
        };
        let mut ip_only = Vec::new();
        let mut entries: Vec<[GroupMembers; 2]> = CLASSES.iter().map(|_| Default::default()).collect();
        for (idx, cr) in rules.iter().enumerate() {
            let idx = idx as u32;
            if cr.ip_only {
                ip_only.push(idx);
                continue;
            }
            if cr.rule.is_app_rule() {
                continue;
            }
            let r = &cr.rule;
            if r.fast_pattern.is_none() {
                stats.without_fast_pattern.push(r.sid);
            }
            let dirs: &[usize] = match r.flow.direction {
                Some(FlowDirection::ToServer) => &[0],
                Some(FlowDirection::ToClient) => &[1],
                None => &[0, 1],
            };
            for class in classes_of(r.proto) {
                for &d in dirs {
                    let ports = if matches!(class, Class::Tcp | Class::Udp) && r.proto.has_ports() && !r.bidirectional {
                        let set = if d == 0 { &r.dst_ports } else { &r.src_ports };
                        set.small_list(PORT_GROUP_LIMIT)
                    } else {
                        None
                    };
                    let slot = &mut entries[*class as usize][d];
                    match ports {
                        Some(list) => list.into_iter().for_each(|p| slot.0.entry(p).or_default().push(idx)),
                        None => slot.1.push(idx),
                    }
                }
            }
        }
        stats.ip_only = ip_only.len();
        let app = AppGroups::build(&rules, &mut stats);
        let ip_only = AddressIndex::build(ip_only.iter().map(|&i| (i, &rules[i as usize].rule)));
        let build_group = |members: &[u32], stats: &mut EngineStats| -> Group {
            let mut g = Group::default();
            let mut fps = Vec::new();
            for &i in members {
                match &rules[i as usize].rule.fast_pattern {
                    Some(fp) if !fp.bytes.is_empty() => fps.push((fp.bytes.as_slice(), i)),
                    _ => g.always.push(i),
                }
            }
            g.prefilter = Prefilter::build(&fps);
            stats.groups += 1;
            stats.prefilter_patterns += g.prefilter.as_ref().map_or(0, Prefilter::patterns);
            g
        };
        let mut groups = Vec::new();
        for class_entries in entries {
            let mut pair: [DirGroups; 2] = Default::default();
            for (d, (ports, wild)) in class_entries.into_iter().enumerate() {
                pair[d].wild = build_group(&wild, &mut stats);
                // A port's group holds the wildcard rules too, so its packets
                // are scanned once, by one prefilter.
                for (port, mut members) in ports {
                    members.extend_from_slice(&wild);
                    members.sort_unstable();
                    members.dedup();
                    let g = build_group(&members, &mut stats);
                    pair[d].ports.insert(port, g);
                }
            }
            groups.push(pair);
        }
        // The reference mode's candidates: every packet-pass rule.
        let all = (0..rules.len() as u32)
            .filter(|&i| !rules[i as usize].rule.is_app_rule())
            .collect();
        Engine {
            rules,
            groups,
            ip_only,
            app,
            all,
            traffic_bits,
            names,
            opts,
            stats,
        }
    }

    /// The flowbit and flowint names of the rule set, by id: a reloaded
    /// set keeps these ids so flows tracked across the reload keep meaning.
    pub fn names(&self) -> &crate::rules::flow_keywords::NameTable {
        &self.names
    }

    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
