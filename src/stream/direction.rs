//! One direction of a TCP stream: maps sequence numbers to stream offsets
//! (wrap-safe), delivers bytes in order, parks what arrives early, and
//! records gaps, overlaps and the depth limit.

use super::segments::{OverlapPolicy, Segments};

/// Limits and policy for reassembly.
#[derive(Clone, Copy, Debug)]
pub struct ReassemblyLimits {
    /// Bytes reassembled per direction before it stops (0: no limit).
    pub depth: u64,
    /// Out-of-order bytes a direction may hold before the oldest hole is skipped.
    pub max_pending: usize,
    pub policy: OverlapPolicy,
}

impl Default for ReassemblyLimits {
    fn default() -> Self {
        ReassemblyLimits {
            depth: 1 << 20,
            max_pending: 256 << 10,
            policy: OverlapPolicy::First,
        }
    }
}

/// Counters of what reassembly saw in one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirStats {
    pub segments: u64,
    pub retransmissions: u64,
    pub overlaps: u64,
    pub overlaps_different: u64,
    pub gaps: u64,
    pub gap_bytes: u64,
    pub out_of_order: u64,
}

#[derive(Clone, Debug, Default)]
pub struct StreamDirection {
    /// Sequence number of stream offset 0.
    base_seq: Option<u32>,
    /// Offset of the next byte expected in order.
    next: u64,
    pending: Segments,
    pub depth_reached: bool,
    pub stats: DirStats,
}

/// Bytes made available in order by one call, and whether a hole was skipped first.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Contiguous runs in stream order; a gap may separate consecutive runs.
    pub runs: Vec<(u64, Vec<u8>)>,
    pub gaps: Vec<(u64, u64)>,
}

impl Delivered {
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty() && self.gaps.is_empty()
    }
}

impl StreamDirection {
    pub fn started(&self) -> bool {
        self.base_seq.is_some()
    }

    /// Stream offset of the next in-order byte (bytes delivered so far, gaps included).
    pub fn next_offset(&self) -> u64 {
        self.next
    }

    /// Starts the stream: the first data byte has sequence number `seq`.
    pub fn start(&mut self, seq: u32) {
        if self.base_seq.is_none() {
            self.base_seq = Some(seq);
        }
    }

    /// The stream offset of `seq`, choosing the 2^32 epoch nearest the expected one.
    fn offset_of(&self, seq: u32) -> Option<i64> {
        let base = self.base_seq?;
        let expected = base.wrapping_add(self.next as u32);
        let delta = seq.wrapping_sub(expected) as i32;
        Some(self.next as i64 + i64::from(delta))
    }

    /// Adds one segment's payload; returns what became deliverable in order.
    pub fn add(&mut self, seq: u32, data: &[u8], limits: &ReassemblyLimits, out: &mut Delivered) {
        if data.is_empty() || self.depth_reached {
            return;
        }
        if self.base_seq.is_none() {
            self.base_seq = Some(seq);
        }
        let Some(mut off) = self.offset_of(seq) else { return };
        self.stats.segments += 1;
        let mut data = data;
        let end = off + data.len() as i64;
        if end <= self.next as i64 {
            self.stats.retransmissions += 1;
            return;
        }
        if off < self.next as i64 {
            // Partly old: the delivered copy wins (it was already inspected).
            self.stats.overlaps += 1;
            let skip = (self.next as i64 - off) as usize;
            data = &data[skip..];
            off = self.next as i64;
        }
        let off = off as u64;
        if off == self.next && self.pending.bytes() == 0 {
            // The common case: the next bytes, nothing waiting. Deliver directly.
            self.deliver(data.to_vec(), limits, out);
            return;
        }
        if off > self.next {
            self.stats.out_of_order += 1;
        }
        let ins = self.pending.insert(off, data, limits.policy);
        if ins.overlap > 0 {
            self.stats.overlaps += 1;
        }
        if ins.overlap_differs {
            self.stats.overlaps_different += 1;
        }
        self.drain(limits, out);
        while self.pending.bytes() > limits.max_pending {
            // Too much waiting behind a hole: give up on the hole.
            if !self.skip_gap(limits, out) {
                break;
            }
        }
    }

    /// Moves every run now contiguous with `next` into `out`, up to the depth.
    fn drain(&mut self, limits: &ReassemblyLimits, out: &mut Delivered) {
        while !self.depth_reached
            && let Some(run) = self.pending.take_at(self.next)
        {
            self.deliver(run, limits, out);
        }
    }

    /// Hands over the bytes at `next`, cut at the depth limit.
    fn deliver(&mut self, mut run: Vec<u8>, limits: &ReassemblyLimits, out: &mut Delivered) {
        if limits.depth > 0 {
            let room = limits.depth.saturating_sub(self.next);
            if run.len() as u64 >= room {
                run.truncate(room as usize);
                self.depth_reached = true;
            }
        }
        let at = self.next;
        self.next += run.len() as u64;
        if !run.is_empty() {
            match out.runs.last_mut() {
                Some((start, prev)) if *start + prev.len() as u64 == at => prev.extend_from_slice(&run),
                _ => out.runs.push((at, run)),
            }
        }
        if self.depth_reached {
            self.pending.clear();
        }
    }

    /// Skips the hole before the first waiting run; false when nothing waits.
    pub fn skip_gap(&mut self, limits: &ReassemblyLimits, out: &mut Delivered) -> bool {
        let Some(first) = self.pending.first_offset() else {
            return false;
        };
        if first > self.next {
            let len = first - self.next;
            self.stats.gaps += 1;
            self.stats.gap_bytes += len;
            out.gaps.push((self.next, len));
            self.next = first;
        }
        self.drain(limits, out);
        true
    }

    /// The peer acknowledged up to `ack`: bytes before it that never arrived
    /// were lost by the capture, so waiting data past them is delivered.
    pub fn acked(&mut self, ack: u32, limits: &ReassemblyLimits, out: &mut Delivered) {
        let Some(off) = self.offset_of(ack) else { return };
        while let Some(first) = self.pending.first_offset() {
            if (first as i64) < off && first > self.next {
                self.skip_gap(limits, out);
            } else {
                break;
            }
        }
    }

    /// End of the flow: deliver everything still waiting, skipping holes.
    pub fn flush(&mut self, limits: &ReassemblyLimits, out: &mut Delivered) {
        while self.skip_gap(limits, out) {}
    }

    pub fn pending_bytes(&self) -> usize {
        self.pending.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(d: &Delivered) -> Vec<u8> {
        d.runs.iter().flat_map(|(_, r)| r.clone()).collect()
    }

    #[test]
    fn in_order_and_out_of_order() {
        let l = ReassemblyLimits::default();
        let mut s = StreamDirection::default();
        s.start(1000);
        let mut d = Delivered::default();
        s.add(1000, b"abc", &l, &mut d);
        assert_eq!(bytes(&d), b"abc");
        let mut d = Delivered::default();
        s.add(1006, b"ghi", &l, &mut d);
        assert!(d.is_empty());
        s.add(1003, b"def", &l, &mut d);
        assert_eq!(bytes(&d), b"defghi");
        assert_eq!(s.stats.out_of_order, 1);
        assert_eq!(s.next_offset(), 9);
    }

    #[test]
    fn retransmission_and_partial_overlap() {
        let l = ReassemblyLimits::default();
        let mut s = StreamDirection::default();
        s.start(0);
        let mut d = Delivered::default();
        s.add(0, b"hello", &l, &mut d);
        s.add(0, b"hello", &l, &mut d);
        s.add(3, b"XXworld", &l, &mut d);
        assert_eq!(bytes(&d), b"helloworld");
        assert_eq!(s.stats.retransmissions, 1);
        assert_eq!(s.stats.overlaps, 1);
    }

    #[test]
    fn sequence_wraps() {
        let l = ReassemblyLimits::default();
        let mut s = StreamDirection::default();
        s.start(u32::MAX - 1);
        let mut d = Delivered::default();
        // MAX-1 and MAX carry "ab"; the sequence wraps to 0 for "cd".
        s.add(0, b"cd", &l, &mut d);
        s.add(u32::MAX - 1, b"ab", &l, &mut d);
        s.add(u32::MAX - 1, b"ab", &l, &mut d);
        assert_eq!(bytes(&d), b"abcd");
        assert_eq!(s.stats.retransmissions, 1);
    }

    #[test]
    fn ack_past_a_hole_skips_it() {
        let l = ReassemblyLimits::default();
        let mut s = StreamDirection::default();
        s.start(0);
        let mut d = Delivered::default();
        s.add(0, b"ab", &l, &mut d);
        s.add(5, b"fg", &l, &mut d);
        assert_eq!(bytes(&d), b"ab");
        let mut d = Delivered::default();
        s.acked(4, &l, &mut d);
        assert!(d.is_empty(), "ack inside the hole: keep waiting");
        s.acked(7, &l, &mut d);
        assert_eq!(d.gaps, vec![(2, 3)]);
        assert_eq!(bytes(&d), b"fg");
        assert_eq!(s.stats.gap_bytes, 3);
    }

    #[test]
    fn depth_stops_reassembly() {
        let l = ReassemblyLimits {
            depth: 5,
            ..Default::default()
        };
        let mut s = StreamDirection::default();
        s.start(0);
        let mut d = Delivered::default();
        s.add(0, b"abc", &l, &mut d);
        s.add(3, b"defgh", &l, &mut d);
        assert_eq!(bytes(&d), b"abcde");
        assert!(s.depth_reached);
        let mut d = Delivered::default();
        s.add(8, b"more", &l, &mut d);
        assert!(d.is_empty());
    }

    #[test]
    fn pending_cap_skips_the_hole() {
        let l = ReassemblyLimits {
            max_pending: 8,
            ..Default::default()
        };
        let mut s = StreamDirection::default();
        s.start(0);
        let mut d = Delivered::default();
        s.add(10, b"0123456789", &l, &mut d);
        assert_eq!(d.gaps, vec![(0, 10)]);
        assert_eq!(bytes(&d), b"0123456789");
        assert_eq!(s.pending_bytes(), 0);
    }

    #[test]
    fn flush_delivers_after_holes() {
        let l = ReassemblyLimits::default();
        let mut s = StreamDirection::default();
        s.start(0);
        let mut d = Delivered::default();
        s.add(4, b"ef", &l, &mut d);
        s.add(8, b"ij", &l, &mut d);
        s.flush(&l, &mut d);
        assert_eq!(d.gaps, vec![(0, 4), (6, 2)]);
        assert_eq!(d.runs, vec![(4, b"ef".to_vec()), (8, b"ij".to_vec())]);
    }
}
