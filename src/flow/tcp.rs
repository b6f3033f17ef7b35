//! TCP connection state as seen from the wire: the handshake, established,
//! closing and closed, plus per-direction sequence tracking for stream_size.

use super::key::Direction;
use crate::decode::{TcpHeader, tcp_flags};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TcpState {
    /// No handshake seen and midstream pick-up disabled: not tracked.
    Untracked,
    SynSent,
    SynRecv,
    Established,
    /// One side has sent FIN.
    Closing,
    /// Both FINs seen, or a RST.
    Closed,
}

impl TcpState {
    pub fn name(self) -> &'static str {
        match self {
            TcpState::Untracked => "none",
            TcpState::SynSent => "syn_sent",
            TcpState::SynRecv => "syn_recv",
            TcpState::Established => "established",
            TcpState::Closing => "closing",
            TcpState::Closed => "closed",
        }
    }
}

/// Stream options from the config (`stream.*`).
#[derive(Clone, Copy, Debug, Default)]
pub struct StreamOptions {
    /// Pick up sessions whose handshake was not seen.
    pub midstream: bool,
    /// Accept sessions where only one direction is visible.
    pub async_oneside: bool,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Endpoint {
    pub isn: Option<u32>,
    /// Highest sequence number sent plus the data length.
    pub next_seq: Option<u32>,
    pub fin: bool,
}

#[derive(Clone, Debug)]
pub struct TcpTracker {
    pub state: TcpState,
    /// Index 0: client, 1: server.
    pub ends: [Endpoint; 2],
    pub midstream: bool,
    /// Set once the handshake completed (or a midstream pick-up happened).
    pub reached_established: bool,
}

impl TcpTracker {
    pub fn new() -> Self {
        TcpTracker {
            state: TcpState::Untracked,
            ends: [Endpoint::default(); 2],
            midstream: false,
            reached_established: false,
        }
    }

    /// True when `flow:established` holds for packets of this session.
    pub fn is_established(&self) -> bool {
        matches!(self.state, TcpState::Established | TcpState::Closing)
            || (self.state == TcpState::Closed && self.reached_established)
    }

    /// Updates the state with one packet travelling in `dir`.
    pub fn update(&mut self, tcp: &TcpHeader, payload_len: usize, dir: Direction, opts: StreamOptions, first: bool) {
        let syn = tcp.flags & tcp_flags::SYN != 0;
        let ack = tcp.flags & tcp_flags::ACK != 0;
        let rst = tcp.flags & tcp_flags::RST != 0;
        let fin = tcp.flags & tcp_flags::FIN != 0;
        let side = match dir {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        };
        self.track_seq(side, tcp, payload_len, syn, fin);
        match self.state {
            TcpState::Untracked => {
                if syn && !ack && dir == Direction::ToServer {
                    self.state = TcpState::SynSent;
                } else if syn && ack && (opts.midstream || opts.async_oneside) {
                    // A SYN/ACK first: the handshake is nearly done.
                    self.state = TcpState::SynRecv;
                    self.midstream = true;
                } else if first && opts.midstream && !rst && !syn {
                    self.state = TcpState::Established;
                    self.midstream = true;
                    self.reached_established = true;
                }
            }
            TcpState::SynSent => {
                if rst {
                    self.state = TcpState::Closed;
                } else if syn && ack && dir == Direction::ToClient {
                    self.state = TcpState::SynRecv;
                } else if ack && !syn && dir == Direction::ToServer && opts.async_oneside {
                    // Only the client side is visible.
                    self.state = TcpState::Established;
                    self.reached_established = true;
                }
            }
            TcpState::SynRecv => {
                if rst {
                    self.state = TcpState::Closed;
                } else if ack && !syn && (dir == Direction::ToServer || opts.async_oneside) {
                    self.state = TcpState::Established;
                    self.reached_established = true;
                    if fin {
                        self.state = TcpState::Closing;
                    }
                }
            }
            TcpState::Established => {
                if rst {
                    self.state = TcpState::Closed;
                } else if fin {
                    self.state = TcpState::Closing;
                }
            }
            TcpState::Closing => {
                if rst || (self.ends[0].fin && self.ends[1].fin) {
                    self.state = TcpState::Closed;
                }
            }
            TcpState::Closed => {
                if syn && !ack && dir == Direction::ToServer && !self.reached_established {
                    self.state = TcpState::SynSent;
                }
            }
        }
    }

    fn track_seq(&mut self, side: usize, tcp: &TcpHeader, payload_len: usize, syn: bool, fin: bool) {
        let end = &mut self.ends[side];
        if syn {
            end.isn = Some(tcp.seq);
        }
        let consumed = payload_len as u32 + u32::from(syn) + u32::from(fin);
        let next = tcp.seq.wrapping_add(consumed);
        end.next_seq = Some(match end.next_seq {
            // Wrapping comparison: keep the later of the two.
            Some(prev) if (next.wrapping_sub(prev) as i32) < 0 => prev,
            _ => next,
        });
        if fin {
            end.fin = true;
        }
    }

    /// Bytes sent by one side according to sequence numbers (stream_size).
    pub fn stream_bytes(&self, side: usize) -> Option<u64> {
        let end = &self.ends[side];
        let (isn, next) = (end.isn?, end.next_seq?);
        Some(u64::from(next.wrapping_sub(isn)))
    }
}

impl Default for TcpTracker {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(flags: u8, seq: u32) -> TcpHeader {
        TcpHeader {
            sport: 1,
            dport: 2,
            seq,
            ack: 0,
            flags,
            window: 0,
            urgent: 0,
            header_len: 20,
            has_options: false,
        }
    }

    const S: u8 = tcp_flags::SYN;
    const A: u8 = tcp_flags::ACK;
    const F: u8 = tcp_flags::FIN;
    const R: u8 = tcp_flags::RST;

    #[test]
    fn handshake_to_close() {
        let o = StreamOptions::default();
        let mut t = TcpTracker::new();
        t.update(&seg(S, 100), 0, Direction::ToServer, o, true);
        assert_eq!(t.state, TcpState::SynSent);
        t.update(&seg(S | A, 500), 0, Direction::ToClient, o, false);
        assert_eq!(t.state, TcpState::SynRecv);
        assert!(!t.is_established());
        t.update(&seg(A, 101), 0, Direction::ToServer, o, false);
        assert!(t.is_established());
        t.update(&seg(A, 101), 10, Direction::ToServer, o, false);
        assert_eq!(t.stream_bytes(0), Some(11));
        t.update(&seg(F | A, 111), 0, Direction::ToServer, o, false);
        assert_eq!(t.state, TcpState::Closing);
        t.update(&seg(F | A, 501), 0, Direction::ToClient, o, false);
        assert_eq!(t.state, TcpState::Closed);
        assert!(t.is_established());
    }

    #[test]
    fn no_handshake_without_midstream_is_untracked() {
        let mut t = TcpTracker::new();
        t.update(&seg(A, 1), 5, Direction::ToServer, StreamOptions::default(), true);
        assert_eq!(t.state, TcpState::Untracked);
        assert!(!t.is_established());
    }

    #[test]
    fn midstream_pickup() {
        let o = StreamOptions {
            midstream: true,
            async_oneside: false,
        };
        let mut t = TcpTracker::new();
        t.update(&seg(A, 1), 5, Direction::ToServer, o, true);
        assert!(t.is_established());
    }

    #[test]
    fn async_oneside() {
        let o = StreamOptions {
            midstream: false,
            async_oneside: true,
        };
        let mut t = TcpTracker::new();
        t.update(&seg(S, 1), 0, Direction::ToServer, o, true);
        t.update(&seg(A, 2), 0, Direction::ToServer, o, false);
        assert!(t.is_established());
    }

    #[test]
    fn reset_closes_handshake() {
        let o = StreamOptions::default();
        let mut t = TcpTracker::new();
        t.update(&seg(S, 1), 0, Direction::ToServer, o, true);
        t.update(&seg(R | A, 0), 0, Direction::ToClient, o, false);
        assert_eq!(t.state, TcpState::Closed);
        assert!(!t.is_established());
    }

    #[test]
    fn sequence_wraps() {
        let o = StreamOptions::default();
        let mut t = TcpTracker::new();
        t.update(&seg(S, u32::MAX - 1), 0, Direction::ToServer, o, true);
        t.update(&seg(A, u32::MAX), 10, Direction::ToServer, o, false);
        assert_eq!(t.stream_bytes(0), Some(11));
    }
}
