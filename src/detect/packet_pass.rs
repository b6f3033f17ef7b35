//! The per-packet pass: candidates from the IP-only index and the packet
//! groups' prefilters, then full evaluation over the packet payload and the
//! stream windows.

use super::engine::{Class, CompiledRule, DetectCtx, Engine, PayloadMode, Subject, packet_class};
use super::fire::Fired;
use super::flow_match::{flow_keyword_matches, state_conditions_match};
use super::packet_match::{app_matches, endpoints_match, header_matches, protocol_matches};
use super::payload::{inspect, inspect_new};
use crate::alert::Alert;
use crate::flow::{Direction, Flow};

impl Engine {
    /// Runs detection on one packet of `flow`; alerts are appended to `out`.
    /// Returns true when a pass rule matched (inner packets are not inspected).
    pub fn inspect(&self, ctx: &mut DetectCtx, sub: &Subject<'_, '_>, flow: &mut Flow, out: &mut Vec<Alert>) -> bool {
        let dir = sub.dir;
        if flow.passed || self.rules.is_empty() {
            return flow.passed;
        }
        ctx.begin(self.rules.len());
        ctx.inspect.sender = Some(sub.pkt.ip.src);
        let iponly_due = !sub.pseudo && !flow.iponly_done[dir.index()];
        if !sub.pseudo {
            flow.iponly_done[dir.index()] = true;
        }
        self.collect_candidates(ctx, sub, iponly_due);
        ctx.candidates.sort_unstable();

        let candidates = std::mem::take(&mut ctx.candidates);
        let start = out.len();
        let mut passed = false;
        for &idx in &candidates {
            let cr = &self.rules[idx as usize];
            let Some(pkt_src) = self.evaluate(cr, ctx, sub, flow, iponly_due) else {
                continue;
            };
            if self.fire(idx, ctx.thresholds.as_mut(), sub, flow, pkt_src, None, out, start) == Fired::Pass {
                passed = true;
                break;
            }
        }
        ctx.candidates = candidates;
        passed
    }

    fn collect_candidates(&self, ctx: &mut DetectCtx, sub: &Subject<'_, '_>, iponly_due: bool) {
        let (pkt, dir) = (sub.pkt, sub.dir);
        let generation = ctx.generation;
        let DetectCtx {
            stamp,
            candidates,
            scan,
            scan_generation,
            window_hits,
            ..
        } = ctx;
        let mut add = |i: u32| {
            if let Some(s) = stamp.get_mut(i as usize)
                && *s != generation
            {
                *s = generation;
                candidates.push(i);
            }
        };
        if !self.opts.prefilter {
            self.all.iter().for_each(|i| add(*i));
            return;
        }
        if iponly_due {
            self.ip_only.candidates(pkt.ip.src, pkt.ip.dst, &mut add);
        }
        let class = packet_class(pkt);
        let pair = &self.groups[class as usize][dir.index()];
        let port = if dir == Direction::ToServer {
            pkt.dport()
        } else {
            pkt.sport()
        };
        let specific = if matches!(class, Class::Tcp | Class::Udp) {
            pair.ports.get(&port)
        } else {
            None
        };
        // The stream windows hold this packet's bytes when it was delivered in
        // order; otherwise its payload is scanned on its own.
        let scan_packet = sub.payload_inspection
            && !sub.pseudo
            && !pkt.payload.is_empty()
            && (!sub.payload_in_stream || sub.stream.is_empty());
        window_hits.resize_with(sub.stream.len(), Vec::new);
        window_hits.iter_mut().for_each(Vec::clear);
        for w in sub.stream {
            w.recent.iter().for_each(|i| add(*i));
        }
        // A port's group includes the wildcard rules.
        let group = specific.unwrap_or(&pair.wild);
        group.always.iter().for_each(|i| add(*i));
        let Some(pf) = &group.prefilter else { return };
        let mut fresh_scan = |buf: &[u8], hits: Option<&mut Vec<u32>>| {
            *scan_generation = scan_generation.wrapping_add(1);
            if *scan_generation == 0 {
                scan.reset_seen();
                *scan_generation = 1;
            }
            match hits {
                Some(h) => pf.scan(buf, scan, *scan_generation, |r| {
                    h.push(r);
                    add(r)
                }),
                None => pf.scan(buf, scan, *scan_generation, &mut add),
            }
        };
        if scan_packet {
            fresh_scan(pkt.payload, None);
        }
        for (w, hits) in sub.stream.iter().zip(window_hits.iter_mut()) {
            fresh_scan(pf.tail(w.data, w.new_from), Some(hits));
        }
    }

    /// Full evaluation of one candidate; `Some(pkt_src)` when it matches.
    fn evaluate(
        &self,
        cr: &CompiledRule,
        ctx: &mut DetectCtx,
        sub: &Subject<'_, '_>,
        flow: &Flow,
        iponly_due: bool,
    ) -> Option<&'static str> {
        let (r, pkt) = (&cr.rule, sub.pkt);
        let wire = pkt.pkt_src;
        if cr.ip_only {
            return (iponly_due && protocol_matches(r, pkt) && endpoints_match(r, pkt)).then_some(wire);
        }
        // A flow-end pass only carries stream bytes.
        if sub.pseudo && (r.payload.is_empty() || cr.payload_mode == PayloadMode::Packet) {
            return None;
        }
        if !protocol_matches(r, pkt) || !endpoints_match(r, pkt) || !app_matches(r, flow) {
            return None;
        }
        if !flow_keyword_matches(r, flow, sub.dir, pkt.ip.fragmented) || !header_matches(r, pkt) {
            return None;
        }
        if !state_conditions_match(r, flow) {
            return None;
        }
        if r.is_protocol_detection_only() && !sub.app_identified {
            return None;
        }
        if r.payload.is_empty() {
            return Some(wire);
        }
        payload_matches(cr, ctx, sub)
    }
}

/// Whether the rule's payload keywords match this subject's packet or
/// stream windows; `Some(pkt_src)` names which matched.
pub(super) fn payload_matches(cr: &CompiledRule, ctx: &mut DetectCtx, sub: &Subject<'_, '_>) -> Option<&'static str> {
    let (r, pkt) = (&cr.rule, sub.pkt);
    if !sub.payload_inspection {
        return None;
    }
    let stream_src = if sub.pseudo { "stream (flow timeout)" } else { "stream" };
    let mut matched = None;
    if cr.payload_mode != PayloadMode::Packet {
        for w in sub.stream {
            // The new bytes alone first, so offsets and depths count from
            // where they start; then with the context before them, for
            // matches that straddle the boundary.
            let fresh = &w.data[w.new_from.min(w.data.len())..];
            let hit = inspect(&r.payload, fresh, &mut ctx.inspect)
                || (w.new_from > 0 && inspect_new(&r.payload, w.data, Some(w.new_from), &mut ctx.inspect));
            ctx.inspection_limit_hits += u64::from(ctx.inspect.exhausted);
            if hit {
                matched = Some(stream_src);
                break;
            }
        }
    }
    let packet_allowed = match cr.payload_mode {
        PayloadMode::Packet => true,
        PayloadMode::Stream => false,
        PayloadMode::Both => !sub.payload_in_stream,
    };
    if matched.is_none() && packet_allowed && !sub.pseudo && !pkt.payload.is_empty() {
        if inspect(&r.payload, pkt.payload, &mut ctx.inspect) {
            matched = Some(pkt.pkt_src);
        }
        ctx.inspection_limit_hits += u64::from(ctx.inspect.exhausted);
    }
    matched
}
