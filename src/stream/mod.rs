//! TCP stream reassembly: both directions of a connection rebuilt in
//! sequence order for stream inspection and the application parsers,
//! with gaps, overlaps and the depth limit accounted for.

mod direction;
mod segments;

pub use direction::{Delivered, DirStats, ReassemblyLimits, StreamDirection};
pub use segments::{OverlapPolicy, Segments};

use crate::decode::{TcpHeader, tcp_flags};
use crate::flow::Direction;

/// Bytes of already-inspected stream kept in front of new data, so a match
/// spanning the boundary between two deliveries is still seen.
pub const LOOKBACK: usize = 2048;

#[derive(Clone, Debug, Default)]
pub struct TcpStream {
    pub dirs: [StreamDirection; 2],
    /// Last inspected bytes per direction and the stream offset they end at.
    tails: [(Vec<u8>, u64); 2],
    /// Bytes delivered for a direction while a packet of the other one was
    /// handled (an acknowledgement past a hole): inspected with that
    /// direction's next packet, or when the flow ends.
    queued: [Vec<(u64, Vec<u8>)>; 2],
    /// Per direction: rules the prefilter found in recently inspected new
    /// bytes, with the stream range those bytes covered.
    recent: [Vec<(u64, u64, Vec<u32>)>; 2],
}

impl TcpStream {
    /// Feeds one packet travelling `dir`. New in-order bytes of that
    /// direction go to `same`; bytes of the other direction released by this
    /// packet's acknowledgement (a hole the capture lost) go to `other`.
    pub fn packet(
        &mut self,
        dir: Direction,
        tcp: &TcpHeader,
        payload: &[u8],
        limits: &ReassemblyLimits,
        same: &mut Delivered,
        other: &mut Delivered,
    ) {
        let d = dir.index();
        if tcp.flags & tcp_flags::SYN != 0 {
            self.dirs[d].start(tcp.seq.wrapping_add(1));
        }
        // Data on a RST is not part of the stream.
        if tcp.flags & tcp_flags::RST == 0 && !payload.is_empty() {
            let seq = if tcp.flags & tcp_flags::SYN != 0 {
                tcp.seq.wrapping_add(1)
            } else {
                tcp.seq
            };
            self.dirs[d].add(seq, payload, limits, same);
        }
        if tcp.flags & tcp_flags::ACK != 0 && self.dirs[1 - d].started() {
            self.dirs[1 - d].acked(tcp.ack, limits, other);
        }
    }

    /// End of the connection: everything waiting is delivered past its holes.
    pub fn flush(&mut self, dir: Direction, limits: &ReassemblyLimits, out: &mut Delivered) {
        self.dirs[dir.index()].flush(limits, out);
    }

    /// Builds the inspection buffer for one delivered run: the tail of what
    /// was inspected before (when contiguous) followed by the run. Returns
    /// where the new bytes start in `window`.
    pub fn window(&mut self, dir: Direction, run_start: u64, run: &[u8], window: &mut Vec<u8>) -> usize {
        let (tail, tail_end) = &mut self.tails[dir.index()];
        window.clear();
        if *tail_end == run_start {
            window.extend_from_slice(tail);
        } else {
            // A hole: what was found before is not context any more.
            self.recent[dir.index()].clear();
        }
        let new_start = window.len();
        window.extend_from_slice(run);
        let keep = window.len().min(LOOKBACK);
        tail.clear();
        tail.extend_from_slice(&window[window.len() - keep..]);
        *tail_end = run_start + run.len() as u64;
        new_start
    }

    /// Rules found earlier in the context part of a window that starts
    /// `context` bytes before `run_start`.
    pub fn recent_hits(&mut self, dir: Direction, run_start: u64, context: usize) -> Vec<u32> {
        let from = run_start.saturating_sub(context as u64);
        let recent = &mut self.recent[dir.index()];
        recent.retain(|(_, end, _)| *end > from);
        let mut rules: Vec<u32> = recent.iter().flat_map(|(_, _, r)| r.iter().copied()).collect();
        rules.sort_unstable();
        rules.dedup();
        rules
    }

    /// Remembers the rules the prefilter found in the new bytes
    /// `[start, end)` of a window.
    pub fn record_hits(&mut self, dir: Direction, start: u64, end: u64, rules: &[u32]) {
        if !rules.is_empty() {
            let recent = &mut self.recent[dir.index()];
            recent.push((start, end, rules.to_vec()));
            // Bounded: LOOKBACK bytes cannot span more windows than this matters for.
            if recent.len() > 64 {
                recent.remove(0);
            }
        }
    }

    /// Keeps delivered runs of `dir` for its next inspection.
    pub fn queue(&mut self, dir: Direction, runs: &mut Vec<(u64, Vec<u8>)>) {
        self.queued[dir.index()].append(runs);
    }

    /// Runs of `dir` waiting for inspection, oldest first.
    pub fn take_queued(&mut self, dir: Direction) -> Vec<(u64, Vec<u8>)> {
        std::mem::take(&mut self.queued[dir.index()])
    }

    pub fn stats(&self, dir: Direction) -> DirStats {
        self.dirs[dir.index()].stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr(flags: u8, seq: u32, ack: u32) -> TcpHeader {
        TcpHeader {
            sport: 1,
            dport: 2,
            seq,
            ack,
            flags,
            window: 0,
            urgent: 0,
            header_len: 20,
            has_options: false,
        }
    }

    fn collect(d: &Delivered) -> Vec<u8> {
        d.runs.iter().flat_map(|(_, r)| r.clone()).collect()
    }

    #[test]
    fn handshake_then_data_both_ways() {
        let l = ReassemblyLimits::default();
        let mut s = TcpStream::default();
        let (mut a, mut b) = (Delivered::default(), Delivered::default());
        s.packet(
            Direction::ToServer,
            &hdr(tcp_flags::SYN, 100, 0),
            b"",
            &l,
            &mut a,
            &mut b,
        );
        s.packet(
            Direction::ToClient,
            &hdr(tcp_flags::SYN | tcp_flags::ACK, 500, 101),
            b"",
            &l,
            &mut a,
            &mut b,
        );
        s.packet(
            Direction::ToServer,
            &hdr(tcp_flags::ACK, 101, 501),
            b"GET /",
            &l,
            &mut a,
            &mut b,
        );
        assert_eq!(collect(&a), b"GET /");
        let (mut a, mut b) = (Delivered::default(), Delivered::default());
        s.packet(
            Direction::ToClient,
            &hdr(tcp_flags::ACK, 501, 106),
            b"HTTP/1.1",
            &l,
            &mut a,
            &mut b,
        );
        assert_eq!(collect(&a), b"HTTP/1.1");
        assert!(b.is_empty());
    }

    #[test]
    fn rst_payload_is_not_stream_data() {
        let l = ReassemblyLimits::default();
        let mut s = TcpStream::default();
        let (mut a, mut b) = (Delivered::default(), Delivered::default());
        s.packet(Direction::ToServer, &hdr(tcp_flags::SYN, 0, 0), b"", &l, &mut a, &mut b);
        s.packet(
            Direction::ToServer,
            &hdr(tcp_flags::RST | tcp_flags::ACK, 1, 0),
            b"Access Denied",
            &l,
            &mut a,
            &mut b,
        );
        assert!(a.is_empty());
    }

    #[test]
    fn ack_releases_the_other_direction() {
        let l = ReassemblyLimits::default();
        let mut s = TcpStream::default();
        let (mut a, mut b) = (Delivered::default(), Delivered::default());
        s.packet(Direction::ToServer, &hdr(tcp_flags::SYN, 0, 0), b"", &l, &mut a, &mut b);
        // Bytes 1..4 never captured; 4..6 arrive.
        s.packet(
            Direction::ToServer,
            &hdr(tcp_flags::ACK, 4, 0),
            b"xy",
            &l,
            &mut a,
            &mut b,
        );
        assert!(a.is_empty());
        let (mut a, mut b) = (Delivered::default(), Delivered::default());
        s.packet(
            Direction::ToClient,
            &hdr(tcp_flags::ACK, 900, 6),
            b"",
            &l,
            &mut a,
            &mut b,
        );
        assert_eq!(b.gaps, vec![(0, 3)]);
        assert_eq!(collect(&b), b"xy");
    }

    #[test]
    fn window_keeps_lookback_only_when_contiguous() {
        let mut s = TcpStream::default();
        let mut w = Vec::new();
        assert_eq!(s.window(Direction::ToServer, 0, b"abc", &mut w), 0);
        assert_eq!(s.window(Direction::ToServer, 3, b"def", &mut w), 3);
        assert_eq!(w, b"abcdef");
        // After a gap the old tail does not join the new bytes.
        assert_eq!(s.window(Direction::ToServer, 10, b"xyz", &mut w), 0);
        assert_eq!(w, b"xyz");
        let big = vec![b'q'; 5000];
        s.window(Direction::ToServer, 13, &big, &mut w);
        let n = s.window(Direction::ToServer, 5013, b"!", &mut w);
        assert_eq!(n, LOOKBACK);
    }
}
