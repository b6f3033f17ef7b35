//! Streaming generators for load tests: frames made one at a time, so captures of any length never sit in memory.

use std::net::SocketAddr;

use super::floods::spoofed_syn;
use super::frame::{Frame, FrameTime};
use super::rng::Rng;
use super::spoof::SpoofedSources;

/// `sources` SYNs to `victim`, each from its own spoofed IPv4 address (a
/// seeded permutation of the public space, so up to
/// [`SPOOFABLE_COUNT`](super::spoof::SPOOFABLE_COUNT) sources never repeat),
/// evenly spaced at `rate_per_sec` (0 counts as 1) from `start`. An IPv6
/// victim gets IPv4-mapped sources. Same arguments, same frames.
pub fn syn_flood_stream(
    seed: u64,
    start: FrameTime,
    sources: u64,
    rate_per_sec: u64,
    victim: SocketAddr,
) -> impl Iterator<Item = Frame> {
    let mut rng = Rng::new(seed);
    let spoofed = SpoofedSources::new(rng.next_u64());
    let rate = u128::from(rate_per_sec.max(1));
    let count = usize::try_from(sources).unwrap_or(usize::MAX);
    spoofed.take(count).enumerate().map(move |(i, src)| {
        let offset = (i as u128 * 1_000_000_000 / rate) as u64;
        spoofed_syn(&mut rng, start.plus_nanos(offset), src, victim)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::check_frame;
    use super::*;
    use std::collections::HashSet;

    fn victim() -> SocketAddr {
        "10.10.0.81:443".parse().unwrap()
    }

    #[test]
    fn a_million_distinct_sources() {
        let t0 = FrameTime::new(1_717_264_800, 0);
        let mut sources = HashSet::with_capacity(1_000_000);
        let mut frames = 0u64;
        let mut last = t0;
        for f in syn_flood_stream(3, t0, 1_000_000, 100_000, victim()) {
            // Source address bytes of an untagged IPv4 frame.
            sources.insert([f.data[26], f.data[27], f.data[28], f.data[29]]);
            last = f.time;
            frames += 1;
        }
        assert_eq!(frames, 1_000_000);
        assert_eq!(sources.len(), 1_000_000);
        assert_eq!(last, FrameTime::new(1_717_264_809, 999_990_000));
    }

    #[test]
    fn stream_frames_are_valid_and_repeatable() {
        let t0 = FrameTime::new(1_717_264_800, 0);
        let a: Vec<Frame> = syn_flood_stream(9, t0, 500, 1000, victim()).collect();
        assert_eq!(a, syn_flood_stream(9, t0, 500, 1000, victim()).collect::<Vec<_>>());
        assert_ne!(a, syn_flood_stream(10, t0, 500, 1000, victim()).collect::<Vec<_>>());
        for f in &a {
            let (_, dst, _) = check_frame(&f.data).unwrap();
            assert_eq!(dst, victim().ip());
        }
        assert_eq!(a[1].time, t0.plus_millis(1));
        let v6: SocketAddr = "[2001:db8::81]:443".parse().unwrap();
        let f = syn_flood_stream(1, t0, 1, 0, v6).next().unwrap();
        assert!(check_frame(&f.data).is_ok());
        assert_eq!(syn_flood_stream(1, t0, 0, 10, victim()).count(), 0);
    }
}
