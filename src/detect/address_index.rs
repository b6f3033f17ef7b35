//! Address prefilter for rules decided mostly by their addresses (IP-only
//! rules such as IP reputation lists): the address space is cut into
//! segments, each listing the rules whose narrower side covers it, so a
//! packet finds its candidates with two binary searches.

use crate::rules::Rule;
use crate::rules::address::IpSet;
use std::net::IpAddr;

/// A side wider than this many IPv4 addresses is not worth indexing.
const WIDE: u128 = 1 << 24;

/// Sorted segments: segment `i` covers `[starts[i], starts[i + 1])`.
struct Segments<T> {
    starts: Vec<T>,
    rules: Vec<Vec<u32>>,
}

impl<T: Copy + Ord + Default> Segments<T> {
    fn build(mut ranges: Vec<(T, T, u32)>, succ: impl Fn(T) -> Option<T>) -> Segments<T> {
        let mut starts: Vec<T> = Vec::with_capacity(ranges.len() * 2 + 1);
        starts.push(T::default());
        for &(lo, hi, _) in &ranges {
            starts.push(lo);
            if let Some(next) = succ(hi) {
                starts.push(next);
            }
        }
        starts.sort_unstable();
        starts.dedup();
        let mut rules = vec![Vec::new(); starts.len()];
        ranges.sort_unstable_by_key(|r| r.2);
        for (lo, hi, rule) in ranges {
            let first = starts.partition_point(|s| *s < lo);
            let mut i = first;
            while i < starts.len() && starts[i] <= hi {
                if rules[i].last() != Some(&rule) {
                    rules[i].push(rule);
                }
                i += 1;
            }
        }
        Segments { starts, rules }
    }

    fn lookup(&self, v: T) -> &[u32] {
        let i = self.starts.partition_point(|s| *s <= v);
        match i.checked_sub(1) {
            Some(i) => &self.rules[i],
            None => &[],
        }
    }
}

/// One side's index (queried with the packet's source or destination).
struct SideIndex {
    v4: Segments<u32>,
    v6: Segments<u128>,
}

impl SideIndex {
    fn build(entries: &[(&IpSet, u32)]) -> SideIndex {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (set, rule) in entries {
            v4.extend(set.v4.ranges().iter().map(|&(lo, hi)| (lo, hi, *rule)));
            v6.extend(set.v6.ranges().iter().map(|&(lo, hi)| (lo, hi, *rule)));
        }
        SideIndex {
            v4: Segments::build(v4, |x: u32| x.checked_add(1)),
            v6: Segments::build(v6, |x: u128| x.checked_add(1)),
        }
    }

    fn lookup(&self, ip: IpAddr) -> &[u32] {
        match ip {
            IpAddr::V4(a) => self.v4.lookup(u32::from(a)),
            IpAddr::V6(a) => self.v6.lookup(u128::from(a)),
        }
    }
}

fn width(set: &IpSet) -> u128 {
    let v6 = if set.v6.is_empty() {
        0
    } else {
        set.v6.count_saturating().max(WIDE)
    };
    set.v4.count_saturating().saturating_add(v6)
}

pub struct AddressIndex {
    by_src: SideIndex,
    by_dst: SideIndex,
    /// Rules wide on both sides: candidates for every packet.
    always: Vec<u32>,
}

impl AddressIndex {
    pub fn build<'a>(rules: impl Iterator<Item = (u32, &'a Rule)>) -> AddressIndex {
        let mut src_entries: Vec<(&IpSet, u32)> = Vec::new();
        let mut dst_entries: Vec<(&IpSet, u32)> = Vec::new();
        let mut always = Vec::new();
        for (idx, r) in rules {
            let (ws, wd) = (width(&r.src), width(&r.dst));
            if ws.min(wd) > WIDE {
                always.push(idx);
                continue;
            }
            let narrow = if ws <= wd { &r.src } else { &r.dst };
            let narrow_is_src = ws <= wd;
            if r.bidirectional {
                // Either packet address may be on the rule's narrow side.
                src_entries.push((narrow, idx));
                dst_entries.push((narrow, idx));
            } else if narrow_is_src {
                src_entries.push((narrow, idx));
            } else {
                dst_entries.push((narrow, idx));
            }
        }
        AddressIndex {
            by_src: SideIndex::build(&src_entries),
            by_dst: SideIndex::build(&dst_entries),
            always,
        }
    }

    /// Calls `hit` with every rule the packet's addresses may match.
    pub fn candidates(&self, src: IpAddr, dst: IpAddr, mut hit: impl FnMut(u32)) {
        self.always.iter().for_each(|r| hit(*r));
        self.by_src.lookup(src).iter().for_each(|r| hit(*r));
        self.by_dst.lookup(dst).iter().for_each(|r| hit(*r));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::classification::Classifications;
    use crate::rules::{Loader, Vars};

    fn rules(text: &str) -> Vec<Rule> {
        let vars = Vars::default();
        let classes = Classifications::default();
        let mut l = Loader::new(&vars, &classes);
        l.add_text(text, "t");
        let set = l.finish();
        assert!(set.diagnostics.is_empty(), "{:?}", set.diagnostics);
        set.rules
    }

    fn found(idx: &AddressIndex, src: &str, dst: &str) -> Vec<u32> {
        let mut v = Vec::new();
        idx.candidates(src.parse().unwrap(), dst.parse().unwrap(), |r| v.push(r));
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn narrow_sides_are_indexed() {
        let rs = rules(
            "alert ip [1.2.3.4,5.6.7.0/24] any -> $HOME_NET any (sid:1;)\n\
             alert ip $HOME_NET any -> 9.9.9.9 any (sid:2;)\n\
             alert ip any any -> any any (sid:3;)\n\
             alert ip 2001:db8::1 any <> $HOME_NET any (sid:4;)\n",
        );
        let idx = AddressIndex::build(rs.iter().enumerate().map(|(i, r)| (i as u32, r)));
        assert_eq!(found(&idx, "1.2.3.4", "10.0.0.1"), vec![0, 2]);
        assert_eq!(found(&idx, "5.6.7.200", "8.8.8.8"), vec![0, 2]);
        assert_eq!(found(&idx, "10.0.0.1", "9.9.9.9"), vec![1, 2]);
        assert_eq!(found(&idx, "10.0.0.1", "9.9.9.8"), vec![2]);
        assert_eq!(found(&idx, "2001:db8::1", "::1"), vec![2, 3]);
        assert_eq!(found(&idx, "::1", "2001:db8::1"), vec![2, 3]);
    }

    #[test]
    fn candidates_are_a_superset_of_matches() {
        let rs = rules(
            "alert ip [10.0.0.0/8,!10.1.0.0/16] any -> 192.168.1.1 any (sid:1;)\n\
             alert ip 172.16.5.5 any -> [1.0.0.0/8,2.0.0.0/8] any (sid:2;)\n",
        );
        let idx = AddressIndex::build(rs.iter().enumerate().map(|(i, r)| (i as u32, r)));
        for (s, d) in [
            ("10.2.3.4", "192.168.1.1"),
            ("172.16.5.5", "2.3.4.5"),
            ("10.1.0.1", "192.168.1.1"),
        ] {
            let c = found(&idx, s, d);
            for (i, r) in rs.iter().enumerate() {
                if r.src.contains(s.parse().unwrap()) && r.dst.contains(d.parse().unwrap()) {
                    assert!(c.contains(&(i as u32)), "{s}->{d} misses sid {}", r.sid);
                }
            }
        }
    }
}
