//! Timestamped frames: the unit every generator produces and every writer consumes.

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Capture time of a synthetic frame: seconds since the Unix epoch plus nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FrameTime {
    pub secs: u64,
    /// Always below 1_000_000_000 when built through the constructors.
    pub nanos: u32,
}

impl FrameTime {
    /// Builds a time, carrying surplus nanoseconds into seconds.
    pub fn new(secs: u64, nanos: u32) -> Self {
        let carry = u64::from(nanos) / NANOS_PER_SEC;
        FrameTime {
            secs: secs.saturating_add(carry),
            nanos: (u64::from(nanos) % NANOS_PER_SEC) as u32,
        }
    }

    /// This time moved forward by `nanos` nanoseconds (saturating at the far future).
    pub fn plus_nanos(self, nanos: u64) -> Self {
        let total = u64::from(self.nanos) + nanos % NANOS_PER_SEC;
        let secs = self
            .secs
            .saturating_add(nanos / NANOS_PER_SEC)
            .saturating_add(total / NANOS_PER_SEC);
        FrameTime {
            secs,
            nanos: (total % NANOS_PER_SEC) as u32,
        }
    }

    /// This time moved forward by `micros` microseconds.
    pub fn plus_micros(self, micros: u64) -> Self {
        self.plus_nanos(micros.saturating_mul(1_000))
    }

    /// This time moved forward by `millis` milliseconds.
    pub fn plus_millis(self, millis: u64) -> Self {
        self.plus_nanos(millis.saturating_mul(1_000_000))
    }

    /// Nanoseconds since the epoch.
    pub fn as_nanos(self) -> u128 {
        u128::from(self.secs) * u128::from(NANOS_PER_SEC) + u128::from(self.nanos)
    }
}

/// One captured link-layer frame and the time it was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub time: FrameTime,
    pub data: Vec<u8>,
}

impl Frame {
    pub fn new(time: FrameTime, data: Vec<u8>) -> Self {
        Frame { time, data }
    }

    /// The frame as a capture source hands it to the pipeline (Ethernet,
    /// whole on the wire).
    pub fn raw(&self) -> crate::capture::RawPacket<'_> {
        crate::capture::RawPacket {
            ts: crate::timestamp::Timestamp::new(self.time.secs as i64, self.time.nanos),
            linktype: crate::capture::linktype::ETHERNET,
            data: &self.data,
            wire_len: u32::try_from(self.data.len()).unwrap_or(u32::MAX),
        }
    }
}

/// Orders frames by time; frames with equal times keep their relative order,
/// so merging several generators stays deterministic.
pub fn sort_by_time(frames: &mut [Frame]) {
    frames.sort_by_key(|f| f.time);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_nanoseconds() {
        assert_eq!(FrameTime::new(1, 2_500_000_000), FrameTime::new(3, 500_000_000));
        let t = FrameTime::new(10, 999_999_999).plus_nanos(2);
        assert_eq!(t, FrameTime::new(11, 1));
        assert_eq!(FrameTime::new(0, 0).plus_millis(1500), FrameTime::new(1, 500_000_000));
        assert_eq!(FrameTime::new(2, 3).as_nanos(), 2_000_000_003);
    }

    #[test]
    fn sort_is_stable() {
        let t0 = FrameTime::new(5, 0);
        let mut frames = vec![
            Frame::new(t0.plus_nanos(10), vec![1]),
            Frame::new(t0, vec![2]),
            Frame::new(t0, vec![3]),
        ];
        sort_by_time(&mut frames);
        let order: Vec<u8> = frames.iter().map(|f| f.data[0]).collect();
        assert_eq!(order, [2, 3, 1]);
    }
}
