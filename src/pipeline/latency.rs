//! Detection latency: from the moment a packet was captured (live) or was
//! due (a paced replay) to the moment its alert is handed to the outputs.
//! A fixed-bucket histogram of atomics, so the API can read it while the
//! sensor writes it.

use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the buckets, in microseconds (the last is +Inf).
pub const BUCKETS_US: [u64; 14] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000,
];

#[derive(Debug, Default)]
pub struct Latency {
    counts: [AtomicU64; BUCKETS_US.len() + 1],
    sum_us: AtomicU64,
    max_us: AtomicU64,
}

/// The figures a summary prints.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LatencySummary {
    pub alerts: u64,
    /// Upper bounds of the buckets holding the median and the 99th percentile.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Latency {
    pub fn record(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let slot = BUCKETS_US.iter().position(|&b| us <= b).unwrap_or(BUCKETS_US.len());
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
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
        let cumulative = self.cumulative();
        let n = cumulative.last().map_or(0, |c| c.1);
        if n == 0 {
            return None;
        }
        let max_us = self.max_us.load(Ordering::Relaxed);
        let quantile = |q: f64| {
            let want = (q * n as f64).ceil() as u64;
            let bound = cumulative
                .iter()
                .find(|(_, c)| *c >= want)
                .and_then(|(b, _)| *b)
                .unwrap_or(max_us);
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
    fn quantiles_are_bucket_bounds_capped_by_the_maximum() {
        let l = Latency::default();
        assert!(l.summary().is_none());
        for _ in 0..98 {
            l.record(Duration::from_micros(700));
        }
        l.record(Duration::from_millis(20));
        l.record(Duration::from_millis(30));
        let s = l.summary().unwrap();
        assert_eq!(s.alerts, 100);
        assert_eq!(s.p50_ms, 1.0);
        assert_eq!(s.p99_ms, 25.0);
        assert_eq!(s.max_ms, 30.0);
        let c = l.cumulative();
        assert_eq!(c.last().unwrap(), &(None, 100));
        assert_eq!(c[3], (Some(1_000), 98));
    }
}
