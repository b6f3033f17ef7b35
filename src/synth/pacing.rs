//! Pacing: spreads events over a time window at a given rate, one per equal slot with random jitter.

use super::frame::FrameTime;
use super::rng::Rng;

/// Most events one schedule produces, whatever the rate and duration.
pub const MAX_EVENTS: u64 = 50_000_000;

/// Whole nanoseconds in `secs` seconds; negative and NaN give zero, huge values saturate.
pub fn secs_to_nanos(secs: f64) -> u64 {
    (secs * 1e9) as u64
}

/// Events at `rate_per_sec` over `duration_secs`, rounded and capped at [`MAX_EVENTS`]
/// (negative or NaN inputs give zero).
pub fn event_count(rate_per_sec: f64, duration_secs: f64) -> u64 {
    ((rate_per_sec * duration_secs).round() as u64).min(MAX_EVENTS)
}

/// `count` times in `duration_secs` from `start`: the window is cut into equal
/// slots and each event lands at a random point of its own slot, so the times
/// come out sorted and the rate stays even at every scale.
pub fn spread(rng: &mut Rng, start: FrameTime, count: u64, duration_secs: f64) -> Vec<FrameTime> {
    let window = u128::from(secs_to_nanos(duration_secs));
    let count = count.min(MAX_EVENTS);
    let slot_edge = |i: u64| (window * u128::from(i) / u128::from(count.max(1))) as u64;
    (0..count)
        .map(|i| start.plus_nanos(rng.range(slot_edge(i), slot_edge(i + 1))))
        .collect()
}

/// Times of events at `rate_per_sec` for `duration_secs` from `start`.
pub fn paced(rng: &mut Rng, start: FrameTime, rate_per_sec: f64, duration_secs: f64) -> Vec<FrameTime> {
    spread(rng, start, event_count(rate_per_sec, duration_secs), duration_secs)
}

/// Nanoseconds from `earlier` to `later`, zero when `later` is not after `earlier`.
pub fn nanos_between(earlier: FrameTime, later: FrameTime) -> u64 {
    u64::try_from(later.as_nanos().saturating_sub(earlier.as_nanos())).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_degenerate_inputs() {
        assert_eq!(event_count(200.0, 10.0), 2000);
        assert_eq!(event_count(2.5, 1.0), 3);
        assert_eq!(event_count(-5.0, 10.0), 0);
        assert_eq!(event_count(f64::NAN, 10.0), 0);
        assert_eq!(event_count(f64::INFINITY, 1.0), MAX_EVENTS);
        assert_eq!(secs_to_nanos(1.5), 1_500_000_000);
        assert_eq!(secs_to_nanos(-1.0), 0);
        let t = FrameTime::new(10, 0);
        assert_eq!(nanos_between(t, t.plus_micros(3)), 3_000);
        assert_eq!(nanos_between(t.plus_micros(3), t), 0);
    }

    #[test]
    fn spread_is_sorted_and_inside_the_window() {
        let start = FrameTime::new(100, 0);
        let times = paced(&mut Rng::new(1), start, 1000.0, 2.0);
        assert_eq!(times.len(), 2000);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(times[0] >= start && *times.last().unwrap() < FrameTime::new(102, 0));
        // Each half of the window holds half of the events.
        assert_eq!(times.iter().filter(|t| t.secs == 100).count(), 1000);
        assert!(spread(&mut Rng::new(1), start, 0, 5.0).is_empty());
        assert_eq!(spread(&mut Rng::new(1), start, 3, 0.0), vec![start; 3]);
    }
}
