//! What a run did: counters gathered from every stage, printed for the
//! analyst at the end and stored as JSON with the run.

use crate::decode::AnomalyCounters;
use crate::flow::FlowStats;
use crate::output::OutputStats;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Clone, Debug, Default, Serialize)]
pub struct SignatureCount {
    pub sid: u32,
    pub gid: u32,
    pub msg: String,
    pub count: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    /// Worker threads that inspected the traffic (1: inline).
    pub workers: usize,
    pub packets: u64,
    pub bytes: u64,
    pub decoded: u64,
    pub tunnelled: u64,
    pub reassembled_datagrams: u64,
    pub not_ip: u64,
    pub anomalies: Vec<(String, u64)>,
    pub anomalies_total: u64,
    pub flows_created: u64,
    pub flows_timed_out: u64,
    pub flows_evicted: u64,
    pub flows_peak: u64,
    pub alerts: u64,
    pub top_signatures: Vec<SignatureCount>,
    pub threshold_evictions: u64,
    /// xbits set by matching rules, and dropped at the cap before expiring.
    pub xbits: crate::detect::xbits::XbitStats,
    pub inspection_limit_hits: u64,
    pub truncated_files: Vec<String>,
    /// Live capture: per interface, what the kernel received, delivered and dropped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<super::InterfaceStats>,
    /// Live capture: packets the kernel dropped, all interfaces.
    pub kernel_drops: u64,
    /// Detection latency of a paced or live run.
    pub latency: Option<super::LatencySummary>,
    /// A stop was requested (SIGINT/SIGTERM) before the input ended.
    pub interrupted: bool,
    pub failed_files: Vec<String>,
    pub elapsed_secs: f64,
    pub stored: u64,
    pub eve_records: u64,
    /// The network sinks (Unix socket, syslog, Redis): sent, dropped, reconnects.
    pub sinks: Vec<crate::output::SinkStats>,
    pub rate: Option<crate::rate::RateStats>,
    /// The process's peak resident memory at the end of the run.
    pub peak_rss_bytes: Option<u64>,
    /// Decisions the policy made from this run's alerts.
    pub policy: Option<crate::policy::RunnerStats>,
    /// What store retention removed during the run.
    pub retention: Option<crate::store::Pruned>,
}

/// Collects alert counts per signature during the run.
#[derive(Default)]
pub struct SignatureTally {
    counts: HashMap<(u32, u32), (String, u64)>,
}

impl SignatureTally {
    pub fn add(&mut self, gid: u32, sid: u32, msg: &str) {
        self.counts.entry((gid, sid)).or_insert_with(|| (msg.to_string(), 0)).1 += 1;
    }

    pub fn top(&self, n: usize) -> Vec<SignatureCount> {
        let mut v: Vec<SignatureCount> = self
            .counts
            .iter()
            .map(|((gid, sid), (msg, count))| SignatureCount {
                sid: *sid,
                gid: *gid,
                msg: msg.clone(),
                count: *count,
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then(a.sid.cmp(&b.sid)));
        v.truncate(n);
        v
    }
}

impl Summary {
    /// Adds up the counters of the run's workers.
    pub fn add_workers(&mut self, workers: &[super::Worker]) {
        let mut anomalies = AnomalyCounters::default();
        let mut defrag = crate::defrag::DefragStats::default();
        let mut flows = FlowStats::default();
        let (mut gaps, mut overlaps_different) = (0, 0);
        for w in workers {
            self.decoded += w.decoded;
            self.tunnelled += w.tunnelled;
            self.not_ip += w.decoder.not_ip;
            self.inspection_limit_hits += w.detect.inspection_limit_hits;
            anomalies.merge(&w.decoder.counters);
            defrag.merge(&w.defrag.stats);
            flows.merge(&w.flows.stats);
            gaps += w.stream_gaps;
            overlaps_different += w.stream_overlaps_different;
        }
        self.workers = workers.len();
        self.set_anomalies(&anomalies);
        self.add_stream_anomalies(&defrag, gaps, overlaps_different);
        self.set_flows(&flows);
    }

    pub fn set_anomalies(&mut self, a: &AnomalyCounters) {
        self.anomalies = a.nonzero().map(|(k, v)| (k.to_string(), v)).collect();
        self.anomalies_total = a.total();
    }

    /// Defragmentation and reassembly troubles join the anomaly list.
    pub fn add_stream_anomalies(&mut self, defrag: &crate::defrag::DefragStats, gaps: u64, overlaps_different: u64) {
        let extra = [
            ("defrag.overlap", defrag.overlaps),
            ("defrag.overlap_different_data", defrag.overlaps_different),
            ("defrag.too_many_fragments", defrag.too_many_fragments),
            ("defrag.oversize", defrag.oversize),
            ("defrag.timeout", defrag.timeouts),
            ("defrag.evicted", defrag.evicted),
            ("stream.gap", gaps),
            ("stream.overlap_different_data", overlaps_different),
        ];
        for (name, n) in extra {
            if n > 0 {
                self.anomalies.push((name.to_string(), n));
                self.anomalies_total += n;
            }
        }
        self.reassembled_datagrams = defrag.reassembled;
    }

    pub fn set_flows(&mut self, f: &FlowStats) {
        self.flows_created = f.created;
        self.flows_timed_out = f.timed_out;
        self.flows_evicted = f.evicted;
        self.flows_peak = f.peak_active;
    }

    pub fn set_outputs(&mut self, o: &OutputStats) {
        self.stored = o.stored;
        self.eve_records = o.eve_records;
        self.sinks = o.sinks.clone();
    }

    pub fn set_elapsed(&mut self, d: Duration) {
        self.elapsed_secs = d.as_secs_f64();
    }

    pub fn packets_per_sec(&self) -> f64 {
        if self.elapsed_secs > 0.0 {
            self.packets as f64 / self.elapsed_secs
        } else {
            0.0
        }
    }

    pub fn gbits_per_sec(&self) -> f64 {
        if self.elapsed_secs > 0.0 {
            self.bytes as f64 * 8.0 / self.elapsed_secs / 1e9
        } else {
            0.0
        }
    }

    /// The closing summary an analyst reads.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "files      {} ({} worker{})",
            self.files,
            self.workers,
            if self.workers == 1 { "" } else { "s" }
        );
        let _ = writeln!(
            s,
            "packets    {} ({} bytes, {} decoded, {} not IP)",
            self.packets, self.bytes, self.decoded, self.not_ip
        );
        for i in &self.interfaces {
            let sockets = if i.sockets > 1 {
                format!(" ({} sockets)", i.sockets)
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "capture    {}{sockets}: {} received, {} inspected, {} dropped by the kernel",
                i.interface, i.received, i.delivered, i.kernel_drops
            );
            if let Some(e) = &i.error {
                let _ = writeln!(s, "             ended early: {e}");
            }
        }
        if self.tunnelled > 0 {
            let _ = writeln!(s, "tunnelled  {} inner packets", self.tunnelled);
        }
        if self.reassembled_datagrams > 0 {
            let _ = writeln!(s, "defrag     {} datagrams reassembled", self.reassembled_datagrams);
        }
        let _ = writeln!(
            s,
            "flows      {} (peak {} active, {} timed out, {} evicted at the cap)",
            self.flows_created, self.flows_peak, self.flows_timed_out, self.flows_evicted
        );
        let _ = writeln!(s, "anomalies  {}", self.anomalies_total);
        for (name, n) in &self.anomalies {
            let _ = writeln!(s, "  {n:>10}  {name}");
        }
        let _ = writeln!(s, "alerts     {}", self.alerts);
        for sig in &self.top_signatures {
            let _ = writeln!(s, "  {:>10}  [{}:{}] {}", sig.count, sig.gid, sig.sid, sig.msg);
        }
        for k in &self.sinks {
            let kind = if k.name == k.kind {
                String::new()
            } else {
                format!(" ({})", k.kind)
            };
            let _ = writeln!(
                s,
                "sink       {}{kind} {}: {} sent, {} dropped, {} reconnects, queue peak {}",
                k.name, k.target, k.sent, k.dropped, k.reconnects, k.queue_high_water
            );
            if k.dropped > 0
                && let Some(e) = &k.last_error
            {
                let _ = writeln!(s, "             last error: {e}");
            }
        }
        if let Some(r) = &self.rate {
            let _ = writeln!(
                s,
                "rate       {} alerts, {} trackers at peak, {} evicted at the cap, {} first sightings held back",
                r.alerts, r.trackers_peak, r.evicted, r.held_back
            );
        }
        if self.xbits.evicted > 0 {
            let _ = writeln!(
                s,
                "xbits evicted at the cap: {} (of {} set)",
                self.xbits.evicted, self.xbits.set
            );
        }
        if self.threshold_evictions > 0 {
            let _ = writeln!(s, "threshold trackers evicted at the cap: {}", self.threshold_evictions);
        }
        if self.inspection_limit_hits > 0 {
            let _ = writeln!(
                s,
                "inspections stopped at the work limit: {}",
                self.inspection_limit_hits
            );
        }
        if let Some(p) = &self.policy {
            let protected: u64 = p.engine.protected.iter().map(|(_, n)| n).sum();
            let _ = writeln!(
                s,
                "decisions  {} made by the policy ({} already in force, {} refused for protected addresses)",
                p.decisions, p.already_in_force, protected
            );
        }
        if let Some(p) = &self.retention {
            let _ = writeln!(
                s,
                "retention  {} alerts pruned ({} by age, {} beyond the row limit), {} ended decisions",
                p.alerts(),
                p.alerts_by_age,
                p.alerts_by_rows,
                p.decisions
            );
        }
        if let Some(rss) = self.peak_rss_bytes {
            let _ = writeln!(s, "memory     {:.1} MB peak resident", rss as f64 / 1e6);
        }
        if let Some(l) = &self.latency {
            let _ = writeln!(
                s,
                "latency    packet to alert: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} alerts",
                l.p50_ms, l.p99_ms, l.max_ms, l.alerts
            );
        }
        for t in &self.truncated_files {
            let _ = writeln!(s, "truncated  {t}");
        }
        for f in &self.failed_files {
            let _ = writeln!(s, "failed     {f}");
        }
        let _ = writeln!(
            s,
            "elapsed    {:.3} s, {:.0} packets/s, {:.3} Gbit/s",
            self.elapsed_secs,
            self.packets_per_sec(),
            self.gbits_per_sec()
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::SinkStats;

    #[test]
    fn one_line_per_sink() {
        let sink = |name: &str, kind: &str, dropped: u64| SinkStats {
            name: name.into(),
            kind: kind.into(),
            target: "127.0.0.1:6379 list vigie".into(),
            sent: 10,
            dropped,
            reconnects: 1,
            queue_high_water: 7,
            last_error: Some("redis 127.0.0.1:6379: connect: refused".into()),
        };
        let summary = Summary {
            sinks: vec![sink("redis", "redis", 0), sink("soc-bus", "redis", 2)],
            ..Default::default()
        };
        let text = summary.to_text();
        let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("sink ")).collect();
        assert_eq!(
            lines,
            [
                "sink       redis 127.0.0.1:6379 list vigie: 10 sent, 0 dropped, 1 reconnects, queue peak 7",
                "sink       soc-bus (redis) 127.0.0.1:6379 list vigie: 10 sent, 2 dropped, 1 reconnects, queue peak 7",
            ]
        );
        // The last error is shown only when records were lost.
        assert_eq!(text.matches("last error: redis").count(), 1);
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["sinks"][1]["name"], "soc-bus");
        assert_eq!(json["sinks"][1]["kind"], "redis");
        assert_eq!(json["sinks"][1]["dropped"], 2);
    }

    #[test]
    fn one_line_per_interface_with_its_drops() {
        let summary = Summary {
            interfaces: vec![
                super::super::InterfaceStats {
                    interface: "eth0".into(),
                    received: 3706,
                    delivered: 3700,
                    kernel_drops: 6,
                    sockets: 2,
                    error: None,
                },
                super::super::InterfaceStats {
                    interface: "eth1".into(),
                    received: 5,
                    delivered: 5,
                    sockets: 1,
                    error: Some("eth1: interface removed".into()),
                    ..Default::default()
                },
            ],
            ..Summary::default()
        };
        let text = summary.to_text();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("capture") || l.contains("ended early"))
            .collect();
        assert_eq!(
            lines,
            [
                "capture    eth0 (2 sockets): 3706 received, 3700 inspected, 6 dropped by the kernel",
                "capture    eth1: 5 received, 5 inspected, 0 dropped by the kernel",
                "             ended early: eth1: interface removed",
            ]
        );
    }
}
