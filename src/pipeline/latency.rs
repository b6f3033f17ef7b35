//! Detection latency: from the moment a packet was captured (live) or was
//! due (a paced replay) to the moment its alert is handed to the outputs.
//! Histograms of atomics, so the API can read them while the sensor
//! writes them: the fixed Prometheus buckets /metrics exports, and a fine
//! log-linear one the summary's quantiles come from.

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the exported buckets, in microseconds (the last is +Inf).
pub const BUCKETS_US: [u64; 14] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000,
];

/// Sub-buckets per power of two in the fine histogram: a quantile read from
/// it is at most 1/16 (6.25 %) above the true value.
const SUB_BITS: u32 = 4;
const SUBS: usize = 1 << SUB_BITS;
/// Powers of two above the exact range, enough for 2^40 us (12 days).
const FINE_LEN: usize = SUBS * (40 - SUB_BITS as usize + 2);

#[derive(Debug)]
pub struct Latency {
    counts: [AtomicU64; BUCKETS_US.len() + 1],
    fine: Box<[AtomicU64]>,
    sum_us: AtomicU64,
    max_us: AtomicU64,
}

impl Default for Latency {
    fn default() -> Self {
        Latency {
            counts: Default::default(),
            fine: (0..FINE_LEN).map(|_| AtomicU64::new(0)).collect(),
            sum_us: AtomicU64::new(0),
            max_us: AtomicU64::new(0),
        }
    }
}

/// The figures a summary prints.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LatencySummary {
    pub alerts: u64,
    /// The median and the 99th percentile, each at most 6.25 % above the
    /// true value and never above the maximum.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// The fine bucket of `us`: values below 16 have one each; above, each
/// power of two is cut into 16 equal parts.
fn fine_slot(us: u64) -> usize {
    if us < SUBS as u64 {
        return us as usize;
    }
    let exp = 63 - us.leading_zeros();
    let sub = (us >> (exp - SUB_BITS)) as usize & (SUBS - 1);
    let slot = (exp - SUB_BITS + 1) as usize * SUBS + sub;
    slot.min(FINE_LEN - 1)
}

/// The largest value that falls in fine bucket `slot`.
fn fine_upper(slot: usize) -> u64 {
    if slot < SUBS {
        return slot as u64;
    }
    let exp = (slot / SUBS) as u32 + SUB_BITS - 1;
    let sub = (slot % SUBS) as u64;
    ((SUBS as u64 + sub + 1) << (exp - SUB_BITS)) - 1
}

impl Latency {
    pub fn record(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let slot = BUCKETS_US.iter().position(|&b| us <= b).unwrap_or(BUCKETS_US.len());
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        if let Some(c) = self.fine.get(fine_slot(us)) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        self.sum_us.fetch_add(us, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
    }

    /// Cumulative counts per bucket bound (Prometheus `le`), +Inf last.
    pub fn cumulative(&self) -> Vec<(Option<u64>, u64)> {
        let mut total = 0;
        let mut out = Vec::with_capacity(self.counts.len());
        for (i, c) in self.counts.iter().enumerate() {
            total += c.load(Ordering::Relaxed);
            out.push((BUCKETS_US.get(i).copied(), total));
        }
        out
    }

    pub fn sum_us(&self) -> u64 {
        self.sum_us.load(Ordering::Relaxed)
    }

    pub fn summary(&self) -> Option<LatencySummary> {
        let fine: Vec<u64> = self.fine.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let n: u64 = fine.iter().sum();
        if n == 0 {
            return None;
        }
        let max_us = self.max_us.load(Ordering::Relaxed);
        let quantile = |q: f64| {
            let want = ((q * n as f64).ceil() as u64).max(1);
            let mut seen = 0;
            let slot = fine.iter().position(|&c| {
                seen += c;
                seen >= want
            });
            let bound = slot.map_or(max_us, fine_upper);
            bound.min(max_us) as f64 / 1000.0
        };
        Some(LatencySummary {
            alerts: n,
            p50_ms: quantile(0.5),
            p99_ms: quantile(0.99),
            max_ms: max_us as f64 / 1000.0,
            mean_ms: self.sum_us() as f64 / n as f64 / 1000.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_come_from_the_fine_buckets_capped_by_the_maximum() {
        let l = Latency::default();
        assert!(l.summary().is_none());
        for _ in 0..98 {
            l.record(Duration::from_micros(700));
        }
        l.record(Duration::from_millis(20));
        l.record(Duration::from_millis(30));
        let s = l.summary().unwrap();
        assert_eq!(s.alerts, 100);
        // 700 us lies in [672, 704); 20 ms in [19456, 20480).
        assert_eq!(s.p50_ms, 0.703);
        assert_eq!(s.p99_ms, 20.479);
        assert_eq!(s.max_ms, 30.0);
        let c = l.cumulative();
        assert_eq!(c.last().unwrap(), &(None, 100));
        assert_eq!(c[3], (Some(1_000), 98));
    }

    #[test]
    fn a_lone_value_is_every_quantile() {
        let l = Latency::default();
        l.record(Duration::from_micros(10_700));
        let s = l.summary().unwrap();
        assert_eq!((s.p50_ms, s.p99_ms, s.max_ms), (10.7, 10.7, 10.7));
    }

    #[test]
    fn fine_buckets_tile_the_range_within_a_sixteenth() {
        let mut v = 0u64;
        while v < 1 << 41 {
            let slot = fine_slot(v);
            let upper = fine_upper(slot);
            if slot < FINE_LEN - 1 {
                assert!(upper >= v, "{v} above its bucket's bound {upper}");
                assert!(upper - v <= v / 16, "{v}: bound {upper} too far");
                assert_eq!(fine_slot(upper), slot);
                assert_eq!(fine_slot(upper + 1), slot + 1, "{v}: buckets not adjacent");
            }
            v = v * 17 / 16 + 1;
        }
        assert_eq!(fine_slot(u64::MAX), FINE_LEN - 1);
    }
}
