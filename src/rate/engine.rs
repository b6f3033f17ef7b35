//! The rate engine, in two halves. The matcher, beside each worker's flow
//! table, offers every packet and transaction to the rate rules and turns
//! each match into a [`RateOp`] (rule, group-by key, what to count, where it
//! was seen). The counter applies those operations in capture order in one
//! place, whatever worker produced them: a tracker per rule and key
//! (bounded, least recently used evicted and counted); a tracker over its
//! threshold raises an ordinary alert, then stays quiet for its cooldown.

use super::distinct::hash_bytes;
use super::doorkeeper::Doorkeeper;
use super::rule::{Event, Filter, GroupBy, MAX_HANDSHAKE_RULES, Metric, RateRule};
use super::window::SlidingWindow;
use crate::alert::{Alert, AlertSite, SignatureInfo};
use crate::decode::{Packet, Transport, tcp_flags};
use crate::detect::TxBuffers;
use crate::flow::{Direction, Flow};
use crate::rules::buffer::{AppProto, BufferId};
use crate::timestamp::Timestamp;
use foldhash::fast::FixedState;
use hashlink::LinkedHashMap;
use hashlink::linked_hash_map::Entry;
use std::borrow::Cow;
use std::hash::{BuildHasher, Hash, Hasher};
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Ip(IpAddr),
    Pair(IpAddr, IpAddr),
    IpPort(IpAddr, u16),
    Name(u64),
}

/// Hashed as whole words (an address folded to one, as distinct counts
/// take it). The derived form hashes each address as a length-prefixed
/// byte slice, and a spoofed flood hashes a new key for every rule at
/// every packet.
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match *self {
            Key::Ip(a) => state.write_u64(ip_value(a)),
            Key::Pair(a, b) => {
                state.write_u64(ip_value(a));
                state.write_u64(ip_value(b));
            }
            Key::IpPort(a, port) => {
                state.write_u64(ip_value(a));
                state.write_u16(port);
            }
            Key::Name(n) => state.write_u64(n),
        }
    }
}

struct Tracker {
    window: SlidingWindow,
    last_alert: Option<Timestamp>,
    /// The domain of a name key (other keys print themselves).
    name: Option<Box<str>>,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RateStats {
    pub trackers_peak: usize,
    pub evicted: u64,
    /// First sightings of keys of gated rules, which took no tracker.
    pub held_back: u64,
    pub alerts: u64,
    /// Per rule, the highest value any key reached: how close benign
    /// traffic comes to each threshold, for tuning.
    pub peaks: Vec<RatePeak>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct RatePeak {
    pub sid: u32,
    pub threshold: f64,
    pub peak: f64,
}

/// The worker's half: which rules a packet or transaction matches, and
/// under which key. Holds no counts.
#[derive(Clone)]
pub struct RateMatcher {
    rules: Arc<[RateRule]>,
    /// Packet rules that can match each IP protocol (see [`proto_slot`]).
    packet_rules: [Vec<usize>; 4],
    tx_rules: Vec<usize>,
    /// The incomplete-handshake rules, in order: a flow remembers which of
    /// them counted its SYN as bit `position` of a word, which costs no
    /// allocation when every packet of a spoofed flood opens a flow.
    handshake_rules: Vec<usize>,
    /// Per rule, its bit in that word (0 for the other rules).
    handshake_bit: Vec<u64>,
}

/// What one match does to the tracker of (`rule`, `key`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    /// Add to the window's count (packets, bytes, flows, events).
    Add(f64),
    /// Add to a ratio rule's denominator (the requests).
    Denominator(f64),
    /// Offer a value to a distinct count.
    Distinct(u64),
    /// A half-open connection completed: take back its count, if the
    /// tracker still exists; never makes one, never alerts.
    Retract,
}

/// One rate rule match, produced by a worker, applied by the counter.
#[derive(Clone, Debug)]
pub struct RateOp {
    pub rule: u16,
    pub key: Key,
    pub change: Change,
    /// The parent domain of a name key, to print.
    pub name: Option<Box<str>>,
    /// Where the match was seen (the alert's addresses, flow and time): an
    /// index into the sites of the batch it travels in.
    pub site: u32,
}

/// Rate matches and the sites they were seen at, one site per packet or
/// transaction however many rules it matched.
#[derive(Debug, Default)]
pub struct RateBatch {
    pub ops: Vec<RateOp>,
    pub sites: Vec<AlertSite>,
}

impl RateBatch {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn clear(&mut self) {
        self.ops.clear();
        self.sites.clear();
    }

    /// Moves `other`'s matches to the end of this batch, leaving it empty.
    pub fn append(&mut self, other: &mut RateBatch) {
        let base = self.sites.len() as u32;
        self.sites.append(&mut other.sites);
        self.ops.extend(other.ops.drain(..).map(|mut op| {
            op.site += base;
            op
        }));
    }

    fn site(&mut self, site: AlertSite) -> u32 {
        self.sites.push(site);
        (self.sites.len() - 1) as u32
    }
}

/// The counting half: trackers, the doorkeeper, thresholds and cooldowns.
pub struct RateCounter {
    rules: Arc<[RateRule]>,
    trackers: Trackers,
    cap: usize,
    /// Per rule: new keys wait for their second sighting (see [`Doorkeeper`]).
    gated: Vec<bool>,
    doorkeeper: Doorkeeper,
    pub stats: RateStats,
}

/// Both halves over the same rules: one matcher per worker (clone it), one
/// counter for the sensor.
pub fn rate_engine(rules: Vec<RateRule>, cap: usize) -> (RateMatcher, RateCounter) {
    let rules: Arc<[RateRule]> = rules.into();
    (RateMatcher::new(rules.clone()), RateCounter::new(rules, cap))
}

/// The packet as a rate rule sees it: addresses and ports, possibly swapped
/// (the reverse direction of a ratio rule).
#[derive(Clone, Copy)]
struct View {
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    to_server: bool,
}

impl RateCounter {
    fn new(rules: Arc<[RateRule]>, cap: usize) -> Self {
        let gated = rules.iter().map(RateRule::first_sighting_cannot_alert).collect();
        let peaks = rules
            .iter()
            .map(|r| RatePeak {
                sid: r.sid,
                threshold: r.threshold,
                peak: 0.0,
            })
            .collect();
        RateCounter {
            rules,
            trackers: LinkedHashMap::with_hasher(FixedState::with_seed(0x7a7e)),
            cap: cap.max(16),
            gated,
            doorkeeper: Doorkeeper::default(),
            stats: RateStats {
                peaks,
                ..RateStats::default()
            },
        }
    }

    pub fn trackers(&self) -> usize {
        self.trackers.len()
    }

    /// Applies one match seen at `sites[op.site]`; an alert, when a
    /// tracker crosses its threshold outside its cooldown, is appended to
    /// `out`.
    pub fn apply(&mut self, op: RateOp, sites: &[AlertSite], out: &mut Vec<Alert>) {
        let idx = usize::from(op.rule);
        let (Some(rule), Some(site)) = (self.rules.get(idx), sites.get(op.site as usize)) else {
            return;
        };
        let (now, window) = (site.ts, rule.window_us);
        if op.change == Change::Retract {
            if let Some(t) = self.trackers.get_mut(&(op.rule, op.key)) {
                t.window.add(now, window, -1.0);
            }
            return;
        }
        let gate = self.gated[idx].then_some(&mut self.doorkeeper);
        let name = op.name;
        let Some(t) = tracker(
            &mut self.trackers,
            self.cap,
            &mut self.stats,
            gate,
            (idx, rule),
            op.key,
            now,
            || name,
        ) else {
            return;
        };
        let changed = match op.change {
            Change::Add(n) => {
                t.window.add(now, window, n);
                true
            }
            Change::Denominator(n) => {
                t.window.add_denominator(now, window, n);
                true
            }
            Change::Distinct(v) => t.window.add_distinct(now, window, v),
            Change::Retract => false,
        };
        if changed && let Some(info) = evaluate(rule, &op.key, t, now, &mut self.stats, idx) {
            out.push(Alert::at(*site, info));
        }
    }
}

impl RateMatcher {
    fn new(rules: Arc<[RateRule]>) -> Self {
        let packet_rules = [6u8, 17, 1, 0].map(|proto| {
            (0..rules.len())
                .filter(|&i| rules[i].on == Event::Packet)
                .filter(|&i| rules[i].filter.proto.is_none_or(|p| proto_slot(p) == proto_slot(proto)))
                .collect()
        });
        let tx_rules = (0..rules.len()).filter(|&i| rules[i].on != Event::Packet).collect();
        let handshake_rules: Vec<usize> = (0..rules.len())
            .filter(|&i| rules[i].on == Event::Packet && rules[i].metric == Metric::IncompleteHandshakes)
            .take(MAX_HANDSHAKE_RULES)
            .collect();
        let mut handshake_bit = vec![0; rules.len()];
        for (position, &idx) in handshake_rules.iter().enumerate() {
            handshake_bit[idx] = 1 << position;
        }
        RateMatcher {
            rules,
            packet_rules,
            tx_rules,
            handshake_rules,
            handshake_bit,
        }
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Offers one packet of `flow` travelling `dir` to the packet rules;
    /// each match becomes an operation in `ops`.
    pub fn on_packet(&self, pkt: &Packet<'_>, flow: &mut Flow, dir: Direction, batch: &mut RateBatch) {
        let slot = proto_slot(pkt.ip.proto);
        if self.packet_rules[slot].is_empty() {
            return;
        }
        let first_packet = flow.pkts[0] + flow.pkts[1] == 1;
        let syn_only = pkt
            .tcp()
            .is_some_and(|t| t.flags & (tcp_flags::SYN | tcp_flags::ACK) == tcp_flags::SYN);
        let mut site: Option<u32> = None;
        let mut site_of =
            |flow: &Flow, batch: &mut RateBatch| *site.get_or_insert_with(|| batch.site(AlertSite::of(pkt, flow, dir)));
        let became_established = flow.is_established() && !flow.rate_established;
        if became_established {
            flow.rate_established = true;
            let mut half_open = std::mem::take(&mut flow.rate_half_open);
            while half_open != 0 {
                let position = half_open.trailing_zeros() as usize;
                half_open &= half_open - 1;
                let Some(&idx) = self.handshake_rules.get(position) else {
                    continue;
                };
                if let Some(rule) = self.rules.get(idx) {
                    let key = key_of(
                        rule.group_by,
                        &view(pkt, dir).reversed_if(dir == Direction::ToClient),
                        flow,
                    );
                    let site = site_of(flow, batch);
                    batch.ops.push(RateOp {
                        rule: idx as u16,
                        key,
                        change: Change::Retract,
                        name: None,
                        site,
                    });
                }
            }
        }
        let fwd = view(pkt, dir);
        for &idx in &self.packet_rules[slot] {
            let rule = &self.rules[idx];
            let metric = rule.metric;
            // The flow-opening metrics look at one packet per flow: ask
            // that first, it is cheaper than the filter.
            let opening_only = match metric {
                Metric::NewFlows => !first_packet,
                Metric::IncompleteHandshakes => !(first_packet && syn_only),
                _ => false,
            };
            if opening_only {
                continue;
            }
            let (v, reverse) = if packet_matches(&rule.filter, pkt, &fwd) {
                (fwd, false)
            } else if metric == Metric::ResponseRatio && packet_matches(&rule.filter, pkt, &fwd.swapped()) {
                (fwd.swapped(), true)
            } else {
                continue;
            };
            if metric == Metric::IncompleteHandshakes {
                let Some(&bit) = self.handshake_bit.get(idx).filter(|&&b| b != 0) else {
                    continue;
                };
                flow.rate_half_open |= bit;
            }
            let change = match metric {
                Metric::Packets | Metric::NewFlows | Metric::IncompleteHandshakes | Metric::Events => Change::Add(1.0),
                Metric::Bytes => Change::Add(f64::from(pkt.wire_len)),
                Metric::ResponseRatio if reverse => Change::Denominator(f64::from(pkt.wire_len)),
                Metric::ResponseRatio => Change::Add(f64::from(pkt.wire_len)),
                Metric::DistinctDstPorts => Change::Distinct(u64::from(v.dport)),
                Metric::DistinctDstHosts => Change::Distinct(ip_value(v.dst)),
                Metric::DistinctSrcHosts => Change::Distinct(ip_value(v.src)),
                Metric::DistinctQueryNames => continue,
            };
            let site = site_of(flow, batch);
            batch.ops.push(RateOp {
                rule: idx as u16,
                key: key_of(rule.group_by, &v, flow),
                change,
                name: None,
                site,
            });
        }
    }

    /// Offers a transaction that reached an inspection point to the
    /// transaction rules (HTTP responses, DNS queries).
    pub fn on_transaction(
        &self,
        tx: &dyn TxBuffers,
        side: Direction,
        pkt: &Packet<'_>,
        flow: &Flow,
        dir: Direction,
        batch: &mut RateBatch,
    ) {
        let event = match (tx.proto(), side) {
            (AppProto::Http, Direction::ToClient) => Event::HttpResponse,
            (AppProto::Dns, Direction::ToServer) => Event::DnsQuery,
            _ => return,
        };
        let mut names: Vec<Cow<'_, [u8]>> = Vec::new();
        if event == Event::DnsQuery {
            tx.buffers(BufferId::DnsQuery, Direction::ToServer, &mut names);
        }
        let client_view = View {
            src: flow.client.0,
            dst: flow.server.0,
            sport: flow.client.1,
            dport: flow.server.1,
            to_server: true,
        };
        let mut site: Option<u32> = None;
        for &idx in &self.tx_rules {
            let rule = &self.rules[idx];
            if rule.on != event || !tx_matches(&rule.filter, tx, &client_view) {
                continue;
            }
            let (metric, group_by) = (rule.metric, rule.group_by);
            let items: Vec<Option<&[u8]>> = if event == Event::DnsQuery {
                let min = rule.filter.min_query_len.unwrap_or(0);
                names
                    .iter()
                    .map(|n| n.as_ref())
                    .filter(|n| n.len() >= min)
                    .map(Some)
                    .collect()
            } else {
                vec![None]
            };
            for name in items {
                let parent = name.filter(|_| group_by == GroupBy::DnsParentDomain).map(parent_domain);
                let key = match parent {
                    Some(p) => Key::Name(hash_bytes(p)),
                    None => key_of(group_by, &client_view, flow),
                };
                let change = match (metric, name) {
                    (Metric::DistinctQueryNames, Some(n)) => Change::Distinct(hash_bytes(n)),
                    _ => Change::Add(1.0),
                };
                let site = *site.get_or_insert_with(|| batch.site(AlertSite::of(pkt, flow, dir)));
                batch.ops.push(RateOp {
                    rule: idx as u16,
                    key,
                    change,
                    name: parent.map(|p| String::from_utf8_lossy(p).into()),
                    site,
                });
            }
        }
    }
}

/// Index of the rule list for IP protocol `proto`: TCP, UDP, ICMP, other.
fn proto_slot(proto: u8) -> usize {
    match proto {
        6 => 0,
        17 => 1,
        1 => 2,
        _ => 3,
    }
}

type Trackers = LinkedHashMap<(u16, Key), Tracker, FixedState>;

/// The tracker of rule `idx` for `key`, marked most recently used. A
/// missing one is made (the least recently used evicted at the cap), unless
/// the rule is gated and this is the key's first sighting. One hash lookup
/// while under the cap.
#[allow(clippy::too_many_arguments)]
fn tracker<'a>(
    trackers: &'a mut Trackers,
    cap: usize,
    stats: &mut RateStats,
    mut gate: Option<&mut Doorkeeper>,
    (idx, rule): (usize, &RateRule),
    key: Key,
    now: Timestamp,
    name: impl FnOnce() -> Option<Box<str>>,
) -> Option<&'a mut Tracker> {
    let k = (idx as u16, key);
    let refused = |gate: &mut Option<&mut Doorkeeper>| {
        gate.as_mut()
            .is_some_and(|d| !d.admit(FixedState::with_seed(0xd00e).hash_one(k)))
    };
    if trackers.len() >= cap && !trackers.contains_key(&k) {
        if refused(&mut gate) {
            stats.held_back += 1;
            return None;
        }
        // Admitted: the vacant entry below must not ask again.
        let credit = gate.take().is_some();
        while trackers.len() >= cap {
            if trackers.pop_front().is_none() {
                break;
            }
            stats.evicted += 1;
        }
        let len_after = trackers.len() + 1;
        return Some(insert(trackers.entry(k), stats, len_after, rule, now, credit, name));
    }
    let len_after = trackers.len() + 1;
    match trackers.entry(k) {
        Entry::Occupied(mut o) => {
            o.to_back();
            Some(o.into_mut())
        }
        vacant => {
            if refused(&mut gate) {
                stats.held_back += 1;
                return None;
            }
            let credit = gate.is_some();
            Some(insert(vacant, stats, len_after, rule, now, credit, name))
        }
    }
}

/// Fills a vacant tracker entry; `credit` counts the first sighting the
/// doorkeeper held back (for rules that count events).
fn insert<'a>(
    entry: Entry<'a, (u16, Key), Tracker, FixedState>,
    stats: &mut RateStats,
    len_after: usize,
    rule: &RateRule,
    now: Timestamp,
    credit: bool,
    name: impl FnOnce() -> Option<Box<str>>,
) -> &'a mut Tracker {
    let mut window = SlidingWindow::new(now, rule.metric.is_distinct());
    if credit && rule.metric.counts_events() {
        window.add(now, rule.window_us, 1.0);
    }
    let tracker = Tracker {
        window,
        last_alert: None,
        name: name(),
    };
    match entry {
        Entry::Occupied(o) => {
            let t = o.into_mut();
            *t = tracker;
            t
        }
        Entry::Vacant(v) => {
            stats.trackers_peak = stats.trackers_peak.max(len_after);
            v.insert(tracker)
        }
    }
}

/// The alert's signature (the rule's, with the measure in its metadata)
/// when tracker `t` is over its threshold and not cooling down.
fn evaluate(
    rule: &RateRule,
    key: &Key,
    t: &mut Tracker,
    now: Timestamp,
    stats: &mut RateStats,
    idx: usize,
) -> Option<Arc<SignatureInfo>> {
    let value = match rule.metric {
        m if m.is_distinct() => t.window.distinct() as f64,
        Metric::ResponseRatio => {
            let num = t.window.value(now, rule.window_us);
            if num < rule.min_bytes as f64 {
                return None;
            }
            num / t.window.denominator(now, rule.window_us).max(1.0)
        }
        _ => t.window.value(now, rule.window_us),
    };
    if let Some(p) = stats.peaks.get_mut(idx) {
        p.peak = p.peak.max(value);
    }
    if value < rule.threshold {
        return None;
    }
    if t.last_alert
        .is_some_and(|last| now.as_micros() - last.as_micros() < rule.cooldown_us)
    {
        return None;
    }
    t.last_alert = Some(now);
    stats.alerts += 1;
    let mut info: SignatureInfo = (*rule.info).clone();
    let shown = if rule.metric == Metric::ResponseRatio {
        format!("{value:.1}")
    } else {
        format!("{}", value.round() as u64)
    };
    info.metadata.extend([
        ("rate_value", shown),
        ("rate_threshold", format!("{}", rule.threshold)),
        ("rate_window", rule.window_text.clone()),
        ("rate_group_by", format!("{:?}", rule.group_by).to_lowercase()),
        ("rate_key", key_label(key, t.name.as_deref())),
    ]);
    Some(Arc::new(info))
}

fn view(pkt: &Packet<'_>, dir: Direction) -> View {
    View {
        src: pkt.ip.src,
        dst: pkt.ip.dst,
        sport: pkt.sport(),
        dport: pkt.dport(),
        to_server: dir == Direction::ToServer,
    }
}

impl View {
    fn swapped(&self) -> View {
        View {
            src: self.dst,
            dst: self.src,
            sport: self.dport,
            dport: self.sport,
            to_server: !self.to_server,
        }
    }

    fn reversed_if(self, yes: bool) -> View {
        if yes { self.swapped() } else { self }
    }
}

/// Whether a packet seen as `v` matches filter `f`; the cheap header tests
/// come first, the address sets last.
fn packet_matches(f: &Filter, pkt: &Packet<'_>, v: &View) -> bool {
    if f.proto.is_some_and(|p| p != pkt.ip.proto) || f.to_server.is_some_and(|t| t != v.to_server) {
        return false;
    }
    if let Some(flags) = &f.tcp_flags
        && !pkt.tcp().is_some_and(|t| flags.matches(t.flags))
    {
        return false;
    }
    if let Some(t) = f.icmp_type
        && pkt.icmp().is_none_or(|i| i.itype != t)
    {
        return false;
    }
    let size = pkt.wire_len;
    if f.min_size.is_some_and(|m| size < m) || f.max_size.is_some_and(|m| size > m) {
        return false;
    }
    let has_ports = matches!(pkt.transport, Transport::Tcp(_) | Transport::Udp(_));
    let ports_ok = if has_ports {
        f.src_ports.as_ref().is_none_or(|p| p.contains(v.sport))
            && f.dst_ports.as_ref().is_none_or(|p| p.contains(v.dport))
    } else {
        f.src_ports.is_none() && f.dst_ports.is_none()
    };
    ports_ok && f.src.as_ref().is_none_or(|s| s.contains(v.src)) && f.dst.as_ref().is_none_or(|s| s.contains(v.dst))
}

fn tx_matches(f: &Filter, tx: &dyn TxBuffers, v: &View) -> bool {
    if f.src.as_ref().is_some_and(|s| !s.contains(v.src)) || f.dst.as_ref().is_some_and(|s| !s.contains(v.dst)) {
        return false;
    }
    if f.dst_ports.as_ref().is_some_and(|p| !p.contains(v.dport)) {
        return false;
    }
    let one = |id: BufferId, side: Direction| {
        let mut b = Vec::new();
        tx.buffers(id, side, &mut b);
        b.into_iter().next().map(Cow::into_owned)
    };
    if !f.http_status.is_empty() {
        let status = one(BufferId::HttpStatCode, Direction::ToClient)
            .and_then(|s| std::str::from_utf8(&s).ok().and_then(|s| s.trim().parse::<u16>().ok()));
        if !status.is_some_and(|s| f.http_status.contains(&s)) {
            return false;
        }
    }
    if let Some(m) = &f.http_method
        && !one(BufferId::HttpMethod, Direction::ToServer).is_some_and(|x| x.eq_ignore_ascii_case(m))
    {
        return false;
    }
    if let Some(needle) = &f.http_uri_contains
        && one(BufferId::HttpUri, Direction::ToServer).is_none_or(|u| memchr::memmem::find(&u, needle).is_none())
    {
        return false;
    }
    if !f.dns_qtypes.is_empty() && !tx.dns_query_types().iter().any(|t| f.dns_qtypes.contains(t)) {
        return false;
    }
    true
}

fn key_of(by: GroupBy, v: &View, flow: &Flow) -> Key {
    match by {
        GroupBy::Src => Key::Ip(v.src),
        GroupBy::Dst => Key::Ip(v.dst),
        GroupBy::SrcDst => Key::Pair(v.src, v.dst),
        GroupBy::DstPort => Key::IpPort(v.dst, v.dport),
        GroupBy::Client => Key::Ip(flow.client.0),
        GroupBy::Server => Key::Ip(flow.server.0),
        // Only transactions group by domain; a packet falls back to its source.
        GroupBy::DnsParentDomain => Key::Ip(v.src),
    }
}

/// The key as EVE metadata shows it.
fn key_label(key: &Key, name: Option<&str>) -> String {
    match key {
        Key::Ip(a) => a.to_string(),
        Key::Pair(a, b) => format!("{a}->{b}"),
        Key::IpPort(a, p) => format!("{a}:{p}"),
        Key::Name(_) => name.unwrap_or("?").to_string(),
    }
}

fn ip_value(ip: IpAddr) -> u64 {
    match ip {
        IpAddr::V4(a) => u64::from(u32::from(a)),
        IpAddr::V6(a) => {
            let v = u128::from(a);
            (v as u64) ^ ((v >> 64) as u64)
        }
    }
}

/// The last two labels of a DNS name (`a.b.example.com` → `example.com`).
pub fn parent_domain(name: &[u8]) -> &[u8] {
    let name = name.strip_suffix(b".").unwrap_or(name);
    let mut dots = name
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, c)| **c == b'.')
        .map(|(i, _)| i);
    match (dots.next(), dots.next()) {
        (Some(_), Some(second)) => &name[second + 1..],
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::synth::tcp_session::{Direction as Side, TcpSession};
    use crate::synth::{FrameTime, packet::tcp_flags as syn_flags};

    /// Sids of the alerts `frames` raise under `rules` (rate rules, TOML)
    /// and no signature.
    fn rate_alerts(rules: &str, frames: &[crate::synth::Frame]) -> Vec<u32> {
        let cfg = crate::config::Config {
            workers: 1,
            ..Default::default()
        };
        let classes = crate::rules::Classifications::default();
        let rate = super::super::load_str(rules, "test.toml", &cfg.vars, &classes).unwrap();
        let signatures = crate::rules::Loader::new(&cfg.vars, &classes).finish();
        let engine = Arc::new(crate::detect::Engine::build(signatures, Default::default()));
        let mut lanes = crate::pipeline::build_lanes(&cfg, engine, rate);
        let mut alerts = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            lanes.push(&f.raw(), i as u64 + 1, &mut alerts).unwrap();
        }
        lanes.finish(&mut alerts).unwrap();
        alerts.iter().map(|a| a.signature.sid).collect()
    }

    /// Three SYNs to one server from three clients, a second apart; the
    /// ones in `complete` finish their handshake.
    fn syns(complete: &[u16]) -> Vec<crate::synth::Frame> {
        let server = "10.10.0.80:443".parse().unwrap();
        let mut frames = Vec::new();
        for i in 0..3u16 {
            let client = std::net::SocketAddr::from(([198, 51, 100, 1 + i as u8], 40_000 + i));
            let start = FrameTime::new(1_717_264_800 + u64::from(i), 0);
            let mut s = TcpSession::new(client, server, start);
            if complete.contains(&i) {
                s.handshake();
            } else {
                s.segment(Side::ToServer, syn_flags::SYN, b"");
            }
            frames.extend(s.into_frames());
        }
        crate::synth::frame::sort_by_time(&mut frames);
        frames
    }

    const HALF_OPEN_RULES: &str = "[[rule]]\nsid = 9290010\nmsg = \"half-open\"\n\
        match = { proto = \"tcp\", tcp_flags = \"S,CE\", direction = \"to_server\" }\n\
        group_by = \"dst_port\"\ncount = \"incomplete_handshakes\"\nthreshold = 3\nwindow = \"60s\"\n";

    #[test]
    fn half_open_handshakes_count_and_completed_ones_are_taken_back() {
        assert_eq!(rate_alerts(HALF_OPEN_RULES, &syns(&[])), vec![9290010]);
        // The second handshake completes before the third SYN arrives: its
        // count is taken back, so two remain. (The first SYN only marks the
        // key in the doorkeeper; the tracker credits it when it is made.)
        assert!(rate_alerts(HALF_OPEN_RULES, &syns(&[1])).is_empty());
    }

    #[test]
    fn too_many_handshake_rules_are_refused() {
        let one = super::super::load_str(HALF_OPEN_RULES, "t", &Default::default(), &Default::default()).unwrap();
        let many: Vec<RateRule> = std::iter::repeat_n(one[0].clone(), MAX_HANDSHAKE_RULES + 1).collect();
        let err = super::super::rule::check_limits(&many).unwrap_err().to_string();
        assert!(err.contains("65 incomplete_handshakes rules"), "{err}");
        assert!(super::super::rule::check_limits(&many[..MAX_HANDSHAKE_RULES]).is_ok());
    }

    #[test]
    fn parent_domains() {
        assert_eq!(parent_domain(b"aa.bb.tunnel.example.net"), b"example.net");
        assert_eq!(parent_domain(b"example.net."), b"example.net");
        assert_eq!(parent_domain(b"localhost"), b"localhost");
    }
}
