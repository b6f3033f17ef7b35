//! The flow table: one entry per conversation, in least-recently-seen order
//! so that timeouts and the memory cap evict from the front in O(1).

use super::key::{Direction, FlowKey, flow_id};
use super::tcp::{StreamOptions, TcpState, TcpTracker};
use super::vars::FlowVars;
use crate::decode::{PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, Packet, Transport, tcp_flags};
use crate::timestamp::Timestamp;
use hashlink::LinkedHashMap;
use hashlink::linked_hash_map::RawEntryMut;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::net::IpAddr;

/// Idle timeouts in seconds of packet time.
#[derive(Clone, Copy, Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlowTimeouts {
    pub new: u64,
    pub established: u64,
    pub closed: u64,
}

impl Default for FlowTimeouts {
    fn default() -> Self {
        FlowTimeouts {
            new: 30,
            established: 300,
            closed: 10,
        }
    }
}

/// One conversation.
#[derive(Debug)]
pub struct Flow {
    pub id: u64,
    pub proto: u8,
    /// The endpoint that sent the first packet (the client).
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub start: Timestamp,
    pub last: Timestamp,
    /// Index by `Direction::index()`.
    pub pkts: [u64; 2],
    pub bytes: [u64; 2],
    pub tcp: Option<TcpTracker>,
    /// Reassembly, once the connection is tracked.
    pub stream: Option<Box<crate::stream::TcpStream>>,
    /// The application layer, for TCP connections with a stream and UDP.
    pub app: Option<Box<crate::app::AppLayer>>,
    pub vlan: crate::decode::VlanIds,
    pub vars: FlowVars,
    /// A `pass` rule matched: no further inspection of this flow.
    pub passed: bool,
    /// The flow turned to encrypted data (TLS after its handshake): its
    /// payload and stream are no longer given to content rules.
    pub payload_inspection_over: bool,
    pub alerted: bool,
    /// The application protocol, once identified.
    pub app_proto: Option<crate::rules::buffer::AppProto>,
    /// Identification was tried and gave up.
    pub app_failed: bool,
    /// Rules that already matched, per open transaction and direction:
    /// (tx id, direction index, rule indices).
    tx_matched: Vec<(u64, usize, Vec<u32>)>,
    /// Rate rules that counted this flow's SYN as a handshake not (yet)
    /// completed, one bit per handshake rule (see `RateMatcher`).
    pub rate_half_open: u64,
    /// The rate engine saw this flow become established.
    pub rate_established: bool,
    /// IP-only rules already evaluated for this direction (index by `Direction::index()`).
    pub iponly_done: [bool; 2],
    /// The client was the `lo` endpoint of the key.
    client_is_lo: bool,
}

impl Flow {
    /// The endpoints a packet travelling `dir` goes from and to.
    pub fn endpoints(&self, dir: Direction) -> ((IpAddr, u16), (IpAddr, u16)) {
        match dir {
            Direction::ToServer => (self.client, self.server),
            Direction::ToClient => (self.server, self.client),
        }
    }

    /// Whether rule `idx` already matched in transaction `tx` in `dir`.
    pub fn tx_matched(&self, tx: u64, dir: Direction, idx: u32) -> bool {
        let d = dir.index();
        self.tx_matched
            .iter()
            .any(|(t, td, rules)| *t == tx && *td == d && rules.contains(&idx))
    }

    pub fn mark_tx_matched(&mut self, tx: u64, dir: Direction, idx: u32) {
        let d = dir.index();
        match self.tx_matched.iter_mut().find(|(t, td, _)| *t == tx && *td == d) {
            Some((_, _, rules)) => rules.push(idx),
            None => {
                // Transactions finish in order: keep the most recent ones.
                if self.tx_matched.len() >= 128 {
                    self.tx_matched.remove(0);
                }
                self.tx_matched.push((tx, d, vec![idx]));
            }
        }
    }

    /// A transaction is done: forget which rules matched in it.
    pub fn tx_done(&mut self, tx: u64) {
        self.tx_matched.retain(|(t, _, _)| *t != tx);
    }

    /// `flow:established` for this packet's flow.
    pub fn is_established(&self) -> bool {
        match &self.tcp {
            Some(t) => t.is_established(),
            None => self.pkts[0] > 0 && self.pkts[1] > 0,
        }
    }

    pub fn state_name(&self) -> &'static str {
        match &self.tcp {
            Some(t) if t.state == TcpState::Closed => "closed",
            Some(t) if t.is_established() => "established",
            Some(_) => "new",
            None if self.is_established() => "established",
            None => "new",
        }
    }

    fn timeout(&self, t: &FlowTimeouts) -> u64 {
        match &self.tcp {
            Some(tcp) if tcp.state == TcpState::Closed => t.closed,
            _ if self.is_established() => t.established,
            _ => t.new,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct FlowStats {
    pub created: u64,
    pub timed_out: u64,
    /// Flows dropped because the table was full.
    pub evicted: u64,
    pub peak_active: u64,
}

impl FlowStats {
    /// Adds another table's counters (one per worker); peaks add up, an
    /// upper bound of the flows held at once.
    pub fn merge(&mut self, o: &FlowStats) {
        self.created += o.created;
        self.timed_out += o.timed_out;
        self.evicted += o.evicted;
        self.peak_active += o.peak_active;
    }
}

/// A flow key with its hash computed once per packet: lookups, inserts and
/// the table's growth reuse it instead of hashing the addresses again.
#[derive(Clone, Copy, PartialEq, Eq)]
struct HashedKey {
    hash: u64,
    key: FlowKey,
}

impl HashedKey {
    fn new(key: FlowKey) -> Self {
        HashedKey {
            hash: key.stable_hash(),
            key,
        }
    }
}

impl Hash for HashedKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Hands a [`HashedKey`]'s own hash to the table unchanged (it is already
/// well mixed).
#[derive(Default)]
struct KeyHashPassThrough(u64);

impl Hasher for KeyHashPassThrough {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `HashedKey`; fold anything else in.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FlowMap = LinkedHashMap<HashedKey, Flow, BuildHasherDefault<KeyHashPassThrough>>;

pub struct FlowTable {
    flows: FlowMap,
    max_flows: usize,
    timeouts: FlowTimeouts,
    stream: StreamOptions,
    pub stats: FlowStats,
    last_sweep: Timestamp,
    ended: Vec<Flow>,
}

impl FlowTable {
    pub fn new(max_flows: usize, timeouts: FlowTimeouts, stream: StreamOptions) -> Self {
        FlowTable {
            // A busy link holds tens of thousands of flows: start big enough
            // that the first seconds do not spend their time regrowing.
            flows: FlowMap::with_capacity_and_hasher(max_flows.clamp(1, 16_384), Default::default()),
            max_flows: max_flows.max(1),
            timeouts,
            stream,
            stats: FlowStats::default(),
            last_sweep: Timestamp::ZERO,
            ended: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Whether the packet belongs to a protocol the table tracks.
    pub fn tracks(pkt: &Packet<'_>) -> bool {
        match pkt.ip.proto {
            PROTO_TCP => matches!(pkt.transport, Transport::Tcp(_)),
            PROTO_UDP => matches!(pkt.transport, Transport::Udp(_)),
            PROTO_ICMP | PROTO_ICMPV6 => true,
            _ => true,
        }
    }

    /// Finds or creates the flow of `pkt`, updates its counters and TCP
    /// state, and says which way the packet goes.
    pub fn update(&mut self, pkt: &Packet<'_>) -> (&mut Flow, Direction) {
        self.expire(pkt.ts);
        let (key, src_is_lo) = FlowKey::of(pkt);
        let key = HashedKey::new(key);
        let known = matches!(
            self.flows.raw_entry_mut().from_hash(key.hash, |k| *k == key),
            RawEntryMut::Occupied(_)
        );
        if !known {
            if self.flows.len() >= self.max_flows
                && let Some((_, flow)) = self.flows.pop_front()
            {
                self.stats.evicted += 1;
                self.ended.push(flow);
            }
            self.stats.created += 1;
            self.stats.peak_active = self.stats.peak_active.max(self.flows.len() as u64 + 1);
        }
        let stream = self.stream;
        let flow = match self.flows.raw_entry_mut().from_hash(key.hash, |k| *k == key) {
            RawEntryMut::Occupied(mut o) => {
                o.to_back();
                o.into_mut()
            }
            RawEntryMut::Vacant(v) => {
                let flow = new_flow(&key, pkt, src_is_lo);
                v.insert_hashed_nocheck(key.hash, key, flow).1
            }
        };
        let dir = if src_is_lo == flow.client_is_lo {
            Direction::ToServer
        } else {
            Direction::ToClient
        };
        let d = dir.index();
        flow.pkts[d] += 1;
        flow.bytes[d] += u64::from(pkt.wire_len);
        flow.last = flow.last.max(pkt.ts);
        if let (Some(tracker), Transport::Tcp(tcp)) = (flow.tcp.as_mut(), pkt.transport)
            && !pkt.bad_checksum
        {
            tracker.update(&tcp, pkt.payload.len(), dir, stream, !known);
        }
        (flow, dir)
    }

    /// Evicts idle flows, at most once a second of packet time. The front of
    /// the list is the least recently seen flow; stop at the first live one.
    fn expire(&mut self, now: Timestamp) {
        if now.secs <= self.last_sweep.secs {
            return;
        }
        self.last_sweep = now;
        let timeouts = self.timeouts;
        while let Some((_, flow)) = self.flows.front() {
            if now.secs_since(flow.last) < flow.timeout(&timeouts) {
                break;
            }
            if let Some((_, flow)) = self.flows.pop_front() {
                self.stats.timed_out += 1;
                self.ended.push(flow);
            }
        }
    }

    /// Flows that ended (timeout or eviction) since the last call.
    pub fn take_ended(&mut self) -> std::vec::Drain<'_, Flow> {
        self.ended.drain(..)
    }

    /// Ends every flow (end of input): those already ended first, then
    /// the rest from the least recently seen. The table is left empty.
    pub fn flush(&mut self) -> impl Iterator<Item = Flow> + use<> {
        let ended = std::mem::take(&mut self.ended);
        // Walks the list in order; no hash lookup per flow.
        let held = std::mem::take(&mut self.flows);
        ended.into_iter().chain(held.into_iter().map(|(_, f)| f))
    }
}

/// A fresh flow for the first packet seen of `key`.
fn new_flow(key: &HashedKey, pkt: &Packet<'_>, src_is_lo: bool) -> Flow {
    let mut client = (pkt.ip.src, pkt.sport());
    let mut server = (pkt.ip.dst, pkt.dport());
    let mut client_is_lo = src_is_lo;
    // A SYN/ACK as the first packet means the SYN was missed: the
    // receiver is the client.
    if let Transport::Tcp(t) = pkt.transport
        && t.flags & (tcp_flags::SYN | tcp_flags::ACK) == (tcp_flags::SYN | tcp_flags::ACK)
    {
        std::mem::swap(&mut client, &mut server);
        client_is_lo = !src_is_lo;
    }
    Flow {
        id: flow_id(key.hash, pkt.ts.as_micros()),
        proto: pkt.ip.proto,
        client,
        server,
        start: pkt.ts,
        last: pkt.ts,
        pkts: [0; 2],
        bytes: [0; 2],
        tcp: matches!(pkt.transport, Transport::Tcp(_)).then(TcpTracker::new),
        stream: None,
        app: None,
        vlan: pkt.vlan,
        vars: FlowVars::default(),
        passed: false,
        payload_inspection_over: false,
        alerted: false,
        app_proto: None,
        app_failed: false,
        tx_matched: Vec::new(),
        rate_half_open: 0,
        rate_established: false,
        iponly_done: [false; 2],
        client_is_lo,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{TcpHeader, VlanIds};

    fn udp(src: &str, sport: u16, dst: &str, dport: u16, secs: i64) -> Packet<'static> {
        let mut p = Packet::pseudo(
            Timestamp::new(secs, 0),
            (src.parse().unwrap(), sport),
            (dst.parse().unwrap(), dport),
            PROTO_UDP,
            VlanIds::default(),
        );
        p.wire_len = 100;
        p
    }

    #[test]
    fn both_directions_share_a_flow() {
        let mut t = FlowTable::new(10, FlowTimeouts::default(), StreamOptions::default());
        let (f, d) = t.update(&udp("10.0.0.2", 5000, "10.0.0.1", 53, 1));
        let id = f.id;
        assert_eq!(d, Direction::ToServer);
        assert!(!f.is_established());
        let (f, d) = t.update(&udp("10.0.0.1", 53, "10.0.0.2", 5000, 1));
        assert_eq!(d, Direction::ToClient);
        assert_eq!(f.id, id);
        assert!(f.is_established());
        assert_eq!(f.pkts, [1, 1]);
        assert_eq!(f.bytes, [100, 100]);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn cap_evicts_least_recent_and_counts() {
        let mut t = FlowTable::new(2, FlowTimeouts::default(), StreamOptions::default());
        t.update(&udp("10.0.0.1", 1, "10.0.0.9", 53, 1));
        t.update(&udp("10.0.0.2", 1, "10.0.0.9", 53, 1));
        t.update(&udp("10.0.0.1", 1, "10.0.0.9", 53, 1)); // refresh the first
        t.update(&udp("10.0.0.3", 1, "10.0.0.9", 53, 1));
        assert_eq!(t.len(), 2);
        assert_eq!(t.stats.evicted, 1);
        let ended: Vec<_> = t.take_ended().collect();
        assert_eq!(ended[0].client.0, "10.0.0.2".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn idle_flows_time_out_by_packet_time() {
        let mut t = FlowTable::new(
            10,
            FlowTimeouts {
                new: 30,
                established: 300,
                closed: 10,
            },
            StreamOptions::default(),
        );
        t.update(&udp("10.0.0.1", 1, "10.0.0.9", 53, 100));
        t.update(&udp("10.0.0.2", 1, "10.0.0.9", 53, 120));
        t.update(&udp("10.0.0.3", 1, "10.0.0.9", 53, 131));
        assert_eq!(t.stats.timed_out, 1);
        assert_eq!(t.len(), 2);
        assert_eq!(t.flush().count(), 3);
        assert!(t.is_empty());
    }

    #[test]
    fn syn_ack_first_makes_receiver_the_client() {
        let mut t = FlowTable::new(10, FlowTimeouts::default(), StreamOptions::default());
        let mut p = udp("10.0.0.1", 80, "10.0.0.2", 40000, 1);
        p.ip.proto = PROTO_TCP;
        p.transport = Transport::Tcp(TcpHeader {
            sport: 80,
            dport: 40000,
            seq: 1,
            ack: 1,
            flags: tcp_flags::SYN | tcp_flags::ACK,
            window: 0,
            urgent: 0,
            header_len: 20,
            has_options: false,
        });
        let (f, d) = t.update(&p);
        assert_eq!(d, Direction::ToClient);
        assert_eq!(f.client.1, 40000);
    }
}
