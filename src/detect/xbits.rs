//! The xbits themselves: named bits per host or per address pair, each
//! with the packet time it expires at. One table for the sensor, kept by
//! the sequencer, so a bit set by a match in one flow (on any worker) is
//! seen by every later packet in capture order. Bounded: past its cap
//! the least recently set bit goes, and is counted.

use crate::rules::xbits::{XbitCmd, XbitOp, XbitTrack};
use crate::timestamp::Timestamp;
use foldhash::fast::FixedState;
use hashlink::LinkedHashMap;
use std::net::IpAddr;

/// Bits kept at most.
pub const MAX_BITS: usize = 65_536;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Owner {
    Host(IpAddr),
    /// The lower address first: a pair is the same either way round.
    Pair(IpAddr, IpAddr),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct XbitStats {
    /// Bits set (or set again) by matching rules.
    pub set: u64,
    /// Bits dropped at the cap before they expired.
    pub evicted: u64,
}

pub struct XbitState {
    /// (owner, name) to the packet time the bit expires at.
    bits: LinkedHashMap<(Owner, u32), Timestamp, FixedState>,
    cap: usize,
    pub stats: XbitStats,
}

impl Default for XbitState {
    fn default() -> Self {
        XbitState::with_cap(MAX_BITS)
    }
}

impl XbitState {
    pub fn with_cap(cap: usize) -> Self {
        XbitState {
            bits: LinkedHashMap::with_hasher(FixedState::with_seed(0x0b17)),
            cap: cap.max(1),
            stats: XbitStats::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.bits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    /// Runs `ops` for a match of a packet from `src` to `dst` at `now`:
    /// true when every test holds, in which case the changes are made (in
    /// rule order) and the match stands.
    pub fn apply(&mut self, ops: &[XbitOp], now: Timestamp, src: IpAddr, dst: IpAddr) -> bool {
        let owner = |track| match track {
            XbitTrack::IpSrc => Owner::Host(src),
            XbitTrack::IpDst => Owner::Host(dst),
            XbitTrack::IpPair => Owner::Pair(src.min(dst), src.max(dst)),
        };
        let holds = ops.iter().filter(|op| op.cmd.is_test()).all(|op| {
            let set = self.is_set((owner(op.track), op.name), now);
            set == (op.cmd == XbitCmd::IsSet)
        });
        if !holds {
            return false;
        }
        for op in ops.iter().filter(|op| !op.cmd.is_test()) {
            let key = (owner(op.track), op.name);
            let set_now = match op.cmd {
                XbitCmd::Set => true,
                XbitCmd::Toggle => !self.is_set(key, now),
                _ => false,
            };
            if set_now {
                let until =
                    Timestamp::from_micros(now.as_micros().saturating_add(i64::from(op.expire_secs) * 1_000_000));
                self.set(key, until);
            } else {
                self.bits.remove(&key);
            }
        }
        true
    }

    /// Whether the bit is set and not expired at `now` (an expired one is
    /// removed on the way).
    fn is_set(&mut self, key: (Owner, u32), now: Timestamp) -> bool {
        match self.bits.get(&key) {
            Some(until) if until.as_micros() >= now.as_micros() => true,
            Some(_) => {
                self.bits.remove(&key);
                false
            }
            None => false,
        }
    }

    fn set(&mut self, key: (Owner, u32), until: Timestamp) {
        self.stats.set += 1;
        // Latest set last: the front is the next to go at the cap.
        self.bits.remove(&key);
        while self.bits.len() >= self.cap {
            if self.bits.pop_front().is_none() {
                break;
            }
            self.stats.evicted += 1;
        }
        self.bits.insert(key, until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::flow_keywords::NameTable;
    use crate::rules::xbits::parse_xbits;

    fn ops(names: &mut NameTable, text: &[&str]) -> Vec<XbitOp> {
        text.iter().map(|t| parse_xbits(t, names).unwrap()).collect()
    }

    fn at(secs: i64, src: [u8; 4], dst: [u8; 4]) -> (Timestamp, IpAddr, IpAddr) {
        (Timestamp::from_micros(secs * 1_000_000), src.into(), dst.into())
    }

    impl XbitState {
        fn check(&mut self, ops: &[XbitOp], (now, src, dst): (Timestamp, IpAddr, IpAddr)) -> bool {
            self.apply(ops, now, src, dst)
        }
    }

    const CLIENT: [u8; 4] = [10, 0, 0, 5];
    const SERVER: [u8; 4] = [203, 0, 113, 9];

    #[test]
    fn a_bit_set_on_the_request_is_seen_on_the_reply_until_it_expires() {
        let mut n = NameTable::default();
        let set = ops(&mut n, &["set,probe,track ip_dst,expire 10"]);
        let check = ops(&mut n, &["isset,probe,track ip_src"]);
        let mut s = XbitState::default();
        assert!(!s.check(&check, at(0, SERVER, CLIENT)), "nothing set yet");
        assert!(s.check(&set, at(1, CLIENT, SERVER)));
        assert!(s.check(&check, at(5, SERVER, CLIENT)));
        assert!(s.check(&check, at(11, SERVER, CLIENT)), "expires after 10 s, not at");
        assert!(!s.check(&check, at(12, SERVER, CLIENT)));
        assert!(s.is_empty(), "the expired bit is gone");
        assert!(!s.check(&check, at(5, CLIENT, SERVER)), "another host's bit");
    }

    #[test]
    fn a_pair_is_the_same_either_way_round_and_tests_gate_the_changes() {
        let mut n = NameTable::default();
        let set = ops(&mut n, &["set,p,track ip_pair"]);
        let swap = ops(
            &mut n,
            &["isset,p,track ip_pair", "unset,p,track ip_pair", "set,q,track ip_src"],
        );
        let q = ops(&mut n, &["isset,q,track ip_src"]);
        let mut s = XbitState::default();
        assert!(!s.check(&swap, at(0, SERVER, CLIENT)));
        assert!(!s.check(&q, at(0, SERVER, CLIENT)), "a failed test changes nothing");
        assert!(s.check(&set, at(1, CLIENT, SERVER)));
        assert!(s.check(&swap, at(2, SERVER, CLIENT)));
        assert!(s.check(&q, at(3, SERVER, CLIENT)));
        assert!(!s.check(&swap, at(4, SERVER, CLIENT)), "unset by the previous match");
    }

    #[test]
    fn toggle_isnotset_and_the_cap() {
        let mut n = NameTable::default();
        let toggle = ops(&mut n, &["toggle,t,track ip_src"]);
        let unset_test = ops(&mut n, &["isnotset,t,track ip_src"]);
        let mut s = XbitState::with_cap(2);
        assert!(s.check(&unset_test, at(0, CLIENT, SERVER)));
        assert!(s.check(&toggle, at(1, CLIENT, SERVER)));
        assert!(!s.check(&unset_test, at(2, CLIENT, SERVER)));
        assert!(s.check(&toggle, at(3, CLIENT, SERVER)));
        assert!(s.check(&unset_test, at(4, CLIENT, SERVER)));
        for host in 1..=3u8 {
            assert!(s.check(&toggle, at(5, [10, 0, 1, host], SERVER)));
        }
        assert_eq!(s.len(), 2);
        assert_eq!(s.stats.evicted, 1);
        assert!(s.check(&unset_test, at(6, [10, 0, 1, 1], SERVER)), "the oldest went");
    }
}
