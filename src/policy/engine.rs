//! The policy engine: counts the alerts each policy cares about per tracked
//! address over its window, and when a count is reached proposes a decision
//! (never for a protected address). Bounded: at most `cap` (policy,
//! address) windows, least recently used forgotten.

use super::file::{AlertPattern, Policy, PolicySet, Track};
use crate::store::decisions::DecisionType;
use foldhash::fast::FixedState;
use hashlink::LinkedHashMap;
use std::collections::VecDeque;
use std::net::IpAddr;

/// The facts of one stored alert a policy looks at.
#[derive(Clone, Debug, Default)]
pub struct AlertFacts {
    pub id: i64,
    /// Alert (packet) time, microseconds.
    pub ts: i64,
    pub gid: u32,
    pub sid: u32,
    pub severity: u8,
    pub category: String,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    /// `alert.metadata` of the EVE record.
    pub metadata: Vec<(String, Vec<String>)>,
}

impl AlertFacts {
    /// Rate-rule alerts carry their measure in the metadata.
    pub fn is_rate(&self) -> bool {
        self.metadata.iter().any(|(k, _)| k == "rate_metric")
    }
}

/// A decision the engine wants made.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub policy: String,
    pub value: IpAddr,
    pub kind: DecisionType,
    pub duration_us: i64,
    pub escalate_factor: u32,
    pub escalate_max_us: i64,
    pub sids: Vec<u32>,
    pub alert_ids: Vec<i64>,
    pub reason: String,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct PolicyStats {
    pub alerts_seen: u64,
    pub proposals: u64,
    /// Proposals refused because the address is protected, per range name.
    pub protected: Vec<(String, u64)>,
    pub windows_evicted: u64,
}

type Hits = VecDeque<(i64, i64, u32)>;

pub struct PolicyEngine {
    set: PolicySet,
    windows: LinkedHashMap<(usize, IpAddr), Hits, FixedState>,
    cap: usize,
    pub stats: PolicyStats,
}

fn pattern_matches(p: &AlertPattern, a: &AlertFacts) -> bool {
    if p.max_severity.is_some_and(|m| a.severity > m) {
        return false;
    }
    if !p.categories.is_empty() && !p.categories.contains(&a.category) {
        return false;
    }
    if !p.sids.is_empty() && !p.sids.iter().any(|&(lo, hi)| (lo..=hi).contains(&a.sid)) {
        return false;
    }
    if p.rate.is_some_and(|r| r != a.is_rate()) {
        return false;
    }
    p.metadata.iter().all(|(key, wanted)| {
        a.metadata.iter().any(|(k, values)| {
            k.eq_ignore_ascii_case(key) && values.iter().any(|v| wanted.iter().any(|w| w.eq_ignore_ascii_case(v)))
        })
    })
}

impl PolicyEngine {
    pub fn new(set: PolicySet, cap: usize) -> Self {
        let protected = set.protected.iter().map(|p| (p.name.clone(), 0)).collect();
        PolicyEngine {
            set,
            windows: LinkedHashMap::with_hasher(FixedState::with_seed(0x9017)),
            cap: cap.max(16),
            stats: PolicyStats {
                protected,
                ..PolicyStats::default()
            },
        }
    }

    pub fn policies(&self) -> &[Policy] {
        &self.set.policies
    }

    /// The protected range holding `ip`, if any.
    pub fn protected_by(&self, ip: IpAddr) -> Option<&str> {
        self.set
            .protected
            .iter()
            .find(|p| p.set.contains(ip))
            .map(|p| p.name.as_str())
    }

    /// Counts one alert; returns the decisions it completes.
    pub fn observe(&mut self, a: &AlertFacts) -> Vec<Proposal> {
        self.stats.alerts_seen += 1;
        let mut out = Vec::new();
        for idx in 0..self.set.policies.len() {
            let p = &self.set.policies[idx];
            if !pattern_matches(&p.pattern, a) {
                continue;
            }
            let Some(addr) = (match p.track {
                Track::Src => a.src,
                Track::Dst => a.dst,
            }) else {
                continue;
            };
            if let Some(range) = self.set.protected.iter().position(|r| r.set.contains(addr)) {
                if let Some(entry) = self.stats.protected.get_mut(range) {
                    entry.1 += 1;
                }
                tracing::info!(policy = %p.name, address = %addr, range = %self.set.protected[range].name,
                    "protected address: no decision");
                continue;
            }
            let key = (idx, addr);
            if !self.windows.contains_key(&key) && self.windows.len() >= self.cap {
                self.windows.pop_front();
                self.stats.windows_evicted += 1;
            }
            let hits = self.windows.entry(key).or_insert_with(VecDeque::new);
            hits.push_back((a.ts, a.id, a.sid));
            while hits.front().is_some_and(|&(t, _, _)| a.ts - t >= p.window_us) {
                hits.pop_front();
            }
            if hits.len() < p.count as usize {
                continue;
            }
            let mut sids: Vec<u32> = hits.iter().map(|h| h.2).collect();
            sids.sort_unstable();
            sids.dedup();
            let alert_ids: Vec<i64> = hits.iter().map(|h| h.1).collect();
            let within = if p.count > 1 {
                format!(" within {}", crate::duration::format_micros(p.window_us))
            } else {
                String::new()
            };
            let reason = format!(
                "policy {}: {} alert{} (sid {}) {} {addr}{within}",
                p.name,
                alert_ids.len(),
                if alert_ids.len() == 1 { "" } else { "s" },
                sids.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
                match p.track {
                    Track::Src => "from",
                    Track::Dst => "toward",
                },
            );
            out.push(Proposal {
                policy: p.name.clone(),
                value: addr,
                kind: p.decision,
                duration_us: p.duration_us,
                escalate_factor: p.escalate_factor,
                escalate_max_us: p.escalate_max_us,
                sids,
                alert_ids,
                reason,
            });
            self.windows.remove(&key);
            self.stats.proposals += 1;
        }
        out
    }
}

/// The decision's duration for the `offence`-th decision on an address:
/// the base duration times `factor^(offence-1)`, at most `max`.
pub fn escalated(p: &Proposal, offence: u32) -> i64 {
    let mut d = p.duration_us;
    for _ in 1..offence {
        d = d.saturating_mul(i64::from(p.escalate_factor));
        if d >= p.escalate_max_us {
            return p.escalate_max_us;
        }
    }
    d.min(p.escalate_max_us.max(p.duration_us))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Classifications, Vars};

    fn engine(text: &str) -> PolicyEngine {
        let set = super::super::file::parse(text, "t.toml", &Vars::default(), &Classifications::default()).unwrap();
        PolicyEngine::new(set, 1000)
    }

    fn alert(id: i64, secs: i64, sid: u32, src: &str, dst: &str) -> AlertFacts {
        AlertFacts {
            id,
            ts: secs * 1_000_000,
            gid: 1,
            sid,
            severity: 1,
            category: "Web Application Attack".into(),
            src: src.parse().ok(),
            dst: dst.parse().ok(),
            metadata: vec![("signature_severity".into(), vec!["Major".into()])],
        }
    }

    const THREE_IN_A_MINUTE: &str = r#"
[[protected]]
name = "results network"
ranges = ["10.10.9.0/24"]

[[policy]]
name = "web"
match = { classtypes = ["web-application-attack"], metadata = { signature_severity = ["major", "critical"] } }
track = "src"
count = 3
window = "1m"
decision = "block"
duration = "1h"
escalate = { factor = 4, max = "1d" }
"#;

    #[test]
    fn counts_within_the_window_then_proposes_once() {
        let mut e = engine(THREE_IN_A_MINUTE);
        assert!(e.observe(&alert(1, 0, 9100001, "203.0.113.7", "10.10.0.80")).is_empty());
        assert!(
            e.observe(&alert(2, 30, 9100003, "203.0.113.7", "10.10.0.80"))
                .is_empty()
        );
        // The first alert left the window: still two.
        assert!(
            e.observe(&alert(3, 61, 9100001, "203.0.113.7", "10.10.0.80"))
                .is_empty()
        );
        let p = e.observe(&alert(4, 62, 9100001, "203.0.113.7", "10.10.0.80"));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].value, "203.0.113.7".parse::<IpAddr>().unwrap());
        assert_eq!(
            (p[0].kind, p[0].alert_ids.clone(), p[0].sids.clone()),
            (DecisionType::Block, vec![2, 3, 4], vec![9100001, 9100003])
        );
        assert!(
            p[0].reason.contains("policy web: 3 alerts") && p[0].reason.contains("within 1m"),
            "{}",
            p[0].reason
        );
        // Counting starts over.
        assert!(
            e.observe(&alert(5, 63, 9100001, "203.0.113.7", "10.10.0.80"))
                .is_empty()
        );
    }

    #[test]
    fn protected_addresses_never_get_a_decision() {
        let mut e = engine(&THREE_IN_A_MINUTE.replace("count = 3", "count = 1"));
        for i in 0..10 {
            assert!(e.observe(&alert(i, i, 9100001, "10.10.9.20", "10.10.0.80")).is_empty());
        }
        assert_eq!(e.stats.protected, vec![("results network".to_string(), 10)]);
        assert_eq!(e.observe(&alert(11, 11, 9100001, "203.0.113.7", "10.10.0.80")).len(), 1);
    }

    #[test]
    fn patterns_filter_on_severity_metadata_sid_and_rate() {
        let mut e = engine(&THREE_IN_A_MINUTE.replace("count = 3", "count = 1"));
        let mut minor = alert(1, 0, 9100001, "203.0.113.7", "10.10.0.80");
        minor.metadata = vec![("signature_severity".into(), vec!["Minor".into()])];
        assert!(e.observe(&minor).is_empty());
        let mut other_class = alert(2, 0, 9100001, "203.0.113.7", "10.10.0.80");
        other_class.category = "Attempted Denial of Service".into();
        assert!(e.observe(&other_class).is_empty());

        let mut e = engine(
            "[[policy]]\nname = \"scan\"\nmatch = { sids = [\"9200001-9200003\"], rate = true, severity = 2 }\ntrack = \"src\"\ndecision = \"monitor\"\nduration = \"30m\"\n",
        );
        let mut scan = alert(3, 0, 9200001, "203.0.113.7", "10.10.0.80");
        assert!(e.observe(&scan).is_empty(), "not a rate alert without rate metadata");
        scan.metadata = vec![("rate_metric".into(), vec!["distinct_dst_ports".into()])];
        assert_eq!(e.observe(&scan)[0].kind, DecisionType::Monitor);
        scan.severity = 3;
        assert!(e.observe(&scan).is_empty());
    }

    #[test]
    fn durations_escalate_to_the_cap() {
        let p = Proposal {
            policy: "p".into(),
            value: "203.0.113.7".parse().unwrap(),
            kind: DecisionType::Block,
            duration_us: 3_600_000_000,
            escalate_factor: 4,
            escalate_max_us: 86_400_000_000,
            sids: vec![],
            alert_ids: vec![],
            reason: String::new(),
        };
        assert_eq!(escalated(&p, 1), 3_600_000_000);
        assert_eq!(escalated(&p, 2), 4 * 3_600_000_000);
        assert_eq!(escalated(&p, 3), 16 * 3_600_000_000);
        assert_eq!(escalated(&p, 4), 86_400_000_000);
        assert_eq!(escalated(&p, 40), 86_400_000_000);
    }
}
