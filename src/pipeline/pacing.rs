//! Replay at capture speed (or a multiple of it): each packet waits until
//! its offset from the first packet, divided by the speed, has passed on
//! the wall clock. Drills and latency measurements need traffic to arrive
//! as it did; the default replays as fast as possible.

use crate::timestamp::Timestamp;
use std::time::{Duration, Instant};

pub struct Pacer {
    speed: f64,
    start: Option<(Timestamp, Instant)>,
}

impl Pacer {
    /// `speed` 1.0 is capture speed, 2.0 twice as fast; 0 or less: no pacing.
    pub fn new(speed: f64) -> Pacer {
        Pacer { speed, start: None }
    }

    pub fn is_paced(&self) -> bool {
        self.speed > 0.0
    }

    /// When packet `ts` is (or was) due on the wall clock; None unpaced.
    pub fn due(&self, ts: Timestamp) -> Option<Instant> {
        let (t0, w0) = self.start?;
        let offset_us = (ts.as_micros() - t0.as_micros()).max(0) as f64 / self.speed;
        Some(w0 + Duration::from_micros(offset_us as u64))
    }

    /// How long packet `ts` must still wait (zero when late or unpaced).
    /// Capture time running backwards does not wait.
    pub fn wait_for(&mut self, ts: Timestamp) -> Duration {
        if !self.is_paced() {
            return Duration::ZERO;
        }
        self.start.get_or_insert((ts, Instant::now()));
        self.due(ts)
            .map_or(Duration::ZERO, |due| due.saturating_duration_since(Instant::now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpaced_never_waits() {
        let mut p = Pacer::new(0.0);
        assert_eq!(p.wait_for(Timestamp::from_micros(0)), Duration::ZERO);
        assert_eq!(p.wait_for(Timestamp::from_micros(10_000_000)), Duration::ZERO);
    }

    #[test]
    fn waits_for_the_capture_offset_divided_by_the_speed() {
        let mut p = Pacer::new(2.0);
        assert_eq!(p.wait_for(Timestamp::from_micros(5_000_000)), Duration::ZERO);
        let w = p.wait_for(Timestamp::from_micros(7_000_000));
        assert!(w > Duration::from_millis(900) && w <= Duration::from_secs(1), "{w:?}");
        // Time going backwards does not wait.
        assert_eq!(p.wait_for(Timestamp::from_micros(1_000_000)), Duration::ZERO);
    }
}
