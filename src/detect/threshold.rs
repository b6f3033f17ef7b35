//! Alert rate state: per-rule thresholds and detection filters, plus the
//! suppress and rate_filter entries of threshold.config. Bounded: when full
//! the least recently used tracker is evicted and counted.

use crate::rules::threshold::{NewAction, SigSelector, Threshold, ThresholdEntry, ThresholdKind, Track, UniqueOn};
use crate::rules::{Rule, address::IpSet};
use crate::timestamp::Timestamp;
use foldhash::fast::FixedState;
use hashlink::LinkedHashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// What a threshold decides for one match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Alert,
    Silent,
}

/// The address facts a tracker is keyed on.
#[derive(Clone, Copy, Debug)]
pub struct MatchFacts {
    pub ts: Timestamp,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub flow_id: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    Rule,
    Ip(IpAddr),
    Pair(IpAddr, IpAddr),
    Flow(u64),
}

fn key(track: Track, m: &MatchFacts) -> Key {
    match track {
        Track::BySrc => Key::Ip(m.src),
        Track::ByDst => Key::Ip(m.dst),
        Track::ByRule => Key::Rule,
        Track::ByBoth => Key::Pair(m.src, m.dst),
        Track::ByFlow => Key::Flow(m.flow_id),
    }
}

/// At most this many distinct values per `unique_on` tracker.
const MAX_DISTINCT: usize = 4096;

#[derive(Clone, Debug)]
struct Tracker {
    window_start: Timestamp,
    count: u32,
    alerted: bool,
    distinct: Vec<u16>,
}

/// A matched rule's thresholds, carried by its alert until the sequencer
/// applies them. Equal when they are the same rule's.
#[derive(Clone, Debug)]
pub struct Pending(pub Arc<RuleRates>);

impl PartialEq for Pending {
    fn eq(&self, other: &Pending) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Per-rule rate configuration, resolved once at engine build.
#[derive(Clone, Debug, Default)]
pub struct RuleRates {
    pub threshold: Option<Threshold>,
    pub suppress_all: bool,
    pub suppress: Vec<(Track, IpSet)>,
    pub rate_filter: Option<(Track, u32, u32, NewAction, u32)>,
}

impl RuleRates {
    pub fn is_trivial(&self) -> bool {
        self.threshold.is_none() && !self.suppress_all && self.suppress.is_empty() && self.rate_filter.is_none()
    }

    /// Combines the rule's own threshold with threshold.config entries; the
    /// most specific config entry wins over the rule's keyword.
    pub fn resolve(rule: &Rule, entries: &[ThresholdEntry]) -> RuleRates {
        let mut r = RuleRates {
            threshold: rule.threshold,
            ..Default::default()
        };
        let mut best: Option<(u8, Threshold)> = None;
        for e in entries {
            match e {
                ThresholdEntry::Threshold(sel, t) if sel.applies(rule.gid, rule.sid) => {
                    // A global entry does not replace a rule's own threshold.
                    if sel.sid == 0 && rule.threshold.is_some() {
                        continue;
                    }
                    if best.as_ref().is_none_or(|(s, _)| sel.specificity() >= *s) {
                        best = Some((sel.specificity(), *t));
                    }
                }
                ThresholdEntry::Suppress { sel, track } if sel.applies(rule.gid, rule.sid) => match track {
                    None => r.suppress_all = true,
                    Some((t, set)) => r.suppress.push((*t, set.clone())),
                },
                ThresholdEntry::RateFilter {
                    sel,
                    track,
                    count,
                    seconds,
                    new_action,
                    timeout,
                } if applies(sel, rule) => {
                    r.rate_filter = Some((*track, *count, *seconds, *new_action, *timeout));
                }
                _ => {}
            }
        }
        if let Some((_, t)) = best {
            r.threshold = Some(t);
        }
        r
    }
}

fn applies(sel: &SigSelector, rule: &Rule) -> bool {
    sel.applies(rule.gid, rule.sid)
}

#[derive(Clone, Debug, Default)]
pub struct ThresholdStats {
    pub evicted: u64,
    pub suppressed: u64,
}

/// Window start, matches in the window, and when the new action ends.
type RateWindow = (Timestamp, u32, Option<Timestamp>);

pub struct ThresholdState {
    trackers: LinkedHashMap<(u32, Key), Tracker, FixedState>,
    /// Rate filters: (rule, key) to (window start, count, action-until).
    rates: LinkedHashMap<(u32, Key), RateWindow, FixedState>,
    cap: usize,
    pub stats: ThresholdStats,
}

impl ThresholdState {
    pub fn new(cap: usize) -> Self {
        ThresholdState {
            trackers: LinkedHashMap::with_hasher(FixedState::with_seed(7)),
            rates: LinkedHashMap::with_hasher(FixedState::with_seed(8)),
            cap: cap.max(16),
            stats: ThresholdStats::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.trackers.len() + self.rates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Applies an alert's pending threshold, detection filter or
    /// suppression; false when the alert is to be dropped. Trackers are
    /// keyed by the rule's sid, so they outlive a rule reload. Alerts must
    /// come in capture order for the counts to mean what the rule says.
    pub fn settle(&mut self, alert: &mut crate::alert::Alert) -> bool {
        let Some(rates) = alert.threshold.take() else {
            return true;
        };
        let facts = MatchFacts {
            ts: alert.ts,
            src: alert.src_ip,
            dst: alert.dest_ip,
            src_port: alert.src_port,
            dst_port: alert.dest_port,
            flow_id: alert.flow_id,
        };
        self.decide(alert.signature.sid, &rates.0, &facts) == Verdict::Alert
    }

    /// Decides whether a match of rule `idx` raises an alert.
    pub fn decide(&mut self, idx: u32, rates: &RuleRates, m: &MatchFacts) -> Verdict {
        if rates.suppress_all {
            self.stats.suppressed += 1;
            return Verdict::Silent;
        }
        for (track, set) in &rates.suppress {
            let hit = match track {
                Track::BySrc => set.contains(m.src),
                Track::ByDst => set.contains(m.dst),
                _ => set.contains(m.src) || set.contains(m.dst),
            };
            if hit {
                self.stats.suppressed += 1;
                return Verdict::Silent;
            }
        }
        if let Some(t) = rates.threshold
            && self.threshold(idx, &t, m) == Verdict::Silent
        {
            return Verdict::Silent;
        }
        if let Some((track, count, seconds, action, timeout)) = rates.rate_filter
            && self.rate_filter(idx, track, count, seconds, timeout, m) == Some(())
            && action == NewAction::Pass
        {
            return Verdict::Silent;
        }
        Verdict::Alert
    }

    fn make_room<V>(map: &mut LinkedHashMap<(u32, Key), V, FixedState>, cap: usize, stats: &mut ThresholdStats) {
        while map.len() >= cap {
            if map.pop_front().is_none() {
                break;
            }
            stats.evicted += 1;
        }
    }

    fn threshold(&mut self, idx: u32, t: &Threshold, m: &MatchFacts) -> Verdict {
        let k = (idx, key(t.track, m));
        if !self.trackers.contains_key(&k) {
            Self::make_room(&mut self.trackers, self.cap, &mut self.stats);
            self.trackers.insert(
                k,
                Tracker {
                    window_start: m.ts,
                    count: 0,
                    alerted: false,
                    distinct: Vec::new(),
                },
            );
        }
        let Some(tr) = self.trackers.to_back(&k) else {
            return Verdict::Alert;
        };
        if m.ts.secs_since(tr.window_start) >= u64::from(t.seconds) {
            *tr = Tracker {
                window_start: m.ts,
                count: 0,
                alerted: false,
                distinct: Vec::new(),
            };
        }
        match t.unique_on {
            Some(on) => {
                let port = match on {
                    UniqueOn::DstPort => m.dst_port,
                    UniqueOn::SrcPort => m.src_port,
                };
                if !tr.distinct.contains(&port) && tr.distinct.len() < MAX_DISTINCT {
                    tr.distinct.push(port);
                }
                tr.count = tr.distinct.len() as u32;
            }
            None => tr.count = tr.count.saturating_add(1),
        }
        let alert = match t.kind {
            ThresholdKind::Limit => tr.count <= t.count,
            ThresholdKind::Threshold => {
                if tr.count >= t.count {
                    tr.count = 0;
                    true
                } else {
                    false
                }
            }
            ThresholdKind::Both => {
                if tr.count >= t.count && !tr.alerted {
                    tr.alerted = true;
                    true
                } else {
                    false
                }
            }
            ThresholdKind::DetectionFilter => tr.count > t.count,
        };
        if alert { Verdict::Alert } else { Verdict::Silent }
    }

    /// `Some(())` while the rate filter's new action is in force.
    fn rate_filter(
        &mut self,
        idx: u32,
        track: Track,
        count: u32,
        seconds: u32,
        timeout: u32,
        m: &MatchFacts,
    ) -> Option<()> {
        let k = (idx, key(track, m));
        if !self.rates.contains_key(&k) {
            Self::make_room(&mut self.rates, self.cap, &mut self.stats);
            self.rates.insert(k, (m.ts, 0, None));
        }
        let (start, n, until) = self.rates.to_back(&k)?;
        if let Some(u) = *until {
            if m.ts < u {
                return Some(());
            }
            *until = None;
            *start = m.ts;
            *n = 0;
        }
        if m.ts.secs_since(*start) >= u64::from(seconds) {
            *start = m.ts;
            *n = 0;
        }
        *n += 1;
        if *n > count {
            *until = Some(m.ts.plus_secs(u64::from(timeout)));
            return Some(());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(secs: i64, src: &str, dport: u16) -> MatchFacts {
        MatchFacts {
            ts: Timestamp::new(secs, 0),
            src: src.parse().unwrap(),
            dst: "10.0.0.1".parse().unwrap(),
            src_port: 1234,
            dst_port: dport,
            flow_id: 1,
        }
    }

    fn run(t: Threshold, events: &[(i64, &str)]) -> Vec<bool> {
        let mut st = ThresholdState::new(100);
        let rates = RuleRates {
            threshold: Some(t),
            ..Default::default()
        };
        events
            .iter()
            .map(|(s, ip)| st.decide(0, &rates, &facts(*s, ip, 80)) == Verdict::Alert)
            .collect()
    }

    fn th(kind: ThresholdKind, track: Track, count: u32, seconds: u32) -> Threshold {
        Threshold {
            kind,
            track,
            count,
            seconds,
            unique_on: None,
        }
    }

    #[test]
    fn limit_threshold_both_filter() {
        let ev = [
            (0, "1.1.1.1"),
            (1, "1.1.1.1"),
            (2, "1.1.1.1"),
            (3, "1.1.1.1"),
            (70, "1.1.1.1"),
        ];
        assert_eq!(
            run(th(ThresholdKind::Limit, Track::BySrc, 2, 60), &ev),
            [true, true, false, false, true]
        );
        assert_eq!(
            run(th(ThresholdKind::Threshold, Track::BySrc, 2, 60), &ev),
            [false, true, false, true, false]
        );
        assert_eq!(
            run(th(ThresholdKind::Both, Track::BySrc, 2, 60), &ev),
            [false, true, false, false, false]
        );
        assert_eq!(
            run(th(ThresholdKind::DetectionFilter, Track::BySrc, 2, 60), &ev),
            [false, false, true, true, false]
        );
    }

    #[test]
    fn tracked_separately_by_source() {
        let ev = [(0, "1.1.1.1"), (0, "2.2.2.2"), (0, "1.1.1.1")];
        assert_eq!(
            run(th(ThresholdKind::Limit, Track::BySrc, 1, 60), &ev),
            [true, true, false]
        );
        assert_eq!(
            run(th(ThresholdKind::Limit, Track::ByRule, 1, 60), &ev),
            [true, false, false]
        );
    }

    #[test]
    fn distinct_ports() {
        let mut st = ThresholdState::new(100);
        let t = Threshold {
            unique_on: Some(UniqueOn::DstPort),
            ..th(ThresholdKind::DetectionFilter, Track::ByDst, 1, 60)
        };
        let rates = RuleRates {
            threshold: Some(t),
            ..Default::default()
        };
        let got: Vec<bool> = [80, 80, 443, 443]
            .iter()
            .map(|p| st.decide(0, &rates, &facts(0, "1.1.1.1", *p)) == Verdict::Alert)
            .collect();
        assert_eq!(got, [false, false, true, true]);
    }

    #[test]
    fn suppress_and_cap() {
        let mut st = ThresholdState::new(16);
        let rates = RuleRates {
            suppress: vec![(Track::BySrc, IpSet::parse_atom("1.1.1.1").unwrap())],
            ..Default::default()
        };
        assert_eq!(st.decide(0, &rates, &facts(0, "1.1.1.1", 80)), Verdict::Silent);
        assert_eq!(st.decide(0, &rates, &facts(0, "1.1.1.2", 80)), Verdict::Alert);
        let limit = RuleRates {
            threshold: Some(th(ThresholdKind::Limit, Track::BySrc, 1, 60)),
            ..Default::default()
        };
        for i in 0..100u8 {
            st.decide(0, &limit, &facts(0, &format!("9.9.9.{i}"), 80));
        }
        assert!(st.len() <= 16);
        assert_eq!(st.stats.evicted, 84);
    }

    #[test]
    fn rate_filter_pass_silences_until_timeout() {
        let mut st = ThresholdState::new(100);
        let rates = RuleRates {
            rate_filter: Some((Track::ByRule, 2, 10, NewAction::Pass, 30)),
            ..Default::default()
        };
        let got: Vec<bool> = [0, 1, 2, 3, 40]
            .iter()
            .map(|s| st.decide(0, &rates, &facts(*s, "1.1.1.1", 80)) == Verdict::Alert)
            .collect();
        assert_eq!(got, [true, true, false, false, true]);
    }
}
