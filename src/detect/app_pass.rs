//! The per-transaction pass: application rules grouped by protocol and
//! direction, prefiltered per buffer (after transforms), evaluated when a
//! transaction reaches an inspection point; each rule alerts once per
//! transaction.

use super::engine::{CompiledRule, DetectCtx, Engine, EngineStats, Subject};
use super::fire::Fired;
use super::flow_match::{flow_keyword_matches, state_conditions_match};
use super::packet_match::{app_matches, endpoints_match, protocol_matches};
use super::packet_pass::payload_matches;
use super::payload::inspect;
use super::prefilter::Prefilter;
use super::tx::{TxBuffers, TxSubject};
use crate::alert::Alert;
use crate::flow::{Direction, Flow};
use crate::rules::Rule;
use crate::rules::app_checks::{bits_match, version_matches};
use crate::rules::buffer::{AppProto, BufferId, BufferSide};
use crate::rules::fast_pattern;
use crate::rules::flow_keywords::FlowDirection;
use crate::rules::rule::AppCheck;
use crate::rules::rule::FastPattern;
use crate::rules::transform::{Transform, apply_all};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

/// A buffer as a rule sees it: an id and the transforms applied to it.
type BufferSpec = (BufferId, Vec<Transform>);

#[derive(Default)]
struct AppGroup {
    /// Every rule of the group (the reference mode's candidates).
    members: Vec<u32>,
    always: Vec<u32>,
    prefilters: Vec<(BufferSpec, Prefilter)>,
}

/// Application rules by (protocol, direction).
#[derive(Default)]
pub(super) struct AppGroups {
    groups: BTreeMap<(AppProto, usize), AppGroup>,
}

/// The directions a rule's transactions are inspected in: a rule that
/// reads response buffers waits for the response; one that reads only
/// request buffers is decided on the request.
fn rule_dirs(r: &Rule) -> &'static [usize] {
    let sides: Vec<BufferSide> = r.buffers.iter().map(|b| b.id.side()).collect();
    if sides.contains(&BufferSide::ToClient) {
        &[1]
    } else if sides.contains(&BufferSide::ToServer) {
        &[0]
    } else {
        match r.flow.direction {
            Some(FlowDirection::ToServer) => &[0],
            Some(FlowDirection::ToClient) => &[1],
            None => &[0, 1],
        }
    }
}

impl AppGroups {
    pub(super) fn build(rules: &[CompiledRule], stats: &mut EngineStats) -> AppGroups {
        let mut members: BTreeMap<(AppProto, usize), Vec<u32>> = BTreeMap::new();
        for (idx, cr) in rules.iter().enumerate() {
            let r = &cr.rule;
            if !r.is_app_rule() {
                continue;
            }
            let Some(proto) = r.needs_app() else { continue };
            for &d in rule_dirs(r) {
                members.entry((proto, d)).or_default().push(idx as u32);
            }
        }
        let mut groups = BTreeMap::new();
        for (key, list) in members {
            let mut g = AppGroup {
                members: list.clone(),
                ..Default::default()
            };
            let side = if key.1 == 0 {
                BufferSide::ToServer
            } else {
                BufferSide::ToClient
            };
            let mut by_spec: BTreeMap<BufferSpec, Vec<(Vec<u8>, u32)>> = BTreeMap::new();
            for idx in list {
                match buffer_pattern(&rules[idx as usize].rule) {
                    Some(((id, transforms), bytes)) => by_spec
                        .entry((id.same_bytes_as(side), transforms))
                        .or_default()
                        .push((bytes, idx)),
                    None => g.always.push(idx),
                }
            }
            for (spec, fps) in by_spec {
                let fps: Vec<(&[u8], u32)> = fps.iter().map(|(b, i)| (b.as_slice(), *i)).collect();
                if let Some(p) = Prefilter::build(&fps) {
                    stats.prefilter_patterns += p.patterns();
                    g.prefilters.push((spec, p));
                }
            }
            g.always.sort_unstable();
            stats.groups += 1;
            groups.insert(key, g);
        }
        AppGroups { groups }
    }
}

/// The pattern an application rule is prefiltered by, and the buffer it is
/// looked for in: the rule's fast pattern when that is in a buffer, else
/// the strongest positive content of its buffers (a rule whose fast pattern
/// is in the payload still needs each of its buffer contents, and a buffer
/// is far smaller than the stream). `None`: evaluated on every transaction.
fn buffer_pattern(r: &Rule) -> Option<(BufferSpec, Vec<u8>)> {
    let in_buffer = |fp: &FastPattern| fp.buffer.clone().filter(|_| !fp.bytes.is_empty());
    if let Some(fp) = &r.fast_pattern
        && let Some(spec) = in_buffer(fp)
    {
        return Some((spec, fp.bytes.clone()));
    }
    let fp = fast_pattern::choose(&[], &r.buffers).ok()??;
    in_buffer(&fp).map(|spec| (spec, fp.bytes))
}

/// Buffers of one transaction, transformed, computed once per pass. All
/// instances sit end to end in one vector: a transaction fetches a dozen
/// buffers or so, most of them a single borrowed slice.
struct BufferCache<'t, 'e> {
    tx: &'t TxSubject<'t>,
    /// Which buffer, through which transforms, and where its instances
    /// are in `bufs`.
    entries: Vec<(BufferId, &'e [Transform], Range<usize>)>,
    bufs: Vec<Cow<'t, [u8]>>,
}

impl<'t, 'e> BufferCache<'t, 'e> {
    fn new(tx: &'t TxSubject<'t>, room: usize) -> Self {
        BufferCache {
            tx,
            entries: Vec::with_capacity(room),
            bufs: Vec::with_capacity(room),
        }
    }

    fn get(&mut self, id: BufferId, transforms: &'e [Transform]) -> &[Cow<'t, [u8]>] {
        let known = self
            .entries
            .iter()
            .find(|(i, t, _)| *i == id && *t == transforms)
            .map(|(_, _, at)| at.clone());
        let at = known.unwrap_or_else(|| {
            let from = self.bufs.len();
            self.tx.tx.buffers(id, self.tx.side, &mut self.bufs);
            if !transforms.is_empty() {
                for b in self.bufs.get_mut(from..).unwrap_or_default() {
                    *b = Cow::Owned(apply_all(transforms, b));
                }
            }
            self.entries.push((id, transforms, from..self.bufs.len()));
            from..self.bufs.len()
        });
        self.bufs.get(at).unwrap_or_default()
    }
}

/// `tls.version`, `ssl_version` and `ssl_state` against a TLS state.
fn app_checks_match(r: &Rule, state: &dyn TxBuffers, dir: Direction) -> bool {
    r.app_checks.iter().all(|check| match *check {
        AppCheck::TlsVersion(v) => state.tls_version() == Some(v),
        AppCheck::SslVersion { any_of, none_of } => version_matches(state.ssl_versions(dir), any_of, none_of),
        AppCheck::SslState { any_of, none_of } => bits_match(state.ssl_states(), any_of, none_of),
        AppCheck::Event(proto, name) => state.proto() == proto && state.has_event(name),
    })
}

impl Engine {
    /// Evaluates the application rules for one transaction at an
    /// inspection point. `sub` is the packet that brought the progress (its
    /// addresses and ports go into alerts).
    pub fn inspect_tx(
        &self,
        ctx: &mut DetectCtx,
        sub: &Subject<'_, '_>,
        tx: &TxSubject<'_>,
        flow: &mut Flow,
        out: &mut Vec<Alert>,
    ) -> bool {
        if flow.passed {
            return true;
        }
        ctx.inspect.sender = Some(sub.pkt.ip.src);
        let Some(group) = self.app.groups.get(&(tx.tx.proto(), tx.side.index())) else {
            return false;
        };
        ctx.begin(self.rules.len());
        let mut cache = BufferCache::new(tx, group.prefilters.len() + 4);
        {
            let generation = ctx.generation;
            let DetectCtx {
                stamp,
                candidates,
                scan,
                scan_generation,
                ..
            } = &mut *ctx;
            let mut add = |i: u32| {
                if let Some(s) = stamp.get_mut(i as usize)
                    && *s != generation
                {
                    *s = generation;
                    candidates.push(i);
                }
            };
            if !self.opts.prefilter {
                group.members.iter().for_each(|i| add(*i));
            }
            group.always.iter().for_each(|i| add(*i));
            for ((id, transforms), pf) in group.prefilters.iter().filter(|_| self.opts.prefilter) {
                for buf in cache.get(*id, transforms) {
                    *scan_generation = scan_generation.wrapping_add(1);
                    if *scan_generation == 0 {
                        scan.reset_seen();
                        *scan_generation = 1;
                    }
                    pf.scan(buf, scan, *scan_generation, &mut add);
                }
            }
        }
        ctx.candidates.sort_unstable();
        let candidates = std::mem::take(&mut ctx.candidates);
        let start = out.len();
        let mut passed = false;
        for &idx in &candidates {
            if flow.tx_matched(tx.tx_id, tx.dir, idx) {
                continue;
            }
            let cr = &self.rules[idx as usize];
            let Some(pkt_src) = self.evaluate_tx(cr, ctx, sub, tx, flow, &mut cache) else {
                continue;
            };
            flow.mark_tx_matched(tx.tx_id, tx.dir, idx);
            if self.fire(idx, ctx.thresholds.as_mut(), sub, flow, pkt_src, Some(tx), out, start) == Fired::Pass {
                passed = true;
                break;
            }
        }
        ctx.candidates = candidates;
        passed
    }

    fn evaluate_tx<'e>(
        &'e self,
        cr: &'e CompiledRule,
        ctx: &mut DetectCtx,
        sub: &Subject<'_, '_>,
        tx: &TxSubject<'_>,
        flow: &Flow,
        cache: &mut BufferCache<'_, 'e>,
    ) -> Option<&'static str> {
        let (r, pkt) = (&cr.rule, sub.pkt);
        if !protocol_matches(r, pkt) || !endpoints_match(r, pkt) || !app_matches(r, flow) {
            return None;
        }
        if !flow_keyword_matches(r, flow, tx.dir, false) || !state_conditions_match(r, flow) {
            return None;
        }
        if !app_checks_match(r, tx.tx, tx.side) {
            return None;
        }
        for bm in &r.buffers {
            let bufs = cache.get(bm.id, &bm.transforms);
            let hit = bufs.iter().any(|b| inspect(&bm.steps, b, &mut ctx.inspect));
            ctx.inspection_limit_hits += u64::from(ctx.inspect.exhausted);
            if !hit {
                return None;
            }
        }
        if r.payload.is_empty() {
            return Some(pkt.pkt_src);
        }
        payload_matches(cr, ctx, sub)
    }
}
