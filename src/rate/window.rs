//! Sliding-window counting with two fixed buckets: the current window and
//! the one before it, weighted by how much of it still overlaps the
//! sliding window. Constant memory per tracker.

use super::distinct::DistinctCounter;
use crate::timestamp::Timestamp;

#[derive(Clone, Debug, Default)]
pub struct SlidingWindow {
    /// Start of the current bucket (packet time, microseconds).
    start: i64,
    current: f64,
    previous: f64,
    /// For ratio metrics: the denominator buckets.
    current_den: f64,
    previous_den: f64,
    distinct: Option<(DistinctCounter, DistinctCounter)>,
}

impl SlidingWindow {
    pub fn new(now: Timestamp, distinct: bool) -> Self {
        SlidingWindow {
            start: now.as_micros(),
            distinct: distinct.then(|| (DistinctCounter::default(), DistinctCounter::default())),
            ..Default::default()
        }
    }

    /// Moves the buckets forward to `now`.
    fn roll(&mut self, now: Timestamp, window_us: i64) {
        let t = now.as_micros();
        let elapsed = t - self.start;
        if elapsed < window_us {
            return;
        }
        if elapsed < 2 * window_us {
            self.previous = self.current;
            self.previous_den = self.current_den;
            self.start += window_us;
            if let Some((cur, prev)) = &mut self.distinct {
                std::mem::swap(cur, prev);
                cur.clear();
            }
        } else {
            self.previous = 0.0;
            self.previous_den = 0.0;
            self.start = t;
            if let Some((cur, prev)) = &mut self.distinct {
                cur.clear();
                prev.clear();
            }
        }
        self.current = 0.0;
        self.current_den = 0.0;
    }

    pub fn add(&mut self, now: Timestamp, window_us: i64, amount: f64) {
        self.roll(now, window_us);
        self.current += amount;
    }

    pub fn add_denominator(&mut self, now: Timestamp, window_us: i64, amount: f64) {
        self.roll(now, window_us);
        self.current_den += amount;
    }

    /// Adds a value to the distinct count; false when it was already counted
    /// (the estimate cannot have grown).
    pub fn add_distinct(&mut self, now: Timestamp, window_us: i64, value: u64) -> bool {
        self.roll(now, window_us);
        match &mut self.distinct {
            Some((cur, _)) => cur.insert(value),
            None => false,
        }
    }

    /// Share of the previous bucket still inside the sliding window.
    fn overlap(&self, now: Timestamp, window_us: i64) -> f64 {
        let into = (now.as_micros() - self.start).clamp(0, window_us) as f64;
        1.0 - into / window_us as f64
    }

    /// The count over the last `window` (sum metrics).
    pub fn value(&self, now: Timestamp, window_us: i64) -> f64 {
        self.current + self.previous * self.overlap(now, window_us)
    }

    pub fn denominator(&self, now: Timestamp, window_us: i64) -> f64 {
        self.current_den + self.previous_den * self.overlap(now, window_us)
    }

    /// Distinct values seen over the current and previous buckets.
    pub fn distinct(&self) -> u64 {
        match &self.distinct {
            Some((cur, prev)) => cur.estimate_union(Some(prev)),
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: f64) -> Timestamp {
        Timestamp::from_micros((secs * 1e6) as i64)
    }

    #[test]
    fn slides_over_two_buckets() {
        let w = 10_000_000; // 10 s
        let mut s = SlidingWindow::new(at(0.0), false);
        for i in 0..100 {
            s.add(at(f64::from(i) * 0.1), w, 1.0);
        }
        assert!((s.value(at(9.99), w) - 100.0).abs() < 1.0);
        // Half-way into the next bucket, half of the old one still counts.
        s.add(at(15.0), w, 0.0);
        assert!((s.value(at(15.0), w) - 50.0).abs() < 1.0);
        // Long silence clears everything.
        s.add(at(100.0), w, 1.0);
        assert!((s.value(at(100.0), w) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn distinct_across_buckets() {
        let w = 1_000_000;
        let mut s = SlidingWindow::new(at(0.0), true);
        for p in 0..50u64 {
            s.add_distinct(at(0.5), w, p);
            s.add_distinct(at(1.5), w, p + 25);
        }
        let d = s.distinct();
        assert!((70..=80).contains(&d), "{d}");
    }
}
